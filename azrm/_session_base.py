"""What every operation of a session uses.

The SDK clients (created on first use, with :class:`ThrottleRetryPolicy`), waiting on long-running
operations with progress, the subscription's regions, and a small cache of what this session made
or read and will not change under it (a storage account's endpoints and keys, a VM's region).
"""

from __future__ import annotations

import functools
import inspect
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from . import _secrets
from ._aliases import accepts_aliases, add_tag_aliases, aliases_of, canonical_kwargs
from ._typecheck import _secret, check_public_methods, checked
from .errors import ValidationError, typed_error
from .progress import Reporter, default_reporter

__all__ = [
    "RETRY_DEFAULTS",
    "THROTTLE_STATUS_CODES",
    "TRANSIENT_STATUS_CODES",
    "AsyncThrottleRetryPolicy",
    "SessionBase",
    "ThrottleRetryPolicy",
    "raises_typed_errors",
    "waiting_twin",
    "with_retry_policy",
]

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S", bound="SessionBase")

#: client name -> (module, class); imported on first use so ``import azrm`` stays light
_CLIENTS = {
    "resources": ("azure.mgmt.resource.resources", "ResourceManagementClient"),
    "subscriptions": ("azure.mgmt.resource.subscriptions", "SubscriptionClient"),
    "storage": ("azure.mgmt.storage", "StorageManagementClient"),
    "network": ("azure.mgmt.network", "NetworkManagementClient"),
    "compute": ("azure.mgmt.compute", "ComputeManagementClient"),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient"),
    "deployments": ("azure.mgmt.resource.deployments", "DeploymentsMgmtClient"),
    "containerinstance": ("azure.mgmt.containerinstance", "ContainerInstanceManagementClient"),
    "containerregistry": ("azure.mgmt.containerregistry", "ContainerRegistryManagementClient"),
    "containerregistrytasks": ("azure.mgmt.containerregistrytasks", "ContainerRegistryTasksMgmtClient"),
}

#: what a throttled or busy service answers; :class:`ThrottleRetryPolicy` gives them their own budget
THROTTLE_STATUS_CODES = frozenset({429, 503})
#: the other answers azure-core retries (a timeout, a server error, a bad or timed-out gateway)
TRANSIENT_STATUS_CODES = frozenset({408, 500, 502, 504})

#: the retry budget of azrm's sessions (azure-core's own defaults in comments); see :func:`ThrottleRetryPolicy`
RETRY_DEFAULTS: dict[str, Any] = {
    "retry_throttled": 12,  # 429 and 503: not counted apart by azure-core
    "retry_status": 8,  # 408, 500, 502, 504 (3)
    "retry_connect": 8,  # the connection failed or was reset before an answer (3)
    "retry_read": 8,  # the connection broke while the answer was read (3)
    "retry_total": 20,  # all retries of one request together (10)
    "retry_backoff_factor": 0.8,  # the n-th retry in a row waits factor * 2**(n-1) seconds (0.8)
    "retry_backoff_max": 30,  # never more than this between two tries (120)
    "retry_jitter": 0.5,  # each wait stretched by a random 0..50% (none)
}


