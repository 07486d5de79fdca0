"""Conformance: send each official example's request, compare the answer's status and shape.

The examples (``tests/conformance/reference/``, copied from ``../shared/reference/examples/`` with their
``.src.txt`` provenance) are Azure REST API specification examples. For each one the test builds the
prerequisites the example assumes (its resource group, the vnet its NIC points at...), sends the
example's request to the emulator and checks that every key of the example's response is present
with the same JSON type. Values are instance data and are not compared; extra keys are allowed
(newer API versions add fields). Fields the local Azure deliberately does not reproduce are listed
per example in ``NOT_REPRODUCED`` with the reason.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from azrm.emulator import Emulator, EmulatorSettings
from azrm.emulator.azurite import Azurite, BlobPlane
from azrm.emulator.core.wire import Headers, Request, Response

REFERENCE = Path(__file__).with_name("reference")
SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference" / "examples"
BASE = "https://azrm.local"

#: example -> {path of a field in the example's response: why the local Azure leaves it out}
NOT_REPRODUCED: dict[str, dict[str, str]] = {
    "storage-account-create": {
        "properties.primaryEndpoints.web": "Azurite serves blob, queue and table only; no static website endpoint",
        "properties.primaryEndpoints.dfs": "Azurite has no Data Lake (dfs) endpoint",
        "properties.primaryEndpoints.file": "Azurite has no file service",
        "properties.primaryEndpoints.microsoftEndpoints": "routing-preference endpoints are not emulated",
        "properties.primaryEndpoints.internetEndpoints": "routing-preference endpoints are not emulated",
    },
    "public-ip-create-defaults": {
        "properties.ipConfiguration": "present only once an IP configuration uses the address; the example's "
        "request creates a fresh, unattached IP (the example's response is inconsistent with its request)",
    },
    "nic-create": {
        "properties.ipConfigurations[1].properties.privateIPAddressPrefixLength": "NIC IP prefixes (a /28 per "
        "IP configuration) are not emulated; the configuration gets a single address",
    },
    "deployment-create-rg": {
        "properties.templateLink.id": "template specs are not emulated; a deployment from a templateLink.uri "
        "echoes the uri (and contentVersion), as Azure does for links",
    },
    "vm-get": {
        "managedBy": "set only on VMs that belong to a scale set (scale sets arrive with issue 4)",
    },
    "vm-get-instanceview": {
        "patchStatus": "patch assessment is not emulated",
        "isVMInStandbyPool": "standby pools are not emulated",
    },
    "vm-extension-create": {
        "properties.protectedSettings": "never returned by Azure (ARM-FACTS); the generated example echoes it",
        "properties.instanceView": "returned only with $expand=instanceView; the generated example "
        "echoes the request's",
    },
}

#: examples of features that later issues build (example -> issue), covered once they land
LATER: dict[str, str] = {}

#: reference files that are not request/response examples, and the tests that check against them
ELSEWHERE = {
    "dsc-extension-schema": "tests/integration/test_dsc.py::test_extension_body_follows_the_documented_schema "
    "and ::test_emulator_accepts_the_shape_set_azvmdscextension_writes",
}


def load(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / f"{name}.json").read_text())


def shape_differences(expected: Any, actual: Any, path: str = "", exempt: dict[str, str] | None = None) -> list[str]:
    """Keys of ``expected`` missing from ``actual`` or of another JSON type (recursively)."""
    exempt = exempt or {}
    if path in exempt or expected is None:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '<root>'}: expected an object, got {type(actual).__name__}"]
        out = []
        for name, value in expected.items():
            sub = f"{path}.{name}" if path else name
            if sub in exempt:
                continue
            if name not in actual:
                out.append(f"{sub}: missing")
            else:
                out.extend(shape_differences(value, actual[name], sub, exempt))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {type(actual).__name__}"]
        out = []
        for i, item in enumerate(expected):
            if i >= len(actual):
                out.append(f"{path}[{i}]: missing")
            else:
                out.extend(shape_differences(item, actual[i], f"{path}[{i}]", exempt))
        return out
    kinds = {bool: "bool", int: "number", float: "number", str: "string"}
    if kinds.get(type(expected)) != kinds.get(type(actual)):
        return [f"{path}: expected {kinds.get(type(expected))}, got {type(actual).__name__} ({actual!r})"]
    return []


def test_comparer_catches_differences() -> None:
    assert shape_differences({"a": {"b": 1}}, {"a": {"b": "x"}}) == ["a.b: expected number, got str ('x')"]
    assert shape_differences({"a": [{"b": True}]}, {"a": []}) == ["a[0]: missing"]
    assert shape_differences({"a": 1, "c": 2}, {"a": 1}, exempt={"c": "why"}) == []
    assert shape_differences({"a": 1}, {"a": 2, "extra": 3}) == []


def test_vendored_examples_match_shared() -> None:
    """The copies here are the ones in ../shared (when that folder is present)."""
    if not SHARED.is_dir():
        pytest.skip("../shared/reference/examples is not on this machine")
    for source in SHARED.glob("*.json"):
        assert (REFERENCE / source.name).read_text() == source.read_text(), source.name


def test_every_example_is_covered() -> None:
    names = {p.stem for p in REFERENCE.glob("*.json")}
    covered = set(CASES) | set(LATER) | set(ELSEWHERE)
    assert names == covered, f"uncovered: {names - covered}, unknown: {covered - names}"


# -- the emulator side -------------------------------------------------------------------------------
class Arm:
    """Raw requests to an in-process emulator."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.sub = emu.subscription_id

    def send(self, method: str, path: str, body: Any = None) -> Response:
        data = json.dumps(body).encode() if body is not None else b""
        headers = Headers(
            {"Authorization": f"Bearer {self.emu.entra.issue_token()}", "Content-Type": "application/json"}
        )
        return self.emu.handle(Request(method, BASE + path, headers, data))

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        """Send, settle the operation, and return the final resource."""
        response = self.send(method, path, body)
        assert response.status < 300, (response.status, response.body)
        self.emu.settle()
        return self.send("GET", path).body if method == "PUT" else response.body

    def group(self, name: str, location: str = "eastus") -> None:
        self.ok(
            "PUT", f"/subscriptions/{self.sub}/resourcegroups/{name}?api-version=2022-09-01", {"location": location}
        )

    def res(self, rg: str, rtype: str, name: str, api: str = "2024-05-01") -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{rg}/providers/{rtype}/{name}?api-version={api}"


