"""The scrubber's forms of a secret, tracebacks, SAS in deployment results, and the sealed state file."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from azrm import _secrets
from azrm.emulator.core.store import Record, StateKeyError, Store

SECRET = 'Zx"4\\q%7E-é€-unit-canary'


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        json.dumps(SECRET)[1:-1],
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
        repr(SECRET)[1:-1],
        repr(SECRET.encode())[2:-1],
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        json.dumps(json.dumps(SECRET))[1:-1],  # a JSON string inside JSON
        repr(json.dumps({"p": SECRET}).encode()),  # a JSON body shown as bytes
    ],
)
def test_every_form_of_a_secret_is_masked(form: str) -> None:
    _secrets.register(SECRET)
    text = _secrets.scrub(f"before {form} after")
    assert text.count(_secrets.MASK) == 1 and "before" in text and "after" in text
    assert not any(f in text for f in _secrets.forms(SECRET))


def test_an_admin_password_with_escapes_is_masked_whole_even_unregistered() -> None:
    body = json.dumps({"adminPassword": 'a"b\\c-never-registered', "next": 1})
    assert _secrets.scrub(body) == '{"adminPassword": "********", "next": 1}'


def test_sas_signatures_are_masked_in_every_spelling() -> None:
    url = "https://a.blob/c/b?sv=1&sig=AbC%2Fd%3D&se=x"
    assert _secrets.scrub(url) == "https://a.blob/c/b?sv=1&sig=********&se=x"
    assert "AbC" not in _secrets.scrub(quote(url, safe=""))  # the whole URL encoded (sig%3D...)
    assert _secrets.mask_sas(None) is None


def test_tracebacks_and_stacks_are_scrubbed_and_not_formatted_again(caplog: pytest.LogCaptureFixture) -> None:
    _secrets.register(SECRET)
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError(f"no: {SECRET!r}")
    except RuntimeError:
        logging.getLogger("azrm.test").exception("failed with %s", {"pw": SECRET}, stack_info=True)
    (record,) = caplog.records
    assert record.exc_info is None and record.exc_text and "RuntimeError: no: '********'" in record.exc_text
    text = logging.Formatter().format(record)
    assert "Traceback" in text and "Stack (most recent call last)" in text
    assert not any(form in text for form in _secrets.forms(SECRET))


def test_the_filter_scrubs_records_made_before_the_factory() -> None:
    _secrets.register(SECRET)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pw %s", (SECRET,), None)
    record.msg, record.args = "pw %s", (SECRET,)  # as if made by a factory installed later
    record.__dict__.pop("_azrm_scrubbed", None)
    assert _secrets.ScrubFilter().filter(record) and record.getMessage() == "pw ********"


def test_a_deployment_result_shows_no_sas() -> None:
    from azure.mgmt.resource.deployments.models import DeploymentExtended

    from azrm.operations.templates import _hide_sas

    result = DeploymentExtended(
        {
            "properties": {
                "templateLink": {"uri": "https://a/t.json?sv=1&sig=live%3D", "queryString": "sv=1&sig=other"},
                "parametersLink": {"uri": "https://a/p.json", "queryString": "sv=1&sig=third"},
            }
        }
    )
    text = repr(_hide_sas(result))
    assert "live" not in text and "other" not in text and "third" not in text
    assert result.properties.template_link.uri == "https://a/t.json?sv=1&sig=********"
    assert _hide_sas(None) is None


# -- the state file --------------------------------------------------------------------------------------
def test_secrets_in_the_state_file_are_sealed_with_a_private_key(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(path)
    store.put(Record("/r/a", "t", {"name": "a"}, secrets={"adminPassword": SECRET}))
    store.set_meta("build", {"key": SECRET})
    store.close()
    key = tmp_path / "state.db.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes().decode("latin-1")
    assert '"name": "a"' in raw and "unit-canary" not in raw and "$sealed" in raw
    again = Store(path)
    assert again.get("/r/a").secrets == {"adminPassword": SECRET} and again.meta["build"] == {"key": SECRET}
    again.close()


def test_a_state_file_in_clear_is_sealed_at_its_next_write(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE records (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    data = {"id": "/r/a", "type": "t", "body": {}, "secrets": {"pw": SECRET}, "internal": {}}
    db.execute("INSERT INTO records VALUES (?, ?)", ("/r/a", json.dumps(data)))
    db.execute("INSERT INTO meta VALUES (?, ?)", ("m", json.dumps({"key": SECRET})))
    db.commit()
    db.close()
    store = Store(path)
    assert store.get("/r/a").secrets == {"pw": SECRET}
    store.close()
    assert "unit-canary" not in path.read_bytes().decode("latin-1")
    assert Store(path).meta["m"] == {"key": SECRET}


def test_a_state_file_without_its_key_says_so(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(path)
    store.put(Record("/r/a", "t", {}, secrets={"pw": SECRET}))
    store.close()
    (tmp_path / "state.db.key").unlink()
    with pytest.raises(StateKeyError, match="restore the key file"):
        Store(path)


def test_overlapping_secrets_leave_nothing_between_them() -> None:
    _secrets.register("overlap-abcdefgh12")
    _secrets.register("abcdefgh12-overlap-tail")
    assert _secrets.scrub("zz overlap-abcdefgh12-overlap-tail zz") == "zz ******** zz"


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("'Authorization': 'Bearer eyJhbGciOiJSUzI1NiJ9x.eyJhdWQiOiJodHRwczovL20.c2lnbmF0dXJl'", "eyJ", "Bearer"),
        ('{"access_token": "eyJ0eXAiOiJKV1QiLCJh.eyJhdWQiOiJodHRwczovL2.sIg-_x"}', "eyJ", "access_token"),
        ("grant_type=client_credentials&client_secret=s3cr3t%2Fvalue&scope=x", "s3cr3t", "grant_type"),
        ("Authorization: Bearer opaque-token-0123456789abcdef", "opaque-token", "Authorization"),
    ],
)
def test_token_shapes_are_masked(text: str, hidden: str, kept: str) -> None:
    cleaned = _secrets.scrub(text)
    assert hidden not in cleaned and kept in cleaned and _secrets.MASK in cleaned


def test_a_challenge_header_is_not_taken_for_a_token() -> None:
    header = 'Bearer authorization_uri="https://127.0.0.1:1/t", error="invalid_token"'
    assert _secrets.scrub(header) == header
