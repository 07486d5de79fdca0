"""How long provisioning takes in the local Azure.

``instant`` (the default, for tests) finishes every long-running operation at the client's first
poll; ``realistic`` uses typical durations per resource type and operation, seen when provisioning
in Azure, and a factor scales them (``0.05`` turns a 90 s VM create into 4.5 s for a demo).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["REALISTIC_SECONDS", "Latency"]

#: Typical durations in seconds, keyed by ``"<resource type>:<operation>"`` (lower case). Operations:
#: create, update, delete, and action names (start, powerOff, restart, deallocate...).
REALISTIC_SECONDS: Mapping[str, float] = {
    "microsoft.resources/resourcegroups:delete": 20.0,
    "microsoft.storage/storageaccounts:create": 20.0,
    "microsoft.network/publicipaddresses:create": 3.0,
    "microsoft.network/publicipaddresses:delete": 10.0,
    "microsoft.network/virtualnetworks:create": 4.0,
    "microsoft.network/virtualnetworks:delete": 10.0,
    "microsoft.network/virtualnetworks/subnets:create": 3.0,
    "microsoft.network/virtualnetworks/subnets:delete": 8.0,
    "microsoft.network/networkinterfaces:create": 2.0,
    "microsoft.network/networkinterfaces:delete": 10.0,
    "microsoft.network/networksecuritygroups:create": 3.0,
    "microsoft.network/networksecuritygroups:delete": 10.0,
    "microsoft.network/networksecuritygroups/securityrules:create": 3.0,
    "microsoft.network/loadbalancers:create": 4.0,
    "microsoft.network/loadbalancers:delete": 10.0,
    "microsoft.compute/virtualmachines:create": 90.0,
    "microsoft.compute/virtualmachines:update": 30.0,
    "microsoft.compute/virtualmachines:delete": 60.0,
    "microsoft.compute/virtualmachines:start": 30.0,
    "microsoft.compute/virtualmachines:poweroff": 30.0,
    "microsoft.compute/virtualmachines:restart": 40.0,
    "microsoft.compute/virtualmachines:deallocate": 60.0,
    "microsoft.compute/virtualmachines/extensions:create": 120.0,
    "microsoft.compute/virtualmachines/extensions:update": 60.0,
    "microsoft.compute/virtualmachines/extensions:delete": 30.0,
    "microsoft.compute/virtualmachinescalesets:create": 120.0,
    "microsoft.compute/virtualmachinescalesets:update": 90.0,
    "microsoft.compute/virtualmachinescalesets:delete": 90.0,
    "microsoft.compute/virtualmachinescalesets:manualupgrade": 60.0,
    "microsoft.compute/virtualmachinescalesets:deleteinstances": 60.0,
    "microsoft.compute/virtualmachinescalesets:start": 30.0,
    "microsoft.compute/virtualmachinescalesets:poweroff": 30.0,
    "microsoft.compute/virtualmachinescalesets:restart": 40.0,
    "microsoft.compute/virtualmachinescalesets:deallocate": 60.0,
    "microsoft.compute/disks:create": 5.0,
    "microsoft.compute/disks:delete": 5.0,
}
_DEFAULT_SECONDS = 5.0


@dataclass(frozen=True)
class Latency:
    """Provisioning latency: realistic durations times ``factor`` (0 = instant), plus overrides.

    ``overrides`` maps ``"<type>:<operation>"`` (or just ``"<type>"``) to an exact duration in
    seconds, not scaled, so a test can make one operation slow while the rest stay instant.
    """

    factor: float = 0.0
    overrides: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.factor < 0:
            raise ValueError(f"latency factor: {self.factor!r} is negative")

    @classmethod
    def instant(cls) -> Latency:
        """Every operation finishes at the first poll."""
        return cls(0.0)

    @classmethod
    def realistic(cls, factor: float = 1.0) -> Latency:
        """Typical Azure durations, scaled by ``factor``."""
        return cls(factor)

    @classmethod
    def parse(cls, spec: str) -> Latency:
        """``"instant"``, ``"realistic"`` or a factor such as ``"0.1"`` (the CLI's ``--latency``)."""
        text = spec.strip().lower()
        if text == "instant":
            return cls.instant()
        if text == "realistic":
            return cls.realistic()
        try:
            factor = float(text)
        except ValueError:
            raise ValueError(
                f"latency: {spec!r} is not 'instant', 'realistic' or a non-negative factor such as 0.1"
            ) from None
        return cls.realistic(factor)

    def seconds(self, resource_type: str, operation: str) -> float:
        """How long ``operation`` on ``resource_type`` takes."""
        rtype = resource_type.lower()
        op_key = f"{rtype}:{operation.lower()}"
        for wanted in (op_key, rtype):
            for name, seconds in self.overrides.items():
                if name.lower() == wanted:
                    return float(seconds)
        if self.factor == 0:
            return 0.0
        return REALISTIC_SECONDS.get(op_key, _DEFAULT_SECONDS) * self.factor

    def describe(self) -> str:
        """Short text for logs."""
        return "instant" if self.factor == 0 else f"realistic x{self.factor:g}"
