"""The template writer, the what-if report, local template files and parameter checks, with no emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azrm.templates.base import Context, TemplateError
from azrm.templates.engine import Template
from azrm.templates.local import LocalTemplateError, read_local_template
from azrm.templates.parameters import check_parameters
from azrm.templates.report import WhatIfReport
from azrm.templates.writer import Expr, Prefix, WrittenResource, strip_read_only, write_template

SUB = "/subscriptions/s/resourceGroups/rg1/providers"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def resource(rid: str, rtype: str, body: dict[str, Any], api: str = "2024-03-01") -> WrittenResource:
    return WrittenResource(rid, rtype, api, body)


# -- the writer ----------------------------------------------------------------------------------------
def test_writer_turns_ids_into_resource_ids_and_dependencies() -> None:
    vnet = resource(f"{SUB}/Microsoft.Network/virtualNetworks/v1", "Microsoft.Network/virtualNetworks",
                    {"location": "westeurope", "properties": {"subnets": [{"name": "s1"}]}})  # fmt: skip
    nic = resource(
        f"{SUB}/Microsoft.Network/networkInterfaces/n1",
        "Microsoft.Network/networkInterfaces",
        {"location": "westeurope", "properties": {"ipConfigurations": [{"name": "c", "properties": {
            "subnet": {"id": f"{SUB.upper()}/Microsoft.Network/virtualNetworks/v1/subnets/s1"},
            "other": {"id": "/subscriptions/s/resourceGroups/elsewhere/providers/A.B/c/d"},
        }}]}},
    )  # fmt: skip
    ext = resource(f"{SUB}/Microsoft.Compute/virtualMachines/vm1/extensions/e1",
                   "Microsoft.Compute/virtualMachines/extensions", {"properties": {"x": "[not an expression"}})  # fmt: skip
    vm = resource(f"{SUB}/Microsoft.Compute/virtualMachines/vm1", "Microsoft.Compute/virtualMachines",
                  {"location": "westeurope", "properties": {"marker": Expr("parameters('p')")}})  # fmt: skip
    template = write_template([vnet, nic, vm, ext], location="westeurope")
    assert template["$schema"] == SCHEMA and template["contentVersion"] == "1.0.0.0"
    assert template["parameters"]["location"] == {"type": "String", "defaultValue": "[resourceGroup().location]"}
    out = {r["name"]: r for r in template["resources"]}
    config = out["n1"]["properties"]["ipConfigurations"][0]["properties"]
    assert config["subnet"]["id"] == "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v1', 's1')]"
    assert config["other"]["id"] == "/subscriptions/s/resourceGroups/elsewhere/providers/A.B/c/d"  # not ours
    assert out["n1"]["dependsOn"] == ["[resourceId('Microsoft.Network/virtualNetworks', 'v1')]"]
    assert out["n1"]["location"] == "[parameters('location')]"
    assert out["vm1/e1"]["dependsOn"] == ["[resourceId('Microsoft.Compute/virtualMachines', 'vm1')]"]
    assert out["vm1/e1"]["properties"]["x"] == "[[not an expression"  # a literal '[' is escaped
    assert out["vm1"]["properties"]["marker"] == "[parameters('p')]"
    assert "dependsOn" not in out["v1"]
    # and the template it writes is one the engine accepts, in that order
    context = Context(subscription_id="s", resource_group="rg1", location="westeurope", deployment_name="d")
    waves = Template(template, {}, context).order()
    assert [[r.name for r in wave] for wave in waves] == [["v1", "vm1"], ["n1", "vm1/e1"]]


def test_writer_parameterizes_secrets_names_and_prefixes() -> None:
    account = resource(f"{SUB}/Microsoft.Storage/storageAccounts/st1", "Microsoft.Storage/storageAccounts",
                       {"location": "eastus"})  # fmt: skip
    vm = resource(
        f"{SUB}/Microsoft.Compute/virtualMachines/vm1",
        "Microsoft.Compute/virtualMachines",
        {"location": "eastus", "properties": {
            "osProfile": {"adminPassword": "S3cret!pass"},
            "storageProfile": {"osDisk": {"vhd": {"uri": "http://127.0.0.1:10000/st1/vhds/d.vhd"}}},
        }},
    )  # fmt: skip
    endpoint = Prefix("http://127.0.0.1:10000/st1/", "reference('st1').primaryEndpoints.blob", account.id)
    template = write_template([account, vm], secrets={"S3cret!pass": "adminPassword"}, prefixes=[endpoint],
                              parameterize_names=True, include_parameter_defaults=False)  # fmt: skip
    text = json.dumps(template)
    assert "S3cret!pass" not in text and "127.0.0.1" not in text
    params = template["parameters"]
    assert params["adminPassword"] == {"type": "SecureString"}
    assert params["virtualMachines_vm1_name"] == {"type": "String"}  # Azure's export: no default unless asked
    out = template["resources"][1]
    assert out["name"] == "[parameters('virtualMachines_vm1_name')]"
    assert out["properties"]["osProfile"]["adminPassword"] == "[parameters('adminPassword')]"
    uri = out["properties"]["storageProfile"]["osDisk"]["vhd"]["uri"]
    assert uri == "[concat(reference('st1').primaryEndpoints.blob, 'vhds/d.vhd')]"
    assert out["dependsOn"] == [
        "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccounts_st1_name'))]"
    ]
    assert out["location"] == "eastus"  # no location parameter asked for


def test_strip_read_only_keeps_what_a_template_sets() -> None:
    lb = {
        "id": "x", "etag": "e", "name": "lb", "type": "Microsoft.Network/loadBalancers", "location": "westeurope",
        "properties": {
            "provisioningState": "Succeeded", "resourceGuid": "g",
            "backendAddressPools": [{"name": "pool", "id": "p", "etag": "e", "type": "t",
                                     "properties": {"backendIPConfigurations": [{"id": "i"}]}}],
            "inboundNatRules": [
                {"name": "rdp.0", "properties": {"backendIPConfiguration": {
                    "id": f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/0/x"}}},
                {"name": "mine", "properties": {"frontendPort": 3389, "backendIPConfiguration": {"id": "/nic"}}},
            ],
        },
    }  # fmt: skip
    out = strip_read_only("Microsoft.Network/loadBalancers", lb)
    assert out == {
        "location": "westeurope",
        "properties": {
            "backendAddressPools": [{"name": "pool", "properties": {}}],
            "inboundNatRules": [{"name": "mine", "properties": {"frontendPort": 3389}}],
        },
    }
    vm = {"properties": {"vmId": "v", "storageProfile": {"osDisk": {"createOption": "FromImage", "osType": "Windows",
          "managedDisk": {"id": "/d", "storageAccountType": "Standard_LRS"}}}}}  # fmt: skip
    assert strip_read_only("Microsoft.Compute/virtualMachines", vm) == {
        "properties": {"storageProfile": {"osDisk": {"createOption": "FromImage",
                                                     "managedDisk": {"storageAccountType": "Standard_LRS"}}}}}  # fmt: skip
    nic = {"properties": {"ipConfigurations": [
        {"name": "a", "properties": {"privateIPAllocationMethod": "Dynamic", "privateIPAddress": "10.0.0.4"}},
        {"name": "b", "properties": {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.0.9"}},
    ]}}  # fmt: skip
    configs = strip_read_only("Microsoft.Network/networkInterfaces", nic)["properties"]["ipConfigurations"]
    assert [c["properties"].get("privateIPAddress") for c in configs] == [None, "10.0.0.9"]


# -- the what-if report ------------------------------------------------------------------------------------
def test_what_if_report_text_and_table() -> None:
    result = {
        "status": "Succeeded",
        "properties": {"changes": [
            {"resourceId": f"{SUB}/Microsoft.Network/virtualNetworks/v1", "changeType": "Modify",
             "before": {"apiVersion": "2024-03-01"},
             "delta": [
                 {"path": "tags.owner", "propertyChangeType": "Create", "after": "web"},
                 {"path": "properties.addressSpace.addressPrefixes", "propertyChangeType": "Array", "children": [
                     {"path": "0", "propertyChangeType": "Modify", "before": "10.0.0.0/16", "after": "10.0.0.0/15"}]},
                 {"path": "properties.old", "propertyChangeType": "Delete", "before": 1},
             ]},
            {"resourceId": f"{SUB}/Microsoft.Compute/virtualMachines/vm1/extensions/dsc", "changeType": "Create",
             "after": {"apiVersion": "2024-07-01"}},
            {"resourceId": f"{SUB}/Microsoft.Resources/deployments/n", "changeType": "Unsupported",
             "unsupportedReason": "Nested deployment: why."},
        ]},
    }  # fmt: skip
    report = WhatIfReport(result)
    text = str(report)
    assert report.counts() == {"Modify": 1, "Create": 1, "Unsupported": 1} and len(report) == 3
    assert text.index("+ Microsoft.Compute/virtualMachines/extensions/vm1/dsc [2024-07-01]") < text.index("~ Micro")
    assert '      + tags.owner: "web"' in text
    assert '        ~ 0: "10.0.0.0/16" => "10.0.0.0/15"' in text
    assert "      - properties.old: 1" in text
    assert "      Nested deployment: why." in text
    assert text.endswith("Resource changes: 1 to create, 1 to modify, 1 unsupported.")
    html = report._repr_html_()
    assert html.count("<tr>") == 4 and "virtualNetworks" in html and "&quot;web&quot;" in html
    failed = WhatIfReport({"status": "Failed", "error": {"code": "InvalidTemplate", "message": "bad <x>"}})
    assert "The what-if failed: (InvalidTemplate) bad <x>" in str(failed)
    assert "bad &lt;x&gt;" in failed._repr_html_()
    with pytest.raises(TypeError):
        WhatIfReport(42)


# -- local template files --------------------------------------------------------------------------------
def write(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value) if not isinstance(value, str) else value)
    return path


def linking(*links: dict[str, Any], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": f"d{i}",
                       "properties": {"mode": "Incremental", "templateLink": link}} for i, link in enumerate(links)],
    }  # fmt: skip


def test_local_templates_find_their_linked_files(tmp_path: Path) -> None:
    write(tmp_path / "nested" / "b.json", linking({"relativePath": "../c.json"}))
    write(tmp_path / "c.json", "// a comment ARM allows\n" + json.dumps(linking()))
    main = write(tmp_path / "main.json", linking({"relativePath": "nested/b.json"}, {"uri": "c.json"},
                                                 {"uri": "[uri(deployment().properties.templateLink.uri, 'x')]"}))  # fmt: skip
    local = read_local_template(main)
    assert sorted(local.files) == ["c.json", "main.json", "nested/b.json"] and local.main == "main.json"
    assert local.needs_staging and not local.uses_artifacts
    links = [r["properties"]["templateLink"] for r in local.template["resources"]]
    assert links[1] == {"relativePath": "c.json"}  # a plain relative uri becomes what ARM resolves
    assert json.loads(main.read_text())["resources"][1]["properties"]["templateLink"] == {"uri": "c.json"}
    alone = read_local_template(write(tmp_path / "alone.json", linking()))
    assert not alone.needs_staging and list(alone.files) == ["alone.json"]


def test_local_templates_with_artifacts_and_their_errors(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json", linking(parameters={"_artifactsLocation": {"type": "string"}}))
    write(tmp_path / "scripts" / "a.ps1", "x")
    write(tmp_path / ".git" / "config", "x")
    write(tmp_path / "__pycache__" / "m.pyc", "x")
    local = read_local_template(main)
    assert local.uses_artifacts and sorted(local.files) == ["main.json", "scripts/a.ps1"]
    cases = [
        (tmp_path / "missing.json", "template_file", "does not exist"),
        (write(tmp_path / "bad.json", "{nope"), "template_file", "not valid JSON"),
        (write(tmp_path / "list.json", "[]"), "template_file", "a template is a JSON object"),
        (
            write(tmp_path / "out.json", linking({"relativePath": "../../etc/x.json"})),
            "templateLink.relativePath",
            "leads out of",
        ),
        (
            write(tmp_path / "gone.json", linking({"relativePath": "nothere.json"})),
            "templateLink.relativePath (nothere.json)",
            "does not exist",
        ),
    ]
    for path, field, words in cases:
        with pytest.raises(LocalTemplateError) as err:
            read_local_template(path)
        assert err.value.field == field and words in err.value.rule, err.value
    write(tmp_path / "loop.json", linking({"relativePath": "loop2.json"}))
    write(tmp_path / "loop2.json", linking({"relativePath": "loop.json"}))
    assert sorted(read_local_template(tmp_path / "loop.json").files) == ["loop.json", "loop2.json"]  # each once
    with pytest.raises(LocalTemplateError) as err:
        read_local_template(main, artifacts_directory=tmp_path / "scripts")
    assert err.value.field == "artifacts_directory"


# -- parameter checks ------------------------------------------------------------------------------------
def test_check_parameters_evaluates_nothing() -> None:
    template = {"parameters": {
        "size": {"type": "string", "allowedValues": ["S", "M"]},
        "count": {"type": "int", "minValue": 1, "maxValue": 3, "defaultValue": "[parameters('nope')]"},
        "secret": {"type": "securestring", "minLength": 12},
        "fromVault": {"type": "securestring"},
    }}  # fmt: skip
    check_parameters(template, {"SIZE": "S", "secret": "long-enough-123"}, present=["fromVault"])
    cases = [
        ({"size": "L", "secret": "long-enough-123"}, "parameters.size", "allowed"),
        ({"size": "S", "secret": "short"}, "parameters.secret", "minLength"),
        ({"size": "S", "secret": "long-enough-123", "count": 4}, "parameters.count", "maxValue"),
        ({"size": "S", "secret": "long-enough-123", "count": "2"}, "parameters.count", "Int"),
        ({"size": "S", "secret": "long-enough-123", "colour": "red"}, "parameters.colour", "does not declare"),
        ({"secret": "long-enough-123"}, "parameters.size", "not provided"),
    ]
    for given, path, words in cases:
        with pytest.raises(TemplateError) as err:
            check_parameters(template, given, present=["fromVault"])
        assert err.value.path == path and words in err.value.detail, err.value
        assert "short" not in err.value.message
    with pytest.raises(TemplateError):
        check_parameters(template, {"size": "S", "secret": "long-enough-123"})  # fromVault missing


def test_public_names_are_not_shadowed_by_submodules() -> None:
    import importlib
    import pkgutil
    import types

    import azrm

    for module in pkgutil.iter_modules(azrm.__path__):
        importlib.import_module(f"azrm.{module.name}")  # importing a submodule sets azrm.<module name>
    for name in azrm.__all__:
        assert not isinstance(getattr(azrm, name), types.ModuleType), name
