"""Badge layout decisions: what goes where, at which size, and what had to give way.

Pure: templates arrive as already-parsed mappings, text widths come from a function the
caller passes (reportlab in the badge service), so this module needs no PDF library.
Coordinates in templates are millimetres from the top-left corner; everything this
module returns is in points with the origin at the bottom-left of a badge face, the way a
PDF canvas draws.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from desk.core.attendees import Registration
from desk.core.categories import EventCategory, style_of
from desk.core.countries import country_name
from desk.core.errors import DeskError

MM = 72 / 25.4
ELLIPSIS = "…"
# DejaVu Sans: ascent 0.928 and descent 0.236 of the size; one line needs 1.17 x size.
LINE = 1.17
ASCENT = 0.928
LEADING = 1.08

MAX_CODE_CHARS = 256
"""Longest code put into a badge QR (desk codes are 120 characters, portal tickets shorter)."""

WidthFn = Callable[[str, bool, float], float]
"""(text, bold, size_pt) -> width in points."""

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TEXT_FIELDS = ("first_name", "last_name", "organisation", "country", "days", "event")
"""Text fields a template may place; "category" is the colour band, "qr" the code."""


class TemplateError(DeskError):
    """A badge template is incomplete or puts something where it cannot be printed."""


@dataclass(frozen=True)
class TextBox:
    """A box for one line (or `max_lines` lines) of text, in mm from the face's top-left."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    size_pt: float
    comfort_pt: float
    min_pt: float
    bold: bool = False
    align: str = "center"
    max_lines: int = 1


@dataclass(frozen=True)
class QrBox:
    """The square the QR code fills, quiet zone included, in mm from the face's top-left."""

    x_mm: float
    y_mm: float
    size_mm: float


@dataclass(frozen=True)
class Face:
    """Where one face sits on the badge; a fold-over's back face is turned 180 degrees."""

    x_mm: float
    y_mm: float
    rotate: int = 0


