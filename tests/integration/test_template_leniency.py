"""Templates as Azure deploys them: what ARM accepts is accepted, what it refuses is refused with its code.

Small templates of our own, each reproducing one habit of real templates (the corpus gate runs the
real ones): apiProfile, dependsOn forms, outer-scope nested templates, legacy api-versions, types the
local Azure does not emulate, linked templates on a loopback web server, providers().
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import LOCATION, Azure, make_group

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
OLD_SCHEMA = "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#"


def template(*resources: dict[str, Any], schema: str = SCHEMA, **extra: Any) -> dict[str, Any]:
    return {"$schema": schema, "contentVersion": "1.0.0.0", "resources": list(resources), **extra}


def put(azure: Azure, body: dict[str, Any], name: str = "d1") -> Any:
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/{name}"
    return azure.raw("PUT", f"{path}?api-version=2021-04-01", {"properties": {"mode": "Incremental", **body}})


def deploy(azure: Azure, tpl: dict[str, Any], **values: Any) -> Any:
    body = {"properties": {"mode": "Incremental", "template": tpl,
                           "parameters": {k: {"value": v} for k, v in values.items()}}}  # fmt: skip
    try:
        return azure.deployments.deployments.begin_create_or_update("rg1", "d1", body).result()
    except HttpResponseError:
        return azure.deployments.deployments.get("rg1", "d1")


def vnet(name: str, prefix: str = "10.0.0.0/16", api: str = "2019-11-01", **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": api, "name": name, "location": LOCATION,
            "properties": {"addressSpace": {"addressPrefixes": [prefix]}}, **extra}  # fmt: skip


def nsg(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2019-11-01", "name": name,
            "location": LOCATION, **extra}  # fmt: skip


# -- apiProfile ---------------------------------------------------------------------------------------
def test_resources_without_an_api_version_take_the_profile_s(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    account = unique("prof")
    tpl = template(
        {"type": "Microsoft.Storage/storageAccounts", "name": account, "location": LOCATION,
         "sku": {"name": "Standard_LRS"}, "kind": "Storage"},
        {"type": "Microsoft.Network/virtualNetworks", "name": "v", "location": LOCATION,
         "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
        apiProfile="2019-03-01-hybrid",
    )  # fmt: skip
    result = deploy(azure, tpl)
    assert result.properties.provisioning_state == "Succeeded"
    ops = {
        o.properties.target_resource.resource_type: o for o in azure.deployments.deployment_operations.list("rg1", "d1")
    }
    assert set(ops) == {"Microsoft.Storage/storageAccounts", "Microsoft.Network/virtualNetworks"}
    assert azure.storage.storage_accounts.get_properties("rg1", account).sku.name == "Standard_LRS"


def test_a_type_the_profile_does_not_map_needs_its_own_api_version(azure: Azure) -> None:
    make_group(azure)
    tpl = template({"type": "Microsoft.Insights/autoscaleSettings", "name": "a", "location": LOCATION},
                   apiProfile="2019-03-01-hybrid")  # fmt: skip
    response = put(azure, {"template": tpl})
    assert response.status_code == 400
    assert "does not match any valid api-version" in response.json()["error"]["message"]


# -- dependsOn ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "entry",
    [
        "a",  # a name
        "Microsoft.Network/virtualNetworks/a",  # type/name
        "[resourceId('Microsoft.Network/virtualNetworks', 'a')]",  # an id
        "nets",  # a copy loop
        "Microsoft.Network/virtualNetworks/a/subnets/s1",  # a child's interleaved relative id
        "s1",  # a child's own name, declared inside its parent
    ],
)
def test_depends_on_forms_arm_resolves(azure: Azure, entry: str) -> None:
    make_group(azure)
    parent = vnet("a", resources=[{"type": "subnets", "apiVersion": "2019-11-01", "name": "s1",
                                   "dependsOn": ["a"], "properties": {"addressPrefix": "10.0.1.0/24"}}])  # fmt: skip
    loop = vnet("[concat('n', copyIndex())]", prefix="10.1.0.0/16", copy={"name": "nets", "count": 2})
    result = deploy(azure, template(parent, loop, nsg("g", dependsOn=[entry])))
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    depends = next(d for d in result.properties.dependencies if d.resource_name == "g")
    assert depends.depends_on


def test_a_depends_on_entry_naming_nothing_is_refused(azure: Azure) -> None:
    make_group(azure)
    response = put(azure, {"template": template(nsg("g", dependsOn=["Microsoft.Web/sites/nowhere"]))})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidTemplate"
    assert "The resource 'Microsoft.Web/sites/nowhere' is not defined in the template" in error["message"]


def test_only_a_real_cycle_is_a_cycle(azure: Azure) -> None:
    make_group(azure)
    response = put(azure, {"template": template(nsg("a", dependsOn=["b"]), nsg("b", dependsOn=["a"]))})
    assert response.status_code == 400
    assert "Circular dependency detected on resource: '/subscriptions/" in response.json()["error"]["message"]


def test_an_outer_scope_nested_template_reads_its_parent_s_resources(azure: Azure) -> None:
    """The nested template updates a NIC with the address it already has (the static-IP quickstart's pattern)."""
    make_group(azure)
    nic = {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2019-11-01", "name": "nic",
           "location": LOCATION, "dependsOn": ["v"],
           "properties": {"ipConfigurations": [{"name": "ip", "properties": {
               "privateIPAllocationMethod": "Dynamic",
               "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"}}}]}}  # fmt: skip
    update = json.loads(json.dumps(nic))
    del update["dependsOn"]
    ipc = update["properties"]["ipConfigurations"][0]["properties"]
    ipc["privateIPAllocationMethod"] = "Static"
    ipc["privateIPAddress"] = "[reference('nic').ipConfigurations[0].properties.privateIPAddress]"
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2019-10-01", "name": "pin",
              "dependsOn": ["nic"], "properties": {"mode": "Incremental", "template": template(update)}}  # fmt: skip
    net = vnet("v", properties={"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]})  # fmt: skip
    result = deploy(azure, template(net, nic, nested))
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    got = azure.network.network_interfaces.get("rg1", "nic").ip_configurations[0]
    assert (got.private_ip_allocation_method, got.private_ip_address) == ("Static", "10.0.0.4")


# -- types and api-versions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource", "code", "named"),
    [
        ({"type": "Microsoft.Web/serverfarms", "apiVersion": "2020-06-01", "name": "plan", "location": LOCATION},
         "InvalidResourceNamespace", "Microsoft.Web/serverfarms"),
        ({"type": "Microsoft.Network/bastionHosts", "apiVersion": "2020-06-01", "name": "b", "location": LOCATION},
         "InvalidResourceType", "Microsoft.Network/bastionHosts"),
        ({**nsg("g"), "apiVersion": "2013-01-01"}, "NoRegisteredProviderFound", "API version '2013-01-01'"),
    ],
)  # fmt: skip
def test_what_nothing_serves_is_refused_before_anything_is_made(
    azure: Azure, resource: dict[str, Any], code: str, named: str
) -> None:
    make_group(azure)
    response = put(azure, {"template": template(vnet("made-first"), resource)})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and named in error["message"]
    assert list(azure.resources.resources.list_by_resource_group("rg1")) == []


def test_an_unknown_type_inside_an_inline_nested_template_is_refused_with_its_parent(azure: Azure) -> None:
    make_group(azure)
    inner = template({"type": "Microsoft.Sql/servers", "apiVersion": "2021-11-01", "name": "sql", "location": LOCATION})
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2019-10-01", "name": "n",
              "properties": {"mode": "Incremental", "template": inner}}  # fmt: skip
    response = put(azure, {"template": template(vnet("v"), nested)})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidResourceNamespace")


