"""Organisation keys: legal forms from cleanco's tables (plus a few EU/EEA forms), however written."""

from __future__ import annotations

import datetime as dt

import pytest

from desk.core.attendees import Category, Event, Registration, Status, check_event_rules
from desk.core.text import organisation_key

# (country, the form as registries write it); each is tried dotted, undotted, with a comma
# before it, in upper and lower case
FORMS = [
    ("ES", "S.L."), ("ES", "S.L.U."), ("ES", "S.A."), ("ES", "S.A.U."), ("ES", "S.Coop."), ("ES", "S.L.L."),
    ("IT", "S.C.A.R.L."), ("IT", "S.r.l."), ("IT", "S.p.A."), ("IT", "S.c.r.l."), ("IT", "S.r.l.s."),
    ("IT", "S.n.c."), ("IT", "S.a.s."),
    ("PL", "Sp. z o.o."), ("PL", "S.A."), ("PL", "sp.j."), ("PL", "sp.k."),
    ("CZ", "s.r.o."), ("CZ", "spol. s r.o."), ("CZ", "a.s."), ("CZ", "z.s."), ("CZ", "z.ú."), ("CZ", "o.p.s."),
    ("SK", "s.r.o."), ("DE", "e.V."), ("DE", "gGmbH"), ("DE", "GmbH"), ("DE", "AG"), ("DE", "KG"),
    ("DE", "GmbH & Co. KG"), ("DE", "UG"), ("DE", "eG"), ("DE", "SE"), ("AT", "GesmbH"),
    ("HU", "Kft."), ("HU", "Zrt."), ("HU", "Nyrt."), ("HU", "Bt."),
    ("FI", "Oy"), ("FI", "Oyj"), ("FI", "Ky"), ("DK", "ApS"), ("DK", "A/S"), ("DK", "IVS"),
    ("SE", "AB"), ("SE", "HB"), ("SE", "KB"), ("NO", "AS"), ("NO", "ASA"), ("NO", "ANS"), ("EE", "OÜ"),
    ("EE", "AS"), ("EE", "MTÜ"), ("LV", "SIA"), ("LT", "UAB"), ("LT", "MB"), ("IS", "ehf."), ("IS", "hf."),
    ("BE", "vzw"), ("BE", "asbl"), ("BE", "AISBL"), ("BE", "BV"), ("BE", "SRL"), ("BE", "SPRL"),
    ("BE", "BVBA"), ("BE", "NV"), ("BE", "SC"), ("NL", "B.V."), ("NL", "N.V."), ("NL", "V.O.F."),
    ("LU", "S.à r.l."), ("LU", "S.A."), ("FR", "SARL"), ("FR", "SAS"), ("FR", "SASU"), ("FR", "EURL"),
    ("FR", "SCOP"), ("FR", "GIE"), ("PT", "Lda"), ("PT", "Unipessoal Lda"), ("PT", "Unipessoal, Lda."),
    ("PT", "S.A."), ("PT", "CRL"), ("HR", "d.o.o."), ("HR", "j.d.o.o."), ("HR", "d.d."), ("SI", "d.o.o."),
    ("SI", "d.n.o."), ("SI", "s.p."), ("RO", "S.R.L."), ("RO", "S.A."), ("BG", "ЕООД"), ("BG", "ООД"),
    ("BG", "АД"), ("BG", "EOOD"), ("BG", "OOD"), ("GR", "Α.Ε."), ("GR", "Ε.Π.Ε."), ("GR", "ΙΚΕ"),
    ("GR", "IKE"), ("IE", "Ltd"), ("IE", "Limited"), ("IE", "DAC"), ("IE", "CLG"), ("MT", "Ltd."),
    ("MT", "p.l.c."), ("CY", "Ltd"), ("CH", "Sagl"), ("CH", "Sàrl"), ("EU", "EEIG"), ("EU", "SCE"),
]


def _spellings(form: str) -> set[str]:
    undotted = form.replace(".", "")
    spaced = form.replace(".", ". ").strip()  # "S. L." as some people type it
    return {form, undotted, spaced, form.upper(), form.lower(), undotted.upper(), undotted.lower()}


