"""azrm.aio without Azure: every cmdlet has its coroutine twin, imports stay light, the retry and credential glue."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest

import azrm
import azrm.aio
from azrm.aio._credentials import BridgedCredential, ThreadedCredential
from azrm.aio._session import public_methods


@pytest.mark.parametrize(
    ("sync", "async_"), [(azrm.Session, azrm.aio.Session), (azrm.LocalSession, azrm.aio.LocalSession)]
)
def test_every_session_method_has_a_coroutine_twin(sync: type, async_: type) -> None:
    methods = public_methods(sync)
    assert len(methods) > 100
    assert set(async_.NOT_MIRRORED) <= set(methods)  # nothing is left out by a stale name
    for name, method in methods.items():
        if name in async_.NOT_MIRRORED:
            assert not hasattr(async_, name)
            continue
        twin = getattr(async_, name)
        assert inspect.iscoroutinefunction(twin), name
        assert inspect.signature(twin) == inspect.signature(method), name
        assert twin.__doc__, name
        if name not in ("blob_service", "close"):  # written in azrm.aio; every other one is made from the sync one
            assert twin.__doc__.startswith(inspect.cleandoc(method.__doc__).split("\n")[0]), name


def test_every_sdk_client_has_an_aio_twin() -> None:
    def clients(cls: type) -> set[str]:
        return {n for n in dir(cls) if n.endswith("_client") and isinstance(inspect.getattr_static(cls, n), property)}

    assert clients(azrm.Session) == clients(azrm.aio.Session)
    assert len(clients(azrm.Session)) == 10


@pytest.mark.parametrize(("sync", "async_"), [(azrm.local, azrm.aio.local), (azrm.connect, azrm.aio.connect)])
def test_opening_takes_the_sync_parameters(sync: Any, async_: Any) -> None:
    mine = inspect.signature(async_).parameters
    theirs = inspect.signature(sync).parameters
    assert [p for p in mine.values() if p.name != "max_workers"] == list(theirs.values())
    assert mine["max_workers"].kind is inspect.Parameter.KEYWORD_ONLY


def test_import_azrm_aio_is_light() -> None:
    code = textwrap.dedent(
        """
        import sys
        import azrm
        assert "azrm.aio" not in sys.modules
        import azrm.aio
        session = azrm.aio.local(in_process=True)  # made, not opened: nothing starts yet
        heavy = sorted(m for m in sys.modules if m.startswith(("azure", "aiohttp", "uvicorn")))
        print(heavy, azrm.aio is sys.modules["azrm.aio"])
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True"


def test_azrm_aio_is_reached_from_azrm() -> None:
    code = "import azrm, sys; print(azrm.aio.Session.__name__, 'azrm.aio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["Session", "True"]
    assert azrm.aio.AsyncSession is azrm.aio.Session


def test_bad_max_workers() -> None:
    with pytest.raises(azrm.ValidationError) as err:
        azrm.aio.local(max_workers=0)
    assert err.value.field == "max_workers"


def test_connect_validates_before_opening() -> None:
    with pytest.raises(azrm.ValidationError) as err:
        azrm.aio.connect(cloud="Mars", credential=object())
    assert err.value.field == "cloud"
    az = azrm.aio.connect("00000000-0000-0000-0000-000000000001", credential=object())
    assert az.subscription_id == "00000000-0000-0000-0000-000000000001"  # known without opening
    assert repr(az).startswith("azrm.aio.Session(cloud='AzureCloud'")


