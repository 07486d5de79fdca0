"""Container Instances builders: the ``New-AzContainerInstance*Object`` / ``New-AzContainerGroup*Object`` cmdlets.

Each function makes a frozen builder, checked at once, whose ``to_sdk()`` gives the
azure-mgmt-containerinstance model; :class:`ContainerGroupConfig` puts them together into the
``ContainerGroup`` that ``New-AzContainerGroup`` sends::

    web = azrm.new_container_instance_object(
        "web", "mcr.microsoft.com/azuredocs/aci-helloworld", port=[80],
        environment_variable=[azrm.new_container_instance_environment_variable_object("API_KEY", secure_value=key)],
    )
    group = azrm.ContainerGroupConfig("hello", location="westeurope", containers=[web], ip_address_type="Public")
    group.to_sdk()  # ipAddress.ports derived from the containers' ports, as New-AzContainerGroup does

Secure values (environment variables, registry passwords, storage keys, secret volumes) are
``SecretStr``: masked in reprs and errors, registered with azrm's log scrubber, and unwrapped only
by ``to_sdk()``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr, field_validator

from .. import _secrets
from ..container_rules import (
    CONTAINER_OS_TYPES,
    CONTAINER_PROTOCOLS,
    CONTAINER_SKUS,
    IP_ADDRESS_TYPES,
    MAX_CPU,
    MAX_MEMORY_IN_GB,
    RESTART_POLICIES,
    base64_problem,
    container_group_name_problem,
    container_name_problem,
    cpu_problem,
    dns_name_label_problem,
    environment_variable_name_problem,
    image_problem,
    memory_in_gb_problem,
    port_problem,
    registry_server_problem,
)
from ..rules import storage_account_name_problem
from ._base import Builder, check, checked, frozen_tags

__all__ = [
    "ContainerConfig",
    "ContainerGroupConfig",
    "ContainerGroupPort",
    "ContainerGroupVolume",
    "ContainerPort",
    "ContainerProbe",
    "EnvironmentVariable",
    "ImageRegistryCredential",
    "VolumeMount",
    "new_container_group_image_registry_credential_object",
    "new_container_group_port_object",
    "new_container_group_volume_object",
    "new_container_instance_environment_variable_object",
    "new_container_instance_object",
    "new_container_instance_port_object",
    "new_container_instance_volume_mount_object",
]


def _choice(value: Any, choices: Mapping[str, str], field: str) -> Any:
    """Return Azure's spelling of ``value`` among ``choices`` (case-insensitive; ``None`` stays ``None``)."""
    if value is None:
        return None
    found = choices.get(str(value).lower())
    check(found is not None, field, value, f"must be one of {', '.join(choices.values())}")
    return found


def _secret(value: Any, field: str) -> SecretStr | None:
    """Wrap a secret given as text (or ``SecretStr``) and keep it out of every log from now on."""
    if value is None or isinstance(value, SecretStr):
        plain = value.get_secret_value() if value is not None else None
    else:
        check(isinstance(value, str), field, value, "must be text (str or pydantic.SecretStr)", secret=True)
        plain = value
    if plain is None:
        return None
    _secrets.register(plain)
    return SecretStr(plain)


def _strings(value: Any, field: str, example: str) -> tuple[str, ...]:
    """Return a list of strings as a tuple; refuse a lone string (almost always a split mistake)."""
    check(
        isinstance(value, Sequence) and not isinstance(value, str) and all(isinstance(v, str) for v in value),
        field,
        value,
        f"give a list of strings in exec form, such as {example}",
    )
    return tuple(value)


# -- ports -----------------------------------------------------------------------------------------


class _Port(Builder):
    """A port number and its protocol (``TCP`` or ``UDP``, given in any case)."""

    port: int
    protocol: str = "TCP"

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any) -> Any:
        return _choice(value, CONTAINER_PROTOCOLS, "protocol")

    def _rules(self) -> None:
        problem = port_problem(self.port)
        check(problem is None, "port", self.port, problem or "")


