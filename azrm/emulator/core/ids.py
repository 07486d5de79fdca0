"""ARM resource ids: parse, build and compare (case-insensitively, as ARM does)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ResourceId", "key", "normalize_location", "resource_group_id"]


def key(resource_id: str) -> str:
    """Return the comparison key of an id: ARM ids and names are case-insensitive."""
    return resource_id.rstrip("/").lower()


def resource_group_id(subscription_id: str, resource_group: str) -> str:
    """``/subscriptions/{sub}/resourceGroups/{rg}``."""
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def normalize_location(location: str) -> str:
    """``"West Europe"`` -> ``"westeurope"``: how resource providers store a region."""
    return location.replace(" ", "").lower()


@dataclass(frozen=True)
class ResourceId:
    """A parsed resource id.

    For example ``/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a``.

    ``types`` and ``names`` run from the top-level resource down to the child
    (``("virtualNetworks", "subnets")`` and ``("v", "a")``).
    """

    subscription: str
    resource_group: str | None
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def parse(cls, resource_id: str) -> ResourceId:
        """Parse an id; raises ``ValueError`` when it is not a provider resource id."""
        parts = [p for p in resource_id.strip().split("/") if p]
        if len(parts) < 2 or parts[0].lower() != "subscriptions":
            raise ValueError(f"not a resource id: {resource_id!r}")
        subscription = parts[1]
        rest = parts[2:]
        resource_group = None
        if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
            resource_group = rest[1]
            rest = rest[2:]
        if len(rest) < 4 or rest[0].lower() != "providers" or len(rest[2:]) % 2:
            raise ValueError(f"not a provider resource id: {resource_id!r}")
        namespace = rest[1]
        pairs = rest[2:]
        return cls(subscription, resource_group, namespace, tuple(pairs[0::2]), tuple(pairs[1::2]))

    @property
    def type(self) -> str:
        """Full resource type, e.g. ``Microsoft.Network/virtualNetworks/subnets``."""
        return "/".join((self.namespace, *self.types))

    @property
    def name(self) -> str:
        """The last name in the id."""
        return self.names[-1]

    @property
    def parent(self) -> ResourceId | None:
        """The parent resource's id, or ``None`` for a top-level resource."""
        if len(self.types) == 1:
            return None
        return ResourceId(self.subscription, self.resource_group, self.namespace, self.types[:-1], self.names[:-1])

    def child(self, child_type: str, name: str) -> ResourceId:
        """Return the id of a child resource."""
        return ResourceId(
            self.subscription, self.resource_group, self.namespace, (*self.types, child_type), (*self.names, name)
        )

    def __str__(self) -> str:
        scope = f"/subscriptions/{self.subscription}"
        if self.resource_group is not None:
            scope += f"/resourceGroups/{self.resource_group}"
        segments = "/".join(f"{t}/{n}" for t, n in zip(self.types, self.names, strict=False))
        return f"{scope}/providers/{self.namespace}/{segments}"

    @property
    def key(self) -> str:
        """Comparison key (lower case)."""
        return key(str(self))
