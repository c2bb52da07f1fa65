"""Look and feel: the shipped fonts, large targets, colours that pair with words."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desk import resources

GREEN = "#1b7f3b"
AMBER = "#b86e00"
RED = "#b3261e"
GREY = "#5f6368"
FAMILY = "DejaVu Sans"

STYLESHEET = f"""
QWidget {{ font-size: 12pt; }}
QPushButton {{ min-height: 40px; padding: 4px 16px; border-radius: 6px; }}
QPushButton#primary {{ background: #0b57d0; color: white; font-weight: bold; }}
QPushButton#primary:disabled {{ background: #9bb5e6; }}
QLineEdit {{ min-height: 40px; font-size: 14pt; padding: 2px 8px; }}
QTableView {{ font-size: 12pt; }}
QHeaderView::section {{ font-weight: bold; padding: 4px; }}
QProgressBar {{ min-height: 24px; }}
QTabBar::tab {{ min-height: 36px; padding: 4px 18px; font-size: 13pt; }}
QLabel#status {{ color: {GREY}; }}
"""


def register_fonts() -> str:
    """Register the shipped TTFs with Qt (the badges use the same files); return the family."""
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        try:
            QFontDatabase.addApplicationFont(str(resources.font(name)))
        except FileNotFoundError:
            continue
    return FAMILY


def apply(app: QApplication) -> None:
    """Set the desk's font and stylesheet on the application."""
    family = register_fonts()
    font = QFont(family)
    font.setPointSize(12)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
