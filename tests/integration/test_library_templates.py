"""The template cmdlets of the library against the local Azure, both ways in."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

import azrm
from azrm.templates.functions import unique_string
from tests.conftest import Azure, make_group
from tests.integration.test_library import no_request_made, writes

TEMPLATES = Path(__file__).parent / "templates"
PASSWORD = "Str0ng!Passw0rd-42"


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((TEMPLATES / name).read_text()))


def test_deploy_a_template_file_with_parameters(lib: Any, azure: Azure) -> None:
    group = make_group(azure)
    result = lib.new_resource_group_deployment("rg1", template_file=TEMPLATES / "storage-account-2015.json",
                                               storageAccountType="Standard_GRS")  # fmt: skip
    assert result.name == "storage-account-2015"  # named after the file, as Az does
    outputs = result.properties.outputs
    assert outputs["storageAccountName"]["value"] == "store" + unique_string(group.id)
    account = lib.get_storage_account("rg1", outputs["storageAccountName"]["value"])
    assert account.sku.name == "Standard_GRS"
    assert [d.name for d in lib.get_resource_group_deployment("rg1")] == ["storage-account-2015"]
    assert lib.get_resource_group_deployment("rg1", "storage-account-2015").properties.provisioning_state == "Succeeded"
    ops = lib.get_resource_group_deployment_operation("rg1", "storage-account-2015")
    assert [o.properties.target_resource.resource_name for o in ops] == [account.name]


def test_parameter_sources_merge_and_keywords_win(lib: Any, azure: Azure, tmp_path: Path) -> None:
    make_group(azure)
    parameters = tmp_path / "params.json"
    parameters.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"environment": {"value": "prod"}, "ipCount": {"value": 5}},
    }))  # fmt: skip
    result = lib.new_resource_group_deployment(
        "rg1",
        name="layered",
        template_object=load("copy-and-conditions.json"),
        template_parameter_file=parameters,
        template_parameter_object={"ipCount": 2, "ports": [22]},
        ipcount=1,  # names are case-insensitive, as in ARM
    )
    assert result.properties.parameters["environment"]["value"] == "prod"
    assert result.properties.parameters["ipCount"]["value"] == 1
    assert result.properties.outputs["ruleCount"]["value"] == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "template_file"),
        ({"template_file": "a.json", "template_uri": "https://x/a.json"}, "template_file"),
        ({"template_file": "/no/such/template.json"}, "template_file"),
        ({"template_uri": "ftp://x/a.json"}, "template_uri"),
        ({"template_object": {"resources": []}, "mode": "Sideways"}, "mode"),
        ({"template_object": {"resources": []}, "name": "bad name!"}, "name"),
        ({"template_file": TEMPLATES / "vm-simple-windows.json", "adminUsername": "u"}, "parameters.adminPassword"),
        (
            {
                "template_file": TEMPLATES / "vm-simple-windows.json",
                "adminUsername": "u",
                "adminPassword": PASSWORD,
                "colour": "red",
            },
            "parameters.colour",
        ),
        (
            {"template_file": TEMPLATES / "vm-simple-windows.json", "adminUsername": "u", "adminPassword": "short"},
            "parameters.adminPassword",
        ),
        (
            {"template_file": TEMPLATES / "storage-account-2015.json", "storageAccountType": "Cheap"},
            "parameters.storageAccountType",
        ),
        ({"template_file": TEMPLATES / "copy-and-conditions.json", "ipCount": "three"}, "parameters.ipCount"),
        ({"template_file": TEMPLATES / "copy-and-conditions.json", "ipCount": 11}, "parameters.ipCount"),
        ({"template_file": "main.bicep"}, "template_file"),
        (
            {"template_uri": "https://x/a.json", "template_parameter_uri": "https://x/p.json", "ipCount": 1},
            "template_parameter_uri",
        ),
        ({"template_uri": "https://x/a.json", "template_parameter_uri": "file:///p.json"}, "template_parameter_uri"),
    ],
)
def test_bad_input_is_refused_before_any_request(lib: Any, azure: Azure, kwargs: dict[str, Any], field: str) -> None:
    make_group(azure)
    err = no_request_made(azure, lambda: lib.new_resource_group_deployment("rg1", **kwargs))
    assert err.field == field
    assert "short" not in str(err)  # a secure value is never shown


def test_local_linked_templates_are_staged(lib: Any, azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    storage = unique("data")
    result = lib.new_resource_group_deployment("rg1", template_file=TEMPLATES / "linked" / "master.json",
                                               storageName=storage)  # fmt: skip
    assert result.properties.provisioning_state == "Succeeded"
    link = result.properties.template_link.uri
    staging = "stage" + azure.sub.replace("-", "")[:19]
    assert re.search(rf"/{staging}/rg1-stageartifacts/[0-9a-f]{{16}}/master\.json$", link)  # by content
    assert lib.get_storage_account("ARM_Deploy_Staging", staging).allow_blob_public_access is False
    network = lib.get_resource_group_deployment("rg1", "linkedNetwork")
    assert network.properties.template_link.uri.endswith("/nested/network.json")
    assert result.properties.outputs["blob"]["value"] == lib.get_storage_account("rg1", storage).primary_endpoints.blob
    # the staged blobs are private: the link alone (no SAS) does not open them
    import urllib.request

    with pytest.raises(Exception):  # noqa: B017 - 403/404 from Azurite, whichever it says
        urllib.request.urlopen(link, timeout=5)


def test_artifacts_location_convention(lib: Any, azure: Azure, tmp_path: Path) -> None:
    """Visual Studio's style: _artifactsLocation without default, concat() links, a SAS token parameter."""
    make_group(azure)
    (tmp_path / "nested").mkdir()
    shutil.copy(TEMPLATES / "linked" / "nested" / "network.json", tmp_path / "nested" / "network.json")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "setup.ps1").write_text("Write-Output 'hello'\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("not an artifact")
    main = {
        "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "_artifactsLocation": {"type": "string"},
            "_artifactsLocationSasToken": {"type": "securestring"},
        },
        "resources": [
            {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": "network",
                "properties": {
                    "mode": "Incremental",
                    "templateLink": {
                        "uri": "[concat(parameters('_artifactsLocation'), '/nested/network.json', "
                        "parameters('_artifactsLocationSasToken'))]"
                    },
                    "parameters": {"vnetName": {"value": "vs-vnet"}},
                },
            }
        ],
        "outputs": {
            "script": {"type": "string", "value": "[concat(parameters('_artifactsLocation'), '/scripts/setup.ps1')]"}
        },
    }
    (tmp_path / "azuredeploy.json").write_text(json.dumps(main))
    result = lib.new_resource_group_deployment("rg1", template_file=tmp_path / "azuredeploy.json")
    script_url = result.properties.outputs["script"]["value"]
    sas = result.properties.parameters["_artifactsLocationSasToken"]
    assert sas == {"type": "SecureString"}
    assert lib.get_virtual_network("rg1", "vs-vnet").subnets[0].name == "Subnet1"
    account, container = script_url.split("/")[3:5]
    names = {b.name.split("/", 1)[1] for b in lib.blob_service("ARM_Deploy_Staging", account)
             .get_container_client(container).list_blobs()}  # fmt: skip
    assert names == {"azuredeploy.json", "nested/network.json", "scripts/setup.ps1"}


