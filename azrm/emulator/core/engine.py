"""The emulator: settings, state, and the request pipeline every way in goes through.

A request passes, in order: authentication (a bearer token, except for the anonymous
``/metadata/endpoints``), fault injection, routing, authorization (with ``rbac``), throttling,
settling of due long-running operations, ``api-version`` and scope checks (subscription, resource
group), then the provider's handler. Whatever happens, the answer carries ARM's standard headers
(request and correlation ids, remaining rate-limit tokens).
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .admin import ADMIN_KEY_HEADER, check_advance, check_metric_value, serve_admin
from .clock import Clock, ManualClock, SystemClock, iso_utc
from .discovery import cloud_metadata, is_discovery
from .errors import ArmError, DroppedConnection, resource_group_not_found
from .faults import FaultInjector, FaultPlan
from .ids import ResourceId, resource_group_id
from .latency import Latency
from .lro import Operations
from .metrics import Metrics
from .recovery import recover, succeeded
from .router import Router
from .store import Record, Store
from .throttle import Throttler
from .versions import ApiVersions, required_version
from .wire import MAX_BODY_BYTES, Call, Headers, Request, Response, too_large

__all__ = ["WIRING", "Emulator", "EmulatorSettings", "Wiring"]

log = logging.getLogger("azrm.emulator")
T = TypeVar("T")


@dataclass
class Wiring:
    """What the engine is given at start-up: the providers and the in-process transports.

    ``azrm.emulator`` fills :data:`WIRING` when it is imported, so the engine itself imports no
    provider and no transport (nothing above ``core/``).
    """

    install: Callable[[Emulator], list[Any]] | None = None
    transport: Callable[[Emulator], Any] | None = None
    async_transport: Callable[[Emulator], Any] | None = None
    #: makes the tenant's token service (``azrm.emulator.entra.EntraId``): its anonymous routes and the token check
    identity: Callable[[Emulator], Any] | None = None


#: the start-up wiring every :class:`Emulator` uses unless given its own ``install``
WIRING = Wiring()


@dataclass(frozen=True)
class EmulatorSettings:
    """Knobs of the local Azure (each also a command-line flag of ``python -m azrm.emulator``).

    :param latency: how long provisioning takes (``Latency.instant()`` by default).
    :param throttle: refuse requests over ARM's token buckets with 429.
    :param faults: transient faults and failed operations to inject.
    :param seed: seed of every random choice (ids, faults), for reproducible runs.
    :param clock: the clock; ``ManualClock()`` for tests that move time by hand.
    :param state_path: SQLite file that keeps state across restarts (in memory when ``None``).
    :param retry_after: fixed ``Retry-After`` seconds for operations (computed from latency when ``None``).
    :param subscription_id: the subscription to serve (derived from the seed when ``None``).
    :param tenant_id: the tenant to report (derived from the seed when ``None``).
    :param strict_downloads: fail an extension whose files (a DSC archive, scripts) are on a host the
        offline local Azure cannot reach; by default it succeeds with a status saying they were not checked.
    :param admin_key: the key admin routes (``/_azrm/*``) require; a random one when ``None``.
    :param rbac: enforce role assignments: an ARM request its principal's roles do not allow is refused
        with 403 ``AuthorizationFailed`` (the default service principal is Owner of the subscriptions).
    """

    latency: Latency = field(default_factory=Latency.instant)
    throttle: bool = False
    faults: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 0
    clock: Clock | None = None
    state_path: str | None = None
    retry_after: float | None = None
    subscription_id: str | None = None
    tenant_id: str | None = None
    strict_downloads: bool = False
    admin_key: str | None = None
    rbac: bool = False


#: base URL of the requests the local Azure makes to itself (never on the network)
INTERNAL_BASE = "https://arm.internal"


#: the media types ARM reads a request body in (anything else: 415 ``UnsupportedMediaType``)
_JSON_MEDIA_TYPES = ("application/json", "text/json")


def _check_media_type(req: Request) -> None:
    """Refuse a body that does not say it is JSON, as ARM does (415 ``UnsupportedMediaType``)."""
    if req.method not in ("PUT", "PATCH", "POST") or not req.body:
        return
    given = req.headers.get("content-type")
    if given is not None and given.split(";", 1)[0].strip().lower() in _JSON_MEDIA_TYPES:
        return
    raise ArmError(
        415,
        "UnsupportedMediaType",
        f"The content media type '{given if given is not None else '<null>'}' is not supported. "
        "Only 'application/json' is supported.",
    )


class Emulator:
    """The local Azure Resource Manager: state, providers and the request pipeline.

    Reach it in-process with :meth:`transport` (an azure-core transport) or over HTTP with
    :func:`azrm.emulator.serve`. ``blob`` is the storage data plane (Azurite) backing storage
    accounts; without it accounts still work at the ARM level but nothing is stored in blobs.
    """

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        blob: Any = None,
        containers: Any = None,
        install: Callable[[Emulator], list[Any]] | None = None,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.clock: Clock = self.settings.clock or SystemClock()
        self.rng = random.Random(self.settings.seed)
        #: what admin routes other than health and info require (never from the seeded generator)
        self.admin_key = self.settings.admin_key or secrets.token_urlsafe(24)
        self.store = Store(self.settings.state_path)
        self.ops = Operations(retry_after=self.settings.retry_after)
        #: the api-versions each type accepts, and the shapes of older ones (providers register theirs)
        self.versions = ApiVersions()
        self.ops.shape_final = self._shape_final
        if self.store.path is not None:
            self.ops.persist = self.store.stage_operation
        self.ops.succeeded = lambda op: succeeded(self, op)
        self.throttler = Throttler(enabled=self.settings.throttle)
        self.faults = FaultInjector(self.settings.faults, self.settings.seed)
        self.blob = blob
        if self.store.path is not None and getattr(blob, "durable", False):
            self.store.before_commit = blob.flush
        #: the container engine and registries (a :class:`~azrm.emulator.containers.ContainerPlane`);
        #: ``None`` in-process without :class:`~azrm.emulator.LocalAzure`; given here so that
        #: providers' ``restore()`` can restart registries after a state file is loaded
        self.containers: Any = containers
        #: websocket streams providers serve (``/_azrm/<kind>/<session>``): kind -> f(session, password) -> text
        self.streams: dict[str, Callable[[str, str], str]] = {}
        #: data planes served on their own origins (a key vault's): ``serves(req)``, ``serve(req)``;
        #: they authenticate and answer in their service's words, not ARM's
        self.planes: list[Any] = []
        #: the HTTPS server serving this emulator, which opens loopback listeners for the resources that
        #: need an origin of their own (``open(owner, port)``, ``close(owner, port)``, ``origin(port)``,
        #: ``endpoint``); ``None`` in-process
        self.origins: Any = None
        self.router = Router()
        self._lock = threading.RLock()
        self.requests_served = 0
        #: requests served, by HTTP method (tests check that bad input sent no write)
        self.requests_by_method: Counter[str] = Counter()
        #: what the admin ``/_azrm/info`` route publishes besides the emulator's own facts
        #: (:class:`~azrm.emulator.LocalAzure` adds its endpoint, CA bundle and Azurite ports)
        self.published: dict[str, Any] = {}
        self._delete_hooks: dict[str, list[Callable[[Record], None]]] = {}
        #: backends holding IP configurations outside Microsoft.Network records (scale set instances)
        self.ip_config_sources: list[Any] = []
        #: things that happen on the clock by themselves (autoscale evaluations): ``next_due()``, ``fire(t)``
        self.timers: list[Any] = []
        #: called with each request and its answer (azrm's template session records the writes)
        self.recorder: Callable[[Request, Response], None] | None = None
        self._firing_at: float | None = None
        #: RBAC enforcement (``authorize(req)``, ``seed()``), set by the Microsoft.Authorization provider
        self.access: Any = None
        #: synthetic metrics (Percentage CPU of a scale set...) that autoscale reads
        self.metrics = Metrics()

        meta = self.store.meta
        if "subscription_id" not in meta:
            self.store.set_meta("subscription_id", self.settings.subscription_id or self.new_guid())
            self.store.set_meta("tenant_id", self.settings.tenant_id or self.new_guid())
            self.store.set_meta("subscriptions", [meta["subscription_id"]])
        #: the tenant's directory and token service (the local Entra ID)
        if WIRING.identity is None:
            raise RuntimeError("the local Entra ID is not wired: import azrm.emulator, which wires the engine")
        self.entra: Any = WIRING.identity(self)
        # Ids must not repeat across restarts on the same state file.
        if self.store.loaded_from_disk:
            self.rng.seed(f"{self.settings.seed}:{len(self.store)}:{time.time_ns()}")

        install = install or WIRING.install
        if install is None:
            raise RuntimeError("no providers are wired: import azrm.emulator (it wires them) or pass install=")
        self.providers = install(self)
        if self.store.loaded_from_disk:
            self._recover()
            for provider in self.providers:
                provider.restore()
        self.store.flush()

    # -- identity and time ---------------------------------------------------------------------
    @property
    def subscription_id(self) -> str:
        """The default subscription served."""
        return str(self.store.meta["subscription_id"])

    @property
    def tenant_id(self) -> str:
        """The tenant reported for the subscription."""
        return str(self.store.meta["tenant_id"])

    @property
    def subscriptions(self) -> list[str]:
        """Every subscription served."""
        return list(self.store.meta["subscriptions"])

    def add_subscription(self, subscription_id: str | None = None) -> str:
        """Serve one more subscription; returns its id."""
        with self._lock:
            sub = subscription_id or self.new_guid()
            if sub.lower() not in (s.lower() for s in self.subscriptions):
                self.store.set_meta("subscriptions", [*self.subscriptions, sub])
                if self.access is not None:
                    self.access.seed()
                self.store.flush()
            return sub

    def new_guid(self) -> str:
        """Return a random (seeded) GUID."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def now(self) -> float:
        """Return the emulator clock's time (while a timer fires: the time it fires at)."""
        return self._firing_at if self._firing_at is not None else self.clock.now()

    def run_until(self, now: float) -> int:
        """Finish due operations and fire due timers (autoscale), in time order, up to ``now``.

        Nothing runs in the background: this happens before every request and on ``advance``. A timer
        firing at ``t`` sees ``now() == t``, so what it starts is due ``t + latency``, as in Azure.
        Returns how many operations finished.
        """
        finished = 0
        while True:
            due = [t for t in (timer.next_due() for timer in self.timers) if t is not None and t <= now]
            if not due:
                break
            when = min(due)
            finished += self.ops.settle(when)
            self._firing_at = when
            try:
                for timer in self.timers:
                    next_due = timer.next_due()
                    if next_due is not None and next_due <= when:
                        timer.fire(when)
            finally:
                self._firing_at = None
        return finished + self.ops.settle(now)

    # -- ways in -------------------------------------------------------------------------------
    def attach(self, origins: Any) -> None:
        """Be served by ``origins`` (an HTTPS server): providers open their resources' own listeners on it."""
        with self._lock:
            self.origins = origins
            for provider in self.providers:
                opening = getattr(provider, "open_origins", None)
                if opening is not None:
                    opening()
            self.store.flush()

    def detach(self) -> None:
        """Stop being served by a server (it closes the listeners it opened)."""
        self.origins = None

    def transport(self) -> Any:
        """Return an azure-core transport into this emulator (no sockets)."""
        if WIRING.transport is None:
            raise RuntimeError("no transport is wired: import azrm.emulator")
        return WIRING.transport(self)

    def async_transport(self) -> Any:
        """Return an async azure-core transport into this emulator, for the SDK's ``aio`` clients."""
        if WIRING.async_transport is None:
            raise RuntimeError("no transport is wired: import azrm.emulator")
        return WIRING.async_transport(self)

    def settle(self) -> int:
        """Finish the operations that are due now (every request does this first)."""
        with self._lock:
            finished = self.run_until(self.now())
            self.store.flush()
            return finished

    def advance(self, seconds: float) -> int:
        """Move a :class:`ManualClock` forward and settle; returns how many operations finished."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs EmulatorSettings(clock=ManualClock())")
        self.clock.advance(check_advance(seconds))
        return self.settle()

    def admin_headers(self) -> dict[str, str]:
        """Return the header that admin requests (``/_azrm/*``) carry."""
        return {ADMIN_KEY_HEADER: self.admin_key}

    def set_metric(self, resource_id: str, metric: str, value: float) -> None:
        """Set a synthetic metric of a resource from now on (what autoscale reads): ``Percentage CPU`` = 80."""
        value = check_metric_value(value)
        with self._lock:
            self.run_until(self.now())
            if self.store.get(resource_id) is None:
                raise LookupError(f"resource_id: {resource_id!r} does not exist in this local Azure")
            self.metrics.set(resource_id, metric, value, self.now())

    def backend(self, cls: type[T]) -> T:
        """Return the installed provider backend of class ``cls`` (backends use each other through this)."""
        for provider in self.providers:
            if isinstance(provider, cls):
                return provider
        raise LookupError(f"no backend {cls.__name__} is installed")

    def on_delete(self, resource_type: str, hook: Callable[[Record], None]) -> None:
        """Run ``hook`` whenever a record of ``resource_type`` is removed (cleanups such as Azurite)."""
        self._delete_hooks.setdefault(resource_type.lower(), []).append(hook)

    def remove(self, resource_id: str) -> Record | None:
        """Remove a record and everything under it, running delete hooks (deepest first)."""
        doomed = self.store.under(resource_id)
        top = self.store.get(resource_id)
        if top is not None:
            doomed.append(top)
        doomed.sort(key=lambda r: r.id.count("/"), reverse=True)
        for record in doomed:
            self.store.delete(record.id)
            for hook in self._delete_hooks.get(record.type.lower(), ()):
                hook(record)
        return top

    def _recover(self) -> None:
        """Fail what a kill left mid-operation (see :mod:`.recovery`)."""
        recover(self)

    def close(self) -> None:
        """Finish the operations still running (as if their time had come), flush, close the state file."""
        with self._lock:
            self.ops.settle(float("inf"))
            for provider in self.providers:
                closing = getattr(provider, "close", None)
                if closing is not None:
                    closing()
            self.store.close()

    # -- the pipeline ------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        """Serve one request. Raises :class:`DroppedConnection` for that injected fault."""
        with self._lock:
            if not self.entra.serves(req):  # ARM's requests: sign-ins are the token service's, not counted here
                self.requests_served += 1
                self.requests_by_method[req.method] += 1
            request_id = self.new_guid()
            correlation_id = req.headers.get("x-ms-correlation-request-id") or self.new_guid()
            rate_headers: dict[str, str] = {}
            plane = next((p for p in self.planes if p.serves(req)), None)
            try:
                if len(req.body) > MAX_BODY_BYTES:
                    raise too_large()
                if plane is not None:
                    resp = plane.serve(req)  # a data plane on its own origin (a key vault's)
                elif req.path.startswith("/_azrm/"):
                    resp = serve_admin(self, req)
                elif is_discovery(req):
                    resp = cloud_metadata(req)  # anonymous, as on Azure: clients read it before they hold a token
                elif self.entra.serves(req):
                    resp = self.entra.serve(req)  # the local Entra ID: anonymous, it hands out the tokens
                else:
                    self._authenticate(req)
                    self._inject_fault(req, request_id, correlation_id)
                    route, params, head_via_get = self._route(req)
                    if self.access is not None:
                        self.access.authorize(req)  # before anything changes (403 AuthorizationFailed)
                    sub = params.get("subscriptionId")
                    resource_key = route.resource_key(req.path)
                    rate_headers = self.throttler.admit(
                        method=req.method,
                        subscription=sub,
                        now=self.now(),
                        compute_policy=route.compute_policy,
                        resource_key=resource_key,
                    )
                    self.run_until(self.now())
                    self._check_scope(req, route.template, params)
                    _check_media_type(req)
                    resp = self._serve(route, req, params, request_id)
                    if head_via_get and resp.status == 200:
                        resp.status = 204  # ARM answers HEAD on an existing resource with 204
            except ArmError as err:
                resp = Response(err.status, err.envelope(), Headers(err.headers))
            except DroppedConnection:
                raise
            except Exception as exc:  # a bug: answered in ARM's shape, logged, never a plain-text 500
                log.exception("%s %s crashed", req.method, req.path)
                crash = ArmError(
                    500,
                    "InternalServerError",
                    f"The local Azure failed the request ({type(exc).__name__}); this is a bug in azrm. "
                    f"Tracking id '{request_id}'.",
                )
                resp = Response(crash.status, crash.envelope())
            finally:
                self.store.flush()
            if req.method == "HEAD":
                resp.body = None
            headers = resp.headers
            for name, value in rate_headers.items():
                headers.setdefault(name, value)
            headers.setdefault("x-ms-request-id", request_id)
            headers.setdefault("x-ms-correlation-request-id", correlation_id)
            headers.setdefault("x-ms-routing-request-id", f"LOCAL:{request_id}")
            headers.setdefault("Cache-Control", "no-cache")
            headers.setdefault("Pragma", "no-cache")
            headers.setdefault("Expires", "-1")
            headers.setdefault("X-Content-Type-Options", "nosniff")
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s -> %s", req.method, req.path, resp.status)
            if self.recorder is not None and plane is None:
                self.recorder(req, resp)
            return resp

    def dispatch(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        base_url: str = INTERNAL_BASE,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Serve a request from inside the local Azure (a deployment's calls to the providers).

        Like :meth:`handle` without authentication, faults, throttling or settling: ARM calls the
        resource providers on the user's behalf, within the request or timer that is running.
        """
        data = json.dumps(body).encode() if body is not None else b""
        req = Request(method, base_url + path, Headers({"Content-Type": "application/json", **(headers or {})}), data)
        request_id = self.new_guid()
        try:
            route, params, head_via_get = self._route(req)
            self._check_scope(req, route.template, params)
            resp = self._serve(route, req, params, request_id)
            if head_via_get and resp.status == 200:
                resp.status = 204
        except ArmError as err:
            resp = Response(err.status, err.envelope(), Headers(err.headers))
        except Exception as exc:  # a bug in a backend fails the deployment's resource, it must not wedge the run
            log.exception("internal %s %s crashed", method, path)
            crash = ArmError(500, "InternalServerError", f"The local Azure failed the request: {exc!r}")
            resp = Response(crash.status, crash.envelope())
        resp.headers.setdefault("x-ms-request-id", request_id)
        return resp

    def _serve(self, route: Any, req: Request, params: dict[str, str], request_id: str) -> Response:
        """Run the route's handler: the api-version checked against the type's, the answer in its shape."""
        version = req.api_version or ""
        rtype = route.resource_type or route.list_type
        if rtype is not None:
            self.versions.check(rtype, version)
        resp: Response = route.handler(Call(self, req, params, request_id, route.resource_type))
        if rtype is not None and resp.status < 300 and isinstance(resp.body, dict):
            resp.body = self.versions.outbound(rtype, version, resp.body)
        return resp

    def _shape_final(self, op: Any, body: Any) -> Any:
        """Shape an operation's final answer (a storage account's) for the api-version that started it."""
        try:
            rtype = ResourceId.parse(op.resource_id).type
        except ValueError:
            return body
        return self.versions.outbound(rtype, op.api_version, body)

    def _route(self, req: Request) -> tuple[Any, dict[str, str], bool]:
        """Match the request; a HEAD without its own route is answered like a GET, without the body."""
        try:
            route, params = self.router.match(req.method, req.path)
            return route, params, False
        except ArmError:
            if req.method != "HEAD":
                raise
        route, params = self.router.match("GET", req.path)
        return route, params, True

    def _authenticate(self, req: Request) -> None:
        req.principal = self.entra.authenticate(req)

    def _inject_fault(self, req: Request, request_id: str, correlation_id: str) -> None:
        if not self.faults.plan.active:
            return
        kind = self.faults.decide(req.method)
        if kind is None:
            return
        retry_after = {"Retry-After": str(self.faults.plan.retry_after)}
        if kind == "drop":
            raise DroppedConnection("the local Azure dropped the connection (injected fault)")
        if kind == "500":
            raise ArmError(
                500,
                "InternalServerError",
                f"Encountered internal server error. Diagnostic information: timestamp '{iso_utc(self.now())}', "
                f"subscription id '', tracking id '{request_id}', request correlation id '{correlation_id}'.",
            )
        if kind == "503":
            raise ArmError(
                503,
                "ServiceUnavailable",
                "The server is currently unable to receive requests. Please retry your request.",
                headers=retry_after,
            )
        raise ArmError(
            429,
            "SubscriptionRequestsThrottled",
            "Number of requests for subscription exceeded (injected fault). "
            f"Please try again after '{self.faults.plan.retry_after}' seconds. Refer to https://aka.ms/arm-throttling",
            headers=retry_after,
        )

    def _check_scope(self, req: Request, template: str, params: dict[str, str]) -> None:
        required_version(req.api_version)
        sub = params.get("subscriptionId")
        if sub is not None and sub.lower() not in (s.lower() for s in self.subscriptions):
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        rg = params.get("resourceGroupName")
        lowered = template.lower()
        if rg is not None and sub is not None and "/providers/" in lowered.split("{resourcegroupname}", 1)[-1]:
            group = self.store.get(resource_group_id(sub, rg))
            if group is None:
                raise resource_group_not_found(rg)
            if req.method in ("PUT", "PATCH", "POST") and group.properties.get("provisioningState") == "Deleting":
                raise ArmError(
                    409,
                    "ResourceGroupBeingDeleted",
                    f"The resource group '{group.name}' is in deprovisioning state and cannot perform this operation.",
                )

    # -- admin routes (loopback only) ---------------------------------------------------------
    def reset(self) -> None:
        """Delete every resource group (and so every resource) and forget every operation."""
        with self._lock:
            for record in list(self.store):
                if record.type.lower() == "microsoft.resources/resourcegroups":
                    self.remove(record.id)
            self.store.clear()
            self.ops.clear()
            if self.access is not None:
                self.access.seed()  # the subscriptions' Owner stays, as on Azure
            self.store.flush()

    def info(self) -> dict[str, Any]:
        """Return what the emulator is and how it is set (the admin ``/_azrm/info`` answer)."""
        return {
            **{k: v for k, v in self.published.items() if k != "admin_key"},
            "subscription_id": self.subscription_id,
            "tenant_id": self.tenant_id,
            "latency": self.settings.latency.describe(),
            "throttle": self.settings.throttle,
            "rbac": self.settings.rbac,
            "faults": self.faults.injected,
            "requests_served": self.requests_served,
            "resources": len(self.store),
            "pending_operations": self.ops.pending_count,
            "blob": self.blob is not None,
        }