def ThrottleRetryPolicy(**kwargs: Any) -> Any:
    """Return azure-core's ``RetryPolicy`` made to outlast ARM throttling and transient failures.

    Azure's guidance is to retry transient failures with exponential backoff and jitter, honouring
    ``Retry-After``; azure-core does all but the jitter, with a budget of 3 that a service having a bad
    minute exhausts. This policy (:class:`_ThrottleRetry`) keeps azure-core's rules for *what* is
    retried and gives each kind of failure a larger budget (:data:`RETRY_DEFAULTS`):

    :keyword retry_throttled: retries of a 429 or 503 answer (default 12); they do not spend
        ``retry_status``.
    :keyword retry_status: retries of a 408, 500, 502 or 504 answer (default 8; 3 in azure-core).
    :keyword retry_connect: retries after a connection error (refused, reset) (default 8; 3 in azure-core).
    :keyword retry_read: retries after the connection broke while reading the answer (default 8; 3 in
        azure-core); for GET, HEAD, PUT, DELETE, OPTIONS and TRACE only, as in azure-core (a POST or
        PATCH may have been applied).
    :keyword retry_total: all retries together (default 20; 10 in azure-core).
    :keyword retry_backoff_factor: the n-th failure in a row waits ``factor * 2**(n-1)`` seconds (the
        first retry is immediate), unless the answer says ``Retry-After`` (default 0.8, as azure-core).
    :keyword retry_backoff_max: the longest backoff wait (default 30 s; 120 in azure-core), so the 8
        retries of one request wait about 110 s at most before the jitter.
    :keyword retry_jitter: each wait is stretched by a random fraction in ``[0, retry_jitter]``
        (default 0.5), so threads throttled together do not all come back together.
    :keyword timeout: as azure-core's ``RetryPolicy``.
    """
    return _throttle_retry_classes()[0](**kwargs)


def AsyncThrottleRetryPolicy(**kwargs: Any) -> Any:
    """Return azure-core's ``AsyncRetryPolicy`` with :func:`ThrottleRetryPolicy`'s budgets and jitter.

    For the SDK's ``aio`` clients (``azrm.aio``); it takes the same keywords.
    """
    return _throttle_retry_classes()[1](**kwargs)


_THROTTLE_RETRY: tuple[type, type] | None = None


def _throttle_retry_classes() -> tuple[type, type]:
    global _THROTTLE_RETRY
    if _THROTTLE_RETRY is not None:
        return _THROTTLE_RETRY
    from azure.core.pipeline import PipelineResponse
    from azure.core.pipeline.policies import AsyncRetryPolicy, RetryPolicy

    class _Throttle:
        """azure-core's retry policy with larger budgets, throttling counted apart, and jittered waits.

        azure-core already sleeps for a ``Retry-After`` when the answer has one (seconds or an HTTP
        date) and otherwise backs off exponentially; but it gives up after 3 server errors or
        connection errors in a row, spends ``retry_status`` on 429s like on any other code, and every
        thread told ``Retry-After: 1`` comes back at the same instant, to be throttled again together.
        Here the budgets are :data:`RETRY_DEFAULTS`' (8 for 5xx, connection and read errors), a 429
        or 503 spends ``retry_throttled`` instead, and
        every wait (``Retry-After`` or backoff) is stretched by a random fraction up to
        ``retry_jitter`` (never shortened: Azure's ``Retry-After`` is a minimum). Mixed into
        ``RetryPolicy`` and ``AsyncRetryPolicy``; only how a ``Retry-After`` is slept differs.
        """

        def __init__(self, **options: Any) -> None:
            for key, value in RETRY_DEFAULTS.items():
                options.setdefault(key, value)
            self.throttled_retries: int = int(options.pop("retry_throttled"))
            self.jitter: float = float(options.pop("retry_jitter"))
            super().__init__(**options)

        def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
            settings: dict[str, Any] = super().configure_retries(options)  # type: ignore[misc]
            settings["throttled"] = options.pop("retry_throttled", self.throttled_retries)
            return settings

        def increment(self, settings: dict[str, Any], response: Any = None, error: Exception | None = None) -> bool:
            throttled = (
                error is None
                and isinstance(response, PipelineResponse)
                and response.http_response.status_code in THROTTLE_STATUS_CODES
            )
            if throttled:
                settings["throttled"] -= 1
                settings["status"] += 1  # the base class takes it off again: a throttle has its own budget
            more = bool(super().increment(settings, response=response, error=error))  # type: ignore[misc]
            return more and settings["throttled"] >= 0

        def _stretch(self, seconds: float) -> float:
            return seconds * (1 + random.uniform(0, self.jitter)) if seconds > 0 else seconds

        def get_backoff_time(self, settings: dict[str, Any]) -> float:
            return self._stretch(float(super().get_backoff_time(settings)))  # type: ignore[misc]

    class _ThrottleRetry(_Throttle, RetryPolicy):
        __doc__ = _Throttle.__doc__

        def _sleep_for_retry(self, response: Any, transport: Any) -> bool:
            retry_after = self.get_retry_after(response)
            if retry_after:
                transport.sleep(self._stretch(retry_after))
                return True
            return False

    class _AsyncThrottleRetry(_Throttle, AsyncRetryPolicy):
        __doc__ = _Throttle.__doc__

        async def _sleep_for_retry(self, response: Any, transport: Any) -> bool:
            retry_after = self.get_retry_after(response)
            if retry_after:
                await transport.sleep(self._stretch(retry_after))
                return True
            return False

    _ThrottleRetry.__name__ = _ThrottleRetry.__qualname__ = "ThrottleRetryPolicy"
    _AsyncThrottleRetry.__name__ = _AsyncThrottleRetry.__qualname__ = "AsyncThrottleRetryPolicy"
    _THROTTLE_RETRY = (_ThrottleRetry, _AsyncThrottleRetry)
    return _THROTTLE_RETRY


