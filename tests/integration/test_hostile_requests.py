"""Hostile and malformed requests over real HTTP: ARM's 4xx in its JSON shape, never a 5xx, never a hang.

One local Azure (plain HTTP, no Azurite) serves the module. Every answer is checked the same way:
below 500, and a 4xx carries ``{"error": {"code", "message"}}`` as JSON.
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from azrm.emulator import EmulatorSettings, LocalAzure, ManualClock

LOCATION = "westeurope"
NET = "2024-05-01"
COMPUTE = "2024-07-01"
WRONG_VALUES: list[Any] = ["x", 42, 1.5, True, None, [], ["x"], {}, {"x": 1}]
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "examples"


class Arm:
    """Raw HTTP to the local Azure: what a hostile client sends, byte for byte."""

    def __init__(self, local: LocalAzure) -> None:
        assert local.server is not None
        self.local = local
        self.host, self.port = local.server.host, local.server.port
        self.sub = local.subscription_id
        self.answers: list[tuple[str, str, int]] = []

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"Authorization": f"Bearer {self.local.emulator.entra.issue_token()}", **(headers or {})}
        if content_type is not None:
            sent["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            ctype = response.getheader("content-type") or ""
        finally:
            conn.close()
        status = response.status
        self.answers.append((method, path, status))
        assert status < 500, f"{method} {path} -> {status}: {payload[:300]!r}"
        parsed = json.loads(payload) if payload and "json" in ctype else payload
        if status >= 400 and method != "HEAD":
            assert "application/json" in ctype, (status, ctype, payload[:200])
            assert isinstance(parsed, dict) and isinstance(parsed.get("error"), dict), parsed
            assert parsed["error"].get("code") and parsed["error"].get("message"), parsed
        return status, parsed

    def rg_path(self, rg: str = "hostile") -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{rg}"

    def path(self, provider_type: str, name: str, api_version: str, rg: str = "hostile") -> str:
        return f"{self.rg_path(rg)}/providers/{provider_type}/{name}?api-version={api_version}"

    def healthy(self) -> bool:
        status, body = self.send("GET", "/_azrm/health", timeout=10)
        return status == 200 and body == {"status": "ok"}


@pytest.fixture(scope="module")
def arm() -> Iterator[Arm]:
    with LocalAzure(EmulatorSettings(clock=ManualClock()), blob=False, tls=False) as local:
        client = Arm(local)
        status, _ = client.send("PUT", client.rg_path() + "?api-version=2022-09-01", {"location": LOCATION})
        assert status in (200, 201)
        yield client


def _subnet_id(arm: Arm) -> str:
    return f"{arm.rg_path()}/providers/Microsoft.Network/virtualNetworks/base-vnet/subnets/default"


def _bases(arm: Arm) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """A valid body per resource type: (provider type, api-version, body)."""
    subnet = {"id": _subnet_id(arm)}
    nic_id = f"{arm.rg_path()}/providers/Microsoft.Network/networkInterfaces/base-nic"
    image = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"}
    linux = {"adminUsername": "azureuser", "adminPassword": "Hostile-Pa55word!"}
    return {
        "storage": (
            "Microsoft.Storage/storageAccounts",
            "2023-05-01",
            {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2", "properties": {}},
        ),
        "public_ip": (
            "Microsoft.Network/publicIPAddresses",
            NET,
            {
                "location": LOCATION,
                "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": "hostile1"}},
            },
        ),
        "vnet": (
            "Microsoft.Network/virtualNetworks",
            NET,
            {
                "location": LOCATION,
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                    "subnets": [{"name": "a", "properties": {"addressPrefix": "10.1.0.0/24"}}],
                    "dhcpOptions": {"dnsServers": ["10.1.0.4"]},
                },
            },
        ),
        "nsg": (
            "Microsoft.Network/networkSecurityGroups",
            NET,
            {
                "location": LOCATION,
                "properties": {
                    "securityRules": [
                        {
                            "name": "rdp",
                            "properties": {
                                "protocol": "Tcp",
                                "sourcePortRange": "*",
                                "destinationPortRange": "3389",
                                "sourceAddressPrefix": "*",
                                "destinationAddressPrefix": "*",
                                "access": "Allow",
                                "priority": 1000,
                                "direction": "Inbound",
                            },
                        }
                    ]
                },
            },
        ),
        "nic": (
            "Microsoft.Network/networkInterfaces",
            NET,
            {
                "location": LOCATION,
                "properties": {
                    "ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": subnet}}],
                    "dnsSettings": {"dnsServers": []},
                },
            },
        ),
        "lb": (
            "Microsoft.Network/loadBalancers",
            NET,
            {
                "location": LOCATION,
                "sku": {"name": "Standard"},
                "properties": {
                    "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": subnet}}],
                    "backendAddressPools": [{"name": "be"}],
                },
            },
        ),
        "vm": (
            "Microsoft.Compute/virtualMachines",
            COMPUTE,
            {
                "location": LOCATION,
                "properties": {
                    "hardwareProfile": {"vmSize": "Standard_B1s"},
                    "storageProfile": {"imageReference": image, "osDisk": {"createOption": "FromImage"}},
                    "osProfile": {"computerName": "hostile", **linux},
                    "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
                },
            },
        ),
        "vmss": (
            "Microsoft.Compute/virtualMachineScaleSets",
            COMPUTE,
            {
                "location": LOCATION,
                "sku": {"name": "Standard_B1s", "capacity": 1},
                "properties": {
                    "upgradePolicy": {"mode": "Manual"},
                    "virtualMachineProfile": {
                        "storageProfile": {"imageReference": image, "osDisk": {"createOption": "FromImage"}},
                        "osProfile": {"computerNamePrefix": "hss", **linux},
                        "networkProfile": {
                            "networkInterfaceConfigurations": [
                                {
                                    "name": "nic",
                                    "properties": {
                                        "primary": True,
                                        "ipConfigurations": [{"name": "ip", "properties": {"subnet": subnet}}],
                                    },
                                }
                            ]
                        },
                    },
                },
            },
        ),
        "deployment": (
            "Microsoft.Resources/deployments",
            "2022-09-01",
            {
                "properties": {
                    "mode": "Incremental",
                    "template": {
                        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                        "contentVersion": "1.0.0.0",
                        "parameters": {"name": {"type": "string", "defaultValue": "fromtemplate"}},
                        "resources": [
                            {
                                "type": "Microsoft.Network/publicIPAddresses",
                                "apiVersion": NET,
                                "name": "[parameters('name')]",
                                "location": LOCATION,
                                "properties": {"publicIPAllocationMethod": "Dynamic"},
                            }
                        ],
                    },
                    "parameters": {"name": {"value": "fromdeployment"}},
                }
            },
        ),
        "container_group": (
            "Microsoft.ContainerInstance/containerGroups",
            "2023-05-01",
            {
                "location": LOCATION,
                "properties": {
                    "osType": "Linux",
                    "containers": [
                        {
                            "name": "web",
                            "properties": {
                                "image": "localhost/nothing:1",
                                "resources": {"requests": {"cpu": 1, "memoryInGB": 1.5}},
                            },
                        }
                    ],
                },
            },
        ),
        "registry": (
            "Microsoft.ContainerRegistry/registries",
            "2023-07-01",
            {"location": LOCATION, "sku": {"name": "Basic"}, "properties": {"adminUserEnabled": False}},
        ),
    }


def _prepare(arm: Arm) -> None:
    """What the bodies refer to: a vnet with a subnet and a NIC in it."""
    vnet = {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}],
        },
    }
    assert arm.send("PUT", arm.path("Microsoft.Network/virtualNetworks", "base-vnet", NET), vnet)[0] in (200, 201)
    nic = {
        "location": LOCATION,
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": _subnet_id(arm)}}}]},
    }
    assert arm.send("PUT", arm.path("Microsoft.Network/networkInterfaces", "base-nic", NET), nic)[0] in (200, 201)


def _mutations(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each top-level member, each ``properties`` member and each member one level below it, wrong-typed."""
    paths: list[tuple[str, ...]] = [(key,) for key in body]
    properties = body.get("properties")
    if isinstance(properties, dict):
        for key, value in properties.items():
            paths.append(("properties", key))
            if isinstance(value, dict):
                paths.extend(("properties", key, inner) for inner in value)
    for path in paths:
        for wrong in WRONG_VALUES:
            mutated = copy.deepcopy(body)
            target = mutated
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = wrong
            yield ".".join(path) + "=" + json.dumps(wrong), mutated


