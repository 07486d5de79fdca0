"""Managed identities without I/O: builder checks, template property names, the cloud metadata shapes."""

from __future__ import annotations

from typing import Any

import pytest

import azrm
from azrm.emulator.core.discovery import cloud_metadata, is_discovery
from azrm.emulator.core.wire import Request
from azrm.templates.base import NO_RUNTIME, Context
from azrm.templates.engine import Template

UAI = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/one"
UAI_2 = UAI.replace("/one", "/two")
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"identity_type": "SystemAssigned"}, {"type": "SystemAssigned"}),
        ({"identity_type": "systemassigned"}, {"type": "SystemAssigned"}),
        ({"identity_type": "None"}, {"type": "None"}),
        ({"identity_type": "UserAssigned", "identity_id": UAI}, {"type": "UserAssigned", "userAssignedIdentities": {UAI: {}}}),
        ({"identity_type": "SystemAssigned,UserAssigned", "identity_id": [UAI, UAI_2]},
         {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {UAI: {}, UAI_2: {}}}),
    ],
)  # fmt: skip
def test_identity_bodies(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    vm = azrm.new_vm_config("vm1", "Standard_A2", **kwargs)
    assert vm.to_body("westeurope")["identity"] == expected
    assert azrm.new_vm_config("vm1", "Standard_A2").set_identity(**kwargs).to_body("westeurope")["identity"] == expected
    vmss = azrm.new_vmss_config(location="westeurope", sku_capacity=1, sku_name="Standard_A2", **kwargs)
    assert vmss.identity is not None and vmss.identity.to_body() == expected


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"identity_type": "SystemAssigned", "identity_id": UAI}, "identity_id", "only with identity_type 'UserAssigned'"),
        ({"identity_type": "UserAssigned"}, "identity_id", "needs at least one"),
        ({"identity_type": "Managed"}, "identity_type", "one of"),
        ({"identity_id": UAI}, "identity_type", "give identity_type"),
        ({"identity_type": "UserAssigned", "identity_id": "one"}, "identity_id", "must be a resource id"),
        ({"identity_type": "UserAssigned", "identity_id": UAI.replace("ManagedIdentity", "Network")}, "identity_id",
         "user-assigned identity"),
        ({"identity_type": "UserAssigned", "identity_id": [UAI, UAI.upper()]}, "identity_id", "each identity once"),
    ],
)  # fmt: skip
def test_identity_checked_at_once(kwargs: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(azrm.ValidationError) as err:
        azrm.new_vm_config("vm1", "Standard_A2", **kwargs)
    assert err.value.field == field and rule in err.value.rule
    with pytest.raises(azrm.ValidationError):
        azrm.new_vmss_config(location="westeurope", sku_capacity=1, sku_name="Standard_A2", **kwargs)


def test_a_model_with_an_id_works_as_an_identity_id() -> None:
    class Model:
        id = UAI

    vm = azrm.new_vm_config("vm1", "Standard_A2").set_identity("UserAssigned", identity_id=[Model()])
    assert vm.identity is not None and vm.identity.identity_ids == (UAI,)


def test_template_property_names_are_evaluated() -> None:
    key = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'one')]"
    template = {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
                       "location": "westeurope",
                       "identity": {"type": "UserAssigned", "userAssignedIdentities": {key: {}}}}],
    }  # fmt: skip
    context = Context(subscription_id="s", resource_group="rg", location="westeurope", deployment_name="d", now=1.7e9)
    bound = Template(template, {}, context)
    body = bound.render(bound.plan()[0], NO_RUNTIME)
    assert body["identity"]["userAssignedIdentities"] == {UAI: {}}


@pytest.mark.parametrize(
    ("version", "shape"), [("2022-09-01", dict), ("2023-01-01", dict), ("2019-05-01", list), ("2015-01-01", dict)]
)
def test_metadata_endpoints_shapes(version: str, shape: type) -> None:
    request = Request("GET", f"https://127.0.0.1:8443//metadata/endpoints?api-version={version}")
    assert is_discovery(request)
    body = cloud_metadata(request).body
    assert isinstance(body, shape)
    cloud = body[0] if isinstance(body, list) else body
    if version >= "2019-05-01":
        assert cloud["resourceManager"] == "https://127.0.0.1:8443/" and "suffixes" in cloud
    else:
        assert cloud["authentication"]["loginEndpoint"] == "https://127.0.0.1:8443/"
    assert not is_discovery(Request("GET", "https://127.0.0.1:8443/metadata/endpointsx?api-version=2022-09-01"))
