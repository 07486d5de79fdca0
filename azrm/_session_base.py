"""What every operation of a session uses.

The SDK clients (created on first use), waiting on long-running operations with progress, and the
subscription's regions.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

from . import _secrets
from .errors import ValidationError
from .progress import Reporter, default_reporter

__all__ = ["SessionBase"]

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


class SessionBase:
    """The plumbing of :class:`azrm.Session`."""

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
        self._locations: set[str] | None = None
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
        if client is None:
            import importlib

            module, cls_name = _CLIENTS[name]
            cls = getattr(importlib.import_module(module), cls_name)
            options = {
                "base_url": self.arm_endpoint,
                "credential_scopes": self.credential_scopes,
                **self.client_options,
            }
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
    signature = inspect.signature(begin)

    def operation(self: S, *args: P.args, **kwargs: P.kwargs) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        label = step(arguments) if callable(step) else step.format(**arguments)
        return self._wait(label, begin(self, *args, **kwargs))

    operation.__name__ = operation.__qualname__ = begin.__name__.removeprefix("begin_")
    operation.__doc__ = doc
    operation.__module__ = begin.__module__
    operation.__signature__ = signature  # type: ignore[attr-defined]  # for help() and IDEs
    return operation