@pytest.mark.parametrize(
    "kind",
    ["storage", "public_ip", "vnet", "nsg", "nic", "lb", "vm", "vmss", "deployment", "container_group", "registry"],
)
def test_every_wrong_typed_member_is_a_4xx_never_a_5xx(arm: Arm, kind: str) -> None:
    _prepare(arm)
    provider_type, version, base = _bases(arm)[kind]
    name = f"base{kind.replace('_', '')}"
    status, answer = arm.send("PUT", arm.path(provider_type, name, version), base)
    assert status in (200, 201, 202), answer
    refused = 0
    for i, (label, body) in enumerate(_mutations(base)):
        status, answer = arm.send("PUT", arm.path(provider_type, f"{name}{i}", version), body)
        refused += status >= 400
        assert status < 500, label
    assert refused > 0
    assert arm.healthy()


def _children(arm: Arm) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """A valid body per child or lesser type: (provider type, name under it, api-version, body)."""
    scale_set = f"{arm.rg_path()}/providers/Microsoft.Compute/virtualMachineScaleSets/basevmss"
    script = {"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1"}
    rule = {
        "protocol": "Tcp",
        "access": "Allow",
        "priority": 200,
        "direction": "Inbound",
        "sourcePortRange": "*",
        "destinationPortRange": "80",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "*",
    }
    return {
        "security_rule": (
            "Microsoft.Network/networkSecurityGroups",
            "basensg/securityRules/r",
            NET,
            {"properties": rule},
        ),
        "pool": ("Microsoft.Network/loadBalancers", "baselb/backendAddressPools/b2", NET, {"properties": {}}),
        "route": (
            "Microsoft.Network/routeTables",
            "rt/routes/r",
            NET,
            {"properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}},
        ),
        "vm_extension": (
            "Microsoft.Compute/virtualMachines",
            "basevm/extensions/e",
            COMPUTE,
            {"location": LOCATION, "properties": {**script, "settings": {"commandToExecute": "echo"}}},
        ),
        "vmss_extension": (
            "Microsoft.Compute/virtualMachineScaleSets",
            "basevmss/extensions/e",
            COMPUTE,
            {"properties": {**script, "settings": {}}},
        ),
        "blob_service": (
            "Microsoft.Storage/storageAccounts",
            "basestorage/blobServices/default",
            "2023-05-01",
            {"properties": {"deleteRetentionPolicy": {"enabled": True, "days": 7}, "cors": {"corsRules": []}}},
        ),
        "availability_set": (
            "Microsoft.Compute/availabilitySets",
            "as1",
            COMPUTE,
            {"location": LOCATION, "sku": {"name": "Aligned"}, "properties": {"platformFaultDomainCount": 2}},
        ),
        "autoscale": (
            "Microsoft.Insights/autoscaleSettings",
            "a1",
            "2022-10-01",
            {
                "location": LOCATION,
                "properties": {
                    "enabled": True,
                    "targetResourceUri": scale_set,
                    "profiles": [
                        {"name": "p", "capacity": {"minimum": "1", "maximum": "3", "default": "1"}, "rules": []}
                    ],
                },
            },
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "security_rule",
        "pool",
        "route",
        "vm_extension",
        "vmss_extension",
        "blob_service",
        "availability_set",
        "autoscale",
    ],
)
def test_child_types_take_wrong_typed_members_with_a_4xx_too(arm: Arm, kind: str) -> None:
    _prepare(arm)
    for parent in ("storage", "nsg", "lb", "vm", "vmss"):
        provider_type, version, base = _bases(arm)[parent]
        assert arm.send("PUT", arm.path(provider_type, f"base{parent}", version), base)[0] < 300
    assert arm.send("PUT", arm.path("Microsoft.Network/routeTables", "rt", NET), {"location": LOCATION})[0] < 300
    provider_type, name, version, base = _children(arm)[kind]
    status, answer = arm.send("PUT", arm.path(provider_type, name, version), base)
    assert status < 300, answer
    for _label, body in _mutations(base):
        for method in ("PUT", "PATCH"):
            arm.send(method, arm.path(provider_type, name, version), body)
    assert arm.healthy()


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("sku", "Standard", "InvalidRequestFormat"),
        ("properties", "x", "InvalidRequestFormat"),
        ("properties", ["x"], "InvalidRequestFormat"),
        ("properties.dnsSettings", ["x"], "InvalidRequestFormat"),
        ("tags", {"a": {"b": 1}}, "InvalidRequestFormat"),
        ("tags", {"a": ["b"]}, "InvalidRequestFormat"),
        ("tags", ["a"], "InvalidRequestFormat"),
        ("zones", "1", "InvalidRequestFormat"),
    ],
)
def test_the_cases_that_were_500s_or_2xx_get_the_network_providers_400(
    arm: Arm, member: str, value: Any, code: str
) -> None:
    body: dict[str, Any] = {"location": LOCATION, "properties": {}}
    target = body
    *parents, last = member.split(".")
    for key in parents:
        target = target[key]
    target[last] = value
    status, answer = arm.send("PUT", arm.path("Microsoft.Network/publicIPAddresses", "typed", NET), body)
    assert (status, answer["error"]["code"]) == (400, code)


