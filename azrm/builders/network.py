"""Network builders: subnets (``New-AzVirtualNetworkSubnetConfig``) and network interfaces."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..rules import cidr_problem
from ._base import Builder, check, check_network_name, checked, frozen_tags, id_or_object, resource_ref

__all__ = ["NIC", "IpConfig", "SubnetConfig", "new_network_interface_ip_config", "new_virtual_network_subnet_config"]


def _prefixes(value: str | Sequence[str], field: str) -> tuple[str, ...]:
    prefixes = (value,) if isinstance(value, str) else tuple(value)
    check(bool(prefixes), field, value, "give at least one address prefix, such as 10.0.0.0/24")
    for prefix in prefixes:
        problem = cidr_problem(str(prefix))
        check(problem is None, field, prefix, problem or "")
    return tuple(str(p) for p in prefixes)


class SubnetConfig(Builder):
    """A subnet to create with its virtual network (``New-AzVirtualNetworkSubnetConfig``).

    >>> SubnetConfig("Subnet1", address_prefix="10.0.0.0/24").to_body()
    {'name': 'Subnet1', 'properties': {'addressPrefix': '10.0.0.0/24'}}
    """

    name: str
    address_prefix: tuple[str, ...]
    network_security_group_id: str | None = None

    def __init__(
        self, name: str, *, address_prefix: str | Sequence[str], network_security_group_id: Any = None, **_: Any
    ) -> None:
        nsg = (
            resource_ref(network_security_group_id, "network_security_group_id") if network_security_group_id else None
        )
        super().__init__(
            name=name, address_prefix=_prefixes(address_prefix, "address_prefix"), network_security_group_id=nsg
        )

    def _rules(self) -> None:
        check_network_name(self.name, "subnet")

    def to_body(self) -> dict[str, Any]:
        """Return the subnet as ARM's JSON (inside a virtual network's ``subnets``)."""
        props: dict[str, Any] = (
            {"addressPrefix": self.address_prefix[0]}
            if len(self.address_prefix) == 1
            else {"addressPrefixes": list(self.address_prefix)}
        )
        if self.network_security_group_id:
            props["networkSecurityGroup"] = {"id": self.network_security_group_id}
        return {"name": self.name, "properties": props}


@checked
def new_virtual_network_subnet_config(
    name: str,
    *,
    address_prefix: str | Sequence[str],
    network_security_group_id: Any = None,
    network_security_group: Any = None,
) -> SubnetConfig:
    """Describe a subnet for :meth:`~azrm.Session.new_virtual_network` (``New-AzVirtualNetworkSubnetConfig``).

    No request is made; the subnet is created with the virtual network. Its network security group
    comes as the object (``network_security_group=nsg``, what ``new_network_security_group`` returns)
    or as its id (``network_security_group_id=``), as in the cmdlet's two parameter sets.
    """
    nsg_id = id_or_object(
        network_security_group_id, network_security_group, "network_security_group_id", "network_security_group"
    )
    return SubnetConfig(name, address_prefix=address_prefix, network_security_group_id=nsg_id)


class IpConfig(Builder):
    """One IP configuration of a NIC (``New-AzNetworkInterfaceIpConfig``)."""

    name: str
    subnet_id: str | None = None
    public_ip_address_id: str | None = None
    private_ip_address: str | None = None
    primary: bool = True
    load_balancer_backend_address_pool_ids: tuple[str, ...] = ()
    load_balancer_inbound_nat_rule_ids: tuple[str, ...] = ()

    def _rules(self) -> None:
        check_network_name(self.name, "IP configuration")

    def to_body(self) -> dict[str, Any]:
        """Return the IP configuration as ARM's JSON."""
        props: dict[str, Any] = {"primary": self.primary}
        if self.subnet_id:
            props["subnet"] = {"id": self.subnet_id}
        if self.public_ip_address_id:
            props["publicIPAddress"] = {"id": self.public_ip_address_id}
        if self.private_ip_address:
            props["privateIPAddress"] = self.private_ip_address
            props["privateIPAllocationMethod"] = "Static"
        else:
            props["privateIPAllocationMethod"] = "Dynamic"
        if self.load_balancer_backend_address_pool_ids:
            props["loadBalancerBackendAddressPools"] = [{"id": i} for i in self.load_balancer_backend_address_pool_ids]
        if self.load_balancer_inbound_nat_rule_ids:
            props["loadBalancerInboundNatRules"] = [{"id": i} for i in self.load_balancer_inbound_nat_rule_ids]
        return {"name": self.name, "properties": props}