def test_async_throttle_retry_budgets() -> None:
    from azure.core.pipeline import PipelineResponse
    from azure.core.pipeline.policies import AsyncRetryPolicy
    from azure.core.rest import HttpRequest

    from azrm._session_base import AsyncThrottleRetryPolicy, with_retry_policy

    class Throttled:
        status_code = 429
        headers = {"Retry-After": "1"}

    response = PipelineResponse(HttpRequest("PUT", "https://example.invalid"), Throttled(), None)  # type: ignore[arg-type]

    def retries(policy: Any) -> int:
        settings = policy.configure_retries({})
        count = 0
        while policy.increment(settings, response=response):
            count += 1
        return count

    assert retries(AsyncRetryPolicy()) == 3  # azure-core spends retry_status on 429s
    assert retries(AsyncThrottleRetryPolicy()) == 12
    assert retries(AsyncThrottleRetryPolicy(retry_throttled=5)) == 5
    options = with_retry_policy({"retry_throttled": 2, "retry_jitter": 0}, asynchronous=True)
    assert set(options) == {"retry_policy"} and isinstance(options["retry_policy"], AsyncRetryPolicy)
    assert (options["retry_policy"].throttled_retries, options["retry_policy"].jitter) == (2, 0)


class _SyncCredential:
    def __init__(self) -> None:
        self.callers: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> str:
        import threading

        self.callers.append(threading.current_thread().name)
        return f"token for {scopes[0]}"


class _AsyncCredential:
    async def get_token(self, *scopes: str, **kwargs: Any) -> str:
        await asyncio.sleep(0)
        return f"token for {scopes[0]}"


def test_a_sync_credential_is_asked_in_a_thread() -> None:
    inner = _SyncCredential()
    credential = ThreadedCredential(inner)
    assert asyncio.run(credential.get_token("scope")) == "token for scope"
    assert inner.callers and inner.callers[0] != "MainThread"
    assert repr(credential) == f"ThreadedCredential({inner!r})"


def test_an_async_credential_is_asked_on_the_loop() -> None:
    bridge = BridgedCredential(_AsyncCredential())
    with pytest.raises(RuntimeError, match="open the session first"):
        bridge.get_token("scope")

    async def main() -> str:
        bridge.bind(asyncio.get_running_loop())
        with pytest.raises(RuntimeError, match="wait forever"):
            bridge.get_token("scope")  # on the loop's own thread it would wait for itself
        return await asyncio.to_thread(bridge.get_token, "scope")

    assert asyncio.run(main()) == "token for scope"


def test_async_credentials_are_bridged_by_connect() -> None:
    credential = _AsyncCredential()
    az = azrm.aio.connect("sub", credential=credential)
    assert isinstance(az.sync.credential, BridgedCredential) and az.sync.credential.credential is credential
    assert az._async_credential() is credential


def test_loop_reporter_delivers_on_the_loop() -> None:
    import threading

    from azrm.aio._waiting import LoopReporter

    seen: list[tuple[str, bool]] = []

    class Recorder:
        def start(self, step: str) -> None:
            seen.append((step, threading.current_thread() is threading.main_thread()))

        def update(self, step: str, status: str, elapsed: float) -> None:
            raise AssertionError

        def finish(self, step: str, ok: bool, elapsed: float) -> None:
            raise AssertionError

    async def main() -> None:
        reporter = LoopReporter(Recorder(), asyncio.get_running_loop())
        await asyncio.to_thread(reporter.start, "from a thread")
        await asyncio.sleep(0)
        reporter.start("on the loop")

    asyncio.run(main())
    assert seen == [("from a thread", True), ("on the loop", True)]


def test_settled_wakes_when_the_poller_is_done() -> None:
    """A poller's done callback wakes the waiting coroutine at once, not at the next progress tick."""
    import threading

    from azrm.aio._waiting import settled

    class Poller:
        def __init__(self) -> None:
            self.finished = threading.Event()
            self.callbacks: list[Any] = []

        def done(self) -> bool:
            return self.finished.is_set()

        def add_done_callback(self, callback: Any) -> None:
            self.callbacks.append(callback)

        def finish(self) -> None:
            self.finished.set()
            for callback in self.callbacks:
                callback(self)

    async def main() -> tuple[float, int]:
        poller, ticks = Poller(), []
        threading.Timer(0.05, poller.finish).start()
        start = time.perf_counter()
        await settled(poller, interval=30.0, tick=lambda: ticks.append(1))
        return time.perf_counter() - start, len(ticks)

    waited, ticks = asyncio.run(main())
    assert ticks == 0 and waited < 30.0 / 2