@pytest.fixture(scope="module")
def module_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    az = Azurite(location=tmp_path_factory.mktemp("azurite-conformance")).start()
    yield az
    az.stop()


@pytest.fixture
def arm(module_azurite: Azurite) -> Iterator[Arm]:
    emu = Emulator(EmulatorSettings(), blob=BlobPlane(module_azurite))
    yield Arm(emu)
    for record in emu.store.of_type("Microsoft.Storage/storageAccounts"):
        module_azurite.remove_account(record.name)


def substitute(value: Any, mapping: dict[str, str]) -> Any:
    """Replace placeholders in every string of a request."""
    if isinstance(value, dict):
        return {k: substitute(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, mapping) for v in value]
    if isinstance(value, str):
        for old, new in mapping.items():
            value = value.replace(old, new)
    return value


def check(name: str, response: Response, status: str, body: Any = None) -> None:
    example = load(name)
    assert str(response.status) == status, (response.status, response.body)
    expected = example["responses"][status].get("body")
    actual = response.body if body is None else body
    differences = shape_differences(expected, actual, exempt=NOT_REPRODUCED.get(name, {}))
    assert not differences, "\n".join(differences)


# -- one case per example ----------------------------------------------------------------------------
def case_resource_group_create(arm: Arm) -> None:
    path = f"/subscriptions/{arm.sub}/resourcegroups/my-resource-group?api-version=2022-09-01"
    request = load("resource-group-create")["parameters"]["parameters"]
    check("resource-group-create", arm.send("PUT", path, request), "201")
    check("resource-group-create", arm.send("PUT", path, request), "200")


def case_storage_account_create(arm: Arm) -> None:
    arm.group("res9101")
    name = "sto" + secrets.token_hex(4)
    request = load("storage-account-create")["parameters"]["parameters"]
    path = arm.res("res9101", "Microsoft.Storage/storageAccounts", name, "2023-05-01")
    first = arm.send("PUT", path, request)
    assert first.status == 202 and first.body is None and "Location" in first.headers
    location = first.headers["Location"].replace(BASE, "")
    final = arm.send("GET", location)
    check("storage-account-create", final, "200")


