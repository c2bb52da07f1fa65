"""Handheld scanners at the window level: a scan is a scan wherever the focus is.

A handheld scanner is a keyboard that types a code much faster than any person, then Enter
(or Tab). `BurstRule` is that timing rule in plain Python (times in milliseconds are passed
in, so it is tested without widgets). `ScanBursts` is the application event filter that
applies it: it holds printable keys back for a moment, hands a burst to the scan target of
the widget it was typed into, and replays held keys to their widget, in order, as soon as
they turn out to be a person typing (a pause longer than the gap, or any other key).

A scan target is a page with `take_scan(code)`; the filter walks up from the widget that got
the keys (a search box, a table, a dialog of the page) to the nearest one. A window that
hosts pages names its current one with `scan_target()` (the desk window: the current tab).
Keys typed where no scan target is (the attendee list, a board) pass untouched, at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

MAX_GAP_MS = 50.0
"""Longest pause between two keys of one burst. Scanners type every 1-10 ms; a person's
fastest key pairs are 60 ms and more, and never eight in a row."""
MIN_LENGTH = 8
"""Shortest code a burst may carry (ticket codes have 16 characters, badge codes over 100)."""

_END_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
# Shift types capitals; a keypad or an AltGr layout may add these too. Ctrl or Alt is never a scanner.
_TYPING_MODIFIERS = (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
                     | Qt.KeyboardModifier.GroupSwitchModifier)


@runtime_checkable
class ScanTarget(Protocol):
    """A page that answers scans: entrance, door, matchmaking presence."""

    def take_scan(self, code: str) -> None:
        """Decide on one scanned code (a handheld scanner's burst), as the page's own scan field would."""


@dataclass
class BurstRule:
    """Tells a scanner's burst from a person typing, by the gaps between keys.

    Keys are held while they come faster than `max_gap_ms`; Enter (or Tab) within the gap
    after at least `min_length` held keys makes them a scan. Anything else releases them as
    typing.
    """

    max_gap_ms: float = MAX_GAP_MS
    min_length: int = MIN_LENGTH
    _held: list[str] = field(default_factory=list)
    _last_ms: float = 0.0

    @property
    def held(self) -> int:
        """How many keys are held back."""
        return len(self._held)

    def typed(self, text: str, at_ms: float) -> str:
        """Hold one printable key typed at `at_ms`.

        Returns the keys held before it when the pause before this one was too long for a
        burst: those were a person typing and go to their widget first ('' otherwise).
        """
        stale = self.release() if self._held and at_ms - self._last_ms > self.max_gap_ms else ""
        self._held.append(text)
        self._last_ms = at_ms
        return stale

    def ended(self, at_ms: float) -> str | None:
        """Enter or Tab at `at_ms`: the scanned code (and the held keys are forgotten), or None.

        None means the held keys (if any) were typing: release() them, then let Enter through.
        """
        if len(self._held) >= self.min_length and at_ms - self._last_ms <= self.max_gap_ms:
            code = "".join(self._held)
            self._held.clear()
            return code
        return None

    def due(self, at_ms: float) -> bool:
        """True when keys are held and the gap has passed without another key: they are typing."""
        return bool(self._held) and at_ms - self._last_ms > self.max_gap_ms

    def release(self) -> str:
        """Give up the held keys (as typing) and return them."""
        text = "".join(self._held)
        self._held.clear()
        return text


def scan_target(widget: QObject | None) -> ScanTarget | None:
    """The scan target for keys sent to `widget`: the nearest page up its parents, or None."""
    while widget is not None:
        if isinstance(widget, ScanTarget):
            return widget
        pick = getattr(widget, "scan_target", None)
        if callable(pick):
            chosen = pick()
            return chosen if isinstance(chosen, ScanTarget) else None
        widget = widget.parentWidget() if isinstance(widget, QWidget) else None
    return None


def _copy(event: QKeyEvent) -> QKeyEvent:
    return QKeyEvent(event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                     event.nativeVirtualKey(), event.nativeModifiers(), event.text(), event.isAutoRepeat(),
                     event.count())


def _is_typing(event: QKeyEvent) -> bool:
    text = event.text()
    return (len(text) == 1 and text.isprintable() and not event.isAutoRepeat()
            and not (event.modifiers() & ~_TYPING_MODIFIERS))


class ScanBursts(QObject):
    """The application's event filter for handheld-scanner bursts (one per QApplication)."""

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic,
                 rule: BurstRule | None = None) -> None:
        super().__init__(parent)
        self.rule = rule or BurstRule()
        self._clock = clock
        self._events: list[tuple[QWidget, QKeyEvent]] = []  # the held keys, for their replay
        self._last: tuple[float, int, float] | None = None  # (clock ms, event timestamp, rule ms) of the last key
        self._target: ScanTarget | None = None
        self._replaying = False
        self.scans = 0  # bursts handed to a page
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_gap)

    def _now_ms(self) -> float:
        return self._clock() * 1000.0

    def _at_ms(self, event: QKeyEvent | None = None) -> float:
        """The rule's time of a key (or of now, without one).

        The gap between two keys is taken from their event timestamps when both have one
        (the moment the key was typed, even if the GUI thread was busy then), else from
        the clock when the key is handled.
        """
        clock = self._now_ms()
        stamp = event.timestamp() if event is not None else 0
        if self._last is None:
            at = clock
        else:
            last_clock, last_stamp, last_at = self._last
            gap = stamp - last_stamp if stamp and last_stamp and stamp >= last_stamp else clock - last_clock
            at = last_at + gap
        if event is not None:
            self._last = (clock, stamp, at)
        return at

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) or self._replaying:
            return False
        # A key reaches the window first, then its focus widget: decide once, at the widget.
        if not watched.isWidgetType():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            # In the middle of a burst no letter may fire a page's one-key shortcut (H, N...):
            # claiming the override makes Qt deliver the key as a key press, here.
            if self._events and (_is_typing(event) or event.key() in _END_KEYS):
                event.accept()
                return True
            return False
        return self._on_key(watched, event)

    def _on_key(self, widget: QWidget, event: QKeyEvent) -> bool:
        now = self._at_ms(event)
        if _is_typing(event):
            target = scan_target(widget)
            if target is None:
                self.flush()
                return False
            if self._target is not None and target is not self._target:
                self.flush()
            if self.rule.typed(event.text(), now):
                self._replay(self._events)
                self._events = []
            self._events.append((widget, _copy(event)))
            self._target = target
            self._timer.start(int(self.rule.max_gap_ms) + 1)
            return True
        if not self._events:
            return False
        if event.key() in _END_KEYS and not event.modifiers() & ~_TYPING_MODIFIERS:
            code = self.rule.ended(now)
            if code is not None:
                target, self._target, self._events = self._target, None, []
                self._timer.stop()
                self.scans += 1
                if target is not None and shiboken6.isValid(target):
                    target.take_scan(code)
                return True
        self.flush()  # the keys before this one were typing: they go first, in order
        return False

    def _on_gap(self) -> None:
        # Keys a scanner typed while the GUI thread was busy may wait in the queue behind
        # this timer: handle them first, so a busy moment does not cut a burst in two.
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeSocketNotifiers)
        if self.rule.due(self._at_ms()):
            self.flush()
        elif self._events:
            self._timer.start(int(self.rule.max_gap_ms) + 1)

    def flush(self) -> None:
        """Deliver the held keys to their widgets as typing (a person, not a scanner)."""
        self._timer.stop()
        self.rule.release()
        events, self._events, self._target = self._events, [], None
        self._replay(events)

    def _replay(self, events: list[tuple[QWidget, QKeyEvent]]) -> None:
        self._replaying = True
        try:
            for widget, event in events:
                if shiboken6.isValid(widget):
                    QApplication.sendEvent(widget, event)
        finally:
            self._replaying = False


