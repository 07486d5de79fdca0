"""How Microsoft.Compute's older api-versions shape virtual machines, scale sets and availability sets.

From ``docs/research/legacy-api-shapes.md`` (the providers' swagger files and recorded answers):

- **Virtual machines before 2016-04-30-preview** had unmanaged disks only: the OS disk and every
  data disk needed a ``name`` and a ``vhd.uri`` (Azure: ``InvalidParameter`` "Required parameter
  'osDisk.vhd' is missing"); answers had no ``zones`` (2017-03-30) and none of the properties that
  came later (``timeCreated``, ``priority``, ``securityProfile``...).
- **Availability sets in 2016-04-30-preview** said ``properties.managed: true`` where later versions
  say ``sku.name: Aligned``; before it an availability set had neither.
- **Scale sets before 2017-03-30** spelled ``overProvision`` (binding already reads any casing) and had
  no ``singlePlacementGroup`` or ``uniqueId``.
"""

from __future__ import annotations

from typing import Any

from ...core.errors import invalid_parameter
from ...core.versions import Shape, pop_member

VM_TYPE = "Microsoft.Compute/virtualMachines"
VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
AVSET_TYPE = "Microsoft.Compute/availabilitySets"
#: VM properties that appeared after 2017-03-30, absent from older answers
_LATER_VM_PROPERTIES = (
    "timeCreated",
    "priority",
    "evictionPolicy",
    "billingProfile",
    "securityProfile",
    "userData",
    "host",
    "hostGroup",
    "proximityPlacementGroup",
    "virtualMachineScaleSet",
    "additionalCapabilities",
    "scheduledEventsProfile",
    "capacityReservation",
    "applicationProfile",
    "extensionsTimeBudget",
    "platformFaultDomain",
)


def _unmanaged_disks_only(body: dict[str, Any]) -> dict[str, Any]:
    storage = (body.get("properties") or {}).get("storageProfile") or {}
    os_disk = storage.get("osDisk")
    if isinstance(os_disk, dict):
        for field in ("name", "vhd"):
            if not os_disk.get(field):
                raise invalid_parameter(
                    f"Required parameter 'osDisk.{field}' is missing (null).", target=f"osDisk.{field}"
                )
    for index, disk in enumerate(storage.get("dataDisks") or []):
        for field in ("name", "vhd"):
            if isinstance(disk, dict) and not disk.get(field):
                raise invalid_parameter(
                    f"Required parameter 'dataDisks[{index}].{field}' is missing (null).", target=f"dataDisks.{field}"
                )
    return body


def _vm_before_2017(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("zones", None)
    props = body.get("properties")
    if isinstance(props, dict):
        for field in _LATER_VM_PROPERTIES:
            props.pop(field, None)
    return body


def _avset_managed_in(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    props = props if isinstance(props, dict) else {}
    managed = pop_member(props, "managed")
    if str(managed).lower() == "true" and not body.get("sku"):
        body["sku"] = {"name": "Aligned"}
    return body


def _avset_managed_out(body: dict[str, Any]) -> dict[str, Any]:
    sku = body.get("sku") or {}
    body.setdefault("properties", {})["managed"] = str(sku.get("name", "")).lower() == "aligned"
    return body


def _avset_before_managed(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("sku", None)
    body.get("properties", {}).pop("managed", None)
    return body


def _vmss_before_2017(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    if isinstance(props, dict):
        if "overprovision" in props:
            props["overProvision"] = props.pop("overprovision")
        for field in ("singlePlacementGroup", "uniqueId", "timeCreated", "platformFaultDomainCount"):
            props.pop(field, None)
    body.pop("zones", None)
    return body


def _same(body: dict[str, Any]) -> dict[str, Any]:
    return body


SHAPES = (
    Shape(VM_TYPE, "2016-04-30-preview", _unmanaged_disks_only, _same, "unmanaged disks only: name and vhd required"),
    Shape(VM_TYPE, "2017-03-30", _same, _vm_before_2017, "no zones or later properties"),
    Shape(AVSET_TYPE, "2017-03-30", _avset_managed_in, _avset_managed_out, "properties.managed for sku Aligned"),
    Shape(AVSET_TYPE, "2016-04-30-preview", _same, _avset_before_managed, "no managed-disk alignment"),
    Shape(VMSS_TYPE, "2017-03-30", _same, _vmss_before_2017, "overProvision; no singlePlacementGroup or uniqueId"),
)
