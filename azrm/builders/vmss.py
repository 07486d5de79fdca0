"""The scale set configuration: ``New-AzVmssConfig`` and the cmdlets that fill it in.

``VmssConfig`` methods mirror ``Set-AzVmssOsProfile``, ``Set-AzVmssStorageProfile``,
``Add-AzVmssNetworkInterfaceConfiguration`` and ``Add-AzVmssExtension``; the same exist as
functions named like the cmdlets (``azrm.set_vmss_os_profile(vmss, ...)``) that also make ``|``
pipeline steps. As every builder, each call returns a new configuration::

    ip = azrm.new_vmss_ip_config("ipconfig", subnet_id=subnet.id,
                                 load_balancer_backend_address_pools_id=pool_id,
                                 load_balancer_inbound_nat_pools_id=nat_pool_id)
    vmss = (azrm.new_vmss_config(location="westeurope", sku_capacity=3, sku_name="Standard_A2")
            .set_os_profile(windows=True, computer_name_prefix="web", admin_username="knadmin",
                            admin_password=password)
            .set_storage_profile(image_reference_publisher="MicrosoftWindowsServer",
                                 image_reference_offer="WindowsServer",
                                 image_reference_sku="2016-Datacenter")
            .add_network_interface_configuration("nic", primary=True, ip_configuration=[ip])
            .add_dsc_extension(azrm.DscExtension("webdsc.ps1", storage_account_name="knstor5050",
                                                 version="2.77")))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Literal, ParamSpec

from pydantic import SecretStr

from .._aliases import accepts_aliases
from ..credential import Credential
from ..rules import DISK_STORAGE_TYPES, vm_name_problem
from ._base import Builder, CmdletFunction, check, checked, cmdlet_function, frozen_tags, resource_ref
from .compute import SshPublicKey, admin_credential, check_admin
from .dsc import DscExtension
from .identity import Identity, identity_from

__all__ = [
    "VmssConfig",
    "VmssExtension",
    "VmssIpConfig",
    "VmssNetworkInterfaceConfig",
    "VmssOsProfile",
    "VmssStorageProfile",
    "add_vmss_dsc_extension",
    "add_vmss_extension",
    "add_vmss_network_interface_configuration",
    "check_vmss_name",
    "new_vmss_config",
    "new_vmss_ip_config",
    "set_vmss_os_profile",
    "set_vmss_storage_profile",
]

P = ParamSpec("P")
COMPUTE_API_VERSION = "2024-07-01"
MAX_CAPACITY = 1000
MAX_CAPACITY_SINGLE_PLACEMENT = 100
_UPGRADE = {"manual": "Manual", "automatic": "Automatic", "rolling": "Rolling"}
_CACHING = {"none": "None", "readonly": "ReadOnly", "readwrite": "ReadWrite"}
_SCALE_IN = {"default": "Default", "newestvm": "NewestVM", "oldestvm": "OldestVM"}


def _ids(value: Any, field: str) -> tuple[str, ...]:
    items = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    return tuple(resource_ref(v, field) for v in items)


def _choice(value: str, choices: Mapping[str, str], field: str) -> Any:
    found = choices.get(str(value).lower())
    check(found is not None, field, value, f"must be one of {', '.join(choices.values())}")
    return found


def check_vmss_name(name: str, os_type: str | None) -> None:
    """Check a scale set's name: the VM name rules (Windows: 1 to 15 characters)."""
    problem = vm_name_problem(name, os_type or "Linux")
    check(problem is None, "name", name, problem or "")


