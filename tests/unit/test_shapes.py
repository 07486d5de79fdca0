"""Binding request bodies as Azure's providers do: canonical property names, converted scalars."""

from __future__ import annotations

from typing import Any

import pytest

from azrm.emulator.core.shapes import BindError, bind, known_type

NSG = "Microsoft.Network/networkSecurityGroups"
VM = "Microsoft.Compute/virtualMachines"


def rule(**props: Any) -> dict[str, Any]:
    return {"location": "westeurope", "properties": {"securityRules": [{"name": "r", "properties": props}]}}


@pytest.mark.parametrize(
    ("given", "bound"),
    [
        ("100", 100),
        (" 100 ", 100),
        ("+7", 7),
        (100, 100),
        (100.0, 100),
        (12.5, 12),
        (13.5, 14),
        ("", None),
    ],
)
def test_integer_properties_take_integral_strings_and_numbers(given: Any, bound: int) -> None:
    body = bind(rule(priority=given), NSG)
    assert body["properties"]["securityRules"][0]["properties"]["priority"] == bound


@pytest.mark.parametrize("given", ["abc", "12.5", "12.0", True])
def test_integer_properties_refuse_what_does_not_convert(given: Any) -> None:
    with pytest.raises(BindError) as caught:
        bind(rule(priority=given), NSG)
    assert caught.value.path == "properties.securityRules[0].properties.priority"
    error = caught.value.arm_error(NSG)
    assert (error.status, error.code) == (400, "InvalidRequestFormat")
    assert "properties.securityRules[0].properties.priority" in error.details[0]["message"]


@pytest.mark.parametrize(
    ("given", "bound"), [("true", True), ("False", False), (" TRUE ", True), (1, True), (0, False)]
)
def test_boolean_properties_take_words_and_numbers(given: Any, bound: bool) -> None:
    body = {"location": "x", "properties": {"osProfile": {"allowExtensionOperations": given}}}
    assert bind(body, VM)["properties"]["osProfile"]["allowExtensionOperations"] is bound


def test_boolean_properties_refuse_other_words() -> None:
    body = {"location": "x", "properties": {"osProfile": {"allowExtensionOperations": "yes"}}}
    with pytest.raises(BindError) as caught:
        bind(body, VM)
    assert caught.value.arm_error(VM).code == "InvalidRequestContent"


def test_strings_take_numbers_and_booleans_as_dotnet_writes_them() -> None:
    body = {
        "location": "x",
        "tags": {"n": 5, "b": True},
        "properties": {"storageProfile": {"imageReference": {"version": 1}}},
    }
    bound = bind(body, VM)
    assert bound["tags"] == {"n": "5", "b": "True"}
    assert bound["properties"]["storageProfile"]["imageReference"]["version"] == "1"


def test_property_names_bind_case_insensitively_into_canonical_casing() -> None:
    body = {"Location": "x", "PROPERTIES": {"osprofile": {"computername": "vm1", "AdminUserName": "u"}}}
    bound = bind(body, VM)
    assert bound == {"location": "x", "properties": {"osProfile": {"computerName": "vm1", "adminUsername": "u"}}}


def test_unknown_and_free_form_parts_are_left_alone() -> None:
    ext = {"location": "x", "properties": {"settings": {"Priority": "1", "CommandToExecute": True}, "Future": "7"}}
    bound = bind(ext, "Microsoft.Compute/virtualMachines/extensions")
    assert bound["properties"]["settings"] == {"Priority": "1", "CommandToExecute": True}
    assert bound["properties"]["Future"] == "7"
    assert bind({"anything": 1}, "Microsoft.Foo/bars") == {"anything": 1}
    assert known_type(NSG) and not known_type("Microsoft.Foo/bars")
