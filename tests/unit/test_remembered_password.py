"""azrm.remembered_password: the same admin password on every run of a script, kept privately."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

import azrm
from azrm import _secrets
from azrm.rules import password_problem


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AZRM_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "xdg" / "azrm"


def test_a_generated_password_is_kept_for_the_next_run(config: Path) -> None:
    first = azrm.remembered_password("sub/KNRGTest01")
    assert azrm.remembered_password("sub/KNRGTest01") == first
    other = azrm.remembered_password("sub/KNVmssWeb01")
    assert other != first
    path = config / "passwords.json"
    assert json.loads(path.read_text()) == {"sub/KNRGTest01": first, "sub/KNVmssWeb01": other}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(config.stat().st_mode) == 0o700
    assert [p.name for p in config.iterdir()] == ["passwords.json"]  # no temporary file left behind
    assert password_problem(first, "Windows") is None and password_problem(first, "Linux") is None
    assert _secrets.is_registered(first) and first not in _secrets.scrub(f"password={first}")


def test_the_environment_variable_wins_and_nothing_is_written(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZRM_ADMIN_PASSWORD", "Fr0m!TheEnvironment")
    assert azrm.remembered_password("sub/rg") == "Fr0m!TheEnvironment"
    assert not config.exists()
    monkeypatch.setenv("MY_PASSWORD", "An0ther!Variable")
    assert azrm.remembered_password("sub/rg", env="MY_PASSWORD") == "An0ther!Variable"
    assert _secrets.is_registered("Fr0m!TheEnvironment")


def test_without_xdg_it_is_under_the_home_folder(config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    password = azrm.remembered_password("sub/rg")
    kept = tmp_path / "home" / ".config" / "azrm" / "passwords.json"
    assert json.loads(kept.read_text()) == {"sub/rg": password}


def test_a_key_that_is_not_a_string_is_refused(config: Path) -> None:
    with pytest.raises(azrm.ValidationError) as err:
        azrm.remembered_password(None)  # type: ignore[arg-type]
    assert err.value.field == "key"