def test_what_if_then_deploy_and_previews(lib: Any, azure: Azure, capsys: pytest.CaptureFixture[str]) -> None:
    make_group(azure)
    template = load("copy-and-conditions.json")
    # a preview alone (Get-AzResourceGroupDeploymentWhatIfResult / -WhatIf): nothing deployed
    before = writes(azure)
    report = lib.get_resource_group_deployment_what_if_result("rg1", template_object=template)
    assert isinstance(report, azrm.WhatIfReport)
    assert report.counts() == {"Create": 5}
    assert not lib.get_resource_group_deployment("rg1") and writes(azure) == before + 1  # the what-if POST only
    assert "+ Microsoft.Network/networkSecurityGroups/app-dev-nsg [2023-04-01]" in str(report)
    assert "<table>" in report._repr_html_() and "app-dev-nsg" in report._repr_html_()
    # confirm: shown, then deployed only when agreed
    assert lib.new_resource_group_deployment("rg1", template_object=template, confirm=lambda r: False) is None
    assert not lib.get_resource_group_deployment("rg1")
    assert "Resource changes: 5 to create." in capsys.readouterr().out
    # what_if=True: the changes are printed, then the deployment runs
    deployed = lib.new_resource_group_deployment("rg1", name="go", template_object=template, what_if=True)
    assert deployed.properties.provisioning_state == "Succeeded"
    printed = capsys.readouterr().out
    assert "+ Microsoft.Network/networkSecurityGroups/app-dev-nsg [2023-04-01]" in printed
    assert "Resource changes: 5 to create." in printed
    template["resources"][2]["tags"] = {"owner": "web"}
    seen: list[Any] = []
    again = lib.new_resource_group_deployment("rg1", name="go", template_object=template,
                                              confirm=lambda r: seen.append(r) or True)  # fmt: skip
    assert again.properties.provisioning_state == "Succeeded" and seen[0].counts() == {"Modify": 1, "NoChange": 4}
    assert '+ tags.owner: "web"' in str(seen[0])
    assert lib.get_virtual_network("rg1", "app-dev-vnet").tags == {"owner": "web"}


