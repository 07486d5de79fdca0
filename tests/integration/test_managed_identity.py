"""Managed identities in the local Azure, through the real SDKs: user-assigned identities, the
``identity`` blocks of VMs and scale sets, and the anonymous ``/metadata/endpoints``."""

from __future__ import annotations

import json
import ssl
import urllib.request
import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.compute.models import (
    VirtualMachineIdentity,
    VirtualMachineScaleSetIdentity,
    VirtualMachineScaleSetUpdate,
    VirtualMachineUpdate,
)

import azrm
from tests.conftest import LOCATION, WINDOWS_PASSWORD, Azure, Seed, seed_vm_config

UAI = "Microsoft.ManagedIdentity/userAssignedIdentities"


def _guid(value: Any) -> str:
    return str(uuid.UUID(str(value)))


def test_user_assigned_identities(lib: Any, azure: Azure) -> None:
    lib.new_resource_group("rgid", LOCATION)
    lib.new_resource_group("rgother", LOCATION)
    made = lib.new_user_assigned_identity("rgid", "web-identity", tags={"env": "test"})
    props = made.properties
    assert made.type == UAI and made.location == LOCATION and made.tags == {"env": "test"}
    assert props["tenantId"] == azure.emu.tenant_id
    assert _guid(props["principalId"]) != _guid(props["clientId"])
    # a PUT again keeps the ids (200), a PATCH changes tags only
    again = lib.new_user_assigned_identity("rgid", "web-identity", tags={"env": "prod"})
    assert (again.properties["principalId"], again.tags) == (props["principalId"], {"env": "prod"})
    patched = azure.raw("PATCH", azure.path("rgid", UAI, "web-identity", "2024-11-30"), {"tags": {"a": "b"}})
    assert patched.status_code == 200 and patched.json()["tags"] == {"a": "b"}
    assert patched.json()["properties"]["clientId"] == props["clientId"]

    lib.new_user_assigned_identity("rgother", "other_1")
    assert lib.get_user_assigned_identity("rgid", "web-identity").properties["clientId"] == props["clientId"]
    assert [i.name for i in lib.get_user_assigned_identity("rgid")] == ["web-identity"]
    everything = lib.get_user_assigned_identity()
    assert sorted(i.name for i in everything) == ["other_1", "web-identity"]
    assert all(i.properties["principalId"] for i in everything)

    lib.remove_user_assigned_identity("rgid", "web-identity")
    lib.remove_user_assigned_identity("rgid", "web-identity")  # already gone: succeeds (204)
    with pytest.raises(ResourceNotFoundError):
        lib.get_user_assigned_identity("rgid", "web-identity")


def test_identity_wire_rules(azure: Azure) -> None:
    azure.resources.resource_groups.create_or_update("rgid", {"location": LOCATION})
    created = azure.raw("PUT", azure.path("rgid", UAI, "id-1", "2023-01-31"), {"location": LOCATION})
    assert created.status_code == 201
    assert azure.raw("PUT", azure.path("rgid", UAI, "id-1", "2023-01-31"), {"location": LOCATION}).status_code == 200
    bad = azure.raw("PUT", azure.path("rgid", UAI, "-bad", "2023-01-31"), {"location": LOCATION})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "InvalidResourceName")
    old = azure.raw("GET", azure.path("rgid", UAI, "id-1", "2014-01-01"))
    assert old.json()["error"]["code"] == "NoRegisteredProviderFound"
    assert azure.raw("DELETE", azure.path("rgid", UAI, "id-1", "2023-01-31")).status_code == 200
    assert azure.raw("DELETE", azure.path("rgid", UAI, "id-1", "2023-01-31")).status_code == 204
    # the provider catalogue lists the namespace with the api-versions the routes accept
    provider = azure.resources.providers.get("Microsoft.ManagedIdentity")
    (entry,) = [t for t in provider.resource_types if t.resource_type == "userAssignedIdentities"]
    assert {"2023-01-31", "2024-11-30", "2018-11-30"} <= set(entry.api_versions)


def test_the_library_refuses_bad_identity_names(lib: Any, azure: Azure) -> None:
    for name in ("ab", "-ab", "a" * 129, "a.b"):
        with pytest.raises(azrm.ValidationError):
            lib.new_user_assigned_identity("rgid", name, LOCATION)
    assert azure.emu.requests_by_method["PUT"] == 0