def with_retry_policy(options: dict[str, Any], *, asynchronous: bool = False) -> dict[str, Any]:
    """Return SDK client options with a :func:`ThrottleRetryPolicy` built from their ``retry_*`` keys.

    Options that already name a ``retry_policy`` are returned unchanged. ``asynchronous=True`` builds
    an :func:`AsyncThrottleRetryPolicy`, for the SDK's ``aio`` clients.
    """
    if "retry_policy" in options:
        return options
    options = dict(options)
    retry = {k: v for k, v in options.items() if k.startswith("retry_") or k == "timeout"}
    policy = AsyncThrottleRetryPolicy if asynchronous else ThrottleRetryPolicy
    options["retry_policy"] = policy(**retry)
    for key in ("retry_throttled", "retry_jitter"):  # ours alone: the SDK's other policies do not know them
        options.pop(key, None)
    return options


def operation_subject(
    operation: str, signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    """Describe what a call acted on from its arguments: ``new_vm(resource_group_name='rg', vm='KNVM01')``.

    Names (strings) and configurations' names only; parameters that may hold secrets are left out.
    """
    try:
        arguments = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:  # alias keywords (see azrm._aliases), or a call that does not bind
        return operation
    shown = []
    for key, value in arguments.items():
        if key == "self" or _secret(key):
            continue
        name = value if isinstance(value, str) else getattr(value, "vm_name", None) or getattr(value, "name", None)
        if isinstance(name, str):
            shown.append(f"{key}={name!r}")
    return f"{operation}({', '.join(shown[:3])})"


def raises_typed_errors(function: Callable[P, T]) -> Callable[P, T]:
    """Wrap a session operation: an azure-core exception leaves it as an :class:`~azrm.errors.AzureOperationError`.

    The typed error is also the azure-core exception (``except ResourceNotFoundError`` still
    catches it) and names the operation, the resource, ARM's code, message and correlation id, and
    what to do. Already typed errors (an inner operation's, :class:`~azrm.errors.ValidationError`...)
    pass unchanged. Every public method of a session class is wrapped (``SessionBase.__init_subclass__``).
    """
    if getattr(function, "raises_typed_errors", False):
        return function
    name = function.__name__
    signature = inspect.signature(function)
    aliases = aliases_of(function)

    @functools.wraps(function)
    def operation(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            try:
                named = canonical_kwargs(name, aliases, kwargs)
            except TypeError:
                named = kwargs
            typed = typed_error(exc, name, operation_subject(name, signature, args, named))
            if typed is exc:
                raise
            raise typed from exc

    operation.raises_typed_errors = True  # type: ignore[attr-defined]
    return operation


class SessionBase:
    """The plumbing of :class:`azrm.Session`.

    Every public method a subclass defines has its arguments checked against its annotations
    (:func:`azrm._typecheck.checked`): a wrong type or ``None`` is a :class:`ValidationError` naming the
    parameter, before any request.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        add_tag_aliases(cls)
        check_public_methods(cls)
        for name, attribute in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(attribute):
                setattr(cls, name, raises_typed_errors(attribute))

    def __init__(
        self,
        *,
        credential: Any,
        subscription_id: str | None,
        arm_endpoint: str,
        credential_scopes: Sequence[str],
        client_options: dict[str, Any] | None = None,
        location: str | None = None,
        reporter: Reporter | None = None,
        cloud_name: str = "AzureCloud",
        progress_interval: float = 0.5,
    ) -> None:
        self.credential = credential
        self._subscription_id = subscription_id
        self.arm_endpoint = arm_endpoint.rstrip("/")
        self.credential_scopes = list(credential_scopes)
        self.client_options = dict(client_options or {})
        self.default_location = location
        self.reporter: Reporter = reporter if reporter is not None else default_reporter()
        self.cloud_name = cloud_name
        self.progress_interval = progress_interval
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.RLock()  # reentrant: a client may need the subscription first
        self._locations: set[str] | None = None
        self._known: dict[tuple[str, str, str], Any] = {}
        self._known_lock = threading.Lock()
        _secrets.install()

    # -- identity ------------------------------------------------------------------------------
    @property
    def subscription_id(self) -> str:
        """The subscription operations act on (the argument, ``AZURE_SUBSCRIPTION_ID``, or the only one visible)."""
        if self._subscription_id is None:
            self._subscription_id = os.environ.get("AZURE_SUBSCRIPTION_ID") or self._only_subscription()
        return self._subscription_id

    def _only_subscription(self) -> str:
        subs = [s.subscription_id for s in self._client("subscriptions").subscriptions.list()]
        if len(subs) != 1:
            raise ValidationError(
                "subscription_id",
                None,
                f"the credential sees {len(subs)} subscriptions ({', '.join(str(s) for s in subs) or 'none'}); "
                "pass subscription_id= or set AZURE_SUBSCRIPTION_ID",
            )
        return str(subs[0])

    # -- SDK clients ------------------------------------------------------------------------------
    def _client(self, name: str) -> Any:
        client = self._clients.get(name)
        if client is not None:
            return client
        with self._clients_lock:  # threads (azrm.aio's among them) sharing a session make each client once
            return self._make_client(name)

    def _make_client(self, name: str) -> Any:
        client = self._clients.get(name)
        if client is None:
            import importlib

            module, cls_name = _CLIENTS[name]
            cls = getattr(importlib.import_module(module), cls_name)
            options = {
                "base_url": self.arm_endpoint,
                "credential_scopes": self.credential_scopes,
                **self.client_options,
            }
            options = with_retry_policy(options)
            if name == "subscriptions":
                client = cls(self.credential, **options)
            else:
                client = cls(self.credential, self.subscription_id, **options)
            self._clients[name] = client
        return client

    @property
    def resource_client(self) -> Any:
        """azure-mgmt-resource's ``ResourceManagementClient`` (drop down to the SDK any time)."""
        return self._client("resources")

    @property
    def subscription_client(self) -> Any:
        """azure-mgmt-resource-subscriptions' ``SubscriptionClient``."""
        return self._client("subscriptions")

    @property
    def storage_client(self) -> Any:
        """azure-mgmt-storage's ``StorageManagementClient``."""
        return self._client("storage")

    @property
    def network_client(self) -> Any:
        """azure-mgmt-network's ``NetworkManagementClient``."""
        return self._client("network")

    @property
    def compute_client(self) -> Any:
        """azure-mgmt-compute's ``ComputeManagementClient``."""
        return self._client("compute")

    @property
    def monitor_client(self) -> Any:
        """azure-mgmt-monitor's ``MonitorManagementClient`` (autoscale, activity log, metrics)."""
        return self._client("monitor")

    @property
    def container_instance_client(self) -> Any:
        """azure-mgmt-containerinstance's ``ContainerInstanceManagementClient``."""
        return self._client("containerinstance")

    @property
    def container_registry_client(self) -> Any:
        """azure-mgmt-containerregistry's ``ContainerRegistryManagementClient``."""
        return self._client("containerregistry")

    @property
    def container_registry_tasks_client(self) -> Any:
        """azure-mgmt-containerregistrytasks' ``ContainerRegistryTasksMgmtClient`` (runs, builds)."""
        return self._client("containerregistrytasks")

    def close(self) -> None:
        """Close the SDK clients."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what this session knows --------------------------------------------------------------------
    # Things that do not change under a session once made or read (a storage account's endpoints, a
    # VM's region), or change only through a call azrm sees (an account's keys: New-AzStorageAccountKey).
    # Keyed by (kind, resource group, name), lower case; forgotten when azrm removes, recreates or
    # regenerates them, or removes their group.
    def _recall(self, kind: str, resource_group_name: str, name: str) -> Any:
        with self._known_lock:
            return self._known.get((kind, resource_group_name.lower(), name.lower()))

    def _remember(self, kind: str, resource_group_name: str, name: str, value: Any) -> Any:
        with self._known_lock:
            self._known[(kind, resource_group_name.lower(), name.lower())] = value
        return value

    def _forget(self, resource_group_name: str, name: str | None = None, *kinds: str) -> None:
        """Forget what is known of a resource (of ``kinds``, or all), or of a whole group (``name=None``)."""
        group = resource_group_name.lower()
        with self._known_lock:
            for key in [k for k in self._known if k[1] == group]:
                if (name is None or key[2] == name.lower()) and (not kinds or key[0] in kinds):
                    del self._known[key]

    def _when_done(self, poller: Any, record: Callable[[Any], object]) -> Any:
        """Call ``record`` with a poller's result once it succeeds (in the poller's thread; errors ignored).

        For :meth:`_remember`: ``begin_*`` callers and waiting twins alike fill the cache, with no read.
        """

        def done(polling: Any) -> None:
            try:
                if str(polling.status()).lower() == "succeeded":
                    record(polling.resource())
            except Exception:  # a cache is best effort: the poller's own result() reports any failure
                return

        add = getattr(poller, "add_done_callback", None)
        if add is not None:
            add(done)
        return poller

    # -- running steps ----------------------------------------------------------------------------
    def _run(self, step: str, call: Callable[[], T]) -> T:
        """Run a synchronous call as a reported step."""
        start = time.monotonic()
        self.reporter.start(step)
        try:
            result = call()
        except BaseException:
            self.reporter.finish(step, False, time.monotonic() - start)
            raise
        self.reporter.finish(step, True, time.monotonic() - start)
        return result

    def _wait(self, step: str, poller: Any) -> Any:
        """Wait for an SDK poller, reporting its status while Azure works."""
        start = time.monotonic()
        self.reporter.start(step)
        try:
            while not poller.done():
                poller.wait(timeout=self.progress_interval)
                if not poller.done():
                    self.reporter.update(step, str(poller.status()), time.monotonic() - start)
            result = poller.result()
        except BaseException:
            self.reporter.finish(step, False, time.monotonic() - start)
            raise
        self.reporter.finish(step, True, time.monotonic() - start)
        return result

    # -- catalogues -------------------------------------------------------------------------------
    def _catalogue_problem(
        self, region: str, size: str, image: tuple[str, str, str, str] | None
    ) -> tuple[str, str, str] | None:
        """Return ``(field, value, rule)`` for a VM size or marketplace image the region does not offer.

        Only where the session knows the catalogue for certain without a request (the local Azure: its
        own data files). On Azure the sizes and images differ per region and subscription, and a
        create that names one the region lacks is refused at once with nothing made; reading the
        catalogue first would cost requests on every create, so ARM's answer is left to say it.
        """
        return None

    # -- regions -----------------------------------------------------------------------------------
    def _location(self, location: str | None, field: str = "location") -> str:
        """Return the region to use: given or the session's default, normalised and checked.

        The check is against the subscription's regions, read once.
        """
        value = location or self.default_location
        if not value:
            raise ValidationError(
                field, value, "give a region such as 'westeurope' (or a default location for the session)"
            )
        normalized = value.replace(" ", "").lower()
        if self._locations is None:
            try:
                self._locations = {
                    loc.name for loc in self.subscription_client.subscriptions.list_locations(self.subscription_id)
                }
            except Exception:  # regions cannot be listed (permissions, network): leave the check to ARM
                self._locations = set()
        if self._locations and normalized not in self._locations:
            raise ValidationError(
                field, value, f"must be one of this subscription's regions: {', '.join(sorted(self._locations))}"
            )
        return normalized


def waiting_twin(
    begin: Callable[Concatenate[S, P], Any], step: str | Callable[[dict[str, Any]], str], doc: str
) -> Callable[Concatenate[S, P], Any]:
    """Make the waiting operation of a ``begin_*`` one: same parameters (and types), waits with progress.

    :param begin: the ``begin_*`` method; it validates and returns the SDK poller.
    :param step: the step's label, a format string over the call's arguments or a function of them.
    :param doc: the operation's docstring.
    """
    begin = checked(begin)
    signature = inspect.signature(begin)
    aliases = aliases_of(begin)
    name = begin.__name__.removeprefix("begin_")

    def label(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        arguments = signature.bind(self, *args, **canonical_kwargs(name, aliases, kwargs)).arguments
        return step(arguments) if callable(step) else step.format(**arguments)

    def operation(self: S, *args: P.args, **kwargs: P.kwargs) -> Any:
        poller = begin(self, *args, **kwargs)  # checks the arguments first, then sends
        return self._wait(label(self, args, kwargs), poller)

    operation.__name__ = operation.__qualname__ = name
    operation.__signature__ = signature  # type: ignore[attr-defined]  # for help() and IDEs
    if aliases:  # the begin_ twin's aliases, renamed before the label reads the arguments
        operation = accepts_aliases(**aliases)(operation)
    operation.__doc__ = doc
    operation.__module__ = begin.__module__
    operation.__signature__ = signature  # type: ignore[attr-defined]  # for help() and IDEs
    # what it is made of, for azrm.aio: its twin starts with ``begin`` in a thread and awaits on the loop
    operation.waits_on = WaitsOn(begin, label)  # type: ignore[attr-defined]
    return operation


@dataclass(frozen=True)
class WaitsOn:
    """What a :func:`waiting_twin` is made of: its ``begin_*`` function and its step's label."""

    begin: Callable[..., Any]
    #: ``label(session, args, kwargs)``: the step's label for a call
    label: Callable[[Any, tuple[Any, ...], dict[str, Any]], str]


def chain_poller(first: Any, then: Callable[[Any], T], status: str = "InProgress") -> Any:
    """Return an azure-core ``LROPoller`` over two stages: ``first`` (a poller), then ``then(first.result())``.

    Its ``result()`` is what ``then`` returns and raises what either stage raised; ``done()``,
    ``wait()``, ``status()`` and ``add_done_callback()`` work as on any SDK poller. There is no
    continuation token: the second stage is azrm's, not one operation of Azure's.
    """
    from azure.core.polling import LROPoller, PollingMethod

    class _Chain(PollingMethod):
        def __init__(self) -> None:
            self._status = status
            self._finished = False
            self._result: Any = None

        def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
            return None

        def run(self) -> None:
            try:
                self._result = then(first.result())
            except BaseException:
                self._status = "Failed"
                raise
            finally:
                self._finished = True
            self._status = "Succeeded"

        def status(self) -> str:
            return self._status

        def finished(self) -> bool:
            return self._finished

        def resource(self) -> Any:
            return self._result

        def get_continuation_token(self) -> str:
            raise ValueError("this poller chains an Azure operation and azrm's steps: it has no continuation token")

        @classmethod
        def from_continuation_token(cls, continuation_token: str, **kwargs: Any) -> Any:
            raise ValueError("this poller has no continuation token")

    return LROPoller(None, None, lambda response: response, _Chain())
