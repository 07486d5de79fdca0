"""The container plane of the local Azure: its engine, its registries and their addresses.

:class:`ContainerPlane` is to container groups and registries what :class:`~.azurite.BlobPlane` is
to storage accounts: the real services behind the ARM records. Nothing starts until a container
feature is used, so a machine without Podman or the Distribution registry runs everything else as
before; the first container request there gets :class:`ContainersUnavailable`, whose text says
what to install.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import shutil
import threading
from pathlib import Path

from .. import _secrets
from .core.errors import ArmError
from .core.tls import Certificates
from .distribution import Distribution, RegistryError
from .podman import EngineError, Podman

__all__ = ["LABEL", "ContainerPlane", "ContainersUnavailable", "engine_unavailable"]

log = logging.getLogger("azrm.emulator.containers")

#: label on every pod a local Azure makes (its value is the plane's id)
LABEL = "azrm.local"
#: the user the local Azure itself signs in to its registries as (Azure's internal identity)
SERVICE_USER = "azrm-service"
#: loopback block whose addresses container groups take (127.64.0.0 - 127.127.255.255)
_GROUP_BLOCK = ipaddress.ip_network("127.64.0.0/10")


class ContainersUnavailable(RuntimeError):
    """Podman or the registry is missing (or failed); the message says what to install or what broke."""


def engine_unavailable(exc: ContainersUnavailable) -> ArmError:
    """Return the local Azure's own answer when its engine or registry cannot run (409, documented).

    Azure has no such error (its engine is always there): the code is the local Azure's, listed with
    its other own codes in docs/local-azure.md, and the message says what to install.
    """
    return ArmError(
        409,
        "ContainerEngineUnavailable",
        f"The local Azure cannot run containers on this machine: {exc}",
    )


class ContainerPlane:
    """The engine and registries of one local Azure.

    :param folder: where the engine state and the registries' data live (under the state folder
        when the local Azure keeps state, so both survive restarts).
    :param certs: the local CA and the loopback certificate the registries serve.
    """

    def __init__(self, folder: str | Path, certs: Certificates) -> None:
        self.folder = Path(folder)
        self.certs = certs
        self.id = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:12]
        self.service_password = secrets.token_urlsafe(24)
        _secrets.register(self.service_password)
        self._engine: Podman | None = None
        self._registries: dict[str, Distribution] = {}
        self._lock = threading.Lock()
        #: set by :meth:`close` (background work such as restart supervision stops)
        self.closed = False

    # -- the engine --------------------------------------------------------------------------
    @property
    def engine(self) -> Podman:
        """The Podman driver, made on first use (raises :class:`ContainersUnavailable` without Podman)."""
        with self._lock:
            if self._engine is None:
                try:
                    self._engine = Podman(self.folder / "engine")
                except EngineError as exc:
                    raise ContainersUnavailable(str(exc)) from exc
            return self._engine

    @property
    def cert_dir(self) -> str:
        """A folder holding the local CA as ``ca.crt`` (what ``podman --cert-dir`` reads)."""
        folder = self.folder / "certs"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.certs.ca, folder / "ca.crt")
        return str(folder)

    def group_address(self, resource_id: str) -> str:
        """Return the loopback address a container group publishes its ports on (stable for its id)."""
        digest = int(hashlib.sha256(f"{self.id}/{resource_id.lower()}".encode()).hexdigest(), 16)
        offset = 1 + digest % (_GROUP_BLOCK.num_addresses - 2)
        return str(_GROUP_BLOCK.network_address + offset)

    # -- registries ----------------------------------------------------------------------------
    def registry(self, name: str) -> Distribution | None:
        """Return the running registry of this name, if any."""
        return self._registries.get(name.lower())

    def start_registry(self, name: str, *, admin: tuple[str, str] | None = None, port: int = 0) -> Distribution:
        """Start (or restart with new users) the registry ``name``; ``admin`` is ``(user, password)``.

        ``port`` is the one it had before a restart of the local Azure (a new one when taken).
        """
        users = {SERVICE_USER: self.service_password}
        if admin is not None:
            users[admin[0]] = admin[1]
        current = self.registry(name)
        if current is not None:
            current.set_users(users)
            return current
        try:
            registry = Distribution(
                self.folder / "registries" / name.lower(), cert=self.certs.cert, key=self.certs.key, port=port
            )
            registry.set_users(users)
            try:
                registry.start()
            except RegistryError:
                if not port:
                    raise
                log.warning("registry %s could not take its previous port %s; starting on a new one", name, port)
                registry.port = 0
                registry.start()
        except RegistryError as exc:
            raise ContainersUnavailable(str(exc)) from exc
        self._registries[name.lower()] = registry
        return registry

    def registry_for_host(self, host: str) -> tuple[str, Distribution] | None:
        """Return ``(name, registry)`` a registry host names: its address, or ``<name>.azurecr.io``."""
        host = host.lower()
        for name, registry in self._registries.items():
            if host == registry.address.lower():
                return name, registry
        if host.endswith(".azurecr.io"):
            name = host.removesuffix(".azurecr.io")
            found = self._registries.get(name)
            if found is not None:
                return name, found
        return None

    def remove_registry(self, name: str) -> None:
        """Stop the registry and delete what it stored."""
        registry = self._registries.pop(name.lower(), None)
        if registry is not None:
            registry.remove()
        else:
            shutil.rmtree(self.folder / "registries" / name.lower(), ignore_errors=True)

    def service_credentials(self) -> dict[str, tuple[str, str]]:
        """``{address: (user, password)}`` of every running registry, for the engine's pulls and pushes."""
        return {r.address: (SERVICE_USER, self.service_password) for r in self._registries.values()}

    # -- life cycle ------------------------------------------------------------------------------
    def close(self, *, remove: bool = False) -> None:
        """Stop the registries and this local Azure's pods; with ``remove``, delete their data too."""
        self.closed = True
        for registry in list(self._registries.values()):
            registry.stop()
        self._registries.clear()
        if self._engine is not None:
            try:
                self._engine.remove_labelled(f"{LABEL}={self.id}")
            except EngineError as exc:
                log.warning("could not remove the local Azure's pods: %s", exc)
            if remove:
                shutil.rmtree(self._engine.runroot, ignore_errors=True)
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)