class VmssIpConfig(Builder):
    """An IP configuration of the instances' NICs (``New-AzVmssIpConfig``)."""

    name: str
    subnet_id: str
    load_balancer_backend_address_pools_id: tuple[str, ...] = ()
    load_balancer_inbound_nat_pools_id: tuple[str, ...] = ()
    primary: bool | None = None

    def to_body(self) -> dict[str, Any]:
        """Return the IP configuration as ARM's JSON."""
        props: dict[str, Any] = {"subnet": {"id": self.subnet_id}}
        if self.primary is not None:
            props["primary"] = self.primary
        if self.load_balancer_backend_address_pools_id:
            props["loadBalancerBackendAddressPools"] = [{"id": i} for i in self.load_balancer_backend_address_pools_id]
        if self.load_balancer_inbound_nat_pools_id:
            props["loadBalancerInboundNatPools"] = [{"id": i} for i in self.load_balancer_inbound_nat_pools_id]
        return {"name": self.name, "properties": props}


@checked
def new_vmss_ip_config(
    name: str,
    *,
    subnet_id: Any,
    load_balancer_backend_address_pools_id: Any = None,
    load_balancer_inbound_nat_pools_id: Any = None,
    primary: bool | None = None,
) -> VmssIpConfig:
    """Describe an IP configuration for the instances (``New-AzVmssIpConfig``).

    The pool arguments take an id, a model with an ``id``, or a list of them.
    """
    check(bool(str(name).strip()), "name", name, "cannot be empty")
    return VmssIpConfig(
        name=name,
        subnet_id=resource_ref(subnet_id, "subnet_id"),
        load_balancer_backend_address_pools_id=_ids(
            load_balancer_backend_address_pools_id, "load_balancer_backend_address_pools_id"
        ),
        load_balancer_inbound_nat_pools_id=_ids(
            load_balancer_inbound_nat_pools_id, "load_balancer_inbound_nat_pools_id"
        ),
        primary=primary,
    )


class VmssNetworkInterfaceConfig(Builder):
    """A NIC every instance gets (``Add-AzVmssNetworkInterfaceConfiguration``)."""

    name: str
    primary: bool = True
    ip_configurations: tuple[VmssIpConfig, ...]
    network_security_group_id: str | None = None
    enable_accelerated_networking: bool = False
    enable_ip_forwarding: bool = False

    def _rules(self) -> None:
        check(bool(self.ip_configurations), "ip_configuration", (), "a NIC configuration needs an IP configuration")
        names = [c.name.lower() for c in self.ip_configurations]
        check(
            len(names) == len(set(names)), "ip_configuration", names, "IP configuration names are unique within a NIC"
        )

    def to_body(self) -> dict[str, Any]:
        """Return the NIC configuration as ARM's JSON."""
        props: dict[str, Any] = {
            "primary": self.primary,
            "enableAcceleratedNetworking": self.enable_accelerated_networking,
            "enableIPForwarding": self.enable_ip_forwarding,
            "ipConfigurations": [c.to_body() for c in self.ip_configurations],
        }
        if self.network_security_group_id:
            props["networkSecurityGroup"] = {"id": self.network_security_group_id}
        return {"name": self.name, "properties": props}


class VmssOsProfile(Builder):
    """The instances' operating system settings (``Set-AzVmssOsProfile``)."""

    #: None when neither was said: Azure takes it from the image, and the body has neither configuration
    os_type: Literal["Windows", "Linux"] | None
    computer_name_prefix: str
    credential: Credential
    provision_vm_agent: bool = True
    enable_auto_update: bool = True
    disable_password_authentication: bool = False
    ssh_public_keys: tuple[SshPublicKey, ...] = ()

    def _rules(self) -> None:
        limit = 9 if self.os_type == "Windows" else 58
        prefix = self.computer_name_prefix
        check(
            1 <= len(prefix) <= limit and all(c.isalnum() or c == "-" for c in prefix) and not prefix.isdigit(),
            "computer_name_prefix",
            prefix,
            f"a {self.os_type or 'Linux'} scale set's computer name prefix has 1 to {limit} letters, digits or "
            "hyphens (Azure appends 6 characters per instance) and is not all digits",
        )
        check_admin(
            self.credential, self.os_type or "Linux", self.disable_password_authentication, self.ssh_public_keys
        )

    def to_body(self, *, password: str | None = None) -> dict[str, Any]:
        """Return ARM's ``osProfile`` (``password`` replaces the real one, e.g. with a template parameter)."""
        body: dict[str, Any] = {
            "computerNamePrefix": self.computer_name_prefix,
            "adminUsername": self.credential.user_name,
        }
        secret = self.credential.password.get_secret_value()
        if password is not None or secret:
            body["adminPassword"] = password if password is not None else secret
        if self.os_type == "Windows":
            body["windowsConfiguration"] = {
                "provisionVMAgent": self.provision_vm_agent,
                "enableAutomaticUpdates": self.enable_auto_update,
            }
        elif self.os_type == "Linux":
            lin: dict[str, Any] = {
                "disablePasswordAuthentication": self.disable_password_authentication,
                "provisionVMAgent": self.provision_vm_agent,
            }
            if self.ssh_public_keys:
                lin["ssh"] = {"publicKeys": [{"path": k.path, "keyData": k.key_data} for k in self.ssh_public_keys]}
            body["linuxConfiguration"] = lin
        return body


