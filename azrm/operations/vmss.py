"""VM scale sets: ``New-AzVmss``, ``Get-AzVmss``, ``Update-AzVmss``, ``Get-AzVmssVM``, ``Update-AzVmssInstance``...

Scale set operations check what they can before any write, as the VM ones do: the configuration's
parts and names, and that each inbound NAT pool has a frontend port for every instance (plus the
overprovisioned ones Azure creates for a while), which is what Azure refuses with
``InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts`` otherwise.
"""

from __future__ import annotations

import contextlib
import datetime
import math
from collections.abc import Sequence
from typing import Any

from .._aliases import accepts_aliases
from .._session_base import waiting_twin
from ..builders._base import check
from ..builders.vmss import MAX_CAPACITY, VmssConfig
from ..errors import StepError
from .compute import ComputeOperations

__all__ = ["VmssOperations"]

#: the cmdlets' other names for ``-VMScaleSetName`` and ``-VirtualMachineScaleSet`` (``name`` and
#: ``vmss`` are also what azrm called them first)
_NAME = {"name": "vm_scale_set_name"}
_CONFIG = {"vmss": "virtual_machine_scale_set"}

#: The SAS a scale set's DSC extension reads the archive with: instances added later (autoscale)
#: fetch it too, so it lives long. Read-only, one blob, in the protected settings.
VMSS_DSC_SAS_LIFETIME = datetime.timedelta(days=365)


def _instance_ids(instance_id: str | int | Sequence[str | int] | None) -> list[str] | None:
    if instance_id is None:
        return None
    values = [instance_id] if isinstance(instance_id, (str, int)) else list(instance_id)
    check(bool(values), "instance_id", instance_id, "give one or more instance ids (or leave it out for all)")
    for value in values:
        check(str(value).isdigit() or value == "*", "instance_id", value, "an instance id is a whole number such as 0")
    return [str(v) for v in values]


