"""Badge layout decisions, with a made-up font so no PDF library is involved."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk import resources
from desk.core.attendees import Category, Registration, Status
from desk.core.badges.layout import (
    MM,
    BadgeData,
    FindingKind,
    TemplateError,
    TextBox,
    days_text,
    fit_text,
    layout_badge,
    parse_template,
    preflight,
)

DAYS = (dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2))
EVENT = "European Cluster Conference 2016"
FACE_H = 148.0


def mono(text: str, bold: bool, size: float) -> float:
    """A monospaced font: every character is 0.6 em wide (0.66 em in bold)."""
    return len(text) * (0.66 if bold else 0.6) * size


BOX = TextBox(x_mm=10, y_mm=20, width_mm=80, height_mm=24, size_pt=36, comfort_pt=26,
              min_pt=16, bold=False, align="center", max_lines=2)
ONE_LINE = TextBox(10, 20, 80, 10, 24, 18, 10, max_lines=1)


def badge(**changes) -> BadgeData:
    values = dict(registration_id="R1", first_name="Ana", last_name="Silva", organisation="Org",
                  country="PT", category=Category.SPEAKER, days=(), code="D1:X:Y")
    values.update(changes)
    return BadgeData(**values)


def a6():
    return parse_template(json.loads(resources.template("badge-a6.json").read_text()))


def test_days_text():
    assert days_text((DAYS[1], DAYS[0]), DAYS) == "Wed 30 Nov · Thu 1 Dec"
    assert days_text((), DAYS) == "Wed 30 Nov · Thu 1 Dec · Fri 2 Dec"
    assert days_text((DAYS[2],), DAYS) == "Fri 2 Dec"


def test_short_text_keeps_its_full_size():
    fitted = fit_text("first_name", "Ana", BOX, FACE_H, mono)
    assert fitted.lines == ("Ana",)
    assert fitted.size_pt == 36
    assert not (fitted.shrunk or fitted.wrapped or fitted.cut)


def test_longer_text_shrinks_first():
    text = "Bartholomew"  # 11 chars: 80 mm fits it at about 34 pt
    fitted = fit_text("first_name", text, BOX, FACE_H, mono)
    assert fitted.lines == (text,)
    assert 26 <= fitted.size_pt < 36
    assert not fitted.shrunk and not fitted.wrapped


def test_then_wraps_at_a_space_or_hyphen():
    fitted = fit_text("last_name", "Nøvák-Øster von Hohenzollern", BOX, FACE_H, mono)
    assert fitted.wrapped and not fitted.cut
    assert "".join(fitted.lines).replace(" ", "") == "Nøvák-Østervon Hohenzollern".replace(" ", "")
    assert len(fitted.lines) == 2 and fitted.size_pt >= BOX.min_pt


def test_then_cuts_with_an_ellipsis():
    fitted = fit_text("first_name", "W" * 200, BOX, FACE_H, mono)
    assert fitted.cut and fitted.lines[-1].endswith("…")
    assert fitted.size_pt == BOX.min_pt


def test_one_line_box_cuts_instead_of_wrapping():
    fitted = fit_text("country", "Bosnia and Herzegovina " * 4, ONE_LINE, FACE_H, mono)
    assert len(fitted.lines) == 1 and fitted.cut and fitted.lines[0].endswith("…")


def test_wrap_is_preferred_when_it_gives_larger_letters():
    # one line would need about 17 pt (below comfort 26); two lines allow about 30 pt
    fitted = fit_text("first_name", "Maximilian Alexander Johannes", BOX, FACE_H, mono)
    assert fitted.wrapped and fitted.size_pt > 20


def _assert_inside(fitted, box: TextBox) -> None:
    left, right = box.x_mm * MM, (box.x_mm + box.width_mm) * MM
    top, bottom = (FACE_H - box.y_mm) * MM, (FACE_H - box.y_mm - box.height_mm) * MM
    for line, (x, y) in zip(fitted.lines, fitted.origins):
        assert x >= left - 1e-6 and x + mono(line, box.bold, fitted.size_pt) <= right + 1e-6
        assert y + 0.928 * fitted.size_pt <= top + 1e-6
        assert y - 0.236 * fitted.size_pt >= bottom - 1e-6
    assert len(fitted.lines) <= box.max_lines


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=160),
       st.sampled_from([BOX, ONE_LINE, TextBox(0, 0, 20, 8, 20, 12, 8, True, "left", 2),
                        TextBox(5, 100, 40, 6, 10, 9, 6, False, "right", 1)]))
def test_any_text_stays_inside_its_box(text, box):
    text = " ".join(text.split())
    fitted = fit_text("f", text, box, FACE_H, mono)
    _assert_inside(fitted, box)
    assert fitted.size_pt >= min(box.min_pt, box.height_mm * MM / 1.17) - 1e-9
    if not fitted.cut:
        # nothing lost: a break at a space drops that space, a break after a hyphen nothing
        assert " ".join(fitted.lines) == text or "".join(fitted.lines) == text


def test_layout_reports_each_kind_of_finding():
    template = a6()
    b = badge(first_name="Wolfeschlegelsteinhausenbergerdorff" * 3, last_name="Nøvák-Øster von Hohenzollern-Sigmaringen",
              organisation="中文 Org")
    layout = layout_badge(b, template, EVENT, DAYS, mono, has_glyph=lambda c: ord(c) < 0x3000)
    kinds = {(f.field, f.kind) for f in layout.findings}
    assert ("first_name", FindingKind.CUT) in kinds
    assert ("last_name", FindingKind.WRAPPED) in kinds
    assert ("organisation", FindingKind.MISSING_GLYPH) in kinds
    glyph = next(f for f in layout.findings if f.kind is FindingKind.MISSING_GLYPH)
    assert "U+4E2D" in glyph.detail and "U+6587" in glyph.detail
    assert all(f.registration_id == "R1" for f in layout.findings)


def test_plain_badges_have_no_findings_and_every_field():
    template = a6()
    findings = preflight([badge(), badge(registration_id="R2", first_name="Łucja")], template, EVENT, DAYS, mono,
                         has_glyph=lambda c: True)
    assert findings == []
    layout = layout_badge(badge(), template, EVENT, DAYS, mono)
    texts = {t.field: t.lines for t in layout.texts}
    assert texts["country"] == ("Portugal",)
    assert texts["category"] == ("Speaker",)
    assert texts["days"] == ("Wed 30 Nov · Thu 1 Dec · Fri 2 Dec",)
    assert texts["event"] == (EVENT,)
    assert layout.qr is not None and layout.band is not None


def test_from_registration():
    reg = Registration("R9", Status.VALIDATED, "Şahin", "Ayşe", "a@b.tr", "Org", "TR",
                       Category.PRESS, (DAYS[0],), "T-9")
    b = BadgeData.from_registration(reg, "D1:CODE")
    assert (b.first_name, b.category, b.days, b.code) == ("Şahin", Category.PRESS, (DAYS[0],), "D1:CODE")


def _doc(**fields):
    base = {"name": "t", "page_mm": [100, 100], "badge_mm": [100, 100], "fields": {
        "first_name": {"x_mm": 5, "y_mm": 5, "width_mm": 90, "height_mm": 20, "size_pt": 30, "min_pt": 12}}}
    base.update(fields)
    return base


@pytest.mark.parametrize("doc, message", [
    (_doc(page_mm=[100]), "page_mm"),
    (_doc(fields={"first_name": {"x_mm": 50, "y_mm": 5, "width_mm": 90, "height_mm": 20,
                                 "size_pt": 30, "min_pt": 12}}), "outside"),
    (_doc(fields={"nickname": {}}), "unknown fields"),
    (_doc(fields={"first_name": {"x_mm": 5, "y_mm": 5, "width_mm": 90, "height_mm": 3,
                                 "size_pt": 30, "min_pt": 12}}), "too low"),
    (_doc(fields={"qr": {"x_mm": 80, "y_mm": 80, "size_mm": 30}}), "qr"),
    (_doc(slots_mm=[[50, 0]]), "slot 1"),
    (_doc(faces=[{"x_mm": 0, "y_mm": 0, "rotate": 90}]), "180"),
    (_doc(fields={"first_name": {"x_mm": "a"}}), "x_mm"),
])
def test_inconsistent_templates_are_refused(doc, message):
    with pytest.raises(TemplateError, match=message):
        parse_template(doc)


def test_every_shipped_template_parses_and_cut_lines_follow_the_slots():
    for name in ("a6", "label-4x3", "foldover"):
        doc = json.loads(resources.template(f"badge-{name}.json").read_text())
        parse_template(doc)
    sheet = json.loads(resources.template("badge-a4-sheet.json").read_text())
    template = parse_template(sheet, json.loads(resources.template("badge-a6.json").read_text()))
    assert len(template.slots) == 4 and template.texts == a6().texts
    xs, ys = template.cut_lines_mm()
    assert xs == (105.0,)
    assert 148.5 in ys