def test_compute_and_storage_say_invalid_request_content(arm: Arm) -> None:
    _prepare(arm)
    _, _, vm = _bases(arm)["vm"]
    vm = copy.deepcopy(vm)
    vm["properties"]["storageProfile"] = "x"
    status, answer = arm.send("PUT", arm.path("Microsoft.Compute/virtualMachines", "typedvm", COMPUTE), vm)
    assert (status, answer["error"]["code"]) == (400, "InvalidRequestContent")
    assert "storageProfile" in answer["error"]["details"][0]["message"]
    account = {"location": LOCATION, "sku": "Standard_LRS", "kind": "StorageV2"}
    status, answer = arm.send("PUT", arm.path("Microsoft.Storage/storageAccounts", "typedsa", "2023-05-01"), account)
    assert (status, answer["error"]["code"]) == (400, "InvalidRequestContent")


def test_tag_values_that_are_numbers_are_read_as_strings_as_json_net_does(arm: Arm) -> None:
    body = {"location": LOCATION, "tags": {"n": 1, "b": True}}
    status, answer = arm.send("PUT", arm.path("Microsoft.Network/publicIPAddresses", "numtags", NET), body)
    assert status in (200, 201) and answer["tags"] == {"n": "1", "b": "True"}


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"location": "westeurope", "properties": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
        b"[" * 100_000,
        b'{"location": "westeurope", "tags": ' + b"[" * 70 + b"]" * 70 + b"}",
    ],
    ids=["arrays-100k", "objects-100k", "unclosed-100k", "arrays-70"],
)
def test_deep_nesting_is_a_400(arm: Arm, raw: bytes) -> None:
    status, answer = arm.send("PUT", arm.path("Microsoft.Network/publicIPAddresses", "deep", NET), raw=raw)
    assert status == 400 and answer["error"]["code"] in ("InvalidRequestContent", "InvalidRequestFormat")
    assert arm.healthy()


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b'{"location": "westeurope",}', b"\xff\xfe\x00", b"[]", b'"text"', b"42", b"null", b"{}"],
)
def test_bodies_that_are_not_a_json_object_are_a_400(arm: Arm, raw: bytes) -> None:
    status, answer = arm.send("PUT", arm.path("Microsoft.Network/publicIPAddresses", "badjson", NET), raw=raw)
    assert 400 <= status < 500, answer


