"""The virtual machine configuration: ``New-AzVMConfig`` and the cmdlets that fill it in.

``VMConfig`` methods mirror the cmdlets (``set_operating_system`` is ``Set-AzVMOperatingSystem``...).
The same operations exist as functions named like the cmdlets, so a PowerShell script ports line
by line, and called without the VM they form a ``|`` pipeline::

    vm = azrm.new_vm_config("KNVM01", "Standard_A2")
    vm = azrm.set_vm_operating_system(vm, windows=True, computer_name="KNVM01", credential=cred)

    vm = (azrm.new_vm_config("KNVM01", "Standard_A2")
          | azrm.set_vm_operating_system(windows=True, computer_name="KNVM01", credential=cred)
          | azrm.set_vm_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer",
                                     skus="2012-R2-Datacenter")
          | azrm.add_vm_network_interface(id=nic.id)
          | azrm.set_vm_os_disk(name="KNVM01osDisk", vhd_uri=uri))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Literal, ParamSpec

from pydantic import SecretStr

from .. import _secrets
from .._aliases import accepts_aliases
from ..credential import Credential
from ..rules import DISK_STORAGE_TYPES, computer_name_problem, password_problem, username_problem, vm_name_problem
from ._base import Builder, CmdletFunction, check, checked, cmdlet_function, frozen_tags, resource_ref
from .dsc import DscExtension
from .identity import Identity, identity_from

P = ParamSpec("P")

__all__ = [
    "BootDiagnostics",
    "DataDisk",
    "ImageReference",
    "NetworkInterfaceReference",
    "OSDisk",
    "OSProfile",
    "VMConfig",
    "add_vm_data_disk",
    "add_vm_dsc_extension",
    "add_vm_network_interface",
    "new_vm_config",
    "set_vm_boot_diagnostic",
    "set_vm_operating_system",
    "set_vm_os_disk",
    "set_vm_source_image",
]

#: api-version of the resources ``to_arm()`` writes.
COMPUTE_API_VERSION = "2024-07-01"
CreateOption = Literal["FromImage", "Attach", "Empty"]
Caching = Literal["None", "ReadOnly", "ReadWrite"]
_CREATE_OPTIONS = {"fromimage": "FromImage", "attach": "Attach", "empty": "Empty"}
_CACHING = {"none": "None", "readonly": "ReadOnly", "readwrite": "ReadWrite"}
_STORAGE_TYPES = DISK_STORAGE_TYPES


def _choice(value: str | None, choices: Mapping[str, str], field: str) -> Any:
    """Return the canonical spelling of ``value`` among ``choices`` (``None`` stays ``None``)."""
    if value is None:
        return None
    found = choices.get(str(value).lower())
    check(found is not None, field, value, f"must be one of {', '.join(choices.values())}")
    return found


def _os_type(windows: bool, linux: bool, field: str) -> Any:
    check(not (windows and linux), field, "windows and linux", "give windows=True or linux=True, not both")
    return "Windows" if windows else "Linux" if linux else None


class ImageReference(Builder):
    """A marketplace image (``Set-AzVMSourceImage``)."""

    publisher: str
    offer: str
    sku: str
    version: str = "latest"

    def to_body(self) -> dict[str, Any]:
        """As ARM's ``imageReference``."""
        return {"publisher": self.publisher, "offer": self.offer, "sku": self.sku, "version": self.version}


def require_credential(credential: Any) -> None:
    """Check that a credential argument is an :class:`azrm.Credential` (its password a secret)."""
    check(
        isinstance(credential, Credential),
        "credential",
        type(credential).__name__,
        "must be an azrm.Credential (azrm.Credential(user, password) or azrm.get_credential())",
    )


