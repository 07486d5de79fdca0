"""Public IPs, virtual networks, NICs, network security groups, load balancers.

``New-AzPublicIpAddress``, ``New-AzVirtualNetwork``, ``New-AzNetworkInterface``,
``New-AzNetworkSecurityGroup``, ``New-AzLoadBalancer`` and their companions.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .._aliases import accepts_aliases
from .._session_base import SessionBase, waiting_twin
from ..builders._base import check, check_network_name, id_or_object, tag_body
from ..builders.lb import (
    BackendAddressPoolConfig,
    FrontendIpConfig,
    InboundNatPoolConfig,
    LoadBalancingRuleConfig,
    ProbeConfig,
    load_balancer_body,
)
from ..builders.network import NIC, SubnetConfig
from ..builders.nsg import SecurityRuleConfig, check_security_rules
from ..rules import cidr_problem, private_ip_problem

__all__ = ["NetworkOperations"]

_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")


def check_address_space(prefixes: Sequence[str], subnets: Sequence[SubnetConfig]) -> None:
    """Subnets inside the address space and not overlapping each other (raises ``ValidationError``)."""
    spaces: list[Any] = []
    for prefix in prefixes:
        problem = cidr_problem(prefix)
        check(problem is None, "address_prefix", prefix, problem or "")
        net = ipaddress.ip_network(prefix)
        for other in spaces:
            check(
                not (net.version == other.version and net.overlaps(other)),
                "address_prefix",
                prefix,
                f"the prefixes of a virtual network's address space do not overlap; it overlaps {other}",
            )
        spaces.append(net)
    seen: list[tuple[str, Any]] = []
    names: set[str] = set()
    for subnet in subnets:
        check(
            isinstance(subnet, SubnetConfig),
            "subnet",
            type(subnet).__name__,
            "must be SubnetConfig objects (azrm.new_virtual_network_subnet_config)",
        )
        check(
            subnet.name.lower() not in names, "subnet", subnet.name, "subnet names are unique within a virtual network"
        )
        names.add(subnet.name.lower())
        for prefix in subnet.address_prefix:
            net = ipaddress.ip_network(prefix)
            inside = any(net.version == s.version and net.subnet_of(s) for s in spaces)
            check(
                inside,
                f"subnet[{subnet.name}].address_prefix",
                prefix,
                f"a subnet lies inside the virtual network's address space ({', '.join(prefixes)})",
            )
            for other_name, other in seen:
                check(
                    not (net.version == other.version and net.overlaps(other)),
                    f"subnet[{subnet.name}].address_prefix",
                    prefix,
                    f"subnets do not overlap; it overlaps subnet {other_name} ({other})",
                )
            seen.append((subnet.name, net))


class NetworkOperations(SessionBase):
    """Network operations."""

    # -- public IPs --------------------------------------------------------------------------------
    def begin_new_public_ip_address(
        self,
        resource_group_name: str,
        name: str,
        *,
        location: str | None = None,
        allocation_method: str | None = None,
        domain_name_label: str | None = None,
        sku: str | None = None,
        idle_timeout_in_minutes: int | None = None,
        ip_address_version: str = "IPv4",
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Start creating a public IP address; returns the SDK poller."""
        check_network_name(name, "public IP address")
        sku_name = sku.capitalize() if sku else None
        method = (allocation_method or ("Static" if sku_name == "Standard" else "Dynamic")).capitalize()
        check(method in ("Dynamic", "Static"), "allocation_method", allocation_method, "must be Dynamic or Static")
        check(sku_name in (None, "Basic", "Standard"), "sku", sku, "must be Basic or Standard")
        check(
            not (sku_name == "Standard" and method == "Dynamic"),
            "allocation_method",
            allocation_method,
            "a Standard SKU public IP is Static",
        )
        if domain_name_label is not None:
            check(
                bool(_LABEL.match(domain_name_label)),
                "domain_name_label",
                domain_name_label,
                "3-63 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen",
            )
        if idle_timeout_in_minutes is not None:
            check(
                4 <= idle_timeout_in_minutes <= 30,
                "idle_timeout_in_minutes",
                idle_timeout_in_minutes,
                "4 to 30 minutes",
            )
        check(ip_address_version in ("IPv4", "IPv6"), "ip_address_version", ip_address_version, "IPv4 or IPv6")
        props: dict[str, Any] = {"publicIPAllocationMethod": method, "publicIPAddressVersion": ip_address_version}
        if domain_name_label:
            props["dnsSettings"] = {"domainNameLabel": domain_name_label}
        if idle_timeout_in_minutes is not None:
            props["idleTimeoutInMinutes"] = idle_timeout_in_minutes
        body: dict[str, Any] = {"location": self._location(location), "properties": props, "tags": tag_body(tags)}
        if sku_name:
            body["sku"] = {"name": sku_name}
        return self.network_client.public_ip_addresses.begin_create_or_update(resource_group_name, name, body)

    new_public_ip_address = waiting_twin(
        begin_new_public_ip_address,
        "Creating public IP address {name}",
        """Create a public IP address (``New-AzPublicIpAddress``); returns the SDK's ``PublicIPAddress``.

        :keyword location: the region (default: the session's).
        :keyword allocation_method: ``Dynamic`` (the address exists while a VM runs; the default for Basic)
            or ``Static`` (the default, and the only choice, for Standard).
        :keyword domain_name_label: gives ``<label>.<region>.cloudapp.azure.com``.
        :keyword sku: ``Basic`` or ``Standard`` (Standard is always Static).
        :keyword idle_timeout_in_minutes: 4 to 30.
        :raises ValidationError: for any of these out of Azure's rules, before any request.
        """,
    )

    def get_public_ip_address(self, resource_group_name: str, name: str) -> Any:
        """Get a public IP address (``Get-AzPublicIpAddress``)."""
        return self.network_client.public_ip_addresses.get(resource_group_name, name)

    def remove_public_ip_address(self, resource_group_name: str, name: str) -> None:
        """Delete a public IP address (``Remove-AzPublicIpAddress -Force``); fine when already gone."""
        self._wait(
            f"Removing public IP address {name}",
            self.network_client.public_ip_addresses.begin_delete(resource_group_name, name),
        )

    # -- virtual networks --------------------------------------------------------------------------
    def begin_new_virtual_network(
        self,
        resource_group_name: str,
        name: str,
        *,
        location: str | None = None,
        address_prefix: str | Sequence[str],
        subnet: Sequence[SubnetConfig] = (),
        dns_server: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Start creating a virtual network; returns the SDK poller."""
        check_network_name(name, "virtual network")
        prefixes = [address_prefix] if isinstance(address_prefix, str) else list(address_prefix)
        check(bool(prefixes), "address_prefix", address_prefix, "give the address space, such as 10.0.0.0/16")
        check_address_space(prefixes, subnet)
        props: dict[str, Any] = {
            "addressSpace": {"addressPrefixes": prefixes},
            "subnets": [s.to_body() for s in subnet],
        }
        if dns_server:
            props["dhcpOptions"] = {"dnsServers": list(dns_server)}
        body = {"location": self._location(location), "properties": props, "tags": tag_body(tags)}
        return self.network_client.virtual_networks.begin_create_or_update(resource_group_name, name, body)

    new_virtual_network = waiting_twin(
        begin_new_virtual_network,
        "Creating virtual network {name}",
        """Create a virtual network with its subnets (``New-AzVirtualNetwork``); returns ``VirtualNetwork``.

        :keyword location: the region (default: the session's).
        :keyword address_prefix: the address space (a prefix or a list).
        :keyword subnet: :class:`azrm.SubnetConfig` objects (``azrm.new_virtual_network_subnet_config``).
        :keyword dns_server: DNS servers for the network's machines.
        :raises ValidationError: for a bad prefix, a subnet outside the space or overlapping another.
        """,
    )

    def get_virtual_network(self, resource_group_name: str, name: str) -> Any:
        """Get a virtual network with its subnets (``Get-AzVirtualNetwork``)."""
        return self.network_client.virtual_networks.get(resource_group_name, name)

    def remove_virtual_network(self, resource_group_name: str, name: str) -> None:
        """Delete a virtual network (``Remove-AzVirtualNetwork -Force``); fine when already gone."""
        self._wait(
            f"Removing virtual network {name}",
            self.network_client.virtual_networks.begin_delete(resource_group_name, name),
        )

    # -- network interfaces ------------------------------------------------------------------------
    @accepts_aliases(nic="name", resource_name="name")
    def begin_new_network_interface(
        self,
        resource_group_name: str,
        name: NIC | str,
        *,
        location: str | None = None,
        subnet_id: Any = None,
        subnet: Any = None,
        public_ip_address_id: Any = None,
        public_ip_address: Any = None,
        network_security_group_id: Any = None,
        network_security_group: Any = None,
        private_ip_address: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Start creating a NIC; returns the SDK poller."""
        builder = self._nic(
            name,
            id_or_object(subnet_id, subnet, "subnet_id", "subnet"),
            id_or_object(public_ip_address_id, public_ip_address, "public_ip_address_id", "public_ip_address"),
            id_or_object(
                network_security_group_id, network_security_group, "network_security_group_id", "network_security_group"
            ),
            private_ip_address,
            tags,
        )
        body = builder.to_body(self._location(location))
        self._check_static_ips(builder)
        self._forget(resource_group_name, builder.name, "nic")
        poller = self.network_client.network_interfaces.begin_create_or_update(resource_group_name, builder.name, body)
        # What a VM create checks of its NICs (region, attachment) is in this answer: no read needed then.
        return self._when_done(poller, lambda nic: self._remember("nic", resource_group_name, builder.name, nic))

    def _check_static_ips(self, nic: NIC) -> None:
        """Check that a static private IP lies in its subnet's range, outside Azure's five reserved addresses.

        The subnet's prefixes are read (one GET per subnet, only for static addresses); a subnet that
        cannot be read is left to Azure's own answer.
        """
        for config in nic.ip_configs:
            if not config.private_ip_address or not config.subnet_id:
                continue
            parts = config.subnet_id.strip("/").split("/")
            lowered = [p.lower() for p in parts]
            try:
                group = parts[lowered.index("resourcegroups") + 1]
                vnet = parts[lowered.index("virtualnetworks") + 1]
                subnet_name = parts[lowered.index("subnets") + 1]
            except (ValueError, IndexError):
                continue
            try:
                subnet = self.network_client.subnets.get(group, vnet, subnet_name)
            except Exception:  # not there (yet) or not readable: Azure answers the create
                continue
            prefixes = list(subnet.address_prefixes or []) or ([subnet.address_prefix] if subnet.address_prefix else [])
            if prefixes:
                problem = private_ip_problem(config.private_ip_address, prefixes)
                check(problem is None, "private_ip_address", config.private_ip_address, problem or "")

    @staticmethod
    def _nic(nic: NIC | str, subnet_id: Any, pip_id: Any, nsg_id: Any, private_ip: str | None, tags: Any) -> NIC:
        if isinstance(nic, NIC):
            given = [
                n
                for n, v in (
                    ("subnet_id", subnet_id),
                    ("public_ip_address_id", pip_id),
                    ("private_ip_address", private_ip),
                )
                if v is not None
            ]
            check(not given, given[0] if given else "", "...", "pass either a NIC builder or these keywords, not both")
            return nic.set_network_security_group(nsg_id) if nsg_id else nic
        check(isinstance(nic, str) and bool(nic), "name", nic, "give a NIC name with subnet_id=..., or an azrm.NIC")
        check(
            subnet_id is not None, "subnet_id", None, "a NIC needs a subnet: subnet_id=vnet.subnets[0].id (or subnet=)"
        )
        builder = NIC(nic, network_security_group_id=nsg_id, tags=tags)
        return builder.add_ip_config(
            "ipconfig1", subnet_id=subnet_id, public_ip_address_id=pip_id, private_ip_address=private_ip
        )

    new_network_interface = waiting_twin(
        begin_new_network_interface,
        lambda a: f"Creating network interface {a['name'].name if isinstance(a['name'], NIC) else a['name']}",
        """Create a NIC (``New-AzNetworkInterface``); returns the SDK's ``NetworkInterface``.

        Give a name and ``subnet_id=`` (plus ``public_ip_address_id=``, ``network_security_group_id=``,
        ``private_ip_address=``), as the cmdlet takes them, or an :class:`azrm.NIC` builder as ``name``.
        Each ``*_id`` keyword has its object form too, as in the cmdlet (``subnet=vnet.subnets[0]``,
        ``public_ip_address=pip``, ``network_security_group=nsg``): one or the other. ``name`` is also
        ``nic`` (azrm's first name for it) and ``resource_name`` (the cmdlet's alias).

        :keyword location: the region (default: the session's); the VM that uses the NIC must be there too.
        :raises ValidationError: for a missing subnet, or a builder combined with the keywords.
        """,
    )

    def get_network_interface(self, resource_group_name: str, name: str) -> Any:
        """Get a NIC (``Get-AzNetworkInterface``)."""
        return self.network_client.network_interfaces.get(resource_group_name, name)

    def remove_network_interface(self, resource_group_name: str, name: str) -> None:
        """Delete a NIC (``Remove-AzNetworkInterface -Force``); fine when already gone."""
        self._forget(resource_group_name, name, "nic")
        self._wait(
            f"Removing network interface {name}",
            self.network_client.network_interfaces.begin_delete(resource_group_name, name),
        )

    # -- network security groups -----------------------------------------------------------------------
    def begin_new_network_security_group(
        self,
        resource_group_name: str,
        name: str,
        *,
        location: str | None = None,
        security_rules: Sequence[SecurityRuleConfig] = (),
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Start creating a network security group; returns the SDK poller."""
        check_network_name(name, "network security group")
        rules = list(security_rules)
        check_security_rules(rules)
        body = {
            "location": self._location(location),
            "properties": {"securityRules": [r.to_body() for r in rules]},
            "tags": tag_body(tags),
        }
        return self.network_client.network_security_groups.begin_create_or_update(resource_group_name, name, body)

    new_network_security_group = waiting_twin(
        begin_new_network_security_group,
        "Creating network security group {name}",
        """Create a network security group (``New-AzNetworkSecurityGroup``); returns ``NetworkSecurityGroup``.

        :keyword security_rules: :class:`azrm.SecurityRuleConfig` objects
            (``azrm.new_network_security_rule_config``); Azure adds its six default rules.
        :raises ValidationError: for two rules with one name, or with one priority in one direction.
        """,
    )

    def get_network_security_group(self, resource_group_name: str, name: str) -> Any:
        """Get a network security group with its rules (``Get-AzNetworkSecurityGroup``)."""
        return self.network_client.network_security_groups.get(resource_group_name, name)

    def remove_network_security_group(self, resource_group_name: str, name: str) -> None:
        """Delete a network security group (``Remove-AzNetworkSecurityGroup -Force``); fine when already gone."""
        self._wait(
            f"Removing network security group {name}",
            self.network_client.network_security_groups.begin_delete(resource_group_name, name),
        )

    # -- load balancers -------------------------------------------------------------------------------------
    def begin_new_load_balancer(
        self,
        resource_group_name: str,
        name: str,
        *,
        location: str | None = None,
        frontend_ip_configuration: FrontendIpConfig | Sequence[FrontendIpConfig],
        backend_address_pool: BackendAddressPoolConfig | Sequence[BackendAddressPoolConfig] = (),
        probe: ProbeConfig | Sequence[ProbeConfig] = (),
        load_balancing_rule: LoadBalancingRuleConfig | Sequence[LoadBalancingRuleConfig] = (),
        inbound_nat_pool: InboundNatPoolConfig | Sequence[InboundNatPoolConfig] = (),
        sku: str = "Basic",
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Start creating a load balancer; returns the SDK poller."""
        check_network_name(name, "load balancer")
        lb_id = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group_name}"
            f"/providers/Microsoft.Network/loadBalancers/{name}"
        )
        body = load_balancer_body(
            lb_id,
            self._location(location),
            frontend_ip_configuration=frontend_ip_configuration,
            backend_address_pool=backend_address_pool,
            probe=probe,
            load_balancing_rule=load_balancing_rule,
            inbound_nat_pool=inbound_nat_pool,
            sku=sku,
            tags=tag_body(tags),
        )
        return self.network_client.load_balancers.begin_create_or_update(resource_group_name, name, body)

    new_load_balancer = waiting_twin(
        begin_new_load_balancer,
        "Creating load balancer {name}",
        """Create a load balancer from its parts (``New-AzLoadBalancer``); returns the SDK's ``LoadBalancer``.

        Each part is a config object (``azrm.new_load_balancer_frontend_ip_config``,
        ``..._backend_address_pool_config``, ``..._probe_config``, ``..._rule_config``,
        ``..._inbound_nat_pool_config``) or a list of them. Rules and NAT pools hold the frontend,
        pool and probe objects they use; they become ids under the new load balancer, as with Az.

        :raises ValidationError: for a part a rule uses that is not given, or two rules on one frontend port.
        """,
    )

    def get_load_balancer(self, resource_group_name: str, name: str) -> Any:
        """Get a load balancer (``Get-AzLoadBalancer``): pools list their members, NAT pools their rules."""
        return self.network_client.load_balancers.get(resource_group_name, name)

    def remove_load_balancer(self, resource_group_name: str, name: str) -> None:
        """Delete a load balancer (``Remove-AzLoadBalancer -Force``); fine when already gone."""
        self._wait(
            f"Removing load balancer {name}", self.network_client.load_balancers.begin_delete(resource_group_name, name)
        )
