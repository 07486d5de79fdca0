"""Write resources out as an ARM template (no I/O).

Two callers: the local Azure's *export* of a resource group (its resources as ``GET`` returns them,
so the fields Azure fills are stripped first with :func:`strip_read_only`) and azrm's template
session (the bodies a script would have sent). Either way the writer

- turns every id of a resource in the template into a ``resourceId()`` expression and makes the
  resource that holds it depend on that resource (child resources on their parent too);
- replaces secrets (given by value) with ``secureString`` parameters: a template never holds them;
- replaces known prefixes (a storage account's blob endpoint) with expressions (``reference()``), so
  the template does not hard-code one cloud's host names;
- escapes literal strings that begin with ``[`` (``[[``), as ARM requires.

Pieces of a body that are already expressions are given as :class:`Expr`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SCHEMA",
    "Expr",
    "Prefix",
    "WrittenResource",
    "literal",
    "strip_read_only",
    "write_template",
]

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/(?P<ns>[^/]+)/(?P<rest>.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Expr:
    """A template expression, without its brackets: ``Expr("parameters('location')")``."""

    text: str

    def __str__(self) -> str:
        return f"[{self.text}]"


def literal(value: str) -> str:
    """Quote ``value`` as a string literal inside an expression (``'it''s'``)."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Prefix:
    """A string prefix to write as an expression (with the resource it comes from, for ``dependsOn``)."""

    text: str
    expression: str
    resource_id: str | None = None


@dataclass
class WrittenResource:
    """One resource to write: its id, type, api-version and body (``location``, ``properties``...)."""

    id: str
    type: str
    api_version: str
    body: dict[str, Any]
    comment: str | None = None
    extra_depends_on: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The template name: the id's names joined with ``/`` (``vm1/ext1`` for a child)."""
        match = _ID.match(self.id)
        if match is None:
            return self.id.rsplit("/", 1)[-1]
        parts = match["rest"].split("/")
        return "/".join(parts[1::2])


# -- what Azure fills in (never written) -------------------------------------------------------------------
_EVERYWHERE = frozenset({"provisioningstate", "resourceguid", "etag"})
_READ_ONLY: dict[str, tuple[str, ...]] = {
    "microsoft.storage/storageaccounts": (
        "sku.tier",
        "properties.keyCreationTime",
        "properties.privateEndpointConnections",
        "properties.creationTime",
        "properties.primaryEndpoints",
        "properties.primaryLocation",
        "properties.statusOfPrimary",
        "properties.secondaryEndpoints",
        "properties.secondaryLocation",
        "properties.statusOfSecondary",
        "properties.lastGeoFailoverTime",
        "properties.encryption.services.*.lastEnabledTime",
    ),
    "microsoft.network/networksecuritygroups": (
        "properties.defaultSecurityRules",
        "properties.networkInterfaces",
        "properties.subnets",
        "properties.flowLogs",
    ),
    "microsoft.network/virtualnetworks": (
        "properties.subnets.*.properties.ipConfigurations",
        "properties.subnets.*.properties.ipConfigurationProfiles",
        "properties.subnets.*.properties.serviceAssociationLinks",
        "properties.subnets.*.properties.resourceNavigationLinks",
        "properties.subnets.*.properties.privateEndpoints",
    ),
    "microsoft.network/publicipaddresses": (
        "properties.ipConfiguration",
        "properties.ipAddress",
        "properties.dnsSettings.fqdn",
    ),
    "microsoft.network/networkinterfaces": (
        "properties.virtualMachine",
        "properties.macAddress",
        "properties.primary",
        "properties.hostedWorkloads",
        "properties.tapConfigurations",
        "properties.vnetEncryptionSupported",
        "properties.dnsSettings.appliedDnsServers",
        "properties.dnsSettings.internalDomainNameSuffix",
        "properties.dnsSettings.internalFqdn",
        "properties.ipConfigurations.*.properties.loadBalancerInboundNatRules",
    ),
    "microsoft.network/loadbalancers": (
        "properties.frontendIPConfigurations.*.properties.inboundNatRules",
        "properties.frontendIPConfigurations.*.properties.inboundNatPools",
        "properties.frontendIPConfigurations.*.properties.loadBalancingRules",
        "properties.frontendIPConfigurations.*.properties.outboundRules",
        "properties.backendAddressPools.*.properties.backendIPConfigurations",
        "properties.backendAddressPools.*.properties.loadBalancingRules",
        "properties.backendAddressPools.*.properties.outboundRule",
        "properties.backendAddressPools.*.properties.outboundRules",
        "properties.backendAddressPools.*.properties.inboundNatRules",
        "properties.probes.*.properties.loadBalancingRules",
        "properties.inboundNatRules.*.properties.backendIPConfiguration",
    ),
    "microsoft.compute/virtualmachines": (
        "properties.vmId",
        "properties.timeCreated",
        "properties.instanceView",
        "properties.osProfile.requireGuestProvisionSignal",
        "properties.storageProfile.imageReference.exactVersion",
    ),
    "microsoft.compute/virtualmachines/extensions": ("properties.instanceView",),
    "microsoft.compute/virtualmachinescalesets": (
        "properties.uniqueId",
        "properties.timeCreated",
        "properties.virtualMachineProfile.osProfile.requireGuestProvisionSignal",
    ),
    "microsoft.compute/disks": (
        "properties.diskSizeBytes",
        "properties.uniqueId",
        "properties.timeCreated",
        "properties.diskState",
    ),
}


