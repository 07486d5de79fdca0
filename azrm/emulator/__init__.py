"""The local Azure: an Azure Resource Manager emulator the unmodified azure-mgmt SDK talks to.

In-process (fast, no sockets)::

    from azrm.emulator import Emulator, LocalCredential
    from azure.mgmt.resource import ResourceManagementClient

    emu = Emulator()
    client = ResourceManagementClient(LocalCredential(), emu.subscription_id,
                                      base_url="https://azrm.local", transport=emu.transport())

Over HTTPS with Azurite, as ``python -m azrm.emulator`` and ``azrm.local()`` run it: see
:class:`LocalAzure`.
"""

from __future__ import annotations

from .core.clock import ManualClock, SystemClock
from .core.engine import WIRING, Emulator, EmulatorSettings
from .core.errors import ArmError
from .core.faults import FaultPlan
from .core.latency import Latency
from .credential import LocalCredential
from .entra import EntraId
from .local import LocalAzure
from .providers import install


def _transport(emu: Emulator) -> object:
    from .core.transport import InProcessTransport

    return InProcessTransport(emu)


def _async_transport(emu: Emulator) -> object:
    from .core.transport import AsyncInProcessTransport

    return AsyncInProcessTransport(emu)


# Wire the engine at start-up: it imports no provider and no transport itself.
WIRING.install = install
WIRING.transport = _transport
WIRING.async_transport = _async_transport
WIRING.identity = EntraId

__all__ = [
    "ArmError",
    "Emulator",
    "EmulatorSettings",
    "FaultPlan",
    "Latency",
    "LocalAzure",
    "LocalCredential",
    "ManualClock",
    "SystemClock",
]