class ContainerPort(_Port):
    """A port a container exposes (``New-AzContainerInstancePortObject``).

    >>> ContainerPort(port=80, protocol="tcp").protocol
    'TCP'
    """

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``ContainerPort`` model."""
        from azure.mgmt.containerinstance.models import ContainerPort as SdkContainerPort

        return SdkContainerPort(port=self.port, protocol=self.protocol)


class ContainerGroupPort(_Port):
    """A port the container group's IP address exposes (``New-AzContainerGroupPortObject``)."""

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``Port`` model."""
        from azure.mgmt.containerinstance.models import Port

        return Port(port=self.port, protocol=self.protocol)


@checked
def new_container_instance_port_object(port: int, *, protocol: str = "TCP") -> ContainerPort:
    """Describe a port a container exposes (``New-AzContainerInstancePortObject -Port -Protocol``).

    :param port: 1 to 65535.
    :keyword protocol: ``TCP`` or ``UDP`` (any case).
    :raises ValidationError: for a port or protocol Azure would refuse.
    """
    return ContainerPort(port=port, protocol=protocol)


@checked
def new_container_group_port_object(port: int, *, protocol: str = "TCP") -> ContainerGroupPort:
    """Describe a port of the group's IP address (``New-AzContainerGroupPortObject -Port -Protocol``).

    The port must also be one a container exposes.

    :raises ValidationError: for a port or protocol Azure would refuse.
    """
    return ContainerGroupPort(port=port, protocol=protocol)


# -- environment variables, registry credentials --------------------------------------------------


class EnvironmentVariable(Builder):
    """An environment variable of a container (``New-AzContainerInstanceEnvironmentVariableObject``).

    A ``secure_value`` is a ``SecretStr``: it never shows in reprs or errors, and Azure never returns it.

    >>> EnvironmentVariable(name="API_KEY", secure_value="s3cr3t-value")
    EnvironmentVariable(name='API_KEY', value=None, secure_value=SecretStr('**********'))
    """

    name: str
    value: str | None = None
    secure_value: SecretStr | None = None

    @field_validator("secure_value", mode="before")
    @classmethod
    def _secure(cls, value: Any) -> Any:
        return _secret(value, "secure_value")

    def _rules(self) -> None:
        problem = environment_variable_name_problem(self.name)
        check(problem is None, "environment_variable.name", self.name, problem or "")
        check(
            self.value is None or self.secure_value is None,
            "environment_variable.secure_value",
            self.name,
            "give value or secure_value, not both",
        )

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``EnvironmentVariable`` model (with the secure value)."""
        from azure.mgmt.containerinstance.models import EnvironmentVariable as SdkEnvironmentVariable

        secure = self.secure_value.get_secret_value() if self.secure_value is not None else None
        return SdkEnvironmentVariable(name=self.name, value=self.value, secure_value=secure)


@checked
def new_container_instance_environment_variable_object(
    name: str, *, value: str | None = None, secure_value: str | SecretStr | None = None
) -> EnvironmentVariable:
    """Describe an environment variable (``New-AzContainerInstanceEnvironmentVariableObject``).

    :param name: the variable's name (not empty, no '=').
    :keyword value: a plain value, shown by ``Get-AzContainerGroup``.
    :keyword secure_value: a value Azure never shows back; kept out of reprs, errors and logs.
    :raises ValidationError: for an empty name, or both values given.
    """
    return EnvironmentVariable(name=name, value=value, secure_value=_secret(secure_value, "secure_value"))