def admin_credential(
    credential: Credential | None,
    admin_username: str | None,
    admin_password: str | SecretStr | None,
    *,
    password_optional: bool = False,
) -> Credential:
    """Return the admin credential given as ``credential=`` or as ``admin_username=`` / ``admin_password=``.

    :param password_optional: a Linux machine with password authentication off may have a user alone.
    :raises ValidationError: for both forms, neither, or one half of the pair.
    """
    if credential is not None:
        check(
            admin_username is None and admin_password is None,
            "admin_username" if admin_username is not None else "admin_password",
            "..." if admin_username is None else admin_username,
            "give credential= or admin_username= with admin_password=, not both",
            secret=admin_username is None,
        )
        require_credential(credential)
        return credential
    check(
        admin_username is not None,
        "admin_username",
        None,
        "admin_password needs admin_username"
        if admin_password is not None
        else "give admin_username= and admin_password= (or credential=, an azrm.Credential)",
    )
    assert admin_username is not None
    check(
        admin_password is not None or password_optional,
        "admin_password",
        None,
        "admin_username needs admin_password (a Linux machine with password authentication disabled may leave it out)",
    )
    return Credential(admin_username, admin_password if admin_password is not None else "")


def check_admin(
    credential: Credential, os_type: str, disable_password_authentication: bool, ssh_public_keys: Sequence[Any]
) -> None:
    """Azure's admin user and password rules (a Linux machine may use SSH keys instead of a password)."""
    problem = username_problem(credential.user_name, os_type)
    check(problem is None, "credential.user_name", credential.user_name, problem or "")
    password = credential.password.get_secret_value()
    if os_type == "Linux" and disable_password_authentication:
        check(
            bool(ssh_public_keys),
            "ssh_public_keys",
            (),
            "with password authentication disabled, a Linux machine needs at least one SSH public key "
            "(Add-AzVMSshPublicKey)",
        )
        if not password:
            return
    problem = password_problem(password, os_type)
    check(problem is None, "credential.password", password, problem or "", secret=True)


class SshPublicKey(Builder):
    """An SSH public key for a Linux VM (``Add-AzVMSshPublicKey``)."""

    path: str
    key_data: str


class OSProfile(Builder):
    """Operating system settings (``Set-AzVMOperatingSystem``)."""

    os_type: Literal["Windows", "Linux"]
    computer_name: str
    credential: Credential
    provision_vm_agent: bool = True
    enable_auto_update: bool = True
    disable_password_authentication: bool = False
    ssh_public_keys: tuple[SshPublicKey, ...] = ()
    time_zone: str | None = None
    custom_data: SecretStr | None = None

    def _rules(self) -> None:
        problem = computer_name_problem(self.computer_name, self.os_type)
        check(problem is None, "computer_name", self.computer_name, problem or "")
        check_admin(self.credential, self.os_type, self.disable_password_authentication, self.ssh_public_keys)

    def to_body(self, *, password: str | None = None) -> dict[str, Any]:
        """As ARM's ``osProfile`` (``password`` replaces the real one, e.g. with a template parameter)."""
        body: dict[str, Any] = {"computerName": self.computer_name, "adminUsername": self.credential.user_name}
        secret = self.credential.password.get_secret_value()
        if password is not None:
            body["adminPassword"] = password
        elif secret:
            body["adminPassword"] = secret
        if self.os_type == "Windows":
            win: dict[str, Any] = {
                "provisionVMAgent": self.provision_vm_agent,
                "enableAutomaticUpdates": self.enable_auto_update,
            }
            if self.time_zone:
                win["timeZone"] = self.time_zone
            body["windowsConfiguration"] = win
        else:
            lin: dict[str, Any] = {
                "disablePasswordAuthentication": self.disable_password_authentication,
                "provisionVMAgent": self.provision_vm_agent,
            }
            if self.ssh_public_keys:
                lin["ssh"] = {"publicKeys": [{"path": k.path, "keyData": k.key_data} for k in self.ssh_public_keys]}
            body["linuxConfiguration"] = lin
        if self.custom_data is not None:
            body["customData"] = self.custom_data.get_secret_value()
        return body