def test_failures_name_the_resource_through_nested_deployments(lib: Any, azure: Azure) -> None:
    make_group(azure)
    template = load("nested-inline.json")
    inner = template["resources"][1]["properties"]["template"]["resources"][0]
    inner["properties"]["publicIPAllocationMethod"] = "Sometimes"
    with pytest.raises(azrm.DeploymentError) as err:
        lib.new_resource_group_deployment("rg1", name="web", template_object=template)
    error = err.value
    assert error.arm_code == "DeploymentFailed" and error.deployment_name == "web"
    assert len(error.failures) == 1
    failure = error.failures[0]
    assert failure.resource_name == "nested-vnet-ip" and failure.deployments == ("web", "innerScoped")
    assert failure.resource_type == "Microsoft.Network/publicIPAddresses" and failure.code
    assert any(e.endswith("/virtualNetworks/nested-vnet") for e in error.existing)
    assert "nested-vnet-ip" in str(error) and "web > innerScoped" in str(error)
    assert isinstance(error.__cause__, HttpResponseError)


def test_rollback_to_the_last_successful_deployment(lib: Any, azure: Azure) -> None:
    make_group(azure)
    good = load("copy-and-conditions.json")
    lib.new_resource_group_deployment("rg1", name="good", template_object=good, ipCount=1)
    bad = load("copy-and-conditions.json")
    bad["resources"].append({"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
                             "name": "broken", "location": "westeurope",
                             "properties": {"publicIPAllocationMethod": "Sometimes"}})  # fmt: skip
    with pytest.raises(azrm.DeploymentError) as err:
        lib.new_resource_group_deployment("rg1", name="bad", template_object=bad, ipCount=3,
                                          rollback_to_last_deployment=True)  # fmt: skip
    assert err.value.rollback == "good" and "rolling back" in str(err.value)
    lib.get_resource_group("rg1")  # a request settles the redeployment
    deployments = {d.name: d for d in lib.get_resource_group_deployment("rg1")}
    assert deployments["good"].properties.provisioning_state == "Succeeded"
    assert deployments["good"].properties.mode == "Complete"
    on_error = deployments["bad"].as_dict()["properties"]["onErrorDeployment"]
    assert on_error == {"type": "LastSuccessful", "deploymentName": "good", "provisioningState": "Succeeded"}
    ips = {ip.name for ip in lib.network_client.public_ip_addresses.list("rg1")}
    assert ips == {"app-dev-ip-1"}  # Complete mode removed what the failed deployment added


