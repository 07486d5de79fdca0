"""ARM template deployments through the real SDK (DeploymentsMgmtClient): deploy, validate, what-if, export.

The templates in ``templates/`` are written in the styles of the public quickstart gallery (both
schema generations, copy loops, conditions, nested and linked templates, reference/listKeys).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from azrm.emulator import EmulatorSettings, Latency, ManualClock
from azrm.templates.functions import unique_string
from tests.conftest import LOCATION, Azure, make_group

TEMPLATES = Path(__file__).parent / "templates"
PASSWORD = "Str0ng!Passw0rd-42"
DEPLOY_API = "2022-09-01"


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((TEMPLATES / name).read_text()))


def params(**values: Any) -> dict[str, Any]:
    return {k: {"value": v} for k, v in values.items()}


def deploy(azure: Azure, template: dict[str, Any], *, rg: str = "rg1", name: str = "d1", mode: str = "Incremental",
           **values: Any) -> Any:  # fmt: skip
    body = {"properties": {"mode": mode, "template": template, "parameters": params(**values)}}
    return azure.deployments.deployments.begin_create_or_update(rg, name, body).result()


def names(azure: Azure, rg: str = "rg1") -> dict[str, str]:
    return {r.name: r.type for r in azure.resources.resources.list_by_resource_group(rg)}


def operations(azure: Azure, name: str = "d1", rg: str = "rg1") -> list[Any]:
    return list(azure.deployments.deployment_operations.list(rg, name))


# -- quickstart-style templates ---------------------------------------------------------------------------
def test_storage_account_quickstart_2015_schema(azure: Azure) -> None:
    group = make_group(azure)
    result = deploy(azure, load("storage-account-2015.json"))
    props = result.properties
    assert props.provisioning_state == "Succeeded"
    expected = "store" + unique_string(group.id)
    outputs = props.outputs
    assert outputs["storageAccountName"]["value"] == expected
    account = azure.storage.storage_accounts.get_properties("rg1", expected)
    assert account.sku.name == "Standard_LRS" and account.kind == "StorageV2"
    assert outputs["blobEndpoint"]["value"] == account.primary_endpoints.blob
    assert outputs["keyCount"] == {"type": "Int", "value": 2}
    assert outputs["firstKey"] == {"type": "SecureString"}  # secure outputs carry no value
    assert props.output_resources[0].id == account.id
    assert props.parameters["storageAccountType"] == {"type": "String", "value": "Standard_LRS"}
    assert props.providers[0].namespace == "Microsoft.Storage"
    assert props.template_hash and props.correlation_id and props.duration.startswith("PT")


def test_vm_quickstart_with_references_and_a_secure_password(azure: Azure) -> None:
    make_group(azure)
    result = deploy(azure, load("vm-simple-windows.json"), adminUsername="azureuser", adminPassword=PASSWORD)
    assert result.properties.provisioning_state == "Succeeded"
    vm = azure.compute.virtual_machines.get("rg1", "simple-vm")
    assert vm.properties.storage_profile.image_reference.sku == "2022-datacenter-azure-edition"
    boot = vm.properties.diagnostics_profile.boot_diagnostics
    diag = next(a for a in azure.storage.storage_accounts.list_by_resource_group("rg1"))
    assert diag.name.startswith("bootdiags") and boot.storage_uri == diag.primary_endpoints.blob
    subnet = azure.network.subnets.get("rg1", "MyVNET", "Subnet")
    assert subnet.network_security_group.id.endswith("/networkSecurityGroups/default-NSG")
    pip = azure.network.public_ip_addresses.get("rg1", "myPublicIP")
    assert result.properties.outputs["hostname"]["value"] == pip.dns_settings.fqdn
    assert pip.dns_settings.domain_name_label.startswith("simple-vm-")
    assert result.properties.outputs["vmId"]["value"] == vm.properties.vm_id
    # the password is nowhere: not in the deployment, its operations, or its exported template
    seen = json.dumps(azure.raw("GET", f"{result.id}?api-version={DEPLOY_API}").json())
    seen += json.dumps([o.as_dict() for o in operations(azure)])
    seen += json.dumps(azure.deployments.deployments.export_template("rg1", "d1").template)
    assert PASSWORD not in seen
    assert result.properties.parameters["adminPassword"] == {"type": "SecureString"}
    # dependency order: the VM came after its NIC and storage account
    ends = {o.properties.target_resource.resource_name: o.properties.timestamp for o in operations(azure)}
    assert ends["simple-vm"] >= ends["myVMNic"] >= ends["MyVNET/Subnet"] >= ends["MyVNET"]
    dependencies = {d.resource_name: {x.resource_name for x in d.depends_on} for d in result.properties.dependencies}
    assert dependencies["simple-vm"] == {"myVMNic", diag.name}


def test_copy_loops_property_copy_variable_copy_and_conditions(azure: Azure) -> None:
    make_group(azure)
    result = deploy(azure, load("copy-and-conditions.json"))
    created = names(azure)
    assert {"app-dev-ip-1", "app-dev-ip-2", "app-dev-ip-3", "app-dev-nsg", "app-dev-vnet"} == set(created)
    outputs = result.properties.outputs
    assert outputs["ipNames"]["value"] == ["app-dev-ip-1", "app-dev-ip-2", "app-dev-ip-3"]
    assert outputs["ruleCount"]["value"] == 3 and outputs["tier"]["value"] == "development"
    rules = azure.network.network_security_groups.get("rg1", "app-dev-nsg").security_rules
    assert [(r.name, r.priority, r.destination_port_range) for r in rules] == [
        ("allow-80", 100, "80"),
        ("allow-443", 101, "443"),
        ("allow-8080", 102, "8080"),
    ]
    subnets = azure.network.virtual_networks.get("rg1", "app-dev-vnet").subnets
    assert [(s.name, s.address_prefix) for s in subnets] == [("subnet0", "10.0.0.0/24"), ("subnet1", "10.0.1.0/24")]
    # the false condition created nothing and no operation
    assert all("prod-only" not in o.properties.target_resource.resource_name for o in operations(azure))
    prod = deploy(azure, load("copy-and-conditions.json"), name="prod", environment="prod", ipCount=0)
    assert "app-prod-prod-only" in names(azure) and prod.properties.outputs["ipNames"]["value"] == []


def test_nested_inline_templates_with_outer_and_inner_scope(azure: Azure) -> None:
    make_group(azure)
    result = deploy(azure, load("nested-inline.json"))
    assert result.properties.provisioning_state == "Succeeded"
    vnet = azure.network.virtual_networks.get("rg1", "nested-vnet")
    assert vnet.address_space.address_prefixes == ["10.1.0.0/16"]  # the outer template's variable
    ip = azure.network.public_ip_addresses.get("rg1", "nested-vnet-ip")
    assert ip.tags == {"seen": "this is the inner variable"}  # the inner template's own variable
    assert result.properties.outputs["fromInner"]["value"] == ip.id
    assert result.properties.outputs["vnetPrefix"]["value"] == "10.1.0.0/16"
    history = {
        d.name: d.properties.provisioning_state for d in azure.deployments.deployments.list_by_resource_group("rg1")
    }
    assert history == {"d1": "Succeeded", "outerScoped": "Succeeded", "innerScoped": "Succeeded"}
    inner_ops = operations(azure, "innerScoped")
    assert [o.properties.target_resource.resource_name for o in inner_ops] == ["nested-vnet-ip"]
    parent_ops = {o.properties.target_resource.resource_type for o in operations(azure)}
    assert parent_ops == {"Microsoft.Resources/deployments"}


# -- linked templates ------------------------------------------------------------------------------------
def stage(azure: Azure, account: str, files: dict[str, Path]) -> tuple[str, str]:
    """Upload template files to a private container; return the base URL and a read-only SAS."""
    from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

    azure.storage.storage_accounts.begin_create(
        "rg1", account, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    key = azure.storage.storage_accounts.list_keys("rg1", account).keys_property[0].value
    endpoint = azure.storage.storage_accounts.get_properties("rg1", account).primary_endpoints.blob
    service = BlobServiceClient(endpoint, credential={"account_name": account, "account_key": key})
    container = service.create_container("templates")
    for blob, path in files.items():
        container.upload_blob(blob, path.read_bytes())
    sas = generate_container_sas(
        account, "templates", account_key=key, permission=ContainerSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(minutes=10),
    )  # fmt: skip
    return f"{endpoint}templates/", sas


def linked_files() -> dict[str, Path]:
    root = TEMPLATES / "linked"
    return {str(p.relative_to(root)): p for p in root.rglob("*.json")}


def test_linked_templates_with_relative_paths_and_a_sas(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    base, sas = stage(azure, unique("tpl"), linked_files())
    storage = unique("data")
    body = {
        "properties": {
            "mode": "Incremental",
            "templateLink": {"uri": base + "master.json", "queryString": sas},
            "parameters": params(storageName=storage),
        }
    }
    result = azure.deployments.deployments.begin_create_or_update("rg1", "master", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.template_link.uri == base + "master.json"
    account = azure.storage.storage_accounts.get_properties("rg1", storage)
    assert result.properties.outputs["blob"]["value"] == account.primary_endpoints.blob
    vnet = azure.network.virtual_networks.get("rg1", "linked-vnet")
    assert result.properties.outputs["subnetId"]["value"] == vnet.subnets[0].id
    network = azure.deployments.deployments.get("rg1", "linkedNetwork")
    assert network.properties.template_link.uri == base + "nested/network.json"
    assert network.properties.outputs["templateUri"]["value"] == base + "nested/network.json"
    assert sas not in json.dumps(network.properties.outputs)


def test_linked_templates_come_only_from_the_local_azures_storage(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    base, _ = stage(azure, unique("tpl"), linked_files())
    cases = {
        "https://raw.githubusercontent.com/Azure/azure-quickstart-templates/master/azuredeploy.json": "InvalidContentLink",
        base + "master.json": "InvalidContentLink",  # private container, no SAS
        base + "missing.json?sv=x": "InvalidContentLink",
    }
    for uri, code in cases.items():
        body = {"properties": {"mode": "Incremental", "templateLink": {"uri": uri}}}
        with pytest.raises(HttpResponseError) as err:
            azure.deployments.deployments.begin_create_or_update("rg1", "bad", body)
        assert err.value.error.code == code, uri
    body = {"properties": {"mode": "Incremental", "templateLink": {"relativePath": "storage.json"}}}
    with pytest.raises(HttpResponseError) as err:
        azure.deployments.deployments.begin_create_or_update("rg1", "bad", body)
    assert err.value.error.code == "InvalidTemplateDeployment"


# -- modes and history -------------------------------------------------------------------------------
def test_complete_mode_removes_what_the_template_does_not_list(azure: Azure) -> None:
    make_group(azure)
    deploy(azure, load("copy-and-conditions.json"))
    assert len(names(azure)) == 5
    result = deploy(azure, load("copy-and-conditions.json"), name="d2", mode="Complete", ipCount=1)
    assert result.properties.mode == "Complete"
    assert set(names(azure)) == {"app-dev-ip-1", "app-dev-nsg", "app-dev-vnet"}
    deleted = [o for o in operations(azure, "d2") if o.properties.provisioning_operation == "Delete"]
    assert {o.properties.target_resource.resource_name for o in deleted} == {"app-dev-ip-2", "app-dev-ip-3"}


def test_history_redeploy_and_delete(azure: Azure) -> None:
    make_group(azure)
    template = load("storage-account-2015.json")
    first = azure.raw("PUT", f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/"
                      f"d1?api-version={DEPLOY_API}", {"properties": {"mode": "Incremental", "template": template}})  # fmt: skip
    assert first.status_code == 201 and "Azure-AsyncOperation" in first.headers
    assert first.json()["properties"]["provisioningState"] == "Accepted"
    deploy(azure, template)  # the same name again: an update
    deploy(azure, template, name="d2")
    listed = [d.name for d in azure.deployments.deployments.list_by_resource_group("rg1")]
    assert sorted(listed) == ["d1", "d2"]
    assert azure.deployments.deployments.check_existence("rg1", "d2")
    azure.deployments.deployments.begin_delete("rg1", "d2").result()
    assert not azure.deployments.deployments.check_existence("rg1", "d2")
    with pytest.raises(ResourceNotFoundError) as missing:
        azure.deployments.deployments.get("rg1", "d2")
    assert missing.value.error.code == "DeploymentNotFound"
    # deleting a deployment leaves its resources
    assert any(t == "Microsoft.Storage/storageAccounts" for t in names(azure).values())
    # deployments are not resources of the group
    assert all(t != "Microsoft.Resources/deployments" for t in names(azure).values())


# -- failures --------------------------------------------------------------------------------------------
def test_template_errors_name_the_path(azure: Azure) -> None:
    make_group(azure)
    bad_function = load("storage-account-2015.json")
    bad_function["variables"]["storageAccountName"] = "[concat('store', uniqueStrin(resourceGroup().id))]"
    cycle = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Network/publicIPAddresses",
                "apiVersion": "2023-04-01",
                "name": n,
                "location": LOCATION,
                "dependsOn": [other],
            }
            for n, other in (("a", "b"), ("b", "a"))
        ],
    }
    cases: list[tuple[dict[str, Any], dict[str, Any], str]] = [
        (bad_function, {}, "uniqueStrin"),
        (load("storage-account-2015.json"), params(storageAccountType="Cheap_LRS"), "storageAccountType"),
        (load("vm-simple-windows.json"), params(adminUsername="u"), "adminPassword"),
        (load("vm-simple-windows.json"), params(adminUsername="u", adminPassword="short"), "adminPassword"),
        (cycle, {}, "ircular"),
    ]
    for template, parameters, needle in cases:
        body = {"properties": {"mode": "Incremental", "template": template, "parameters": parameters}}
        with pytest.raises(HttpResponseError) as err:
            azure.deployments.deployments.begin_create_or_update("rg1", "bad", body)
        assert err.value.status_code == 400
        assert err.value.error.code == "InvalidTemplate", err.value.error.message
        assert needle in err.value.error.message
        assert "short" not in err.value.error.message  # a secure value is never echoed
    with pytest.raises(HttpResponseError) as err:
        azure.deployments.deployments.begin_create_or_update(
            "rg1", "bad", {"properties": {"mode": "Sideways", "template": cycle}}
        )
    assert err.value.error.code == "InvalidDeploymentMode"
    assert not list(azure.deployments.deployments.list_by_resource_group("rg1"))  # nothing was recorded


def test_a_failing_resource_fails_the_deployment_with_its_error(azure: Azure) -> None:
    make_group(azure)
    template = load("copy-and-conditions.json")
    # a NIC pointing at a subnet that does not exist fails at the provider, after the others were made
    template["resources"].append(
        {
            "type": "Microsoft.Network/networkInterfaces",
            "apiVersion": "2023-04-01",
            "name": "broken-nic",
            "location": LOCATION,
            "dependsOn": ["app-dev-vnet"],
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "c",
                        "properties": {
                            "subnet": {
                                "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'app-dev-vnet', 'nope')]"
                            }
                        },
                    }
                ]
            },
        }
    )
    template["resources"].append(
        {
            "type": "Microsoft.Network/publicIPAddresses",
            "apiVersion": "2023-04-01",
            "name": "after-nic",
            "location": LOCATION,
            "dependsOn": ["broken-nic"],
            "properties": {},
        }
    )
    with pytest.raises(HttpResponseError) as err:
        deploy(azure, template)
    assert err.value.error.code == "DeploymentFailed"
    deployment = azure.deployments.deployments.get("rg1", "d1")
    assert deployment.properties.provisioning_state == "Failed"
    assert deployment.properties.error.code == "DeploymentFailed"
    assert deployment.properties.error.details[0].code == "InvalidResourceReference"
    failed = [o for o in operations(azure) if o.properties.provisioning_state == "Failed"]
    assert [o.properties.target_resource.resource_name for o in failed] == ["broken-nic"]
    assert failed[0].properties.status_code == "BadRequest"
    assert failed[0].properties.status_message["error"]["code"] == "InvalidResourceReference"
    got = azure.deployments.deployment_operations.get("rg1", "d1", failed[0].operation_id)
    assert got.properties.target_resource.resource_name == "broken-nic"
    created = names(azure)
    assert "app-dev-vnet" in created and "after-nic" not in created and "broken-nic" not in created


def test_a_nested_failure_surfaces_in_the_parent(azure: Azure) -> None:
    make_group(azure)
    template = load("nested-inline.json")
    inner = template["resources"][1]["properties"]["template"]["resources"][0]
    inner["properties"]["publicIPAllocationMethod"] = "Sometimes"
    with pytest.raises(HttpResponseError) as err:
        deploy(azure, template)
    assert err.value.error.code == "DeploymentFailed"
    parent = azure.deployments.deployments.get("rg1", "d1").properties.error
    nested = parent.details[0]
    assert nested.code == "DeploymentFailed" and nested.details[0].code != "DeploymentFailed"
    assert azure.deployments.deployments.get("rg1", "innerScoped").properties.provisioning_state == "Failed"


@pytest.fixture
def slow(make_azure: Callable[..., Azure]) -> Azure:
    return make_azure(EmulatorSettings(latency=Latency.realistic(), clock=ManualClock()))


def put_deployment(azure: Azure, template: dict[str, Any], name: str = "d1", **values: Any) -> Any:
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/{name}"
    body = {"properties": {"mode": "Incremental", "template": template, "parameters": params(**values)}}
    return azure.raw("PUT", f"{path}?api-version={DEPLOY_API}", body)


def state(azure: Azure, name: str = "d1") -> str:
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/{name}"
    return str(azure.raw("GET", f"{path}?api-version={DEPLOY_API}").json()["properties"]["provisioningState"])


def test_parallel_and_serial_copy_take_the_time_they_should(slow: Azure) -> None:
    make_group(slow)
    slow.emu.advance(60)
    template = load("copy-and-conditions.json")
    template["resources"] = template["resources"][:1]  # 3 public IPs, serial in batches of 2: 2 rounds of 3 s
    template["outputs"] = {}
    put = put_deployment(slow, template)
    assert put.status_code == 201
    status = slow.raw("GET", "/" + put.headers["Azure-AsyncOperation"].split("/", 3)[3])
    assert status.json() == {"status": "Running"} and "Retry-After" in status.headers
    slow.emu.advance(1)
    assert state(slow) == "Running"
    running = operations(slow)  # operations are listed as they start, Running, as in ARM
    assert [o.properties.provisioning_state for o in running] == ["Running", "Running"]
    slow.emu.advance(5)
    assert state(slow) == "Succeeded"
    assert [o.properties.provisioning_state for o in operations(slow)] == ["Succeeded"] * 3
    path = f"/subscriptions/{slow.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/d1"
    assert slow.raw("GET", f"{path}?api-version={DEPLOY_API}").json()["properties"]["duration"] == "PT6.0000000S"
    template["resources"][0]["copy"] = {"name": "ipLoop", "count": 3}  # parallel: one round
    template["resources"][0]["name"] = "[concat('par-', copyIndex())]"
    put_deployment(slow, template, name="d2")
    slow.emu.advance(3)
    assert state(slow, "d2") == "Succeeded"


def test_running_deployments_refuse_a_second_put_and_can_be_canceled(slow: Azure) -> None:
    make_group(slow)
    slow.emu.advance(60)
    template = load("copy-and-conditions.json")
    put_deployment(slow, template)
    slow.emu.advance(1)
    again = put_deployment(slow, template)
    assert again.status_code == 409 and again.json()["error"]["code"] == "DeploymentActive"
    deployments = slow.deployments.deployments
    deployments.cancel("rg1", "d1")
    slow.emu.advance(1)
    assert state(slow) == "Canceled"
    with pytest.raises(HttpResponseError) as err:
        deployments.cancel("rg1", "d1")
    assert err.value.error.code == "DeploymentCannotBeCancelled"


# -- validate, what-if, export -------------------------------------------------------------------------
def test_validate_lists_the_resources_and_writes_nothing(azure: Azure) -> None:
    make_group(azure)
    body = {"properties": {"mode": "Incremental", "template": load("copy-and-conditions.json")}}
    result = azure.deployments.deployments.begin_validate("rg1", "v1", body).result()
    assert result.properties.provisioning_state == "Succeeded" and result.properties.duration == "PT0S"
    validated = sorted(r.id.rsplit("/", 1)[-1] for r in result.properties.validated_resources)
    assert validated == ["app-dev-ip-1", "app-dev-ip-2", "app-dev-ip-3", "app-dev-nsg", "app-dev-vnet"]
    assert not names(azure) and not list(azure.deployments.deployments.list_by_resource_group("rg1"))
    body["properties"]["parameters"] = params(ipCount=11)
    with pytest.raises(HttpResponseError) as err:
        azure.deployments.deployments.begin_validate("rg1", "v1", body).result()
    assert err.value.error.code == "InvalidTemplate" and "ipCount" in err.value.error.message


def what_if(azure: Azure, template: dict[str, Any], mode: str = "Incremental", **values: Any) -> dict[str, Any]:
    body = {"properties": {"mode": mode, "template": template, "parameters": params(**values)}}
    result = azure.deployments.deployments.begin_what_if("rg1", "wi", body).result()
    assert result.status == "Succeeded"
    return {c.resource_id.rsplit("/", 1)[-1]: c for c in result.changes}


def test_what_if_predicts_create_modify_nochange_ignore_and_delete(azure: Azure) -> None:
    make_group(azure)
    template = load("copy-and-conditions.json")
    first = what_if(azure, template)
    assert {n: c.change_type for n, c in first.items()} == dict.fromkeys(
        ["app-dev-ip-1", "app-dev-ip-2", "app-dev-ip-3", "app-dev-nsg", "app-dev-vnet"], "Create"
    )
    assert first["app-dev-nsg"].after["properties"]["securityRules"][2]["name"] == "allow-8080"
    assert not names(azure)  # a what-if writes nothing
    deploy(azure, template)
    azure.network.public_ip_addresses.begin_create_or_update(
        "rg1", "stranger", {"location": LOCATION, "properties": {}}
    ).result()
    again = what_if(azure, template)
    assert again["app-dev-vnet"].change_type == "NoChange" and not again["app-dev-vnet"].delta
    assert again["stranger"].change_type == "Ignore"
    changed = load("copy-and-conditions.json")
    changed["resources"][2]["tags"] = {"owner": "web-team"}
    changed["resources"][2]["properties"]["addressSpace"]["addressPrefixes"] = ["10.0.0.0/15"]
    modified = what_if(azure, changed, mode="Complete", ipCount=2, ports=[80, 443])
    vnet = modified["app-dev-vnet"]
    assert vnet.change_type == "Modify"
    deltas = {d.path: d for d in vnet.delta}
    assert deltas["tags.owner"].property_change_type == "Create" and deltas["tags.owner"].after == "web-team"
    prefixes = deltas["properties.addressSpace.addressPrefixes"]
    assert prefixes.property_change_type == "Array"
    assert prefixes.children[0].before == "10.0.0.0/16" and prefixes.children[0].after == "10.0.0.0/15"
    assert vnet.before["properties"]["addressSpace"]["addressPrefixes"] == ["10.0.0.0/16"]
    assert vnet.after["properties"]["addressSpace"]["addressPrefixes"] == ["10.0.0.0/15"]
    rules = {d.path: d for d in modified["app-dev-nsg"].delta}["properties.securityRules"]
    assert [(c.path, c.property_change_type) for c in rules.children] == [("2", "Delete")]
    assert modified["app-dev-ip-3"].change_type == "Delete" and modified["stranger"].change_type == "Delete"
    assert modified["app-dev-ip-1"].change_type == "NoChange"


def test_what_if_expands_nested_templates_and_hides_secrets(azure: Azure) -> None:
    make_group(azure)
    changes = what_if(azure, load("nested-inline.json"))
    assert {n: c.change_type for n, c in changes.items()} == {"nested-vnet": "Create", "nested-vnet-ip": "Create"}
    assert changes["nested-vnet"].after["properties"]["addressSpace"]["addressPrefixes"] == ["10.1.0.0/16"]
    vm = what_if(azure, load("vm-simple-windows.json"), adminUsername="azureuser", adminPassword=PASSWORD)
    shown = vm["simple-vm"].after
    assert shown["properties"]["osProfile"]["adminPassword"] == "[parameters('adminPassword')]"
    # values known only while deploying stay as expressions
    storage_uri = shown["properties"]["diagnosticsProfile"]["bootDiagnostics"]["storageUri"]
    assert storage_uri.startswith("[reference(")
    raw = azure.raw(
        "POST",
        f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/wi/whatIf"
        f"?api-version={DEPLOY_API}",
        {
            "properties": {
                "mode": "Incremental",
                "template": load("vm-simple-windows.json"),
                "parameters": params(adminUsername="azureuser", adminPassword=PASSWORD),
            }
        },
    )
    assert raw.status_code == 202 and "Location" in raw.headers and not raw.text()
    final = azure.raw("GET", "/" + raw.headers["Location"].split("/", 3)[3])
    assert final.status_code == 200 and PASSWORD not in final.text()


def test_what_if_reports_template_errors_as_a_failed_result(azure: Azure) -> None:
    make_group(azure)
    body = {"properties": {"mode": "Incremental", "template": load("vm-simple-windows.json")}}
    with pytest.raises(HttpResponseError) as err:
        azure.deployments.deployments.begin_what_if("rg1", "wi", body).result()
    assert err.value.error.code == "InvalidTemplate" and "adminUsername" in err.value.error.message


def test_deployment_export_returns_the_template_as_given(azure: Azure) -> None:
    make_group(azure)
    template = load("copy-and-conditions.json")
    deploy(azure, template)
    assert azure.deployments.deployments.export_template("rg1", "d1").template == template


def test_resource_group_export_redeploys_to_the_same_resources(azure: Azure) -> None:
    make_group(azure)
    deploy(azure, load("vm-simple-windows.json"), adminUsername="azureuser", adminPassword=PASSWORD)
    before = {(t, n) for n, t in names(azure).items() if t != "Microsoft.Compute/disks"}
    exported = azure.resources.resource_groups.begin_export_template(
        "rg1", {"resources": ["*"], "options": "IncludeParameterDefaultValue"}
    ).result()
    template = exported.template
    assert exported.error is None
    text = json.dumps(template)
    assert PASSWORD not in text and "provisioningState" not in text and "resourceGuid" not in text
    vm = next(r for r in template["resources"] if r["type"] == "Microsoft.Compute/virtualMachines")
    assert vm["name"] == "[parameters('virtualMachines_simple_vm_name')]"
    assert (
        "[resourceId('Microsoft.Network/networkInterfaces', parameters('networkInterfaces_myVMNic_name'))]"
        in vm["dependsOn"]
    )
    password = vm["properties"]["osProfile"]["adminPassword"]
    assert password.startswith("[parameters(") and template["parameters"][password[13:-3]]["type"] == "SecureString"
    assert all(r["type"] != "Microsoft.Compute/disks" for r in template["resources"])  # made by the VM
    azure.resources.resource_groups.begin_delete("rg1").result()  # names are global: free them first
    make_group(azure, "copy")
    secret = {password[13:-3]: {"value": PASSWORD}}
    body = {"properties": {"mode": "Incremental", "template": template, "parameters": secret}}
    azure.deployments.deployments.begin_create_or_update("copy", "redeploy", body).result()
    assert {(t, n) for n, t in names(azure, "copy").items() if t != "Microsoft.Compute/disks"} == before
    plain = azure.resources.resource_groups.begin_export_template("copy", {"resources": ["*"]}).result().template
    assert all("defaultValue" not in p for p in plain["parameters"].values())  # Azure's default: no defaults
    literal = (
        azure.resources.resource_groups.begin_export_template(
            "copy", {"resources": ["*"], "options": "SkipResourceNameParameterization"}
        )
        .result()
        .template
    )
    assert {r["name"] for r in literal["resources"]} >= {"simple-vm", "myVMNic", "MyVNET"}


def test_a_restart_fails_the_deployment_it_interrupted(tmp_path: Path) -> None:
    from azrm.emulator import Emulator

    settings = EmulatorSettings(state_path=str(tmp_path / "azure.sqlite"), latency=Latency.realistic(),
                                clock=ManualClock())  # fmt: skip
    first = Azure(Emulator(settings), "inprocess")
    make_group(first)
    first.emu.advance(60)
    assert put_deployment(first, load("copy-and-conditions.json")).status_code == 201
    first.emu.advance(1)
    assert state(first) == "Running"
    first.emu.close()
    second = Azure(Emulator(settings), "inprocess")
    deployment = second.deployments.deployments.get("rg1", "d1")
    assert deployment.properties.provisioning_state == "Failed"
    assert deployment.properties.error.code == "DeploymentInterrupted"
    second.emu.close()


SSH_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7local azrm@test"


def test_copy_looped_linux_vms_in_an_availability_set_2015_schema(azure: Azure) -> None:
    make_group(azure)
    result = deploy(azure, load("linux-vms-availability-set-2015.json"), numberOfInstances=3, sshPublicKey=SSH_KEY)
    assert result.properties.provisioning_state == "Succeeded"
    avset = azure.compute.availability_sets.get("rg1", "web-avset")
    vms = [azure.compute.virtual_machines.get("rg1", f"web{i}") for i in range(3)]
    assert sorted(v.id.lower() for v in avset.properties.virtual_machines) == sorted(v.id.lower() for v in vms)
    keys = vms[0].properties.os_profile.linux_configuration.ssh.public_keys
    assert keys[0].path == "/home/azureuser/.ssh/authorized_keys" and keys[0].key_data == SSH_KEY
    addresses = result.properties.outputs["privateAddresses"]["value"]
    assert addresses == [azure.network.network_interfaces.get("rg1", f"web-nic{i}").ip_configurations[0]
                         .private_ip_address for i in range(3)]  # fmt: skip
    assert len(set(addresses)) == 3 and all(a.startswith("10.1.0.") for a in addresses)
    assert result.properties.outputs["vmIds"]["value"] == [v.properties.vm_id for v in vms]
    # each VM waited for its own NIC (dependsOn built with copyIndex()), not for all of them
    deps = {d.resource_name: sorted(x.resource_name for x in d.depends_on) for d in result.properties.dependencies}
    assert deps["web1"] == ["web-avset", "web-nic1"]


def test_template_and_parameters_links_with_a_sas_in_the_uri(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    parameters = TEMPLATES / "linked" / "storage.parameters.json"
    files = {**linked_files(), "storage.parameters.json": parameters}
    base, sas = stage(azure, unique("tpl"), files)
    body = {
        "properties": {
            "mode": "Incremental",
            "templateLink": {"uri": f"{base}storage.json?{sas}"},  # the SAS in the URI itself
            "parametersLink": {"uri": f"{base}storage.parameters.json", "queryString": sas},
        }
    }
    result = azure.deployments.deployments.begin_create_or_update("rg1", "linkedparams", body).result()
    name = json.loads(parameters.read_text())["parameters"]["storageName"]["value"]
    assert result.properties.parameters["storageName"]["value"] == name
    assert azure.storage.storage_accounts.get_properties("rg1", name).name == name


def test_history_is_trimmed_as_arm_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from azrm.emulator import Emulator
    from azrm.emulator.providers.deployments import responses as backend

    monkeypatch.setattr(backend, "HISTORY_TRIM_AT", 5)  # ARM: 700, down to 600
    monkeypatch.setattr(backend, "HISTORY_TRIM_TO", 3)
    azure = Azure(Emulator(EmulatorSettings(clock=ManualClock())), "inprocess")
    make_group(azure)
    empty = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
             "contentVersion": "1.0.0.0", "resources": []}  # fmt: skip
    for i in range(5):
        put_deployment(azure, empty, name=f"d{i}")
        azure.emu.advance(1)
    assert len(list(azure.deployments.deployments.list_by_resource_group("rg1"))) == 5
    put_deployment(azure, empty, name="d5")  # the sixth: the oldest go, down to three, then it is added
    names = sorted(d.name for d in azure.deployments.deployments.list_by_resource_group("rg1"))
    assert names == ["d2", "d3", "d4", "d5"]
    azure.emu.close()


def test_complete_mode_keeps_what_nested_deployments_made(azure: Azure) -> None:
    make_group(azure)
    azure.network.public_ip_addresses.begin_create_or_update("rg1", "stranger", {"location": LOCATION}).result()
    result = deploy(azure, load("nested-inline.json"), mode="Complete")
    assert result.properties.provisioning_state == "Succeeded"
    assert set(names(azure)) == {"nested-vnet", "nested-vnet-ip"}  # the stranger went, the nested ones stayed
