"""Admin knobs refuse what is not a finite number in bounds, before anything changes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from azrm.emulator import Emulator, EmulatorSettings, ManualClock
from azrm.emulator.core.wire import Headers, Request


def _post(emu: Emulator, path: str, body: Any, *, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode()
    headers = Headers({"Content-Type": "application/json", **emu.admin_headers()})
    answer = emu.handle(Request("POST", "https://azrm.local" + path, headers, data))
    assert isinstance(answer.body, dict), answer.body
    return answer.status, answer.body


@pytest.fixture
def emu() -> Emulator:
    return Emulator(EmulatorSettings(clock=ManualClock(1_700_000_000.0)))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"advance": "nan"}',
        b'{"advance": NaN}',
        b'{"advance": Infinity}',
        b'{"advance": -Infinity}',
        b'{"advance": -1}',
        b'{"advance": "10"}',
        b'{"advance": true}',
        b'{"advance": null}',
        b'{"advance": [1]}',
        b'{"advance": {"s": 1}}',
        b'{"advance": 1e300}',
        b'{"advance": 1, "extra": 2}',
        b"[1]",
        b'"advance"',
        b"{not json",
        b"[" * 100_000,
    ],
)
def test_a_bad_clock_advance_is_a_400_and_leaves_the_clock_alone(emu: Emulator, raw: bytes) -> None:
    before = emu.now()
    status, body = _post(emu, "/_azrm/clock", None, raw=raw)
    assert status == 400 and body["error"]["code"] == "InvalidRequestContent"
    assert emu.now() == before


def test_a_good_advance_moves_the_clock(emu: Emulator) -> None:
    before = emu.now()
    status, body = _post(emu, "/_azrm/clock", {"advance": 90})
    assert status == 200 and body["now"] == before + 90 and body["operations_finished"] == 0


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf, -1.0, 1e300])
def test_in_process_advance_refuses_what_is_not_a_finite_step(emu: Emulator, seconds: float) -> None:
    before = emu.now()
    with pytest.raises(ValueError, match="seconds"):
        emu.advance(seconds)
    assert emu.now() == before


@pytest.mark.parametrize("seconds", [math.nan, math.inf])
def test_the_manual_clock_itself_refuses_nan_and_infinity(seconds: float) -> None:
    clock = ManualClock(0.0)
    with pytest.raises(ValueError, match="finite"):
        clock.advance(seconds)
    with pytest.raises(ValueError, match="finite"):
        clock.set(seconds)
    assert clock.now() == 0.0


@pytest.mark.parametrize(
    "body",
    [
        {"resourceId": "/x", "metric": "Percentage CPU", "value": "nan"},
        {"resourceId": "/x", "metric": "Percentage CPU", "value": True},
        {"resourceId": "/x", "metric": "Percentage CPU", "value": 1e300},
        {"resourceId": "/x", "metric": "Percentage CPU", "value": [1]},
        {"resourceId": ["/x"], "metric": "Percentage CPU", "value": 1},
        {"resourceId": "/x", "metric": {"name": "cpu"}, "value": 1},
        {"resourceId": "/x", "metric": "", "value": 1},
        ["resourceId"],
    ],
)
def test_a_bad_metric_is_a_400(emu: Emulator, body: Any) -> None:
    status, answer = _post(emu, "/_azrm/metrics", body)
    assert status == 400 and answer["error"]["code"] == "InvalidRequestContent"


def test_in_process_set_metric_refuses_nan(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="value"):
        emu.set_metric("/subscriptions/x", "Percentage CPU", math.nan)


def test_a_stop_that_hangs_does_not_keep_the_process_alive() -> None:
    import threading
    import time

    from azrm.emulator._cli import stop_within

    release = threading.Event()

    class Stuck:
        def stop(self) -> None:
            release.wait(5)

    class Quick:
        def stop(self) -> None:
            pass

    started = time.monotonic()
    assert stop_within(Stuck(), 0.2) is False
    assert time.monotonic() - started < 2
    release.set()
    assert stop_within(Quick(), 5) is True
