"""Load balancer parts: ``New-AzLoadBalancer*Config`` as frozen builders.

As with Az, the parts are made first and handed to :meth:`azrm.Session.new_load_balancer`; a rule or
a NAT pool takes the frontend, pool and probe *config objects* themselves, and they become ids
(``<lb id>/frontendIPConfigurations/<name>``...) when the load balancer is created::

    fe = azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=pip.id)
    pool = azrm.new_load_balancer_backend_address_pool_config("web")
    probe = azrm.new_load_balancer_probe_config("http", protocol="Http", port=80, request_path="/")
    rule = azrm.new_load_balancer_rule_config("http", frontend_ip_configuration=fe, backend_address_pool=pool,
                                              probe=probe, frontend_port=80, backend_port=80)
    rdp = azrm.new_load_balancer_inbound_nat_pool_config("rdp", frontend_ip_configuration=fe,
                                                         frontend_port_range_start=50000,
                                                         frontend_port_range_end=50119, backend_port=3389)
    lb = az.new_load_balancer(rg, "weblb", location=..., frontend_ip_configuration=fe,
                              backend_address_pool=pool, probe=probe, load_balancing_rule=rule,
                              inbound_nat_pool=rdp)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any, Literal

from ._base import Builder, check, check_network_name, checked, id_or_object, resource_ref

__all__ = [
    "BackendAddressPoolConfig",
    "FrontendIpConfig",
    "InboundNatPoolConfig",
    "LoadBalancingRuleConfig",
    "ProbeConfig",
    "load_balancer_body",
    "new_load_balancer_backend_address_pool_config",
    "new_load_balancer_frontend_ip_config",
    "new_load_balancer_inbound_nat_pool_config",
    "new_load_balancer_probe_config",
    "new_load_balancer_rule_config",
]

_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "all": "All"}
_PROBE_PROTOCOLS = {"tcp": "Tcp", "http": "Http", "https": "Https"}
_DISTRIBUTIONS = {"default": "Default", "sourceip": "SourceIP", "sourceipprotocol": "SourceIPProtocol"}


def _choice(value: str, choices: dict[str, str], field: str) -> Any:
    found = choices.get(str(value).lower())
    check(found is not None, field, value, f"must be one of {', '.join(choices.values())}")
    return found


def _port(value: Any, field: str, low: int = 1, high: int = 65535) -> int:
    check(
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high,
        field,
        value,
        f"a port is a whole number from {low} to {high}",
    )
    return int(value)


def _name(value: str, field: str) -> str:
    check(bool(str(value).strip()), field, value, "cannot be empty")
    return str(value)


class FrontendIpConfig(Builder):
    """A frontend: a public IP, or a private address in a subnet (``New-AzLoadBalancerFrontendIpConfig``)."""

    name: str
    public_ip_address_id: str | None = None
    subnet_id: str | None = None
    private_ip_address: str | None = None

    def _rules(self) -> None:
        check_network_name(self.name, "load balancer part")
        check(
            bool(self.public_ip_address_id) != bool(self.subnet_id),
            "public_ip_address_id/subnet_id",
            None,
            "a frontend has a public IP (public load balancer) or a subnet (internal one), exactly one of them",
        )
        if self.private_ip_address is not None:
            check(
                bool(self.subnet_id), "private_ip_address", self.private_ip_address, "a private address needs subnet_id"
            )

    def to_body(self) -> dict[str, Any]:
        """Return the frontend as ARM's JSON."""
        props: dict[str, Any] = {}
        if self.public_ip_address_id:
            props["publicIPAddress"] = {"id": self.public_ip_address_id}
        if self.subnet_id:
            props["subnet"] = {"id": self.subnet_id}
            if self.private_ip_address:
                props.update(privateIPAddress=self.private_ip_address, privateIPAllocationMethod="Static")
        return {"name": self.name, "properties": props}


class BackendAddressPoolConfig(Builder):
    """A backend pool (``New-AzLoadBalancerBackendAddressPoolConfig``); scale sets and NICs join it."""

    name: str

    def _rules(self) -> None:
        check_network_name(self.name, "load balancer part")

    def to_body(self) -> dict[str, Any]:
        """Return the pool as ARM's JSON."""
        return {"name": self.name}