def test_a_2015_template_with_2015_api_versions(azure: Azure, unique: Callable[[str], str]) -> None:
    """accountType storage, a vnet and an availability set in 2015/2016 shapes, as the 2016 gallery wrote them."""
    make_group(azure)
    account = unique("old")
    tpl = template(
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2015-06-15", "name": account,
         "location": LOCATION, "properties": {"accountType": "Standard_GRS"}},
        vnet("v", api="2015-06-15"),
        {"type": "Microsoft.Compute/availabilitySets", "apiVersion": "2016-04-30-preview", "name": "as",
         "location": LOCATION, "properties": {"platformFaultDomainCount": 2, "platformUpdateDomainCount": 2,
                                              "managed": "true"}},
        schema=OLD_SCHEMA,
        outputs={"blob": {"type": "string", "value": f"[reference('{account}').primaryEndpoints.blob]"},
                 "key": {"type": "string", "value": f"[listKeys('{account}', '2015-06-15').key1]"}},
    )  # fmt: skip
    result = deploy(azure, tpl)
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    assert azure.storage.storage_accounts.get_properties("rg1", account).sku.name == "Standard_GRS"
    assert (
        result.properties.outputs["key"]["value"]
        == azure.storage.storage_accounts.list_keys("rg1", account).keys_property[0].value
    )
    assert azure.compute.availability_sets.get("rg1", "as").sku.name == "Aligned"
    old = azure.raw(
        "GET", f"{azure.rid('rg1', 'Microsoft.Compute/availabilitySets', 'as')}?api-version=2016-04-30-preview"
    ).json()
    assert old["properties"]["managed"] is True


