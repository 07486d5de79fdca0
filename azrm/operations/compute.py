"""Virtual machines.

``New-AzVM``, ``Get-AzVM``, ``Start-AzVM``, ``Stop-AzVM``, ``Restart-AzVM``, ``Remove-AzVM``,
``Set-AzVMAccessExtension``.
"""

from __future__ import annotations

from typing import Any

from .._session_base import chain_poller, waiting_twin
from ..builders._base import check
from ..builders.compute import VMConfig, check_admin
from ..builders.dsc import DscExtension
from ..credential import Credential
from ..errors import StepError, ValidationError
from .dsc import DscOperations
from .network import NetworkOperations

__all__ = ["VM_ACCESS_HANDLERS", "ComputeOperations"]

#: the VMAccess handler per OS: (publisher, type, default typeHandlerVersion)
VM_ACCESS_HANDLERS = {
    "Windows": ("Microsoft.Compute", "VMAccessAgent", "2.4"),
    "Linux": ("Microsoft.OSTCExtensions", "VMAccessForLinux", "1.5"),
}


class ComputeOperations(DscOperations, NetworkOperations):
    """Virtual machine operations (they publish and attach DSC configurations, and check NICs)."""

    def _prepare_vm(self, resource_group_name: str, location: str | None, vm: VMConfig) -> tuple[str, dict[str, Any]]:
        """Check everything a create needs before sending anything; returns (region, body).

        Each NIC must exist, be in the VM's region and not be attached to another VM. A NIC this
        session has just created is checked against its create's answer (no read; used once, then
        forgotten); any other NIC is read.
        """
        from azure.core.exceptions import ResourceNotFoundError

        check(isinstance(vm, VMConfig), "vm", type(vm).__name__, "must be an azrm.VMConfig (azrm.new_vm_config)")
        vm.check_complete()
        region = self._location(location)
        image = vm.image
        found = self._catalogue_problem(
            region, vm.vm_size, (image.publisher, image.offer, image.sku, image.version) if image else None
        )
        if found is not None:
            field, value, rule = found
            raise ValidationError(f"vm.{field}", value, rule)
        for ref in vm.network_interfaces:
            parts = ref.id.split("/")
            nic = self._recall("nic", parts[4], parts[-1])
            if nic is not None and str(getattr(nic, "id", "")).lower() == ref.id.lower():
                self._forget(parts[4], parts[-1], "nic")  # a VM may attach it now: read it next time
            else:
                try:
                    nic = self.network_client.network_interfaces.get(parts[4], parts[-1])
                except ResourceNotFoundError:
                    raise ValidationError(
                        "vm.network_interfaces", ref.id, "the NIC does not exist; create it first"
                    ) from None
            check(
                nic.location == region,
                "vm.network_interfaces",
                ref.id,
                f"the NIC is in {nic.location}; a VM and its NICs are in the same region ({region})",
            )
            if nic.virtual_machine is not None and not nic.virtual_machine.id.lower().endswith(
                f"/virtualmachines/{vm.vm_name.lower()}"
            ):
                check(
                    False, "vm.network_interfaces", ref.id, f"the NIC is already attached to {nic.virtual_machine.id}"
                )
        return region, vm.to_body(region)

    def _begin_vm(self, resource_group_name: str, vm: VMConfig, body: dict[str, Any]) -> Any:
        """Send the VM's PUT; its region is remembered once it exists (for its extensions)."""
        self._forget(resource_group_name, vm.vm_name, "vm-region")
        poller = self.compute_client.virtual_machines.begin_create_or_update(resource_group_name, vm.vm_name, body)
        return self._when_done(
            poller, lambda made: self._remember("vm-region", resource_group_name, vm.vm_name, made.location)
        )

    def _dsc_step(
        self,
        resource_group_name: str,
        vm: VMConfig,
        ext: DscExtension,
        region: str,
        storage_rg: str,
        report: bool = True,
    ) -> Any:
        """Attach one DSC extension of a VM configuration (with the cmdlet's one retry); returns its model."""
        step = f"Attaching DSC extension {ext.name} ({ext.resolved_configuration_name}) to {vm.vm_name}"
        body = self._dsc_extension_body(
            resource_group_name,
            vm.vm_name,
            archive_blob_name=ext.archive_blob_name,
            archive_storage_account_name=ext.storage_account_name,
            archive_resource_group_name=storage_rg,
            archive_container_name=ext.container_name,
            configuration_name=ext.resolved_configuration_name,
            configuration_argument=ext.arguments,
            configuration_data_path=ext.configuration_data_path,
            version=ext.version,
            wmf_version=ext.wmf_version,
            auto_update=ext.auto_update,
            location=region,
        )
        return self._attach_dsc(resource_group_name, vm.vm_name, ext.name, body, step, report)

    @staticmethod
    def _with_extensions(machine: Any, extensions: list[Any]) -> Any:
        """Return the VM model with the extensions just attached in its ``resources``, as a read lists them."""
        if not extensions:
            return machine
        ids = {str(e.id).lower() for e in extensions}
        kept = [r for r in (getattr(machine, "resources", None) or []) if str(r.id).lower() not in ids]
        machine.resources = [*kept, *extensions]
        return machine

    def begin_new_vm(self, resource_group_name: str, *, location: str | None = None, vm: VMConfig) -> Any:
        """Start creating a VM; returns a poller (``New-AzVM -AsJob``).

        Without DSC extensions it is the SDK's own poller of the VM's PUT. With DSC extensions
        (:meth:`azrm.VMConfig.add_dsc_extension`) the configurations are built and **published first,
        before this returns** (a blob upload, not a long-running operation: a missing module or a
        refused upload then stops everything before the VM exists), and the poller returned is a
        chain: the VM's PUT, then each DSC extension, attached in the poller's thread. Its
        ``result()`` is the ``VirtualMachine`` with the extensions in ``resources``; a failure after
        the VM exists raises :class:`~azrm.errors.StepError` (what completed, what exists). A chain,
        rather than the VM's poller with a done callback, because errors of a callback are lost and
        ``result()`` would return before the extensions are attached. It has no continuation token.
        """
        region, body = self._prepare_vm(resource_group_name, location, vm)
        if not vm.dsc_extensions:
            return self._begin_vm(resource_group_name, vm, body)
        archives = self._dsc_archives(vm.dsc_extensions)
        completed: list[str] = []
        storage_groups = {}
        for ext in vm.dsc_extensions:
            storage_groups[ext.name] = self._publish_for(resource_group_name, ext, archives, completed)
        first = self._begin_vm(resource_group_name, vm, body)

        def attach(machine: Any) -> Any:
            completed.append(f"Creating virtual machine {vm.vm_name}")
            attached: list[Any] = []
            for ext in vm.dsc_extensions:
                step = f"Attaching DSC extension {ext.name} ({ext.resolved_configuration_name}) to {vm.vm_name}"
                try:
                    attached.append(
                        self._dsc_step(resource_group_name, vm, ext, region, storage_groups[ext.name], report=False)
                    )
                except Exception as exc:
                    existing = self._existing_after(resource_group_name, vm)
                    raise StepError(step, completed=completed, existing=existing, cause=exc) from exc
                completed.append(step)
            return self._with_extensions(machine, attached)

        return chain_poller(first, attach)

    def new_vm(self, resource_group_name: str, *, location: str | None = None, vm: VMConfig) -> Any:
        """Create a VM from a :class:`azrm.VMConfig` (``New-AzVM -VM``); returns the SDK's ``VirtualMachine``.

        With DSC extensions added (:meth:`azrm.VMConfig.add_dsc_extension`) it then, step by step,
        publishes each configuration to blob storage (unless already published) and attaches the DSC
        extension, reporting each step; the VM returned lists them in ``resources``.

        Requests: the VM's PUT and polling, one read per NIC not created by this session, and per
        extension its PUT and polling (the storage account's endpoint and key are read once a session).

        :raises ValidationError: before any request, for anything Azure would refuse that can be known
            here: names, passwords, missing parts, NICs in another region, DSC modules not found.
        :raises StepError: when a step fails; it says which steps completed and what exists now.
        """
        region, body = self._prepare_vm(resource_group_name, location, vm)
        archives = self._dsc_archives(vm.dsc_extensions)
        completed: list[str] = []
        step = f"Creating virtual machine {vm.vm_name}"
        attached: list[Any] = []
        try:
            result = self._wait(step, self._begin_vm(resource_group_name, vm, body))
            completed.append(step)
            if not vm.dsc_extensions:
                return result
            for ext in vm.dsc_extensions:
                step = f"Publishing DSC configuration {ext.archive_blob_name} to {ext.storage_account_name}"
                storage_rg = self._publish_for(resource_group_name, ext, archives, completed)
                step = f"Attaching DSC extension {ext.name} ({ext.resolved_configuration_name}) to {vm.vm_name}"
                attached.append(self._dsc_step(resource_group_name, vm, ext, region, storage_rg))
                completed.append(step)
        except Exception as exc:
            # A lone VM create fails as the SDK call it is; so does bad input found before anything exists.
            if not vm.dsc_extensions or (isinstance(exc, ValidationError) and not completed):
                raise
            raise StepError(
                step, completed=completed, existing=self._existing_after(resource_group_name, vm), cause=exc
            ) from exc
        return self._with_extensions(result, attached)

    def _existing_after(self, resource_group_name: str, vm: VMConfig) -> list[str]:
        """Ids of what a failed :meth:`new_vm` left: the VM and its extensions, when they exist."""
        existing: list[str] = []
        try:
            machine = self.compute_client.virtual_machines.get(resource_group_name, vm.vm_name)
        except Exception:
            return existing
        existing.append(f"{machine.id} ({machine.provisioning_state})")
        for ext in vm.dsc_extensions:
            try:
                found = self.compute_client.virtual_machine_extensions.get(resource_group_name, vm.vm_name, ext.name)
                existing.append(f"{found.id} ({found.provisioning_state})")
            except Exception:
                continue
        return existing

    def get_vm(self, resource_group_name: str | None = None, name: str | None = None, *, status: bool = False) -> Any:
        """Get a VM (``Get-AzVM``), or with ``status=True`` its instance view (``Get-AzVM -Status``).

        The instance view holds the provisioning and power states, the agent, disks and extensions.
        Without ``name``, the VMs of the group (or of the subscription) as a list, as ``Get-AzVM`` lists
        them: :meth:`list_vms`.
        """
        if name is None:
            check(not status, "status", status, "give the VM's name with status=True")
            return self.list_vms(resource_group_name)
        check(resource_group_name is not None, "resource_group_name", None, "give the VM's resource group")
        assert resource_group_name is not None
        if status:
            return self.compute_client.virtual_machines.instance_view(resource_group_name, name)
        return self.compute_client.virtual_machines.get(resource_group_name, name)

    def list_vms(self, resource_group_name: str | None = None) -> list[Any]:
        """Return the VMs of a group, or of the subscription (``Get-AzVM``)."""
        vms = self.compute_client.virtual_machines
        return list(vms.list(resource_group_name) if resource_group_name else vms.list_all())

    def begin_start_vm(self, resource_group_name: str, name: str) -> Any:
        """Start starting a VM; returns the SDK poller."""
        return self.compute_client.virtual_machines.begin_start(resource_group_name, name)

    def start_vm(self, resource_group_name: str, name: str) -> None:
        """Start a VM (``Start-AzVM``)."""
        self._wait(f"Starting virtual machine {name}", self.begin_start_vm(resource_group_name, name))

    def begin_stop_vm(
        self, resource_group_name: str, name: str, *, stay_provisioned: bool = False, skip_shutdown: bool = False
    ) -> Any:
        """Start stopping a VM; returns the SDK poller."""
        vms = self.compute_client.virtual_machines
        if stay_provisioned:
            return vms.begin_power_off(resource_group_name, name, skip_shutdown=skip_shutdown)
        return vms.begin_deallocate(resource_group_name, name)

    def stop_vm(
        self, resource_group_name: str, name: str, *, stay_provisioned: bool = False, skip_shutdown: bool = False
    ) -> None:
        """Stop a VM (``Stop-AzVM -Force``).

        By default the VM is deallocated (no compute charges; a Dynamic public IP is released); with
        ``stay_provisioned=True`` it is powered off and keeps its resources.
        """
        verb = "Stopping" if stay_provisioned else "Stopping (deallocating)"
        poller = self.begin_stop_vm(
            resource_group_name, name, stay_provisioned=stay_provisioned, skip_shutdown=skip_shutdown
        )
        self._wait(f"{verb} virtual machine {name}", poller)

    def begin_restart_vm(self, resource_group_name: str, name: str) -> Any:
        """Start restarting a VM; returns the SDK poller."""
        return self.compute_client.virtual_machines.begin_restart(resource_group_name, name)

    def restart_vm(self, resource_group_name: str, name: str) -> None:
        """Restart a running VM (``Restart-AzVM``)."""
        self._wait(f"Restarting virtual machine {name}", self.begin_restart_vm(resource_group_name, name))

    def begin_remove_vm(self, resource_group_name: str, name: str) -> Any:
        """Start deleting a VM; returns the SDK poller."""
        self._forget(resource_group_name, name, "vm-region")
        return self.compute_client.virtual_machines.begin_delete(resource_group_name, name)

    def remove_vm(self, resource_group_name: str, name: str) -> None:
        """Delete a VM (``Remove-AzVM -Force``); fine when already gone.

        As in Azure, its disks, NICs and public IPs stay unless they were created with
        ``delete_option="Delete"``.
        """
        self._wait(f"Removing virtual machine {name}", self.begin_remove_vm(resource_group_name, name))

    # -- Set-AzVMAccessExtension ------------------------------------------------------------------------
    def _vm_access_body(
        self,
        resource_group_name: str,
        vm_name: str,
        credential: Credential,
        location: str | None,
        type_handler_version: str | None,
        force_rerun: str | None,
        disable_auto_upgrade_minor_version: bool,
    ) -> dict[str, Any]:
        """Read the VM (its OS and region), check the credential against its OS's rules; return the extension's body."""
        check(isinstance(credential, Credential), "credential", type(credential).__name__, "must be an azrm.Credential")
        machine = self.compute_client.virtual_machines.get(resource_group_name, vm_name)
        os_disk = getattr(getattr(machine, "storage_profile", None), "os_disk", None)
        found = getattr(os_disk, "os_type", None)
        os_type = str(getattr(found, "value", found) or "")  # the SDK's enum, whose str() is its name
        if not os_type:
            linux = getattr(getattr(machine, "os_profile", None), "linux_configuration", None)
            os_type = "Linux" if linux is not None else "Windows"
        os_type = "Linux" if os_type.lower() == "linux" else "Windows"
        check_admin(credential, os_type, False, ())
        publisher, handler, default_version = VM_ACCESS_HANDLERS[os_type]
        user, password = credential.user_name, credential.password.get_secret_value()
        if os_type == "Windows":
            settings: dict[str, Any] = {"UserName": user}
            protected: dict[str, Any] = {"Password": password}
        else:
            settings, protected = {}, {"username": user, "password": password}
        properties: dict[str, Any] = {
            "publisher": publisher,
            "type": handler,
            "typeHandlerVersion": type_handler_version or default_version,
            "autoUpgradeMinorVersion": not disable_auto_upgrade_minor_version,
            "settings": settings,
            "protectedSettings": protected,  # Azure keeps it to itself: no GET returns it
        }
        if force_rerun:
            properties["forceUpdateTag"] = force_rerun
        region = self._location(location) if location else str(machine.location)
        return {"location": region, "properties": properties}

    def begin_set_vm_access_extension(
        self,
        resource_group_name: str,
        vm_name: str,
        *,
        credential: Credential,
        name: str | None = None,
        location: str | None = None,
        type_handler_version: str | None = None,
        force_rerun: str | None = None,
        disable_auto_upgrade_minor_version: bool = False,
    ) -> Any:
        """Start setting the VMAccess extension; returns the SDK poller (``Set-AzVMAccessExtension -NoWait``).

        Same parameters as :meth:`set_vm_access_extension`.
        """
        body = self._vm_access_body(
            resource_group_name,
            vm_name,
            credential,
            location,
            type_handler_version,
            force_rerun,
            disable_auto_upgrade_minor_version,
        )
        extension = name or body["properties"]["type"]
        return self.compute_client.virtual_machine_extensions.begin_create_or_update(
            resource_group_name, vm_name, extension, body
        )

    set_vm_access_extension = waiting_twin(
        begin_set_vm_access_extension,
        "Setting the VMAccess extension on {vm_name}",
        """Reset a VM's admin user and password with the VMAccess extension (``Set-AzVMAccessExtension``).

        The supported way to change the password of an existing VM: ``osProfile.adminPassword`` is fixed
        once the VM exists (a ``new_vm`` re-run with another password is a
        :class:`~azrm.errors.PropertyChangeError`). The extension sets the user's password inside the VM
        (a user that does not exist is created). The VM is read first, for its OS and region.

        On Windows it is ``Microsoft.Compute`` / ``VMAccessAgent`` (2.4) with ``settings``
        ``{"UserName": ...}`` and ``protectedSettings`` ``{"Password": ...}``; on Linux
        ``Microsoft.OSTCExtensions`` / ``VMAccessForLinux`` (1.5) with ``protectedSettings``
        ``{"username": ..., "password": ...}`` (Az's cmdlet is for Windows; on Linux it is what
        ``Set-AzVMExtension`` is given for the same job). The password travels only in
        ``protectedSettings``, which Azure never returns, and is masked in azrm's logs.

        :param resource_group_name: the VM's group (``-ResourceGroupName``).
        :param vm_name: the VM (``-VMName``).
        :keyword credential: the user name and new password (``-Credential``: ``azrm.Credential(user, password)``);
            checked against Azure's rules for the VM's OS before anything is sent.
        :keyword name: the extension's name (``-Name``; default the handler's type, ``VMAccessAgent``).
        :keyword location: the region (``-Location``; default the VM's).
        :keyword type_handler_version: ``-TypeHandlerVersion`` (default ``2.4`` on Windows, ``1.5`` on Linux).
        :keyword force_rerun: any new value runs the extension again with the same settings
            (``-ForceRerun``; sent as ``forceUpdateTag``).
        :keyword disable_auto_upgrade_minor_version: ``-DisableAutoUpgradeMinorVersion``.
        :returns: the SDK's ``VirtualMachineExtension`` (without its protected settings).
        :raises ValidationError: a credential Azure would refuse, before anything is sent.

        >>> az.set_vm_access_extension("KNRGTest01", "KNVM01", credential=azrm.Credential("knadmin", new_password))
        """,
    )
