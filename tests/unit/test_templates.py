"""The template engine, with no emulator: expressions, functions, parameters, variables, resources, order."""

from __future__ import annotations

from typing import Any

import pytest

from azrm.templates.base import Context, Deferred, TemplateError
from azrm.templates.engine import Template, load_json
from azrm.templates.expressions import ExpressionError, Literal, is_expression, parse
from azrm.templates.functions import PURE_FUNCTIONS, guid, unique_string

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
OLD_SCHEMA = "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#"
SUB = "00000000-0000-0000-0000-00000000abcd"
CTX = Context(subscription_id=SUB, resource_group="rg1", location="westeurope", deployment_name="dep1", now=1.7e9)


def t(resources: list[Any] | None = None, **sections: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": resources or [], **sections}


def ev(expression: str, template: dict[str, Any] | None = None, parameters: dict[str, Any] | None = None) -> Any:
    bound = Template(template or t(), parameters, CTX)
    return bound._value(expression, "test")


# -- expressions -------------------------------------------------------------------------------------
def test_parse_shapes() -> None:
    assert is_expression("[concat('a')]") and not is_expression("[[literal]") and not is_expression("plain")
    assert parse("['it''s']") == Literal("it's")
    tree = parse("[resourceGroup().location]")
    assert type(tree).__name__ == "Member"
    assert parse("[ns.fn(1, -2)]").name == "ns.fn"  # type: ignore[union-attr]
    for bad in ["[concat('a'", "[concat(a b)]", "['unterminated]", "[concat('a') extra]", "[1 + 2]"]:
        with pytest.raises(ExpressionError):
            parse(bad)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[concat('a', 'b', 1)]", "ab1"),
        ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
        ("[toLower('ABC')]", "abc"),
        ("[TOUPPER('abc')]", "ABC"),  # ARM's function names are case-insensitive
        ("[format('{0}-{1:D3}', 'web', 7)]", "web-007"),
        ("[string(true)]", "True"),
        ("[string(createObject('a', 1))]", '{"a":1}'),
        ("[substring('abcdef', 1, 3)]", "bcd"),
        ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
        ("[replace('a-b-c', '-', '')]", "abc"),
        ("[length(createArray(1, 2, 3))]", 3),
        ("[contains('Hello', 'ell')]", True),  # case-sensitive on strings, as ARM's is
        ("[contains(createObject('Key', 1), 'key')]", True),
        ("[empty('')]", True),
        ("[union(createObject('a', 1), createObject('b', 2))]", {"a": 1, "b": 2}),
        ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
        ("[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]", [2, 3]),
        ("[first(createArray('x', 'y'))]", "x"),
        ("[last('xyz')]", "z"),
        ("[take(createArray(1, 2, 3), 2)]", [1, 2]),
        ("[skip('abcdef', 4)]", "ef"),
        ("[range(5, 3)]", [5, 6, 7]),
        ("[add(2, mul(3, 4))]", 14),
        ("[div(7, 2)]", 3),
        ("[mod(7, 3)]", 1),
        ("[sub(1, 5)]", -4),
        ("[min(createArray(3, 1, 2))]", 1),
        ("[max(4, 9)]", 9),
        ("[int('42')]", 42),
        ("[equals('a', 'a')]", True),
        ("[equals(1, true)]", False),
        ("[greater(3, 2)]", True),
        ("[lessOrEquals('a', 'b')]", True),
        ("[and(true, not(false))]", True),
        ("[or(false, false)]", False),
        ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
        ("[if(true, 'safe', createArray(1)[5])]", "safe"),  # if() is lazy, as ARM's
        ("[coalesce(null(), 'x')]", "x"),
        ("[padLeft(7, 3, '0')]", "007"),
        ("[indexOf('abcabc', 'c')]", 2),
        ("[lastIndexOf('abcabc', 'c')]", 5),
        ("[startsWith('Microsoft', 'micro')]", True),
        ("[endsWith('file.json', '.JSON')]", True),
        ("[trim('  x  ')]", "x"),
        ("[base64ToString(base64('hello'))]", "hello"),
        ("[uri('https://h/a/b/c.json', 'd.json')]", "https://h/a/b/d.json"),
        ("[uriComponent('a b/c')]", "a%20b%2Fc"),
        ("[json('{\"a\": [1]}').a[0]]", 1),
        ("[createObject('Name', 'x').name]", "x"),  # property names are case-insensitive too
        ("[createArray('a', 'b')[1]]", "b"),
        ("[items(createObject('b', 2, 'a', 1))[0].key]", "a"),
        ("[dateTimeAdd('2026-01-01T00:00:00Z', 'PT1H')]", "2026-01-01T01:00:00Z"),
        ("[[not an expression]", "[not an expression]"),
        # lambdas, as Bicep writes them
        ("[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]", [10, 20]),
        ("[filter(createArray(3, 1, 2), lambda('x', greater(lambdaVariables('x'), 1)))]", [3, 2]),
        ("[reduce(createArray(1, 2, 3), 0, lambda('a', 'x', add(lambdaVariables('a'), lambdaVariables('x'))))]", 6),
        ("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", [1, 2, 3]),
        (
            "[toObject(createArray('a', 'b'), lambda('k', lambdaVariables('k')), lambda('k', toUpper(lambdaVariables('k'))))]",
            {"a": "A", "b": "B"},
        ),
        (
            "[map(createArray(1), lambda('x', map(createArray(10), lambda('y', add(lambdaVariables('x'), "
            "lambdaVariables('y'))))))]",
            [[11]],
        ),
        ("[join(createArray('a', 'b'), ', ')]", "a, b"),
        ("[tryGet(createObject('a', createObject('b', 1)), 'A', 'b')]", 1),
        ("[tryGet(createObject('a', 1), 'missing')]", None),
        ("[objectKeys(createObject('a', 1, 'b', 2))]", ["a", "b"]),
        ("[shallowMerge(createArray(createObject('a', 1), createObject('a', 2, 'b', 3)))]", {"a": 2, "b": 3}),
        ("[indexFromEnd(createArray(1, 2, 3), 1)]", 3),
        ("[pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope')]", []),
        ("[environment().suffixes.storage]", "core.windows.net"),  # Azure's public cloud by default
    ],
)
def test_functions(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


def test_language_version_2_is_refused_clearly() -> None:
    with pytest.raises(TemplateError) as err:
        Template(t(languageVersion="2.0"), {}, CTX)
    assert err.value.path == "languageVersion" and "symbolic" in err.value.detail
    assert Template(t(languageVersion="1.10-experimental"), {}, CTX).plan() == []


def test_lambda_errors() -> None:
    for bad, words in [
        ("[map(createArray(1), 'x')]", "takes a lambda"),
        ("[lambda('x')]", "its body"),
        ("[map(createArray(1), lambda('x', lambdaVariables('y')))]", "no lambda variable 'y'"),
        ("[filter('abc', lambda('x', true()))]", "takes an array"),
    ]:
        with pytest.raises(TemplateError) as err:
            ev(bad)
        assert words in err.value.detail, err.value


def test_unique_string_matches_arm() -> None:
    assert unique_string("aaa") == "zavj67f3en4hc"
    assert unique_string("bbb") == "w5eragfxe33cy"
    assert unique_string("zzz") == "cryksdzzzawae"
    assert unique_string("xxx", "yyy", "zzz") == "lghi7k5js7itq"
    assert ev("[uniqueString('aaa')]") == "zavj67f3en4hc"
    assert guid("a", "b") == guid("a", "b") != guid("a", "c") and len(guid("a")) == 36
    assert "uniquestring" in PURE_FUNCTIONS


def test_deployment_functions() -> None:
    group = f"/subscriptions/{SUB}/resourceGroups/rg1"
    assert ev("[resourceGroup().location]") == "westeurope"
    assert ev("[resourceGroup().id]") == group
    assert ev("[subscription().subscriptionId]") == SUB
    assert ev("[deployment().name]") == "dep1"
    assert ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]") == (
        f"{group}/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    )
    assert ev("[resourceId('other-rg', 'Microsoft.Storage/storageAccounts', 'st')]").startswith(
        f"/subscriptions/{SUB}/resourceGroups/other-rg/providers/"
    )
    assert ev(f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{SUB}')]") == (
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{SUB}"
    )
    with pytest.raises(TemplateError) as err:
        ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v')]")
    assert "requires '2' resource name argument(s)" in err.value.detail