@pytest.mark.parametrize(("country", "form"), FORMS, ids=[f"{c}-{f}" for c, f in FORMS])
def test_every_common_form_goes_however_it_is_written(country: str, form: str) -> None:
    for spelling in _spellings(form):
        for name in (f"Instituto Robótica {spelling}", f"Instituto Robótica, {spelling}",
                     f"INSTITUTO ROBÓTICA {spelling}", f"instituto robotica {spelling}"):
            assert organisation_key(name) == "instituto robotica", (country, name)


@pytest.mark.parametrize(("one", "other"), [
    ("Clúster Andaluz de Robótica S.L.", "cluster andaluz de robotica"),
    ("Clúster Andaluz de Robótica, S.L.U.", "CLUSTER ANDALUZ DE ROBOTICA SLU"),
    ("Consorzio Meccatronica S.C.A.R.L.", "consorzio meccatronica scarl"),
    ("Polo Tecnológico, Unipessoal Lda", "polo tecnologico"),
    ("Sociedade Têxtil Unipessoal, Lda.", "Sociedade Textil"),
    ("Łódź Cluster Sp. z o.o.", "Lodz Cluster sp.z o.o."),
    ("Łódź Cluster Sp. z o.o.", "LODZ CLUSTER SP Z OO"),
    ("CzechInvest Cluster z. s.", "czechinvest cluster"),
    ("Bayern Innovativ gGmbH", "Bayern Innovativ"),
    ("Silicon Saxony e. V.", "silicon saxony"),
    ("Müller GmbH & Co. KG", "muller"),
    ("Pannon Cluster Kft", "pannon cluster"),
    ("Cluster Lux S.à r.l.", "Cluster Lux SARL"),
    ("Flanders Make vzw", "flanders make"),
    ("Agoria asbl", "AGORIA A.S.B.L."),
    ("Tehnološki park d.o.o.", "tehnoloski park"),
    ("Nordic Robotics AS", "Nordic Robotics A/S"),
    ("Helsinki Robotics Oy", "helsinki robotics"),
    ("Robotdalen AB", "robotdalen"),
    ("Софийски Клъстер ЕООД", "Софийски Клъстер"),
])
def test_two_spellings_are_one_organisation(one: str, other: str) -> None:
    assert organisation_key(one) == organisation_key(other)
    assert organisation_key(one)


@pytest.mark.parametrize(("name", "key"), [
    ("Cluster AS Robotics", "cluster as robotics"),  # a form in the middle stays
    ("Meccanica Polo", "meccanica polo"),
    ("Polo", "polo"),
    ("Robotics UK", "robotics uk"),  # a country is not a legal form
    ("Robotics NL", "robotics nl"),
    ("Prague Zoo", "prague zoo"),
    ("Sala de Máquinas", "sala de maquinas"),
    ("Software Association", "software association"),
    ("AS", "as"),  # a name that is only a legal form keeps it
    ("S.L.", "sl"),
    ("", ""),
    (None, ""),
])
def test_words_that_are_not_a_trailing_legal_form_stay(name: str | None, key: str) -> None:
    assert organisation_key(name) == key


def test_the_three_per_organisation_flag_sees_every_spelling_as_one() -> None:
    event = Event(name="ECC", venue="Sevilla", days=(dt.date(2016, 12, 1),), per_organisation_cap=2)

    def reg(rid: str, org: str) -> Registration:
        return Registration(rid, Status.VALIDATED, "Ana", rid, f"{rid}@example.es", org, "ES",
                            Category.CLUSTER_PRACTITIONER, event.days)

    flags = check_event_rules(event, [
        reg("A-1", "Clúster Andaluz de Robótica S.L."), reg("A-2", "cluster andaluz de robotica"),
        reg("A-3", "CLUSTER ANDALUZ DE ROBOTICA, SL"),
        reg("B-1", "Consorzio Polo S.C.A.R.L."), reg("B-2", "Consorzio Polo"),
        reg("C-1", "Empresa Unipessoal Lda"), reg("C-2", "empresa"), reg("C-3", "Empresa, Lda."),
        reg("C-4", "EMPRESA UNIPESSOAL, LDA"),
    ])

    assert [(f.message, f.registration_ids) for f in flags] == [
        ("Clúster Andaluz de Robótica S.L.: 3 validated people, at most 2 per organisation (A-1, A-2, A-3)",
         ("A-1", "A-2", "A-3")),
        ("Empresa Unipessoal Lda: 4 validated people, at most 2 per organisation (C-1, C-2, C-3, C-4)",
         ("C-1", "C-2", "C-3", "C-4")),
    ]