def test_a_2015_vm_needs_its_vhd(azure: Azure) -> None:
    make_group(azure)
    vm = {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2015-06-15", "name": "vm", "location": LOCATION,
          "properties": {"hardwareProfile": {"vmSize": "Standard_A1"},
                         "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "UbuntuServer",
                                                               "sku": "16.04-LTS", "version": "latest"},
                                            "osDisk": {"name": "os", "createOption": "FromImage"}}}}  # fmt: skip
    result = deploy(azure, template(vm))
    assert result.properties.provisioning_state == "Failed"
    assert "osDisk.vhd" in json.dumps(result.properties.error.as_dict())


def test_template_parameters_keep_their_types_as_arm_does(azure: Azure) -> None:
    """ARM converts no parameter value: "3" for an int is refused (it is the clients that convert)."""
    make_group(azure)
    tpl = template(parameters={"n": {"type": "int"}})
    response = put(azure, {"template": tpl, "parameters": {"n": {"value": "3"}}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidTemplate"


def test_providers_answers_from_the_manifest(azure: Azure) -> None:
    make_group(azure)
    tpl = template(outputs={
        "first": {"type": "string", "value": "[providers('Microsoft.Storage', 'storageAccounts').apiVersions[0]]"},
        "types": {"type": "int", "value": "[length(providers('Microsoft.Network').resourceTypes)]"}})  # fmt: skip
    result = deploy(azure, tpl)
    outputs = result.properties.outputs
    assert outputs["first"]["value"] >= "2023-01-01" and outputs["types"]["value"] > 10


# -- linked templates on a loopback web server ------------------------------------------------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_linked_templates_from_a_loopback_web_server(azure: Azure, web: tuple[Path, str]) -> None:
    folder, url = web
    (folder / "nested").mkdir()
    (folder / "nested" / "net.json").write_text(json.dumps(template(vnet("linked-net"))))
    link = {"type": "Microsoft.Resources/deployments", "apiVersion": "2020-10-01", "name": "net",
            "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/net.json"}}}  # fmt: skip
    (folder / "main.json").write_text(json.dumps(template(link)))
    make_group(azure)
    response = put(azure, {"templateLink": {"uri": f"{url}/main.json", "contentVersion": "1.0.0.0"}})
    assert response.status_code == 201
    result = azure.deployments.deployments.get("rg1", "d1")
    for _ in range(50):
        if result.properties.provisioning_state in ("Succeeded", "Failed"):
            break
        result = azure.deployments.deployments.get("rg1", "d1")
    assert result.properties.provisioning_state == "Succeeded"
    assert azure.network.virtual_networks.get("rg1", "linked-net").name == "linked-net"
    mismatch = put(azure, {"templateLink": {"uri": f"{url}/main.json", "contentVersion": "2.0.0.0"}}, name="d2")
    assert (mismatch.status_code, mismatch.json()["error"]["code"]) == (400, "InvalidContentVersion")
    missing = put(azure, {"templateLink": {"uri": f"{url}/none.json"}}, name="d3")
    assert missing.json()["error"]["code"] == "InvalidContentLink" and "404" in missing.json()["error"]["message"]
    offline = put(azure, {"templateLink": {"uri": "https://example.org/main.json"}}, name="d4")
    assert offline.json()["error"]["code"] == "InvalidContentLink" and "offline" in offline.json()["error"]["message"]


