"""Waiting on the SDK's pollers from the event loop, and a reporter that reports on the loop.

A sync SDK poller polls Azure in a thread of its own. Awaiting it here costs the loop nothing: a
done callback (run in the poller's thread) wakes the waiting coroutine through
``call_soon_threadsafe``; until then the coroutine sleeps, waking every ``interval`` seconds only to
report progress (and to look again, should the callback have been missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

from ..progress import Reporter

__all__ = ["LoopReporter", "settled", "thread_poller"]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def settled(poller: Any, interval: float, tick: Callable[[], object] | None = None) -> None:
    """Return once a sync SDK poller is done, without blocking the event loop.

    :param poller: an azure-core ``LROPoller`` (or anything with ``done()``; ``add_done_callback``
        makes the wake-up immediate).
    :param interval: seconds between ``tick`` calls while Azure works.
    :param tick: called on the loop every ``interval`` until the poller is done (progress).
    """
    if poller.done():
        return
    loop = asyncio.get_running_loop()
    woken: asyncio.Future[None] = loop.create_future()

    def wake(_: Any) -> None:  # in the poller's thread
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(_resolve, woken)

    add = getattr(poller, "add_done_callback", None)
    if add is not None:
        add(wake)
    while not poller.done():
        if woken.done():
            # Azure's answer is in; the poller's thread is running its last done callbacks
            await asyncio.sleep(0.001)
            continue
        await asyncio.wait((woken,), timeout=interval)
        if tick is not None and not woken.done() and not poller.done():
            tick()


_THREAD_POLLER: type | None = None


def thread_poller(poller: Any, interval: float) -> Any:
    """Return an azure-core ``AsyncLROPoller`` over a sync SDK poller (which polls in its own thread).

    ``await poller.result()`` (or ``await poller``) waits without blocking the loop and returns or
    raises what the sync poller's ``result()`` does; ``done()``, ``status()`` and
    ``continuation_token()`` are the sync poller's. Anything that is not a poller is returned as is.
    """
    if not (callable(getattr(poller, "done", None)) and callable(getattr(poller, "result", None))):
        return poller
    global _THREAD_POLLER
    if _THREAD_POLLER is None:
        _THREAD_POLLER = _thread_poller_class()
    return _THREAD_POLLER(poller, interval)


def _thread_poller_class() -> type:
    from azure.core.polling import AsyncLROPoller, AsyncPollingMethod

    class _Settling(AsyncPollingMethod):
        """Waits on the loop for a sync poller: no requests of its own."""

        def __init__(self, poller: Any, interval: float) -> None:
            self.poller = poller
            self.interval = interval

        def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
            return None

        async def run(self) -> None:
            await settled(self.poller, self.interval)
            self.poller.result()  # raises what the operation raised

        def status(self) -> str:
            return str(self.poller.status())

        def finished(self) -> bool:
            return bool(self.poller.done())

        def resource(self) -> Any:
            return self.poller.result()

        def get_continuation_token(self) -> str:
            return str(self.poller.continuation_token())

    class ThreadPoller(AsyncLROPoller):
        """An ``AsyncLROPoller`` over the SDK's sync poller; ``sync_poller`` is that poller."""

        def __init__(self, poller: Any, interval: float) -> None:
            super().__init__(None, None, lambda response: response, _Settling(poller, interval))
            self.sync_poller = poller

        def done(self) -> bool:
            return bool(self.sync_poller.done())

        def __repr__(self) -> str:
            return f"<azrm.aio poller over {self.sync_poller!r}: {self.status()}>"

    return ThreadPoller


class LoopReporter:
    """A reporter that hands every event to ``inner`` on the event loop's thread.

    The cmdlets run in worker threads and report from there; a notebook display or a terminal line
    is best written from one thread, in order. Events from the loop's own thread, or after the loop
    has stopped, go straight to ``inner``.
    """

    def __init__(self, inner: Reporter, loop: asyncio.AbstractEventLoop) -> None:
        self.inner = inner
        self.loop = loop
        self._loop_thread = threading.get_ident()

    def _deliver(self, method: Callable[..., object], *args: Any) -> None:
        if threading.get_ident() != self._loop_thread and self.loop.is_running():
            try:
                self.loop.call_soon_threadsafe(method, *args)
                return
            except RuntimeError:  # closed in between
                pass
        method(*args)

    def start(self, step: str) -> None:
        """Report a step's start."""
        self._deliver(self.inner.start, step)

    def update(self, step: str, status: str, elapsed: float) -> None:
        """Report a step's status."""
        self._deliver(self.inner.update, step, status, elapsed)

    def finish(self, step: str, ok: bool, elapsed: float) -> None:
        """Report a step's end."""
        self._deliver(self.inner.finish, step, ok, elapsed)
