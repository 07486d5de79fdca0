"""Microsoft.Compute/virtualMachines.

Validation as the Compute RP does it, disks (managed, or VHD page blobs in Azurite), NICs and public
IPs that follow the VM, power states, instance views.

Where each part lives:

- ``validation.py``: password, admin user, VM name and marketplace image rules (scale sets use them too).
- ``models.py``: the body checked into a record, one profile at a time (hardware, OS, network,
  availability set, identity).
- ``storage_profile.py``: the OS disk, the image and the data disks.
- ``disk_steps.py``: disks created, attached and detached when the operation completes.
- ``instance_view.py``: the VM as ARM returns it, and its instance view.
- ``power.py``: start, powerOff, restart, deallocate, redeploy, reapply, generalize, and the
  addresses that follow the power state.
- ``responses.py``: the routes, the handlers, and the backend class.
"""

from __future__ import annotations

from .responses import VirtualMachineBackend

__all__ = ["VirtualMachineBackend"]
