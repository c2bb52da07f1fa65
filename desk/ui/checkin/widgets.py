"""Widgets of the entrance page: the big answer and the arrivals chart.

The answer maps each ScanOutcome to a colour, a sound cue and a sentence a desk worker reads
from a metre away; this table is the only place that says how an outcome looks and sounds.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desk.core.checkin.arrivals import ArrivalBin
from desk.core.checkin.decision import ScanOutcome
from desk.ui.common import theme

# outcome -> (headline, what to do). The family gives colour and sound.
ANSWERS: dict[ScanOutcome, tuple[str, str]] = {
    ScanOutcome.WELCOME: ("WELCOME", "Checked in. Let them in."),
    ScanOutcome.ALREADY_IN: ("ALREADY IN", "Let them in if it is the same person."),
    ScanOutcome.WRONG_DAY: ("NOT TODAY", "Send them to the help desk."),
    ScanOutcome.NOT_VALIDATED: ("NOT VALIDATED", "Send them to the help desk."),
    ScanOutcome.CANCELLED: ("CANCELLED", "Do not let in: send them to the help desk."),
    ScanOutcome.UNKNOWN: ("UNKNOWN CODE", "Search by name (Ctrl+F)."),
    ScanOutcome.FORGED: ("FORGED BADGE", "Do not let in. Call the desk lead."),
    ScanOutcome.NOT_READABLE: ("NOT READABLE", "Scan again, or search by name (Ctrl+F)."),
    ScanOutcome.BUSY: ("BUSY — SCAN AGAIN", "Nothing was stored: scan again in a moment."),
}
COLOURS = {"ok": theme.GREEN, "warn": theme.AMBER, "error": theme.RED, "idle": "#3c4043", "busy": "#1f4e9c"}


def cue(outcome: ScanOutcome) -> str:
    """The sound cue of an outcome: 'ok', 'warn' or 'error' (one per family)."""
    return outcome.family


class AnswerPanel(QFrame):
    """A coloured block: headline, sentence, the person's name and organisation · category."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answer")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(230)
        self.headline = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.sentence = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.name = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.detail = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.set_sizes((40, 18, 28, 16), "pt")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.addStretch(1)
        for label in (self.headline, self.sentence, self.name, self.detail):
            layout.addWidget(label)
        layout.addStretch(1)
        self.family = "idle"
        self.radius_px = 10
        self.show_idle()

    def set_sizes(self, sizes: tuple[int, int, int, int], unit: str = "pt") -> None:
        """Font sizes of headline, sentence, name and detail ("pt", or "px" for a screen-filling answer)."""
        self._sizes, self._unit = sizes, unit
        self._styled: dict[QLabel, str] = {}
        self._fit()

    def _fit(self) -> None:
        # A long sentence (a keyboard-layout hint) or a long name gets smaller letters rather
        # than being cut off, and the panel never asks the window to grow.
        long_sentence = len(self.sentence.text()) > 110 or self.sentence.text().count("\n") > 2
        scales = (1.0, 0.7 if long_sentence else 1.0, 0.8 if len(self.name.text()) > 32 else 1.0, 1.0)
        for label, size, scale, bold in zip((self.headline, self.sentence, self.name, self.detail), self._sizes,
                                            scales, (True, False, True, False), strict=True):
            # a style sheet, not setFont: the application's sheet sets every widget's size
            weight = "bold" if bold else "normal"
            sheet = (f"color: white; background: transparent; font-size: {max(1, round(size * scale))}{self._unit}; "
                     f"font-weight: {weight};")
            if self._styled.get(label) != sheet:  # restyle only on a change: it costs milliseconds
                self._styled[label] = sheet
                label.setStyleSheet(sheet)

    @property
    def colour(self) -> str:
        """The background colour of the answer now shown."""
        return COLOURS[self.family]

    def _paint(self, family: str) -> None:
        # The colour is painted here, not set through a style sheet: a new sheet re-polishes the
        # panel and its labels (milliseconds on every answer, in the middle of a rush).
        self.family = family
        self.update()

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.colour))
        painter.drawRoundedRect(QRectF(self.rect()), self.radius_px, self.radius_px)
        painter.end()
        super().paintEvent(event)

    def show_idle(self, text: str = "Ready: scan a badge") -> None:
        """The calm state between answers."""
        self._paint("idle")
        self.headline.setText(text)
        self.sentence.setText("Webcam, handheld scanner, or search by name (Ctrl+F)")
        self.name.setText("")
        self.detail.setText("")
        self._fit()

    def show_busy(self) -> None:
        """A scan is being checked (the commit is on its way)."""
        self._paint("busy")
        self.headline.setText("Checking…")
        self.sentence.setText("")
        self.name.setText("")
        self.detail.setText("")
        self._fit()

    def show_answer(self, outcome: ScanOutcome, reason: str, name: str, detail: str, note: str = "") -> None:
        """Show one answer: colour by family, headline and sentence by outcome."""
        headline, action = ANSWERS[outcome]
        self._paint(outcome.family)
        self.headline.setText(headline)
        lines = [reason, action] if reason else [action]
        self.sentence.setText("\n".join(lines + ([note] if note else [])))
        self.name.setText(name)
        self.detail.setText(detail)
        self._fit()

    def show_message(self, family: str, headline: str, sentence: str, name: str = "") -> None:
        """Any other answer (an undo, an error) in a family's colour."""
        self._paint(family)
        self.headline.setText(headline)
        self.sentence.setText(sentence)
        self.name.setText(name)
        self.detail.setText("")
        self._fit()