class _Disk(Builder):
    """What OS and data disks share: where the disk lives (a VHD or a managed disk), size, caching."""

    name: str | None = None
    vhd_uri: str | None = None
    caching: Caching | None = None
    disk_size_in_gb: int | None = None
    storage_account_type: str | None = None
    managed_disk_id: str | None = None
    delete_option: Literal["Delete", "Detach"] | None = None

    def _rules(self) -> None:
        check(
            not (self.vhd_uri and (self.managed_disk_id or self.storage_account_type)),
            "vhd_uri",
            self.vhd_uri,
            "a disk is either a VHD in a storage account (vhd_uri) or a managed disk (managed_disk_id, "
            "storage_account_type), not both",
        )
        if self.vhd_uri:
            check(
                self.vhd_uri.lower().startswith(("https://", "http://")) and self.vhd_uri.lower().endswith(".vhd"),
                "vhd_uri",
                self.vhd_uri,
                "must be the URL of a .vhd blob, such as <blob endpoint>vhds/<name>.vhd",
            )
        if self.storage_account_type is not None:
            check(
                self.storage_account_type in _STORAGE_TYPES.values(),
                "storage_account_type",
                self.storage_account_type,
                f"must be one of {', '.join(_STORAGE_TYPES.values())}",
            )

    def _body(self, body: dict[str, Any]) -> dict[str, Any]:
        """Add the shared fields to ``body`` in ARM's spelling."""
        if self.name:
            body["name"] = self.name
        if self.caching:
            body["caching"] = self.caching
        if self.disk_size_in_gb is not None:
            body["diskSizeGB"] = self.disk_size_in_gb
        if self.vhd_uri:
            body["vhd"] = {"uri": self.vhd_uri}
        elif self.managed_disk_id or self.storage_account_type:
            managed: dict[str, Any] = {}
            if self.storage_account_type:
                managed["storageAccountType"] = self.storage_account_type
            if self.managed_disk_id:
                managed["id"] = self.managed_disk_id
            body["managedDisk"] = managed
        if self.delete_option:
            body["deleteOption"] = self.delete_option
        return body


class OSDisk(_Disk):
    """The OS disk (``Set-AzVMOSDisk``): a VHD in a storage account (``vhd_uri``) or a managed disk.

    >>> OSDisk(name="KNVM01osDisk", vhd_uri="https://knstor5050.blob.core.windows.net/vhds/KNVM01osDisk.vhd")
    """

    create_option: CreateOption = "FromImage"
    os_type: Literal["Windows", "Linux"] | None = None

    def _rules(self) -> None:
        super()._rules()
        if self.disk_size_in_gb is not None:
            check(
                1 <= self.disk_size_in_gb <= 4095,
                "disk_size_in_gb",
                self.disk_size_in_gb,
                "an OS disk has 1 to 4095 GB",
            )
        if self.create_option == "Attach":
            check(
                bool(self.vhd_uri or self.managed_disk_id),
                "create_option",
                "Attach",
                "attaching an OS disk needs its managed_disk_id or vhd_uri",
            )
            check(self.os_type is not None, "os_type", None, "an attached OS disk needs windows=True or linux=True")

    def to_body(self) -> dict[str, Any]:
        """As ARM's ``osDisk``."""
        body: dict[str, Any] = {"createOption": self.create_option}
        if self.os_type:
            body["osType"] = self.os_type
        return self._body(body)


class DataDisk(_Disk):
    """A data disk (``Add-AzVMDataDisk``)."""

    lun: int
    create_option: CreateOption = "Empty"

    def _rules(self) -> None:
        super()._rules()
        check(0 <= self.lun <= 63, "lun", self.lun, "a data disk's LUN is 0 to 63")
        if self.create_option == "Empty":
            check(
                self.disk_size_in_gb is not None and 1 <= self.disk_size_in_gb <= 32767,
                "disk_size_in_gb",
                self.disk_size_in_gb,
                "an empty data disk needs a size from 1 to 32767 GB",
            )
        if self.create_option == "Attach":
            check(
                bool(self.vhd_uri or self.managed_disk_id),
                "create_option",
                "Attach",
                "attaching a data disk needs its managed_disk_id or vhd_uri",
            )

    def to_body(self) -> dict[str, Any]:
        """As an entry of ARM's ``dataDisks``."""
        return self._body({"lun": self.lun, "createOption": self.create_option})


class NetworkInterfaceReference(Builder):
    """A NIC the VM uses (``Add-AzVMNetworkInterface``)."""

    id: str
    primary: bool | None = None
    delete_option: Literal["Delete", "Detach"] | None = None