def strip_read_only(resource_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``body`` without what Azure fills in: ids, etags, states, back-references, timestamps.

    Inline children (subnets, IP configurations, rules) keep their ``name`` and ``properties``; an
    object that is only ``{"id": ...}`` is a reference and stays.
    """
    out = copy.deepcopy(dict(body))
    for drop in ("id", "etag", "type", "name", "managedBy"):
        out.pop(drop, None)
    kind = resource_type.lower()
    if kind == "microsoft.network/loadbalancers":
        # NAT rules made from a scale set's NAT pools belong to the pool, not to the template
        rules = (out.get("properties") or {}).get("inboundNatRules")
        if isinstance(rules, list):
            out["properties"]["inboundNatRules"] = [r for r in rules if not _from_nat_pool(r)]
    for pattern in _READ_ONLY.get(kind, ()):
        _drop_path(out, pattern.split("."))
    if kind == "microsoft.network/networkinterfaces":
        for config in (out.get("properties") or {}).get("ipConfigurations") or []:
            props = config.get("properties") or {}
            if str(props.get("privateIPAllocationMethod", "")).lower() == "dynamic":
                props.pop("privateIPAddress", None)
    if kind == "microsoft.compute/virtualmachines":
        disk = ((out.get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {}
        if str(disk.get("createOption", "")).lower() == "fromimage":
            (disk.get("managedDisk") or {}).pop("id", None)
            disk.pop("osType", None)
    return _clean(out)


def _from_nat_pool(rule: Any) -> bool:
    backend = ((rule or {}).get("properties") or {}).get("backendIPConfiguration") or {}
    return "/virtualmachinescalesets/" in str(backend.get("id", "")).lower()


def _drop_path(node: Any, path: list[str]) -> None:
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        items = node if isinstance(node, list) else list(node.values()) if isinstance(node, dict) else []
        for item in items:
            _drop_path(item, rest)
        return
    if not isinstance(node, dict):
        return
    if not rest:
        node.pop(head, None)
    elif head in node:
        _drop_path(node[head], rest)


def _clean(node: Any, *, top: bool = True) -> Any:
    """Drop the universal read-only keys, and the id/etag/type of inline children."""
    if isinstance(node, dict):
        inline_child = not top and "name" in node and ("properties" in node or "type" in node)
        out = {}
        for key, value in node.items():
            lower = key.lower()
            if lower in _EVERYWHERE or (inline_child and lower in ("id", "type")):
                continue
            out[key] = _clean(value, top=False)
        return out
    if isinstance(node, list):
        return [_clean(v, top=False) for v in node]
    return node


# -- writing ---------------------------------------------------------------------------------------------
@dataclass
class _Names:
    """How names are written: literally, or as parameters."""

    parameterize: bool
    defaults: bool
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)

    def segment(self, resource_type: str, name: str) -> str:
        """Return an expression for one name of a top-level resource."""
        if not self.parameterize:
            return literal(name)
        key = f"{resource_type.lower()}/{name.lower()}"
        if key not in self.by_key:
            last = resource_type.split("/")[-1]
            param = re.sub(r"[^A-Za-z0-9_]", "_", f"{last}_{name}_name")
            while param in self.parameters and self.by_key.get(key) != param:
                param += "_"
            spec: dict[str, Any] = {"type": "String"}
            if self.defaults:
                spec["defaultValue"] = name
            self.parameters[param] = spec
            self.by_key[key] = param
        return f"parameters({literal(self.by_key[key])})"


def write_template(
    resources: Sequence[WrittenResource],
    *,
    secrets: Mapping[str, str] | None = None,
    prefixes: Iterable[Prefix] = (),
    parameterize_names: bool = False,
    include_parameter_defaults: bool = True,
    location: str | None = None,
    extra_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a deployment template that creates ``resources``.

    :param secrets: secret value -> parameter name; each becomes a ``secureString`` parameter.
    :param prefixes: string prefixes to write as expressions (see :class:`Prefix`).
    :param parameterize_names: names as parameters (``virtualMachines_vm1_name``), as Azure's export does.
    :param location: a resource in this region gets ``[parameters('location')]``, a parameter whose
        default is the group's region; ``None`` writes regions as they are.
    """
    names = _Names(parameterize_names, include_parameter_defaults)
    by_id = {r.id.lower(): r for r in resources}
    secret_map = dict(secrets or {})
    prefix_list = sorted(prefixes, key=lambda p: -len(p.text))
    parameters: dict[str, dict[str, Any]] = {}
    if location is not None:
        parameters["location"] = {"type": "String", "defaultValue": "[resourceGroup().location]"}
    out_resources = []
    for resource in resources:
        deps: list[str] = []
        writer = _BodyWriter(by_id, names, secret_map, prefix_list, deps, resource.id.lower())
        body = writer.value(resource.body)
        if location is not None and _same_region(body.get("location"), location):
            body["location"] = "[parameters('location')]"
        entry: dict[str, Any] = {
            "type": resource.type,
            "apiVersion": resource.api_version,
            "name": _name_expression(resource, names),
        }
        if resource.comment:
            entry["comments"] = resource.comment
        entry.update(body)
        parent = _parent_in(resource.id, by_id)
        if parent is not None:
            deps.insert(0, parent)
        deps.extend(d.lower() for d in resource.extra_depends_on if d.lower() in by_id)
        unique = [d for i, d in enumerate(deps) if d not in deps[:i] and d != resource.id.lower()]
        if unique:
            entry["dependsOn"] = [f"[{_resource_id_expression(by_id[d].id, names)}]" for d in unique]
        out_resources.append(entry)
    for param in sorted(set(secret_map.values())):
        parameters[param] = {"type": "SecureString"}
    parameters.update(names.parameters)
    parameters.update({k: dict(v) for k, v in (extra_parameters or {}).items()})
    template: dict[str, Any] = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "variables": {},
        "resources": out_resources,
    }
    if outputs:
        template["outputs"] = {k: dict(v) for k, v in outputs.items()}
    return template