def test_a_body_over_4_mb_is_a_413(arm: Arm) -> None:
    body = {"location": LOCATION, "tags": {"big": "x" * (4 * 1024 * 1024)}}
    status, answer = arm.send("PUT", arm.path("Microsoft.Network/publicIPAddresses", "huge", NET), body)
    assert (status, answer["error"]["code"]) == (413, "RequestContentTooLarge")
    assert arm.healthy()


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_said_to_be_json_is_a_415(arm: Arm, content_type: str | None) -> None:
    path = arm.path("Microsoft.Network/publicIPAddresses", "media", NET)
    status, answer = arm.send("PUT", path, {"location": LOCATION}, content_type=content_type)
    assert (status, answer["error"]["code"]) == (415, "UnsupportedMediaType")
    assert f"'{content_type or '<null>'}' is not supported" in answer["error"]["message"]
    assert arm.send("GET", path)[0] == 404


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", "text/json"])
def test_json_media_types_are_read(arm: Arm, content_type: str) -> None:
    path = arm.path("Microsoft.Network/publicIPAddresses", "jsonmedia", NET)
    assert arm.send("PUT", path, {"location": LOCATION}, content_type=content_type)[0] in (200, 201)


def test_admin_routes_need_the_printed_key_and_check_their_knobs(arm: Arm) -> None:
    key = {"x-azrm-admin-key": arm.local.info()["admin_key"]}
    assert arm.send("POST", "/_azrm/reset", {})[0] == 401
    assert arm.send("POST", "/_azrm/clock", {"advance": 1}, headers={"x-azrm-admin-key": "guess"})[0] == 401
    assert "admin_key" not in arm.send("GET", "/_azrm/info")[1]
    before = arm.send("GET", "/_azrm/clock", headers=key)[1]["now"]
    for raw in (b'{"advance": "nan"}', b'{"advance": NaN}', b'{"advance": Infinity}', b'{"advance": -5}'):
        status, answer = arm.send("POST", "/_azrm/clock", raw=raw, headers=key)
        assert (status, answer["error"]["code"]) == (400, "InvalidRequestContent")
    assert arm.send("GET", "/_azrm/clock", headers=key)[1]["now"] == before
    status, answer = arm.send("POST", "/_azrm/clock", {"advance": 2}, headers=key)
    assert status == 200 and answer["now"] == before + 2


