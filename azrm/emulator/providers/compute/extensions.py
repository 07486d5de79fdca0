"""Microsoft.Compute/virtualMachines/extensions: the extension life cycle.

Pluggable handlers play the part of the extension running inside the VM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError, invalid_parameter, parent_not_found
from ...core.ids import key, normalize_location
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import json_response, list_response
from ..catalog import resolve_extension
from .common import (
    EXT_TYPE,
    VM_TYPE,
    ComputeBase,
    ExtensionContext,
    ExtensionFailure,
    ExtensionHandler,
    default_handler,
    missing,
    status,
)

if TYPE_CHECKING:
    from ...core.wire import Call


def handler_version(version: str) -> str:
    """Four-part handler version an instance view reports (``2.83`` -> ``2.83.0.0``)."""
    parts = version.split(".")
    return ".".join(([*parts, "0", "0", "0"])[:4])


def running_version(props: dict[str, Any]) -> str:
    """Return the handler version that runs for an extension's settings, four-part (what instance views show)."""
    try:
        _, version = resolve_extension(
            str(props["publisher"]),
            str(props["type"]),
            str(props["typeHandlerVersion"]),
            bool(props.get("autoUpgradeMinorVersion", False)),
        )
    except ArmError:
        version = str(props["typeHandlerVersion"])
    return handler_version(version)


def extension_error(name: str, props: dict[str, Any], message: str) -> ArmError:
    """Build the Compute RP's error for an extension that failed inside the VM (verbatim shape)."""
    return ArmError(
        400,
        "VMExtensionProvisioningError",
        f"VM has reported a failure when processing extension '{name}' (publisher '{props['publisher']}' and type "
        f"'{props['type']}'). Error message: '{message}'. More information on troubleshooting is available at "
        "https://aka.ms/vmextensionwindowstroubleshoot",
    )