class VmssStorageProfile(Builder):
    """The instances' image and OS disk (``Set-AzVmssStorageProfile``)."""

    image_reference_publisher: str
    image_reference_offer: str
    image_reference_sku: str
    image_reference_version: str = "latest"
    os_disk_caching: Literal["None", "ReadOnly", "ReadWrite"] | None = None
    managed_disk: str = "Standard_LRS"

    def to_body(self) -> dict[str, Any]:
        """Return ARM's ``storageProfile``."""
        os_disk: dict[str, Any] = {
            "createOption": "FromImage",
            "managedDisk": {"storageAccountType": self.managed_disk},
        }
        if self.os_disk_caching:
            os_disk["caching"] = self.os_disk_caching
        return {
            "imageReference": {
                "publisher": self.image_reference_publisher,
                "offer": self.image_reference_offer,
                "sku": self.image_reference_sku,
                "version": self.image_reference_version,
            },
            "osDisk": os_disk,
        }


class VmssExtension(Builder):
    """An extension every instance runs (``Add-AzVmssExtension``)."""

    name: str
    publisher: str
    type: str
    type_handler_version: str
    auto_upgrade_minor_version: bool = True
    setting: tuple[tuple[str, Any], ...] = ()
    protected_setting: tuple[tuple[str, Any], ...] = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("name", "publisher", "type", "type_handler_version"))
        return f"VmssExtension({shown}, protected_setting=...)"

    def to_body(self) -> dict[str, Any]:
        """Return the extension as ARM's JSON (the protected settings included: it is the request)."""
        props: dict[str, Any] = {
            "publisher": self.publisher,
            "type": self.type,
            "typeHandlerVersion": self.type_handler_version,
            "autoUpgradeMinorVersion": self.auto_upgrade_minor_version,
            "settings": dict(self.setting),
        }
        if self.protected_setting:
            props["protectedSettings"] = dict(self.protected_setting)
        return {"name": self.name, "properties": props}