def case_storage_account_listkeys(arm: Arm) -> None:
    arm.group("res418")
    name = "sto" + secrets.token_hex(4)
    arm.ok(
        "PUT",
        arm.res("res418", "Microsoft.Storage/storageAccounts", name, "2023-05-01"),
        {"location": "eastus", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
    )
    path = arm.res("res418", "Microsoft.Storage/storageAccounts", name, "2023-05-01").replace("?", "/listKeys?")
    check("storage-account-listkeys", arm.send("POST", path), "200")


def case_public_ip_create_defaults(arm: Arm) -> None:
    arm.group("rg1")
    request = load("public-ip-create-defaults")["parameters"]["parameters"]
    check(
        "public-ip-create-defaults",
        arm.send("PUT", arm.res("rg1", "Microsoft.Network/publicIPAddresses", "test-ip"), request),
        "201",
    )


def case_vnet_create(arm: Arm) -> None:
    arm.group("rg1")
    request = load("vnet-create")["parameters"]["parameters"]
    path = arm.res("rg1", "Microsoft.Network/virtualNetworks", "test-vnet", "2024-03-01")
    check("vnet-create", arm.send("PUT", path, request), "201")
    arm.emu.settle()
    check("vnet-create", arm.send("PUT", path, request), "200")


def case_subnet_create(arm: Arm) -> None:
    arm.group("subnet-test")
    vnet = arm.res("subnet-test", "Microsoft.Network/virtualNetworks", "vnetname", "2024-03-01")
    arm.ok("PUT", vnet, {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    request = load("subnet-create")["parameters"]["subnetParameters"]
    check("subnet-create", arm.send("PUT", vnet.replace("?", "/subnets/subnet1?"), request), "201")


def _nic_prerequisites(arm: Arm) -> None:
    arm.group("rg1")
    arm.ok(
        "PUT",
        arm.res("rg1", "Microsoft.Network/virtualNetworks", "rg1-vnet"),
        {
            "location": "eastus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["172.20.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "172.20.2.0/24"}}],
            },
        },
    )
    arm.ok("PUT", arm.res("rg1", "Microsoft.Network/publicIPAddresses", "test-ip"), {"location": "eastus"})


def case_nic_create(arm: Arm) -> None:
    _nic_prerequisites(arm)
    request = substitute(load("nic-create")["parameters"]["parameters"], {"/subid/": f"/{arm.sub}/"})
    check(
        "nic-create", arm.send("PUT", arm.res("rg1", "Microsoft.Network/networkInterfaces", "test-nic"), request), "201"
    )


def case_nsg_create(arm: Arm) -> None:
    arm.group("rg1")
    request = load("nsg-create")["parameters"]["parameters"]
    check(
        "nsg-create",
        arm.send("PUT", arm.res("rg1", "Microsoft.Network/networkSecurityGroups", "testnsg"), request),
        "201",
    )


def case_lb_create(arm: Arm) -> None:
    arm.group("rg1")
    arm.ok(
        "PUT",
        arm.res("rg1", "Microsoft.Network/virtualNetworks", "vnetlb"),
        {
            "location": "eastus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "subnetlb", "properties": {"addressPrefix": "10.0.1.0/24"}}],
            },
        },
    )
    request = substitute(load("lb-create")["parameters"]["parameters"], {"/subid/": f"/{arm.sub}/"})
    check(
        "lb-create",
        arm.send("PUT", arm.res("rg1", "Microsoft.Network/loadBalancers", "lb", "2024-03-01"), request),
        "201",
    )


def _vm_network(arm: Arm, rg: str, location: str, nic: str) -> str:
    arm.group(rg, location)
    arm.ok(
        "PUT",
        arm.res(rg, "Microsoft.Network/virtualNetworks", "vnet"),
        {
            "location": location,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}],
            },
        },
    )
    subnet = (
        f"/subscriptions/{arm.sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"
    )
    body = {
        "location": location,
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet}}}]},
    }
    return str(arm.ok("PUT", arm.res(rg, "Microsoft.Network/networkInterfaces", nic), body)["id"])


def _placeholders(arm: Arm, **extra: str) -> dict[str, str]:
    return {"{subscription-id}": arm.sub, "{your-username}": "azureuser", "{your-password}": "Str0ng!Passw0rd", **extra}


def case_vm_create_windows_image(arm: Arm) -> None:
    _vm_network(arm, "myResourceGroup", "westus", "nsgExistingNic")
    request = substitute(
        load("vm-create-windows-image")["parameters"]["parameters"],
        _placeholders(arm, **{"{existing-nic-name}": "nsgExistingNic"}),
    )
    path = arm.res("myResourceGroup", "Microsoft.Compute/virtualMachines", "myVM", "2024-07-01")
    check("vm-create-windows-image", arm.send("PUT", path, request), "201")