class ImageRegistryCredential(Builder):
    """How the group signs in to a private registry (``New-AzContainerGroupImageRegistryCredentialObject``).

    Give ``username`` and ``password``, or a managed ``identity`` (resource id); the password is a
    ``SecretStr``.
    """

    server: str
    username: str | None = None
    password: SecretStr | None = None
    identity: str | None = None
    identity_url: str | None = None

    @field_validator("password", mode="before")
    @classmethod
    def _password(cls, value: Any) -> Any:
        return _secret(value, "password")

    def _rules(self) -> None:
        problem = registry_server_problem(self.server)
        check(problem is None, "image_registry_credential.server", self.server, problem or "")
        if self.identity is None:
            check(
                bool(self.username) and self.password is not None and bool(self.password.get_secret_value()),
                "image_registry_credential",
                self.server,
                "give username and password, or a managed identity",
            )

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``ImageRegistryCredential`` model (with the password)."""
        from azure.mgmt.containerinstance.models import ImageRegistryCredential as SdkCredential

        return SdkCredential(
            server=self.server,
            username=self.username,
            password=self.password.get_secret_value() if self.password is not None else None,
            identity=self.identity,
            identity_url=self.identity_url,
        )


@checked
def new_container_group_image_registry_credential_object(
    server: str,
    *,
    username: str | None = None,
    password: str | SecretStr | None = None,
    identity: str | None = None,
    identity_url: str | None = None,
) -> ImageRegistryCredential:
    """Describe a private registry sign-in (``New-AzContainerGroupImageRegistryCredentialObject``).

    :param server: the registry's host name, such as ``myregistry.azurecr.io`` (no scheme).
    :keyword password: kept out of reprs, errors and logs.
    :keyword identity: a user-assigned identity's resource id, instead of a user name and password.
    :raises ValidationError: for a server that is not a host name, or no way to sign in.
    """
    return ImageRegistryCredential(
        server=server,
        username=username,
        password=_secret(password, "password"),
        identity=identity,
        identity_url=identity_url,
    )


# -- volumes ---------------------------------------------------------------------------------------


class VolumeMount(Builder):
    """Where a container mounts one of the group's volumes (``New-AzContainerInstanceVolumeMountObject``)."""

    name: str
    mount_path: str
    read_only: bool = False

    def _rules(self) -> None:
        check(bool(self.name.strip()), "volume_mount.name", self.name, "name the group volume to mount")
        check(
            bool(self.mount_path.strip()), "volume_mount.mount_path", self.mount_path, "give a path such as /mnt/data"
        )

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``VolumeMount`` model."""
        from azure.mgmt.containerinstance.models import VolumeMount as SdkVolumeMount

        return SdkVolumeMount(name=self.name, mount_path=self.mount_path, read_only=self.read_only)


@checked
def new_container_instance_volume_mount_object(name: str, mount_path: str, *, read_only: bool = False) -> VolumeMount:
    """Describe a volume mount (``New-AzContainerInstanceVolumeMountObject -Name -MountPath -ReadOnly``).

    :param name: the name of a volume of the group (``new_container_group_volume_object``).
    :raises ValidationError: for an empty name or path.
    """
    return VolumeMount(name=name, mount_path=mount_path, read_only=read_only)


class ContainerGroupVolume(Builder):
    """A volume the group's containers can mount (``New-AzContainerGroupVolumeObject``).

    Exactly one kind: an empty directory, secret files, a git repository, or an Azure Files share.
    Secret file contents and the storage account key are ``SecretStr``.
    """

    name: str
    empty_dir: bool = False
    secret: tuple[tuple[str, SecretStr], ...] = ()
    git_repo_repository_url: str | None = None
    git_repo_directory_name: str | None = None
    git_repo_revision: str | None = None
    azure_file_share_name: str | None = None
    azure_file_storage_account_name: str | None = None
    azure_file_storage_account_key: SecretStr | None = None
    azure_file_read_only: bool = False

    @field_validator("azure_file_storage_account_key", mode="before")
    @classmethod
    def _key(cls, value: Any) -> Any:
        return _secret(value, "azure_file_storage_account_key")

    @property
    def kind(self) -> str | None:
        """``empty_dir``, ``secret``, ``git_repo`` or ``azure_file`` (``None`` before one is chosen)."""
        kinds = self._kinds()
        return kinds[0] if len(kinds) == 1 else None

    def _kinds(self) -> list[str]:
        given = {
            "empty_dir": self.empty_dir,
            "secret": bool(self.secret),
            "git_repo": self.git_repo_repository_url is not None,
            "azure_file": self.azure_file_share_name is not None or self.azure_file_storage_account_name is not None,
        }
        return [k for k, v in given.items() if v]

    def _rules(self) -> None:
        check(bool(self.name.strip()), "volume.name", self.name, "a volume needs a name")
        kinds = self._kinds()
        check(
            len(kinds) == 1,
            "volume",
            self.name,
            "give exactly one of empty_dir, secret, git_repo_repository_url or azure_file_share_name"
            + (f" (got {', '.join(kinds)})" if kinds else ""),
        )
        for file_name, _ in self.secret:
            check(
                bool(file_name.strip()) and "/" not in file_name,
                "volume.secret",
                file_name,
                "a secret file name is not empty and has no '/'",
            )
        if kinds == ["git_repo"]:
            check(
                bool((self.git_repo_repository_url or "").strip()),
                "git_repo_repository_url",
                self.git_repo_repository_url,
                "give the repository URL, such as https://github.com/Azure-Samples/aci-helloworld",
            )
            directory = self.git_repo_directory_name
            check(
                directory is None or (not directory.startswith("..") and "/../" not in f"/{directory}/"),
                "git_repo_directory_name",
                directory,
                "the target directory must not contain or start with '..'",
            )
        if kinds == ["azure_file"]:
            check(
                bool((self.azure_file_share_name or "").strip()),
                "azure_file_share_name",
                self.azure_file_share_name,
                "give the name of the Azure Files share",
            )
            account = self.azure_file_storage_account_name or ""
            problem = storage_account_name_problem(account)
            check(problem is None, "azure_file_storage_account_name", account, problem or "")
            check(
                self.azure_file_storage_account_key is not None,
                "azure_file_storage_account_key",
                None,
                "an Azure Files volume needs the storage account key",
            )

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``Volume`` model (with the secrets)."""
        from azure.mgmt.containerinstance.models import AzureFileVolume, GitRepoVolume, Volume

        kind = self.kind
        if kind == "empty_dir":
            return Volume(name=self.name, empty_dir={})
        if kind == "secret":
            return Volume(name=self.name, secret={k: v.get_secret_value() for k, v in self.secret})
        if kind == "git_repo":
            repo = GitRepoVolume(
                repository=self.git_repo_repository_url or "",
                directory=self.git_repo_directory_name,
                revision=self.git_repo_revision,
            )
            return Volume(name=self.name, git_repo=repo)
        key = self.azure_file_storage_account_key
        share = AzureFileVolume(
            share_name=self.azure_file_share_name or "",
            storage_account_name=self.azure_file_storage_account_name or "",
            storage_account_key=key.get_secret_value() if key is not None else None,
            read_only=self.azure_file_read_only,
        )
        return Volume(name=self.name, azure_file=share)


