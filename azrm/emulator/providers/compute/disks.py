"""Microsoft.Compute/disks and availabilitySets, and the catalogue reads.

The catalogue: images, sizes and extension images, as Az and the SDK read them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ....rules import DISK_STORAGE_TYPES
from ...core.clock import iso_compute
from ...core.errors import ArmError, invalid_parameter
from ...core.ids import key, normalize_location
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import json_response, list_response
from ..catalog import LOCATIONS, extension_handlers, find_extension, images, sizes_in
from .common import AVSET_TYPE, DISK_TYPE, VM_TYPE, ComputeBase, missing

if TYPE_CHECKING:
    from ...core.wire import Call

GIB = 1024**3
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")
DISK_SKUS = DISK_STORAGE_TYPES


class DiskBackend(ComputeBase):
    """Managed disks: created empty, from an image or by copy; refused deletion while attached."""

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        one = base + "/disks/{diskName}"
        r.add("PUT", one, self.put_disk)
        r.add("PATCH", one, self.patch_disk)
        r.add("GET", one, self.get_disk)
        r.add("DELETE", one, self.delete_disk)
        r.add("GET", base + "/disks", self.list_disks)
        r.add("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/disks", self.list_disks)

    def _disk_id(self, call: Call) -> str:
        return self.resource_id(call, "disks", call.params["diskName"])

    def put_disk(self, call: Call, body: dict[str, Any] | None = None) -> Response:
        name = call.params["diskName"]
        if not _NAME.match(name):
            raise ArmError(
                400,
                "InvalidResourceName",
                f"The resource name '{name}' is invalid: 1-80 letters, digits, '_', '.' or '-'.",
            )
        rid = self._disk_id(call)
        name = rid.rsplit("/", 1)[-1]  # the casing it was created with
        body = body if body is not None else call.body()
        existing = self.store.get(rid)
        location = self.location(body, DISK_TYPE)
        props_in = body.get("properties") or {}
        sku_name = str(
            (body.get("sku") or {}).get("name") or (existing.body["sku"]["name"] if existing else "Standard_LRS")
        )
        sku = DISK_SKUS.get(sku_name.lower())
        if sku is None:
            raise invalid_parameter(f"The value '{sku_name}' of parameter 'sku.name' is not valid.", target="sku.name")
        if existing is not None:
            size = props_in.get("diskSizeGB", existing.properties.get("diskSizeGB"))
            if size is not None and size < existing.properties.get("diskSizeGB", 0):
                raise ArmError(
                    409,
                    "OperationNotAllowed",
                    f"Disk {name} cannot shrink from {existing.properties['diskSizeGB']} GB to {size} GB.",
                )
            props = dict(existing.properties)
            props["diskSizeGB"] = size
            props["diskSizeBytes"] = int(size or 0) * GIB
        else:
            creation = dict(props_in.get("creationData") or {})
            option = str(creation.get("createOption") or "")
            if not option:
                raise missing("creationData.createOption")
            size = props_in.get("diskSizeGB")
            if option.lower() == "empty":
                if not isinstance(size, int) or not 1 <= size <= 32767:
                    raise missing("diskSizeGB")
            elif option.lower() == "copy":
                source = self.store.get(str(creation.get("sourceResourceId") or ""))
                if source is None or source.type != DISK_TYPE:
                    raise ArmError(404, "NotFound", f"Resource {creation.get('sourceResourceId')} not found.")
                size = size or source.properties.get("diskSizeGB")
            elif option.lower() == "fromimage":
                if not (creation.get("imageReference") or {}).get("id"):
                    raise missing("creationData.imageReference.id")
                size = size or 127
            else:
                size = size or 32
            props = {
                "creationData": creation,
                "diskSizeGB": size,
                "diskSizeBytes": int(size or 0) * GIB,
                "uniqueId": self.guid(),
                "timeCreated": iso_compute(self.emu.now()),
                "diskState": "Unattached",
                "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                "networkAccessPolicy": "AllowAll",
                "publicNetworkAccess": "Enabled",
            }
            for field in ("osType", "hyperVGeneration", "diskIOPSReadWrite", "diskMBpsReadWrite", "tier"):
                if field in props_in:
                    props[field] = props_in[field]
        props["provisioningState"] = "Updating"
        record_body: dict[str, Any] = {
            "name": name,
            "id": rid,
            "type": DISK_TYPE,
            "location": location,
            "tags": self.tags(body),
            "sku": {"name": sku, "tier": sku.split("_")[0]},
            "properties": props,
        }
        if existing is not None and existing.body.get("managedBy"):
            record_body["managedBy"] = existing.body["managedBy"]
        if body.get("zones"):
            record_body["zones"] = body["zones"]
        record = self.store.put(Record(rid, DISK_TYPE, record_body))

        def complete() -> None:
            current = self.store.get(rid)
            if current is not None:
                current.properties["provisioningState"] = "Succeeded"
                self.store.touch(current)

        op = self.begin(
            call,
            record,
            "create" if existing is None else "update",
            style="compute",
            complete=complete,
            op_id=call.request_id,
        )
        # The disk RP accepts writes with 202 (body included), not 201.
        return json_response(202, self.clone(record.body), self.lro_headers(call, op, location=True))

    def patch_disk(self, call: Call) -> Response:
        existing = self.get_record(self._disk_id(call), DISK_TYPE, call)
        patch = call.body()
        merged = self.clone(existing.body)
        merged["properties"].update(patch.get("properties") or {})
        for field in ("tags", "sku"):
            if field in patch:
                merged[field] = patch[field]
        return self.put_disk(call, merged)

    def get_disk(self, call: Call) -> Response:
        return json_response(200, self.clone(self.get_record(self._disk_id(call), DISK_TYPE, call).body))

    def list_disks(self, call: Call) -> Response:
        return list_response(self.clone(r.body) for r in self.records_in(call, DISK_TYPE))

    def delete_disk(self, call: Call) -> Response:
        record = self.store.get(self._disk_id(call))
        if record is None:
            return Response(204)
        if record.body.get("managedBy"):
            raise ArmError(
                409, "OperationNotAllowed", f"Disk {record.name} is attached to VM {record.body['managedBy']}."
            )
        rid = record.id
        op = self.begin(
            call, record, "delete", style="compute", complete=lambda: self.emu.remove(rid), op_id=call.request_id
        )
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))


class AvailabilitySetBackend(ComputeBase):
    """Availability sets (synchronous, as in Azure): fault and update domains for their VMs."""

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        one = base + "/availabilitySets/{availabilitySetName}"
        r.add("PUT", one, self.put_avset)
        r.add("PATCH", one, self.patch_avset)
        r.add("GET", one, self.get_avset)
        r.add("DELETE", one, self.delete_avset)
        r.add("GET", one + "/vmSizes", self.sizes)
        r.add("GET", base + "/availabilitySets", self.list_avsets)
        r.add("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/availabilitySets", self.list_avsets)

    def members(self, avset_id: str) -> list[Record]:
        """VMs in the set, in creation order."""
        wanted = key(avset_id)
        return [
            vm
            for vm in self.store.of_type(VM_TYPE)
            if key((vm.properties.get("availabilitySet") or {}).get("id", "")) == wanted
        ]

    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        members = self.members(record.id)
        body["properties"]["virtualMachines"] = [{"id": vm.id} for vm in members]
        body["properties"]["statuses"] = []
        return body

    def _avset_id(self, call: Call) -> str:
        return self.resource_id(call, "availabilitySets", call.params["availabilitySetName"])

    def put_avset(self, call: Call, body: dict[str, Any] | None = None) -> Response:
        name = call.params["availabilitySetName"]
        rid = self._avset_id(call)
        name = rid.rsplit("/", 1)[-1]  # the casing it was created with
        body = body if body is not None else call.body()
        existing = self.store.get(rid)
        location = self.location(body, AVSET_TYPE)
        props_in = body.get("properties") or {}
        fd = props_in.get(
            "platformFaultDomainCount", existing.properties["platformFaultDomainCount"] if existing else 2
        )
        ud = props_in.get(
            "platformUpdateDomainCount", existing.properties["platformUpdateDomainCount"] if existing else 5
        )
        if not isinstance(fd, int) or not 1 <= fd <= 3:
            raise invalid_parameter(
                f"The specified fault domain count {fd} must fall in the range 1 to 3.",
                target="platformFaultDomainCount",
            )
        if not isinstance(ud, int) or not 1 <= ud <= 20:
            raise invalid_parameter(
                f"The specified update domain count {ud} must fall in the range 1 to 20.",
                target="platformUpdateDomainCount",
            )
        sku = str((body.get("sku") or {}).get("name") or (existing.body["sku"]["name"] if existing else "Classic"))
        if sku not in ("Classic", "Aligned"):
            raise invalid_parameter(
                f"The value '{sku}' of parameter 'sku.name' is not valid; use Classic or Aligned.", target="sku.name"
            )
        if (
            existing is not None
            and self.members(rid)
            and (
                fd != existing.properties["platformFaultDomainCount"]
                or ud != existing.properties["platformUpdateDomainCount"]
            )
        ):
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                "Changing the domain counts of an availability set that has VMs is not allowed.",
            )
        props: dict[str, Any] = {"platformUpdateDomainCount": ud, "platformFaultDomainCount": fd}
        if props_in.get("proximityPlacementGroup"):
            props["proximityPlacementGroup"] = props_in["proximityPlacementGroup"]
        record = self.store.put(
            Record(
                rid,
                AVSET_TYPE,
                {
                    "name": name,
                    "id": rid,
                    "type": AVSET_TYPE,
                    "location": location,
                    "tags": self.tags(body),
                    "sku": {"name": sku},
                    "properties": props,
                },
            )
        )
        return json_response(200, self.view(record))  # synchronous; 200 for create and update alike

    def patch_avset(self, call: Call) -> Response:
        existing = self.get_record(self._avset_id(call), AVSET_TYPE, call)
        patch = call.body()
        merged = self.clone(existing.body)
        merged["properties"].update(patch.get("properties") or {})
        for field in ("tags", "sku"):
            if field in patch:
                merged[field] = patch[field]
        return self.put_avset(call, merged)

    def get_avset(self, call: Call) -> Response:
        return json_response(200, self.view(self.get_record(self._avset_id(call), AVSET_TYPE, call)))

    def list_avsets(self, call: Call) -> Response:
        return list_response(self.view(r) for r in self.records_in(call, AVSET_TYPE))

    def sizes(self, call: Call) -> Response:
        avset = self.get_record(self._avset_id(call), AVSET_TYPE, call)
        return list_response(s.to_arm() for s in sizes_in(avset.location))

    def delete_avset(self, call: Call) -> Response:
        record = self.store.get(self._avset_id(call))
        if record is None:
            return Response(204)
        if self.members(record.id):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Availability Set {record.name} cannot be deleted. Before deleting an Availability Set please ensure "
                "that it does not contain any VM.",
            )
        self.emu.remove(record.id)
        return Response(200)


class ComputeCatalogBackend(ComputeBase):
    """Marketplace images, VM sizes and extension images per location."""

    def register(self, r: Router) -> None:
        loc = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
        pub = loc + "/publishers/{publisherName}"
        r.add("GET", loc + "/publishers", self.publishers)
        r.add("GET", pub + "/artifacttypes/vmimage/offers", self.offers)
        r.add("GET", pub + "/artifacttypes/vmimage/offers/{offer}/skus", self.skus)
        r.add("GET", pub + "/artifacttypes/vmimage/offers/{offer}/skus/{skus}/versions", self.versions)
        r.add("GET", pub + "/artifacttypes/vmimage/offers/{offer}/skus/{skus}/versions/{version}", self.version)
        r.add("GET", pub + "/artifacttypes/vmextension/types", self.extension_types)
        r.add("GET", pub + "/artifacttypes/vmextension/types/{type}/versions", self.extension_versions)
        r.add("GET", pub + "/artifacttypes/vmextension/types/{type}/versions/{version}", self.extension_version)
        r.add("GET", loc + "/vmSizes", self.vm_sizes)

    def _location(self, call: Call) -> str:
        loc = normalize_location(call.params["location"])
        if loc not in LOCATIONS:
            raise ArmError(
                404,
                "LocationNotAvailableForResourceType",
                f"The provided location '{call.params['location']}' is not available.",
            )
        return loc

    def _entry(self, call: Call, loc: str, name: str, *path: str) -> dict[str, Any]:
        segments = "/".join(path)
        return {
            "location": loc,
            "name": name,
            "id": f"/Subscriptions/{call.sub}/Providers/Microsoft.Compute/Locations/{loc}/{segments}",
        }

    @staticmethod
    def _page(call: Call, items: list[dict[str, Any]]) -> Response:
        order = call.req.query.get("$orderby", "").lower()
        if order.endswith("desc"):
            items = list(reversed(items))
        top = call.req.query.get("$top")
        if top and top.isdigit():
            items = items[: int(top)]
        return Response(200, items)

    def _matching(self, call: Call) -> list[Any]:
        p = call.params
        return [
            i
            for i in images()
            if i.publisher.lower() == p["publisherName"].lower()
            and ("offer" not in p or i.offer.lower() == p["offer"].lower())
            and ("skus" not in p or i.sku.lower() == p["skus"].lower())
        ]

    def publishers(self, call: Call) -> Response:
        loc = self._location(call)
        names = sorted({i.publisher for i in images()} | {h.publisher for h in extension_handlers()})
        return Response(200, [self._entry(call, loc, n, "Publishers", n) for n in names])

    def offers(self, call: Call) -> Response:
        loc = self._location(call)
        offers = dict.fromkeys((i.publisher, i.offer) for i in self._matching(call))
        return Response(
            200, [self._entry(call, loc, o, "Publishers", p, "ArtifactTypes/VMImage/Offers", o) for p, o in offers]
        )

    def skus(self, call: Call) -> Response:
        loc = self._location(call)
        return Response(
            200,
            [
                self._entry(
                    call, loc, i.sku, "Publishers", i.publisher, "ArtifactTypes/VMImage/Offers", i.offer, "Skus", i.sku
                )
                for i in self._matching(call)
            ],
        )

    def versions(self, call: Call) -> Response:
        loc = self._location(call)
        items = [
            self._entry(
                call,
                loc,
                v,
                "Publishers",
                i.publisher,
                "ArtifactTypes/VMImage/Offers",
                i.offer,
                "Skus",
                i.sku,
                "Versions",
                v,
            )
            for i in self._matching(call)
            for v in i.versions
        ]
        return self._page(call, items)

    def version(self, call: Call) -> Response:
        loc = self._location(call)
        for image in self._matching(call):
            wanted = call.params["version"]
            version = image.latest if wanted.lower() == "latest" else wanted
            if version in image.versions:
                entry = self._entry(
                    call,
                    loc,
                    version,
                    "Publishers",
                    image.publisher,
                    "ArtifactTypes/VMImage/Offers",
                    image.offer,
                    "Skus",
                    image.sku,
                    "Versions",
                    version,
                )
                entry["properties"] = {
                    "osDiskImage": {"operatingSystem": image.os_type},
                    "dataDiskImages": [],
                    "hyperVGeneration": image.hyper_v_generation,
                    "architecture": "x64",
                    "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
                    "disallowed": {"vmDiskType": "None"},
                }
                return json_response(200, entry)
        raise ArmError(404, "NotFound", "Artifact: VMImage was not found.")

    def _extension_entries(self, call: Call) -> list[tuple[str, str, tuple[str, ...]]]:
        publisher = call.params["publisherName"].lower()
        return [
            (h.publisher, h.type, h.versions)
            for h in extension_handlers()
            if h.publisher.lower() == publisher
            and ("type" not in call.params or h.type.lower() == call.params["type"].lower())
        ]

    def extension_types(self, call: Call) -> Response:
        loc = self._location(call)
        return Response(
            200,
            [
                self._entry(call, loc, t, "Publishers", p, "ArtifactTypes/VMExtension/Types", t)
                for p, t, _ in self._extension_entries(call)
            ],
        )

    def _extension_version_entries(self, call: Call, loc: str) -> list[dict[str, Any]]:
        return [
            self._entry(call, loc, v, "Publishers", p, "ArtifactTypes/VMExtension/Types", t, "Versions", v)
            for p, t, versions in self._extension_entries(call)
            for v in versions
        ]

    def extension_versions(self, call: Call) -> Response:
        return self._page(call, self._extension_version_entries(call, self._location(call)))

    def extension_version(self, call: Call) -> Response:
        loc = self._location(call)
        for entry in self._extension_version_entries(call, loc):
            if entry["name"] == call.params["version"]:
                handler = find_extension(call.params["publisherName"], call.params["type"])
                entry["properties"] = {
                    "operatingSystem": "Linux" if handler is not None and handler.os == "Linux" else "Windows",
                    "computeRole": "IaaS",
                    "supportsMultipleExtensions": False,
                    "vmScaleSetEnabled": True,
                }
                return json_response(200, entry)
        raise ArmError(404, "NotFound", "Artifact: VMExtension was not found.")

    def vm_sizes(self, call: Call) -> Response:
        return list_response(s.to_arm() for s in sizes_in(self._location(call)))


__all__ = ["AvailabilitySetBackend", "ComputeCatalogBackend", "DiskBackend"]
