"""Network security rules (``New-AzNetworkSecurityRuleConfig``) as frozen builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

from ._base import Builder, check, check_network_name, checked

__all__ = ["SecurityRuleConfig", "check_security_rules", "new_network_security_rule_config"]

_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah", "*": "*"}


def _port_range(value: Any, field: str) -> str:
    text = str(value).strip()
    parts = text.split("-")
    ok = text == "*" or (
        len(parts) in (1, 2)
        and all(p.isdigit() and 0 <= int(p) <= 65535 for p in parts)
        and (len(parts) == 1 or int(parts[0]) <= int(parts[1]))
    )
    check(ok, field, value, "a port (3389), a range (50000-50119) or * for any")
    return text


def _many(value: str | int | Sequence[str | int], field: str) -> tuple[str, ...]:
    items = (value,) if isinstance(value, (str, int)) else tuple(value)
    check(bool(items), field, value, "give at least one value, or * for any")
    return tuple(str(i) for i in items)


class SecurityRuleConfig(Builder):
    """One rule of a network security group."""

    name: str
    protocol: str
    direction: Literal["Inbound", "Outbound"]
    priority: int
    access: Literal["Allow", "Deny"]
    source_address_prefix: tuple[str, ...] = ("*",)
    source_port_range: tuple[str, ...] = ("*",)
    destination_address_prefix: tuple[str, ...] = ("*",)
    destination_port_range: tuple[str, ...] = ("*",)
    description: str | None = None

    def _rules(self) -> None:
        check_network_name(self.name, "security rule")
        check(bool(self.name.strip()), "name", self.name, "cannot be empty")
        check(100 <= self.priority <= 4096, "priority", self.priority, "a rule's priority is 100 to 4096 (lower wins)")
        check(
            self.description is None or len(self.description) <= 140,
            "description",
            self.description,
            "at most 140 characters",
        )

    def to_body(self) -> dict[str, Any]:
        """Return the rule as ARM's JSON."""
        props: dict[str, Any] = {
            "protocol": self.protocol,
            "direction": self.direction,
            "priority": self.priority,
            "access": self.access,
        }
        for side, values in (
            ("sourceAddressPrefix", self.source_address_prefix),
            ("sourcePortRange", self.source_port_range),
            ("destinationAddressPrefix", self.destination_address_prefix),
            ("destinationPortRange", self.destination_port_range),
        ):
            if len(values) == 1:
                props[side] = values[0]
            else:
                plural = side.replace("Prefix", "Prefixes").replace("Range", "Ranges")
                props[plural] = list(values)
        if self.description:
            props["description"] = self.description
        return {"name": self.name, "properties": props}


@checked
def new_network_security_rule_config(
    name: str,
    *,
    protocol: str,
    direction: str,
    priority: int,
    access: str,
    source_address_prefix: str | Sequence[str] = "*",
    source_port_range: str | int | Sequence[str | int] = "*",
    destination_address_prefix: str | Sequence[str] = "*",
    destination_port_range: str | int | Sequence[str | int] = "*",
    description: str | None = None,
) -> SecurityRuleConfig:
    """Describe a security rule (``New-AzNetworkSecurityRuleConfig``).

    :keyword protocol: ``Tcp``, ``Udp``, ``Icmp``, ``Esp``, ``Ah`` or ``*``.
    :keyword direction: ``Inbound`` or ``Outbound``.
    :keyword priority: 100 to 4096; unique per direction within a group.
    :keyword access: ``Allow`` or ``Deny``.
    :keyword source_address_prefix: a CIDR, an address, a service tag (``Internet``, ``VirtualNetwork``,
        ``AzureLoadBalancer``) or ``*``; or a list of them.
    """
    found = _PROTOCOLS.get(str(protocol).lower())
    check(found is not None, "protocol", protocol, f"must be one of {', '.join(_PROTOCOLS.values())}")
    check(str(direction).lower() in ("inbound", "outbound"), "direction", direction, "Inbound or Outbound")
    check(str(access).lower() in ("allow", "deny"), "access", access, "Allow or Deny")
    check(isinstance(priority, int) and not isinstance(priority, bool), "priority", priority, "a whole number")
    return SecurityRuleConfig(
        name=name,
        protocol=str(found),
        direction=cast(Any, str(direction).capitalize()),
        priority=priority,
        access=cast(Any, str(access).capitalize()),
        source_address_prefix=_many(source_address_prefix, "source_address_prefix"),
        source_port_range=tuple(
            _port_range(p, "source_port_range") for p in _many(source_port_range, "source_port_range")
        ),
        destination_address_prefix=_many(destination_address_prefix, "destination_address_prefix"),
        destination_port_range=tuple(
            _port_range(p, "destination_port_range") for p in _many(destination_port_range, "destination_port_range")
        ),
        description=description,
    )


def check_security_rules(rules: Sequence[SecurityRuleConfig]) -> None:
    """Rules of one group: names unique, and one rule per priority and direction (as Azure requires)."""
    names: set[str] = set()
    slots: dict[tuple[int, str], str] = {}
    for rule in rules:
        check(
            isinstance(rule, SecurityRuleConfig),
            "security_rules",
            type(rule).__name__,
            "must be azrm.SecurityRuleConfig objects (azrm.new_network_security_rule_config)",
        )
        check(rule.name.lower() not in names, "security_rules", rule.name, "rule names are unique within a group")
        names.add(rule.name.lower())
        other = slots.setdefault((rule.priority, rule.direction), rule.name)
        check(
            other == rule.name,
            "security_rules",
            rule.name,
            f"priority {rule.priority} ({rule.direction}) is already taken by rule {other!r}",
        )
