"""Template mode: a script's template deploys to the same resources as the script itself.

The seed scenario (issue 3) and the web farm (issue 4) run imperatively on the local Azure; their
resources are read back and normalised (what Azure fills in dropped). The group is removed, the same
script runs in a template session, the saved template is deployed with
``new_resource_group_deployment(template_file=...)`` and the resources are read back again: they
must be the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import azrm
from azrm.templates.writer import strip_read_only
from tests.conftest import LOCATION, Azure, load_example

PASSWORD = "Equiv4lent!Passw0rd"
API = {
    "microsoft.storage": "2023-05-01",
    "microsoft.network": "2024-03-01",
    "microsoft.compute": "2024-07-01",
    "microsoft.insights": "2022-10-01",
}


def _normalise(resource_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """A resource without what Azure fills in, and without where its DSC archive happened to be."""
    out = strip_read_only(resource_type, body)
    text = json.dumps(out)
    props = out.get("properties") or {}
    os_disk = (props.get("storageProfile") or {}).get("osDisk") or {}
    if "managedDisk" in os_disk:
        os_disk.pop("name", None)  # a managed OS disk's name is generated
    for settings in _dsc_settings(out):
        url = settings["configuration"]["url"]
        settings["configuration"]["url"] = url.rsplit("/", 1)[-1]  # the archive, wherever it was staged
    assert "provisioningState" not in text
    return out


def _dsc_settings(body: dict[str, Any]) -> list[dict[str, Any]]:
    props = body.get("properties") or {}
    found = []
    if props.get("type") == "DSC":
        found.append(props["settings"])
    profile = (props.get("virtualMachineProfile") or {}).get("extensionProfile") or {}
    for ext in [*(profile.get("extensions") or []), *(body.get("resources") or [])]:
        if (ext.get("properties") or {}).get("type") == "DSC":
            found.append(ext["properties"]["settings"])
    return found


def snapshot(lib: Any, group: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every resource of the group (its extensions too), normalised, by (type, name)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in lib.list_resources(group):
        if resource.type == "Microsoft.Compute/disks" and resource.managed_by:
            continue  # made by its VM from the image
        api = API[resource.type.split("/")[0].lower()]
        body = lib.resource_client.resources.get_by_id(resource.id, api_version=api).as_dict()
        out[(resource.type.lower(), resource.name.lower())] = _normalise(resource.type, body)
    return out


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def equivalent(
    lib: Any, azure: Azure, tmp_path: Path, group: str, run: Callable[[Any], Any], parameters: dict[str, Any]
) -> tuple[dict[Any, Any], dict[Any, Any], dict[str, Any]]:
    run(lib)
    imperative = snapshot(lib, group)
    lib.remove_resource_group(group)
    with azrm.template_session(location=LOCATION) as t:
        run(t)
        path = t.save(tmp_path / "template")
        assert t.emulator is not azure.emu
    template = json.loads(path.read_text())
    lib.new_resource_group(group, LOCATION)
    lib.new_resource_group_deployment(group, template_file=path, **parameters)
    return imperative, snapshot(lib, group), template


def test_the_seed_script_and_its_template_make_the_same_resources(
    lib: Any, azure: Azure, tmp_path: Path, unique: Callable[[str], str]
) -> None:
    seed = load_example("seed_iaas_dsc")
    storage = unique("knstor")

    def run(session: Any) -> None:
        seed.provision(session, location=LOCATION, storage_name=storage, password=PASSWORD)

    imperative, deployed, template = equivalent(lib, azure, tmp_path, seed.RG_NAME, run, {"adminPassword": PASSWORD})
    assert deployed == imperative, differences(imperative, deployed)
    assert {t for t, _ in deployed} == {
        "microsoft.storage/storageaccounts",
        "microsoft.network/publicipaddresses",
        "microsoft.network/virtualnetworks",
        "microsoft.network/networkinterfaces",
        "microsoft.compute/virtualmachines",
        "microsoft.compute/virtualmachines/extensions",
    }
    # the configuration was really applied from the staged archive
    status = lib.get_vm_dsc_extension_status(seed.RG_NAME, seed.VM_NAME)
    assert status.statuses[0].message == "DSC configuration was applied successfully."
    # the template holds no secret and no host name of this machine
    text = json.dumps(template)
    assert PASSWORD not in text and "127.0.0.1" not in text and azure.sub not in text
    assert template["parameters"]["adminPassword"] == {"type": "SecureString"}
    assert (tmp_path / "template" / "webdsc.ps1.zip").is_file()


def test_the_web_farm_script_and_its_template_make_the_same_resources(
    lib: Any, azure: Azure, tmp_path: Path, unique: Callable[[str], str]
) -> None:
    farm = load_example("seed_vmss_web_farm")
    storage, label = unique("knweb"), unique("farm")

    def run(session: Any) -> None:
        farm.provision(session, location=LOCATION, storage_name=storage, password=PASSWORD, dns_label=label)

    imperative, deployed, template = equivalent(lib, azure, tmp_path, farm.RG_NAME, run, {"adminPassword": PASSWORD})
    assert deployed == imperative, differences(imperative, deployed)
    assert ("microsoft.insights/autoscalesettings", "webfarm-autoscale") in deployed
    assert ("microsoft.compute/virtualmachinescalesets", "webfarm") in deployed
    scale_set = next(r for r in template["resources"] if r["type"] == "Microsoft.Compute/virtualMachineScaleSets")
    assert "[resourceId('Microsoft.Network/loadBalancers', 'web-lb')]" in scale_set["dependsOn"]
    autoscale = next(r for r in template["resources"] if r["type"] == "Microsoft.Insights/autoscaleSettings")
    assert autoscale["properties"]["targetResourceUri"] == (
        "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'webfarm')]"
    )
    assert PASSWORD not in json.dumps(template)


def test_template_session_reaches_no_azure_and_names_its_limits(azure: Azure) -> None:
    before = azure.emu.requests_served
    with azrm.template_session(location=LOCATION) as t:
        t.new_resource_group("a", LOCATION)
        t.new_resource_group("b", LOCATION)
        t.new_public_ip_address("a", "ip-a")
        t.new_public_ip_address("b", "ip-b")
        with pytest.raises(azrm.ValidationError) as err:
            _ = t.template
        assert err.value.field == "resource_group_name"
        only_b = t.template_for("b")
        assert [r["name"] for r in only_b["resources"]] == ["ip-b"]
        t.remove_public_ip_address("a", "ip-a")
        assert [r["name"] for r in t.template["resources"]] == ["ip-b"]  # what the script removed is gone
        assert "TemplateSession(resources=1" in repr(t)
    assert azure.emu.requests_served == before
