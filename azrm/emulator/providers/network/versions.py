"""How Microsoft.Network's older api-versions shape their resources.

From ``docs/research/legacy-api-shapes.md`` (swagger files and recorded answers of 2015-2016):

- Public IPs and load balancers had no ``sku`` before 2017-08-01 (every one was what became Basic)
  and no ``zones`` before 2017-06-01.
- Answers of 2015-05-01-preview carried neither the top-level ``type`` nor ``resourceGuid``.
"""

from __future__ import annotations

from typing import Any

from ...core.versions import Shape

_TYPES = (
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/loadBalancers",
    "Microsoft.Network/routeTables",
)


def _same(body: dict[str, Any]) -> dict[str, Any]:
    return body


def _no_sku(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("sku", None)
    return body


def _no_zones(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("zones", None)
    return body


def _preview_2015(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("type", None)
    props = body.get("properties")
    if isinstance(props, dict):
        props.pop("resourceGuid", None)
    return body


SHAPES = (
    # what a version did not have is neither read from its requests nor written in its answers
    *(Shape(t, "2017-08-01", _no_sku, _no_sku, "no sku") for t in _TYPES[0::4]),
    Shape("Microsoft.Network/publicIPAddresses", "2017-06-01", _no_zones, _no_zones, "no zones"),
    *(Shape(t, "2015-06-15", _same, _preview_2015, "no type or resourceGuid in answers") for t in _TYPES),
)
