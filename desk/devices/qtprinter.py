"""Printing through Qt's print system: the system printers QPrinterInfo lists.

This is the one device module that imports PySide6; only app.py imports it. Where the
printer is a CUPS queue (Linux, macOS), the PDF goes to CUPS as it is, which keeps the
vector QR and the embedded fonts. Elsewhere (Windows) each page is rasterised with
pdftoppm at the printer's resolution and painted onto a QPrinter at its true size.
Printing on a QPrinter from a worker thread is allowed, so the ui can run this off the
GUI thread.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from desk.devices.base import DeviceError, JobState
from desk.devices.printer import CupsPrinter, list_cups_queues

_POINT_MM = 25.4 / 72
_MAX_DPI = 600


def system_printers() -> list[str]:
    """Return the names of the printers the system offers (empty when there are none)."""
    return [str(name) for name in QPrinterInfo.availablePrinterNames()]


def default_printer() -> str:
    """Return the system's default printer name, or "" when there is none."""
    return str(QPrinterInfo.defaultPrinterName() or "")


def _is_cups_queue(name: str) -> bool:
    if sys.platform == "win32":
        return False
    try:
        return any(q.name == name for q in list_cups_queues())
    except DeviceError:
        return False


class QtPrinter:
    """A system printer by name; `output_pdf` prints into a PDF file instead (tests, previews)."""

    def __init__(self, name: str, media: str = "A6", dpi: int = 300, output_pdf: Path | None = None,
                 use_cups: bool | None = None) -> None:
        self.name = name
        self.media = media
        self.dpi = min(dpi, _MAX_DPI)
        self.output_pdf = output_pdf
        # a CUPS queue gets the PDF itself; decide once, it does not change while running
        self._cups = None
        if output_pdf is None and (use_cups if use_cups is not None else _is_cups_queue(name)):
            self._cups = CupsPrinter(name, media=media)

    def is_ready(self) -> bool:
        """True when the printer exists and is not in an error state. Never raises."""
        if self.output_pdf is not None:
            return Path(self.output_pdf).parent.is_dir()
        if self._cups is not None:
            return self._cups.is_ready()
        info = QPrinterInfo.printerInfo(self.name)
        return not info.isNull() and info.state() not in (QPrinter.PrinterState.Error,
                                                          QPrinter.PrinterState.Aborted)

    def print_pdf(self, pdf: Path, copies: int = 1) -> JobState:
        """Print every page of `pdf` at its own size; return DONE. Raises DeviceError."""
        pdf = Path(pdf)
        if copies < 1:
            raise DeviceError(f"{self.name}: asked for {copies} copies")
        if self._cups is not None:
            return self._cups.print_pdf(pdf, copies)
        if not self.is_ready():
            raise DeviceError(f"printer {self.name!r} is not available")
        try:
            sizes = [(float(p.mediabox.width) * _POINT_MM, float(p.mediabox.height) * _POINT_MM)
                     for p in PdfReader(pdf).pages]
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types for a broken file
            raise DeviceError(f"{pdf.name} is not a readable PDF ({exc})") from None
        with tempfile.TemporaryDirectory(prefix="desk-print-") as tmp:
            pages = _rasterise(pdf, Path(tmp), self.dpi)
            if len(pages) != len(sizes):
                raise DeviceError(f"{pdf.name}: {len(sizes)} pages but {len(pages)} rasterised")
            self._paint(pages, sizes, copies)
        return JobState.DONE

    def _printer(self, size_mm: tuple[float, float]) -> QPrinter:
        if self.output_pdf is not None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(self.output_pdf))
        else:
            printer = QPrinter(QPrinterInfo.printerInfo(self.name), QPrinter.PrinterMode.HighResolution)
        printer.setResolution(self.dpi)
        printer.setFullPage(True)
        printer.setPageLayout(QPageLayout(
            QPageSize(QSizeF(*size_mm), QPageSize.Unit.Millimeter, "badge", QPageSize.SizeMatchPolicy.ExactMatch),
            QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter,
        ))
        printer.setDocName("desk badges")
        return printer

    def _paint(self, pages: list[Path], sizes: list[tuple[float, float]], copies: int) -> None:
        printer = self._printer(sizes[0])
        painter = QPainter()
        if not painter.begin(printer):
            raise DeviceError(f"printer {self.name!r} refused to start the job")
        try:
            first = True
            for _ in range(copies):
                for png, size_mm in zip(pages, sizes):
                    if not first:
                        printer.setPageSize(QPageSize(QSizeF(*size_mm), QPageSize.Unit.Millimeter, "badge",
                                                      QPageSize.SizeMatchPolicy.ExactMatch))
                        if not printer.newPage():
                            raise DeviceError(f"printer {self.name!r} stopped in the middle of the job")
                    first = False
                    image = QImage(str(png))
                    if image.isNull():
                        raise DeviceError(f"could not read the rasterised page {png.name}")
                    target = printer.pageLayout().fullRectPixels(printer.resolution())
                    painter.drawImage(QRectF(target), image)
        finally:
            painter.end()


def _rasterise(pdf: Path, folder: Path, dpi: int) -> list[Path]:
    """Render each page to a PNG with pdftoppm; return them in page order."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise DeviceError("cannot print on this printer: pdftoppm (poppler-utils) is not installed")
    try:
        subprocess.run([tool, "-r", str(dpi), "-png", str(pdf), str(folder / "page")],
                       check=True, capture_output=True, timeout=300)
    except subprocess.CalledProcessError as exc:
        raise DeviceError(f"could not rasterise {pdf.name}: {exc.stderr.decode(errors='replace').strip()}") from None
    except subprocess.TimeoutExpired:
        raise DeviceError(f"rasterising {pdf.name} took too long") from None
    # pdftoppm pads the page number to the page count's width, so names sort in order
    return sorted(folder.glob("page*.png"))
