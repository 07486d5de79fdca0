"""``azrm.aio.Session``: every cmdlet of :class:`azrm.Session` as a coroutine, and the SDK's aio clients.

The cmdlets are made from the sync session's methods, not written again: each has the same name,
parameters and docstring, and returns the same SDK models or raises the same errors. What runs where:

- **A cmdlet made from a ``begin_*``** (``new_public_ip_address``, ``new_storage_account``,
  ``new_virtual_network``...): its checks and first request run in a worker thread (the ``begin_*``);
  the wait for Azure is on the event loop: the SDK poller polls in its own thread and wakes the
  coroutine when done, and progress is reported from the loop.
- **``begin_*``**: the same first part in a worker thread; returns an azure-core ``AsyncLROPoller``
  over the SDK's poller (``await poller.result()``).
- **Every other cmdlet** (``new_vm``, ``new_resource_group``, ``get_*``, ``remove_*``...) runs whole
  in a worker thread, its waits included. The loop never blocks; a waiting cmdlet holds a thread.

The worker threads are the session's own pool (``max_workers``, 32 by default): that many cmdlets
run at once, the rest queue. Cancelling an awaiting task does not stop Azure: what was sent goes on.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import inspect
import os
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .. import session as _sync
from .._aliases import aliases_of, canonical_kwargs
from .._session_base import _CLIENTS, WaitsOn, operation_subject, with_retry_policy
from ..errors import ValidationError, typed_error
from ..progress import Reporter
from ..session import Cloud
from ._credentials import BridgedCredential, ThreadedCredential, is_async_credential
from ._waiting import LoopReporter, settled, thread_poller

__all__ = ["LocalSession", "Session", "connect", "local"]

T = TypeVar("T")
A = TypeVar("A", bound="Session")

_NOT_OPEN = "the session is not open yet: use `async with azrm.aio.local() as az:` or `az = await azrm.aio.local()`"


class Session:
    """A connection to one subscription, with the cmdlets of :class:`azrm.Session` as coroutines.

    ``async with azrm.aio.connect() as az:`` (or :func:`local`) opens it and closes it at the end;
    ``az = await azrm.aio.connect()`` opens it and leaves closing to ``await az.close()``. Every
    cmdlet has the sync session's name and parameters: ``await az.new_vm(rg.name, vm=config)``;
    ``begin_*`` returns an azure-core ``AsyncLROPoller``. The SDK clients
    (``az.compute_client``...) are the SDK's aio clients, for dropping down:
    ``await az.compute_client.virtual_machines.get(rg, name)``.

    :param session: the sync session underneath (this session owns it from now on and closes it), or
        a function that makes one, called in a worker thread when the session opens.
    :keyword max_workers: how many cmdlets run at once in worker threads (the rest wait their turn).

    What runs on the loop and what in threads: the module's docstring and ``docs/async.md``.
    ``docker()`` is not mirrored (the Docker verbs are sync): call ``az.sync.docker(...)`` in a thread.
    """

    #: sync methods without a coroutine twin, and why
    NOT_MIRRORED: ClassVar[dict[str, str]] = {
        "docker": "azrm.Docker's verbs are sync; run them in a thread on az.sync.docker(...)",
    }
    _sync_class: ClassVar[type[_sync.Session]] = _sync.Session

    def __init__(self, session: _sync.Session | Callable[[], _sync.Session], *, max_workers: int = 32) -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValidationError("max_workers", max_workers, "a whole number of threads, at least 1")
        if isinstance(session, _sync.Session):
            self._sync: _sync.Session | None = session
            self._opener: Callable[[], _sync.Session] | None = None
        else:
            self._sync, self._opener = None, session
        self.max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._opening = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._aio_clients: dict[str, Any] = {}
        self._aio_credential: Any = None
        self._closed = False

    # -- opening and closing ------------------------------------------------------------------------
    async def open(self: A) -> A:
        """Open the session (start the local Azure, resolve the subscription); returns it. Idempotent."""
        if self._closed:
            raise RuntimeError("this azrm.aio session is closed")
        if self._loop is not None:
            return self
        async with self._opening:
            if self._loop is not None:
                return self
            loop = asyncio.get_running_loop()
            self._executor = ThreadPoolExecutor(self.max_workers, thread_name_prefix="azrm-aio")
            try:
                if self._sync is None:
                    assert self._opener is not None
                    self._sync = await self._call(self._opener)
                sync = self._sync
                if isinstance(sync.credential, BridgedCredential):
                    sync.credential.bind(loop)
                await self._call(lambda: sync.subscription_id)  # may list subscriptions: not on the loop
            except BaseException:
                await self.close()  # a session that failed to open leaves nothing running
                raise
            if not isinstance(sync.reporter, LoopReporter):
                sync.reporter = LoopReporter(sync.reporter, loop)
            self._loop = loop
        return self

    def __await__(self: A) -> Any:
        return self.open().__await__()

    async def __aenter__(self: A) -> A:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the SDK's aio clients and the session underneath (stopping a local Azure it started)."""
        if self._closed:
            return
        self._closed = True
        clients, self._aio_clients = list(self._aio_clients.values()), {}
        for client in clients:
            await client.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._sync is not None:
            await asyncio.to_thread(self._sync.close)

    # -- the sync session underneath ------------------------------------------------------------------
    @property
    def sync(self) -> _sync.Session:
        """The sync :class:`azrm.Session` underneath (for what has no coroutine, such as ``docker()``).

        Its methods block: call them in a thread (``await asyncio.to_thread(az.sync.docker, ...)``).
        """
        if self._sync is None:
            raise RuntimeError(_NOT_OPEN)
        return self._sync

    async def _session(self) -> _sync.Session:
        if self._closed:
            raise RuntimeError("this azrm.aio session is closed")
        if self._loop is None:
            await self.open()
        return self.sync

    async def _call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking call in one of the session's worker threads (with the caller's context)."""
        if self._executor is None:
            raise RuntimeError("this azrm.aio session is closed" if self._closed else _NOT_OPEN)
        context = contextvars.copy_context()
        call = functools.partial(context.run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _wait(self, step: str, poller: Any) -> Any:
        """Await a sync SDK poller on the loop, reporting its status while Azure works."""
        reporter, interval = self.reporter, self.sync.progress_interval
        start = time.monotonic()

        def tick() -> None:
            reporter.update(step, str(poller.status()), time.monotonic() - start)

        reporter.start(step)
        try:
            await settled(poller, interval, tick)
            result = poller.result()
        except BaseException:
            reporter.finish(step, False, time.monotonic() - start)
            raise
        reporter.finish(step, True, time.monotonic() - start)
        return result

    @property
    def reporter(self) -> Reporter:
        """Where progress goes (the sync session's reporter; events arrive on the event loop)."""
        reporter = self.sync.reporter
        return reporter.inner if isinstance(reporter, LoopReporter) else reporter

    @property
    def subscription_id(self) -> str:
        """The subscription the cmdlets act on (resolved when the session opens)."""
        return self.sync.subscription_id

    @property
    def arm_endpoint(self) -> str:
        """Where ARM is."""
        return self.sync.arm_endpoint

    @property
    def cloud_name(self) -> str:
        """The cloud's name (``AzureCloud``..., ``local``)."""
        return self.sync.cloud_name

    @property
    def default_location(self) -> str | None:
        """The region of cmdlets given none."""
        return self.sync.default_location

    def __repr__(self) -> str:
        if self._sync is None:
            return f"azrm.aio.{type(self).__name__}(not open)"
        return f"azrm.aio.{self._sync!r}"

    # -- the SDK's aio clients ------------------------------------------------------------------------
    def _aio_client(self, name: str) -> Any:
        client = self._aio_clients.get(name)
        if client is not None:
            return client
        if self._closed:
            raise RuntimeError("this azrm.aio session is closed")
        if self._loop is None:
            raise RuntimeError(_NOT_OPEN)
        sync = self.sync
        module, cls_name = _CLIENTS[name]
        cls = getattr(importlib.import_module(f"{module}.aio"), cls_name)
        options = {"base_url": sync.arm_endpoint, "credential_scopes": sync.credential_scopes}
        options = with_retry_policy({**options, **self._aio_options(sync.client_options)}, asynchronous=True)
        credential = self._async_credential()
        if "authentication_policy" in options:  # the local Azure's sync policy: its aio twin, on the aio credential
            from ..emulator.credential import local_async_authentication_policy

            options["authentication_policy"] = local_async_authentication_policy(credential, *sync.credential_scopes)
        if name == "subscriptions":
            client = cls(credential, **options)
        else:
            client = cls(credential, sync.subscription_id, **options)
        self._aio_clients[name] = client
        return client

    @staticmethod
    def _aio_options(options: dict[str, Any]) -> dict[str, Any]:
        """Return the sync clients' options for the aio clients: an in-process transport gets its async twin."""
        options = dict(options)
        transport = options.get("transport")
        if transport is not None:
            twin = getattr(getattr(transport, "emulator", None), "async_transport", None)
            if twin is None:
                raise ValidationError(
                    "transport",
                    type(transport).__name__,
                    "the SDK's aio clients need an async transport; this one serves the sync clients only",
                )
            options["transport"] = twin()
        return options

    def _async_credential(self) -> Any:
        if self._aio_credential is None:
            credential = self.sync.credential
            if isinstance(credential, BridgedCredential):
                self._aio_credential = credential.credential
            else:
                self._aio_credential = ThreadedCredential(credential)
        return self._aio_credential

    @property
    def resource_client(self) -> Any:
        """azure-mgmt-resource's aio ``ResourceManagementClient`` (drop down to the SDK any time)."""
        return self._aio_client("resources")

    @property
    def subscription_client(self) -> Any:
        """azure-mgmt-resource-subscriptions' aio ``SubscriptionClient``."""
        return self._aio_client("subscriptions")

    @property
    def storage_client(self) -> Any:
        """azure-mgmt-storage's aio ``StorageManagementClient``."""
        return self._aio_client("storage")

    @property
    def network_client(self) -> Any:
        """azure-mgmt-network's aio ``NetworkManagementClient``."""
        return self._aio_client("network")

    @property
    def compute_client(self) -> Any:
        """azure-mgmt-compute's aio ``ComputeManagementClient``."""
        return self._aio_client("compute")

    @property
    def monitor_client(self) -> Any:
        """azure-mgmt-monitor's aio ``MonitorManagementClient`` (autoscale, activity log, metrics)."""
        return self._aio_client("monitor")

    @property
    def deployment_client(self) -> Any:
        """azure-mgmt-resource-deployments' aio ``DeploymentsMgmtClient``."""
        return self._aio_client("deployments")

    @property
    def container_instance_client(self) -> Any:
        """azure-mgmt-containerinstance's aio ``ContainerInstanceManagementClient``."""
        return self._aio_client("containerinstance")

    @property
    def container_registry_client(self) -> Any:
        """azure-mgmt-containerregistry's aio ``ContainerRegistryManagementClient``."""
        return self._aio_client("containerregistry")

    @property
    def container_registry_tasks_client(self) -> Any:
        """azure-mgmt-containerregistrytasks' aio ``ContainerRegistryTasksMgmtClient`` (runs, builds)."""
        return self._aio_client("containerregistrytasks")

    # -- cmdlets written here rather than made -----------------------------------------------------------
    async def blob_service(self, resource_group_name: str, account_name: str, *, fresh: bool = False) -> Any:
        """Return an azure-storage-blob aio ``BlobServiceClient`` on the account, with its first key.

        The account's endpoint and keys come as for :meth:`azrm.Session.blob_service` (read once a
        session, again with ``fresh=True``). The client is the SDK's async one: close it
        (``async with await az.blob_service(rg, name) as blobs:``).
        """
        sync = await self._session()
        made = await self._call(sync.blob_service, resource_group_name, account_name, fresh=fresh)
        from azure.storage.blob.aio import BlobServiceClient

        try:
            return BlobServiceClient(made.url, credential=made.credential)
        finally:
            made.close()

    if TYPE_CHECKING:
        # The cmdlets are made at import time (below); to a type checker each is an async function.
        def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]: ...