@pytest.mark.parametrize(
    ("expression", "tail"),
    [
        ("[resourceId('Microsoft.Network/publicIPAddresses/', 'ip')]", "Microsoft.Network/publicIPAddresses/ip"),
        ("[resourceId('/Microsoft.Network/publicIPAddresses', 'ip')]", "Microsoft.Network/publicIPAddresses/ip"),
        ("[resourceId('Microsoft.Network/virtualNetworks/subnets/', 'v', 's')]", "Microsoft.Network/virtualNetworks/v/subnets/s"),
        ("[resourceId('Microsoft.Network/loadBalancers/inboundNatPools/', 'lb', 'nat')]", "Microsoft.Network/loadBalancers/lb/inboundNatPools/nat"),
    ],
)  # fmt: skip
def test_resource_id_takes_the_slashes_real_templates_write(expression: str, tail: str) -> None:
    assert ev(expression) == f"/subscriptions/{SUB}/resourceGroups/rg1/providers/{tail}"


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v/s')]", "exactly one multi-segmented argument"),
        ("[resourceId('v', 's')]", "exactly one multi-segmented argument"),
        ("[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks')]", "requires '1' resource name"),
        ("[managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p')]", "management group"),
    ],
)  # fmt: skip
def test_resource_id_family_refuses_what_arm_refuses(expression: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as err:
        ev(expression)
    assert fragment in err.value.detail


def test_resource_id_family_scopes() -> None:
    assert ev("[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]") == (
        "/providers/Microsoft.Management/managementGroups/mg"
    )
    assert ev("[managementGroupResourceId('mg', 'Microsoft.Authorization/policyDefinitions', 'p')]") == (
        "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policyDefinitions/p"
    )
    assert ev("[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'l')]") == (
        f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Authorization/locks/l"
    )
    assert ev("[subscriptionResourceId('other', 'Microsoft.Resources/resourceGroups', 'g')]") == (
        "/subscriptions/other/providers/Microsoft.Resources/resourceGroups/g"
    )
    with pytest.raises(TemplateError) as err:
        ev("[nosuchfunction(1)]")
    assert "nosuchfunction" in err.value.detail and err.value.code == "InvalidTemplate"
    with pytest.raises(TemplateError):
        ev("[utcNow()]")  # only in a parameter's default
    with pytest.raises(Deferred):
        ev("[reference('/subscriptions/x/resourceGroups/rg1/providers/A.B/c/d').x]")


# -- parameters and variables ---------------------------------------------------------------------------
PARAMS = {
    "prefix": {"type": "string", "defaultValue": "[concat('web', uniqueString(resourceGroup().id))]", "maxLength": 20},
    "count": {"type": "int", "defaultValue": 2, "minValue": 1, "maxValue": 5},
    "size": {"type": "string", "defaultValue": "Standard_A2", "allowedValues": ["Standard_A2", "Standard_D2s_v3"]},
    "adminPassword": {"type": "securestring"},
    "stamp": {"type": "string", "defaultValue": "[utcNow()]"},
    "enabled": {"type": "bool", "defaultValue": True},
}


def test_parameters_bind_check_and_hide_secrets() -> None:
    bound = Template(t(parameters=PARAMS), {"adminPassword": {"value": "S3cret!Pass"}, "count": 3}, CTX)
    assert bound.parameters["prefix"][1].startswith("web") and len(bound.parameters["prefix"][1]) == 16
    assert bound.parameters["count"] == ("Int", 3)
    assert bound.parameters["stamp"][1] == "20231114T221320Z"  # utcNow() with no format, as ARM writes it
    echo = bound.parameter_values()
    assert echo["adminPassword"] == {"type": "SecureString"} and echo["count"] == {"type": "Int", "value": 3}
    assert bound.secure_values == ["S3cret!Pass"]


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({}, "'adminPassword' is not provided"),
        ({"adminPassword": "x", "count": 9}, "maxValue"),
        (
            {"adminPassword": "x", "count": "3"},
            "Expected a value of type 'Integer', but received a value of type 'String'",
        ),
        ({"adminPassword": "x", "size": "Standard_Z9"}, "not part of the allowed value"),
        ({"adminPassword": "x", "prefix": "p" * 30}, "maxLength"),
        ({"adminPassword": "x", "nope": 1}, "not present in the original template"),
        ({"adminPassword": {"reference": {"keyVault": {"id": "/x"}, "secretName": "s"}}}, "Key Vault"),
    ],
)
def test_bad_parameters(given: dict[str, Any], fragment: str) -> None:
    with pytest.raises(TemplateError) as err:
        Template(t(parameters=PARAMS), given, CTX)
    assert fragment in err.value.detail and err.value.code == "InvalidTemplate"
    assert "S3cret" not in str(err.value)