class ProbeConfig(Builder):
    """A health probe (``New-AzLoadBalancerProbeConfig``)."""

    name: str
    protocol: Literal["Tcp", "Http", "Https"] = "Tcp"
    port: int
    interval_in_seconds: int = 15
    probe_count: int = 2
    request_path: str | None = None

    def _rules(self) -> None:
        check_network_name(self.name, "load balancer part")
        check(
            5 <= self.interval_in_seconds <= 2147483646,
            "interval_in_seconds",
            self.interval_in_seconds,
            "at least 5 seconds",
        )
        check(self.probe_count >= 1, "probe_count", self.probe_count, "at least 1")
        if self.protocol in ("Http", "Https"):
            check(
                bool(self.request_path and self.request_path.startswith("/")),
                "request_path",
                self.request_path,
                f"an {self.protocol} probe needs a request path such as /",
            )
        else:
            check(self.request_path is None, "request_path", self.request_path, "a Tcp probe takes no request path")

    def to_body(self) -> dict[str, Any]:
        """Return the probe as ARM's JSON."""
        props: dict[str, Any] = {
            "protocol": self.protocol,
            "port": self.port,
            "intervalInSeconds": self.interval_in_seconds,
            "numberOfProbes": self.probe_count,
        }
        if self.request_path:
            props["requestPath"] = self.request_path
        return {"name": self.name, "properties": props}


class LoadBalancingRuleConfig(Builder):
    """A load-balancing rule (``New-AzLoadBalancerRuleConfig``), holding its frontend, pool and probe."""

    name: str
    frontend_ip_configuration: FrontendIpConfig
    backend_address_pool: BackendAddressPoolConfig | None = None
    probe: ProbeConfig | None = None
    protocol: Literal["Tcp", "Udp", "All"] = "Tcp"
    frontend_port: int
    backend_port: int
    idle_timeout_in_minutes: int = 4
    enable_floating_ip: bool = False
    load_distribution: str = "Default"

    def _rules(self) -> None:
        check_network_name(self.name, "load balancer part")
        check(
            4 <= self.idle_timeout_in_minutes <= 30,
            "idle_timeout_in_minutes",
            self.idle_timeout_in_minutes,
            "4 to 30 minutes",
        )

    def to_body(self, lb_id: str) -> dict[str, Any]:
        """Return the rule as ARM's JSON, its parts referenced by id under ``lb_id``."""
        props: dict[str, Any] = {
            "frontendIPConfiguration": {
                "id": f"{lb_id}/frontendIPConfigurations/{self.frontend_ip_configuration.name}"
            },
            "protocol": self.protocol,
            "frontendPort": self.frontend_port,
            "backendPort": self.backend_port,
            "idleTimeoutInMinutes": self.idle_timeout_in_minutes,
            "enableFloatingIP": self.enable_floating_ip,
            "loadDistribution": self.load_distribution,
        }
        if self.backend_address_pool is not None:
            props["backendAddressPool"] = {"id": f"{lb_id}/backendAddressPools/{self.backend_address_pool.name}"}
        if self.probe is not None:
            props["probe"] = {"id": f"{lb_id}/probes/{self.probe.name}"}
        return {"name": self.name, "properties": props}