class LocalSession(Session):
    """An async session on the local Azure; closing it stops the local Azure it started.

    Made by :func:`local`; :meth:`advance` and :meth:`set_metric` are coroutines too.
    """

    _sync_class: ClassVar[type[_sync.Session]] = _sync.LocalSession

    @property
    def emulator(self) -> Any:
        """The emulator, when it runs in this process (for its knobs and clock); ``None`` when attached."""
        return self._local_sync.emulator

    @property
    def local(self) -> Any:
        """The :class:`~azrm.emulator.LocalAzure` this session started (``None`` when attached or closed)."""
        return self._local_sync.local

    @property
    def info(self) -> dict[str, Any]:
        """What the local Azure says of itself (endpoints, ports, subscription)."""
        return self._local_sync.info

    @property
    def _local_sync(self) -> _sync.LocalSession:
        sync = self.sync
        assert isinstance(sync, _sync.LocalSession)
        return sync


# -- the cmdlets, made from the sync session's methods ---------------------------------------------------
def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    """Return the public methods of a sync session class by name (not its properties)."""
    found: dict[str, Callable[..., Any]] = {}
    for name in dir(cls):
        if not name.startswith("_"):
            attribute = inspect.getattr_static(cls, name)
            if inspect.isfunction(attribute):
                found[name] = attribute
    return found