class BootDiagnostics(Builder):
    """Boot diagnostics (``Set-AzVMBootDiagnostic``); no ``storage_uri`` means managed storage."""

    enabled: bool = True
    storage_uri: str | None = None


class VMConfig(Builder):
    """A virtual machine to create: what ``New-AzVMConfig`` starts and the ``Set-AzVM*`` cmdlets fill in.

    Pass it to :meth:`azrm.Session.new_vm`. Every method returns a new configuration.
    """

    vm_name: str
    vm_size: str
    os_profile: OSProfile | None = None
    image: ImageReference | None = None
    network_interfaces: tuple[NetworkInterfaceReference, ...] = ()
    os_disk: OSDisk | None = None
    data_disks: tuple[DataDisk, ...] = ()
    boot_diagnostics: BootDiagnostics | None = None
    availability_set_id: str | None = None
    license_type: str | None = None
    zone: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    dsc_extensions: tuple[DscExtension, ...] = ()
    identity: Identity | None = None

    def __init__(self, vm_name: str, vm_size: str, **data: Any) -> None:
        super().__init__(vm_name=vm_name, vm_size=vm_size, **data)

    @property
    def name(self) -> str:
        """The VM's name (``$vm.Name`` of the cmdlets' ``PSVirtualMachine``): ``vm_name``."""
        return self.vm_name

    @property
    def os_type(self) -> str | None:
        """``Windows`` or ``Linux``, from the operating system settings or an attached OS disk."""
        if self.os_profile is not None:
            return self.os_profile.os_type
        return self.os_disk.os_type if self.os_disk is not None else None

    def _rules(self) -> None:
        problem = vm_name_problem(self.vm_name, self.os_type or "Linux")
        check(problem is None, "vm_name", self.vm_name, problem or "")
        check(
            bool(self.vm_size.strip()), "vm_size", self.vm_size, "give a VM size such as Standard_A2 or Standard_D2s_v5"
        )

    # -- the cmdlets ------------------------------------------------------------------------------
    def set_operating_system(
        self,
        *,
        windows: bool = False,
        linux: bool = False,
        computer_name: str,
        credential: Credential,
        provision_vm_agent: bool | None = None,
        disable_vm_agent: bool = False,
        enable_auto_update: bool = True,
        disable_password_authentication: bool = False,
        ssh_public_keys: Sequence[tuple[str, str]] = (),
        time_zone: str | None = None,
        custom_data: str | None = None,
    ) -> VMConfig:
        """Set the operating system settings (``Set-AzVMOperatingSystem``).

        :keyword windows: a Windows VM (give exactly one of ``windows`` and ``linux``).
        :keyword credential: the admin user and password (:class:`azrm.Credential`).
        :keyword provision_vm_agent: install the VM agent (the default, as Azure's).
        :keyword disable_vm_agent: do not (``-DisableVMAgent``); not with ``provision_vm_agent=True``.
        :keyword ssh_public_keys: ``(path, key_data)`` pairs for a Linux VM.
        :raises ValidationError: for a computer name, user name or password Azure would refuse.
        """
        os_type = _os_type(windows, linux, "windows/linux")
        check(os_type is not None, "windows/linux", None, "give windows=True or linux=True")
        check(
            not (disable_vm_agent and provision_vm_agent),
            "disable_vm_agent",
            True,
            "give disable_vm_agent=True or provision_vm_agent=True, not both",
        )
        require_credential(credential)
        if custom_data:
            _secrets.register(custom_data)
        profile = OSProfile(
            os_type=os_type,
            computer_name=computer_name,
            credential=credential,
            provision_vm_agent=not disable_vm_agent if provision_vm_agent is None else provision_vm_agent,
            enable_auto_update=enable_auto_update,
            disable_password_authentication=disable_password_authentication,
            ssh_public_keys=tuple(SshPublicKey(path=p, key_data=k) for p, k in ssh_public_keys),
            time_zone=time_zone,
            custom_data=SecretStr(custom_data) if custom_data else None,
        )
        return self.evolve(os_profile=profile)

    def set_source_image(self, *, publisher_name: str, offer: str, skus: str, version: str = "latest") -> VMConfig:
        """Set the marketplace image (``Set-AzVMSourceImage``)."""
        for field, value in (
            ("publisher_name", publisher_name),
            ("offer", offer),
            ("skus", skus),
            ("version", version),
        ):
            check(bool(value and str(value).strip()), field, value, "cannot be empty")
        return self.evolve(image=ImageReference(publisher=publisher_name, offer=offer, sku=skus, version=version))

    @accepts_aliases(nic_id="id", network_interface_id="id")
    def add_network_interface(
        self, id: Any, *, primary: bool | None = None, delete_option: str | None = None
    ) -> VMConfig:
        """Add a NIC by id (``Add-AzVMNetworkInterface``); a NIC model works as well as its id.

        ``id`` is also ``nic_id`` and ``network_interface_id``, as in the cmdlet.
        """
        nic_id = resource_ref(id, "id")
        check(
            nic_id.lower() not in (n.id.lower() for n in self.network_interfaces),
            "id",
            nic_id,
            "this NIC is already added (a re-run notebook cell?)",
        )
        if primary:
            check(
                not any(n.primary for n in self.network_interfaces), "primary", True, "another NIC is already primary"
            )
        ref = NetworkInterfaceReference(
            id=nic_id,
            primary=primary,
            delete_option=_choice(delete_option, {"delete": "Delete", "detach": "Detach"}, "delete_option"),
        )
        return self.evolve(network_interfaces=(*self.network_interfaces, ref))

    @accepts_aliases(os_disk_name="name", disk_name="name", os_disk_vhd_uri="vhd_uri", disk_vhd_uri="vhd_uri")
    def set_os_disk(
        self,
        disk: OSDisk | None = None,
        *,
        name: str | None = None,
        vhd_uri: str | None = None,
        create_option: str = "FromImage",
        caching: str | None = None,
        disk_size_in_gb: int | None = None,
        storage_account_type: str | None = None,
        managed_disk_id: Any = None,
        windows: bool = False,
        linux: bool = False,
        delete_option: str | None = None,
    ) -> VMConfig:
        """Set the OS disk (``Set-AzVMOSDisk``); pass an :class:`OSDisk`, or its fields.

        Without ``vhd_uri`` the disk is a managed disk, as Azure prefers today. As in the cmdlet, ``name``
        is also ``os_disk_name`` or ``disk_name``, ``vhd_uri`` also ``os_disk_vhd_uri`` or ``disk_vhd_uri``.
        """
        if disk is None:
            disk = OSDisk(
                name=name,
                vhd_uri=vhd_uri,
                create_option=_choice(create_option, _CREATE_OPTIONS, "create_option"),
                caching=_choice(caching, _CACHING, "caching"),
                disk_size_in_gb=disk_size_in_gb,
                storage_account_type=_choice(storage_account_type, _STORAGE_TYPES, "storage_account_type"),
                managed_disk_id=resource_ref(managed_disk_id, "managed_disk_id") if managed_disk_id else None,
                os_type=_os_type(windows, linux, "windows/linux"),
                delete_option=_choice(delete_option, {"delete": "Delete", "detach": "Detach"}, "delete_option"),
            )
        else:
            check(isinstance(disk, OSDisk), "disk", type(disk).__name__, "must be an azrm.OSDisk")
        return self.evolve(os_disk=disk)

    def add_data_disk(
        self,
        *,
        lun: int,
        name: str | None = None,
        create_option: str = "Empty",
        disk_size_in_gb: int | None = None,
        caching: str | None = None,
        vhd_uri: str | None = None,
        managed_disk_id: Any = None,
        storage_account_type: str | None = None,
        delete_option: str | None = None,
    ) -> VMConfig:
        """Add a data disk (``Add-AzVMDataDisk``)."""
        check(lun not in (d.lun for d in self.data_disks), "lun", lun, "another data disk uses this LUN")
        disk = DataDisk(
            lun=lun,
            name=name,
            create_option=_choice(create_option, _CREATE_OPTIONS, "create_option"),
            disk_size_in_gb=disk_size_in_gb,
            caching=_choice(caching, _CACHING, "caching"),
            vhd_uri=vhd_uri,
            managed_disk_id=resource_ref(managed_disk_id, "managed_disk_id") if managed_disk_id else None,
            storage_account_type=_choice(storage_account_type, _STORAGE_TYPES, "storage_account_type"),
            delete_option=_choice(delete_option, {"delete": "Delete", "detach": "Detach"}, "delete_option"),
        )
        return self.evolve(data_disks=(*self.data_disks, disk))

    def set_boot_diagnostic(self, *, enable: bool = True, storage_uri: str | None = None) -> VMConfig:
        """Turn boot diagnostics on or off (``Set-AzVMBootDiagnostic``); no ``storage_uri`` means managed storage."""
        return self.evolve(
            boot_diagnostics=BootDiagnostics(enabled=enable, storage_uri=storage_uri if enable else None)
        )

    def add_dsc_extension(self, extension: DscExtension) -> VMConfig:
        """Have :meth:`~azrm.Session.new_vm` publish this DSC configuration and attach the extension."""
        check(
            isinstance(extension, DscExtension), "extension", type(extension).__name__, "must be an azrm.DscExtension"
        )
        check(
            extension.name.lower() not in (e.name.lower() for e in self.dsc_extensions),
            "extension",
            extension.name,
            "an extension of this name is already added",
        )
        return self.evolve(dsc_extensions=(*self.dsc_extensions, extension))

    def set_identity(self, identity_type: str, *, identity_id: Sequence[Any] | str | None = None) -> VMConfig:
        """Give the VM managed identities (``New-AzVMConfig -IdentityType -IdentityId``).

        :param identity_type: ``SystemAssigned``, ``UserAssigned``, ``SystemAssigned, UserAssigned`` or
            ``None`` (no identity).
        :keyword identity_id: ids (or models) of user-assigned identities, with a ``UserAssigned`` type.
        :raises ValidationError: for another type, ids without a user-assigned type, or malformed ids.
        """
        return self.evolve(identity=identity_from(identity_type, identity_id))

    # -- output -------------------------------------------------------------------------------------
    def missing_parts(self) -> list[tuple[str, str]]:
        """Return what a create needs and the configuration lacks: ``(field, rule)`` pairs (empty when complete)."""
        missing = []
        attach = self.os_disk is not None and self.os_disk.create_option == "Attach"
        if not attach:
            if self.image is None:
                missing.append(("image", "set the source image with set_source_image() (Set-AzVMSourceImage)"))
            if self.os_profile is None:
                missing.append(("os_profile", "set the OS, computer name and credential with set_operating_system()"))
        if not self.network_interfaces:
            missing.append(("network_interfaces", "add a NIC with add_network_interface() (Add-AzVMNetworkInterface)"))
        elif len(self.network_interfaces) > 1 and sum(bool(n.primary) for n in self.network_interfaces) != 1:
            missing.append(("network_interfaces", "with several NICs, mark exactly one primary=True"))
        return missing

    def check_complete(self) -> None:
        """Raise :class:`ValidationError` for the first part a create needs and the configuration lacks."""
        for field, rule in self.missing_parts():
            check(False, f"VMConfig.{field}", None, rule)
        problem = vm_name_problem(self.vm_name, self.os_type or "Linux")
        check(problem is None, "vm_name", self.vm_name, problem or "")

    def to_body(self, location: str, *, password: str | None = None) -> dict[str, Any]:
        """Return the VM as ARM's JSON (what the SDK sends). ``password`` overrides the real one."""
        props: dict[str, Any] = {"hardwareProfile": {"vmSize": self.vm_size}}
        storage: dict[str, Any] = {}
        if self.image is not None:
            storage["imageReference"] = self.image.to_body()
        storage["osDisk"] = (self.os_disk or OSDisk()).to_body()
        if self.data_disks:
            storage["dataDisks"] = [d.to_body() for d in self.data_disks]
        props["storageProfile"] = storage
        if self.os_profile is not None and (self.os_disk is None or self.os_disk.create_option != "Attach"):
            props["osProfile"] = self.os_profile.to_body(password=password)
        nics = []
        for nic in self.network_interfaces:
            entry: dict[str, Any] = {"id": nic.id}
            extra = {k: v for k, v in (("primary", nic.primary), ("deleteOption", nic.delete_option)) if v is not None}
            if extra:
                entry["properties"] = extra
            nics.append(entry)
        props["networkProfile"] = {"networkInterfaces": nics}
        if self.boot_diagnostics is not None:
            boot: dict[str, Any] = {"enabled": self.boot_diagnostics.enabled}
            if self.boot_diagnostics.storage_uri:
                boot["storageUri"] = self.boot_diagnostics.storage_uri
            props["diagnosticsProfile"] = {"bootDiagnostics": boot}
        if self.availability_set_id:
            props["availabilitySet"] = {"id": self.availability_set_id}
        if self.license_type:
            props["licenseType"] = self.license_type
        body: dict[str, Any] = {"location": location, "properties": props}
        if self.tags:
            body["tags"] = dict(self.tags)
        if self.zone:
            body["zones"] = [self.zone]
        if self.identity is not None:
            body["identity"] = self.identity.to_body()
        return body

    def to_sdk(self, location: str) -> Any:
        """Return the azure-mgmt-compute ``VirtualMachine`` model."""
        from azure.mgmt.compute.models import VirtualMachine

        return VirtualMachine(self.to_body(location))

    def to_arm(
        self, *, location: str = "[resourceGroup().location]", password_parameter: str = "adminPassword"
    ) -> dict[str, Any]:
        """Return the VM as an ARM template resource.

        The password becomes a reference to a ``secureString`` parameter, never its value.
        """
        body = self.to_body(location, password=f"[parameters('{password_parameter}')]")
        return {
            "type": "Microsoft.Compute/virtualMachines",
            "apiVersion": COMPUTE_API_VERSION,
            "name": self.vm_name,
            **body,
        }