def test_variables_nested_copied_and_circular() -> None:
    template = t(
        parameters={"n": {"type": "int", "defaultValue": 3}},
        variables={
            "base": "web",
            "full": "[concat(variables('base'), '-', parameters('n'))]",
            "disks": {"copy": [{"name": "dataDisks", "count": "[parameters('n')]",
                                "input": {"lun": "[copyIndex('dataDisks')]", "size": 32}}]},
            "copy": [{"name": "names", "count": 2, "input": "[concat('vm', copyIndex('names', 1))]"}],
            "loop1": "[variables('loop2')]",
            "loop2": "[variables('loop1')]",
        },
    )  # fmt: skip
    bound = Template(template, {}, CTX)
    assert bound.variable("FULL") == "web-3"
    assert bound.variable("disks") == {"dataDisks": [{"lun": i, "size": 32} for i in range(3)]}
    assert bound.variable("names") == ["vm1", "vm2"]
    with pytest.raises(TemplateError) as err:
        bound._value("[variables('loop1')]", "x")
    assert "circular" in err.value.detail


# -- resources ---------------------------------------------------------------------------------------------
def test_copy_loops_conditions_children_and_dependencies() -> None:
    template = t(
        [
            {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-03-01", "name": "vnet",
             "location": "[resourceGroup().location]",
             "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}},
             "resources": [{"type": "subnets", "apiVersion": "2024-03-01", "name": "web",
                            "properties": {"addressPrefix": "10.0.0.0/24"}}]},
            {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-03-01",
             "name": "[concat('nic', copyIndex())]", "copy": {"name": "nics", "count": 3},
             "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'web')]"],
             "properties": {"ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": "x"}}}]}},
            {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01",
             "name": "[concat('vm', copyIndex())]", "copy": {"name": "vms", "count": 3, "mode": "serial", "batchSize": 2},
             "dependsOn": ["[concat('Microsoft.Network/networkInterfaces/nic', copyIndex())]"],
             "properties": {"hardwareProfile": {"vmSize": "[variables('size')]"}}},
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "diag",
             "condition": "[equals(parameters('diagnostics'), 'on')]", "dependsOn": ["vms"]},
            {"type": "Microsoft.Insights/autoscaleSettings", "apiVersion": "2022-10-01", "name": "auto",
             "properties": {"targetResourceUri": "[reference('vnet').addressSpace]"}},
        ],
        parameters={"diagnostics": {"type": "string", "defaultValue": "off"}},
        variables={"size": "Standard_A2"},
    )  # fmt: skip
    bound = Template(template, {}, CTX)
    plan = {r.name: r for r in bound.plan()}
    assert list(plan) == ["vnet", "vnet/web", "nic0", "nic1", "nic2", "vm0", "vm1", "vm2", "diag", "auto"]
    assert plan["vnet/web"].type == "Microsoft.Network/virtualNetworks/subnets"
    assert plan["vnet/web"].depends_on == [plan["vnet"].id]  # children follow their parent
    assert plan["nic1"].depends_on == [plan["vnet/web"].id]
    assert plan["vm2"].depends_on == [plan["nic2"].id, plan["vm0"].id, plan["vm1"].id]  # serial, batches of 2
    assert plan["diag"].condition is False and len(plan["diag"].depends_on) == 3
    assert plan["auto"].depends_on == [plan["vnet"].id]  # implied by reference('vnet')
    waves = [[r.name for r in wave] for wave in bound.order()]
    assert waves[0] == ["vnet"] and waves[-1] == ["diag"]
    body = bound.render(plan["vm1"], _FakeRuntime())
    assert body["properties"]["hardwareProfile"]["vmSize"] == "Standard_A2" and "copy" not in body
    preview = bound.render_preview(plan["auto"])
    assert preview["properties"]["targetResourceUri"] == "[reference('vnet').addressSpace]"  # deferred: kept


