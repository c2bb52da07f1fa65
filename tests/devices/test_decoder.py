"""QR decoders: codes read under the camera's usual troubles, nothing ever raises."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from desk.devices.base import Decoder, DeviceError
from desk.devices.decoder import (
    MAX_PAYLOAD_CHARS,
    FallbackDecoder,
    PyzbarDecoder,
    ZxingDecoder,
    default_decoder,
    payload_text,
)
from desk.devices.synthetic import Degradation, make_frame, qr_matrix, sample_code

DEGRADED = {
    "tilt 35°": Degradation(tilt_deg=35, rotate_deg=12),
    "blur σ1.5": Degradation(blur_sigma=1.5),
    "noise σ40": Degradation(noise_sigma=40),
    "glare": Degradation(glare=0.9),
    "jpeg q25": Degradation(jpeg_quality=25),
    "all at once": Degradation(tilt_deg=25, blur_sigma=1.0, noise_sigma=15, glare=0.6, jpeg_quality=60),
}


@pytest.fixture(scope="module")
def zxing() -> ZxingDecoder:
    return ZxingDecoder()


def test_badge_code_is_a_version_6_or_7_qr() -> None:
    code = sample_code(1)
    assert len(code) == 133 and code.startswith("D1:")
    # 4-module quiet zone on each side: version 6 is 41 modules, version 7 is 45.
    assert qr_matrix(code, "M").shape[0] - 8 in (41, 45)


@pytest.mark.parametrize("size", ["720p", "1080p"])
@pytest.mark.parametrize("name", list(DEGRADED))
def test_zxing_reads_degraded_badges(name: str, size: str) -> None:
    seeds = range(4)
    read = 0
    for seed in seeds:
        code = sample_code(seed)
        frame = make_frame(code, size, module_px=4.5, degradation=DEGRADED[name], seed=seed)
        # A fresh decoder per frame: each frame gets the half-size and the full-size look.
        texts = [d.text for d in ZxingDecoder().decode(frame)]
        read += texts == [code]
    assert read == len(seeds)


def test_corners_are_in_full_frame_pixels(zxing: ZxingDecoder) -> None:
    code = sample_code(7)
    frame = make_frame(code, "1080p", module_px=5, centre=(0.75, 0.6), seed=7)
    (found,) = zxing.decode(frame)
    xs = [x for x, _ in found.corners]
    ys = [y for _, y in found.corners]
    assert len(found.corners) == 4 and found.decoder == "zxing"
    # The code (49 modules with quiet zone x 5 px) is centred at (1440, 648).
    assert abs(sum(xs) / 4 - 1440) < 30 and abs(sum(ys) / 4 - 648) < 30


def test_pyzbar_reads_a_clean_badge() -> None:
    code = sample_code(2)
    frame = make_frame(code, "720p", module_px=5, seed=2)
    assert [d.text for d in PyzbarDecoder().decode(frame)] == [code]


@pytest.mark.parametrize("decoder_cls", [ZxingDecoder, PyzbarDecoder])
def test_empty_frames_give_nothing(decoder_cls: type) -> None:
    decoder = decoder_cls()
    for seed in range(3):
        assert decoder.decode(make_frame(None, "720p", degradation=Degradation(noise_sigma=10), seed=seed)) == []
    assert decoder.decode(np.zeros((720, 1280, 3), np.uint8)) == []


@pytest.mark.parametrize(
    "payload",
    [
        bytes(range(256)),
        b"\x00\x1b[2J\x07" * 20,
        "x" * 2000,
        "%s%n%x{0}{__class__}" * 10,
        "D1:" + "\u202e" + "ABC\r\nDROP TABLE attendee;",
    ],
    ids=["bytes-0-255", "control", "2000-chars", "format-strings", "unicode-tricks"],
)
@pytest.mark.parametrize("decoder_cls", [ZxingDecoder, PyzbarDecoder])
def test_hostile_payloads_come_back_as_capped_text(payload: str | bytes, decoder_cls: type) -> None:
    frame = make_frame(payload, "1080p", module_px=6 if len(payload) > 500 else 5, centre=(0.5, 0.5), seed=1)
    found = decoder_cls().decode(frame)
    for d in found:
        assert isinstance(d.text, str) and len(d.text) <= MAX_PAYLOAD_CHARS
    if decoder_cls is ZxingDecoder:
        expected = payload.decode("latin-1") if isinstance(payload, bytes) else payload
        assert [d.text for d in found] == [expected[:MAX_PAYLOAD_CHARS]]


def test_payload_text_never_fails() -> None:
    assert payload_text("Łódź".encode()) == "Łódź"
    assert payload_text(b"\xff\xfe\x00") == "\xff\xfe\x00"
    assert len(payload_text(b"A" * 5000)) == MAX_PAYLOAD_CHARS


@pytest.mark.parametrize(
    "frame",
    [
        None,
        np.zeros((0, 0, 3), np.uint8),
        np.zeros((5,), np.uint8),
        np.zeros((10, 10, 2), np.uint8),
        np.full((64, 64), np.nan),
        np.ones((64, 64, 4), np.uint8) * 255,
        np.zeros((64, 64, 3), np.float32),
        np.array([["a", "b"]]),
        np.zeros((1080, 1920, 3), np.uint8)[::3, ::2],
    ],
    ids=["none", "empty", "1d", "2-channel", "nan", "bgra", "float", "strings", "strided"],
)
def test_odd_frames_give_nothing(frame: object, zxing: ZxingDecoder) -> None:
    assert zxing.decode(frame) == []  # type: ignore[arg-type]
    assert PyzbarDecoder().decode(frame) == []  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    frame=arrays(
        np.uint8,
        st.tuples(st.integers(1, 80), st.integers(1, 80), st.sampled_from([1, 3, 4])),
        elements=st.integers(0, 255),
    )
)
def test_random_frames_never_raise(frame: np.ndarray, zxing: ZxingDecoder) -> None:
    for decoder in (zxing, PyzbarDecoder()):
        assert isinstance(decoder.decode(frame), list)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), sigma=st.floats(0, 120))
def test_random_noise_never_raises_nor_invents_codes(seed: int, sigma: float) -> None:
    rng = np.random.default_rng(seed)
    frame = np.clip(rng.normal(128, sigma, size=(360, 640, 3)), 0, 255).astype(np.uint8)
    assert ZxingDecoder().decode(frame) == []


def test_idle_full_size_pass_runs_on_a_stride() -> None:
    # A small tilted code: the half-size pass sees nothing, only the full-size pass reads it.
    code = sample_code(0)
    hard = make_frame(code, "1080p", module_px=3.0, degradation=Degradation(tilt_deg=35), seed=0)
    assert [d.text for d in ZxingDecoder(half_first=False).decode(hard)] == [code]
    decoder = ZxingDecoder(full_stride=3)
    assert decoder.decode(make_frame(None, "1080p", seed=5)) == []  # idle frame 1: full pass
    assert decoder.decode(hard) == []  # idle-looking frame 2: half pass only
    assert decoder.decode(hard) == []  # 3: half pass only
    assert [d.text for d in decoder.decode(hard)] == [code]  # 4: full pass again


def test_fallback_prefers_zxing() -> None:
    decoder = default_decoder()
    assert decoder.name == "zxing" and isinstance(decoder, Decoder)


def test_fallback_uses_pyzbar_without_zxing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # import now raises ImportError
    decoder = FallbackDecoder()
    assert decoder.name == "pyzbar" and "zxing-cpp" in decoder.skipped[0]
    code = sample_code(3)
    assert [d.text for d in decoder.decode(make_frame(code, "720p", module_px=5, seed=3))] == [code]


def test_fallback_without_libzbar_is_zxing_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    with pytest.raises(DeviceError, match="libzbar0"):
        PyzbarDecoder()
    assert FallbackDecoder().name == "zxing"


def test_no_decoder_at_all_is_a_clear_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("zxingcpp", "pyzbar", "pyzbar.pyzbar"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(DeviceError, match="no QR decoder can run here.*zxing-cpp.*libzbar0"):
        FallbackDecoder()


def test_fallback_accepts_ready_decoders() -> None:
    pyzbar = PyzbarDecoder()
    assert FallbackDecoder(pyzbar, ZxingDecoder).active is pyzbar
