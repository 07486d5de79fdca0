"""Microsoft.Compute/virtualMachineScaleSets (Uniform orchestration).

A scale set is a model (``virtualMachineProfile``) and a capacity. The local Azure keeps one record
per instance under the scale set (``.../virtualMachines/<instanceId>``, hidden from resource lists as
in Azure) with its own network interfaces: private addresses from the subnet, membership of load
balancer backend pools, and a port from each inbound NAT pool. Those take part in the network
backends' allocation, pool and NAT views through ``emu.ip_config_sources``.

Where each part lives:

- ``models.py``: the model, validated as the Compute RP does (size and capacity, image, OS, network
  and extension profiles, upgrade policy).
- ``instances.py``: instances made from the model (ids, names, addresses, NAT ports, extensions),
  scaling with overprovisioning and scale-in policy, and model upgrades.
- ``instance_view.py``: instances read as VMs; the scale set's instance view counts their statuses.
- ``nics.py``: the instances' network interfaces, as the Network RP shows them.
- ``extensions.py``: the model's extensions as child resources, and each instance's applied ones.
- ``power.py``: start, powerOff, restart, deallocate, redeploy and reimage of instances.
- ``responses.py``: the routes, the scale set's and its instances' handlers, and the backend class.
"""

from __future__ import annotations

from .responses import VirtualMachineScaleSetBackend

__all__ = ["VirtualMachineScaleSetBackend"]
