"""Real badge PDFs: parsed with pypdf, read back with pdftotext, rasterised and scanned."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import cv2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader

from desk.core.attendees import Category, Event
from desk.core.badges.layout import BadgeData, FindingKind
from desk.core.badges.codes import badge_ref, issue_code, verify
from desk.devices.decoder import ZxingDecoder
from desk.services.badges import qr as badge_qr
from desk.services.badges.pdf import LAYOUTS, load_template, preflight_badges, render_badges

DAYS = (dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2))
EVENT = Event("European Cluster Conference 2016", "Crowne Plaza Rogier, Brussels", DAYS)
SECRET = b"badge-pdf-test-secret-0123456789"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
BASE14 = {"Helvetica", "Times-Roman", "Courier", "Symbol", "ZapfDingbats"}

PEOPLE = [
    ("R01", "Łucja", "Łódź", "Politechnika Łódzka", "PL", Category.POLICY_MAKER, (DAYS[0],)),
    ("R02", "Δημήτρης", "Παπαδόπουλος", "Ελληνικό Ινστιτούτο", "GR", Category.SPEAKER, ()),
    ("R03", "Дмитрий", "Ковалёв", "Болгарская ассоциация", "BG", Category.PRESS, DAYS[1:]),
    ("R04", "Jiří", "Nøvák-Øster", "Cluster Excellence Denmark", "DK", Category.CLUSTER_PRACTITIONER, ()),
    ("R05", "Ayşe", "Şahin", "İstanbul Kümesi", "TR", Category.OTHER_STAKEHOLDER, ()),
    ("R06", "Antonín", "Dvořák", "Czech Cluster Association", "CZ", Category.STAFF, (DAYS[1],)),
]
LONG = ("R07", "Maximilian-Alexander", "von Hohenzollern-Sigmaringen-Württemberg",
        "Cluster Excellence Programme for Advanced Manufacturing Technologies and Industrial "
        "Modernisation in the Danube Region", "AT", Category.SPEAKER, ())


def make_badge(rid, first, last, org, country, category, days) -> BadgeData:
    return BadgeData(rid, first, last, org, country, category, days,
                     issue_code(KEY, 1, badge_ref(SECRET, rid)))


BADGES = [make_badge(*p) for p in PEOPLE]
REFS = {badge_ref(SECRET, p[0]): p[0] for p in [*PEOPLE, LONG]}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    folder = tmp_path_factory.mktemp("badges")
    out = {}
    for layout in LAYOUTS:
        path = folder / f"{layout}.pdf"
        out[layout] = (path, render_badges([*BADGES, make_badge(*LONG)], layout, path, EVENT))
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_name_comes_back_exactly(rendered, layout):
    path, result = rendered[layout]
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    plain = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    for _rid, first, last, org, *_ in PEOPLE:
        for value in (first, last, org):
            assert value in text, (layout, value)
            assert value in plain, (layout, value)
    assert "Wed 30 Nov" in text and "Thu 1 Dec · Fri 2 Dec" in text
    assert "Poland" in text and "Policy-maker" in text and "Cluster practitioner" in text
    assert result.badges == 7


@pytest.mark.parametrize("layout", LAYOUTS)
def test_only_embedded_fonts(rendered, layout):
    path, _ = rendered[layout]
    for page in PdfReader(path).pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            name = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
            assert name not in BASE14
            assert "/FontFile2" in descendant["/FontDescriptor"], name
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    rows = [row.split() for row in rows if row.strip()]
    # columns: name type encoding emb sub uni object-id generation
    assert rows and all(row[-5] == "yes" for row in rows), listing
    assert all(row[0].split("+")[-1].startswith("DejaVuSans") for row in rows), listing


@pytest.mark.parametrize("layout", LAYOUTS)
def test_text_stays_on_the_page(rendered, layout):
    path, _ = rendered[layout]
    template = load_template(layout)
    for page in PdfReader(path).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(template.page_width_mm * 72 / 25.4, abs=0.01)
        positions = []

        def visit(text, cm, tm, font, size, positions=positions):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                positions.append((text, x, y))

        page.extract_text(visitor_text=visit)
        assert positions
        for text, x, y in positions:
            assert 0 <= x <= width and 0 <= y <= height, (layout, text, x, y)


def test_page_counts_follow_the_slots(rendered):
    assert rendered["a6"][1].pages == 7
    assert rendered["a4-sheet"][1].pages == 2
    assert len(PdfReader(rendered["a4-sheet"][0]).pages) == 2
    assert len(PdfReader(rendered["foldover"][0]).pages) == 7


def _scan(pdf: Path, folder: Path, dpi: int = 150) -> list[str]:
    subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), str(pdf), str(folder / "page")], check=True)
    decoder = ZxingDecoder(half_first=False)
    found = []
    for png in sorted(folder.glob("page*.png")):
        found.extend(d.text for d in decoder.decode(cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)))
    return found


@pytest.mark.parametrize("layout", LAYOUTS)
def test_printed_qr_scans_and_verifies(rendered, layout, tmp_path):
    path, _ = rendered[layout]
    found = _scan(path, tmp_path)
    named = [verify(t, {1: KEY.public_key()}, REFS.get, lambda _: None).registration_id for t in found]
    faces = len(load_template(layout).faces)
    # every badge once per face (a fold-over carries its code on both faces)
    assert sorted(named) == sorted(rid for rid in REFS.values() for _ in range(faces))


def test_qrcode_fallback_matrix_scans_too(tmp_path, monkeypatch):
    monkeypatch.setattr(badge_qr, "_zxing_matrix", badge_qr.qrcode_matrix)
    assert badge_qr.qr_matrix(BADGES[0].code) == badge_qr.qrcode_matrix(BADGES[0].code)
    path = tmp_path / "fallback.pdf"
    render_badges(BADGES[:2], "a6", path, EVENT)
    assert sorted(_scan(path, tmp_path)) == sorted(b.code for b in BADGES[:2])


def test_qr_is_small_and_alphanumeric():
    matrix = badge_qr.qr_matrix(BADGES[0].code)
    version = (len(matrix) - 17) // 4
    assert version <= 7
    assert badge_qr.qrcode_matrix(BADGES[0].code) and len(badge_qr.qrcode_matrix(BADGES[0].code)) == len(matrix)


def test_findings_name_what_a_person_should_check(rendered):
    findings = rendered["a6"][1].findings
    assert {(f.registration_id, f.field, f.kind) for f in findings} >= {
        ("R07", "organisation", FindingKind.CUT),
    }
    assert all(f.registration_id == "R07" for f in findings)
    odd = make_badge("R08", "中文", "Smith", "Org", "BE", Category.STAFF, ())
    found = preflight_badges([odd], "a6", EVENT)
    assert [(f.field, f.kind) for f in found] == [("first_name", FindingKind.MISSING_GLYPH)]


def test_progress_is_reported_per_badge(tmp_path):
    seen: list[tuple[int, int]] = []
    result = render_badges(BADGES, "a4-sheet", tmp_path / "p.pdf", EVENT,
                           progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, len(BADGES)) for i in range(1, len(BADGES) + 1)]
    assert result.path == tmp_path / "p.pdf" and not result.cancelled


def test_cancel_leaves_no_file_and_keeps_the_previous_one(tmp_path):
    out = tmp_path / "batch.pdf"
    render_badges(BADGES[:1], "a6", out, EVENT)
    before = out.read_bytes()
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    result = render_badges(BADGES, "a6", out, EVENT, cancelled=cancelled)
    assert result.cancelled and result.path is None and result.badges == 3
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.pdf"]
    fresh = tmp_path / "never.pdf"
    assert render_badges(BADGES, "a6", fresh, EVENT, cancelled=lambda: True).cancelled
    assert not fresh.exists()


def test_empty_batch_is_a_valid_pdf(tmp_path):
    result = render_badges([], "a6", tmp_path / "empty.pdf", EVENT)
    assert result.badges == 0 and len(PdfReader(tmp_path / "empty.pdf").pages) == 1


def test_unwritable_folder_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(OSError):
        render_badges(BADGES, "a6", tmp_path / "missing" / "x.pdf", EVENT)
    assert list(tmp_path.iterdir()) == []


def test_pdftoppm_present():
    assert shutil.which("pdftoppm"), "poppler-utils is needed to look at badges"


def test_badge_without_a_usable_code_prints_without_qr(tmp_path):
    odd = [make_badge("R09", "Ana", "Silva", "Org", "PT", Category.STAFF, ()),
           BadgeData("R10", "Ana", "Silva", "Org", "PT", Category.STAFF, (), ""),
           BadgeData("R11", "Ana", "Silva", "Org", "PT", Category.STAFF, (), "Ł" * 10)]
    result = render_badges(odd, "a6", tmp_path / "odd.pdf", EVENT)
    assert [(f.registration_id, f.kind) for f in result.findings] == [
        ("R10", FindingKind.NO_CODE), ("R11", FindingKind.NO_CODE)]
    assert len(_scan(tmp_path / "odd.pdf", tmp_path)) == 1
    assert "Silva" in PdfReader(tmp_path / "odd.pdf").pages[1].extract_text()