def test_validate_returns_arms_errors(lib: Any, azure: Azure) -> None:
    make_group(azure)
    assert lib.test_resource_group_deployment("rg1", template_object=load("copy-and-conditions.json")) == []
    broken = load("copy-and-conditions.json")
    broken["variables"]["prefix"] = "[concat('app-', parameters('nope'))]"
    errors = lib.test_resource_group_deployment("rg1", template_object=broken)
    assert [e.code for e in errors] == ["InvalidTemplate"] and "nope" in errors[0].message
    assert not lib.get_resource_group_deployment("rg1")


def test_history_save_export_and_remove(lib: Any, azure: Azure, tmp_path: Path) -> None:
    make_group(azure)
    template = load("copy-and-conditions.json")
    lib.new_resource_group_deployment("rg1", name="one", template_object=template)
    saved = lib.save_resource_group_deployment_template("rg1", "one", tmp_path / "one.json")
    assert saved == template == json.loads((tmp_path / "one.json").read_text())
    exported = lib.export_resource_group("rg1", path=tmp_path / "rg1.json", skip_resource_name_parameterization=True)
    assert {r["name"] for r in exported["resources"]} == {"app-dev-ip-1", "app-dev-ip-2", "app-dev-ip-3",
                                                          "app-dev-nsg", "app-dev-vnet"}  # fmt: skip
    assert json.loads((tmp_path / "rg1.json").read_text()) == exported
    parameterized = lib.export_resource_group("rg1", resource=[lib.network_client.virtual_networks.get(
        "rg1", "app-dev-vnet").id], include_parameter_default_value=True)  # fmt: skip
    assert parameterized["parameters"] == {
        "virtualNetworks_app_dev_vnet_name": {"type": "String", "defaultValue": "app-dev-vnet"}
    }
    with pytest.raises(HttpResponseError) as err:
        lib.stop_resource_group_deployment("rg1", "one")
    assert err.value.error.code == "DeploymentCannotBeCancelled"
    lib.remove_resource_group_deployment("rg1", "one")
    assert lib.get_resource_group_deployment("rg1") == []
    assert lib.get_virtual_network("rg1", "app-dev-vnet")  # the resources stay


def test_secure_parameters_stay_out_of_logs(lib: Any, azure: Azure, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    make_group(azure)
    lib.new_resource_group_deployment("rg1", template_file=TEMPLATES / "vm-simple-windows.json",
                                      adminUsername="azureuser", adminPassword=PASSWORD)  # fmt: skip
    assert PASSWORD not in "\n".join(r.getMessage() for r in caplog.records)
    assert PASSWORD not in repr(lib.get_resource_group_deployment("rg1", "vm-simple-windows").as_dict())


def test_deploy_from_a_template_uri(lib: Any, azure: Azure, unique: Callable[[str], str]) -> None:
    from tests.integration.test_deployments import linked_files, stage

    make_group(azure)
    base, sas = stage(azure, unique("tpl"), linked_files())
    storage = unique("data")
    result = lib.new_resource_group_deployment("rg1", template_uri=f"{base}master.json?{sas}", storageName=storage)
    assert result.name == "master"  # named after the URI's file, as Az does
    assert result.properties.outputs["blob"]["value"] == lib.get_storage_account("rg1", storage).primary_endpoints.blob
    assert lib.get_resource_group_deployment("rg1", "linkedNetwork").properties.provisioning_state == "Succeeded"
    linked = lib.new_resource_group_deployment("rg1", template_uri=f"{base}storage.json?{sas}",
                                               template_parameter_uri=f"{base}storage.parameters.json?{sas}")  # fmt: skip
    assert linked.properties.parameters["storageName"]["value"] == "fromparamsfile01"


def test_a_keyword_replaces_a_file_parameter_spelled_otherwise(lib: Any, azure: Azure, tmp_path: Path) -> None:
    """ARM refuses two names differing only in case; Az's keywords override the file's whatever the casing."""
    make_group(azure)
    parameters = tmp_path / "params.json"
    parameters.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0", "parameters": {"Environment": {"value": "dev"}}}))  # fmt: skip
    result = lib.new_resource_group_deployment("rg1", name="case", template_object=load("copy-and-conditions.json"),
                                               template_parameter_file=parameters, environment="prod")  # fmt: skip
    assert result.properties.parameters["environment"]["value"] == "prod"