def _same_region(value: Any, region: str) -> bool:
    return isinstance(value, str) and value.replace(" ", "").lower() == region.replace(" ", "").lower()


def _parent_in(resource_id: str, by_id: Mapping[str, WrittenResource]) -> str | None:
    match = _ID.match(resource_id)
    if match is None:
        return None
    parts = match["rest"].split("/")
    while len(parts) > 2:
        parts = parts[:-2]
        candidate = f"/subscriptions/{match['sub']}/resourceGroups/{match['rg']}/providers/{match['ns']}/" + "/".join(
            parts
        )
        if candidate.lower() in by_id:
            return candidate.lower()
    return None


def _split(resource_id: str) -> tuple[str, list[str]] | None:
    """``(type, names)`` of an id, or ``None``."""
    match = _ID.match(resource_id)
    if match is None:
        return None
    parts = match["rest"].split("/")
    if len(parts) % 2:
        return None
    types, values = parts[0::2], parts[1::2]
    return f"{match['ns']}/" + "/".join(types), values


def _resource_id_expression(resource_id: str, names: _Names) -> str:
    split = _split(resource_id)
    if split is None:
        return literal(resource_id)
    resource_type, values = split
    top_type = resource_type.split("/")[0] + "/" + resource_type.split("/")[1]
    args = [literal(resource_type), names.segment(top_type, values[0])]
    args.extend(literal(v) for v in values[1:])
    return f"resourceId({', '.join(args)})"