@dataclass(frozen=True)
class BadgeTemplate:
    """One layout: the page, where badges sit on it, and where fields sit on each face."""

    name: str
    page_width_mm: float
    page_height_mm: float
    badge_width_mm: float
    badge_height_mm: float
    slots: tuple[tuple[float, float], ...]
    face_width_mm: float
    face_height_mm: float
    faces: tuple[Face, ...]
    texts: Mapping[str, TextBox]
    band: TextBox | None
    qr: QrBox | None
    cut_mark_mm: tuple[float, float] | None = None   # (length, distance from the page edge)
    fold_lines_mm: tuple[float, ...] = ()            # from the badge's top

    def cut_lines_mm(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Return the x and y positions (mm from the page's top-left) where the sheet is cut."""
        xs = {x for x, _ in self.slots} | {x + self.badge_width_mm for x, _ in self.slots}
        ys = {y for _, y in self.slots} | {y + self.badge_height_mm for _, y in self.slots}
        inside_x = sorted(round(x, 3) for x in xs if 0.05 < x < self.page_width_mm - 0.05)
        inside_y = sorted(round(y, 3) for y in ys if 0.05 < y < self.page_height_mm - 0.05)
        return tuple(inside_x), tuple(inside_y)


def _num(doc: Mapping, key: str, where: str) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise TemplateError(f"{where}: '{key}' must be a number of 0 or more, got {value!r}")
    return float(value)


def _pair(doc: Mapping, key: str, where: str) -> tuple[float, float]:
    value = doc.get(key)
    if not (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise TemplateError(f"{where}: '{key}' must be [width, height] in mm, got {value!r}")
    return float(value[0]), float(value[1])


def _text_box(doc: Mapping, where: str) -> TextBox:
    box = TextBox(
        _num(doc, "x_mm", where), _num(doc, "y_mm", where), _num(doc, "width_mm", where),
        _num(doc, "height_mm", where), _num(doc, "size_pt", where),
        float(doc.get("comfort_pt", doc.get("size_pt", 0))), _num(doc, "min_pt", where),
        bool(doc.get("bold", False)), str(doc.get("align", "center")), int(doc.get("max_lines", 1)),
    )
    if not 0 < box.min_pt <= box.comfort_pt <= box.size_pt:
        raise TemplateError(f"{where}: sizes must satisfy 0 < min_pt <= comfort_pt <= size_pt")
    if box.min_pt * LINE > box.height_mm * MM:
        raise TemplateError(f"{where}: {box.height_mm} mm is too low for text at {box.min_pt} pt")
    if box.align not in ("left", "center", "right") or box.max_lines not in (1, 2):
        raise TemplateError(f"{where}: align must be left/center/right and max_lines 1 or 2")
    return box


def _inside(where: str, x: float, y: float, w: float, h: float, outer_w: float, outer_h: float) -> None:
    if x + w > outer_w + 0.01 or y + h > outer_h + 0.01:
        raise TemplateError(f"{where} reaches outside its {outer_w:g} x {outer_h:g} mm area")


def parse_template(doc: Mapping, base: Mapping | None = None) -> BadgeTemplate:
    """Return the template described by a parsed JSON document.

    `base` is the document named by its "extends" key, if any: the template takes every
    top-level key it does not set itself from there. Raises TemplateError naming the
    field when something is missing or would be printed outside the badge or the page.
    """
    doc = {**(base or {}), **doc}
    name = str(doc.get("name", "?"))
    where = f"badge template {name!r}"
    page_w, page_h = _pair(doc, "page_mm", where)
    badge_w, badge_h = _pair(doc, "badge_mm", where)
    face_w, face_h = _pair(doc, "face_mm", where) if "face_mm" in doc else (badge_w, badge_h)
    slots = tuple((float(s[0]), float(s[1])) for s in doc.get("slots_mm", [[0, 0]]))
    for i, (x, y) in enumerate(slots):
        _inside(f"{where}: slot {i + 1}", x, y, badge_w, badge_h, page_w, page_h)
    faces = tuple(Face(_num(f, "x_mm", where), _num(f, "y_mm", where), int(f.get("rotate", 0)))
                  for f in doc.get("faces", [{"x_mm": 0, "y_mm": 0}]))
    for i, face in enumerate(faces):
        if face.rotate not in (0, 180):
            raise TemplateError(f"{where}: face {i + 1} may turn 0 or 180 degrees, not {face.rotate}")
        _inside(f"{where}: face {i + 1}", face.x_mm, face.y_mm, face_w, face_h, badge_w, badge_h)
    fields = doc.get("fields")
    if not isinstance(fields, Mapping):
        raise TemplateError(f"{where}: 'fields' must map field names to boxes")
    unknown = set(fields) - set(TEXT_FIELDS) - {"category", "qr"}
    if unknown:
        raise TemplateError(f"{where}: unknown fields {sorted(unknown)}; known: {TEXT_FIELDS + ('category', 'qr')}")
    texts = {n: _text_box(fields[n], f"{where}: {n}") for n in TEXT_FIELDS if n in fields}
    band = _text_box(fields["category"], f"{where}: category") if "category" in fields else None
    qr = None
    if "qr" in fields:
        q = fields["qr"]
        qr = QrBox(_num(q, "x_mm", f"{where}: qr"), _num(q, "y_mm", f"{where}: qr"), _num(q, "size_mm", f"{where}: qr"))
        _inside(f"{where}: qr", qr.x_mm, qr.y_mm, qr.size_mm, qr.size_mm, face_w, face_h)
    for n, box in [*texts.items(), *([("category", band)] if band else [])]:
        _inside(f"{where}: {n}", box.x_mm, box.y_mm, box.width_mm, box.height_mm, face_w, face_h)
    marks = doc.get("cut_marks")
    cut = (_num(marks, "length_mm", where), _num(marks, "offset_mm", where)) if marks else None
    folds = tuple(float(v) for v in doc.get("fold_lines_mm", ()))
    return BadgeTemplate(name, page_w, page_h, badge_w, badge_h, slots, face_w, face_h, faces,
                         texts, band, qr, cut, folds)


@dataclass(frozen=True)
class BadgeData:
    """Everything printed on one badge. `country` is an ISO code; empty `days` means all."""

    registration_id: str
    first_name: str
    last_name: str
    organisation: str
    country: str
    category: str  # the category's key
    days: tuple[dt.date, ...]
    code: str
    # the event's word and colour for the category (None: the six defaults', else the key in grey)
    style: EventCategory | None = None

    @property
    def look(self) -> EventCategory:
        """The word and colour this badge prints for its category."""
        return self.style if self.style is not None else style_of(None, self.category)

    @classmethod
    def from_registration(cls, registration: Registration, code: str,
                          categories: Mapping[str, EventCategory] | None = None) -> BadgeData:
        """Return the badge of a registration, carrying the given badge code and the event's
        badge word and colour for its category (a key the event does not list prints as
        itself, in grey)."""
        r = registration
        return cls(r.registration_id, r.first_name, r.last_name, r.organisation, r.country,
                   r.category, r.days, code, style_of(categories, r.category) if categories is not None else None)


class FindingKind(enum.StrEnum):
    """What pre-flight noticed about a badge."""

    SHRUNK = "shrunk"          # below the comfortable size, still on one line
    WRAPPED = "wrapped"        # needed two lines
    CUT = "cut"                # did not fit even so: ends with an ellipsis
    MISSING_GLYPH = "missing_glyph"  # the font has no glyph for a character
    NO_CODE = "no_code"        # no usable badge code: the badge prints without a QR


@dataclass(frozen=True)
class Finding:
    """One thing a person should look at before printing."""

    registration_id: str
    field: str
    kind: FindingKind
    detail: str

    def __str__(self) -> str:
        return f"{self.registration_id} {self.field}: {self.kind} ({self.detail})"


@dataclass(frozen=True)
class FittedText:
    """Text placed in its box: lines, size and each line's start point (points, face coordinates)."""

    field: str
    lines: tuple[str, ...]
    size_pt: float
    bold: bool
    origins: tuple[tuple[float, float], ...]
    shrunk: bool = False
    wrapped: bool = False
    cut: bool = False


@dataclass(frozen=True)
class BadgeLayout:
    """One badge face's drawing instructions and what pre-flight found."""

    texts: tuple[FittedText, ...]
    band: tuple[float, float, float, float] | None      # x, y, w, h in points
    band_colour: tuple[float, float, float]
    band_text_colour: tuple[float, float, float]
    qr: tuple[float, float, float] | None               # x, y, size in points (quiet zone inside)
    findings: tuple[Finding, ...]


def days_text(days: Sequence[dt.date], event_days: Sequence[dt.date]) -> str:
    """Return the days printed on a badge, e.g. "Wed 30 Nov · Thu 1 Dec".

    Empty `days` means every event day. Dates are in English whatever the machine's locale.
    """
    chosen = sorted(set(days or event_days))
    return " · ".join(f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]}" for d in chosen)


def field_texts(badge: BadgeData, event_name: str, event_days: Sequence[dt.date]) -> dict[str, str]:
    """Return the text of every text field of a badge, keyed by template field name."""
    return {
        "first_name": " ".join(badge.first_name.split()),
        "last_name": " ".join(badge.last_name.split()),
        "organisation": " ".join(badge.organisation.split()),
        "country": country_name(badge.country),
        "days": days_text(badge.days, event_days),
        "event": event_name,
        "category": badge.look.badge_word,
    }


def _ellipsize(text: str, bold: bool, size: float, width_pt: float, width: WidthFn) -> str:
    """Longest prefix of `text` plus an ellipsis that fits (binary search over the length)."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width(text[:mid].rstrip() + ELLIPSIS, bold, size) <= width_pt:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def _break_points(text: str) -> list[tuple[str, str]]:
    """Every way to put `text` on two lines: at a space, or after a hyphen."""
    splits = []
    for i, ch in enumerate(text):
        if ch == " ":
            splits.append((text[:i], text[i + 1:]))
        elif ch in "-‐" and 0 < i < len(text) - 1:
            splits.append((text[:i + 1], text[i + 1:]))
    return splits


def _greedy_first_line(text: str, bold: bool, size: float, width_pt: float, width: WidthFn) -> tuple[str, str]:
    """Fill the first line with as many words as fit; split inside a word only when one does not."""
    best: tuple[str, str] | None = None
    for first, rest in _break_points(text):
        if width(first, bold, size) <= width_pt:
            best = (first, rest)
        else:
            break
    if best is not None:
        return best
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width(text[:mid], bold, size) <= width_pt:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo], text[lo:]


def fit_text(field: str, text: str, box: TextBox, face_height_mm: float, width: WidthFn) -> FittedText:
    """Fit `text` into `box`: shrink, then wrap to two lines, then cut with an ellipsis.

    A line first shrinks down to the box's comfortable size. Below that, two lines win
    when they allow larger letters than one line; otherwise the one line shrinks on down
    to the minimum size. What fits nowhere is cut with an ellipsis at the minimum size.
    Returns the lines with the start of each baseline in points from the face's
    bottom-left. Nothing extends outside the box: no line is wider than the box at the
    returned size, and the block of lines is no taller than the box.
    """
    w, h, bold = box.width_mm * MM, box.height_mm * MM, box.bold

    def _place(lines: tuple[str, ...], size: float, shrunk: bool = False,
               wrapped: bool = False, cut: bool = False) -> FittedText:
        return FittedText(field, lines, size, bold, _origins(lines, size, box, face_height_mm, width),
                          shrunk, wrapped, cut)

    per_pt = width(text, bold, 1.0) if text else 0.0
    # a single line: as large as the box height and width allow
    size = min(box.size_pt, h / LINE, w / per_pt if per_pt else box.size_pt)
    if size >= box.comfort_pt or not text:
        return _place((text,), size)
    two_lines_size = min(box.size_pt, h / (LINE + LEADING))
    can_wrap = box.max_lines >= 2 and two_lines_size >= box.min_pt
    splits = _break_points(text) if can_wrap else []
    if splits:
        first, rest = min(splits, key=lambda s: max(width(s[0], bold, 1.0), width(s[1], bold, 1.0)))
        wrapped_size = min(two_lines_size, w / max(width(first, bold, 1.0), width(rest, bold, 1.0)))
        if wrapped_size > size and wrapped_size >= box.min_pt:
            return _place((first, rest), wrapped_size, shrunk=wrapped_size < box.comfort_pt, wrapped=True)
    if size >= box.min_pt:
        return _place((text,), size, shrunk=True)
    if can_wrap:
        size = box.min_pt
        first, rest = _greedy_first_line(text, bold, size, w, width)
        if width(rest, bold, size) > w:
            rest = _ellipsize(rest, bold, size, w, width)
        return _place((first, rest), size, shrunk=True, wrapped=True, cut=True)
    size = min(box.min_pt, h / LINE)
    return _place((_ellipsize(text, bold, size, w, width),), size, shrunk=True, cut=True)


def _origins(lines: tuple[str, ...], size: float, box: TextBox, face_height_mm: float,
             width: WidthFn) -> tuple[tuple[float, float], ...]:
    """Centre the block of lines vertically in the box and align each line horizontally."""
    block = size * (LINE + LEADING * (len(lines) - 1))
    box_top = (face_height_mm - box.y_mm) * MM
    box_h, box_w, box_x = box.height_mm * MM, box.width_mm * MM, box.x_mm * MM
    first_baseline = box_top - (box_h - block) / 2 - ASCENT * size
    origins = []
    for i, line in enumerate(lines):
        line_w = width(line, box.bold, size)
        if box.align == "left":
            x = box_x
        elif box.align == "right":
            x = box_x + box_w - line_w
        else:
            x = box_x + (box_w - line_w) / 2
        origins.append((x, first_baseline - i * LEADING * size))
    return tuple(origins)


def _contrast(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return (0.0, 0.0, 0.0) if luminance > 0.5 else (1.0, 1.0, 1.0)


def layout_badge(
    badge: BadgeData,
    template: BadgeTemplate,
    event_name: str,
    event_days: Sequence[dt.date],
    width: WidthFn,
    has_glyph: Callable[[str], bool] | None = None,
) -> BadgeLayout:
    """Return where every field of `badge` goes on one face of `template`, and the findings.

    Findings name each field that was shrunk below its comfortable size, wrapped or cut,
    and (when `has_glyph` is given) every character the font cannot draw.
    """
    texts = field_texts(badge, event_name, event_days)
    placed: list[FittedText] = []
    findings: list[Finding] = []
    for name, box in template.texts.items():
        fitted = fit_text(name, texts[name], box, template.face_height_mm, width)
        placed.append(fitted)
        findings.extend(_fit_findings(badge.registration_id, fitted, texts[name]))
    band = template.band
    colour = badge.look.rgb
    if band is not None:
        fitted = fit_text("category", texts["category"], band, template.face_height_mm, width)
        placed.append(fitted)
        findings.extend(_fit_findings(badge.registration_id, fitted, texts["category"]))
    if has_glyph is not None:
        for name, text in texts.items():
            missing = sorted({c for c in text if not c.isspace() and not has_glyph(c)})
            if missing and (name in template.texts or (name == "category" and band is not None)):
                findings.append(Finding(badge.registration_id, name, FindingKind.MISSING_GLYPH,
                                        " ".join(f"{c!r} U+{ord(c):04X}" for c in missing)))
    if template.qr is not None and not _printable_code(badge.code):
        findings.append(Finding(badge.registration_id, "qr", FindingKind.NO_CODE,
                                "no badge code" if not badge.code else "the code is not short printable ASCII"))
    band_rect = None
    if band is not None:
        band_rect = (band.x_mm * MM, (template.face_height_mm - band.y_mm - band.height_mm) * MM,
                     band.width_mm * MM, band.height_mm * MM)
    qr = template.qr
    qr_rect = None
    if qr is not None and _printable_code(badge.code):
        qr_rect = (qr.x_mm * MM, (template.face_height_mm - qr.y_mm - qr.size_mm) * MM, qr.size_mm * MM)
    return BadgeLayout(tuple(placed), band_rect, colour, _contrast(colour), qr_rect, tuple(findings))


def _printable_code(code: str) -> bool:
    # the scanner side refuses anything else (desk.core.badges.codes), so printing it is pointless
    return 0 < len(code) <= MAX_CODE_CHARS and code.isascii() and code.isprintable()


def _fit_findings(registration_id: str, fitted: FittedText, text: str) -> Iterable[Finding]:
    if fitted.cut:
        yield Finding(registration_id, fitted.field, FindingKind.CUT,
                      f"{text!r} printed as {' / '.join(fitted.lines)!r} at {fitted.size_pt:.1f} pt")
    elif fitted.wrapped:
        yield Finding(registration_id, fitted.field, FindingKind.WRAPPED,
                      f"two lines at {fitted.size_pt:.1f} pt")
    elif fitted.shrunk:
        yield Finding(registration_id, fitted.field, FindingKind.SHRUNK, f"{fitted.size_pt:.1f} pt")


def preflight(
    badges: Iterable[BadgeData],
    template: BadgeTemplate,
    event_name: str,
    event_days: Sequence[dt.date],
    width: WidthFn,
    has_glyph: Callable[[str], bool] | None = None,
) -> list[Finding]:
    """Return every finding for every badge, in badge order, without drawing anything."""
    findings: list[Finding] = []
    for badge in badges:
        findings.extend(layout_badge(badge, template, event_name, event_days, width, has_glyph).findings)
    return findings


__all__ = ["TEXT_FIELDS", "BadgeData", "BadgeTemplate", "Face", "QrBox", "TemplateError", "TextBox",
           "parse_template", "BadgeLayout", "Finding", "FindingKind", "FittedText",
           "days_text", "fit_text", "layout_badge", "preflight"]