def _secret_files(secret: Mapping[str, str | bytes] | None) -> tuple[tuple[str, SecretStr], ...]:
    """Secret files as sorted (name, base64 SecretStr) pairs; bytes are encoded, text must be base64."""
    files: list[tuple[str, SecretStr]] = []
    for name, content in sorted((secret or {}).items()):
        check(isinstance(name, str), "secret", name, "secret file names are text")
        if isinstance(content, (bytes, bytearray)):
            text = base64.b64encode(bytes(content)).decode("ascii")
        else:
            check(isinstance(content, str), f"secret[{name!r}]", content, "give bytes or base64 text", secret=True)
            problem = base64_problem(content)
            check(problem is None, f"secret[{name!r}]", content, problem or "", secret=True)
            text = content
        _secrets.register(text)
        files.append((name, SecretStr(text)))
    return tuple(files)


@checked
def new_container_group_volume_object(
    name: str,
    *,
    empty_dir: bool = False,
    secret: Mapping[str, str | bytes] | None = None,
    git_repo_repository_url: str | None = None,
    git_repo_directory_name: str | None = None,
    git_repo_revision: str | None = None,
    azure_file_share_name: str | None = None,
    azure_file_storage_account_name: str | None = None,
    azure_file_storage_account_key: str | SecretStr | None = None,
    azure_file_read_only: bool = False,
) -> ContainerGroupVolume:
    """Describe a volume of the group (``New-AzContainerGroupVolumeObject``).

    :param name: the name containers mount it by.
    :keyword empty_dir: an empty directory shared by the group's containers.
    :keyword secret: file name -> content; bytes are base64-encoded for you, text must already be
        base64 (as Azure stores it). Kept out of reprs, errors and logs.
    :keyword git_repo_repository_url: clone this repository into the volume (``git_repo_directory_name``
        must not contain or start with '..').
    :keyword azure_file_share_name: mount an Azure Files share (with the account name and key).
    :raises ValidationError: for no kind or more than one, or a value Azure would refuse.
    """
    return ContainerGroupVolume(
        name=name,
        empty_dir=empty_dir,
        secret=_secret_files(secret),
        git_repo_repository_url=git_repo_repository_url,
        git_repo_directory_name=git_repo_directory_name,
        git_repo_revision=git_repo_revision,
        azure_file_share_name=azure_file_share_name,
        azure_file_storage_account_name=azure_file_storage_account_name,
        azure_file_storage_account_key=_secret(azure_file_storage_account_key, "azure_file_storage_account_key"),
        azure_file_read_only=azure_file_read_only,
    )


# -- probes and containers -------------------------------------------------------------------------