class VmssOperations(ComputeOperations):
    """Scale sets and their instances."""

    def _nat_ports_check(self, vmss: VmssConfig, new_instances: int) -> None:
        """Each inbound NAT pool must have a port for every new instance (and overprovisioned ones)."""
        if new_instances <= 0:
            return
        extra = math.ceil(new_instances / 2) if vmss.overprovision is not False else 0
        needed = new_instances + extra
        for nic in vmss.network_interface_configurations:
            for ip in nic.ip_configurations:
                for pool_id in ip.load_balancer_inbound_nat_pools_id:
                    lb_id, _, pool_name = pool_id.partition("/inboundNatPools/")
                    parts = lb_id.split("/")
                    lb = self.network_client.load_balancers.get(parts[4], parts[-1])
                    pool = next((p for p in lb.inbound_nat_pools or [] if p.name.lower() == pool_name.lower()), None)
                    check(
                        pool is not None,
                        "load_balancer_inbound_nat_pools_id",
                        pool_id,
                        f"load balancer {parts[-1]} has no inbound NAT pool {pool_name}",
                    )
                    assert pool is not None
                    # ports the pool gave out already (to this scale set's instances or another's)
                    used = [r for r in lb.inbound_nat_rules or [] if r.name.lower().startswith(pool.name.lower() + ".")]
                    size = pool.frontend_port_range_end - pool.frontend_port_range_start + 1
                    free = size - len(used)
                    check(
                        free >= needed,
                        "sku_capacity",
                        vmss.sku_capacity,
                        f"inbound NAT pool {pool.name} ({pool.frontend_port_range_start}-"
                        f"{pool.frontend_port_range_end}) has {free} free frontend ports; "
                        f"{new_instances} new instances need {needed}"
                        + (" (with the overprovisioned ones)" if extra else "")
                        + ": widen the range or pass overprovision=False",
                    )

    def _prepare_vmss(self, resource_group_name: str, vm_scale_set_name: str, vmss: VmssConfig) -> str:
        check(
            isinstance(vmss, VmssConfig),
            "virtual_machine_scale_set",
            type(vmss).__name__,
            "must be an azrm.VmssConfig (azrm.new_vmss_config)",
        )
        vmss.check_complete(vm_scale_set_name)
        region = self._location(vmss.location)
        storage = vmss.storage_profile
        found = self._catalogue_problem(
            region,
            vmss.sku_name,
            (
                storage.image_reference_publisher,
                storage.image_reference_offer,
                storage.image_reference_sku,
                storage.image_reference_version,
            )
            if storage is not None
            else None,
        )
        if found is not None:
            field, value, rule = found
            check(False, f"virtual_machine_scale_set.{'sku_name' if field == 'vm_size' else field}", value, rule)
        self._nat_ports_check(vmss, vmss.sku_capacity)
        return region

    @accepts_aliases(**_NAME, **_CONFIG)
    def begin_new_vmss(
        self, resource_group_name: str, vm_scale_set_name: str, *, virtual_machine_scale_set: VmssConfig
    ) -> Any:
        """Start creating a scale set; returns the SDK poller (``New-AzVmss -AsJob``).

        Only the scale set itself: a configuration with DSC extensions needs :meth:`new_vmss`, which
        publishes the archives first.
        """
        vmss = virtual_machine_scale_set
        check(
            isinstance(vmss, VmssConfig) and not vmss.dsc_extensions,
            "virtual_machine_scale_set.dsc_extensions",
            "...",
            "begin_new_vmss creates the scale set only; use new_vmss for a configuration with DSC extensions",
        )
        region = self._prepare_vmss(resource_group_name, vm_scale_set_name, vmss)
        body = vmss.to_body()
        body["location"] = region
        return self.compute_client.virtual_machine_scale_sets.begin_create_or_update(
            resource_group_name, vm_scale_set_name, body
        )

    @accepts_aliases(**_NAME, **_CONFIG)
    def new_vmss(
        self, resource_group_name: str, vm_scale_set_name: str, *, virtual_machine_scale_set: VmssConfig
    ) -> Any:
        """Create a scale set (``New-AzVmss -VirtualMachineScaleSet``); returns ``VirtualMachineScaleSet``.

        ``vm_scale_set_name`` is also ``name``, ``virtual_machine_scale_set`` also ``vmss``, as in the cmdlet
        (and azrm before it took the cmdlet's names).

        With DSC extensions (:meth:`azrm.VmssConfig.add_dsc_extension`) it first publishes each
        configuration to blob storage (unless already published), then creates the scale set with the
        extensions in its model, so every instance applies them as it starts, reporting each step.

        :raises ValidationError: before any request, for a missing part, a name, password or computer
            name prefix Azure would refuse, or a NAT pool too small for the capacity.
        :raises StepError: when a step fails after the first one; it says what exists now.
        """
        vmss = virtual_machine_scale_set
        region = self._prepare_vmss(resource_group_name, vm_scale_set_name, vmss)
        archives = self._dsc_archives(vmss.dsc_extensions)
        completed: list[str] = []
        step = ""
        try:
            entries = []
            for ext in vmss.dsc_extensions:
                step = f"Publishing DSC configuration {ext.archive_blob_name} to {ext.storage_account_name}"
                storage_rg = self._publish_for(resource_group_name, ext, archives, completed)
                properties = self.dsc_extension_properties(
                    storage_rg,
                    archive_blob_name=ext.archive_blob_name,
                    archive_storage_account_name=ext.storage_account_name,
                    configuration_name=ext.resolved_configuration_name,
                    version=ext.version,
                    archive_container_name=ext.container_name,
                    configuration_argument=ext.arguments,
                    configuration_data_path=ext.configuration_data_path,
                    wmf_version=ext.wmf_version,
                    auto_update=ext.auto_update,
                    sas_lifetime=VMSS_DSC_SAS_LIFETIME,
                )
                entries.append({"name": ext.name, "properties": properties})
            body = vmss.to_body(extensions=entries)
            body["location"] = region
            step = f"Creating scale set {vm_scale_set_name} ({vmss.sku_capacity} instances)"
            poller = self.compute_client.virtual_machine_scale_sets.begin_create_or_update(
                resource_group_name, vm_scale_set_name, body
            )
            return self._wait(step, poller)
        except Exception as exc:
            if not completed:  # nothing was written: the SDK's or our own error as it is
                raise
            from azure.core.exceptions import ResourceNotFoundError

            existing = []
            # a scale set whose creation failed exists (Failed); one that was refused does not
            with contextlib.suppress(ResourceNotFoundError):
                existing.append(
                    self.compute_client.virtual_machine_scale_sets.get(resource_group_name, vm_scale_set_name).id
                )
            raise StepError(step, completed=completed, existing=existing, cause=exc) from exc

    @accepts_aliases(**_NAME)
    def get_vmss(
        self, resource_group_name: str | None = None, vm_scale_set_name: str | None = None, *, status: bool = False
    ) -> Any:
        """Get a scale set (``Get-AzVmss``); with ``status=True`` its instance view (``-InstanceView``).

        The instance view counts the instances' states (``virtual_machine.statuses_summary``) and the
        extensions' (``extensions[].statuses_summary``). Without ``vm_scale_set_name``, the scale sets
        of the group (or of the subscription) as a list, as ``Get-AzVmss`` lists them: :meth:`list_vmss`.
        """
        if vm_scale_set_name is None:
            check(not status, "status", status, "give the scale set's name with status=True")
            return self.list_vmss(resource_group_name)
        check(resource_group_name is not None, "resource_group_name", None, "give the scale set's resource group")
        sets = self.compute_client.virtual_machine_scale_sets
        return (
            sets.get_instance_view(resource_group_name, vm_scale_set_name)
            if status
            else sets.get(resource_group_name, vm_scale_set_name)
        )

    def list_vmss(self, resource_group_name: str | None = None) -> list[Any]:
        """Scale sets of a group, or of the subscription (``Get-AzVmss``)."""
        sets = self.compute_client.virtual_machine_scale_sets
        return list(sets.list(resource_group_name) if resource_group_name else sets.list_all())

    @accepts_aliases(**_NAME, **_CONFIG)
    def begin_update_vmss(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        *,
        sku_capacity: int | None = None,
        upgrade_policy_mode: str | None = None,
        virtual_machine_scale_set: VmssConfig | None = None,
    ) -> Any:
        """Start changing a scale set; returns the SDK poller."""
        sets = self.compute_client.virtual_machine_scale_sets
        vmss = virtual_machine_scale_set
        if vmss is not None:
            check(
                sku_capacity is None and upgrade_policy_mode is None,
                "virtual_machine_scale_set",
                "...",
                "give a whole VmssConfig, or sku_capacity/upgrade_policy_mode, not both",
            )
            region = self._location(vmss.location)
            vmss.check_complete(vm_scale_set_name)
            current = sets.get(resource_group_name, vm_scale_set_name)
            self._nat_ports_check(vmss, vmss.sku_capacity - int(current.sku.capacity))
            body = vmss.to_body()
            body["location"] = region
            return sets.begin_create_or_update(resource_group_name, vm_scale_set_name, body)
        patch: dict[str, Any] = {}
        if sku_capacity is not None:
            check(
                isinstance(sku_capacity, int)
                and not isinstance(sku_capacity, bool)
                and 0 <= sku_capacity <= MAX_CAPACITY,
                "sku_capacity",
                sku_capacity,
                f"0 to {MAX_CAPACITY} instances",
            )
            current = sets.get(resource_group_name, vm_scale_set_name)
            if sku_capacity > int(current.sku.capacity):
                self._nat_ports_check(self._config_of(current), sku_capacity - int(current.sku.capacity))
            patch["sku"] = {"capacity": sku_capacity}
        if upgrade_policy_mode is not None:
            modes = {"manual": "Manual", "automatic": "Automatic", "rolling": "Rolling"}
            check(
                upgrade_policy_mode.lower() in modes,
                "upgrade_policy_mode",
                upgrade_policy_mode,
                "Manual, Automatic or Rolling",
            )
            patch["properties"] = {"upgradePolicy": {"mode": modes[upgrade_policy_mode.lower()]}}
        check(bool(patch), "sku_capacity", None, "give sku_capacity, upgrade_policy_mode or a VmssConfig to change")
        return sets.begin_update(resource_group_name, vm_scale_set_name, patch)

    @staticmethod
    def _config_of(current: Any) -> VmssConfig:
        """Enough of a deployed scale set's model for the NAT check (its NAT pools, overprovisioning)."""
        from ..builders.vmss import VmssIpConfig, VmssNetworkInterfaceConfig

        nics = []
        for nic in current.virtual_machine_profile.network_profile.network_interface_configurations or []:
            ips = tuple(
                VmssIpConfig(
                    name=ip.name,
                    subnet_id=ip.subnet.id,
                    load_balancer_inbound_nat_pools_id=tuple(p.id for p in ip.load_balancer_inbound_nat_pools or []),
                )
                for ip in nic.ip_configurations
            )
            nics.append(VmssNetworkInterfaceConfig(name=nic.name, primary=bool(nic.primary), ip_configurations=ips))
        return VmssConfig(
            location=current.location,
            sku_name=current.sku.name,
            sku_capacity=int(current.sku.capacity),
            overprovision=current.overprovision,
            single_placement_group=False,
            network_interface_configurations=tuple(nics),
        )

    update_vmss = waiting_twin(
        begin_update_vmss,
        lambda a: (
            f"Updating scale set {a['vm_scale_set_name']}"
            + (f" to {a['sku_capacity']} instances" if a.get("sku_capacity") is not None else "")
        ),
        """Change a scale set (``Update-AzVmss``): its capacity, its upgrade policy, or its whole model.

        ``sku_capacity`` scales out or in (Azure removes the highest instance ids first). A changed
        model (``virtual_machine_scale_set=`` a :class:`azrm.VmssConfig`) reaches existing instances at once with the
        Automatic upgrade policy; with Manual they wait for :meth:`update_vmss_instance`.

        :raises ValidationError: for a capacity out of range or beyond what the NAT pools can hold.
        """,
    )

    @accepts_aliases(**_NAME)
    def get_vmss_vm(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        instance_id: str | int | None = None,
        *,
        status: bool = False,
    ) -> Any:
        """Instances of a scale set (``Get-AzVmssVM``): all of them, or one; ``status=True`` adds instance views.

        For one instance with ``status=True`` it returns that instance's instance view (``-InstanceView``).
        """
        vms = self.compute_client.virtual_machine_scale_set_vms
        if instance_id is None:
            return list(vms.list(resource_group_name, vm_scale_set_name, expand="instanceView" if status else None))
        ids = _instance_ids(instance_id)
        assert ids is not None
        if status:
            return vms.get_instance_view(resource_group_name, vm_scale_set_name, ids[0])
        return vms.get(resource_group_name, vm_scale_set_name, ids[0])

    @accepts_aliases(**_NAME)
    def begin_update_vmss_instance(
        self, resource_group_name: str, vm_scale_set_name: str, instance_id: str | int | Sequence[str | int]
    ) -> Any:
        """Start upgrading instances to the latest model; returns the SDK poller."""
        ids = _instance_ids(instance_id)
        return self.compute_client.virtual_machine_scale_sets.begin_update_instances(
            resource_group_name, vm_scale_set_name, {"instanceIds": ids}
        )

    update_vmss_instance = waiting_twin(
        begin_update_vmss_instance,
        "Upgrading instances {instance_id} of scale set {vm_scale_set_name} to the latest model",
        """Bring instances to the scale set's latest model (``Update-AzVmssInstance -InstanceId``).

        With the Manual upgrade policy this is how a model change (a new extension, image version...)
        reaches existing instances; ``"*"`` names them all.
        """,
    )

    @accepts_aliases(**_NAME)
    def begin_remove_vmss(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        *,
        instance_id: str | int | Sequence[str | int] | None = None,
    ) -> Any:
        """Start deleting a scale set, or some of its instances; returns the SDK poller."""
        sets = self.compute_client.virtual_machine_scale_sets
        ids = _instance_ids(instance_id)
        if ids is None:
            return sets.begin_delete(resource_group_name, vm_scale_set_name)
        return sets.begin_delete_instances(resource_group_name, vm_scale_set_name, {"instanceIds": ids})

    @accepts_aliases(**_NAME)
    def remove_vmss(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        *,
        instance_id: str | int | Sequence[str | int] | None = None,
    ) -> None:
        """Delete a scale set with its instances, or only the named instances (``Remove-AzVmss [-InstanceId]``).

        Removing instances lowers the capacity accordingly. Fine when the scale set is already gone.
        """
        from azure.core.exceptions import ResourceNotFoundError

        what = (
            f"instances {instance_id} of scale set {vm_scale_set_name}"
            if instance_id is not None
            else f"scale set {vm_scale_set_name}"
        )
        try:
            poller = self.begin_remove_vmss(resource_group_name, vm_scale_set_name, instance_id=instance_id)
        except ResourceNotFoundError:
            if instance_id is not None:
                raise
            return
        self._wait(f"Removing {what}", poller)

    def _vmss_action(self, action: str, resource_group_name: str, vm_scale_set_name: str, instance_id: Any) -> Any:
        sets = self.compute_client.virtual_machine_scale_sets
        ids = _instance_ids(instance_id)
        body = {"instanceIds": ids} if ids is not None else None
        method = getattr(sets, f"begin_{action}")
        return (
            method(resource_group_name, vm_scale_set_name, vm_instance_i_ds=body)
            if body
            else method(resource_group_name, vm_scale_set_name)
        )

    @accepts_aliases(**_NAME)
    def begin_start_vmss(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        *,
        instance_id: str | int | Sequence[str | int] | None = None,
    ) -> Any:
        """Start starting instances; returns the SDK poller."""
        return self._vmss_action("start", resource_group_name, vm_scale_set_name, instance_id)

    @accepts_aliases(**_NAME)
    def begin_stop_vmss(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        *,
        instance_id: str | int | Sequence[str | int] | None = None,
        stay_provisioned: bool = False,
    ) -> Any:
        """Start stopping instances; returns the SDK poller."""
        action = "power_off" if stay_provisioned else "deallocate"
        return self._vmss_action(action, resource_group_name, vm_scale_set_name, instance_id)

    @accepts_aliases(**_NAME)
    def begin_restart_vmss(
        self,
        resource_group_name: str,
        vm_scale_set_name: str,
        *,
        instance_id: str | int | Sequence[str | int] | None = None,
    ) -> Any:
        """Start restarting instances; returns the SDK poller."""
        return self._vmss_action("restart", resource_group_name, vm_scale_set_name, instance_id)

    start_vmss = waiting_twin(
        begin_start_vmss,
        "Starting scale set {vm_scale_set_name}",
        """Start a scale set's instances, or the named ones (``Start-AzVmss [-InstanceId]``).""",
    )
    stop_vmss = waiting_twin(
        begin_stop_vmss,
        "Stopping scale set {vm_scale_set_name}",
        """Stop instances (``Stop-AzVmss [-InstanceId] [-StayProvisioned]``).

        By default they are deallocated (no compute charges); ``stay_provisioned=True`` only powers them off.
        """,
    )
    restart_vmss = waiting_twin(
        begin_restart_vmss,
        "Restarting scale set {vm_scale_set_name}",
        """Restart a scale set's instances, or the named ones (``Restart-AzVmss [-InstanceId]``).""",
    )
