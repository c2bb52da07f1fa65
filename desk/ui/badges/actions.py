"""What the badge page and the check-in page ask of printing, wired to this desk's services.

Plain callables over the services (no widgets), so the page stays free of rules and the
tests can drive them without a window. Every method here runs on a worker.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.config import data_dir, save_settings
from desk.core.categories import label_in
from desk.services.badges import printing
from desk.services.registrations.search import search_attendees

if TYPE_CHECKING:
    from desk.config import Settings
    from desk.ui.common.workers import Workers

# CUPS media per layout, so a system printer feeds the right paper or label.
MEDIA = {"a6": "A6", "a4-sheet": "A4", "label-4x3": "Custom.4x3in", "foldover": "Custom.82x203mm"}
FOLDER = "folder:"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers, services)
        return ""


def default_folder() -> Path:
    """Where "PDF folder" prints go unless the settings name another folder."""
    return data_dir() / "printed-badges"


def folder_printer(choice: str, layout: str = "a6") -> Any:
    """The printer for a "folder:<path>" choice. System printers come from the desk's
    record (app.py picks the real printer class); without one, say so."""
    from desk.devices.base import DeviceError  # noqa: PLC0415
    from desk.devices.printer import FolderPrinter  # noqa: PLC0415

    if not choice.startswith(FOLDER):
        raise DeviceError(f"the printer '{choice}' cannot be used from this desk; choose the PDF folder")
    folder = Path(choice[len(FOLDER):])
    folder.mkdir(parents=True, exist_ok=True)
    return FolderPrinter(folder, name="PDF folder")


@dataclass
class PrintActions:
    """Printing for one desk: its database, workers, settings, user and printer maker."""

    db: Any  # the desk's database (desk.store.db.Database; the ui reaches it only through services)
    workers: Workers
    settings: Settings  # read at each use: Desk ▸ Settings may change the printer or layout
    user: str
    printer_for: Callable[[str, str], Any] = folder_printer
    list_printers: Callable[[], list[str]] = list

    @property
    def desk(self) -> str:
        return self.settings.desk_name

    @property
    def layout(self) -> str:
        return self.settings.badge_layout

    @property
    def choice(self) -> str:
        return self.settings.printer or f"{FOLDER}{default_folder()}"

    def search(self, query: str) -> tuple[list[tuple[Any, str, str]], int]:
        """Attendees matching `query`, each with its badge state and the event's label for its
        category, and how many attendees exist."""
        found = search_attendees(self.db, query)
        status = printing.badge_status(self.db, [r.registration_id for r in found.attendees])
        labels = found.category_labels
        return ([(r, status.get(r.registration_id, ""), label_in(labels, r.category)) for r in found.attendees],
                found.total_attendees)

    def enqueue(self, ids: list[str], confirm: bool) -> list[printing.EnqueueResult]:
        return printing.enqueue_many(self.db, ids, desk=self.desk, user=self.user, layout=self.layout,
                                     confirm_reprints=confirm)

    def enqueue_unprinted(self) -> list[printing.EnqueueResult]:
        return printing.enqueue_unprinted(self.db, desk=self.desk, user=self.user, layout=self.layout)

    def process(self, handle: Any, max_jobs: int | None = None) -> printing.ProcessReport:
        printer = self.printer_for(self.choice, self.layout)
        return printing.process_queue(self.db, printer, desk=self.desk, progress=handle.progress,
                                      cancelled=handle.cancelled, max_jobs=max_jobs)

    def retry(self, job_id: str) -> list[printing.EnqueueResult]:
        printing.retry(self.db, job_id)
        return []

    def cancel(self, job_id: str) -> None:
        printing.cancel(self.db, job_id)

    def jobs(self) -> list[Any]:
        return printing.list_jobs(self.db, limit=300)

    def system_printers(self) -> list[str]:
        try:
            return self.list_printers()
        except Exception:  # noqa: BLE001 - no print system: the PDF folder still works
            return []

    def printer_choices(self, names: list[str] | None) -> list[tuple[str, str]]:
        """(label, choice) pairs: the PDF folder first, then the system's printers."""
        folder = self.choice if self.choice.startswith(FOLDER) else f"{FOLDER}{default_folder()}"
        choices = [(f"PDF folder ({Path(folder[len(FOLDER):]).name})", folder)]
        listed = list(names or [])
        if not self.choice.startswith(FOLDER) and self.choice not in listed:
            listed.insert(0, self.choice)
        return choices + [(name, name) for name in listed]

    def choose_printer(self, choice: str) -> None:
        """Remember the desk's printer (the check-in hook prints there too)."""
        if choice and choice != self.settings.printer:
            self.settings.printer = choice
            self.workers.submit(lambda _h: save_settings(self.settings), write=False)

    def choose_layout(self, layout: str) -> None:
        if layout and layout != self.settings.badge_layout:
            self.settings.badge_layout = layout
            self.workers.submit(lambda _h: save_settings(self.settings), write=False)


def build_actions(db: Any, workers: Workers, settings: Settings, printer_for: Callable[[str, str], Any],
                  list_printers: Callable[[], list[str]]) -> PrintActions:
    """Printing actions for this desk, as the person logged in on this computer."""
    return PrintActions(db, workers, settings, _user(), printer_for=printer_for, list_printers=list_printers)


def make_print_badge_hook(actions: PrintActions) -> Callable[[str, Callable[[str], None]], None]:
    """Return `hook(registration_id, on_result)` for "print badge on check-in".

    The hook queues the badge and prints the desk's queue on the writer worker; it never
    reprints on its own (a badge printed before is left to the badge page). `on_result`
    gets one sentence on the GUI thread: printed, waiting, not reprinted, or the problem.
    """
    def run(registration_id: str, handle: Any) -> str:
        (result,) = actions.enqueue([registration_id], False)
        if result.needs_confirmation:
            return "Badge printed before: not printed again (reprint it on the Badges page)."
        report = actions.process(handle)
        if result.job is not None and result.job.id in report.printed:
            return "Badge printed."
        return "⚠ Badge queued, not printed yet: " + (report.errors[-1] if report.errors else report.line())

    def hook(registration_id: str, on_result: Callable[[str], None]) -> None:
        actions.workers.submit(lambda handle: run(registration_id, handle), on_done=on_result, on_error=on_result)

    return hook
