"""Sound cues: the shipped WAVs, the recording sink and the player around a system command."""

from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import numpy as np
import pytest

from desk import resources
from desk.devices.base import SoundSink
from desk.devices.sound import (
    CUES,
    SAMPLE_RATE_HZ,
    RecordingSound,
    SoundPlayer,
    cue_samples,
    find_player,
    synthesize_cues,
)


@pytest.mark.parametrize("cue", CUES)
def test_shipped_wavs_have_the_expected_format(cue: str) -> None:
    with wave.open(str(resources.sound(cue))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE_HZ)
        duration_s = wav.getnframes() / wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert 0.2 <= duration_s <= 1.5
    peak = np.abs(samples.astype(np.int32)).max()
    assert 8000 < peak < 32767  # audible, never clipped
    assert abs(int(samples[0])) < 1000 and abs(int(samples[-1])) < 1000  # no click at either end


def test_shipped_wavs_are_what_synthesize_writes(tmp_path: Path) -> None:
    for path in synthesize_cues(tmp_path):
        assert path.read_bytes() == resources.sound(path.stem).read_bytes()


def test_cues_sound_different() -> None:
    def dominant_hz(cue: str) -> float:
        samples = cue_samples(cue)
        spectrum = np.abs(np.fft.rfft(samples))
        return float(np.fft.rfftfreq(samples.size, 1 / SAMPLE_RATE_HZ)[spectrum.argmax()])

    pitches = {cue: dominant_hz(cue) for cue in CUES}
    assert pitches["error"] < 200 and pitches["round_end"] < 200 < pitches["warn"] < pitches["ok"] < 1200
    with pytest.raises(KeyError):
        cue_samples("fanfare")


def test_recording_sound_records_known_cues() -> None:
    sink = RecordingSound()
    assert isinstance(sink, SoundSink)
    for cue in ("ok", "warn", "fanfare", "error", "round_end", "ok"):
        sink.play(cue)
    assert sink.played == ["ok", "warn", "error", "round_end", "ok"]
    assert sink.ignored == ["fanfare"]


def test_player_without_a_player_binary_is_silent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to run on this PATH
    assert find_player() is None
    player = SoundPlayer()
    assert isinstance(player, SoundSink) and player.player is None
    for cue in CUES:
        player.play(cue)
    player.wait()


def _fake_player(folder: Path, body: str) -> Path:
    """A stand-in for paplay: a shell script that logs the file it was given."""
    script = folder / "paplay"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_player_hands_each_wav_to_the_system_player(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "played.log"
    _fake_player(tmp_path, f'echo "$1" >> {log}')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    player = SoundPlayer()
    assert player.player == str(tmp_path / "paplay")
    player.play("round_end")
    player.wait()
    player.play("ok")
    player.wait()
    player.play("no-such-cue")
    player.wait()
    assert log.read_text().splitlines() == [str(resources.sound("round_end")), str(resources.sound("ok"))]


def test_new_cue_cuts_the_previous_scan_cue_but_not_the_gong(tmp_path: Path) -> None:
    # A player that never finishes by itself, the way a long sound would still be playing.
    script = _fake_player(tmp_path, "exec sleep 30")
    player = SoundPlayer(player=str(script))
    player.play("round_end")
    player.play("warn")
    first_scan = player._playing
    player.play("ok")
    assert first_scan is not None and first_scan.returncode is not None  # cut short
    gong, last_scan = player._gongs[0], player._playing
    assert gong.poll() is None and last_scan is not None  # the gong plays on
    player.wait(timeout_s=0.1)  # kills what is left
    assert gong.returncode is not None and last_scan.returncode is not None


def test_player_that_cannot_start_is_ignored(tmp_path: Path) -> None:
    player = SoundPlayer(player=str(tmp_path / "gone"))
    player.play("ok")
    player.wait()


def test_missing_wav_is_ignored(tmp_path: Path) -> None:
    log = tmp_path / "played.log"
    script = _fake_player(tmp_path, f'echo "$1" >> {log}')
    player = SoundPlayer(player=str(script), sounds_dir=tmp_path / "empty")
    player.play("ok")
    player.wait()
    assert not log.exists()


def test_output_problem_names_a_missing_player_or_sound_card(tmp_path: Path) -> None:
    from desk.devices.sound import output_problem

    no_cards = tmp_path / "cards-none"
    no_cards.write_text("--- no soundcards ---\n")
    one_card = tmp_path / "cards-one"
    one_card.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 33\n")
    runtime = tmp_path / "run"
    (runtime / "pulse").mkdir(parents=True)
    assert "no sound player" in output_problem(None, one_card, {})
    assert output_problem("/usr/bin/aplay", no_cards, {}) == "no sound card or sound server found"
    assert output_problem("/usr/bin/aplay", tmp_path / "missing", {}) == "no sound card or sound server found"
    assert output_problem("/usr/bin/aplay", one_card, {}) is None
    # a PulseAudio server is enough for paplay, not for bare ALSA
    assert output_problem("/usr/bin/paplay", no_cards, {"XDG_RUNTIME_DIR": str(runtime)}) is not None
    (runtime / "pulse" / "native").touch()
    assert output_problem("/usr/bin/paplay", no_cards, {"XDG_RUNTIME_DIR": str(runtime)}) is None
    assert output_problem("/usr/bin/aplay", no_cards, {"XDG_RUNTIME_DIR": str(runtime)}) is not None


def test_player_without_a_player_reports_it_and_plays_nothing() -> None:
    player = SoundPlayer(player="")
    assert "no sound player" in player.output_problem()
    player.play("ok")  # nothing to play with: no error
    assert RecordingSound(problem="no sound card").output_problem() == "no sound card"
    assert RecordingSound().output_problem() is None
