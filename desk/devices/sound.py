"""Sound cues at the desk: the player that plays them, one that records them, and their WAVs.

A cue is played by handing the WAV to the system's command-line player in a child
process, so the desk never waits for a sound and needs no audio library. With no player
installed, or no sound card or sound server, cues are skipped and `output_problem()` says
why, so that the window can tell the desk worker: the screen still shows colour and text.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desk import resources

if TYPE_CHECKING:  # numpy is only needed to make the WAVs, not to play them (start-up time)
    import numpy as np

log = logging.getLogger(__name__)

CUES = ("ok", "warn", "error", "round_end")
# PulseAudio, PipeWire, then bare ALSA: whichever the laptop has, in that order.
PLAYERS = ("paplay", "pw-play", "aplay")
SAMPLE_RATE_HZ = 22050
ASOUND_CARDS = Path("/proc/asound/cards")


def find_player(candidates: Sequence[str] = PLAYERS) -> str | None:
    """Return the path of the first command-line WAV player on PATH, or None."""
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    return None


def _sound_server(env: Mapping[str, str]) -> bool:
    """A PulseAudio or PipeWire server this user can reach (its socket, or PULSE_SERVER)."""
    if env.get("PULSE_SERVER"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    return bool(runtime) and any((Path(runtime) / name).exists() for name in ("pulse/native", "pipewire-0"))


def _sound_cards(cards: Path) -> bool:
    try:
        text = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:  # no ALSA in this kernel or container
        return False
    return "no soundcards" not in text and any(line.strip()[:1].isdigit() for line in text.splitlines())


def output_problem(player: str | None, cards: Path = ASOUND_CARDS,
                   env: Mapping[str, str] | None = None) -> str | None:
    """Why cues cannot be heard on this computer, in a few words; None when they can.

    A sound server (PulseAudio, PipeWire) counts for paplay and pw-play; otherwise an ALSA
    sound card must be listed in /proc/asound/cards.
    """
    env = os.environ if env is None else env
    if not player:
        return "no sound player (" + ", ".join(PLAYERS) + ") is installed"
    if Path(player).name != "aplay" and _sound_server(env):
        return None
    if _sound_cards(cards):
        return None
    return "no sound card or sound server found"


class SoundPlayer:
    """Plays resources/sounds/<cue>.wav without blocking; a new cue cuts a scan cue short.

    A queue scanning fast must hear the answer to the badge in front of them, not the end
    of the previous one; the round-end gong, though, is never cut.
    """

    def __init__(self, player: str | None = None, sounds_dir: Path | None = None) -> None:
        self.player = player if player is not None else find_player()
        self.sounds_dir = sounds_dir
        self._playing: subprocess.Popen[bytes] | None = None
        self._playing_cue = ""
        self._gongs: list[subprocess.Popen[bytes]] = []

    def output_problem(self) -> str | None:
        """Why cues are not heard here (no player, no sound card), or None when they are."""
        return output_problem(self.player)

    def _wav(self, cue: str) -> Path | None:
        try:
            return self.sounds_dir / f"{cue}.wav" if self.sounds_dir else resources.sound(cue)
        except FileNotFoundError:
            return None

    def play(self, cue: str) -> None:
        """Start playing a cue and return at once; unknown cues and missing players are ignored."""
        if cue not in CUES or not self.player:
            return
        wav = self._wav(cue)
        if wav is None or not wav.is_file():
            log.warning("no sound file for cue %r", cue)
            return
        self._stop_scan_cue()
        try:
            process = subprocess.Popen(
                [self.player, str(wav)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:  # player removed or not executable since start-up
            log.warning("cannot play %s with %s: %s", cue, self.player, exc)
            return
        if cue == "round_end":
            self._gongs = [g for g in self._gongs if g.poll() is None] + [process]
        else:
            self._playing, self._playing_cue = process, cue

    def _stop_scan_cue(self) -> None:
        if self._playing is not None and self._playing.poll() is None:
            self._playing.terminate()
            self._playing.wait()  # reaps it; terminate() ends a player at once
        self._playing = None

    def wait(self, timeout_s: float = 5.0) -> None:
        """Wait for the cues still playing (at shutdown, and in tests); kill them after the timeout."""
        for process in [p for p in (self._playing, *self._gongs) if p is not None]:
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._playing, self._gongs = None, []


class RecordingSound:
    """A sound sink that plays nothing and remembers which cues were asked for (tests)."""

    def __init__(self, problem: str | None = None) -> None:
        self.played: list[str] = []
        self.ignored: list[str] = []
        self.problem = problem

    def output_problem(self) -> str | None:
        """What the test said is wrong with the sound output (None: nothing)."""
        return self.problem

    def play(self, cue: str) -> None:
        """Record a known cue; unknown cues go to `ignored`, as a real player ignores them."""
        (self.played if cue in CUES else self.ignored).append(cue)


# --- the cues themselves -------------------------------------------------------------------


def _tone(freq_hz: float, duration_s: float, attack_s: float = 0.01, decay_per_s: float = 0.0) -> np.ndarray:
    """A sine with a soft attack, an optional exponential decay and a short release (no clicks)."""
    import numpy as np  # noqa: PLC0415
    t = np.arange(int(duration_s * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    wave_ = np.sin(2 * np.pi * freq_hz * t)
    envelope = np.minimum(1.0, t / attack_s) * np.exp(-decay_per_s * t)
    release = np.minimum(1.0, (duration_s - t) / 0.02)
    return wave_ * envelope * release


def _silence(duration_s: float) -> np.ndarray:
    import numpy as np  # noqa: PLC0415
    return np.zeros(int(duration_s * SAMPLE_RATE_HZ))


def cue_samples(cue: str) -> np.ndarray:
    """Return a cue as float samples in [-1, 1] at SAMPLE_RATE_HZ; raise KeyError for unknown cues."""
    import numpy as np  # noqa: PLC0415
    if cue == "ok":
        # Rising major third, like a doorbell "ding-dong" upside down: friendly, quick.
        first = _tone(880.0, 0.14, decay_per_s=4) + 0.3 * _tone(1760.0, 0.14, decay_per_s=8)
        second = _tone(1108.7, 0.26, decay_per_s=5) + 0.3 * _tone(2217.5, 0.26, decay_per_s=9)
        samples = np.concatenate([first, second]) * 0.6
    elif cue == "warn":
        beep = _tone(660.0, 0.12) + 0.2 * _tone(1320.0, 0.12)
        samples = np.concatenate([beep, _silence(0.08), beep]) * 0.55
    elif cue == "error":
        # A low buzz: a square-ish wave (odd harmonics) that nobody mistakes for the welcome.
        t = np.arange(int(0.45 * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
        buzz = sum(np.sin(2 * np.pi * 150.0 * k * t) / k for k in (1, 3, 5, 7))
        edges = np.minimum(1.0, np.minimum(t / 0.01, (0.45 - t) / 0.03))
        samples = buzz * edges * 0.45
    elif cue == "round_end":
        # A gong: inharmonic partials, each decaying at its own rate, slightly detuned for beating.
        partials = [(110.0, 1.0, 1.6), (111.5, 0.5, 1.8), (233.0, 0.5, 2.5), (376.0, 0.35, 3.5), (587.0, 0.2, 5.0)]
        samples = sum(a * _tone(f, 1.5, attack_s=0.005, decay_per_s=d) for f, a, d in partials) * 0.35
    else:
        raise KeyError(cue)
    return np.clip(samples, -1.0, 1.0)


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write float samples as a 16-bit mono WAV at SAMPLE_RATE_HZ."""
    import numpy as np  # noqa: PLC0415
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE_HZ)
        out.writeframes(pcm.tobytes())


def synthesize_cues(folder: Path) -> list[Path]:
    """Write ok.wav, warn.wav, error.wav and round_end.wav into folder; return their paths.

    The output is deterministic, so re-running it leaves the shipped files unchanged.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for cue in CUES:
        path = folder / f"{cue}.wav"
        write_wav(path, cue_samples(cue))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in synthesize_cues(resources.root() / "sounds"):
        print(written)