class _FakeRuntime:
    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        return {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        return {"keys": [{"value": f"key-of-{resource_id.rsplit('/', 1)[-1]}"}]}


def test_render_with_runtime_and_outputs() -> None:
    template = t(
        [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "st1", "location": "x",
          "properties": {"disks": {"copy": [{"name": "items", "count": 2, "input": "[copyIndex('items')]"}]}}}],
        outputs={
            "Key": {"type": "string", "value": "[listKeys('st1', '2023-05-01').keys[0].value]"},
            "prefixes": {"type": "array", "value": "[reference('st1').addressSpace.addressPrefixes]"},
            "names": {"type": "array", "copy": {"count": 2, "input": "[concat('n', copyIndex())]"}},
            "skipped": {"type": "string", "condition": "[equals(1, 2)]", "value": "x"},
        },
    )  # fmt: skip
    bound = Template(template, {}, CTX)
    resource = bound.plan()[0]
    assert bound.render(resource, _FakeRuntime())["properties"] == {"disks": {"items": [0, 1]}}
    outputs = bound.outputs(_FakeRuntime())
    assert outputs["key"] == {"type": "String", "value": "key-of-st1"}  # first letter lowered, as ARM does
    assert outputs["prefixes"]["value"] == ["10.0.0.0/16"]
    assert outputs["names"]["value"] == ["n0", "n1"] and "skipped" not in outputs


