"""The bad-input corpus for the cmdlets: a ValidationError naming the field, and no write sent.

Two parts, against one session on the local Azure (a ``LocalSession`` on an in-process emulator,
as ``azrm.local(in_process=True)`` makes, on the test run's shared Azurite):

- **Wrong types and Nones**, generated: for each main cmdlet and each of its parameters, each value
  of ``BAD`` its annotation does not admit (decided by pydantic in strict mode, not by azrm) replaces
  a good argument.
- **Values of the right type that Azure refuses** and that can be known without a write: names,
  tags, address spaces, a static IP, sizes and images, DSC archives and scripts.

Every case must raise ``azrm.ValidationError`` whose ``field`` names the parameter (or a part of
it, ``vm.vm_size``), and the local Azure must count no PUT, PATCH, POST or DELETE for it.
"""

from __future__ import annotations

import inspect
import math
import secrets
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ConfigDict, TypeAdapter

import azrm
from azrm.emulator import Emulator, EmulatorSettings
from azrm.emulator.azurite import Azurite, BlobPlane
from azrm.session import Session
from tests.conftest import Azure, session_on

LOCATION = "westeurope"
WEBDSC = Path(__file__).parents[2] / "examples" / "webdsc.ps1"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers"
WRITES = ("PUT", "PATCH", "POST", "DELETE")
BAD: list[tuple[str, Any]] = [("None", None), ("int", 42), ("list", ["x"]), ("dict", {"x": 1}), ("nan", math.nan)]
_STRICT = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)


class World:
    """The session and the resources good arguments refer to."""

    def __init__(self, az: Any) -> None:
        self.az = az
        self.rg = az.new_resource_group("KNRGBad", LOCATION).name
        self.account = f"knstorbad{secrets.token_hex(4)}"
        az.new_storage_account(self.rg, self.account, location=LOCATION)
        subnet = azrm.new_virtual_network_subnet_config("Subnet1", address_prefix="10.0.0.0/24")
        self.vnet = az.new_virtual_network(
            self.rg, "KNVnet01", location=LOCATION, address_prefix="10.0.0.0/16", subnet=[subnet]
        )
        self.subnet_id = self.vnet.subnets[0].id
        self.nic = az.new_network_interface(self.rg, "vmvNic", location=LOCATION, subnet_id=self.subnet_id)
        az.publish_vm_dsc_configuration(self.rg, WEBDSC, storage_account_name=self.account)


@pytest.fixture(scope="module")
def world(azurite: Azurite) -> Iterator[World]:
    emulator = Emulator(EmulatorSettings(), blob=BlobPlane(azurite))
    az = session_on(Azure(emulator, "inprocess"))
    try:
        yield World(az)
    finally:
        az.close()
        for record in emulator.store.of_type("Microsoft.Storage/storageAccounts"):
            emulator.blob.unregister(record.name)  # type: ignore[union-attr]
        emulator.close()


def writes(az: Any) -> int:
    counts = az.emulator.requests_by_method
    return sum(counts[m] for m in WRITES)


def vm_config(nic_id: str, *, size: str = "Standard_A2", skus: str = "2016-Datacenter") -> azrm.VMConfig:
    return (
        azrm.new_vm_config("KNVM01", size)
        .set_operating_system(
            windows=True, computer_name="KNVM01", credential=azrm.Credential("knadmin", "S3cure!Passw0rd")
        )
        .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus=skus)
        .add_network_interface(nic_id)
    )