def _twin(owner: str, name: str, function: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    """Make the coroutine twin of a sync session method: same name, parameters and docstring."""

    async def twin(self: Session, *args: Any, **kwargs: Any) -> Any:
        sync = await self._session()
        method = inspect.getattr_static(type(sync), name)  # the session's own, should it override
        kwargs = canonical_kwargs(name, aliases_of(method), kwargs)  # the cmdlets' aliases, as the sync method takes
        waits_on: WaitsOn | None = getattr(method, "waits_on", None)
        if waits_on is not None:
            label = waits_on.label(sync, args, kwargs)
            try:
                poller = await self._call(waits_on.begin, sync, *args, **kwargs)
                return await self._wait(label, poller)
            except Exception as exc:  # as the sync operation raises it: typed, and the SDK's exception too
                typed = typed_error(
                    exc, name, operation_subject(name, inspect.signature(method), (sync, *args), kwargs)
                )
                if typed is exc:
                    raise
                raise typed from exc
        result = await self._call(method, sync, *args, **kwargs)
        if name.startswith("begin_"):
            return thread_poller(result, sync.progress_interval)
        return result

    twin.__name__ = name
    twin.__qualname__ = f"{owner}.{name}"
    twin.__module__ = __name__
    twin.__doc__ = function.__doc__
    if name.startswith("begin_") and twin.__doc__:
        twin.__doc__ = inspect.cleandoc(twin.__doc__) + (
            "\n\nIn azrm.aio the poller is an azure-core ``AsyncLROPoller``: ``await poller.result()``."
        )
    twin.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]  # for help() and IDEs
    twin.__azrm_aliases__ = aliases_of(function)  # type: ignore[attr-defined]  # renamed by the sync method
    return twin


