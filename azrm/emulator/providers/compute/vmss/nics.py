"""Show scale set instances' network interfaces, as the Network RP serves them under the Compute path.

The NICs live in each instance's record (``instances.py`` picks their addresses and NAT ports). From
there they take part in the network backends' allocation, pool and NAT views (``IpConfigSource``),
and the ``.../virtualMachines/<id>/networkInterfaces`` routes show them: an IP configuration in a NAT
pool lists the NAT rule ``<pool>.<instance id>`` it yields, and a running instance's NIC has a MAC address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ....core.errors import ArmError
from ....core.ids import key
from ....core.store import Record
from ....core.wire import Response
from ...base import json_response, list_response
from ..common import VMSS_VM_TYPE
from .common import ScaleSetBase

if TYPE_CHECKING:
    from ....core.wire import Call


class ScaleSetNics(ScaleSetBase):
    """The instances' NICs and IP configurations."""

    # -- the network view of instances ----------------------------------------------------------------
    def scale_set_ip_configs(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """Yield every instance's IP configurations, in the NIC shape (see ``IpConfigSource``)."""
        for inst in self.store.of_type(VMSS_VM_TYPE):
            for nic in inst.internal.get("nics", []):
                for ipc in nic["ipConfigurations"]:
                    yield inst.id, self._ip_config_body(inst, ipc)

    def nat_pool_rules(self, pool_id: str) -> list[dict[str, Any]]:
        """Return the NAT rules a NAT pool yields, one per instance: ``<pool>.<instance id>``."""
        wanted = key(pool_id)
        pool_name = pool_id.rsplit("/", 1)[-1]
        rules = []
        for inst in self.store.of_type(VMSS_VM_TYPE):
            for nic in inst.internal.get("nics", []):
                for ipc in nic["ipConfigurations"]:
                    port = (ipc.get("natPorts") or {}).get(wanted)
                    if port is not None:
                        rules.append(
                            {
                                "name": f"{pool_name}.{inst.body['instanceId']}",
                                "frontendPort": port,
                                "target": ipc["id"],
                            }
                        )
        return sorted(rules, key=lambda r: r["frontendPort"])

    @staticmethod
    def _nat_rule_ids(ipc: dict[str, Any]) -> list[str]:
        instance = ipc["id"].split("/virtualMachines/", 1)[1].split("/", 1)[0]
        return [
            f"{pool.rsplit('/inboundNatPools/', 1)[0]}/inboundNatRules/{pool.rsplit('/', 1)[-1]}.{instance}"
            for pool in ipc.get("natPools", [])
        ]

    def _ip_config_body(self, inst: Record, ipc: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "privateIPAddress": ipc["privateIPAddress"],
            "privateIPAllocationMethod": "Dynamic",
            "subnet": {"id": ipc["subnet"]},
            "primary": ipc["primary"],
            "privateIPAddressVersion": "IPv4",
            "provisioningState": "Succeeded",
        }
        if ipc.get("pools"):
            props["loadBalancerBackendAddressPools"] = [{"id": p} for p in ipc["pools"]]
        if ipc.get("natPools"):
            props["loadBalancerInboundNatPools"] = [{"id": p} for p in ipc["natPools"]]
            props["loadBalancerInboundNatRules"] = [{"id": r} for r in self._nat_rule_ids(ipc)]
        return {
            "name": ipc["name"],
            "id": ipc["id"],
            "etag": inst.body.get("etag"),
            "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
            "properties": props,
        }

    def _nic_body(self, inst: Record, nic: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "resourceGuid": inst.internal.setdefault("nicGuids", {}).setdefault(nic["name"], self.guid()),
            "ipConfigurations": [self._ip_config_body(inst, ipc) for ipc in nic["ipConfigurations"]],
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
            "primary": nic["primary"],
            "enableAcceleratedNetworking": nic["enableAcceleratedNetworking"],
            "enableIPForwarding": nic["enableIPForwarding"],
            "virtualMachine": {"id": inst.id},
            "hostedWorkloads": [],
            "tapConfigurations": [],
            "nicType": "Standard",
        }
        if nic.get("nsg"):
            props["networkSecurityGroup"] = {"id": nic["nsg"]}
        mac = inst.internal.setdefault("macs", {}).setdefault(
            nic["name"], "00-0D-3A-" + "-".join(f"{self.emu.rng.randrange(256):02X}" for _ in range(3))
        )
        if inst.internal.get("power") == "running":
            props["macAddress"] = mac
        return {"name": nic["name"], "id": nic["id"], "location": inst.location, "properties": props}

    # -- the instances' NICs (Network RP routes) -----------------------------------------------------------
    def _nics_of(self, inst: Record) -> Iterator[dict[str, Any]]:
        for nic in inst.internal.get("nics", []):
            yield self._nic_body(inst, nic)

    def list_all_nics(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(n for inst in self.instances(vmss.id) for n in self._nics_of(inst))

    def list_instance_nics(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(self._nics_of(self._instance_or_404(call, vmss)))

    def _instance_nic(self, call: Call) -> dict[str, Any]:
        vmss = self.vmss_or_404(call)
        inst = self._instance_or_404(call, vmss)
        wanted = call.params["networkInterfaceName"].lower()
        for nic in self._nics_of(inst):
            if nic["name"].lower() == wanted:
                return nic
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.Compute/virtualMachineScaleSets/{vmss.name}/virtualMachines/"
            f"{inst.body['instanceId']}/networkInterfaces/{call.params['networkInterfaceName']}' under resource group "
            f"'{call.rg}' was not found.",
        )

    def get_instance_nic(self, call: Call) -> Response:
        return json_response(200, self._instance_nic(call))

    def list_instance_ip_configs(self, call: Call) -> Response:
        return list_response(self._instance_nic(call)["properties"]["ipConfigurations"])

    def get_instance_ip_config(self, call: Call) -> Response:
        wanted = call.params["ipConfigurationName"].lower()
        for ipc in self._instance_nic(call)["properties"]["ipConfigurations"]:
            if ipc["name"].lower() == wanted:
                return json_response(200, ipc)
        raise ArmError(404, "NotFound", f"IP configuration {call.params['ipConfigurationName']} was not found.")