class VirtualMachineExtensionBackend(ComputeBase):
    """VM extensions.

    ``handlers`` maps ``(publisher, type)`` (lower case) to the function that plays the extension;
    other extensions succeed with a generic status.
    """

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self.handlers: dict[tuple[str, str], ExtensionHandler] = {}

    def register_handler(self, publisher: str, type_: str, handler: ExtensionHandler) -> None:
        """Play extensions of ``publisher``/``type_`` with ``handler``."""
        self.handlers[(publisher.lower(), type_.lower())] = handler

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        vm = base + "/virtualMachines/{vmName}"
        one = vm + "/extensions/{vmExtensionName}"
        opts = {"compute_policy": "PutVM", "resource_param": "vmName"}
        r.add("PUT", one, self.put_ext, **opts)
        r.add("PATCH", one, self.patch_ext, **opts)
        r.add("DELETE", one, self.delete_ext, **opts)
        r.add("GET", one, self.get_ext)
        r.add("GET", vm + "/extensions", self.list_exts)

    # -- views ----------------------------------------------------------------------------------------
    def view(self, record: Record, expand: str = "") -> dict[str, Any]:
        """Return the extension as ARM returns it (``protectedSettings`` never)."""
        body = self.clone(record.body)
        if "instanceview" in expand.lower():
            body["properties"]["instanceView"] = self.instance_views([record])[0]
        return body

    def instance_views(self, records: list[Record]) -> list[dict[str, Any]]:
        """Instance views of extensions (what they last reported, or 'Transitioning')."""
        out = []
        for record in records:
            iv = record.internal.get("instanceView")
            if iv is None:
                props = record.properties
                iv = {
                    "name": record.name,
                    "type": f"{props['publisher']}.{props['type']}",
                    "typeHandlerVersion": running_version(props),
                    "statuses": [status("ProvisioningState/transitioning", "Transitioning", time=self.emu.now())],
                }
            out.append(self.clone(iv))
        return out

    def play(self, vm: Record, ext: Record, settings: Any, protected: Any) -> tuple[dict[str, Any], str | None]:
        """Play an extension inside a VM (or scale set instance) with its handler.

        Returns the extension's instance view and, when the handler failed, its message.
        """
        props = ext.properties
        handler = self.handlers.get((props["publisher"].lower(), props["type"].lower()), default_handler)
        ctx = ExtensionContext(self.emu, vm, ext, self.clone(settings or {}), self.clone(protected or {}))
        base = {
            "name": ext.name,
            "type": f"{props['publisher']}.{props['type']}",
            "typeHandlerVersion": running_version(props),
        }
        try:
            outcome = handler(ctx)
        except ExtensionFailure as failure:
            failed = status(
                "ProvisioningState/failed/1",
                "Provisioning failed",
                level="Error",
                message=failure.message,
                time=self.emu.now(),
            )
            return {**base, "substatuses": failure.substatuses, "statuses": [failed]}, failure.message
        iv: dict[str, Any] = dict(base)
        if outcome.substatuses:
            iv["substatuses"] = outcome.substatuses
        iv["statuses"] = [
            status(
                "ProvisioningState/succeeded", "Provisioning succeeded", message=outcome.message, time=self.emu.now()
            )
        ]
        return iv, None

    # -- handlers ---------------------------------------------------------------------------------------
    def _ids(self, call: Call) -> tuple[str, str]:
        vm_id = self.resource_id(call, "virtualMachines", call.params["vmName"])
        return vm_id, f"{vm_id}/extensions/{call.params['vmExtensionName']}"

    def _vm_for_write(self, call: Call, vm_id: str) -> Record:
        vm = self.store.get(vm_id)
        if vm is None or vm.type != VM_TYPE:
            raise parent_not_found(call.params["vmName"])
        if self.emu.ops.pending_for(vm.key, kind="delete") is not None:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation is not allowed on VM '{vm.name}' since the VM is marked for deletion.",
            )
        if vm.internal.get("power", "running") not in ("running", "starting"):
            raise ArmError(409, "OperationNotAllowed", "Cannot modify extensions in the VM when the VM is not running.")
        if not vm.properties.get("osProfile", {}).get("allowExtensionOperations", True):
            raise ArmError(
                409,
                "OperationNotAllowed",
                "Extension operations are disallowed on this VM: osProfile.allowExtensionOperations is false.",
            )
        return vm

    def _build(self, call: Call, vm: Record, ext_id: str, body: dict[str, Any], existing: Record | None) -> Record:
        props_in = body.get("properties") or {}
        for field in ("publisher", "type", "typeHandlerVersion"):
            if not props_in.get(field):
                raise missing(field)
        publisher, ext_type, version = (
            str(props_in["publisher"]),
            str(props_in["type"]),
            str(props_in["typeHandlerVersion"]),
        )
        auto_upgrade = bool(props_in.get("autoUpgradeMinorVersion", False))
        resolve_extension(publisher, ext_type, version, auto_upgrade)
        name = ext_id.rsplit("/", 1)[-1]
        for other in self.extensions_of(vm.id):
            if other.key == key(ext_id):
                continue
            op = other.properties
            if (op["publisher"].lower(), op["type"].lower()) == (publisher.lower(), ext_type.lower()):
                os_type = vm.properties["storageProfile"]["osDisk"].get("osType", "Windows")
                raise ArmError(
                    400,
                    "BadRequest",
                    f"Multiple VMExtensions per handler not supported for OS type '{os_type}'. VMExtension "
                    f"'{other.name}' with handler '{publisher}.{ext_type}' already added or specified in input.",
                )
        location = normalize_location(str(body.get("location") or vm.location))
        if location != vm.location:
            raise invalid_parameter(
                f"The extension location '{body.get('location')}' differs from the virtual machine's "
                f"location '{vm.location}'.",
                target="location",
            )
        props: dict[str, Any] = {
            "autoUpgradeMinorVersion": auto_upgrade,
            "provisioningState": "Creating" if existing is None else "Updating",
            "publisher": publisher,
            "type": ext_type,
            "typeHandlerVersion": version,
            "settings": props_in.get("settings") if props_in.get("settings") is not None else {},
        }
        for field in ("enableAutomaticUpgrade", "forceUpdateTag", "suppressFailures", "provisionAfterExtensions"):
            if field in props_in:
                props[field] = props_in[field]
        secrets: dict[str, Any] = {}
        if props_in.get("protectedSettings") is not None:
            secrets["protectedSettings"] = props_in["protectedSettings"]
        elif existing is not None:
            secrets = dict(existing.secrets)
        return Record(
            ext_id,
            EXT_TYPE,
            {
                "name": name,
                "id": ext_id,
                "type": EXT_TYPE,
                "location": location,
                "tags": self.tags(body),
                "properties": props,
            },
            secrets=secrets,
        )

    def _run(self, call: Call, vm: Record, record: Record, existing: Record | None) -> Response:
        self.store.put(record)
        ext_id, vm_id = record.id, vm.id
        vm_op = self.emu.ops.pending_for(vm.key)
        after = vm_op.due if vm_op is not None else None

        def complete() -> None:
            ext = self.store.get(ext_id)
            current_vm = self.store.get(vm_id)
            if ext is None or current_vm is None:
                return
            props = ext.properties
            iv, failure = self.play(current_vm, ext, props.get("settings"), ext.secrets.get("protectedSettings"))
            ext.internal["instanceView"] = iv
            if failure is not None:
                self.store.touch(ext)
                raise extension_error(ext.name, props, failure)
            props["provisioningState"] = "Succeeded"
            self.store.touch(ext)
            if (
                current_vm.properties.get("provisioningState") == "Failed"
                and current_vm.internal.get("failed_extension") == ext.name
            ):
                current_vm.properties["provisioningState"] = "Succeeded"
                current_vm.internal.pop("failed_extension", None)
                current_vm.internal.pop("failure", None)
                self.store.touch(current_vm)

        def failed(err: ArmError) -> None:
            ext = self.store.get(ext_id)
            if ext is not None:
                ext.properties["provisioningState"] = "Failed"
                self.store.touch(ext)
            current_vm = self.store.get(vm_id)
            if current_vm is not None and err.code == "VMExtensionProvisioningError":
                # As in Azure, a failed extension leaves the VM itself in a failed provisioning state.
                current_vm.properties["provisioningState"] = "Failed"
                current_vm.internal["failed_extension"] = record.name
                current_vm.internal["failure"] = err.message
                self.store.touch(current_vm)

        kind = "create" if existing is None else "update"
        op = self.begin(
            call,
            record,
            kind,
            style="compute",
            complete=complete,
            on_failure=failed,
            op_id=call.request_id,
            not_before=after,
        )
        return json_response(201 if existing is None else 200, self.view(record), self.lro_headers(call, op))

    def put_ext(self, call: Call) -> Response:
        vm_id, ext_id = self._ids(call)
        vm = self._vm_for_write(call, vm_id)
        existing = self.store.get(ext_id)
        record = self._build(call, vm, ext_id, call.body(), existing)
        return self._run(call, vm, record, existing)

    def patch_ext(self, call: Call) -> Response:
        vm_id, ext_id = self._ids(call)
        vm = self._vm_for_write(call, vm_id)
        existing = self.get_record(ext_id, EXT_TYPE, call)
        patch = call.body()
        merged = self.view(existing)
        merged["properties"].update(patch.get("properties") or {})
        if "tags" in patch:
            merged["tags"] = patch["tags"]
        record = self._build(call, vm, ext_id, merged, existing)
        return self._run(call, vm, record, existing)

    def get_ext(self, call: Call) -> Response:
        _, ext_id = self._ids(call)
        record = self.get_record(ext_id, EXT_TYPE, call)
        return json_response(200, self.view(record, call.req.query.get("$expand", "")))

    def list_exts(self, call: Call) -> Response:
        vm_id = self.resource_id(call, "virtualMachines", call.params["vmName"])
        self.vm_or_404(vm_id, call.rg)
        expand = call.req.query.get("$expand", "")
        return list_response(self.view(r, expand) for r in self.extensions_of(vm_id))

    def delete_ext(self, call: Call) -> Response:
        vm_id, ext_id = self._ids(call)
        record = self.store.get(ext_id)
        if record is None:
            return Response(204)
        self._vm_for_write(call, vm_id)
        record.properties["provisioningState"] = "Deleting"
        self.store.touch(record)
        op = self.begin(
            call, record, "delete", style="compute", complete=lambda: self.emu.remove(ext_id), op_id=call.request_id
        )
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))