@checked
def new_network_interface_ip_config(
    name: str,
    *,
    subnet_id: Any,
    public_ip_address_id: Any = None,
    private_ip_address: str | None = None,
    primary: bool = True,
    load_balancer_backend_address_pool_id: Sequence[Any] = (),
    load_balancer_inbound_nat_rule_id: Sequence[Any] = (),
) -> IpConfig:
    """Describe an IP configuration for a :class:`NIC` (``New-AzNetworkInterfaceIpConfig``)."""
    if private_ip_address is not None:
        import ipaddress

        try:
            ipaddress.ip_address(private_ip_address)
        except ValueError:
            check(False, "private_ip_address", private_ip_address, "must be an IP address such as 10.0.0.10")
    return IpConfig(
        name=name,
        subnet_id=resource_ref(subnet_id, "subnet_id"),
        public_ip_address_id=resource_ref(public_ip_address_id, "public_ip_address_id")
        if public_ip_address_id
        else None,
        private_ip_address=private_ip_address,
        primary=primary,
        load_balancer_backend_address_pool_ids=tuple(
            resource_ref(p, "load_balancer_backend_address_pool_id") for p in load_balancer_backend_address_pool_id
        ),
        load_balancer_inbound_nat_rule_ids=tuple(
            resource_ref(r, "load_balancer_inbound_nat_rule_id") for r in load_balancer_inbound_nat_rule_id
        ),
    )


class NIC(Builder):
    """A network interface to create (``New-AzNetworkInterface`` with ``-IpConfiguration``).

    >>> nic = NIC("vmvNic").add_ip_config("ipconfig1", subnet_id=subnet_id, public_ip_address_id=pip_id)
    """

    name: str
    ip_configs: tuple[IpConfig, ...] = ()
    network_security_group_id: str | None = None
    enable_accelerated_networking: bool = False
    enable_ip_forwarding: bool = False
    dns_servers: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        name: str,
        *,
        ip_configs: Sequence[IpConfig] = (),
        network_security_group_id: Any = None,
        enable_accelerated_networking: bool = False,
        enable_ip_forwarding: bool = False,
        dns_servers: Sequence[str] = (),
        tags: Mapping[str, str] | tuple[tuple[str, str], ...] | None = None,
        **_: Any,
    ) -> None:
        super().__init__(
            name=name,
            ip_configs=tuple(ip_configs),
            network_security_group_id=(
                resource_ref(network_security_group_id, "network_security_group_id")
                if network_security_group_id
                else None
            ),
            enable_accelerated_networking=enable_accelerated_networking,
            enable_ip_forwarding=enable_ip_forwarding,
            dns_servers=tuple(dns_servers),
            tags=frozen_tags(dict(tags) if tags else None),
        )

    def _rules(self) -> None:
        check_network_name(self.name, "network interface")
        names = [c.name.lower() for c in self.ip_configs]
        check(
            len(names) == len(set(names)),
            "ip_config",
            self.ip_configs[-1].name if names else "",
            "IP configuration names are unique within a NIC (added twice? a re-run notebook cell?)",
        )
        check(
            sum(c.primary for c in self.ip_configs) <= 1,
            "primary",
            True,
            "only one IP configuration of a NIC is primary; pass primary=False for the others",
        )

    def add_ip_config(
        self,
        name: str,
        *,
        subnet_id: Any,
        public_ip_address_id: Any = None,
        private_ip_address: str | None = None,
        primary: bool = True,
        load_balancer_backend_address_pool_id: Sequence[Any] = (),
        load_balancer_inbound_nat_rule_id: Sequence[Any] = (),
    ) -> NIC:
        """Return the NIC with one more IP configuration (``Add-AzNetworkInterfaceIpConfig``)."""
        config = new_network_interface_ip_config(
            name,
            subnet_id=subnet_id,
            public_ip_address_id=public_ip_address_id,
            private_ip_address=private_ip_address,
            primary=primary,
            load_balancer_backend_address_pool_id=load_balancer_backend_address_pool_id,
            load_balancer_inbound_nat_rule_id=load_balancer_inbound_nat_rule_id,
        )
        return self.evolve(ip_configs=(*self.ip_configs, config))

    def set_network_security_group(self, id: Any) -> NIC:
        """Return the NIC associated with a network security group."""
        return self.evolve(network_security_group_id=resource_ref(id, "network_security_group_id"))

    def to_body(self, location: str) -> dict[str, Any]:
        """Return the NIC as ARM's JSON."""
        check(bool(self.ip_configs), "NIC.ip_configs", (), "a NIC needs an IP configuration: use add_ip_config()")
        props: dict[str, Any] = {
            "ipConfigurations": [c.to_body() for c in self.ip_configs],
            "enableAcceleratedNetworking": self.enable_accelerated_networking,
            "enableIPForwarding": self.enable_ip_forwarding,
        }
        if self.network_security_group_id:
            props["networkSecurityGroup"] = {"id": self.network_security_group_id}
        if self.dns_servers:
            props["dnsSettings"] = {"dnsServers": list(self.dns_servers)}
        body: dict[str, Any] = {"location": location, "properties": props}
        if self.tags:
            body["tags"] = dict(self.tags)
        return body