def good_arguments(w: World) -> dict[str, dict[str, Any]]:
    """Good arguments of each cmdlet in the corpus (the bad ones replace one at a time)."""
    fe = azrm.new_load_balancer_frontend_ip_config("fe", subnet_id=w.subnet_id)
    cpu = azrm.new_autoscale_rule(
        metric_name="Percentage CPU",
        metric_resource_id=f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/web",
        operator="GreaterThan",
        threshold=70,
        scale_action_direction="Increase",
    )
    return {
        "new_resource_group": {"name": "KNRGOther", "location": LOCATION, "tags": {"a": "b"}},
        "new_storage_account": {"resource_group_name": w.rg, "name": "knstorbad02", "location": LOCATION},
        "new_public_ip_address": {
            "resource_group_name": w.rg,
            "name": "pip",
            "location": LOCATION,
            "idle_timeout_in_minutes": 10,
            "tags": {"a": "b"},
        },
        "new_virtual_network": {
            "resource_group_name": w.rg,
            "name": "vn2",
            "location": LOCATION,
            "address_prefix": "10.1.0.0/16",
            "dns_server": ["10.1.0.4"],
        },
        "new_network_interface": {
            "resource_group_name": w.rg,
            "name": "nic2",
            "location": LOCATION,
            "subnet_id": w.subnet_id,
            "private_ip_address": "10.0.0.10",
        },
        "new_network_security_group": {"resource_group_name": w.rg, "name": "nsg", "location": LOCATION},
        "new_load_balancer": {
            "resource_group_name": w.rg,
            "name": "lb",
            "location": LOCATION,
            "frontend_ip_configuration": fe,
        },
        "new_vm": {"resource_group_name": w.rg, "location": LOCATION, "vm": vm_config(w.nic.id)},
        "publish_vm_dsc_configuration": {
            "resource_group_name": w.rg,
            "configuration_path": str(WEBDSC),
            "storage_account_name": w.account,
        },
        "set_vm_dsc_extension": {
            "resource_group_name": w.rg,
            "vm_name": "KNVM01",
            "archive_blob_name": "webdsc.ps1.zip",
            "archive_storage_account_name": w.account,
            "configuration_name": "webdsc",
            "version": "2.77",
        },
        "new_vmss": {
            "resource_group_name": w.rg,
            "vm_scale_set_name": "web",
            "virtual_machine_scale_set": azrm.new_vmss_config(
                location=LOCATION, sku_capacity=2, sku_name="Standard_A2"
            ),
        },
        "new_container_registry": {"resource_group_name": w.rg, "name": "knregistrybad", "location": LOCATION},
        "new_container_group": {
            "resource_group_name": w.rg,
            "name": "web",
            "location": LOCATION,
            "container": [azrm.new_container_instance_object("web", "nginx")],
        },
        "new_autoscale_setting": {
            "resource_group_name": w.rg,
            "name": "auto",
            "location": LOCATION,
            "target_resource_id": f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/web",
            "autoscale_profile": azrm.new_autoscale_profile(
                "p", default_capacity=2, minimum_capacity=1, maximum_capacity=4, rule=[cpu]
            ),
        },
    }


def _admits(hint: Any, value: Any) -> bool:
    try:
        adapter = TypeAdapter(hint, config=_STRICT)
    except Exception:  # an annotation pydantic cannot use: not in the corpus
        return True
    try:
        adapter.validate_python(value)
    except Exception:
        return False
    return True


def _type_cases() -> list[Any]:
    cases = []
    for cmdlet in (
        "new_resource_group",
        "new_storage_account",
        "new_public_ip_address",
        "new_virtual_network",
        "new_network_interface",
        "new_network_security_group",
        "new_load_balancer",
        "new_vm",
        "publish_vm_dsc_configuration",
        "set_vm_dsc_extension",
        "new_vmss",
        "new_container_registry",
        "new_container_group",
        "new_autoscale_setting",
    ):
        function = getattr(Session, cmdlet)
        begin = getattr(function, "waits_on", None)
        target = inspect.unwrap(begin.begin if begin is not None else function)
        hints = typing.get_type_hints(target)
        for name, parameter in inspect.signature(function).parameters.items():
            if name == "self" or name not in hints or hints[name] is Any:
                continue
            for label, value in BAD:
                if not _admits(hints[name], value) and not (value is None and parameter.default is None):
                    cases.append(pytest.param(cmdlet, name, value, id=f"{cmdlet}-{name}-{label}"))
    return cases


TYPE_CASES = _type_cases()


