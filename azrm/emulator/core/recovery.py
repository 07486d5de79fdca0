"""What a restart on a state file does with the operations a kill interrupted.

A record and the operations that will finish it are written in one transaction (``store.py``), so a
restart finds each resource with the operation it was waiting for. Completion steps are code (a VM's
disks, a scale set's instances), not data, so they cannot resume in a new process; rather than
report such a resource ``Succeeded`` without its parts, the restart ends it ``Failed``:

- each unfinished operation ends ``Failed`` with ``OperationInterrupted`` (its status URL says so);
- its resource, if ``Creating``, ``Updating`` or ``Deleting``, is ``Failed`` too, with the same message;
- a record that another resource's operation was deleting (the children of a group being deleted,
  scale-set instances being scaled in) is removed, as that operation would have done;
- a VM or instance caught in a power action (start, stop, deallocate) is back in the power state it
  started from, as when the action fails.

A PUT of a resource whose creation was interrupted creates it again (as Azure retries a failed
creation), so re-running the script that made it converges; the first operation on it that succeeds
clears the mark.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .ids import key
from .lro import Operation, interrupted_error
from .store import Record

if TYPE_CHECKING:
    from .engine import Emulator

__all__ = ["POWER_BEFORE", "clear_interruption", "interrupted_create", "recover", "succeeded"]

log = logging.getLogger("azrm.emulator")

_TRANSITIONAL = {"Creating": "create", "Updating": "update", "Accepted": "update", "Running": "update"}
_POWER_AFTER = {"starting": "running", "stopping": "stopped", "deallocating": "deallocated"}
#: the internal key where a power action (start, stop, deallocate...) keeps the power state it started from
POWER_BEFORE = "power_before"


def recover(emu: Emulator) -> None:
    """Fail the operations the state file held unfinished, and their resources (see the module's docstring)."""
    now = emu.now()
    error = interrupted_error()
    own: dict[str, str] = {}
    for row in emu.store.interrupted:
        op = emu.ops.restore_interrupted(row, error, now)
        own.setdefault(key(op.resource_id), op.kind)
        log.warning("operation %s (%s of %s) was interrupted by a restart: Failed", op.id, op.kind, op.resource_id)
    emu.store.forget_interrupted()
    for record in list(emu.store):
        state = record.body.get("properties", {}).get("provisioningState")
        if state == "Deleting" and own.get(record.key) != "delete":
            emu.remove(record.id)
            continue
        if state in _TRANSITIONAL or state == "Deleting":
            record.properties["provisioningState"] = "Failed"
            record.internal["interrupted"] = _TRANSITIONAL.get(state, "delete")
            record.internal["failure"] = error.message
            emu.store.touch(record)
        power = record.internal.get("power")
        if power in _POWER_AFTER:
            # a power action that failed leaves the power where it was, as its failure hook would; a VM being
            # created or deleted has no such state and gets where the operation was going
            record.internal["power"] = record.internal.pop(POWER_BEFORE, None) or _POWER_AFTER[power]
            emu.store.touch(record)


def interrupted_create(record: Record | None) -> bool:
    """Whether ``record`` is a resource whose creation a restart interrupted (a PUT creates it again)."""
    return record is not None and record.internal.get("interrupted") == "create"


def clear_interruption(record: Record) -> bool:
    """Forget that a restart interrupted ``record``'s operation (one on it has now succeeded); ``True`` if it was."""
    if record.internal.pop("interrupted", None) is None:
        return False
    if record.internal.get("failure") == interrupted_error().message:
        record.internal.pop("failure")
    return True


def succeeded(emu: Emulator, op: Operation) -> None:
    """Clear the interruption mark of the resource an operation just finished."""
    record = emu.store.get(op.resource_id)
    if record is not None and clear_interruption(record):
        emu.store.touch(record)
