"""QR decoders for camera frames: zxing-cpp (preferred), pyzbar, and the one picked by availability.

Every decoder follows the same contract (desk.devices.base.Decoder): it looks for QR codes
only, never raises because of what a frame contains, and hands back whatever text a code
holds, hostile or not. Judging the text is the verifier's job; we only cap its length so a
giant payload cannot flood a log line or a label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from desk.devices.base import Decoded, Decoder, DeviceError

log = logging.getLogger(__name__)

# A desk code is 133 characters and a portal ticket code far less; anything longer is
# reported cut to this many characters (the verifier will reject it anyway).
MAX_PAYLOAD_CHARS = 1024

# Below this frame height a half-size pass sees codes too small to read: go straight to full size.
_HALF_MIN_HEIGHT = 720


def payload_text(raw: bytes) -> str:
    """Turn a code's raw bytes into text: UTF-8 when valid, else latin-1 (never fails), capped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # latin-1 maps every byte to one character, so binary payloads survive intact.
        text = raw.decode("latin-1")
    return text[:MAX_PAYLOAD_CHARS]


def to_grey(frame: object) -> np.ndarray | None:
    """Return an 8-bit single-channel view of a frame, or None when it is not an image."""
    if not isinstance(frame, np.ndarray) or frame.size == 0 or frame.ndim not in (2, 3):
        return None
    if frame.dtype != np.uint8:
        if not np.issubdtype(frame.dtype, np.number):
            return None
        frame = np.clip(np.nan_to_num(frame), 0, 255).astype(np.uint8)
    if frame.ndim == 3:
        channels = frame.shape[2]
        if channels == 1:
            frame = frame[:, :, 0]
        elif channels == 3:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        elif channels == 4:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
        else:
            return None
    return np.ascontiguousarray(frame)


class ZxingDecoder:
    """zxing-cpp, QR only. Reads a half-size frame first, full size when that finds nothing.

    Measured on synthetic 1080p frames (benchmarks/scan.py): the half-size pass costs about
    1.5 ms and reads most codes; the full-size pass costs about 5 ms on an idle, noisy frame
    and catches the small or tilted codes the half pass misses. To keep an idle camera cheap,
    the full-size pass on a frame where the half pass saw nothing at all runs only on every
    `full_stride`-th such frame in a row; when the half pass sees a code it cannot read, the
    full pass runs at once. A badge held up for a tenth of a second therefore always gets a
    full-size look. One instance belongs to one camera worker (it keeps that small count).
    """

    name = "zxing"

    def __init__(self, half_first: bool = True, full_stride: int = 3) -> None:
        """Raise DeviceError when zxing-cpp is not installed."""
        try:
            import zxingcpp  # noqa: PLC0415 - optional backend: absent is a DeviceError
        except ImportError as exc:
            raise DeviceError("the zxing-cpp QR decoder is not installed") from exc
        self._zx = zxingcpp
        self._half_first = half_first
        self._full_stride = max(1, full_stride)
        self._idle_frames = 0  # consecutive frames where the half pass saw nothing

    def _read(self, grey: np.ndarray, scale: float) -> tuple[list[Decoded], bool]:
        """One zxing pass; return the codes read and whether an unreadable code was seen."""
        results = self._zx.read_barcodes(
            grey,
            formats=self._zx.BarcodeFormat.QRCode,
            try_rotate=False,  # QR finder patterns are rotation invariant already
            try_downscale=False,  # we choose the scales ourselves
            try_invert=False,  # badges are printed dark on light
            return_errors=True,
        )
        found: list[Decoded] = []
        seen_unreadable = False
        for r in results:
            if not r.valid:
                seen_unreadable = True
                continue
            pos = r.position
            corners = tuple(
                (int(round(p.x * scale)), int(round(p.y * scale)))
                for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            )
            found.append(Decoded(text=payload_text(bytes(r.bytes)), corners=corners, decoder=self.name))
        return found, seen_unreadable

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        """Return the QR codes readable in a BGR/grey frame; [] for no code or no image."""
        grey = to_grey(frame)
        if grey is None:
            return []
        try:
            return self._decode_grey(grey)
        except Exception:
            log.exception("zxing-cpp failed on a %s frame", grey.shape)
            return []

    def _decode_grey(self, grey: np.ndarray) -> list[Decoded]:
        height, width = grey.shape
        if not self._half_first or height < _HALF_MIN_HEIGHT:
            return self._read(grey, 1.0)[0]
        half = cv2.resize(grey, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
        found, unreadable = self._read(half, width / (width // 2))
        if found:
            self._idle_frames = 0
            return found
        if not unreadable:
            self._idle_frames += 1
            # The stride counts from the first idle frame, so a fresh decoder looks at full size.
            if (self._idle_frames - 1) % self._full_stride:
                return []
        else:
            self._idle_frames = 0
        return self._read(grey, 1.0)[0]


class PyzbarDecoder:
    """ZBar through pyzbar, QR only. About ten times slower than zxing-cpp and weaker on glare."""

    name = "pyzbar"

    def __init__(self) -> None:
        """Raise DeviceError when pyzbar or the libzbar0 system library is missing."""
        try:
            from pyzbar import pyzbar  # noqa: PLC0415 - optional backend: absent is a DeviceError
        except ImportError as exc:  # pyzbar raises ImportError when libzbar.so is absent too
            raise DeviceError("the pyzbar QR decoder is not available (is libzbar0 installed?)") from exc
        self._pyzbar = pyzbar

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        """Return the QR codes readable in a BGR/grey frame; [] for no code or no image."""
        grey = to_grey(frame)
        if grey is None:
            return []
        try:
            results = self._pyzbar.decode(grey, symbols=[self._pyzbar.ZBarSymbol.QRCODE])
        except Exception:
            log.exception("pyzbar failed on a %s frame", grey.shape)
            return []
        return [
            Decoded(
                text=payload_text(r.data),
                corners=tuple((int(p.x), int(p.y)) for p in r.polygon),
                decoder=self.name,
            )
            for r in results
        ]


DecoderSource = Decoder | Callable[[], Decoder]


class FallbackDecoder:
    """The first decoder that can be built, in order of preference (zxing-cpp, then pyzbar).

    Each source is a decoder or a zero-argument factory (a decoder class works); a factory
    that raises ImportError or DeviceError is skipped. If none can be built, construction
    raises DeviceError with a sentence naming what to install.
    """

    def __init__(self, primary: DecoderSource | None = None, fallback: DecoderSource | None = None) -> None:
        sources: Sequence[DecoderSource] = (primary or ZxingDecoder, fallback or PyzbarDecoder)
        problems: list[str] = []
        active: Decoder | None = None
        for source in sources:
            try:
                # A class is a factory even though it has a decode attribute itself.
                is_factory = isinstance(source, type) or not hasattr(source, "decode")
                active = source() if is_factory else source  # type: ignore[operator]
                break
            except (ImportError, DeviceError) as exc:
                problems.append(str(exc))
        if active is None:
            raise DeviceError("no QR decoder can run here: " + "; ".join(problems) + ". Install zxing-cpp.")
        self.active: Decoder = active
        self.skipped = problems  # why the preferred decoders were not used, for the log
        self.name = self.active.name

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        """Decode with the active decoder (never raises on content)."""
        return self.active.decode(frame)


def default_decoder() -> FallbackDecoder:
    """Return the decoder desk uses at the camera: zxing-cpp, or pyzbar when zxing is missing."""
    return FallbackDecoder(ZxingDecoder, PyzbarDecoder)