class ContainerProbe(Builder):
    """A liveness or readiness probe: a command to run, or an HTTP GET (``-LivenessProbe*`` parameters).

    >>> ContainerProbe(http_get_port=80, http_get_path="/healthz", period_seconds=10)
    """

    exec_command: tuple[str, ...] = ()
    http_get_port: int | None = None
    http_get_path: str | None = None
    http_get_scheme: str | None = None
    http_get_headers: tuple[tuple[str, str], ...] = ()
    initial_delay_seconds: int | None = None
    period_seconds: int | None = None
    failure_threshold: int | None = None
    success_threshold: int | None = None
    timeout_seconds: int | None = None

    @field_validator("http_get_scheme", mode="before")
    @classmethod
    def _scheme(cls, value: Any) -> Any:
        return _choice(value, {"http": "http", "https": "https"}, "http_get_scheme")

    @field_validator("exec_command", mode="before")
    @classmethod
    def _command(cls, value: Any) -> Any:
        return _strings(value, "exec_command", "['cat', '/tmp/healthy']")

    @field_validator("http_get_headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        return tuple(sorted(dict(value).items())) if isinstance(value, Mapping) else value

    def _rules(self) -> None:
        check(
            bool(self.exec_command) != (self.http_get_port is not None),
            "probe",
            {"exec_command": self.exec_command, "http_get_port": self.http_get_port},
            "give exactly one of exec_command and http_get_port",
        )
        if self.http_get_port is not None:
            problem = port_problem(self.http_get_port)
            check(problem is None, "probe.http_get_port", self.http_get_port, problem or "")
        check(
            self.http_get_port is not None or (self.http_get_path is None and not self.http_get_headers),
            "probe.http_get_path",
            self.http_get_path,
            "http_get_path and http_get_headers need http_get_port",
        )
        for field, minimum in (
            ("initial_delay_seconds", 0),
            ("period_seconds", 1),
            ("failure_threshold", 1),
            ("success_threshold", 1),
            ("timeout_seconds", 1),
        ):
            value = getattr(self, field)
            check(value is None or value >= minimum, f"probe.{field}", value, f"must be at least {minimum}")

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``ContainerProbe`` model."""
        from azure.mgmt.containerinstance.models import ContainerExec, ContainerHttpGet, HttpHeader
        from azure.mgmt.containerinstance.models import ContainerProbe as SdkProbe

        http_get = None
        if self.http_get_port is not None:
            http_get = ContainerHttpGet(
                port=self.http_get_port,
                path=self.http_get_path,
                scheme=self.http_get_scheme,
                http_headers=[HttpHeader(name=k, value=v) for k, v in self.http_get_headers] or None,
            )
        return SdkProbe(
            exec_property=ContainerExec(command=list(self.exec_command)) if self.exec_command else None,
            http_get=http_get,
            initial_delay_seconds=self.initial_delay_seconds,
            period_seconds=self.period_seconds,
            failure_threshold=self.failure_threshold,
            success_threshold=self.success_threshold,
            timeout_seconds=self.timeout_seconds,
        )


_COMMAND_EXAMPLE = "['/bin/sh', '-c', 'echo hello']"


def _container_ports(value: Any) -> tuple[ContainerPort, ...]:
    """Return ports given as numbers (TCP) or :class:`ContainerPort` objects as a tuple of the latter."""
    check(
        isinstance(value, Sequence) and not isinstance(value, str),
        "port",
        value,
        "give a list of ports, such as [80, 443]",
    )
    ports = tuple(ContainerPort(port=p) if isinstance(p, int) and not isinstance(p, bool) else p for p in value)
    for p in ports:
        check(isinstance(p, ContainerPort), "port", p, "give port numbers or new_container_instance_port_object()")
    return ports


def _environment_variables(value: Any) -> tuple[EnvironmentVariable, ...]:
    """Return environment variables given as objects or as a ``{name: value}`` mapping (plain values)."""
    if isinstance(value, Mapping):
        return tuple(EnvironmentVariable(name=k, value=v) for k, v in value.items())
    variables = tuple(value)
    for v in variables:
        check(
            isinstance(v, EnvironmentVariable),
            "environment_variable",
            type(v).__name__,
            "give new_container_instance_environment_variable_object() objects or a {name: value} mapping",
        )
    return variables


class ContainerConfig(Builder):
    """One container of a container group (``New-AzContainerInstanceObject``).

    Build it with :func:`new_container_instance_object`; ``evolve(...)`` returns a changed, re-checked copy.
    """

    name: str
    image: str
    request_cpu: float = 1.0
    request_memory_in_gb: float = 1.5
    limit_cpu: float | None = None
    limit_memory_in_gb: float | None = None
    ports: tuple[ContainerPort, ...] = ()
    command: tuple[str, ...] = ()
    environment_variables: tuple[EnvironmentVariable, ...] = ()
    volume_mounts: tuple[VolumeMount, ...] = ()
    liveness_probe: ContainerProbe | None = None
    readiness_probe: ContainerProbe | None = None

    @field_validator("command", mode="before")
    @classmethod
    def _command(cls, value: Any) -> Any:
        return _strings(value, "command", _COMMAND_EXAMPLE)

    @field_validator("ports", mode="before")
    @classmethod
    def _ports(cls, value: Any) -> Any:
        return _container_ports(value)

    @field_validator("environment_variables", mode="before")
    @classmethod
    def _environment(cls, value: Any) -> Any:
        return _environment_variables(value)

    def _rules(self) -> None:
        problem = container_name_problem(self.name)
        check(problem is None, "container.name", self.name, problem or "")
        problem = image_problem(self.image)
        check(problem is None, "image", self.image, problem or "")
        for field in ("request_cpu", "limit_cpu"):
            value = getattr(self, field)
            problem = None if value is None else cpu_problem(value)
            check(problem is None, field, value, problem or "")
        for field in ("request_memory_in_gb", "limit_memory_in_gb"):
            value = getattr(self, field)
            problem = None if value is None else memory_in_gb_problem(value)
            check(problem is None, field, value, problem or "")
        for limit, request in (("limit_cpu", "request_cpu"), ("limit_memory_in_gb", "request_memory_in_gb")):
            value = getattr(self, limit)
            check(
                value is None or value >= getattr(self, request),
                limit,
                value,
                f"a limit is at least the request ({request}={getattr(self, request):g})",
            )
        _unique([(p.port, p.protocol) for p in self.ports], "port", "a container exposes each port once")
        _unique(
            [v.name for v in self.environment_variables],
            "environment_variable.name",
            "environment variable names are unique within a container (added twice?)",
        )
        _unique(
            [m.mount_path for m in self.volume_mounts],
            "volume_mount.mount_path",
            "a container mounts one volume at each path",
        )

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``Container`` model (secure values included)."""
        from azure.mgmt.containerinstance.models import (
            Container,
            ResourceLimits,
            ResourceRequests,
            ResourceRequirements,
        )

        limits = None
        if self.limit_cpu is not None or self.limit_memory_in_gb is not None:
            limits = ResourceLimits(cpu=self.limit_cpu, memory_in_gb=self.limit_memory_in_gb)
        return Container(
            name=self.name,
            image=self.image,
            command=list(self.command) or None,
            ports=[p.to_sdk() for p in self.ports] or None,
            environment_variables=[v.to_sdk() for v in self.environment_variables] or None,
            resources=ResourceRequirements(
                requests=ResourceRequests(cpu=self.request_cpu, memory_in_gb=self.request_memory_in_gb),
                limits=limits,
            ),
            volume_mounts=[m.to_sdk() for m in self.volume_mounts] or None,
            liveness_probe=self.liveness_probe.to_sdk() if self.liveness_probe else None,
            readiness_probe=self.readiness_probe.to_sdk() if self.readiness_probe else None,
        )


def _unique(keys: Sequence[Any], field: str, rule: str) -> None:
    seen: set[Any] = set()
    for key in keys:
        check(key not in seen, field, key, rule)
        seen.add(key)


@checked
def new_container_instance_object(
    name: str,
    image: str,
    *,
    request_cpu: float = 1.0,
    request_memory_in_gb: float = 1.5,
    limit_cpu: float | None = None,
    limit_memory_in_gb: float | None = None,
    port: Sequence[int | ContainerPort] = (),
    command: Sequence[str] = (),
    environment_variable: Sequence[EnvironmentVariable] | Mapping[str, str] = (),
    volume_mount: Sequence[VolumeMount] = (),
    liveness_probe: ContainerProbe | None = None,
    readiness_probe: ContainerProbe | None = None,
) -> ContainerConfig:
    """Describe a container (``New-AzContainerInstanceObject``). No request is made.

    :param name: 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.
    :param image: ``[registry[:port]/]path[:tag][@digest]``, such as ``nginx:1.27``.
    :keyword request_cpu: cores reserved (above 0; at most 4 per group in most regions).
    :keyword request_memory_in_gb: GB reserved, in steps of 0.1 (at most 16 per group in most regions).
    :keyword limit_cpu: cores the container may use, at least ``request_cpu``.
    :keyword limit_memory_in_gb: GB the container may use, at least ``request_memory_in_gb``.
    :keyword port: port numbers (TCP) or :func:`new_container_instance_port_object` objects.
    :keyword command: the command in exec form, such as ``["/bin/sh", "-c", "echo hi"]``.
    :keyword environment_variable: :func:`new_container_instance_environment_variable_object` objects,
        or a ``{name: value}`` mapping of plain values.
    :keyword volume_mount: :func:`new_container_instance_volume_mount_object` objects.
    :raises ValidationError: for anything Azure would refuse, before any request.
    """
    return ContainerConfig(
        name=name,
        image=image,
        request_cpu=request_cpu,
        request_memory_in_gb=request_memory_in_gb,
        limit_cpu=limit_cpu,
        limit_memory_in_gb=limit_memory_in_gb,
        ports=_container_ports(port),
        command=_strings(command, "command", _COMMAND_EXAMPLE),
        environment_variables=_environment_variables(environment_variable),
        volume_mounts=tuple(volume_mount),
        liveness_probe=liveness_probe,
        readiness_probe=readiness_probe,
    )


# -- the group -------------------------------------------------------------------------------------


class ContainerGroupConfig(Builder):
    """A whole container group, as ``New-AzContainerGroup`` sends it; ``to_sdk()`` gives the ``ContainerGroup``.

    Without ``ports``, a group with an ``ip_address_type`` exposes every port its containers expose
    (as ``New-AzContainerGroup`` does without ``-IPAddressPort``). ``os_type`` defaults to Linux and
    ``restart_policy`` to Always, as in Azure.

    >>> ContainerGroupConfig("hello", location="westeurope", containers=[web], ip_address_type="Public")
    """

    name: str
    location: str
    containers: tuple[ContainerConfig, ...]
    os_type: str = "Linux"
    restart_policy: str = "Always"
    ip_address_type: str | None = None
    ports: tuple[ContainerGroupPort, ...] | None = None
    dns_name_label: str | None = None
    image_registry_credentials: tuple[ImageRegistryCredential, ...] = ()
    volumes: tuple[ContainerGroupVolume, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    sku: str | None = None

    def __init__(self, name: str, **fields: Any) -> None:
        super().__init__(name=name, **fields)

    @field_validator("os_type", mode="before")
    @classmethod
    def _os_type(cls, value: Any) -> Any:
        return _choice(value, CONTAINER_OS_TYPES, "os_type")

    @field_validator("restart_policy", mode="before")
    @classmethod
    def _restart_policy(cls, value: Any) -> Any:
        return _choice(value, RESTART_POLICIES, "restart_policy")

    @field_validator("ip_address_type", mode="before")
    @classmethod
    def _ip_address_type(cls, value: Any) -> Any:
        if value is None or str(value).lower() == "none":
            return None
        return _choice(value, IP_ADDRESS_TYPES, "ip_address_type")

    @field_validator("sku", mode="before")
    @classmethod
    def _sku(cls, value: Any) -> Any:
        return _choice(value, CONTAINER_SKUS, "sku")

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return frozen_tags(value) if isinstance(value, Mapping) or value is None else value

    @field_validator("ports", mode="before")
    @classmethod
    def _group_ports(cls, value: Any) -> Any:
        if value is None:
            return None
        check(
            isinstance(value, Sequence) and not isinstance(value, str),
            "ports",
            value,
            "give a list of ports, such as [80]",
        )
        return tuple(ContainerGroupPort(port=p) if isinstance(p, int) and not isinstance(p, bool) else p for p in value)

    @property
    def ip_address_ports(self) -> tuple[ContainerGroupPort, ...]:
        """The ports the group's IP address exposes: ``ports``, or every container's ports when not given."""
        if self.ip_address_type is None:
            return ()
        if self.ports is not None:
            return self.ports
        derived: dict[tuple[int, str], ContainerGroupPort] = {}
        for container in self.containers:
            for p in container.ports:
                derived.setdefault((p.port, p.protocol), ContainerGroupPort(port=p.port, protocol=p.protocol))
        return tuple(derived.values())

    def _rules(self) -> None:
        problem = container_group_name_problem(self.name)
        check(problem is None, "name", self.name, problem or "")
        check(bool(self.location.strip()), "location", self.location, "give a location such as westeurope")
        check(bool(self.containers), "containers", (), "a container group needs at least one container")
        _unique([c.name for c in self.containers], "container.name", "container names are unique within a group")
        check(
            self.os_type == "Linux" or len(self.containers) == 1,
            "containers",
            [c.name for c in self.containers],
            "a Windows container group holds a single container (multi-container groups are Linux only)",
        )
        self._resource_rules()
        self._network_rules()
        volumes = [v.name for v in self.volumes]
        _unique(volumes, "volume.name", "volume names are unique within a group")
        for container in self.containers:
            for mount in container.volume_mounts:
                check(
                    mount.name in volumes,
                    "volume_mount.name",
                    mount.name,
                    f"container {container.name!r} mounts a volume the group does not have "
                    f"(volumes: {', '.join(volumes) or 'none'})",
                )
        _unique(
            [c.server.lower() for c in self.image_registry_credentials],
            "image_registry_credential.server",
            "one credential per registry server",
        )

    def _resource_rules(self) -> None:
        cpu = sum(c.request_cpu for c in self.containers)
        memory = round(sum(c.request_memory_in_gb for c in self.containers), 6)
        check(
            cpu <= MAX_CPU,
            "request_cpu",
            cpu,
            f"the containers of a group request at most {MAX_CPU:g} cores together in most regions",
        )
        check(
            memory <= MAX_MEMORY_IN_GB,
            "request_memory_in_gb",
            memory,
            f"the containers of a group request at most {MAX_MEMORY_IN_GB:g} GB together in most regions",
        )
        for c in self.containers:
            check(
                c.limit_cpu is None or c.limit_cpu <= cpu,
                "limit_cpu",
                c.limit_cpu,
                f"container {c.name!r}: a limit is at most the group's total CPU request ({cpu:g})",
            )
            check(
                c.limit_memory_in_gb is None or c.limit_memory_in_gb <= memory,
                "limit_memory_in_gb",
                c.limit_memory_in_gb,
                f"container {c.name!r}: a limit is at most the group's total memory request ({memory:g} GB)",
            )

    def _network_rules(self) -> None:
        if self.ip_address_type is None:
            check(
                not self.ports,
                "ports",
                [p.port for p in self.ports or ()],
                "group ports need an ip_address_type (Public or Private)",
            )
            check(
                self.dns_name_label is None,
                "dns_name_label",
                self.dns_name_label,
                "a DNS name label needs ip_address_type='Public'",
            )
            return
        if self.dns_name_label is not None:
            problem = dns_name_label_problem(self.dns_name_label)
            check(problem is None, "dns_name_label", self.dns_name_label, problem or "")
            check(
                self.ip_address_type == "Public",
                "dns_name_label",
                self.dns_name_label,
                "a DNS name label needs ip_address_type='Public'",
            )
        ports = self.ip_address_ports
        check(
            bool(ports),
            "ports",
            [],
            "a group with an IP address exposes at least one port: give ports, or ports on the containers",
        )
        # A group port that no container exposes is not refused by ACI (the address just does not
        # answer there), so it is not refused here either.
        _unique([(p.port, p.protocol) for p in ports], "ports", "the group exposes each port once")

    def to_sdk(self) -> Any:
        """Return the azure-mgmt-containerinstance ``ContainerGroup`` model (secrets included)."""
        from azure.mgmt.containerinstance.models import ContainerGroup, IpAddress

        ip_address = None
        if self.ip_address_type is not None:
            ip_address = IpAddress(
                ports=[p.to_sdk() for p in self.ip_address_ports],
                type=self.ip_address_type,
                dns_name_label=self.dns_name_label,
            )
        return ContainerGroup(
            location=self.location,
            tags=dict(self.tags) or None,
            containers=[c.to_sdk() for c in self.containers],
            image_registry_credentials=[c.to_sdk() for c in self.image_registry_credentials] or None,
            restart_policy=self.restart_policy,
            ip_address=ip_address,
            os_type=self.os_type,
            volumes=[v.to_sdk() for v in self.volumes] or None,
            sku=self.sku,
        )
