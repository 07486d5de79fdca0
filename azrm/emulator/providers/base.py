"""What every resource provider backend shares: ids, locations, tags, etags, LROs, list pages."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..core.errors import ArmError, not_found
from ..core.ids import ResourceId, normalize_location, resource_group_id
from ..core.lro import Operation
from ..core.router import Router
from ..core.store import Record, Store
from ..core.wire import Headers, Response
from .catalog import LOCATIONS

if TYPE_CHECKING:
    from ..core.engine import Emulator
    from ..core.wire import Call

__all__ = ["Provider", "json_response", "list_response"]

_TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")
#: api-version recorded on operations the local Azure starts by itself (nobody polls their URLs)
INTERNAL_API_VERSION = "2024-07-01"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """Return a JSON answer."""
    return Response(status, body, Headers(headers or {}))


def list_response(items: Iterable[dict[str, Any]]) -> Response:
    """ARM's list page: ``{"value": [...]}`` (everything on one page)."""
    return Response(200, {"value": list(items)})


class Provider:
    """Base of the per-namespace backends (moto's ``BaseBackend``, roughly)."""

    namespace = ""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    @property
    def store(self) -> Store:
        """The emulator's records."""
        return self.emu.store

    def register(self, router: Router) -> None:
        """Add this provider's routes."""
        raise NotImplementedError

    def restore(self) -> None:
        """Bring external state in line after records were loaded from a state file."""

    # -- small helpers ---------------------------------------------------------------------------
    def guid(self) -> str:
        """Return a new (seeded) GUID."""
        return self.emu.new_guid()

    def etag(self) -> str:
        """Return a new weak etag, as the Network RP writes them."""
        return f'W/"{self.guid()}"'

    def rg_record(self, sub: str, rg: str) -> Record:
        """Return the resource group (the engine already checked it exists for provider routes)."""
        record = self.store.get(resource_group_id(sub, rg))
        if record is None:
            from ..core.errors import resource_group_not_found

            raise resource_group_not_found(rg)
        return record

    def resource_id(self, call: Call, *path: str) -> str:
        """Id of a resource in the call's group: ``resource_id(call, "virtualNetworks", name)``."""
        rg = self.rg_record(call.sub, call.rg)
        segments = "/".join(path)
        rid = f"{rg.id}/providers/{self.namespace}/{segments}"
        existing = self.store.get(rid)
        return existing.id if existing is not None else rid  # ARM keeps the casing a resource was created with

    def location(self, body: dict[str, Any], resource_type: str, *, default: str | None = None) -> str:
        """Return the body's ``location``, normalised and checked against Azure's regions."""
        raw = body.get("location", default)
        if not raw or not isinstance(raw, str):
            raise ArmError(
                400,
                "LocationRequired",
                "The location property is required for this definition.",
            )
        loc = normalize_location(raw)
        if loc not in LOCATIONS:
            raise ArmError(
                400,
                "LocationNotAvailableForResourceType",
                f"The provided location '{raw}' is not available for resource type '{resource_type}'. "
                f"List of available regions for the resource type is '{','.join(sorted(LOCATIONS))}'.",
            )
        return loc

    @staticmethod
    def tags(body: dict[str, Any]) -> dict[str, str]:
        """Return validated ``tags`` (ARM's limits: 50 tags, names 512 and values 256 characters)."""
        tags = body.get("tags")
        if tags is None:
            return {}
        if not isinstance(tags, dict):
            raise ArmError(400, "InvalidTagFormat", "The tags must be a JSON object of name/value strings.")
        if len(tags) > 50:
            raise ArmError(400, "InvalidTagCount", f"The number of tags ({len(tags)}) exceeds the limit of 50.")
        out: dict[str, str] = {}
        for name, value in tags.items():
            if len(name) > 512 or _TAG_NAME_FORBIDDEN.search(name):
                raise ArmError(
                    400,
                    "InvalidTagNameCharacters",
                    f"The tag names '{name}' have reserved characters '<,>,%,&,\\,?,/' or control characters.",
                )
            if value is not None and len(str(value)) > 256:
                raise ArmError(400, "InvalidTagValueLength", f"The tag value for '{name}' exceeds 256 characters.")
            out[name] = "" if value is None else str(value)
        return out

    def get_record(self, resource_id: str, resource_type: str, call: Call | None = None) -> Record:
        """Return the record, or ARM's ``ResourceNotFound``."""
        record = self.store.get(resource_id)
        if record is None or record.type.lower() != resource_type.lower():
            name = resource_id.rstrip("/").rsplit("/", 1)[-1]
            rg = call.params.get("resourceGroupName") if call is not None else None
            raise not_found(resource_type, name, rg)
        return record

    def records_in(self, call: Call, resource_type: str) -> list[Record]:
        """Return records of a type in the call's resource group (or whole subscription without one)."""
        scope = (
            resource_group_id(call.sub, call.rg) if "resourceGroupName" in call.params else f"/subscriptions/{call.sub}"
        )
        prefix = scope.lower() + "/"
        return [r for r in self.store.of_type(resource_type) if r.key.startswith(prefix)]

    # -- long-running operations -----------------------------------------------------------------
    def begin(
        self,
        call: Call | None,
        record: Record | str,
        kind: str,
        *,
        style: str,
        location: str | None = None,
        complete: Callable[[], object] | None = None,
        on_failure: Callable[[ArmError], None] | None = None,
        final: Callable[[], tuple[int, Any]] | None = None,
        op_id: str | None = None,
        resource_type: str | None = None,
        not_before: float | None = None,
    ) -> Operation:
        """Start a long-running operation on ``record``, due after the latency for its type and kind.

        With fault injection on, some operations are drawn to end ``Failed``. ``call`` is ``None`` for
        operations Azure starts on its own (an autoscale action): nobody polls them.
        """
        rid = record.id if isinstance(record, Record) else record
        rtype = resource_type or (record.type if isinstance(record, Record) else "")
        loc = location or (record.location if isinstance(record, Record) else None) or "westus"
        forced = None
        if self.emu.faults.lro_fails():
            forced = ArmError(
                500,
                "InternalExecutionError",
                "An internal execution error occurred. Please retry later. (injected fault)",
            )
        return self.emu.ops.start(
            op_id=op_id or self.guid(),
            style=style,
            namespace=self.namespace,
            kind=kind,
            resource_id=rid,
            subscription=call.sub if call is not None else ResourceId.parse(rid).subscription,
            location=normalize_location(loc),
            api_version=call.api_version if call is not None else INTERNAL_API_VERSION,
            now=self.emu.now(),
            duration=self.emu.settings.latency.seconds(rtype, kind),
            complete=complete,
            on_failure=on_failure,
            final=final,
            forced_failure=forced,
            not_before=not_before,
        )

    def lro_headers(self, call: Call, op: Operation, *, location: bool = False) -> dict[str, str]:
        """Headers announcing ``op``."""
        return self.emu.ops.headers(op, call.base_url, self.emu.now(), location=location)

    def busy(self, record: Record) -> None:
        """Refuse a write while another operation on the resource is running (ARM's 409)."""
        op = self.emu.ops.pending_for(record.key, kind="delete")
        if op is not None:
            raise ArmError(
                409,
                "AnotherOperationInProgress",
                f"Another operation on this or dependent resource is in progress. To retrieve status of the "
                f"operation use uri: {self.emu.ops.status_url(op, '')}.",
            )

    @staticmethod
    def clone(value: Any) -> Any:
        """Deep copy (bodies are returned as copies so callers cannot change stored state)."""
        return copy.deepcopy(value)