def _identities(lib: Any, rg: str) -> tuple[Any, Any]:
    return lib.new_user_assigned_identity(rg, "uai-one"), lib.new_user_assigned_identity(rg, "uai-two")


def test_vm_identities(lib: Any, azure: Azure, seed: Seed) -> None:
    rg = seed.rg.name
    one, two = _identities(lib, rg)
    config = seed_vm_config(seed.nic.id).set_identity("SystemAssigned, UserAssigned", identity_id=[one.id])
    vm = lib.new_vm(rg, vm=config)
    assert vm.identity.type == "SystemAssigned, UserAssigned"
    principal = vm.identity.principal_id
    assert _guid(principal) and vm.identity.tenant_id == azure.emu.tenant_id
    ((key, value),) = vm.identity.user_assigned_identities.items()
    assert key.lower() == one.id.lower()
    assert (value.principal_id, value.client_id) == (one.properties["principalId"], one.properties["clientId"])

    # an update adds an identity: the system-assigned principal stays
    update = VirtualMachineUpdate(
        identity=VirtualMachineIdentity(
            type="SystemAssigned, UserAssigned", user_assigned_identities={one.id: {}, two.id: {}}
        )
    )
    vm = azure.compute.virtual_machines.begin_update(rg, "KNVM01", update).result()
    assert vm.identity.principal_id == principal and len(vm.identity.user_assigned_identities) == 2
    # user-assigned only: the system-assigned principal goes
    vm = azure.compute.virtual_machines.begin_update(
        rg, "KNVM01", VirtualMachineUpdate(identity=VirtualMachineIdentity(type="UserAssigned"))
    ).result()
    assert vm.identity.type == "UserAssigned" and vm.identity.principal_id is None
    # "None" removes it; system-assigned again is a new principal
    vm = azure.compute.virtual_machines.begin_update(
        rg, "KNVM01", VirtualMachineUpdate(identity=VirtualMachineIdentity(type="None"))
    ).result()
    assert vm.identity is None
    vm = azure.compute.virtual_machines.begin_update(
        rg, "KNVM01", VirtualMachineUpdate(identity=VirtualMachineIdentity(type="SystemAssigned"))
    ).result()
    renewed = vm.identity.principal_id
    assert renewed not in (None, principal)
    # a PUT without an identity keeps it
    vm.identity = None
    kept = azure.compute.virtual_machines.begin_create_or_update(rg, "KNVM01", vm).result()
    assert kept.identity is not None and kept.identity.principal_id == renewed


def test_unknown_user_assigned_identity_is_refused(lib: Any, azure: Azure, seed: Seed) -> None:
    rg = seed.rg.name
    missing = f"/subscriptions/{azure.sub}/resourceGroups/{rg}/providers/{UAI}/nobody"
    config = seed_vm_config(seed.nic.id).set_identity("UserAssigned", identity_id=missing)
    with pytest.raises(HttpResponseError) as err:
        lib.new_vm(rg, vm=config)
    assert err.value.error.code == "FailedIdentityOperation"
    assert f"Resource '{missing}' was not found." in err.value.error.message


def test_vmss_identities(lib: Any, azure: Azure, seed: Seed) -> None:
    rg = seed.rg.name
    one, _ = _identities(lib, rg)
    config = (
        azrm.new_vmss_config(
            location=LOCATION, sku_capacity=1, sku_name="Standard_A2", identity_type="SystemAssigned, UserAssigned",
            identity_id=[one],
        )
        .set_os_profile(windows=True, computer_name_prefix="web",
                        credential=azrm.Credential("knadmin", WINDOWS_PASSWORD))
        .set_storage_profile(image_reference_publisher="MicrosoftWindowsServer", image_reference_offer="WindowsServer",
                             image_reference_sku="2016-Datacenter")
        .add_network_interface_configuration("nic", ip_configuration=azrm.new_vmss_ip_config(
            "ip", subnet_id=seed.vnet.subnets[0].id))
    )  # fmt: skip
    vmss = lib.new_vmss(rg, "farm", virtual_machine_scale_set=config)
    principal = vmss.identity.principal_id
    assert _guid(principal) and vmss.identity.tenant_id == azure.emu.tenant_id
    (value,) = vmss.identity.user_assigned_identities.values()
    assert value.client_id == one.properties["clientId"]
    update = VirtualMachineScaleSetUpdate(tags={"t": "1"})
    vmss = azure.compute.virtual_machine_scale_sets.begin_update(rg, "farm", update).result()
    assert vmss.identity.principal_id == principal
    none = VirtualMachineScaleSetUpdate(identity=VirtualMachineScaleSetIdentity(type="None"))
    assert azure.compute.virtual_machine_scale_sets.begin_update(rg, "farm", none).result().identity is None


