"""Virtual machines.

``New-AzVM``, ``Get-AzVM``, ``Start-AzVM``, ``Stop-AzVM``, ``Restart-AzVM``, ``Remove-AzVM``.
"""

from __future__ import annotations

from typing import Any

from ..builders._base import check
from ..builders.compute import VMConfig
from ..errors import StepError, ValidationError
from .dsc import DscOperations
from .network import NetworkOperations

__all__ = ["ComputeOperations"]


class ComputeOperations(DscOperations, NetworkOperations):
    """Virtual machine operations (they publish and attach DSC configurations, and check NICs)."""

    def _prepare_vm(self, resource_group_name: str, location: str | None, vm: VMConfig) -> tuple[str, dict[str, Any]]:
        """Check everything a create needs before sending anything; returns (region, body)."""
        from azure.core.exceptions import ResourceNotFoundError

        check(isinstance(vm, VMConfig), "vm", type(vm).__name__, "must be an azrm.VMConfig (azrm.new_vm_config)")
        vm.check_complete()
        region = self._location(location)
        for ref in vm.network_interfaces:
            parts = ref.id.split("/")
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

    def begin_new_vm(self, resource_group_name: str, *, location: str | None = None, vm: VMConfig) -> Any:
        """Start creating a VM; returns the SDK poller (``New-AzVM -AsJob``).

        Only the VM itself: a configuration with DSC extensions needs :meth:`new_vm`, which publishes and
        attaches them after the VM exists.
        """
        check(
            isinstance(vm, VMConfig) and not vm.dsc_extensions,
            "vm.dsc_extensions",
            "...",
            "begin_new_vm starts the VM only; use new_vm for a configuration with DSC extensions",
        )
        _, body = self._prepare_vm(resource_group_name, location, vm)
        return self.compute_client.virtual_machines.begin_create_or_update(resource_group_name, vm.vm_name, body)

    def new_vm(self, resource_group_name: str, *, location: str | None = None, vm: VMConfig) -> Any:
        """Create a VM from a :class:`azrm.VMConfig` (``New-AzVM -VM``); returns the SDK's ``VirtualMachine``.

        With DSC extensions added (:meth:`azrm.VMConfig.add_dsc_extension`) it then, step by step,
        publishes each configuration to blob storage (unless already published) and attaches the DSC
        extension, reporting each step.

        :raises ValidationError: before any request, for anything Azure would refuse that can be known
            here: names, passwords, missing parts, NICs in another region, DSC modules not found.
        :raises StepError: when a step fails; it says which steps completed and what exists now.
        """
        region, body = self._prepare_vm(resource_group_name, location, vm)
        archives = self._dsc_archives(vm.dsc_extensions)
        completed: list[str] = []
        step = f"Creating virtual machine {vm.vm_name}"
        try:
            poller = self.compute_client.virtual_machines.begin_create_or_update(resource_group_name, vm.vm_name, body)
            result = self._wait(step, poller)
            completed.append(step)
            if not vm.dsc_extensions:
                return result
            for ext in vm.dsc_extensions:
                step = f"Publishing DSC configuration {ext.archive_blob_name} to {ext.storage_account_name}"
                storage_rg = self._publish_for(resource_group_name, ext, archives, completed)
                step = f"Attaching DSC extension {ext.name} ({ext.resolved_configuration_name}) to {vm.vm_name}"
                self.set_vm_dsc_extension(
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
                    name=ext.name,
                    auto_update=ext.auto_update,
                    location=region,
                    step=step,
                )
                completed.append(step)
        except Exception as exc:
            # A lone VM create fails as the SDK call it is; so does bad input found before anything exists.
            if not vm.dsc_extensions or (isinstance(exc, ValidationError) and not completed):
                raise
            raise StepError(
                step, completed=completed, existing=self._existing_after(resource_group_name, vm), cause=exc
            ) from exc
        return self.compute_client.virtual_machines.get(resource_group_name, vm.vm_name)

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

    def get_vm(self, resource_group_name: str, name: str, *, status: bool = False) -> Any:
        """Get a VM (``Get-AzVM``), or with ``status=True`` its instance view (``Get-AzVM -Status``).

        The instance view holds the provisioning and power states, the agent, disks and extensions.
        """
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
        return self.compute_client.virtual_machines.begin_delete(resource_group_name, name)

    def remove_vm(self, resource_group_name: str, name: str) -> None:
        """Delete a VM (``Remove-AzVM -Force``); fine when already gone.

        As in Azure, its disks, NICs and public IPs stay unless they were created with
        ``delete_option="Delete"``.
        """
        self._wait(f"Removing virtual machine {name}", self.begin_remove_vm(resource_group_name, name))
