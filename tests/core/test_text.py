"""Folding text: the fast path gives exactly what the plain definition says, for every character."""

from __future__ import annotations

import unicodedata

import pytest

from desk.core.text import _EXTRA, fold, organisation_key


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