class InboundNatPoolConfig(Builder):
    """An inbound NAT pool (``New-AzLoadBalancerInboundNatPoolConfig``): one frontend port per scale set instance.

    Its frontend is a :class:`FrontendIpConfig` or, the cmdlet's other form, a frontend's id.
    """

    name: str
    frontend_ip_configuration: FrontendIpConfig | None = None
    frontend_ip_configuration_id: str | None = None
    protocol: Literal["Tcp", "Udp", "All"] = "Tcp"
    frontend_port_range_start: int
    frontend_port_range_end: int
    backend_port: int
    idle_timeout_in_minutes: int = 4

    def _rules(self) -> None:
        check_network_name(self.name, "load balancer part")
        check(
            self.frontend_port_range_end >= self.frontend_port_range_start,
            "frontend_port_range_end",
            self.frontend_port_range_end,
            f"must not be below frontend_port_range_start ({self.frontend_port_range_start})",
        )
        check(
            (self.frontend_ip_configuration is None) != (self.frontend_ip_configuration_id is None),
            "frontend_ip_configuration/frontend_ip_configuration_id",
            "...",
            "give the frontend as frontend_ip_configuration= (azrm.new_load_balancer_frontend_ip_config) "
            "or as frontend_ip_configuration_id=, exactly one of them",
        )
        if self.frontend_ip_configuration_id is not None:
            check(
                "/frontendipconfigurations/" in self.frontend_ip_configuration_id.lower(),
                "frontend_ip_configuration_id",
                self.frontend_ip_configuration_id,
                "must be a load balancer frontend's id (.../loadBalancers/<lb>/frontendIPConfigurations/<name>)",
            )

    @property
    def frontend_name(self) -> str:
        """The name of the frontend the pool uses."""
        if self.frontend_ip_configuration is not None:
            return self.frontend_ip_configuration.name
        assert self.frontend_ip_configuration_id is not None
        return self.frontend_ip_configuration_id.rstrip("/").rsplit("/", 1)[-1]

    def frontend_id(self, lb_id: str) -> str:
        """Return the id of the frontend the pool uses, in the load balancer ``lb_id``."""
        if self.frontend_ip_configuration_id is not None:
            return self.frontend_ip_configuration_id
        return f"{lb_id}/frontendIPConfigurations/{self.frontend_name}"

    @property
    def size(self) -> int:
        """How many frontend ports (so, scale set instances) the pool holds."""
        return self.frontend_port_range_end - self.frontend_port_range_start + 1

    def to_body(self, lb_id: str) -> dict[str, Any]:
        """Return the NAT pool as ARM's JSON."""
        return {
            "name": self.name,
            "properties": {
                "frontendIPConfiguration": {"id": self.frontend_id(lb_id)},
                "protocol": self.protocol,
                "frontendPortRangeStart": self.frontend_port_range_start,
                "frontendPortRangeEnd": self.frontend_port_range_end,
                "backendPort": self.backend_port,
                "idleTimeoutInMinutes": self.idle_timeout_in_minutes,
            },
        }


@checked
def new_load_balancer_frontend_ip_config(
    name: str,
    *,
    public_ip_address_id: Any = None,
    public_ip_address: Any = None,
    subnet_id: Any = None,
    subnet: Any = None,
    private_ip_address: str | None = None,
) -> FrontendIpConfig:
    """Describe a frontend (``New-AzLoadBalancerFrontendIpConfig``): a public IP or a subnet.

    As in the cmdlet's parameter sets, each comes as an object (``public_ip_address=pip``, the SDK model
    ``new_public_ip_address`` returns; ``subnet=vnet.subnets[0]``) or as its id (``public_ip_address_id=``,
    ``subnet_id=``).
    """
    public_ip_address_id = id_or_object(
        public_ip_address_id, public_ip_address, "public_ip_address_id", "public_ip_address"
    )
    subnet_id = id_or_object(subnet_id, subnet, "subnet_id", "subnet")
    if private_ip_address is not None:
        try:
            ipaddress.ip_address(private_ip_address)
        except ValueError:
            check(False, "private_ip_address", private_ip_address, "must be an IP address such as 10.0.1.10")
    return FrontendIpConfig(
        name=_name(name, "name"),
        public_ip_address_id=resource_ref(public_ip_address_id, "public_ip_address_id")
        if public_ip_address_id
        else None,
        subnet_id=resource_ref(subnet_id, "subnet_id") if subnet_id else None,
        private_ip_address=private_ip_address,
    )


@checked
def new_load_balancer_backend_address_pool_config(name: str) -> BackendAddressPoolConfig:
    """Describe a backend pool (``New-AzLoadBalancerBackendAddressPoolConfig``)."""
    return BackendAddressPoolConfig(name=_name(name, "name"))


@checked
def new_load_balancer_probe_config(
    name: str,
    *,
    protocol: str = "Tcp",
    port: int,
    interval_in_seconds: int = 15,
    probe_count: int = 2,
    request_path: str | None = None,
) -> ProbeConfig:
    """Describe a health probe (``New-AzLoadBalancerProbeConfig``); Http and Https probes need ``request_path``."""
    return ProbeConfig(
        name=_name(name, "name"),
        protocol=_choice(protocol, _PROBE_PROTOCOLS, "protocol"),
        port=_port(port, "port"),
        interval_in_seconds=interval_in_seconds,
        probe_count=probe_count,
        request_path=request_path,
    )