@pytest.mark.parametrize(
    ("resources", "fragment"),
    [
        ([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "a", "dependsOn": ["nothere"]}], "is not defined"),
        ([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "a", "dependsOn": ["b"]},
          {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "b", "dependsOn": ["a"]}], "Circular dependency"),
        ([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "a"},
          {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "a"}], "defined multiple times"),
        ([{"type": "Microsoft.Storage/storageAccounts", "name": "a"}], "no 'apiVersion'"),
        ([{"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "x", "name": "a"}], "incorrect segment lengths"),
        ([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "a", "copy": {"name": "c", "count": 900}}], "800"),
        ([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "x", "name": "[concat('a' 'b')]"}], "not valid"),
    ],
)  # fmt: skip
def test_bad_resources(resources: list[Any], fragment: str) -> None:
    with pytest.raises(TemplateError) as err:
        Template(t(resources), {}, CTX).order()
    assert fragment in err.value.detail, err.value.detail
    assert err.value.path.startswith("resources[") or "Circular" in err.value.detail


def test_schema_generations_and_shape() -> None:
    Template({**t(), "$schema": OLD_SCHEMA}, {}, CTX)
    # ARM does not validate against the schema: any scope's, http or https, any casing, any contentVersion
    for schema in ("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
                   "http://SCHEMA.management.azure.com/schemas/2014-04-01-preview/deploymentTemplate.json#"):  # fmt: skip
        Template({**t(), "$schema": schema, "contentVersion": "any"}, {}, CTX)
    for broken, fragment in [
        ({"contentVersion": "1.0.0.0", "resources": []}, "$schema"),
        ({**t(), "$schema": "2019-04-01"}, "not a valid URI"),
        ({"$schema": SCHEMA, "resources": []}, "contentVersion"),
        ({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": {}}, "array"),
        ({**t(), "parameterss": {}}, "Could not find member 'parameterss' on object of type 'Template'"),
    ]:  # fmt: skip
        with pytest.raises(TemplateError) as err:
            Template(broken, {}, CTX)
        assert fragment in err.value.detail


def test_member_names_bind_in_any_casing() -> None:
    template = {
        "$Schema": SCHEMA, "ContentVersion": "1.0.0.0",
        "Parameters": {"n": {"Type": "string", "DefaultValue": "st1"}},
        "RESOURCES": [
            {"Type": "Microsoft.Storage/storageAccounts", "APIVersion": "2019-06-01", "Name": "[parameters('n')]",
             "Copy": {"Name": "c", "Count": 1}},
            {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2019-06-01", "name": "ip",
             "DependsOn": ["[parameters('n')]"], "Condition": True},
        ],
        "Outputs": {"o": {"Type": "string", "Value": "[parameters('n')]"}},
    }  # fmt: skip
    bound = Template(template, {}, CTX)
    planned = bound.plan()
    assert [r.name for r in planned] == ["st1", "ip"]
    assert planned[1].depends_on == [planned[0].id]
    assert bound.outputs(_FakeRuntime())["o"]["value"] == "st1"


def test_comments_and_user_functions() -> None:
    text = """{
      // a comment
      "$schema": "SCHEMA", /* another */ "contentVersion": "1.0.0.0",
      "functions": [{"namespace": "ns", "members": {"name": {"parameters": [{"name": "p", "type": "string"}],
                     "output": {"type": "string", "value": "[concat('x-', parameters('p'))]"}}}}],
      "resources": [], "outputs": {"o": {"type": "string", "value": "[ns.name('y // not a comment')]"}}
    }""".replace("SCHEMA", SCHEMA)
    bound = Template(load_json(text), {}, CTX)
    assert bound.outputs(_FakeRuntime())["o"]["value"] == "x-y // not a comment"


def test_nested_template_outer_scope_copies_parameters_and_variables() -> None:
    parent = Template(
        t(parameters={"p": {"type": "string", "defaultValue": "[[literal"}}, variables={"v": "value"}), {}, CTX
    )
    inner = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [],
             "outputs": {"o": {"type": "string", "value": "[concat(parameters('p'), variables('v'))]"}}}  # fmt: skip
    outer = parent.nested_template({"properties": {"template": inner}})
    assert outer is not None
    child = Template(outer, {}, CTX)
    assert child.outputs(_FakeRuntime())["o"]["value"] == "[literalvalue"
    scoped = parent.nested_template(
        {"properties": {"template": inner, "expressionEvaluationOptions": {"scope": "inner"}}}
    )
    assert scoped == inner
