"""Event key files: private on disk, round-trip through export/import, never leak."""

from __future__ import annotations

import json
import stat

import pytest

from desk.config import data_dir
from desk.core.badges.codes import Rejection, badge_ref, issue_code, verify
from desk.services.badges.keys import (
    KeyFileError,
    add_key_version,
    create_keys,
    export_keys,
    import_keys,
    key_path,
    load_keys,
)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _code(keys, rid="R1"):
    return issue_code(keys.private_keys[keys.current_version], keys.current_version,
                      badge_ref(keys.ref_secret, rid))


def _check(keys, code, rid="R1"):
    refs = {badge_ref(keys.ref_secret, rid): rid}
    return verify(code, keys.public_keys, refs.get, lambda _: None)


def test_created_keys_are_private_to_the_owner():
    keys = create_keys("ecc2016")
    path = key_path("ecc2016")
    assert path.parent == data_dir() / "keys"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert keys.can_issue and keys.current_version == 1
    assert list(path.parent.glob("*.tmp")) == []


def test_load_returns_the_same_keys():
    keys = create_keys("ecc2016")
    loaded = load_keys("ecc2016")
    assert loaded.ref_secret == keys.ref_secret
    assert _check(loaded, _code(keys)).registration_id == "R1"
    assert _check(keys, _code(loaded)).registration_id == "R1"


def test_create_never_overwrites():
    create_keys("ecc2016")
    with pytest.raises(KeyFileError, match="already has keys"):
        create_keys("ecc2016")


def test_missing_keys_and_bad_event_names_are_desk_errors():
    with pytest.raises(KeyFileError, match="no keys"):
        load_keys("nothing-here")
    with pytest.raises(KeyFileError, match="cannot name a key file"):
        load_keys("../etc/passwd")


def test_station_export_verifies_but_cannot_issue(tmp_path, monkeypatch):
    keys = create_keys("ecc2016")
    code = _code(keys)
    exported = export_keys(keys, tmp_path / "station.json")
    assert _mode(exported) == 0o600
    assert "private" not in exported.read_text()
    # another desk: a fresh data folder
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "other-desk"))
    station = import_keys(exported)
    assert not station.private_keys and not station.can_issue
    assert _check(station, code).registration_id == "R1"
    assert badge_ref(station.ref_secret, "R9") == badge_ref(keys.ref_secret, "R9")
    assert load_keys("ecc2016").ref_secret == keys.ref_secret


def test_sealed_private_export_round_trips(tmp_path, monkeypatch):
    keys = add_key_version(create_keys("ecc2016"))
    sealed = export_keys(keys, tmp_path / "issuer.json", passphrase="correct horse", include_private=True)
    text = sealed.read_text()
    assert json.loads(text)["format"] == "desk-event-keys-sealed"
    assert keys.ref_secret.hex() not in text
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "spare-desk"))
    with pytest.raises(KeyFileError, match="passphrase"):
        import_keys(sealed)
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        import_keys(sealed, passphrase="wrong horse")
    imported = import_keys(sealed, passphrase="correct horse")
    assert imported.current_version == 2 and imported.can_issue
    assert _check(keys, _code(imported)).registration_id == "R1"
    assert _mode(key_path("ecc2016")) == 0o600


def test_private_export_needs_a_passphrase(tmp_path):
    keys = create_keys("ecc2016")
    with pytest.raises(KeyFileError, match="passphrase"):
        export_keys(keys, tmp_path / "x.json", include_private=True)
    assert not (tmp_path / "x.json").exists()


def test_older_versions_keep_verifying_after_a_new_one():
    keys = create_keys("ecc2016")
    old_code = _code(keys)
    keys = add_key_version(keys)
    new_code = _code(keys)
    assert new_code.startswith("D2:")
    reloaded = load_keys("ecc2016")
    assert _check(reloaded, old_code).registration_id == "R1"
    assert _check(reloaded, new_code).registration_id == "R1"
    assert _check(keys.station_keys(), new_code).ok


def test_station_import_does_not_replace_the_issuer_keys(tmp_path):
    keys = create_keys("ecc2016")
    exported = export_keys(keys, tmp_path / "station.json")
    assert import_keys(exported).can_issue
    assert load_keys("ecc2016").can_issue


def test_importing_a_different_key_set_is_refused(tmp_path, monkeypatch):
    create_keys("ecc2016")
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "elsewhere"))
    foreign = export_keys(create_keys("ecc2016"), tmp_path / "foreign.json")
    monkeypatch.undo()
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "elsewhere-2"))
    create_keys("ecc2016")
    with pytest.raises(KeyFileError, match="differ"):
        import_keys(foreign)


@pytest.mark.parametrize("content", [b"", b"{}", b"not json", b'{"format": "desk-event-keys"}',
                                     b'{"format":"desk-event-keys","event":"e","ref_secret":"!!","keys":[]}'])
def test_damaged_files_are_desk_errors(tmp_path, content):
    path = tmp_path / "damaged.json"
    path.write_bytes(content)
    with pytest.raises(KeyFileError):
        import_keys(path)


def test_secrets_stay_out_of_repr_and_errors(tmp_path):
    keys = create_keys("ecc2016")
    assert keys.ref_secret.hex() not in repr(keys)
    assert "ref_secret" not in repr(keys)
    sealed = export_keys(keys, tmp_path / "s.json", passphrase="a passphrase", include_private=True)
    with pytest.raises(KeyFileError) as info:
        import_keys(sealed, passphrase="not it at all")
    assert "a passphrase" not in str(info.value)


def test_tampered_public_key_is_refused(tmp_path):
    keys = create_keys("ecc2016")
    other = tmp_path / "other"
    doc = json.loads(key_path("ecc2016").read_text())
    doc["keys"][0]["public"] = json.loads(
        export_keys(keys, other).read_text())["keys"][0]["public"][::-1]
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError):
        import_keys(path)
    assert _check(load_keys("ecc2016"), _code(keys)).reason is None


def test_code_of_another_event_is_a_bad_signature():
    keys = create_keys("ecc2016")
    other = create_keys("other-event")
    assert _check(keys, _code(other)).reason is Rejection.BAD_SIGNATURE
