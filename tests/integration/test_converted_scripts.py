"""Real PowerShell scripts, converted by ``python -m azrm convert`` and run, unchanged, against the local Azure.

The scripts are tests/convert/scripts/*.ps1, each with ``<script>.expect.toml``: what it must leave
provisioned (``[[resource]]``), what it removes (``[[absent]]``), the files it reads (``inputs``),
the values of the inputs it leaves to its reader (``env``), and the statements the converter is
expected to leave as TODO(azrm) (``todo``: a part of each reason). Any other TODO fails the test.

All scripts share one local Azure per test worker (their resource groups differ: checked below); each
runs as its own process attached to it, as a user would run the converted file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import azrm
from azrm.emulator.local import LocalAzure
from azrm.powershell import translate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "convert" / "scripts"
PASSWORD = "Conv3rted!Scr1pt-Pw"


def _scripts() -> list[Path]:
    """The scripts run by the parametrized test: all but the seed's, which has its own test below."""
    return sorted(p for p in SCRIPTS.glob("*.ps1") if p.name != "seed_azurerm.ps1")


def _expect(script: Path) -> dict[str, Any]:
    path = script.with_name(script.name + ".expect.toml")
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAzure]:
    with LocalAzure() as running:
        yield running


@pytest.fixture(scope="module")
def az(local: LocalAzure) -> Iterator[Any]:
    previous = os.environ.get("AZRM_LOCAL_ENDPOINT")
    os.environ["AZRM_LOCAL_ENDPOINT"] = json.dumps(local.info())
    try:
        with azrm.local(reporter=azrm.SilentReporter()) as session:
            yield session
    finally:
        if previous is None:
            os.environ.pop("AZRM_LOCAL_ENDPOINT", None)
        else:
            os.environ["AZRM_LOCAL_ENDPOINT"] = previous


def test_there_are_enough_scripts_and_their_groups_do_not_collide() -> None:
    scripts = [*_scripts(), SCRIPTS / "seed_azurerm.ps1"]
    assert len(scripts) >= 17, [s.name for s in scripts]
    owner: dict[str, str] = {}
    for script in scripts:
        for group in {r["group"].lower() for r in _expect(script).get("resource", [])}:
            assert group not in owner, f"{script.name} and {owner[group]} both make the group {group}"
            owner[group] = script.name