def _examples() -> list[tuple[str, str, dict[str, Any]]]:
    """(provider type, api-version, body) of each PUT example in ../shared/reference that this sweep can send."""
    wanted = {
        "nic-create.json": "Microsoft.Network/networkInterfaces",
        "nsg-create.json": "Microsoft.Network/networkSecurityGroups",
        "public-ip-create-defaults.json": "Microsoft.Network/publicIPAddresses",
        "vnet-create.json": "Microsoft.Network/virtualNetworks",
        "lb-create.json": "Microsoft.Network/loadBalancers",
        "storage-account-create.json": "Microsoft.Storage/storageAccounts",
        "vm-create-windows-image.json": "Microsoft.Compute/virtualMachines",
        "vmss-create-with-lb.json": "Microsoft.Compute/virtualMachineScaleSets",
        "deployment-create-rg.json": "Microsoft.Resources/deployments",
    }
    out = []
    for name, provider_type in wanted.items():
        path = EXAMPLES / name
        if not path.is_file():
            continue
        parameters = json.loads(path.read_text())["parameters"]
        body = parameters.get("parameters")
        if isinstance(body, dict):
            out.append((provider_type, str(parameters["api-version"]), body))
    return out


def _mutate(value: Any, rng: random.Random) -> Any:
    """Change one member somewhere in ``value``: a wrong type, a deletion, a huge or hostile string."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        changed = dict(value)
        roll = rng.random()
        if roll < 0.1:
            del changed[key]
        elif roll < 0.6:
            changed[key] = _mutate(value[key], rng)
        else:
            changed[key] = rng.choice([*WRONG_VALUES, "x" * 5000, "\u0000\ud7ff", -1, 2**63, 1e308, "../" * 50])
        return changed
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return [*value[:i], _mutate(value[i], rng), *value[i + 1 :]]
    return rng.choice([*WRONG_VALUES, "", "x" * 300, -1, 0, 10**12])


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"{EXAMPLES} is not beside this checkout")
def test_fuzzed_real_bodies_never_get_a_5xx(arm: Arm) -> None:
    """Mutated official examples, seeded, for a bounded few seconds: no 5xx and the server still answers."""
    _prepare(arm)
    examples = _examples()
    assert examples
    rng = random.Random(20240612)
    deadline = time.monotonic() + 6.0
    sent = 0
    while time.monotonic() < deadline:
        provider_type, version, body = rng.choice(examples)
        mutated = _mutate(body, rng)
        arm.send("PUT", arm.path(provider_type, f"fuzz{sent % 40}", version), mutated)
        sent += 1
    assert sent > 50
    assert arm.healthy()


def test_azures_networking_limits_are_refused_at_once_and_large_bodies_stay_linear(arm: Arm) -> None:
    vnet = arm.path("Microsoft.Network/virtualNetworks", "limits", NET)
    subnets = [{"name": f"s{i}", "properties": {"addressPrefix": f"10.{i // 256}.{i % 256}.0/29"}} for i in range(3001)]
    body = {
        "location": LOCATION,
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}, "subnets": subnets},
    }
    started = time.monotonic()
    status, answer = arm.send("PUT", vnet, body)
    assert (status, answer["error"]["code"]) == (400, "QuotaExceeded") and "SubnetsPerVirtualNetwork" in str(answer)
    body["properties"]["subnets"] = subnets[:3000]
    assert arm.send("PUT", vnet, body)[0] in (200, 201)
    # 16,000 address spaces took 74 s when each was compared with every other; sorted once, well under a second
    spaces = [f"10.{i // 256}.{i % 256}.0/24" for i in range(16000)]
    wide = {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": spaces}}}
    assert arm.send("PUT", arm.path("Microsoft.Network/virtualNetworks", "wide", NET), wide)[0] in (200, 201)
    spaces.append("10.3.7.128/25")
    status, answer = arm.send("PUT", arm.path("Microsoft.Network/virtualNetworks", "wide2", NET), wide)
    assert (status, answer["error"]["code"]) == (400, "VnetAddressSpacesOverlap")
    rules = [{"name": f"r{i}", "properties": {**_children(arm)["security_rule"][3]["properties"], "priority": 100 + i}}
             for i in range(1001)]  # fmt: skip
    nsg = arm.path("Microsoft.Network/networkSecurityGroups", "limits", NET)
    status, answer = arm.send("PUT", nsg, {"location": LOCATION, "properties": {"securityRules": rules}})
    assert (status, answer["error"]["code"]) == (400, "QuotaExceeded")
    assert time.monotonic() - started < 30
