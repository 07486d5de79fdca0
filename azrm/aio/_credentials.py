"""One credential for both kinds of SDK clients an async session holds.

The cmdlets run on the SDK's sync clients (in worker threads) and ``az.compute_client`` & co. are the
SDK's aio clients; both ask the same credential for tokens, so there is one sign-in and one token
cache. A sync credential (``DefaultAzureCredential``, the local Azure's ``LocalCredential``) gets an
async face that asks it in a thread; an async credential (``azure.identity.aio``) gets a sync face
that asks it on the event loop.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

__all__ = ["BridgedCredential", "ThreadedCredential", "is_async_credential"]


def is_async_credential(credential: Any) -> bool:
    """Tell whether ``credential.get_token`` is a coroutine function (an ``AsyncTokenCredential``)."""
    return inspect.iscoroutinefunction(getattr(credential, "get_token", None))


class ThreadedCredential:
    """An ``AsyncTokenCredential`` over a sync one: each ``get_token`` runs in a thread.

    A sync credential may block (an Azure CLI subprocess, a token endpoint); the aio clients'
    pipeline asks only when its cached token nears expiry. Closing it leaves the sync one open:
    it belongs to the session (or to whoever passed it).
    """

    def __init__(self, credential: Any) -> None:
        self.credential = credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """Return a token from the sync credential, asked in a thread."""
        return await asyncio.to_thread(self.credential.get_token, *scopes, **kwargs)

    async def close(self) -> None:
        """Leave the sync credential as it is."""

    async def __aenter__(self) -> ThreadedCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"ThreadedCredential({self.credential!r})"


class BridgedCredential:
    """A sync ``TokenCredential`` over an async one, for the cmdlets' sync clients in worker threads.

    Each ``get_token`` runs the async credential's on the session's event loop and waits for it in the
    calling thread, so it must not be called on the loop's own thread (it would wait for itself).
    """

    def __init__(self, credential: Any) -> None:
        self.credential = credential
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Ask on ``loop`` from now on (the loop the session is opened in)."""
        self.loop = loop

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """Return a token from the async credential, asked on the event loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            raise RuntimeError("an async credential needs the session's event loop: open the session first")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("a sync client of azrm.aio asked for a token on the event loop; it would wait forever")
        return asyncio.run_coroutine_threadsafe(self.credential.get_token(*scopes, **kwargs), loop).result()

    def close(self) -> None:
        """Leave the async credential as it is: it belongs to whoever passed it."""

    def __enter__(self) -> BridgedCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"BridgedCredential({self.credential!r})"