def _names(field: str, name: str) -> bool:
    return field == name or field.startswith((f"{name}.", f"{name}[")) or field.endswith(f".{name}")


def test_type_corpus_is_large() -> None:
    assert len(TYPE_CASES) >= 200, len(TYPE_CASES)


@pytest.mark.parametrize(("cmdlet", "name", "value"), TYPE_CASES)
def test_wrong_type_is_a_validation_error_and_nothing_is_written(
    world: World, cmdlet: str, name: str, value: Any
) -> None:
    arguments = {**good_arguments(world)[cmdlet], name: value}
    before = writes(world.az)
    with pytest.raises(azrm.ValidationError) as caught:
        getattr(world.az, cmdlet)(**arguments)
    assert _names(caught.value.field, name), (caught.value.field, name)
    assert writes(world.az) == before


def _bad_script(tmp: Path) -> str:
    path = tmp / "broken.ps1"
    path.write_text("Configuration Broken {\n Node localhost {\n  WindowsFeature IIS { Name = 'Web-Server' }\n")
    return str(path)


#: (id, call, field): values of the right type that Azure would refuse, known before any write
SEMANTIC: list[tuple[str, Callable[[World, Path], Any], str]] = [
    ("rg-name-chars", lambda w, t: w.az.new_resource_group("bad/name", LOCATION), "name"),
    ("storage-name", lambda w, t: w.az.new_storage_account(w.rg, "Bad_Name", location=LOCATION), "name"),
    ("pip-name-long", lambda w, t: w.az.new_public_ip_address(w.rg, "p" * 81, location=LOCATION), "name"),
    ("pip-name-chars", lambda w, t: w.az.new_public_ip_address(w.rg, "pip!", location=LOCATION), "name"),
    ("pip-name-end", lambda w, t: w.az.new_public_ip_address(w.rg, "pip-", location=LOCATION), "name"),
    ("vnet-name-short", lambda w, t: w.az.new_virtual_network(w.rg, "v", address_prefix="10.9.0.0/16"), "name"),
    ("nsg-name-space", lambda w, t: w.az.new_network_security_group(w.rg, "my nsg", location=LOCATION), "name"),
    ("lb-name-start", lambda w, t: w.az.new_load_balancer(
        w.rg, "_lb", location=LOCATION,
        frontend_ip_configuration=azrm.new_load_balancer_frontend_ip_config("fe", subnet_id=w.subnet_id)), "name"),
    ("nic-name-long", lambda w, t: w.az.new_network_interface(w.rg, "n" * 81, subnet_id=w.subnet_id), "name"),
    ("subnet-name", lambda w, t: azrm.new_virtual_network_subnet_config("sub net", address_prefix="10.0.0.0/24"),
     "name"),
    ("tag-name-600", lambda w, t: w.az.new_resource_group("KNRGTags", LOCATION, tags={"t" * 600: "v"}), "tags"),
    ("tag-value-300", lambda w, t: w.az.new_public_ip_address(w.rg, "pip", tags={"a": "v" * 300}), "tags"),
    ("tag-name-chars", lambda w, t: w.az.new_network_security_group(w.rg, "nsg", tags={"a/b": "v"}), "tags"),
    ("tags-51", lambda w, t: w.az.new_resource_group("KNRGTags", LOCATION, tags={f"t{i}": "v" for i in range(51)}),
     "tags"),
    ("storage-tag-name-129", lambda w, t: w.az.new_storage_account(w.rg, "knstorbad03", tags={"t" * 129: "v"}),
     "tags"),
    ("vm-tag-name-600", lambda w, t: azrm.new_vm_config("KNVM02", "Standard_A2", tags={"t" * 600: "v"}), "tags"),
    ("vnet-overlapping-space", lambda w, t: w.az.new_virtual_network(
        w.rg, "vn3", address_prefix=["10.2.0.0/16", "10.2.128.0/17"]), "address_prefix"),
    ("subnet-outside-space", lambda w, t: w.az.new_virtual_network(
        w.rg, "vn3", address_prefix="10.3.0.0/16",
        subnet=[azrm.new_virtual_network_subnet_config("s", address_prefix="10.4.0.0/24")]), "subnet[s].address_prefix"),
    ("static-ip-outside-subnet", lambda w, t: w.az.new_network_interface(
        w.rg, "nic3", subnet_id=w.subnet_id, private_ip_address="10.0.5.4"), "private_ip_address"),
    ("static-ip-reserved", lambda w, t: w.az.new_network_interface(
        w.rg, "nic3", subnet_id=w.subnet_id, private_ip_address="10.0.0.1"), "private_ip_address"),
    ("static-ip-broadcast", lambda w, t: w.az.new_network_interface(
        w.rg, "nic3", subnet_id=w.subnet_id, private_ip_address="10.0.0.255"), "private_ip_address"),
    ("vm-size-unknown", lambda w, t: w.az.new_vm(w.rg, vm=vm_config(w.nic.id, size="Standard_Z99")), "vm.vm_size"),
    ("vm-image-unknown", lambda w, t: w.az.new_vm(w.rg, vm=vm_config(w.nic.id, skus="1999-Datacenter")), "vm.image"),
    ("vmss-size-unknown", lambda w, t: w.az.new_vmss(w.rg, "web", virtual_machine_scale_set=(
        azrm.new_vmss_config(location=LOCATION, sku_capacity=2, sku_name="Standard_Z99")
        .set_os_profile(windows=True, computer_name_prefix="web", credential=azrm.Credential("knadmin", "S3cure!Passw0rd"))
        .set_storage_profile(image_reference_publisher="MicrosoftWindowsServer", image_reference_offer="WindowsServer",
                             image_reference_sku="2016-Datacenter")
        .add_network_interface_configuration("nic", ip_configuration=azrm.new_vmss_ip_config("ip", subnet_id=w.subnet_id)))),
     "virtual_machine_scale_set.sku_name"),
    ("dsc-archive-not-published", lambda w, t: w.az.set_vm_dsc_extension(
        w.rg, "KNVM01", archive_blob_name="nosuch.ps1.zip", archive_storage_account_name=w.account,
        configuration_name="webdsc", version="2.77"), "archive_blob_name"),
    ("dsc-configuration-not-in-archive", lambda w, t: w.az.set_vm_dsc_extension(
        w.rg, "KNVM01", archive_blob_name="webdsc.ps1.zip", archive_storage_account_name=w.account,
        configuration_name="nosuch", version="2.77"), "configuration_name"),
    ("dsc-script-does-not-parse", lambda w, t: w.az.publish_vm_dsc_configuration(
        w.rg, _bad_script(t), storage_account_name=w.account), "configuration_path"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "field"), [pytest.param(c, f, id=i) for i, c, f in SEMANTIC])
def test_what_azure_would_refuse_is_refused_before_any_write(
    world: World, tmp_path: Path, call: Callable[[World, Path], Any], field: str
) -> None:
    before = writes(world.az)
    with pytest.raises(azrm.ValidationError) as caught:
        call(world, tmp_path)
    assert caught.value.field == field, (caught.value.field, field)
    assert writes(world.az) == before


def test_an_archive_published_elsewhere_is_read_and_checked(world: World) -> None:
    fresh = Session.__new__(type(world.az))  # a session that did not publish it: it reads the blob
    fresh.__dict__.update(world.az.__dict__)
    fresh._known = {k: v for k, v in world.az._known.items() if k[0] != "dsc-archive"}
    before = writes(world.az)
    with pytest.raises(azrm.ValidationError) as caught:
        fresh.set_vm_dsc_extension(
            world.rg,
            "KNVM01",
            archive_blob_name="webdsc.ps1.zip",
            archive_storage_account_name=world.account,
            configuration_name="other",
            version="2.77",
        )
    assert caught.value.field == "configuration_name" and "webdsc" in caught.value.rule
    assert writes(world.az) == before
