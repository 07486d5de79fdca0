"""Build a VM's record from a PUT or PATCH body, one profile at a time, as the Compute RP validates it.

- ``hardwareProfile``: a known VM size.
- ``storageProfile``: see ``storage_profile.py``.
- ``osProfile``: computer name, admin user and password rules, a Windows or Linux configuration
  matching the image, with Azure's patch settings defaults; the password and custom data are kept
  secret. The computer name, admin user and password cannot change after creation.
- ``networkProfile``: existing NICs of the VM's region, one of them primary, none used by another VM;
  NICs are added or removed only while the VM is deallocated.
- ``availabilitySet``: in the VM's region; a Classic (unmanaged) one takes only VMs with VHD disks;
  fixed after creation.
- ``identity``: system- and user-assigned identities, resolved by ``managedidentity/assign.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .....rules import computer_name_problem
from ....core.clock import iso_compute
from ....core.errors import ArmError, invalid_parameter
from ....core.ids import key
from ....core.store import Record
from ...catalog import VmSize, find_size
from ...managedidentity.assign import resolve_identity
from ...network.common import NIC_TYPE
from ..common import AVSET_TYPE, VM_TYPE, missing, size_not_offered
from .disk_steps import Step
from .storage_profile import VmStorageProfile
from .validation import check_password, check_plan, check_username, linux_configuration

if TYPE_CHECKING:
    from ....core.wire import Call

_PASSTHROUGH = (
    "additionalCapabilities",
    "securityProfile",
    "diagnosticsProfile",
    "billingProfile",
    "priority",
    "evictionPolicy",
    "licenseType",
    "extensionsTimeBudget",
    "scheduledEventsProfile",
    "capacityReservation",
    "applicationProfile",
    "proximityPlacementGroup",
    "host",
    "hostGroup",
    "platformFaultDomain",
    "virtualMachineScaleSet",
)


class VmModel(VmStorageProfile):
    """Validate a VM's body into its record."""

    def _build(
        self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None
    ) -> tuple[Record, list[Step]]:
        """Validate a PUT body; return the new record and what to do when provisioning completes."""
        location = self.location(body, VM_TYPE)
        if existing is not None and existing.location != location:
            raise ArmError(
                409, "PropertyChangeNotAllowed", "Changing property 'location' is not allowed.", target="location"
            )
        props_in = body.get("properties") or {}
        old = existing.properties if existing is not None else {}
        size = self._vm_size(props_in, location)
        storage = self._storage_profile(props_in, old, existing, rid=rid, name=name, location=location, size=size)
        secrets: dict[str, Any] = dict(existing.secrets) if existing is not None else {}
        os_profile = self._os_profile(
            props_in.get("osProfile"),
            old.get("osProfile"),
            storage.os_type,
            existing is not None,
            needs_profile=storage.from_image,
            secrets=secrets,
        )
        network_profile = self._network_profile(props_in.get("networkProfile"), rid, location, existing)
        avset_id = self._availability_set(props_in, old, existing, location, unmanaged=storage.unmanaged)

        props: dict[str, Any] = {
            "vmId": old.get("vmId") or self.guid(),
            "hardwareProfile": {**(props_in.get("hardwareProfile") or {}), "vmSize": size.name},
            "storageProfile": storage.body,
        }
        if os_profile is not None:
            props["osProfile"] = os_profile
        props["networkProfile"] = network_profile
        if avset_id:
            props["availabilitySet"] = {"id": avset_id}
        for field in _PASSTHROUGH:
            if field in props_in:
                props[field] = props_in[field]
        props["timeCreated"] = old.get("timeCreated") or iso_compute(self.emu.now())
        internal = dict(existing.internal) if existing is not None else {}
        if "userData" in props_in:
            internal["userData"] = props_in["userData"]
        image, os_type = storage.image, storage.os_type
        check_plan(image, body.get("plan"), rid)
        if image is not None:
            internal.update(osName=image.os_name, osVersion=image.os_version, hyperVGeneration=image.hyper_v_generation)
        elif existing is None:
            internal.update(osName="Windows" if os_type == "Windows" else "linux", osVersion="", hyperVGeneration="V1")
        etag = int(str(existing.body.get("etag", '"0"')).strip('"') or 0) + 1 if existing is not None else 1
        record_body: dict[str, Any] = {
            "name": name,
            "id": rid,
            "type": VM_TYPE,
            "location": location,
            "tags": self.tags(body),
            "etag": f'"{etag}"',
            "properties": props,
        }
        for field in ("plan", "zones", "extendedLocation"):
            if body.get(field) is not None:
                record_body[field] = body[field]
        identity = self._identity(body, existing, rid)
        if identity is not None:
            record_body["identity"] = identity
        return Record(rid, VM_TYPE, record_body, secrets=secrets, internal=internal), storage.steps

    @staticmethod
    def _vm_size(props_in: dict[str, Any], location: str) -> VmSize:
        """Check the hardware profile's ``vmSize`` against the sizes the region offers; return the size."""
        size_name = (props_in.get("hardwareProfile") or {}).get("vmSize")
        if not size_name:
            raise missing("hardwareProfile.vmSize")
        size = find_size(str(size_name), location)
        if size is None:
            raise size_not_offered(size_name, location, "vmSize")
        return size

    def _os_profile(
        self, raw: Any, old: Any, os_type: str, updating: bool, *, needs_profile: bool, secrets: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Check ``osProfile`` (fixed after creation); the password and custom data go to ``secrets``."""
        if updating:
            # A PUT that repeats the profile (a redeployed template, a re-run script) is fine; a change is not.
            current = {**(old or {}), "adminPassword": secrets.get("adminPassword")}
            for field in ("adminPassword", "computerName", "adminUsername"):
                if raw and raw.get(field) and raw[field] != current.get(field):
                    raise ArmError(
                        409,
                        "PropertyChangeNotAllowed",
                        f"Changing property '{field}' is not allowed.",
                        target=field,
                    )
            return self.clone(old) if old else None
        if not raw:
            if needs_profile:
                raise missing("osProfile")
            return None
        computer = raw.get("computerName")
        if not computer:
            raise missing("osProfile.computerName")
        if computer_name_problem(computer, os_type) is not None and os_type == "Windows":
            raise invalid_parameter(
                "Windows computer name cannot be more than 15 characters long, be entirely numeric, or contain the "
                "following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : . ' \" , < > / ?.",
                target="computerName",
            )
        if computer_name_problem(computer, os_type) is not None:
            raise invalid_parameter(
                "Linux host name cannot exceed 64 characters in length or contain the following characters: "
                "` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : ' \" , < > / ?.",
                target="computerName",
            )
        user = raw.get("adminUsername")
        if not user:
            raise missing("osProfile.adminUsername")
        check_username(str(user), os_type)
        password = raw.get("adminPassword")
        profile: dict[str, Any] = {"computerName": computer, "adminUsername": user}
        if os_type == "Windows":
            if raw.get("linuxConfiguration"):
                raise invalid_parameter(
                    "A Windows image cannot take a linuxConfiguration.", target="linuxConfiguration"
                )
            if not password:
                raise missing("adminPassword")
            check_password(str(password), os_type)
            win = dict(raw.get("windowsConfiguration") or {})
            win.setdefault("provisionVMAgent", True)
            win.setdefault("enableAutomaticUpdates", True)
            patch = dict(win.get("patchSettings") or {})
            patch.setdefault("patchMode", "AutomaticByOS")
            patch.setdefault("assessmentMode", "ImageDefault")
            win["patchSettings"] = patch
            profile["windowsConfiguration"] = win
        else:
            if raw.get("windowsConfiguration"):
                raise invalid_parameter(
                    "A Linux image cannot take a windowsConfiguration.", target="windowsConfiguration"
                )
            lin = linux_configuration(raw.get("linuxConfiguration"), password)
            patch = dict(lin.get("patchSettings") or {})
            patch.setdefault("patchMode", "ImageDefault")
            patch.setdefault("assessmentMode", "ImageDefault")
            lin["patchSettings"] = patch
            profile["linuxConfiguration"] = lin
        if password:
            secrets["adminPassword"] = password
        if raw.get("customData"):
            secrets["customData"] = raw["customData"]
        profile["secrets"] = list(raw.get("secrets") or [])
        profile["allowExtensionOperations"] = bool(raw.get("allowExtensionOperations", True))
        profile["requireGuestProvisionSignal"] = True
        return profile

    def _network_profile(self, raw: Any, rid: str, location: str, existing: Record | None) -> dict[str, Any]:
        """Check ``networkProfile``: existing NICs of the VM's region, one primary, none used by another VM."""
        nics_in = (raw or {}).get("networkInterfaces") or []
        if (raw or {}).get("networkInterfaceConfigurations"):
            raise invalid_parameter(
                "networkInterfaceConfigurations (NICs created with the VM) are not emulated; create the NIC first "
                "and reference it in networkInterfaces.",
                target="networkInterfaceConfigurations",
            )
        if not nics_in:
            raise missing("networkProfile")
        primaries = [n for n in nics_in if (n.get("properties") or {}).get("primary")]
        if len(nics_in) > 1 and len(primaries) != 1:
            raise invalid_parameter(
                f"Virtual machine {rid.rsplit('/', 1)[-1]} must have one network interface marked as primary.",
                target="networkInterfaces",
            )
        old_ids = {
            key(n["id"]) for n in (existing.properties["networkProfile"]["networkInterfaces"] if existing else [])
        }
        new_ids = set()
        out = []
        for entry in nics_in:
            nic_id = entry.get("id")
            if not nic_id:
                raise missing("networkProfile.networkInterfaces.id")
            nic = self.store.get(nic_id)
            if nic is None or nic.type != NIC_TYPE:
                raise ArmError(404, "NotFound", f"Resource {nic_id} not found.")
            if nic.location != location:
                raise invalid_parameter(
                    f"The network interface {nic.id} is in location '{nic.location}', different from the virtual "
                    f"machine's location '{location}'. Resources must be in the same region.",
                    target="networkInterfaces",
                )
            for vm in self.store.of_type(VM_TYPE):
                if vm.key == key(rid):
                    continue
                if any(key(n["id"]) == nic.key for n in vm.properties["networkProfile"]["networkInterfaces"]):
                    raise ArmError(
                        409,
                        "NicInUse",
                        f"Network interface {nic.id} is already used by virtual machine {vm.id}; a NIC can be "
                        "attached to one virtual machine only.",
                    )
            new_ids.add(nic.key)
            item: dict[str, Any] = {"id": nic.id}
            p = entry.get("properties") or {}
            if p:
                item["properties"] = {k: v for k, v in p.items() if k in ("primary", "deleteOption")}
            out.append(item)
        if existing is not None and new_ids != old_ids and existing.internal.get("power") not in ("deallocated",):
            raise ArmError(
                409,
                "OperationNotAllowed",
                "Network interfaces of a virtual machine can only be added or removed while it is "
                "stopped (deallocated).",
            )
        return {"networkInterfaces": out}

    def _availability_set(
        self, props_in: dict[str, Any], old: dict[str, Any], existing: Record | None, location: str, *, unmanaged: bool
    ) -> str | None:
        """Check ``availabilitySet`` (fixed after creation); return its id."""
        avset_id = (props_in.get("availabilitySet") or {}).get("id")
        old_avset = (old.get("availabilitySet") or {}).get("id") if existing else None
        if existing is not None and key(avset_id or "") != key(old_avset or ""):
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                "Changing property 'availabilitySet' is not allowed.",
                target="availabilitySet",
            )
        if avset_id and existing is None:
            avset = self.store.get(avset_id)
            if avset is None or avset.type != AVSET_TYPE or avset.location != location:
                raise ArmError(404, "NotFound", f"Availability set {avset_id} not found in location {location}.")
            if avset.body.get("sku", {}).get("name") == "Classic" and not unmanaged:
                raise invalid_parameter(
                    "Addition of a VM with managed disks to non-managed Availability Set or addition of a VM with blob "
                    "based disks to managed Availability Set is not supported. Please create an Availability Set with "
                    "'use managed disks' property set to true in order to create a VM with managed disks in it.",
                    target="availabilitySet",
                )
        return avset_id

    def _identity(self, body: dict[str, Any], existing: Record | None, rid: str) -> dict[str, Any] | None:
        """Return the VM's ``identity`` (see :mod:`~azrm.emulator.providers.managedidentity.assign`)."""
        return resolve_identity(
            self.emu, body.get("identity"), existing.body.get("identity") if existing else None, rid
        )
