"""Write ``azrm/emulator/data/schemas.json``: the property names and scalar types of each modelled type.

The local Azure binds request bodies the way the resource providers' JSON deserializer does (property
names matched case-insensitively and stored in their canonical casing, strings converted where the
property is a number or a boolean; see ``azrm/emulator/core/shapes.py``). It needs to know each
property's canonical name and type. The azure-mgmt SDK models carry exactly that, generated from the
providers' REST specifications: this script walks them once (run it after upgrading an SDK:
``.venv/bin/python tools/gen_schemas.py``) and writes a plain data file, so the emulator depends on
no SDK internals at run time.

Output shape: ``{"_about", "sdk": {package: version}, "types": {resource type: def name},
"defs": {def name: {canonical property name: spec}}}`` where a spec is ``"int" | "float" | "bool" |
"str" | "any"``, a def name, ``["list", spec]``, ``["map", spec]`` or ``["enum", [values]]``.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import importlib
import importlib.metadata
import json
import sys
import typing
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "azrm" / "emulator" / "data" / "schemas.json"

#: resource type -> (SDK models module, model of the PUT body)
TYPES: dict[str, tuple[str, str]] = {
    "Microsoft.Resources/resourceGroups": ("azure.mgmt.resource.resources.models", "ResourceGroup"),
    "Microsoft.Resources/deployments": ("azure.mgmt.resource.deployments.models", "Deployment"),
    "Microsoft.Storage/storageAccounts": ("azure.mgmt.storage.models", "StorageAccountCreateParameters"),
    "Microsoft.Storage/storageAccounts/blobServices": ("azure.mgmt.storage.models", "BlobServiceProperties"),
    "Microsoft.Storage/storageAccounts/blobServices/containers": ("azure.mgmt.storage.models", "BlobContainer"),
    "Microsoft.Network/publicIPAddresses": ("azure.mgmt.network.models", "PublicIPAddress"),
    "Microsoft.Network/virtualNetworks": ("azure.mgmt.network.models", "VirtualNetwork"),
    "Microsoft.Network/virtualNetworks/subnets": ("azure.mgmt.network.models", "Subnet"),
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings": ("azure.mgmt.network.models", "VirtualNetworkPeering"),
    "Microsoft.Network/networkInterfaces": ("azure.mgmt.network.models", "NetworkInterface"),
    "Microsoft.Network/networkSecurityGroups": ("azure.mgmt.network.models", "NetworkSecurityGroup"),
    "Microsoft.Network/networkSecurityGroups/securityRules": ("azure.mgmt.network.models", "SecurityRule"),
    "Microsoft.Network/loadBalancers": ("azure.mgmt.network.models", "LoadBalancer"),
    "Microsoft.Network/loadBalancers/inboundNatRules": ("azure.mgmt.network.models", "InboundNatRule"),
    "Microsoft.Network/loadBalancers/backendAddressPools": ("azure.mgmt.network.models", "BackendAddressPool"),
    "Microsoft.Network/routeTables": ("azure.mgmt.network.models", "RouteTable"),
    "Microsoft.Network/routeTables/routes": ("azure.mgmt.network.models", "Route"),
    "Microsoft.Compute/virtualMachines": ("azure.mgmt.compute.models", "VirtualMachine"),
    "Microsoft.Compute/virtualMachines/extensions": ("azure.mgmt.compute.models", "VirtualMachineExtension"),
    "Microsoft.Compute/virtualMachineScaleSets": ("azure.mgmt.compute.models", "VirtualMachineScaleSet"),
    "Microsoft.Compute/virtualMachineScaleSets/extensions": (
        "azure.mgmt.compute.models",
        "VirtualMachineScaleSetExtension",
    ),
    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines": (
        "azure.mgmt.compute.models",
        "VirtualMachineScaleSetVM",
    ),
    "Microsoft.Compute/availabilitySets": ("azure.mgmt.compute.models", "AvailabilitySet"),
    "Microsoft.Compute/disks": ("azure.mgmt.compute.models", "Disk"),
    "Microsoft.Insights/autoscaleSettings": ("azure.mgmt.monitor.models", "AutoscaleSettingResource"),
    "Microsoft.ContainerInstance/containerGroups": ("azure.mgmt.containerinstance.models", "ContainerGroup"),
    "Microsoft.ContainerRegistry/registries": ("azure.mgmt.containerregistry.models", "Registry"),
    "Microsoft.ContainerRegistry/registries/replications": ("azure.mgmt.containerregistry.models", "Replication"),
    "Microsoft.ContainerRegistry/registries/webhooks": (
        "azure.mgmt.containerregistry.models",
        "WebhookCreateParameters",
    ),
}

_MSREST_SCALARS = {"str": "str", "int": "int", "long": "int", "float": "float", "bool": "bool", "object": "any"}


class Walker:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    # -- typespec-generated models (azure.mgmt.<x>._utils.model_base) ------------------------------
    def hybrid(self, cls: type) -> str:
        name = _qualified(cls)
        if name in self.defs:
            return name
        self.defs[name] = {}
        with contextlib.suppress(TypeError):
            cls()  # computes _attr_to_rest_field on first use
        fields = getattr(cls, "_attr_to_rest_field", {})
        module = sys.modules[cls.__module__]
        models = sys.modules[cls.__module__.rsplit(".", 1)[0]]  # the TYPE_CHECKING-only ``_models`` name
        hints = typing.get_type_hints(cls, {**vars(module), "_models": models})
        out: dict[str, Any] = {}
        for attr, field in fields.items():
            out[field._rest_name] = self.annotation(hints.get(attr, Any))
        self.defs[name] = dict(sorted(out.items()))
        return name

    def annotation(self, hint: Any) -> Any:
        origin = typing.get_origin(hint)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if origin is typing.Union:
            # Union[str, SomeEnum] is an extensible enum (read case-insensitively, written in its casing);
            # Optional[X] is X
            enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
            if any(a is str for a in args):
                return ["enum", sorted({str(m.value) for e in enums for m in e})] if enums else "str"
            return self.annotation(args[0]) if len(args) == 1 else "any"
        if origin in (list, typing.List):  # noqa: UP006
            return ["list", self.annotation(args[0])]
        if origin in (dict, typing.Dict):  # noqa: UP006
            return ["map", self.annotation(args[1])]
        if hint is bool:
            return "bool"
        if hint is int:
            return "int"
        if hint is float:
            return "float"
        if hint in (str, datetime.datetime, datetime.timedelta, datetime.date, bytes):
            return "str"
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return ["enum", sorted(str(m.value) for m in hint)]
        if isinstance(hint, type) and getattr(hint, "_is_model", False):
            return self.hybrid(hint)
        if isinstance(hint, type) and hasattr(hint, "_attribute_map"):
            return self.msrest(hint)
        return "any"

    # -- msrest models (azure-mgmt-monitor and older packages) ---------------------------------------
    def msrest(self, cls: type) -> str:
        name = _qualified(cls)
        if name in self.defs:
            return name
        self.defs[name] = {}
        module = sys.modules[cls.__module__.rsplit(".", 1)[0]]
        out: dict[str, Any] = {}
        for spec in cls._attribute_map.values():  # type: ignore[attr-defined]
            path = [p.replace("\\.", ".") for p in _split_key(spec["key"])]
            node = out
            for part in path[:-1]:
                node = node.setdefault(part, {"$inline": {}})["$inline"]
            node[path[-1]] = self.msrest_type(spec["type"], module)
        self.defs[name] = _inline_to_defs(self, name, out)
        return name

    def msrest_type(self, text: str, module: Any) -> Any:
        if text.startswith("[") and text.endswith("]"):
            return ["list", self.msrest_type(text[1:-1], module)]
        if text.startswith("{") and text.endswith("}"):
            return ["map", self.msrest_type(text[1:-1], module)]
        if text in _MSREST_SCALARS:
            return _MSREST_SCALARS[text]
        model = getattr(module, text, None)
        if isinstance(model, type) and hasattr(model, "_attribute_map"):
            return self.msrest(model)
        return "str"  # iso-8601, duration, enums...


def _qualified(cls: type) -> str:
    """Name a model with its SDK (``storage.Encryption``): packages reuse model names for other shapes."""
    parts = cls.__module__.split(".")
    package = ".".join(parts[2 : parts.index("models")]) if "models" in parts else parts[2]
    return f"{package}.{cls.__name__}"


def _split_key(key: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(key):
        if key[i] == "\\" and i + 1 < len(key):
            current += key[i + 1]
            i += 2
            continue
        if key[i] == ".":
            parts.append(current)
            current = ""
        else:
            current += key[i]
        i += 1
    parts.append(current)
    return parts


def _inline_to_defs(walker: Walker, owner: str, node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in node.items():
        if isinstance(spec, dict) and "$inline" in spec:
            child = f"{owner}.{name}"
            walker.defs[child] = _inline_to_defs(walker, child, spec["$inline"])
            out[name] = child
        else:
            out[name] = spec
    return dict(sorted(out.items()))


def main() -> None:
    walker = Walker()
    types: dict[str, str] = {}
    packages: dict[str, str] = {}
    for rtype, (module_name, model) in sorted(TYPES.items()):
        module = importlib.import_module(module_name)
        cls = getattr(module, model)
        types[rtype] = walker.msrest(cls) if hasattr(cls, "_attribute_map") else walker.hybrid(cls)
        dist = "azure-mgmt-" + module_name.split(".")[2]
        if module_name.startswith("azure.mgmt.resource."):
            dist = "azure-mgmt-resource-" + module_name.split(".")[3]
            dist = "azure-mgmt-resource" if dist.endswith("-resources") else dist
        packages[dist] = importlib.metadata.version(dist)
    data = {
        "_about": (
            "Canonical property names and scalar types of the resource types the local Azure models, read from the "
            "azure-mgmt SDK models (themselves generated from the providers' REST specifications) by "
            "tools/gen_schemas.py. azrm/emulator/core/shapes.py binds request bodies with it as the providers' "
            "deserializer does. Regenerate after upgrading an SDK; do not edit by hand."
        ),
        "sdk": dict(sorted(packages.items())),
        "types": types,
        "defs": dict(sorted(walker.defs.items())),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=0, sort_keys=False, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(types)} types, {len(walker.defs)} definitions, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