@pytest.mark.parametrize(
    ("parameters", "code"),
    [
        ({"n": 3}, "InvalidRequestContent"),  # a bare value instead of {"value": ...}
        ({"n": {"value": 3, "vaule": 4}}, "InvalidRequestContent"),  # an unknown member
        ({"n": {"value": 3}, "N": {"value": 4}}, "CaseSensitiveDeploymentParameterNamesFound"),
        ({"m": {"value": 3}}, "InvalidTemplate"),  # a parameter the template does not declare
    ],
)
def test_deployment_parameters_arm_refuses(azure: Azure, parameters: dict[str, Any], code: str) -> None:
    make_group(azure)
    response = put(azure, {"template": template(parameters={"n": {"type": "int"}}), "parameters": parameters})
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)


def test_parameter_members_bind_in_any_casing(azure: Azure) -> None:
    make_group(azure)
    tpl = template(parameters={"n": {"type": "int"}}, outputs={"n": {"type": "int", "value": "[parameters('N')]"}})
    assert put(azure, {"template": tpl, "parameters": {"n": {"Value": 3}}}).status_code == 201
    assert azure.deployments.deployments.get("rg1", "d1").properties.outputs["n"]["value"] == 3


def test_a_parent_whose_nested_child_depends_on_a_sibling_is_no_cycle(azure: Azure) -> None:
    """vnet <- nsg (depends on the vnet) <- subnet declared inside the vnet (depends on the nsg)."""
    make_group(azure)
    net = vnet("v", resources=[{"type": "subnets", "apiVersion": "2019-11-01", "name": "s", "dependsOn": ["v", "g"],
                                "properties": {"addressPrefix": "10.0.1.0/24",
                                               "networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'g')]"}}}])  # fmt: skip
    result = deploy(azure, template(net, nsg("g", dependsOn=["v"])))
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    subnet = azure.network.subnets.get("rg1", "v", "s")
    assert subnet.network_security_group.id.endswith("/networkSecurityGroups/g")


@pytest.mark.parametrize(
    ("version", "has_sku", "has_type"),
    [("2015-05-01-preview", False, False), ("2016-09-01", False, True), ("2020-05-01", True, True)],
)
def test_network_answers_in_the_shape_of_their_api_version(
    azure: Azure, version: str, has_sku: bool, has_type: bool
) -> None:
    make_group(azure)
    path = f"{azure.rid('rg1', 'Microsoft.Network/publicIPAddresses', 'ip')}?api-version={version}"
    created = azure.raw("PUT", path, {"location": LOCATION, "properties": {"publicIPAllocationMethod": "Dynamic"}})
    assert created.status_code == 201
    body = azure.raw("GET", path).json()
    assert ("sku" in body, "type" in body, "resourceGuid" in body["properties"]) == (has_sku, has_type, has_type)
    assert body["properties"]["publicIPAllocationMethod"] == "Dynamic"


def test_scale_sets_of_2016_spell_over_provision_as_they_did() -> None:
    from azrm.emulator.providers.compute.versions import _vmss_before_2017

    old = _vmss_before_2017({"properties": {"overprovision": True, "singlePlacementGroup": True, "uniqueId": "u"}})
    assert old == {"properties": {"overProvision": True}}


def test_a_whole_parameters_file_inline_is_refused_as_arm_refuses_it(azure: Azure) -> None:
    make_group(azure)
    whole = {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
             "contentVersion": "1.0.0.0", "parameters": {"n": {"value": 3}}}  # fmt: skip
    response = put(azure, {"template": template(parameters={"n": {"type": "int"}}), "parameters": whole})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidRequestContent")


def what_if(azure: Azure, tpl: dict[str, Any]) -> list[dict[str, Any]]:
    poller = azure.deployments.deployments.begin_what_if(
        "rg1", "preview", {"properties": {"mode": "Incremental", "template": tpl}})  # fmt: skip
    return [c.as_dict() for c in poller.result().changes]


