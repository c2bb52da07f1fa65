"""Folding text: the fast path gives exactly what the plain definition says, for every character."""

from __future__ import annotations

import unicodedata

import pytest

from desk.core.attendees import Category, Registration, Status
from desk.core.text import _EXTRA, fold, latin_spelling, organisation_key, search_spellings


def _reference(text: str) -> str:
    """The definition, written plainly: map the special letters, decompose, drop the marks,
    map again (a decomposition can uncover one), case-fold, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_EXTRA).casefold().split())


@pytest.mark.parametrize("context", ["{}", "a{}b", "Ł{} \u00a0x"])
def test_fold_matches_the_definition_for_every_bmp_character(context: str) -> None:
    wrong = [hex(cp) for cp in range(0x80, 0x10000)
             if not 0xD800 <= cp <= 0xDFFF and fold(context.format(chr(cp))) != _reference(context.format(chr(cp)))]
    assert wrong == []


@pytest.mark.parametrize(("text", "folded"), [
    ("Łódź", "lodz"), ("Nøvák-Øster", "novak-oster"), ("Δημήτρης", "δημητρησ"), ("Йошкар-Ола", "иошкар-ола"),
    ("  Straße\t am  See ", "strasse am see"), ("𝐀bc", "abc"), ("ŀ", "l"),
])
def test_fold_examples(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_organisation_keys_ignore_legal_forms_and_punctuation() -> None:
    assert organisation_key("Łódź Cluster Sp. z o.o.") == organisation_key("lodz cluster") == "lodz cluster"
    assert organisation_key("Silicon Saxony e.V.") == "silicon saxony"
    assert organisation_key("Müller GmbH & Co. KG") == "muller"


@pytest.mark.parametrize(("text", "latin"), [
    ("Παπαδόπουλος", "papadopoulos"), ("ΠΑΠΑΔΌΠΟΥΛΟΣ", "papadopoulos"), ("Γιώργος Οικονόμου", "giorgos oikonomou"),
    ("Ευάγγελος", "evangelos"), ("Σταύρος", "stavros"), ("Ευθύμιος", "efthymios"), ("Μπακογιάννη", "bakogianni"),
    ("Λάμπρος", "lampros"), ("Μαΐου", "maiou"), ("Δημήτρης", "dimitris"),
    ("Шевченко", "shevchenko"), ("Тарас Шевченко", "taras shevchenko"), ("Дмитрий", "dmitriy"),
    ("Щукин", "shchukin"), ("Ђорђе Јовановић", "djordje jovanovic"), ("Жуков", "zhukov"),
])
def test_latin_spelling_of_greek_and_cyrillic(text: str, latin: str) -> None:
    assert latin_spelling(text) == latin


@pytest.mark.parametrize("text", ["", None, "Müller", "Łódź Chemia", "Nøvák-Øster", "ECC16-0031", "a.b@example.eu",
                                  "Straße", "Şahin Ľubomír"])
def test_latin_text_needs_no_other_spelling(text: str | None) -> None:
    # its folded form is how a Latin keyboard types it already
    assert latin_spelling(text) == ""


def test_latin_spelling_keeps_only_the_words_of_other_scripts() -> None:
    assert latin_spelling("Klaster Σύμπραξη Αθηνών 12") == "sympraxi athinon"
    assert latin_spelling("Taras Шевченко") == "shevchenko"


@pytest.mark.parametrize(("query", "spellings"), [
    ("", []), (None, []), ("  ", []),
    ("muller", [("muller",)]), ("Łódź", [("lodz",)]),
    ("Шевч anna", [("шевч", "shevch"), ("anna",)]),
    ("Παπαδόπουλος", [("παπαδοπουλοσ", "papadopoulos")]),
    # a registration id and an e-mail: the words the search text splits them into
    ("ECC16-0031", [("ecc16",), ("0031",)]),
    ("anna.muller@example.com", [("anna",), ("muller",), ("example",), ("com",)]),
    ('"%_\\', []),
])
def test_search_spellings(query: str | None, spellings: list[tuple[str, ...]]) -> None:
    assert search_spellings(query) == spellings


def test_search_text_holds_ids_emails_and_latin_spellings() -> None:
    reg = Registration("ECC16-0031", Status.VALIDATED, "Тарас", "Шевченко", "t.shevchenko@kyiv.ua",
                       "Σύμπραξη Αθηνών", "UA", Category.SPEAKER, ())
    search, sort = reg.folded_texts()
    assert search.split() == ["тарас", "шевченко", "συμπραξη", "αθηνων", "t.shevchenko@kyiv.ua", "ecc16-0031",
                              "taras", "shevchenko", "sympraxi", "athinon"]
    assert sort == "шевченко тарас"
    latin = Registration("R1", Status.VALIDATED, "Anna", "Müller", "", "Łódź", "PL", Category.SPEAKER, ())
    assert latin.folded_texts() == ("anna muller lodz r1", "muller anna")