class FullScreenAnswer(QWidget):
    """The entrance answer filling the screen, readable from 3 m (F11 toggles it, Esc leaves it).

    A window of its own over the desk window; the page shows every answer here too, so the next
    scan replaces it at once. Scans still reach the page (it is this window's parent).
    """

    def __init__(self, page: QWidget) -> None:
        super().__init__(page, Qt.WindowType.Window)
        self.setWindowTitle("Entrance answer")
        self.answer = AnswerPanel(self)
        self.answer.setMinimumHeight(0)
        self.answer.radius_px = 0  # the colour fills the screen to its edges
        self.hint = QLabel("F11 or Esc: back to the desk   ·   Ctrl+Z: undo the last check-in",
                           alignment=Qt.AlignmentFlag.AlignCenter, objectName="status")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.answer, 1)
        layout.addWidget(self.hint)
        self.setStyleSheet("FullScreenAnswer { background: black; } QLabel#status { color: #bdc1c6; }")

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802
        # Letters in pixels of the screen: at 768 px high the headline is 110 px (about 3 cm on a
        # laptop screen), which reads at 3 m; the name 70 px.
        height = max(1, event.size().height())
        self.answer.set_sizes((height // 7, height // 26, height // 11, height // 30), "px")
        super().resizeEvent(event)


class ArrivalsChart(QWidget):
    """Bars of check-ins per 10 minutes today, drawn with QPainter, hours marked underneath."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bins: list[ArrivalBin] = []
        self.setMinimumHeight(110)
        self.setToolTip("Check-ins per 10 minutes today")

    def set_bins(self, bins: Sequence[ArrivalBin]) -> None:
        """Replace the bars (the last 48 bins: eight hours are enough to see a rush coming)."""
        self.bins = list(bins)[-48:]
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: ANN001, N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(6, 20, -6, -18)
        painter.setPen(QColor(theme.GREY))
        small = QFont(theme.FAMILY, 9)
        painter.setFont(small)
        peak = max((b.count for b in self.bins), default=0)
        painter.drawText(6, 14, f"Check-ins per 10 min today (peak {peak})" if self.bins
                         else "Check-ins per 10 min today: none yet")
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if not self.bins or peak == 0:
            painter.end()
            return
        slot = rect.width() / len(self.bins)
        bar_colour = QColor("#0b57d0")
        for i, b in enumerate(self.bins):
            height = rect.height() * b.count / peak
            x = rect.left() + i * slot
            painter.fillRect(QRectF(x + 1, rect.bottom() - height, max(1.0, slot - 2), height), bar_colour)
            if b.start.minute == 0 or i == 0:
                painter.setPen(QPen(QColor(theme.GREY)))
                painter.drawText(QRectF(max(rect.left(), x - 16), rect.bottom() + 2, 60, 14), Qt.AlignmentFlag.AlignLeft,
                                 b.start.strftime("%H:%M"))
        painter.end()