def _frontend(value: Any) -> FrontendIpConfig:
    check(
        isinstance(value, FrontendIpConfig),
        "frontend_ip_configuration",
        type(value).__name__,
        "must be an azrm.FrontendIpConfig (azrm.new_load_balancer_frontend_ip_config)",
    )
    return value


@checked
def new_load_balancer_rule_config(
    name: str,
    *,
    frontend_ip_configuration: FrontendIpConfig,
    backend_address_pool: BackendAddressPoolConfig | None = None,
    probe: ProbeConfig | None = None,
    protocol: str = "Tcp",
    frontend_port: int,
    backend_port: int,
    idle_timeout_in_minutes: int = 4,
    enable_floating_ip: bool = False,
    load_distribution: str = "Default",
) -> LoadBalancingRuleConfig:
    """Describe a load-balancing rule (``New-AzLoadBalancerRuleConfig``) from the config objects it uses."""
    check(
        backend_address_pool is None or isinstance(backend_address_pool, BackendAddressPoolConfig),
        "backend_address_pool",
        type(backend_address_pool).__name__,
        "must be an azrm.BackendAddressPoolConfig (azrm.new_load_balancer_backend_address_pool_config)",
    )
    check(
        probe is None or isinstance(probe, ProbeConfig),
        "probe",
        type(probe).__name__,
        "must be an azrm.ProbeConfig (azrm.new_load_balancer_probe_config)",
    )
    return LoadBalancingRuleConfig(
        name=_name(name, "name"),
        frontend_ip_configuration=_frontend(frontend_ip_configuration),
        backend_address_pool=backend_address_pool,
        probe=probe,
        protocol=_choice(protocol, _PROTOCOLS, "protocol"),
        frontend_port=_port(frontend_port, "frontend_port", 0, 65534),
        backend_port=_port(backend_port, "backend_port", 0, 65535),
        idle_timeout_in_minutes=idle_timeout_in_minutes,
        enable_floating_ip=enable_floating_ip,
        load_distribution=_choice(load_distribution, _DISTRIBUTIONS, "load_distribution"),
    )


@checked
def new_load_balancer_inbound_nat_pool_config(
    name: str,
    *,
    frontend_ip_configuration: FrontendIpConfig | None = None,
    frontend_ip_configuration_id: Any = None,
    protocol: str = "Tcp",
    frontend_port_range_start: int,
    frontend_port_range_end: int,
    backend_port: int,
    idle_timeout_in_minutes: int = 4,
) -> InboundNatPoolConfig:
    """Describe an inbound NAT pool (``New-AzLoadBalancerInboundNatPoolConfig``) for scale set instances.

    The frontend is ``frontend_ip_configuration`` (a :func:`new_load_balancer_frontend_ip_config`) or, as
    in the cmdlet's other parameter set, ``frontend_ip_configuration_id`` (the frontend's id, such as
    ``lb.frontend_ip_configurations[0].id``, or a model with one): exactly one of them.
    """
    check(
        frontend_ip_configuration is None or frontend_ip_configuration_id is None,
        "frontend_ip_configuration/frontend_ip_configuration_id",
        "...",
        "give frontend_ip_configuration= or frontend_ip_configuration_id=, not both",
    )
    return InboundNatPoolConfig(
        name=_name(name, "name"),
        frontend_ip_configuration=(
            _frontend(frontend_ip_configuration) if frontend_ip_configuration_id is None else None
        ),
        frontend_ip_configuration_id=(
            resource_ref(frontend_ip_configuration_id, "frontend_ip_configuration_id")
            if frontend_ip_configuration_id is not None
            else None
        ),
        protocol=_choice(protocol, _PROTOCOLS, "protocol"),
        frontend_port_range_start=_port(frontend_port_range_start, "frontend_port_range_start", 1, 65534),
        frontend_port_range_end=_port(frontend_port_range_end, "frontend_port_range_end", 1, 65535),
        backend_port=_port(backend_port, "backend_port"),
        idle_timeout_in_minutes=idle_timeout_in_minutes,
    )


