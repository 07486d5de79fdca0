"""The base every part of the ContainerRegistry backend shares: the registry processes and lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...containers import ContainersUnavailable, engine_unavailable
from ...core.store import Record
from ..base import Provider
from .common import REGISTRY_TYPE

if TYPE_CHECKING:
    from ...containers import ContainerPlane
    from ...core.wire import Call


class RegistryCore(Provider):
    """Registry lookups and processes (the mixins of the backend build on these)."""

    namespace = "Microsoft.ContainerRegistry"

    # -- the registry processes ---------------------------------------------------------------------
    def plane(self) -> ContainerPlane:
        """Return the local Azure's container plane, or the 409 saying why there is none."""
        plane = self.emu.containers
        if plane is None:
            raise engine_unavailable(
                ContainersUnavailable(
                    "this local Azure runs without its container plane (start it with azrm.emulator.LocalAzure "
                    "or `python -m azrm.emulator`)"
                )
            )
        return plane

    def start_process(self, record: Record) -> None:
        """Start (or restart with the current users) the registry behind ``record``; sets ``loginServer``.

        In-process without a container plane (a template session, the corpus's control-plane runs)
        the registry is a record only, with Azure's login server name; its data-plane operations
        (imports, runs) answer the 409 that says why.
        """
        if self.emu.containers is None:
            record.properties["loginServer"] = f"{record.name.lower()}.azurecr.io"
            self.store.touch(record)
            return
        admin = None
        if record.properties.get("adminUserEnabled"):
            admin = (record.name, record.secrets["passwords"]["password"])
        try:
            registry = self.plane().start_registry(record.name, admin=admin, port=int(record.internal.get("port", 0)))
        except ContainersUnavailable as exc:
            raise engine_unavailable(exc) from exc
        record.internal["port"] = registry.port
        record.properties["loginServer"] = registry.address
        self.store.touch(record)

    # -- helpers -----------------------------------------------------------------------------------
    def by_name(self, name: str) -> Record | None:
        """Return the registry of this (globally unique) name, in any group or subscription."""
        for record in self.store.of_type(REGISTRY_TYPE):
            if record.name.lower() == name.lower():
                return record
        return None

    def registry_record(self, call: Call) -> Record:
        """Return the registry the call's URL names (ARM's 404 when missing)."""
        return self.get_record(self.resource_id(call, "registries", call.params["registryName"]), REGISTRY_TYPE, call)

    def view(self, record: Record) -> dict[str, Any]:
        """Return the registry as ARM returns it."""
        return self.clone(record.body)
