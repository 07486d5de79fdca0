"""The code in the README and the getting-started page runs as written (against the local Azure)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import azrm

ROOT = Path(__file__).resolve().parents[2]
APPLIED = "DSC configuration was applied successfully."
pytestmark = pytest.mark.slow


def python_block(path: Path, after: str) -> str:
    """The first ```python block after the text ``after``."""
    text = path.read_text()
    match = re.search(r"```python\n(.*?)```", text[text.index(after) :], re.S)
    assert match, f"no python block after {after!r} in {path.name}"
    return match.group(1)


@pytest.fixture
def namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run in a folder holding webdsc.ps1, with get_credential answering instead of a person."""
    shutil.copy(ROOT / "examples" / "webdsc.ps1", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    monkeypatch.setattr(azrm, "get_credential", lambda *a, **k: azrm.Credential("knadmin", "Docs!Pw0rd-2026"))
    names: dict[str, Any] = {"azrm": azrm}
    yield names
    if isinstance(names.get("az"), azrm.Session):
        names["az"].close()


def test_readme_example(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exec(python_block(ROOT / "README.md", "## Using azrm"), namespace)
    assert capsys.readouterr().out.strip() == APPLIED
    assert namespace["az"].local is None  # leaving the with block stopped the local Azure


def test_getting_started_seed_scenario(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    page = ROOT / "docs" / "getting-started.md"
    exec(python_block(page, "## The seed scenario"), namespace)
    assert capsys.readouterr().out.strip() == APPLIED
    # the one-call form, on the same VM: an update that republishes nothing and attaches again
    exec(python_block(page, "Or let `new_vm` do the last three steps"), namespace)
    az = namespace["az"]
    assert az.get_vm_dsc_extension_status("KNRGTest01", "KNVM01").statuses[0].message == APPLIED
    assert az.get_vm("KNRGTest01", "KNVM01", status=True).statuses[-1].code == "PowerState/running"


def test_templates_page(
    namespace: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = ROOT / "docs" / "templates.md"
    monkeypatch.chdir(ROOT)
    exec(python_block(page, "## Deploying"), namespace)
    state, endpoint = capsys.readouterr().out.split()
    assert state == "Succeeded" and endpoint.endswith("/knstor5050tpl/")
    exec(python_block(page, "## Templates written for Azure, as they are"), namespace)
    assert capsys.readouterr().out.split() == ["Standard_GRS", "Standard_GRS", "Storage"]
    exec(python_block(page, "## A script as a template"), namespace)
    assert capsys.readouterr().out.strip() == (
        "[\"[resourceId('Microsoft.Network/virtualNetworks', 'KNVnet01')]\", "
        "\"[resourceId('Microsoft.Network/publicIPAddresses', 'vmvNic')]\"]"
    )


def test_access_page(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exec(python_block(ROOT / "docs" / "access.md", "by their names:"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "acdd72a7-3385-48ef-bd42-f606fba81ae7 ('*/read',)"
    assert [line.split()[0] for line in lines[1:]] == ["Reader", "Contributor"]


def test_access_page_enforcement(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exec(python_block(ROOT / "docs" / "access.md", "### Enforcement"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["vnet1", "403 AuthorizationFailed"]
    assert "does not have authorization to perform action 'Microsoft.Network/virtualNetworks/delete'" in lines[2]


def test_identity_page(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exec(python_block(ROOT / "docs" / "identity.md", "# Managed identities"), namespace)
    assert capsys.readouterr().out.split("\n")[:3] == ["True", "['web-identity']", "SystemAssigned, UserAssigned"]


def test_keyvault_page(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exec(python_block(ROOT / "docs" / "keyvault.md", "# Key vaults"), namespace)
    lines = capsys.readouterr().out.split("\n")[:3]
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+/", lines[0])  # over HTTPS, each vault has its own listener
    assert lines[1:] == ["['kv-docs-1']", "['get', 'list']"]


def test_keyvault_page_secrets(namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exec(python_block(ROOT / "docs" / "keyvault.md", "## Secrets from the library"), namespace)
    assert capsys.readouterr().out.splitlines() == [
        "vm-admin True False",
        "Docs!Pw0rd-2026",
        "knadmin (password hidden)",
    ]