def case_vm_create_unmanaged_vhd(arm: Arm) -> None:
    _vm_network(arm, "myResourceGroup", "westus", "nic")
    account = "vhd" + secrets.token_hex(4)
    arm.ok(
        "PUT",
        arm.res("myResourceGroup", "Microsoft.Storage/storageAccounts", account, "2023-05-01"),
        {"location": "westus", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
    )
    request = substitute(
        load("vm-create-unmanaged-vhd")["parameters"]["parameters"],
        _placeholders(
            arm,
            **{
                "{existing-nic-name}": "nic",
                "{existing-storage-account-name}": account,
                "{existing-container-name}": "vhds",
            },
        ),
    )
    path = arm.res("myResourceGroup", "Microsoft.Compute/virtualMachines", "myVM", "2024-07-01")
    check("vm-create-unmanaged-vhd", arm.send("PUT", path, request), "201")


def _rich_vm(arm: Arm) -> str:
    """A VM with what vm-get and vm-get-instanceview show: availability set, data disks, boot
    diagnostics, user data, an extension."""
    rg = "myResourceGroup"
    nic = _vm_network(arm, rg, "westus", "myNIC")
    avset = arm.ok(
        "PUT",
        arm.res(rg, "Microsoft.Compute/availabilitySets", "my-AvailabilitySet", "2024-07-01"),
        {"location": "westus", "sku": {"name": "Aligned"}},
    )
    disk = arm.ok(
        "PUT",
        arm.res(rg, "Microsoft.Compute/disks", "myDataDisk1", "2024-03-02"),
        {"location": "westus", "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 100}},
    )
    get = load("vm-get")["responses"]["200"]["body"]["properties"]
    body = {
        "location": "westus",
        "tags": {"myTag1": "tagValue1"},
        "properties": {
            "availabilitySet": {"id": avset["id"]},
            "proximityPlacementGroup": substitute(get["proximityPlacementGroup"], {"{subscription-id}": arm.sub}),
            "hardwareProfile": {"vmSize": "Standard_DS3_v2"},
            "storageProfile": {
                "imageReference": get["storageProfile"]["imageReference"],
                "osDisk": {"name": "myOsDisk", "createOption": "FromImage", "caching": "ReadWrite"},
                "dataDisks": [
                    {
                        "lun": 0,
                        "name": "myDataDisk0",
                        "createOption": "Empty",
                        "caching": "ReadWrite",
                        "diskSizeGB": 30,
                    },
                    {"lun": 1, "createOption": "Attach", "caching": "ReadWrite", "managedDisk": {"id": disk["id"]}},
                ],
            },
            "applicationProfile": get["applicationProfile"],
            "userData": get["userData"],
            "osProfile": {
                "computerName": "myVM",
                "adminUsername": "azureuser",
                "adminPassword": "Str0ng!Passw0rd",
                "windowsConfiguration": {"provisionVMAgent": True, "enableAutomaticUpdates": False},
            },
            "networkProfile": {"networkInterfaces": [{"id": nic}]},
            "diagnosticsProfile": {
                "bootDiagnostics": {"enabled": True, "storageUri": "http://127.0.0.1:10000/mystorageaccount"}
            },
            "extensionsTimeBudget": "PT50M",
        },
    }
    vm_path = arm.res(rg, "Microsoft.Compute/virtualMachines", "myVM", "2024-07-01")
    arm.ok("PUT", vm_path, body)
    arm.ok(
        "PUT",
        vm_path.replace("?", "/extensions/CustomScriptExtension-DSC?"),
        {
            "location": "westus",
            "tags": {"displayName": "CustomScriptExtension-DSC"},
            "properties": {
                "publisher": "Microsoft.Compute",
                "type": "CustomScriptExtension",
                "typeHandlerVersion": "1.9",
                "autoUpgradeMinorVersion": True,
                "settings": {},
            },
        },
    )
    return vm_path


def case_vm_get(arm: Arm) -> None:
    path = _rich_vm(arm)
    check("vm-get", arm.send("GET", path + "&$expand=userData"), "200")


def case_vm_get_instanceview(arm: Arm) -> None:
    path = _rich_vm(arm)
    check("vm-get-instanceview", arm.send("GET", path.replace("?", "/instanceView?")), "200")


def case_vm_extension_create(arm: Arm) -> None:
    nic = _vm_network(arm, "myResourceGroup", "westus", "nic")
    vm_path = arm.res("myResourceGroup", "Microsoft.Compute/virtualMachines", "myVM", "2024-07-01")
    request = substitute(load("vm-create-windows-image")["parameters"]["parameters"], _placeholders(arm))
    request["properties"]["networkProfile"]["networkInterfaces"][0]["id"] = nic
    arm.ok("PUT", vm_path, request)
    ext = substitute(
        load("vm-extension-create")["parameters"]["extensionParameters"],
        {"extPublisher": "Microsoft.Compute", "extType": "CustomScriptExtension"},
    )
    ext["properties"]["typeHandlerVersion"] = "1.10"
    check("vm-extension-create", arm.send("PUT", vm_path.replace("?", "/extensions/myVMExtension?"), ext), "201")


def case_vmss_create_with_lb(arm: Arm) -> None:
    """The example's scale set, on a network and load balancer that exist (as the example presumes)."""
    arm.group("myResourceGroup", "westus")
    arm.ok(
        "PUT",
        arm.res("myResourceGroup", "Microsoft.Network/virtualNetworks", "nsgExistingVnet"),
        {
            "location": "westus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "nsgExistingSubnet", "properties": {"addressPrefix": "10.0.0.0/24"}}],
            },
        },
    )
    arm.ok("PUT", arm.res("myResourceGroup", "Microsoft.Network/publicIPAddresses", "lbip"), {"location": "westus"})
    rg = f"/subscriptions/{arm.sub}/resourceGroups/myResourceGroup"
    lb = f"{rg}/providers/Microsoft.Network/loadBalancers/myLb"
    arm.ok(
        "PUT",
        arm.res("myResourceGroup", "Microsoft.Network/loadBalancers", "myLb"),
        {
            "location": "westus",
            "properties": {
                "frontendIPConfigurations": [
                    {
                        "name": "fe",
                        "properties": {
                            "publicIPAddress": {"id": f"{rg}/providers/Microsoft.Network/publicIPAddresses/lbip"}
                        },
                    }
                ],
                "backendAddressPools": [{"name": "lbBackendPool"}],
                "inboundNatPools": [
                    {
                        "name": "lbNatPool",
                        "properties": {
                            "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                            "protocol": "Tcp",
                            "frontendPortRangeStart": 50000,
                            "frontendPortRangeEnd": 50119,
                            "backendPort": 3389,
                        },
                    }
                ],
            },
        },
    )
    mapping = {
        "{subscription-id}": arm.sub,
        "{existing-virtual-network-name}": "nsgExistingVnet",
        "{existing-subnet-name}": "nsgExistingSubnet",
        "{existing-load-balancer-name}": "myLb",
        "{existing-nat-pool-name}": "lbNatPool",
        "{existing-backend-address-pool-name}": "lbBackendPool",
        "{vmss-name}": "vmss1",
        "{your-username}": "knadmin",
        "{your-password}": "Exampl3!Passw0rd",
    }
    request = substitute(load("vmss-create-with-lb")["parameters"]["parameters"], mapping)
    path = arm.res("myResourceGroup", "Microsoft.Compute/virtualMachineScaleSets", "vmss1", "2024-07-01")
    first = arm.send("PUT", path, request)
    check("vmss-create-with-lb", first, "201")
    assert "adminPassword" not in json.dumps(first.body)
    arm.emu.settle()
    check("vmss-create-with-lb", arm.send("PUT", path, request), "200")


def _stage_template(arm: Arm, rg: str, template: dict[str, Any]) -> tuple[str, str]:
    """Put a template in a private container of a local storage account; return its URL and a read SAS."""
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

    name = "tpl" + secrets.token_hex(5)
    account = arm.ok(
        "PUT",
        arm.res(rg, "Microsoft.Storage/storageAccounts", name, "2023-05-01"),
        {"location": "eastus", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
    )
    keys = arm.send(
        "POST", arm.res(rg, "Microsoft.Storage/storageAccounts", name, "2023-05-01").replace("?", "/listKeys?")
    )
    key = keys.body["keys"][0]["value"]
    endpoint = account["properties"]["primaryEndpoints"]["blob"]
    service = BlobServiceClient(endpoint, credential={"account_name": name, "account_key": key})
    service.create_container("templates").upload_blob("exampleTemplate.json", json.dumps(template))
    sas = generate_blob_sas(
        name,
        "templates",
        "exampleTemplate.json",
        account_key=key,
        permission=BlobSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(minutes=10),
    )
    return f"{endpoint}templates/exampleTemplate.json", sas


_STORAGE_TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {
            "type": "Microsoft.Storage/storageAccounts",
            "apiVersion": "2023-05-01",
            "name": "[concat('sto', uniqueString(resourceGroup().id))]",
            "location": "eastus",
            "sku": {"name": "Standard_LRS"},
            "kind": "StorageV2",
        }
    ],
}