def _mirror(cls: type[Session]) -> None:
    for name, function in public_methods(cls._sync_class).items():
        if name not in cls.NOT_MIRRORED and not hasattr(cls, name):
            setattr(cls, name, _twin(cls.__name__, name, function))


_mirror(Session)
_mirror(LocalSession)


# -- opening one ---------------------------------------------------------------------------------------
def connect(
    subscription_id: str | None = None,
    *,
    credential: Any = None,
    cloud: str | Cloud = "AzureCloud",
    location: str | None = None,
    reporter: Reporter | None = None,
    max_workers: int = 32,
    **client_options: Any,
) -> Session:
    """Connect to Azure (``Connect-AzAccount``), asynchronously; ``async with`` or ``await`` the result.

    The parameters are :func:`azrm.connect`'s, and ``max_workers`` (:class:`Session`). The credential
    may be sync (``azure.identity.DefaultAzureCredential``, the default) or async
    (``azure.identity.aio``); either way one credential serves the cmdlets and the aio clients.

    >>> async with azrm.aio.connect() as az:
    ...     rg = await az.get_resource_group("KNRGTest01")
    """
    if credential is not None and is_async_credential(credential):
        credential = BridgedCredential(credential)
    session = _sync.connect(
        subscription_id, credential=credential, cloud=cloud, location=location, reporter=reporter, **client_options
    )
    return Session(session, max_workers=max_workers)


def local(
    *,
    latency: str | float = "instant",
    throttle: bool = False,
    rbac: bool = False,
    faults: str | Any = None,
    seed: int = 0,
    clock: Any = None,
    state: str | os.PathLike[str] | None = None,
    in_process: bool = False,
    blob: bool = True,
    strict_downloads: bool = False,
    location: str | None = "westeurope",
    reporter: Reporter | None = None,
    max_workers: int = 32,
    **client_options: Any,
) -> LocalSession:
    """Return an async session on the local Azure; ``async with`` or ``await`` it to start the local Azure.

    The parameters are :func:`azrm.local`'s, and ``max_workers`` (:class:`Session`). Starting (and, on
    close, stopping) the local Azure runs in a thread.

    >>> async with azrm.aio.local() as az:
    ...     rg = await az.new_resource_group("KNRGTest01", "westeurope")
    """
    opener = functools.partial(
        _sync.local,
        latency=latency,
        throttle=throttle,
        rbac=rbac,
        faults=faults,
        seed=seed,
        clock=clock,
        state=state,
        in_process=in_process,
        blob=blob,
        strict_downloads=strict_downloads,
        location=location,
        reporter=reporter,
        **client_options,
    )
    return LocalSession(opener, max_workers=max_workers)