def test_metadata_endpoints_without_a_token(azure: Azure) -> None:
    base = azure.client_kwargs()["base_url"].rstrip("/")
    if azure.mode == "http":
        context = ssl.create_default_context(cafile=azure.ca)
        # no Authorization header, and the CLI's double slash
        for path in ("/metadata/endpoints?api-version=2022-09-01", "//metadata/endpoints?api-version=2022-09-01"):
            with urllib.request.urlopen(base + path, context=context) as answer:
                cloud = json.load(answer)
            assert cloud["resourceManager"] == base + "/"
    request = HttpRequest("GET", base + "/metadata/endpoints?api-version=2022-09-01")
    cloud = azure.resources._client._pipeline.run(request, stream=False).http_response  # the pipeline sends a token
    assert cloud.status_code == 200
    # what azure-cli's _arm_to_cli_mapper requires
    body = json.loads(cloud.text())
    assert body["name"] and body["authentication"]["loginEndpoint"] and body["authentication"]["audiences"]
    assert "suffixes" in body
    clouds = azure.emu.handle(_anonymous(base + "/metadata/endpoints?api-version=2019-05-01"))
    assert clouds.status == 200 and isinstance(clouds.body, list) and clouds.body[0]["name"] == "LocalAzure"
    flat = azure.emu.handle(_anonymous(base + "/metadata/endpoints?api-version=2015-01-01"))
    assert set(flat.body) == {"galleryEndpoint", "graphEndpoint", "portalEndpoint", "authentication"}
    # other paths still need a token
    assert azure.emu.handle(_anonymous(base + f"/subscriptions/{azure.sub}?api-version=2022-12-01")).status == 401


def _anonymous(url: str) -> Any:
    from azrm.emulator.core.wire import Request

    return Request("GET", url)


def test_template_mode_writes_identities_and_the_template_deploys(lib: Any, tmp_path: Any) -> None:
    def run(session: Any) -> None:
        session.new_resource_group("rgtpl", LOCATION)
        uai = session.new_user_assigned_identity("rgtpl", "uai-one")
        subnet = azrm.new_virtual_network_subnet_config("s1", address_prefix="10.0.0.0/24")
        vnet = session.new_virtual_network("rgtpl", "vnet1", address_prefix="10.0.0.0/16", subnet=[subnet])
        nic = session.new_network_interface("rgtpl", "nic1", subnet_id=vnet.subnets[0].id)
        config = seed_vm_config(nic.id).set_identity("SystemAssigned, UserAssigned", identity_id=[uai.id])
        session.new_vm("rgtpl", vm=config)

    with azrm.template_session(location=LOCATION) as t:
        run(t)
        path = t.save(tmp_path / "template")
    template = json.loads(path.read_text())
    (vm,) = [r for r in template["resources"] if r["type"] == "Microsoft.Compute/virtualMachines"]
    key = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'uai-one')]"
    assert vm["identity"] == {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {key: {}}}
    assert key in vm["dependsOn"]
    lib.new_resource_group("rgtpl", LOCATION)
    # the writer declares _artifactsLocationSasToken even without artifacts (a quirk outside this test's subject)
    unused = {"_artifactsLocationSasToken": "unused"} if "_artifactsLocationSasToken" in template["parameters"] else {}
    lib.new_resource_group_deployment("rgtpl", template_file=path, adminPassword=WINDOWS_PASSWORD, **unused)
    deployed = lib.get_vm("rgtpl", "KNVM01")
    uai = lib.get_user_assigned_identity("rgtpl", "uai-one")
    (value,) = deployed.identity.user_assigned_identities.values()
    assert value.client_id == uai.properties["clientId"] and deployed.identity.principal_id