@pytest.mark.parametrize(
    ("first", "then", "path"),
    [
        ({"apiVersion": "2015-06-15", "properties": {"accountType": "Standard_LRS"}},
         {"apiVersion": "2015-06-15", "properties": {"accountType": "Standard_GRS"}}, "properties.accountType"),
        ({"apiVersion": "2019-06-01", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
          "properties": {"encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True}}}}},
         {"apiVersion": "2019-06-01", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
          "properties": {"encryption": {"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": True}}},
         "properties.encryption"),
    ],
)  # fmt: skip
def test_what_if_sees_changes_in_the_template_s_api_version(
    azure: Azure, unique: Callable[[str], str], first: dict[str, Any], then: dict[str, Any], path: str
) -> None:
    make_group(azure)
    name = unique("wi")
    base = {"type": "Microsoft.Storage/storageAccounts", "name": name, "location": LOCATION}
    assert deploy(azure, template({**base, **first})).properties.provisioning_state == "Succeeded"
    assert [c["changeType"] for c in what_if(azure, template({**base, **first}))] == ["NoChange"]
    changes = what_if(azure, template({**base, **then}))
    assert [c["changeType"] for c in changes] == ["Modify"]
    assert changes[0]["delta"][0]["path"].startswith(path)


def test_an_outer_scope_nested_template_s_export_holds_no_secret(azure: Azure) -> None:
    make_group(azure)
    inner = template(nsg("g"))
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2019-10-01", "name": "inner",
              "properties": {"mode": "Incremental", "template": inner}}  # fmt: skip
    tpl = template(nested, parameters={"pw": {"type": "securestring"}})
    body = {
        "properties": {"mode": "Incremental", "template": tpl, "parameters": {"pw": {"value": "S3cr3t-P@ss-canary"}}}
    }
    azure.deployments.deployments.begin_create_or_update("rg1", "outer", body).result()
    exported = azure.deployments.deployments.export_template("rg1", "inner")
    assert "canary" not in json.dumps(exported.as_dict())


def test_an_outer_scope_nested_template_references_its_parent_s_resources_by_name(azure: Azure) -> None:
    make_group(azure)
    inner = template(nsg("g", tags={"vnetGuid": "[reference('v').resourceGuid]"}))
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2019-10-01", "name": "n", "dependsOn": ["v"],
              "properties": {"mode": "Incremental", "template": inner}}  # fmt: skip
    result = deploy(azure, template(vnet("v"), nested))
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    guid = azure.network.virtual_networks.get("rg1", "v").resource_guid
    assert azure.network.network_security_groups.get("rg1", "g").tags == {"vnetGuid": guid}


def test_a_top_level_deployment_keeps_its_implicit_dependencies_whatever_its_options(azure: Azure) -> None:
    make_group(azure)
    tpl = template(vnet("v"), nsg("g", tags={"guid": "[reference('v').resourceGuid]"}))
    response = put(azure, {"template": tpl, "expressionEvaluationOptions": {"scope": "outer"}})
    assert response.status_code == 201
    depends = {
        d["resourceName"]: [x["resourceName"] for x in d["dependsOn"]]
        for d in response.json()["properties"]["dependencies"]
    }
    assert depends == {"g": ["v"]}


def test_nested_deployment_members_in_any_casing(azure: Azure) -> None:
    """{"ExpressionEvaluationOptions": {"Scope": "Inner"}}: the nested template keeps its own parameters."""
    make_group(azure)
    inner = template(nsg("[parameters('name')]"), parameters={"name": {"type": "string"}})
    nested = {"Type": "Microsoft.Resources/deployments", "apiVersion": "2019-10-01", "name": "n",
              "Properties": {"Mode": "Incremental", "ExpressionEvaluationOptions": {"Scope": "Inner"},
                             "Template": inner, "Parameters": {"name": {"value": "from-outer"}}}}  # fmt: skip
    result = deploy(azure, template(nested, parameters={"name": {"type": "string", "defaultValue": "outer-own"}}))
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    assert azure.network.network_security_groups.get("rg1", "from-outer").name == "from-outer"


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ({"type": "Microsoft.Network/loadBalancers/probes", "apiVersion": "2020-05-01", "name": "lb/p"},
         "InvalidResourceType"),  # read at its own URL, written only inside its load balancer
        ({**nsg("g"), "apiVersion": "latest"}, "NoRegisteredProviderFound"),
    ],
)  # fmt: skip
def test_what_cannot_be_put_is_refused_before_anything_is_made(
    azure: Azure, resource: dict[str, Any], code: str
) -> None:
    make_group(azure)
    response = put(azure, {"template": template(vnet("made-first"), resource)})
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    assert list(azure.resources.resources.list_by_resource_group("rg1")) == []