def _name_expression(resource: WrittenResource, names: _Names) -> str:
    split = _split(resource.id)
    if split is None or not names.parameterize:
        return _escape(resource.name)
    resource_type, values = split
    top_type = "/".join(resource_type.split("/")[:2])
    head = names.segment(top_type, values[0])
    if len(values) == 1:
        return f"[{head}]"
    return f"[concat({head}, {literal('/' + '/'.join(values[1:]))})]"


def _escape(value: str) -> str:
    return "[" + value if value.startswith("[") else value


class _BodyWriter:
    """Rewrites one resource's body: references, secrets, prefixes, escapes."""

    def __init__(
        self,
        by_id: Mapping[str, WrittenResource],
        names: _Names,
        secrets: Mapping[str, str],
        prefixes: Sequence[Prefix],
        deps: list[str],
        own_id: str,
    ) -> None:
        self.by_id = by_id
        self.names = names
        self.secrets = secrets
        self.prefixes = prefixes
        self.deps = deps
        self.own_id = own_id

    def value(self, node: Any) -> Any:
        if isinstance(node, Expr):
            return str(node)
        if isinstance(node, dict):
            # ids as keys too: userAssignedIdentities maps "[resourceId(...)]" to {}, as templates write it
            return {self.string(k) if self._target(k) is not None else k: self.value(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [self.value(v) for v in node]
        if isinstance(node, str):
            return self.string(node)
        return node

    def string(self, text: str) -> str:
        if text in self.secrets:
            return f"[parameters({literal(self.secrets[text])})]"
        target = self._target(text)
        if target is not None:
            self._depend(target)
            return f"[{_resource_id_expression(text, self.names)}]"
        for prefix in self.prefixes:
            if text.startswith(prefix.text):
                if prefix.resource_id is not None:
                    self._depend(prefix.resource_id.lower())
                rest = text[len(prefix.text) :]
                return f"[concat({prefix.expression}, {literal(rest)})]" if rest else f"[{prefix.expression}]"
        return _escape(text)

    def _target(self, text: str) -> str | None:
        """Return the resource of the template that ``text`` (an id) points at or into, if any."""
        if not text.startswith("/") or _split(text) is None:
            return None
        lower = text.lower()
        if lower in self.by_id:
            return lower
        candidate = _parent_in(text, self.by_id)
        return candidate

    def _depend(self, target: str) -> None:
        if target != self.own_id and not self.own_id.startswith(target + "/") and target not in self.deps:
            self.deps.append(target)