def install_scan_bursts(app: Any = None) -> ScanBursts:
    """The application's ScanBursts filter, installed on first call (idempotent)."""
    app = app or QApplication.instance()
    found = app.findChild(ScanBursts)
    if found is not None:
        return found
    bursts = ScanBursts(app)
    app.installEventFilter(bursts)
    return bursts


def scanner_keys(window: Any, code: str, gap_ms: float = 3.0, end: Qt.Key = Qt.Key.Key_Return) -> float:
    """Type `code` into `window` (a QWindow) as a handheld scanner does: keys `gap_ms` apart, then `end`.

    Each key event carries the time the scanner typed it, as the windowing system stamps real
    keys, and goes to the window, which hands it to its focus widget. For tests and benchmarks:
    a process that both types and answers may be paused by the system mid-burst, which a real
    scanner's keys (stamped when typed) never see. Returns time.perf_counter() as `end` was sent.
    """
    stamp = int(time.monotonic() * 1000)
    keys = [(Qt.Key(ord(ch.upper())) if ch.isascii() else Qt.Key.Key_unknown, ch) for ch in code]
    sent_end = 0.0
    for i, (key, text) in enumerate([*keys, (end, "\r" if end != Qt.Key.Key_Tab else "\t")]):
        if i == len(keys):
            sent_end = time.perf_counter()
        shift = Qt.KeyboardModifier.ShiftModifier if text.isupper() else Qt.KeyboardModifier.NoModifier
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, shift, text)
            event.setTimestamp(stamp + round(i * gap_ms))
            QApplication.sendEvent(window, event)
        time.sleep(gap_ms / 1000)
    return sent_end
