"""The admin routes (``/_azrm/*``): health, info, the manual clock, synthetic metrics, reset, crash.

``POST /_azrm/crash`` exists for the crash-safety tests: it arms a kill switch that SIGKILLs the
local Azure (and, when asked, its Azurite first) just before or just after the n-th state commit from
now, so a test can stop it at a chosen point of a scenario, deterministically. ``GET`` tells how many
commits were made so far.

Only ``GET /_azrm/health`` and ``GET /_azrm/info`` are open; every other admin route needs the
``x-azrm-admin-key`` header with the key the local Azure generates at start and prints with its
endpoint (anything else on the machine could otherwise wipe it with one ``POST /_azrm/reset``).

Every knob is checked before anything changes: a number must be a finite JSON number within its
bounds, names must be strings. A bad value is a 400 in ARM's JSON shape and leaves the local Azure
as it was (a clock moved to NaN would never finish another operation).
"""

from __future__ import annotations

import hmac
import math
import os
import signal
from typing import TYPE_CHECKING, Any

from .clock import ManualClock, iso_utc
from .errors import ArmError
from .wire import Request, Response

if TYPE_CHECKING:
    from .engine import Emulator

__all__ = ["ADMIN_KEY_HEADER", "MAX_ADVANCE_SECONDS", "check_advance", "check_metric_value", "serve_admin"]

#: the header that carries the admin key the local Azure prints at start (``admin_key``)
ADMIN_KEY_HEADER = "x-azrm-admin-key"
#: routes anyone on loopback may read: they change nothing and tell nothing secret
_OPEN = {("GET", "/_azrm/health"), ("GET", "/_azrm/info")}

#: the most one ``advance`` may move the manual clock (ten years); timestamps stay well inside year 9999
MAX_ADVANCE_SECONDS = 10 * 366 * 86400
#: the largest metric value accepted (metrics are percentages and counts)
MAX_METRIC_VALUE = 1e15


def _bad(message: str) -> ArmError:
    return ArmError(400, "InvalidRequestContent", message)


def _number(value: Any, name: str) -> float:
    """Return ``value`` as a float when it is a finite number (not a boolean, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return number


def check_advance(seconds: Any) -> float:
    """Return ``seconds`` when it is a finite number of seconds in [0, ten years]; else ``ValueError``."""
    number = _number(seconds, "seconds")
    if number < 0:
        raise ValueError(f"seconds: {seconds!r} is negative; time only moves forward")
    if number > MAX_ADVANCE_SECONDS:
        raise ValueError(f"seconds: {seconds!r} is more than {MAX_ADVANCE_SECONDS} (ten years) in one step")
    return number


def check_metric_value(value: Any) -> float:
    """Return ``value`` when it is a finite number within +-1e15; else ``ValueError``."""
    number = _number(value, "value")
    if abs(number) > MAX_METRIC_VALUE:
        raise ValueError(f"value: {value!r} is beyond +-{MAX_METRIC_VALUE:g}")
    return number


def _json_object(req: Request, usage: str) -> dict[str, Any]:
    try:
        data = req.json()
    except (ValueError, RecursionError):
        raise _bad(f"The request content is not JSON. Send {usage}.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _bad(f"The request content must be a JSON object: {usage}.")
    return data


def _arm_crash(emu: Emulator, req: Request) -> Response:
    """Arm the kill switch (``{"commit": n, "when": "before" | "after", "azurite": bool}``)."""
    usage = '{"commit": <n >= 1>, "when": "before" or "after", "azurite": true or false}'
    data = _json_object(req, usage)
    unknown = sorted(set(data) - {"commit", "when", "azurite"})
    count, when, azurite = data.get("commit"), data.get("when", "after"), data.get("azurite", False)
    if unknown or isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1_000_000:
        raise _bad(f"Send {usage}.")
    if when not in ("before", "after") or not isinstance(azurite, bool):
        raise _bad(f"Send {usage}.")
    if emu.store.path is None:
        raise ArmError(409, "NoStateFile", "The local Azure keeps no state file (--state): a kill loses everything.")
    target = emu.store.commits + count
    blob_pid = getattr(emu.blob, "pid", None) if azurite else None

    def kill(stage: str, number: int) -> None:
        if stage != when or number != target:
            return
        if blob_pid:
            os.kill(blob_pid, signal.SIGKILL)
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    emu.store.on_commit = kill
    armed = {"commits": emu.store.commits, "kill_at": target, "when": when, "azurite": blob_pid is not None}
    return Response(200, armed)


def serve_admin(emu: Emulator, req: Request) -> Response:
    """Answer an admin request (the engine holds its lock)."""
    path = req.path.rstrip("/").lower()
    if (req.method, path) not in _OPEN:
        given = req.headers.get(ADMIN_KEY_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), emu.admin_key.encode()):
            raise ArmError(
                401,
                "AuthenticationFailed",
                f"Admin route {req.method} {req.path} needs the '{ADMIN_KEY_HEADER}' header: the admin_key the "
                "local Azure printed at start (azrm.local() and AZRM_LOCAL_ENDPOINT's JSON line carry it).",
            )
    if path == "/_azrm/health" and req.method == "GET":
        return Response(200, {"status": "ok"})
    if path == "/_azrm/info" and req.method == "GET":
        return Response(200, emu.info())
    if path == "/_azrm/clock" and req.method == "GET":
        return Response(
            200, {"now": emu.now(), "time": iso_utc(emu.now()), "manual": isinstance(emu.clock, ManualClock)}
        )
    if path == "/_azrm/clock" and req.method == "POST":
        usage = '{"advance": <seconds>}'
        data = _json_object(req, usage)
        unknown = sorted(set(data) - {"advance"})
        if unknown:
            raise _bad(f"Unknown member(s) {unknown}: send {usage}.")
        try:
            seconds = check_advance(data.get("advance", 0))
        except ValueError as exc:
            raise _bad(f"advance: {exc}.") from None
        if not isinstance(emu.clock, ManualClock):
            raise ArmError(
                409, "ClockNotManual", "The local Azure runs on the system clock; start it with --clock manual."
            )
        emu.clock.advance(seconds)
        finished = emu.run_until(emu.now())
        return Response(200, {"now": emu.now(), "time": iso_utc(emu.now()), "operations_finished": finished})
    if path == "/_azrm/metrics" and req.method == "POST":
        usage = '{"resourceId": "<resource id>", "metric": "Percentage CPU", "value": 80}'
        data = _json_object(req, usage)
        resource_id, metric = data.get("resourceId"), data.get("metric")
        if not isinstance(resource_id, str) or not resource_id or not isinstance(metric, str) or not metric:
            raise _bad(f"resourceId and metric must be non-empty strings: send {usage}.")
        if len(resource_id) > 4096 or len(metric) > 256:
            raise _bad("resourceId (4096) or metric (256 characters) is too long.")
        try:
            value = check_metric_value(data.get("value", 0))
        except ValueError as exc:
            raise _bad(str(exc)) from None
        try:
            emu.set_metric(resource_id, metric, value)
        except LookupError as exc:
            raise ArmError(404, "ResourceNotFound", str(exc)) from None
        return Response(200, {"resourceId": resource_id, "metric": metric, "time": iso_utc(emu.now())})
    if path == "/_azrm/crash" and req.method == "GET":
        return Response(200, {"commits": emu.store.commits})
    if path == "/_azrm/crash" and req.method == "POST":
        return _arm_crash(emu, req)
    if path == "/_azrm/reset" and req.method == "POST":
        emu.reset()
        return Response(200, {"status": "reset"})
    raise ArmError(404, "NotFound", f"No admin route {req.method} {req.path}.")