@accepts_aliases(name="vm_name", resource_name="vm_name", tag="tags")
@checked
def new_vm_config(
    vm_name: str,
    vm_size: str,
    *,
    availability_set_id: Any = None,
    license_type: str | None = None,
    zone: str | None = None,
    tags: Mapping[str, str] | None = None,
    identity_type: str | None = None,
    identity_id: Sequence[Any] | str | None = None,
) -> VMConfig:
    """Start a VM configuration (``New-AzVMConfig -VMName -VMSize``). No request is made.

    ``vm_name`` is also ``name`` or ``resource_name``, ``tags`` also ``tag``, as in the cmdlet.

    :keyword identity_type: managed identities (``-IdentityType``): ``SystemAssigned``, ``UserAssigned``,
        ``SystemAssigned, UserAssigned`` or ``None``.
    :keyword identity_id: the user-assigned identities' ids (``-IdentityId``), with a ``UserAssigned`` type.
    """
    return VMConfig(
        vm_name,
        vm_size,
        availability_set_id=resource_ref(availability_set_id, "availability_set_id") if availability_set_id else None,
        license_type=license_type,
        zone=zone,
        tags=frozen_tags(tags),
        identity=identity_from(identity_type, identity_id),
    )


def _cmdlet(method: Callable[Concatenate[VMConfig, P], VMConfig], cmdlet: str) -> CmdletFunction[VMConfig, P]:
    return cmdlet_function(method, cmdlet, VMConfig, "vm", "azrm.new_vm_config", keyword_aliases=("vm_profile",))


set_vm_operating_system = _cmdlet(VMConfig.set_operating_system, "set_vm_operating_system")
set_vm_source_image = _cmdlet(VMConfig.set_source_image, "set_vm_source_image")
add_vm_network_interface = _cmdlet(VMConfig.add_network_interface, "add_vm_network_interface")
set_vm_os_disk = _cmdlet(VMConfig.set_os_disk, "set_vm_os_disk")
add_vm_data_disk = _cmdlet(VMConfig.add_data_disk, "add_vm_data_disk")
set_vm_boot_diagnostic = _cmdlet(VMConfig.set_boot_diagnostic, "set_vm_boot_diagnostic")
add_vm_dsc_extension = _cmdlet(VMConfig.add_dsc_extension, "add_vm_dsc_extension")