def _inputs_env(report: Any, expect: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for names, _what in report.inputs:
        for name in (n.strip() for n in names.split(",")):
            if name.endswith("_USER"):
                env[name] = "azureuser"
            else:
                env[name] = PASSWORD
    env.update({k: str(v) for k, v in expect.get("env", {}).items()})
    return env


def run_converted(script: Path, local: LocalAzure, tmp_path: Path) -> tuple[Any, subprocess.CompletedProcess[str]]:
    """Convert ``script``, write it beside its inputs in ``tmp_path`` and run it against ``local``."""
    expect = _expect(script)
    conversion = translate(script.read_bytes().decode("utf-8"), name=script.name)
    target = tmp_path / (script.stem + ".py")
    target.write_text(conversion.python, encoding="utf-8")
    for name in expect.get("inputs", []):
        source = SCRIPTS / name if (SCRIPTS / name).exists() else ROOT / "examples" / name
        shutil.copy(source, tmp_path / Path(name).name)
    inputs = {k: v for k, v in _inputs_env(conversion.report, expect).items() if k not in os.environ}
    env = {
        **os.environ,
        "AZRM_LOCAL_ENDPOINT": json.dumps(local.info()),
        "AZURE_SUBSCRIPTION_ID": local.info()["subscription_id"],  # scripts that read $env:AZURE_SUBSCRIPTION_ID
        "PYTHONPATH": str(ROOT),
        **inputs,
    }
    run = subprocess.run(
        [sys.executable, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    return conversion, run


def _exists(az: Any, group: str, resource_type: str, name: str) -> bool:
    if resource_type.lower() == "microsoft.resources/resourcegroups":
        return any(g.name.lower() == name.lower() for g in az.list_resource_groups())
    if not any(g.name.lower() == group.lower() for g in az.list_resource_groups()):
        return False
    return any(
        r.type.lower() == resource_type.lower() and r.name.lower() == name.lower() for r in az.list_resources(group)
    )


@pytest.mark.parametrize("script", _scripts(), ids=lambda p: p.stem)
def test_a_converted_script_runs_and_provisions_what_the_powershell_would(
    script: Path, local: LocalAzure, az: Any, tmp_path: Path
) -> None:
    expect = _expect(script)
    conversion, run = run_converted(script, local, tmp_path)
    allowed = expect.get("todo", [])
    unexpected = [u for u in conversion.report.untranslated if not any(a in u.reason for a in allowed)]
    assert not unexpected, conversion.report.summary(script.name)
    assert run.returncode == 0, f"{conversion.python}\n---\n{run.stdout[-3000:]}\n{run.stderr[-5000:]}"
    assert PASSWORD not in run.stdout + run.stderr
    missing = [r for r in expect.get("resource", []) if not _exists(az, r["group"], r["type"], r["name"])]
    assert not missing, f"not provisioned: {missing}\n{run.stderr[-3000:]}"
    present = [r for r in expect.get("absent", []) if _exists(az, r["group"], r["type"], r["name"])]
    assert not present, f"still there: {present}"


def _inventory(az: Any, group: str) -> dict[str, Any]:
    """Return what a group holds, in the terms the seed scenario cares about (no ids, no GUIDs)."""
    vm = az.get_vm(group, "KNVM01")
    nic = az.get_network_interface(group, "vmvNic")
    vnet = az.get_virtual_network(group, "KNVnet01")
    dsc = az.get_vm_dsc_extension(group, "KNVM01")
    image = vm.storage_profile.image_reference
    return {
        "resources": sorted((r.type.lower(), r.name.lower()) for r in az.list_resources(group)),
        "location": az.get_resource_group(group).location,
        "vm": (
            vm.hardware_profile.vm_size,
            (image.publisher, image.offer, image.sku, image.version),
            vm.storage_profile.os_disk.name,
            vm.storage_profile.os_disk.vhd.uri.rsplit("/", 2)[-2:],
            vm.os_profile.computer_name,
            vm.os_profile.admin_username,
            vm.os_profile.windows_configuration.provision_vm_agent,
            vm.os_profile.windows_configuration.enable_automatic_updates,
        ),
        "nic": (
            nic.ip_configurations[0].subnet.id.rsplit("/", 1)[-1],
            nic.ip_configurations[0].public_ip_address.id.rsplit("/", 1)[-1],
        ),
        "vnet": (vnet.address_space.address_prefixes, [s.address_prefix for s in vnet.subnets]),
        "sku": az.get_storage_account(group, "knstor5050").sku.name,
        "dsc": (dsc.name, dsc.type_handler_version, dsc.settings["configuration"]["function"]),
    }


def test_the_seed_script_converts_to_what_the_hand_written_example_provisions(
    local: LocalAzure, az: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = SCRIPTS / "seed_azurerm.ps1"
    monkeypatch.setenv("CREDENTIAL_USER", "knadmin")  # the example's admin user
    conversion, run = run_converted(script, local, tmp_path)
    assert run.returncode == 0, run.stderr[-4000:]
    assert not conversion.report.untranslated, conversion.report.summary()
    missing = [r for r in _expect(script)["resource"] if not _exists(az, r["group"], r["type"], r["name"])]
    assert not missing, missing
    converted = _inventory(az, "KNRGTest01")

    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import seed_iaas_dsc as example
    finally:
        sys.path.remove(str(ROOT / "examples"))
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT")
    monkeypatch.chdir(ROOT / "examples")
    with azrm.local(in_process=True, reporter=azrm.SilentReporter()) as fresh:
        example.provision(fresh, location="westeurope", storage_name="knstor5050", password=PASSWORD)
        by_hand = _inventory(fresh, example.RG_NAME)
    assert converted == by_hand