def case_deployment_create_rg(arm: Arm) -> None:
    """The example's deployment from a templateLink with a SAS query string (the link points at Azurite)."""
    arm.group("my-resource-group")
    uri, sas = _stage_template(arm, "my-resource-group", _STORAGE_TEMPLATE)
    request = load("deployment-create-rg")["parameters"]["parameters"]
    request["properties"]["templateLink"] = {"uri": uri, "queryString": sas}
    path = (
        f"/subscriptions/{arm.sub}/resourcegroups/my-resource-group/providers/Microsoft.Resources/deployments/"
        "my-deployment?api-version=2022-09-01"
    )
    first = arm.send("PUT", path, request)
    check("deployment-create-rg", first, "201")
    assert "Azure-AsyncOperation" in first.headers
    arm.emu.settle()
    final = arm.send("GET", path)
    check("deployment-create-rg", final, "200")
    assert final.body["properties"]["provisioningState"] == "Succeeded"


def case_deployment_whatif_rg(arm: Arm) -> None:
    """The example's what-if: one resource that exists gets a new tag (Modify), one is new (Create)."""
    arm.group("my-resource-group", "westus2")
    ip = arm.res("my-resource-group", "Microsoft.Network/publicIPAddresses", "myExisting", "2024-03-01")
    arm.ok("PUT", ip, {"location": "westus2", "properties": {}})
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Network/publicIPAddresses",
                "apiVersion": "2024-03-01",
                "name": name,
                "location": location,
                "tags": tags,
                "properties": {},
            }
            for name, location, tags in (
                ("myExisting", "westus2", {"myNewTag": "my tag value"}),
                ("myNew", "eastus", {"myOtherNewTag": "another new tag value"}),
            )
        ],
    }
    uri, sas = _stage_template(arm, "my-resource-group", template)
    request = load("deployment-whatif-rg")["parameters"]["parameters"]
    request["properties"]["templateLink"] = {"uri": uri, "queryString": sas}
    path = (
        f"/subscriptions/{arm.sub}/resourcegroups/my-resource-group/providers/Microsoft.Resources/deployments/"
        "my-deployment/whatIf?api-version=2025-04-01"
    )
    first = arm.send("POST", path, request)
    assert first.status == 202 and first.body is None and "Location" in first.headers
    arm.emu.settle()
    final = arm.send("GET", first.headers["Location"].replace(BASE, ""))
    changes = [c for c in final.body["properties"]["changes"] if c["changeType"] != "Ignore"]
    check("deployment-whatif-rg", final, "200", {"status": final.body["status"], "properties": {"changes": changes}})
    assert [c["changeType"] for c in changes] == ["Modify", "Create"]
    assert changes[0]["delta"] == [{"path": "tags.myNewTag", "after": "my tag value", "propertyChangeType": "Create"}]


CASES: dict[str, Callable[[Arm], None]] = {
    "resource-group-create": case_resource_group_create,
    "storage-account-create": case_storage_account_create,
    "storage-account-listkeys": case_storage_account_listkeys,
    "public-ip-create-defaults": case_public_ip_create_defaults,
    "vnet-create": case_vnet_create,
    "subnet-create": case_subnet_create,
    "nic-create": case_nic_create,
    "nsg-create": case_nsg_create,
    "lb-create": case_lb_create,
    "vm-create-windows-image": case_vm_create_windows_image,
    "vm-create-unmanaged-vhd": case_vm_create_unmanaged_vhd,
    "vm-get": case_vm_get,
    "vm-get-instanceview": case_vm_get_instanceview,
    "vm-extension-create": case_vm_extension_create,
    "vmss-create-with-lb": case_vmss_create_with_lb,
    "deployment-create-rg": case_deployment_create_rg,
    "deployment-whatif-rg": case_deployment_whatif_rg,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(arm: Arm, name: str) -> None:
    CASES[name](arm)