def test_a_conditioned_off_type_inside_a_nested_template_is_not_refused(azure: Azure) -> None:
    make_group(azure)
    off = {"type": "Microsoft.Network/bastionHosts", "apiVersion": "2020-06-01", "name": "b", "location": LOCATION,
           "condition": False}  # fmt: skip
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2019-10-01", "name": "n",
              "properties": {"mode": "Incremental", "template": template(off, nsg("g"))}}  # fmt: skip
    assert deploy(azure, template(nested)).properties.provisioning_state == "Succeeded"


def test_validate_and_what_if_bodies_bind_in_any_casing(azure: Azure) -> None:
    make_group(azure)
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/d1"
    body = {"Properties": {"Mode": "incremental", "Template": template(nsg("g"))}}
    assert azure.raw("POST", f"{path}/validate?api-version=2021-04-01", body).status_code == 200
    assert azure.raw("POST", f"{path}/whatIf?api-version=2021-04-01", body).status_code == 202
    assert azure.raw("PUT", f"/subscriptions/{azure.sub}/resourcegroups/rg2?api-version=2021-04-01",
                     {"Location": LOCATION}).status_code == 201  # fmt: skip


def test_an_integer_that_is_not_a_number_is_refused_not_a_crash(azure: Azure) -> None:
    make_group(azure)
    data = (
        '{"location": "westeurope", "properties": {"securityRules": [{"name": "r", "properties": {"priority": NaN}}]}}'
    )
    from azure.core.rest import HttpRequest

    request = HttpRequest("PUT", f"{azure.client_kwargs()['base_url']}{azure.rid('rg1', 'Microsoft.Network/networkSecurityGroups', 'g')}"
                          "?api-version=2020-05-01", content=data, headers={"Content-Type": "application/json"})  # fmt: skip
    response = azure.resources._client.send_request(request)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidRequestFormat")


def test_a_2016_public_ip_ignores_the_sku_that_version_did_not_have(azure: Azure) -> None:
    make_group(azure)
    body = {"location": LOCATION, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}}
    path = f"{azure.rid('rg1', 'Microsoft.Network/publicIPAddresses', 'ip')}?api-version=2016-09-01"
    assert azure.raw("PUT", path, body).status_code == 201
    assert azure.network.public_ip_addresses.get("rg1", "ip").sku.name == "Basic"


def test_routes_take_any_service_tag_and_ids_of_other_groups_are_no_dependency(azure: Azure) -> None:
    make_group(azure)
    table = {"type": "Microsoft.Network/routeTables", "apiVersion": "2020-05-01", "name": "t", "location": LOCATION,
             "properties": {"routes": [{"name": "r", "properties": {"addressPrefix": "Storage.WestEurope",
                                                                    "nextHopType": "Internet"}}]}}  # fmt: skip
    assert deploy(azure, template(table)).properties.provisioning_state == "Succeeded"
    other = f"/subscriptions/{azure.sub}/resourceGroups/elsewhere/providers/Microsoft.Network/routeTables/t"
    response = put(azure, {"template": template(table, nsg("g", dependsOn=[other]))}, name="d2")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidTemplate")


def test_an_old_availability_set_reads_managed_in_any_casing(azure: Azure) -> None:
    make_group(azure)
    avset = {"location": LOCATION, "properties": {"platformFaultDomainCount": 2, "Managed": True}}
    path = f"{azure.rid('rg1', 'Microsoft.Compute/availabilitySets', 'as')}?api-version=2016-04-30-preview"
    assert azure.raw("PUT", path, avset).status_code in (200, 201)
    assert azure.compute.availability_sets.get("rg1", "as").sku.name == "Aligned"
