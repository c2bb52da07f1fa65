"""Badge PDFs: lay out each badge with the core, draw it with reportlab.

One PDF holds any number of badges. A batch reports progress, stops when asked and never
leaves a half-written file behind: it writes a sibling file and renames it at the end.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from desk import resources
from desk.core.attendees import Event
from desk.core.badges.layout import (
    MM,
    BadgeData,
    BadgeLayout,
    BadgeTemplate,
    Finding,
    FindingKind,
    TemplateError,
    layout_badge,
    parse_template,
    preflight,
)
from desk.services.badges.fonts import REGULAR, font_name, has_glyph, register_fonts, text_width
from desk.services.badges.qr import Matrix, qr_matrix

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
LAYOUTS = ("a6", "label-4x3", "a4-sheet", "foldover")
_MARK_WIDTH_PT = 0.4


@dataclass(frozen=True)
class RenderResult:
    """What a batch produced: badges drawn, pages written and what pre-flight noticed.

    When the batch was cancelled, `cancelled` is True, `path` is None and no file exists.
    """

    badges: int
    pages: int
    findings: list[Finding] = field(default_factory=list)
    cancelled: bool = False
    path: Path | None = None


def _read_template_doc(name: str) -> dict:
    try:
        return json.loads(resources.template(f"badge-{name}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"no badge layout named {name!r}; layouts: {', '.join(LAYOUTS)}") from None
    except (OSError, ValueError) as exc:
        raise TemplateError(f"badge layout {name!r} cannot be read: {exc}") from None


@cache
def load_template(name: str) -> BadgeTemplate:
    """Return the badge layout `name` from resources/templates/badge-<name>.json.

    Raises TemplateError when it does not exist or is inconsistent.
    """
    doc = _read_template_doc(name)
    base = None
    if "extends" in doc:
        base = _read_template_doc(str(doc["extends"]))
        base.pop("description", None)
    return parse_template(doc, base)


def _template(layout: str | BadgeTemplate) -> BadgeTemplate:
    return load_template(layout) if isinstance(layout, str) else layout


def preflight_badges(badges: Sequence[BadgeData], layout: str | BadgeTemplate, event: Event) -> list[Finding]:
    """Return every badge field that had to shrink, wrap or be cut, and every missing glyph.

    Raises TemplateError for an unknown layout.
    """
    register_fonts()
    return preflight(badges, _template(layout), event.name, event.days, text_width, has_glyph)


def render_badges(
    badges: Sequence[BadgeData],
    layout: str | BadgeTemplate,
    out_path: Path,
    event: Event,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> RenderResult:
    """Draw `badges` into one PDF at `out_path` and return what was written.

    `progress(done, total)` is called after each badge, `cancelled()` before each one; a
    cancelled batch removes its partial file and returns `cancelled=True`. Raises
    TemplateError for an unknown layout and OSError when the folder cannot be written.
    """
    template = _template(layout)
    register_fonts()
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.name}.{secrets.token_hex(4)}.part")
    total = len(badges)
    per_page = len(template.slots)
    canvas = Canvas(
        str(tmp), pagesize=(template.page_width_mm * MM, template.page_height_mm * MM),
        initialFontName=REGULAR, initialFontSize=10, pageCompression=1,
    )
    canvas.setTitle(f"{event.name}: badges")
    canvas.setCreator("desk")
    findings: list[Finding] = []
    pages = 0
    try:
        for done, badge in enumerate(badges):
            if cancelled is not None and cancelled():
                return RenderResult(done, pages, findings, cancelled=True)
            slot = done % per_page
            if slot == 0:
                if done:
                    _draw_marks(canvas, template)
                    canvas.showPage()
                pages += 1
            layout_ = layout_badge(badge, template, event.name, event.days, text_width, has_glyph)
            findings.extend(layout_.findings)
            matrix: Matrix = []
            if layout_.qr is not None:
                try:
                    matrix = qr_matrix(badge.code)
                except ValueError as exc:
                    findings.append(Finding(badge.registration_id, "qr", FindingKind.NO_CODE, str(exc)))
            _draw_badge(canvas, template, template.slots[slot], layout_, matrix)
            if progress is not None:
                progress(done + 1, total)
        if pages == 0:
            # an empty batch still gives a valid one-page PDF instead of an unreadable file
            pages = 1
        _draw_marks(canvas, template)
        canvas.showPage()
        canvas.save()
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return RenderResult(total, pages, findings, path=out_path)


def _draw_badge(canvas: Canvas, template: BadgeTemplate, slot: tuple[float, float],
                layout: BadgeLayout, matrix: Sequence[Sequence[bool]]) -> None:
    """Draw one badge: each face in its place, the back face of a fold-over turned around."""
    page_h = template.page_height_mm
    for face in template.faces:
        left_mm = slot[0] + face.x_mm
        bottom_mm = page_h - slot[1] - face.y_mm - template.face_height_mm
        canvas.saveState()
        if face.rotate == 180:
            canvas.translate((left_mm + template.face_width_mm) * MM, (bottom_mm + template.face_height_mm) * MM)
            canvas.rotate(180)
        else:
            canvas.translate(left_mm * MM, bottom_mm * MM)
        _draw_face(canvas, layout, matrix)
        canvas.restoreState()
    slot_bottom = page_h - slot[1] - template.badge_height_mm
    for fold_mm in template.fold_lines_mm:
        # short ticks at both edges: a line across would cut through the name
        y = (slot_bottom + template.badge_height_mm - fold_mm) * MM
        x0, x1 = slot[0] * MM, (slot[0] + template.badge_width_mm) * MM
        canvas.setLineWidth(_MARK_WIDTH_PT)
        canvas.setStrokeGray(0.4)
        canvas.line(x0, y, x0 + 3 * MM, y)
        canvas.line(x1 - 3 * MM, y, x1, y)


def _draw_face(canvas: Canvas, layout: BadgeLayout, matrix: Sequence[Sequence[bool]]) -> None:
    if layout.band is not None:
        canvas.setFillColorRGB(*layout.band_colour)
        canvas.rect(*layout.band, stroke=0, fill=1)
    for text in layout.texts:
        colour = layout.band_text_colour if text.field == "category" else (0, 0, 0)
        canvas.setFillColorRGB(*colour)
        canvas.setFont(font_name(text.bold), text.size_pt)
        for line, (x, y) in zip(text.lines, text.origins):
            canvas.drawString(x, y, line)
    if layout.qr is not None and matrix:
        _draw_qr(canvas, layout.qr, matrix)


def _draw_qr(canvas: Canvas, box: tuple[float, float, float], matrix: Sequence[Sequence[bool]]) -> None:
    """Draw the dark modules as one filled path: a rectangle per horizontal run of modules.

    The path is written in module units under one transform, so each rectangle is four
    small integers ("c r n 1 re"): far cheaper than reportlab's QR widget, an image per
    code, or formatting ~350 float rectangles, and sharp at any printer resolution.
    The box keeps a 4-module quiet zone around the code.
    """
    x, y, size = box
    n = len(matrix)
    module = size / (n + 8)
    ops = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    # origin at the top-left module, rows growing downwards
    canvas.transform(module, 0, 0, -module, x + 4 * module, y + size - 4 * module)
    ops.append("f")
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()


def _draw_marks(canvas: Canvas, template: BadgeTemplate) -> None:
    """Cut marks near the page edges, on the lines a guillotine follows.

    Drawn last, black on a white underlay, so they stay visible where a colour band
    reaches the cut line.
    """
    if template.cut_mark_mm is None:
        return
    length, offset = (v * MM for v in template.cut_mark_mm)
    w, h = template.page_width_mm * MM, template.page_height_mm * MM
    xs, ys = template.cut_lines_mm()
    segments = []
    for x_mm in xs:
        x = x_mm * MM
        segments += [(x, h - offset, x, h - offset - length), (x, offset, x, offset + length)]
    for y_mm in ys:
        y = h - y_mm * MM
        segments += [(offset, y, offset + length, y), (w - offset, y, w - offset - length, y)]
    canvas.saveState()
    for gray, line_width in ((1, 3 * _MARK_WIDTH_PT), (0, _MARK_WIDTH_PT)):
        canvas.setStrokeGray(gray)
        canvas.setLineWidth(line_width)
        canvas.lines(segments)
    canvas.restoreState()


def layouts() -> Mapping[str, str]:
    """Return every shipped layout name with its one-line description."""
    return {name: str(_read_template_doc(name).get("description", "")) for name in LAYOUTS}