class VmssConfig(Builder):
    """A scale set to create with :meth:`azrm.Session.new_vmss` (``New-AzVmssConfig``)."""

    location: str
    sku_name: str
    sku_capacity: int
    upgrade_policy_mode: Literal["Manual", "Automatic", "Rolling"] = "Manual"
    overprovision: bool | None = None
    single_placement_group: bool | None = None
    scale_in_policy: Literal["Default", "NewestVM", "OldestVM"] | None = None
    tags: tuple[tuple[str, str], ...] = ()
    os_profile: VmssOsProfile | None = None
    storage_profile: VmssStorageProfile | None = None
    network_interface_configurations: tuple[VmssNetworkInterfaceConfig, ...] = ()
    extensions: tuple[VmssExtension, ...] = ()
    dsc_extensions: tuple[DscExtension, ...] = ()
    identity: Identity | None = None

    def _rules(self) -> None:
        check(bool(self.location.strip()), "location", self.location, "give the region, such as westeurope")
        check(bool(self.sku_name.strip()), "sku_name", self.sku_name, "give a VM size such as Standard_A2")
        limit = MAX_CAPACITY if self.single_placement_group is False else MAX_CAPACITY_SINGLE_PLACEMENT
        check(
            0 <= self.sku_capacity <= limit,
            "sku_capacity",
            self.sku_capacity,
            f"0 to {limit} instances"
            + (" (set single_placement_group=False for up to 1000)" if limit == MAX_CAPACITY_SINGLE_PLACEMENT else ""),
        )
        names = [c.name.lower() for c in self.network_interface_configurations]
        check(len(names) == len(set(names)), "network_interface_configuration", names, "names are unique")
        primaries = [c for c in self.network_interface_configurations if c.primary]
        check(
            len(self.network_interface_configurations) < 2 or len(primaries) == 1,
            "primary",
            [c.name for c in primaries],
            "with several NIC configurations, exactly one is primary",
        )
        ext_names = [e.name.lower() for e in self.extensions] + [d.name.lower() for d in self.dsc_extensions]
        check(len(ext_names) == len(set(ext_names)), "extension", ext_names, "extension names are unique")

    @property
    def os_type(self) -> str | None:
        """``Windows`` or ``Linux``, from the OS profile."""
        return self.os_profile.os_type if self.os_profile is not None else None

    # -- the cmdlets ------------------------------------------------------------------------------
    @accepts_aliases(
        provision_vm_agent="windows_configuration_provision_vm_agent",
        enable_auto_update="windows_configuration_enable_automatic_update",
        disable_password_authentication="linux_configuration_disable_password_authentication",
    )
    def set_os_profile(
        self,
        *,
        windows: bool = False,
        linux: bool = False,
        computer_name_prefix: str,
        admin_username: str | None = None,
        admin_password: str | SecretStr | None = None,
        credential: Credential | None = None,
        windows_configuration_provision_vm_agent: bool | None = None,
        windows_configuration_enable_automatic_update: bool | None = None,
        linux_configuration_disable_password_authentication: bool | None = None,
        ssh_public_keys: Sequence[tuple[str, str]] = (),
    ) -> VmssConfig:
        """Set the instances' OS settings (``Set-AzVmssOsProfile``).

        The cmdlet's parameters, in snake case; ``windows``/``linux`` (one of them), ``credential`` and
        ``ssh_public_keys`` are azrm's, as for :meth:`azrm.VMConfig.set_operating_system`. As the cmdlet
        has no ``-Windows``/``-Linux``, they may be left out: a ``windows_configuration_*`` or
        ``linux_configuration_*`` keyword says which it is, and without one Azure takes the operating system
        from the image (the body then has neither configuration, as the cmdlet sends it).

        :keyword computer_name_prefix: instances are named ``<prefix><6 characters>`` (Windows: at most 9).
        :keyword admin_username: the admin user (``-AdminUsername``), with ``admin_password``.
        :keyword admin_password: its password (``-AdminPassword``; a string or a ``SecretStr``). A Linux
            scale set with ``linux_configuration_disable_password_authentication=True`` may leave it out.
        :keyword credential: instead of the pair, the user and password as an :class:`azrm.Credential`.
        :keyword windows_configuration_provision_vm_agent: also ``provision_vm_agent``.
        :keyword windows_configuration_enable_automatic_update: also ``enable_auto_update``.
        :keyword linux_configuration_disable_password_authentication: also ``disable_password_authentication``.
        :raises ValidationError: for both ``credential`` and the pair, a user without a password (or the
            reverse), or a name, password or prefix Azure would refuse.

        >>> vmss = vmss.set_os_profile(windows=True, computer_name_prefix="web",
        ...                            admin_username="knadmin", admin_password=password)
        """
        windows_given = windows_configuration_provision_vm_agent is not None or (
            windows_configuration_enable_automatic_update is not None
        )
        linux_given = linux_configuration_disable_password_authentication is not None
        if not windows and not linux and windows_given != linux_given:
            windows, linux = windows_given, linux_given
        check(not (windows and linux), "windows/linux", None, "give windows=True or linux=True, not both")
        if windows_configuration_provision_vm_agent is None:
            windows_configuration_provision_vm_agent = True
        if windows_configuration_enable_automatic_update is None:
            windows_configuration_enable_automatic_update = True
        if linux_configuration_disable_password_authentication is None:
            linux_configuration_disable_password_authentication = False
        credential = admin_credential(
            credential,
            admin_username,
            admin_password,
            password_optional=linux and linux_configuration_disable_password_authentication,
        )
        profile = VmssOsProfile(
            os_type="Windows" if windows else "Linux" if linux else None,
            computer_name_prefix=computer_name_prefix,
            credential=credential,
            provision_vm_agent=windows_configuration_provision_vm_agent,
            enable_auto_update=windows_configuration_enable_automatic_update,
            disable_password_authentication=linux_configuration_disable_password_authentication,
            ssh_public_keys=tuple(SshPublicKey(path=p, key_data=k) for p, k in ssh_public_keys),
        )
        return self.evolve(os_profile=profile)

    def set_storage_profile(
        self,
        *,
        image_reference_publisher: str,
        image_reference_offer: str,
        image_reference_sku: str,
        image_reference_version: str = "latest",
        os_disk_create_option: str = "FromImage",
        os_disk_caching: str | None = None,
        managed_disk: str = "Standard_LRS",
    ) -> VmssConfig:
        """Set the instances' image and OS disk (``Set-AzVmssStorageProfile``)."""
        for field, value in (
            ("image_reference_publisher", image_reference_publisher),
            ("image_reference_offer", image_reference_offer),
            ("image_reference_sku", image_reference_sku),
            ("image_reference_version", image_reference_version),
        ):
            check(bool(value and str(value).strip()), field, value, "cannot be empty")
        check(
            str(os_disk_create_option).lower() == "fromimage",
            "os_disk_create_option",
            os_disk_create_option,
            "a scale set's OS disks are created from its image: FromImage",
        )
        profile = VmssStorageProfile(
            image_reference_publisher=image_reference_publisher,
            image_reference_offer=image_reference_offer,
            image_reference_sku=image_reference_sku,
            image_reference_version=image_reference_version,
            os_disk_caching=_choice(os_disk_caching, _CACHING, "os_disk_caching") if os_disk_caching else None,
            managed_disk=_choice(managed_disk, DISK_STORAGE_TYPES, "managed_disk"),
        )
        return self.evolve(storage_profile=profile)

    @accepts_aliases(ip_config="ip_configuration")
    def add_network_interface_configuration(
        self,
        name: str,
        *,
        primary: bool = True,
        ip_configuration: VmssIpConfig | Sequence[VmssIpConfig],
        network_security_group_id: Any = None,
        enable_accelerated_networking: bool = False,
        enable_ip_forwarding: bool = False,
    ) -> VmssConfig:
        """Add a NIC that every instance gets (``Add-AzVmssNetworkInterfaceConfiguration``).

        :keyword ip_configuration: one or more :func:`azrm.new_vmss_ip_config` (also ``ip_config``).
        """
        configs = (ip_configuration,) if isinstance(ip_configuration, VmssIpConfig) else tuple(ip_configuration)
        for config in configs:
            check(
                isinstance(config, VmssIpConfig),
                "ip_configuration",
                type(config).__name__,
                "must be azrm.VmssIpConfig objects (azrm.new_vmss_ip_config)",
            )
        nic = VmssNetworkInterfaceConfig(
            name=name,
            primary=primary,
            ip_configurations=configs,
            network_security_group_id=(
                resource_ref(network_security_group_id, "network_security_group_id")
                if network_security_group_id
                else None
            ),
            enable_accelerated_networking=enable_accelerated_networking,
            enable_ip_forwarding=enable_ip_forwarding,
        )
        return self.evolve(network_interface_configurations=(*self.network_interface_configurations, nic))

    def add_extension(
        self,
        name: str,
        *,
        publisher: str,
        type: str,
        type_handler_version: str,
        auto_upgrade_minor_version: bool = True,
        setting: Mapping[str, Any] | None = None,
        protected_setting: Mapping[str, Any] | None = None,
    ) -> VmssConfig:
        """Add an extension every instance runs (``Add-AzVmssExtension``); protected settings stay secret."""
        from .. import _secrets

        for value in (protected_setting or {}).values():
            if isinstance(value, str):
                _secrets.register(value)
        ext = VmssExtension(
            name=name,
            publisher=publisher,
            type=type,
            type_handler_version=type_handler_version,
            auto_upgrade_minor_version=auto_upgrade_minor_version,
            setting=tuple((setting or {}).items()),
            protected_setting=tuple((protected_setting or {}).items()),
        )
        return self.evolve(extensions=(*self.extensions, ext))

    def add_dsc_extension(self, extension: DscExtension) -> VmssConfig:
        """Have :meth:`~azrm.Session.new_vmss` publish a DSC configuration and run it on every instance.

        The archive is published before the scale set is created (instances apply it as they start);
        the extension gets a read-only SAS in its protected settings, long-lived so that instances
        added later (autoscale) can still fetch the archive.
        """
        check(
            isinstance(extension, DscExtension), "extension", type(extension).__name__, "must be an azrm.DscExtension"
        )
        return self.evolve(dsc_extensions=(*self.dsc_extensions, extension))

    def set_identity(self, identity_type: str, *, identity_id: Sequence[Any] | str | None = None) -> VmssConfig:
        """Give the scale set managed identities (``New-AzVmssConfig -IdentityType -IdentityId``).

        :param identity_type: ``SystemAssigned``, ``UserAssigned``, ``SystemAssigned, UserAssigned`` or
            ``None`` (no identity).
        :keyword identity_id: ids (or models) of user-assigned identities, with a ``UserAssigned`` type.
        :raises ValidationError: for another type, ids without a user-assigned type, or malformed ids.
        """
        return self.evolve(identity=identity_from(identity_type, identity_id))

    # -- checks and output -----------------------------------------------------------------------------
    def missing_parts(self) -> list[tuple[str, str]]:
        """Return what :meth:`~azrm.Session.new_vmss` still needs, as ``(field, how to add it)``."""
        missing = []
        if self.os_profile is None:
            missing.append(("os_profile", "set_os_profile(...) (Set-AzVmssOsProfile)"))
        if self.storage_profile is None:
            missing.append(("storage_profile", "set_storage_profile(...) (Set-AzVmssStorageProfile)"))
        if not self.network_interface_configurations:
            missing.append(
                (
                    "network_interface_configurations",
                    "add_network_interface_configuration(...) (Add-AzVmssNetworkInterfaceConfiguration)",
                )
            )
        return missing

    def check_complete(self, name: str) -> None:
        """Raise :class:`ValidationError` for the first missing part, or a name Azure would refuse."""
        for field, how in self.missing_parts():
            check(False, f"VmssConfig.{field}", None, f"a scale set needs it: {how}")
        check_vmss_name(name, self.os_type)

    def to_body(self, *, password: str | None = None, extensions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        """Return the scale set as ARM's JSON (``extensions``: extra entries, the DSC ones ``new_vmss`` makes)."""
        assert self.os_profile is not None and self.storage_profile is not None
        profile: dict[str, Any] = {
            "storageProfile": self.storage_profile.to_body(),
            "osProfile": self.os_profile.to_body(password=password),
            "networkProfile": {
                "networkInterfaceConfigurations": [n.to_body() for n in self.network_interface_configurations]
            },
        }
        entries = [e.to_body() for e in self.extensions] + list(extensions)
        if entries:
            profile["extensionProfile"] = {"extensions": entries}
        props: dict[str, Any] = {"upgradePolicy": {"mode": self.upgrade_policy_mode}, "virtualMachineProfile": profile}
        if self.overprovision is not None:
            props["overprovision"] = self.overprovision
        if self.single_placement_group is not None:
            props["singlePlacementGroup"] = self.single_placement_group
        if self.scale_in_policy:
            props["scaleInPolicy"] = {"rules": [self.scale_in_policy]}
        body: dict[str, Any] = {
            "location": self.location,
            "sku": {"name": self.sku_name, "tier": "Standard", "capacity": self.sku_capacity},
            "properties": props,
        }
        if self.tags:
            body["tags"] = dict(self.tags)
        if self.identity is not None:
            body["identity"] = self.identity.to_body()
        return body

    def to_arm(self, name: str, *, password_parameter: str = "adminPassword") -> dict[str, Any]:
        """Return the scale set as an ARM template resource (the password as a parameter reference)."""
        body = self.to_body(password=f"[parameters('{password_parameter}')]")
        body["location"] = "[resourceGroup().location]"
        return {
            "type": "Microsoft.Compute/virtualMachineScaleSets",
            "apiVersion": COMPUTE_API_VERSION,
            "name": name,
            **body,
        }


@accepts_aliases(tag="tags")
@checked
def new_vmss_config(
    *,
    location: str,
    sku_capacity: int,
    sku_name: str,
    upgrade_policy_mode: str = "Manual",
    overprovision: bool | None = None,
    single_placement_group: bool | None = None,
    scale_in_policy: str | None = None,
    tags: Mapping[str, str] | None = None,
    identity_type: str | None = None,
    identity_id: Sequence[Any] | str | None = None,
) -> VmssConfig:
    """Start a scale set configuration (``New-AzVmssConfig``). No request is made.

    :keyword sku_capacity: how many instances.
    :keyword sku_name: their size (``Standard_A2``...).
    :keyword upgrade_policy_mode: ``Manual`` (instances take a new model when told: ``update_vmss_instance``),
        ``Automatic`` or ``Rolling``.
    :keyword overprovision: Azure's default is on: extra instances are created, then removed.
    :keyword identity_type: managed identities (``-IdentityType``): ``SystemAssigned``, ``UserAssigned``,
        ``SystemAssigned, UserAssigned`` or ``None``.
    :keyword identity_id: the user-assigned identities' ids (``-IdentityId``), with a ``UserAssigned`` type.
    """
    check(
        isinstance(sku_capacity, int) and not isinstance(sku_capacity, bool),
        "sku_capacity",
        sku_capacity,
        "a whole number of instances",
    )
    return VmssConfig(
        location=location,
        sku_name=sku_name,
        sku_capacity=sku_capacity,
        upgrade_policy_mode=_choice(upgrade_policy_mode, _UPGRADE, "upgrade_policy_mode"),
        overprovision=overprovision,
        single_placement_group=single_placement_group,
        scale_in_policy=_choice(scale_in_policy, _SCALE_IN, "scale_in_policy") if scale_in_policy else None,
        tags=frozen_tags(tags),
        identity=identity_from(identity_type, identity_id),
    )


def _cmdlet(method: Callable[Concatenate[VmssConfig, P], VmssConfig], cmdlet: str) -> CmdletFunction[VmssConfig, P]:
    return cmdlet_function(
        method, cmdlet, VmssConfig, "virtual_machine_scale_set", "azrm.new_vmss_config", keyword_aliases=("vmss",)
    )


set_vmss_os_profile = _cmdlet(VmssConfig.set_os_profile, "set_vmss_os_profile")
set_vmss_storage_profile = _cmdlet(VmssConfig.set_storage_profile, "set_vmss_storage_profile")
add_vmss_network_interface_configuration = _cmdlet(
    VmssConfig.add_network_interface_configuration, "add_vmss_network_interface_configuration"
)
add_vmss_extension = _cmdlet(VmssConfig.add_extension, "add_vmss_extension")
add_vmss_dsc_extension = _cmdlet(VmssConfig.add_dsc_extension, "add_vmss_dsc_extension")