def _listed(value: Any, cls: type, field: str) -> list[Any]:
    items = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        check(isinstance(item, cls), field, type(item).__name__, f"must be azrm.{cls.__name__} objects")
    names = [i.name.lower() for i in items]
    check(len(names) == len(set(names)), field, [i.name for i in items], "names are unique within a load balancer")
    return items


def load_balancer_body(
    lb_id: str,
    location: str,
    *,
    frontend_ip_configuration: FrontendIpConfig | Sequence[FrontendIpConfig],
    backend_address_pool: Any = None,
    probe: Any = None,
    load_balancing_rule: Any = None,
    inbound_nat_pool: Any = None,
    sku: str = "Basic",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Assemble a load balancer's ARM body from its parts, checking they fit together.

    Every frontend, pool and probe a rule or NAT pool uses must be one of this load balancer's;
    two rules or NAT pools may not claim the same frontend port for the same protocol.
    """
    frontends = _listed(frontend_ip_configuration, FrontendIpConfig, "frontend_ip_configuration")
    check(bool(frontends), "frontend_ip_configuration", None, "a load balancer needs at least one frontend")
    pools = _listed(backend_address_pool, BackendAddressPoolConfig, "backend_address_pool")
    probes = _listed(probe, ProbeConfig, "probe")
    rules = _listed(load_balancing_rule, LoadBalancingRuleConfig, "load_balancing_rule")
    nat_pools = _listed(inbound_nat_pool, InboundNatPoolConfig, "inbound_nat_pool")
    sku_name = _choice(sku, {"basic": "Basic", "standard": "Standard"}, "sku")
    for rule in rules:
        check(
            rule.frontend_ip_configuration in frontends,
            "load_balancing_rule",
            rule.name,
            f"its frontend {rule.frontend_ip_configuration.name!r} is not one of the given frontends",
        )
        if rule.backend_address_pool is not None:
            check(
                rule.backend_address_pool in pools,
                "load_balancing_rule",
                rule.name,
                f"its pool {rule.backend_address_pool.name!r} is not given as backend_address_pool",
            )
        if rule.probe is not None:
            check(
                rule.probe in probes,
                "load_balancing_rule",
                rule.name,
                f"its probe {rule.probe.name!r} is not given as probe",
            )
    for nat in nat_pools:
        if nat.frontend_ip_configuration_id is None:
            ok = nat.frontend_ip_configuration in frontends
        else:  # the id form: a frontend of this load balancer, by name
            prefix = nat.frontend_ip_configuration_id.lower().rpartition("/frontendipconfigurations/")[0]
            ok = prefix == lb_id.lower() and nat.frontend_name.lower() in (f.name.lower() for f in frontends)
        check(ok, "inbound_nat_pool", nat.name, f"its frontend {nat.frontend_name!r} is not one of the given frontends")
    claimed: dict[tuple[str, str, int], str] = {}
    spans = [(r.name, r.frontend_ip_configuration.name, r.protocol, r.frontend_port, r.frontend_port) for r in rules]
    spans += [
        (n.name, n.frontend_name, n.protocol, n.frontend_port_range_start, n.frontend_port_range_end) for n in nat_pools
    ]
    for owner, frontend, protocol, low, high in spans:
        for proto in ("Tcp", "Udp") if protocol == "All" else (protocol,):
            for port in range(low, high + 1):
                other = claimed.setdefault((frontend.lower(), proto, port), owner)
                check(
                    other == owner,
                    owner,
                    port,
                    f"frontend port {port}/{proto} on {frontend!r} is already used by {other!r}",
                )
    body: dict[str, Any] = {
        "location": location,
        "sku": {"name": sku_name},
        "properties": {
            "frontendIPConfigurations": [f.to_body() for f in frontends],
            "backendAddressPools": [p.to_body() for p in pools],
            "probes": [p.to_body() for p in probes],
            "loadBalancingRules": [r.to_body(lb_id) for r in rules],
            "inboundNatPools": [n.to_body(lb_id) for n in nat_pools],
        },
    }
    if tags:
        body["tags"] = dict(tags)
    return body
