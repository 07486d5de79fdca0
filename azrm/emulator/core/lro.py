"""Long-running operations, the way each resource provider reports them.

A write that takes time starts an :class:`Operation` due at ``now + latency``. Nothing runs in the
background: at the start of every request the engine *settles* the operations whose time has come
(in due order), so a manual clock makes everything deterministic and an instant latency finishes an
operation exactly at the client's first poll.

How a provider announces and reports an operation differs, and the SDK depends on the details:

=============  =========================================================  ==================================
style          headers on the first answer                                status body (Azure-AsyncOperation)
=============  =========================================================  ==================================
network        ``Azure-AsyncOperation`` (+ ``Location`` on DELETE)        ``{"status": "InProgress"}``
compute        ``Azure-AsyncOperation`` (+ ``Location ?monitor=true``)    ``{"startTime", "status", "name"}``
storage        ``Location`` only (202, empty body)                        - (Location: 202, then 200 + resource)
resources      ``Location`` (``/operationresults/<token>``)               - (202, then 200)
deployments    ``Azure-AsyncOperation``                                   ``{"status": "Running"}``
aci            ``Azure-AsyncOperation`` (``api-version=2018-06-01``)      ``{"id", "status", "startTime", ...}``
=============  =========================================================  ==================================

``Retry-After`` says when the operation will be done (whole seconds, at most 10). When less than a
second remains the emulator sends ``retry-after-ms`` instead: an integer ``Retry-After: 0`` makes
azure-core fall back to its 30-second default, while ``retry-after-ms`` (which azure-core and the other
Azure SDKs honour) keeps an instant operation instant. This is the one deliberate departure from
ARM's headers; ``retry_after=`` on the emulator settings pins a fixed value instead.

Cost stays flat as operations pile up: unfinished operations sit in a heap ordered by due time (settling
looks only at the ones whose time has come) and in an index by resource (``pending_for``). Finished
operations are kept for :data:`RETENTION_SECONDS` of emulator time after they end, and at most
:data:`RETAINED_FINISHED` of them; after that their status URLs answer as Azure does for an operation
it does not know (404 ``OperationNotFound``, see the resources provider). Azure documents no retention
for operation status; ARM's deployment operations and activity log keep far longer, so an hour is a
floor no client polling an operation it started will notice, and it keeps memory bounded.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import iso_compute, iso_utc
from .errors import ArmError
from .wire import Headers, Response

__all__ = ["INTERRUPTED_CODE", "RETAINED_FINISHED", "RETENTION_SECONDS", "Operation", "Operations", "interrupted_error"]

log = logging.getLogger("azrm.emulator")

TERMINAL = frozenset({"Succeeded", "Failed", "Canceled"})
_MAX_RETRY_AFTER = 10

#: how long (emulator seconds) a finished operation's status stays readable after it ended
RETENTION_SECONDS = 3600.0
#: how many finished operations are kept at most (the oldest-ended go first)
RETAINED_FINISHED = 50_000

#: the error code of an operation (and its resource) that a restart of the local Azure interrupted
INTERRUPTED_CODE = "OperationInterrupted"


def interrupted_error() -> ArmError:
    """Return the error an operation ends with when the local Azure was stopped (killed) while it ran."""
    return ArmError(
        500,
        INTERRUPTED_CODE,
        "The local Azure was stopped while this operation was running, and restarted: the operation did not "
        "complete and the resource is left Failed. Repeat the request (PUT the resource again) to retry it.",
    )


#: the fields of an operation kept in the state file while it runs
_ROW_FIELDS = (
    "id", "style", "namespace", "kind", "resource_id", "subscription", "location", "api_version", "started", "due",
    "seq",
)  # fmt: skip


@dataclass
class Operation:
    """One long-running operation."""

    id: str
    style: str
    namespace: str
    kind: str
    resource_id: str
    subscription: str
    location: str
    api_version: str
    started: float
    due: float
    seq: int
    complete: Callable[[], object] | None = None
    on_failure: Callable[[ArmError], None] | None = None
    final: Callable[[], tuple[int, Any]] | None = None
    forced_failure: ArmError | None = None
    status: str = "InProgress"
    error: ArmError | None = None
    ended: float | None = None
    #: when an operation of unknown length (a deployment) expects to be done; drives Retry-After
    eta: float | None = None

    @property
    def done(self) -> bool:
        """Whether the operation reached a terminal state."""
        return self.status in TERMINAL


@dataclass
class Operations:
    """All operations of one emulator, indexed by id, by due time and by resource."""

    retry_after: float | None = None
    _ops: dict[str, Operation] = field(default_factory=dict)
    _seq: int = 0
    #: shapes a final answer for the api-version that started the operation (set by the emulator)
    shape_final: Callable[[Operation, Any], Any] | None = None
    #: finished operations are forgotten this long after they end (emulator seconds)
    retention: float = RETENTION_SECONDS
    #: and at most this many are kept
    retained: int = RETAINED_FINISHED
    #: unfinished operations as (due, seq, operation); entries whose due moved are stale and skipped
    _heap: list[tuple[float, int, Operation]] = field(default_factory=list)
    #: unfinished operations by lower-cased resource id, then seq
    _by_resource: dict[str, dict[int, Operation]] = field(default_factory=dict)
    #: finished operations in the order they ended (for pruning)
    _ended: deque[Operation] = field(default_factory=deque)
    #: told of every operation that starts (``row``) or finishes (``None``): the state file keeps the unfinished
    persist: Callable[[str, dict[str, Any] | None], None] | None = None
    #: told of every operation that finished ``Succeeded`` (after its completion steps ran)
    succeeded: Callable[[Operation], None] | None = None

    def _persist(self, op: Operation) -> None:
        if self.persist is None:
            return
        row = None if op.done else {name: getattr(op, name) for name in _ROW_FIELDS} | {"key": op.id.lower()}
        self.persist(op.id.lower(), row)

    def restore_interrupted(self, row: dict[str, Any], error: ArmError, now: float) -> Operation:
        """Bring back an operation the state file held unfinished, ended ``Failed`` with ``error``."""
        op = Operation(**{name: row[name] for name in _ROW_FIELDS})
        op.status = "Failed"
        op.error = error
        op.ended = now
        self._seq = max(self._seq, op.seq)
        self._ops[op.id.lower()] = op
        self._ended.append(op)
        return op

    def start(
        self,
        *,
        op_id: str,
        style: str,
        namespace: str,
        kind: str,
        resource_id: str,
        subscription: str,
        location: str,
        api_version: str,
        now: float,
        duration: float,
        complete: Callable[[], object] | None = None,
        on_failure: Callable[[ArmError], None] | None = None,
        final: Callable[[], tuple[int, Any]] | None = None,
        forced_failure: ArmError | None = None,
        not_before: float | None = None,
    ) -> Operation:
        """Register an operation due ``duration`` seconds after ``now``.

        With ``not_before`` it is due that long after another operation (an extension waits for its VM).
        """
        self._seq += 1
        begin = max(now, not_before) if not_before is not None else now
        op = Operation(
            id=op_id,
            style=style,
            namespace=namespace,
            kind=kind,
            resource_id=resource_id,
            subscription=subscription,
            location=location,
            api_version=api_version,
            started=now,
            due=begin + duration,
            seq=self._seq,
            complete=complete,
            on_failure=on_failure,
            final=final,
            forced_failure=forced_failure,
        )
        old = self._ops.pop(op_id.lower(), None)
        if old is not None:
            self._unindex(old)
        self._ops[op_id.lower()] = op
        self._by_resource.setdefault(op.resource_id.lower(), {})[op.seq] = op
        heapq.heappush(self._heap, (op.due, op.seq, op))
        self._persist(op)
        return op

    def reschedule(self, op: Operation, due: float) -> None:
        """Move an unfinished operation's due time (a deployment learns when it will end)."""
        op.due = due
        if not op.done:
            heapq.heappush(self._heap, (due, op.seq, op))
            self._persist(op)

    def get(self, op_id: str) -> Operation | None:
        """Return the operation with this id (``None`` if unknown or no longer retained)."""
        return self._ops.get(op_id.lower())

    def pending_for(self, resource_key: str, *, kind: str | None = None, exact: bool = True) -> Operation | None:
        """Return the unfinished operation on the resource (of ``kind``, when given) due last, if any.

        ``exact=False`` also looks at operations on resources under it.
        """
        if exact:
            candidates: Any = (self._by_resource.get(resource_key) or {}).values()
        else:
            prefix = resource_key + "/"
            candidates = (
                op
                for rkey, ops in self._by_resource.items()
                if rkey == resource_key or rkey.startswith(prefix)
                for op in ops.values()
            )
        found = None
        for op in candidates:
            if op.done or (kind is not None and op.kind != kind):
                continue
            if found is None or (op.due, op.seq) > (found.due, found.seq):
                found = op
        return found

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest operation (to find the ones a call started)."""
        return self._seq

    def since(self, seq: int) -> list[Operation]:
        """Operations started after ``seq`` (see :attr:`last_seq`), oldest first."""
        found: list[Operation] = []
        for op in reversed(self._ops.values()):  # insertion order is seq order
            if op.seq <= seq:
                break
            found.append(op)
        found.reverse()
        return found

    def pending(self) -> list[Operation]:
        """Unfinished operations, in due order."""
        ops = (op for ops in self._by_resource.values() for op in ops.values() if not op.done)
        return sorted(ops, key=lambda o: (o.due, o.seq))

    @property
    def pending_count(self) -> int:
        """How many operations are unfinished."""
        return sum(1 for ops in self._by_resource.values() for op in ops.values() if not op.done)

    def __len__(self) -> int:
        return len(self._ops)

    def settle(self, now: float) -> int:
        """Finish every operation due by ``now``, in due order; returns how many finished."""
        finished = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, op = heapq.heappop(heap)
            if op.done or due != op.due:
                if not op.done and op.due > due:  # moved later without reschedule(): keep it queued
                    heapq.heappush(heap, (op.due, op.seq, op))
                continue
            self._finish(op, now)
            finished += 1
        self._prune(now)
        return finished

    def _unindex(self, op: Operation) -> None:
        rkey = op.resource_id.lower()
        ops = self._by_resource.get(rkey)
        if ops is not None:
            ops.pop(op.seq, None)
            if not ops:
                del self._by_resource[rkey]

    def _ended_now(self, op: Operation) -> None:
        self._unindex(op)
        self._ended.append(op)

    def _prune(self, now: float) -> None:
        ended = self._ended
        while ended and (len(ended) > self.retained or (ended[0].ended or 0.0) < now - self.retention):
            op = ended.popleft()
            if self._ops.get(op.id.lower()) is op:
                del self._ops[op.id.lower()]

    def _finish(self, op: Operation, now: float) -> None:
        try:
            if op.forced_failure is not None:
                raise op.forced_failure
            if op.complete is not None:
                op.complete()
            op.status = "Succeeded"
            if self.succeeded is not None:
                self.succeeded(op)
        except ArmError as err:
            self._fail(op, err)
        except Exception as exc:  # a bug in a backend must not wedge the server
            log.exception("operation %s on %s crashed", op.id, op.resource_id)
            self._fail(op, ArmError(500, "InternalServerError", f"The local Azure failed the operation: {exc!r}"))
        op.ended = now
        self._ended_now(op)
        self._persist(op)

    @staticmethod
    def _fail(op: Operation, err: ArmError) -> None:
        op.status = "Failed"
        op.error = err
        if op.on_failure is not None:
            try:
                op.on_failure(err)
            except Exception:
                log.exception("failure hook of operation %s crashed", op.id)

    def clear(self) -> None:
        """Forget all operations."""
        if self.persist is not None:
            for op in self._ops.values():
                if not op.done:
                    self.persist(op.id.lower(), None)
        self._ops.clear()
        self._heap.clear()
        self._by_resource.clear()
        self._ended.clear()

    # -- wire -------------------------------------------------------------------------------
    def _timing_headers(self, op: Operation, now: float) -> dict[str, str]:
        if op.done:
            return {}
        if self.retry_after is not None:
            return {"Retry-After": str(max(1, math.ceil(self.retry_after)))}
        target = op.due if math.isfinite(op.due) else (op.eta if op.eta is not None else now)
        remaining = max(0.0, target - now)
        if remaining >= 1:
            return {"Retry-After": str(min(_MAX_RETRY_AFTER, math.ceil(remaining)))}
        return {"retry-after-ms": str(max(1, math.ceil(remaining * 1000)))}

    def status_url(self, op: Operation, base_url: str) -> str:
        """Return the ``Azure-AsyncOperation`` URL."""
        prefix = f"{base_url}/subscriptions/{op.subscription}/providers/{op.namespace}/locations/{op.location}"
        # Container Instances' operation URLs carry 2018-06-01 whatever the request's api-version (recordings)
        version = "2018-06-01" if op.style == "aci" else op.api_version
        return f"{prefix}/operations/{op.id}?api-version={version}"

    def location_url(self, op: Operation, base_url: str) -> str:
        """Return the ``Location`` URL."""
        sub = f"{base_url}/subscriptions/{op.subscription}"
        loc = f"{sub}/providers/{op.namespace}/locations/{op.location}"
        if op.style == "compute":
            return f"{loc}/operations/{op.id}?monitor=true&api-version={op.api_version}"
        if op.style == "storage":
            return f"{loc}/asyncoperations/{op.id}?monitor=true&api-version={op.api_version}"
        if op.style == "resources":
            return f"{sub}/operationresults/{op.id}?api-version={op.api_version}"
        return f"{loc}/operationResults/{op.id}?api-version={op.api_version}"

    def headers(self, op: Operation, base_url: str, now: float, *, location: bool) -> dict[str, str]:
        """Headers announcing ``op`` on the answer that started it."""
        headers = self._timing_headers(op, now)
        if op.style not in ("storage", "resources"):
            headers["Azure-AsyncOperation"] = self.status_url(op, base_url)
        if location or op.style in ("storage", "resources"):
            headers["Location"] = self.location_url(op, base_url)
        return headers

    def status_response(self, op: Operation, now: float) -> Response:
        """Answer to a GET of the ``Azure-AsyncOperation`` URL."""
        status = op.status
        if op.style == "deployments" and status == "InProgress":
            status = "Running"
        body: dict[str, Any] = {"status": status}
        if op.style == "compute":
            body = {"startTime": iso_compute(op.started), "status": status, "name": op.id}
            if op.ended is not None:
                body["endTime"] = iso_compute(op.ended)
        if op.style == "aci":
            body = {"id": op.resource_id, "status": status, "startTime": iso_utc(op.started), "properties": {}}
        if op.error is not None:
            body["error"] = op.error.error_object()
        return Response(200, body, Headers(self._timing_headers(op, now)))

    def location_response(self, op: Operation, base_url: str, now: float) -> Response:
        """Answer to a GET of the ``Location`` URL."""
        if not op.done:
            headers = self._timing_headers(op, now)
            headers["Location"] = self.location_url(op, base_url)
            return Response(202, None, Headers(headers))
        if op.error is not None:
            status = op.error.status if op.error.status >= 400 else 500
            return Response(status, op.error.envelope(), Headers(op.error.headers))
        if op.final is not None:
            status, body = op.final()
            if self.shape_final is not None and status < 300:
                body = self.shape_final(op, body)
            return Response(status, body)
        if op.kind == "delete" and op.style == "network":
            return Response(204)
        return Response(200)
