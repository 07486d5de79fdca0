"""Sessions: ``azrm.connect()`` for Azure (``Connect-AzAccount``), ``azrm.local()`` for the local Azure.

Both return a :class:`Session` with the same cmdlet-style methods; only how it reaches Azure differs.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import _secrets
from .docker import Docker
from .errors import ValidationError
from .operations.access import AccessOperations
from .operations.autoscale import AutoscaleOperations
from .operations.catalog import CatalogOperations
from .operations.containerinstance import ContainerInstanceOperations
from .operations.containerregistry import ContainerRegistryOperations
from .operations.identity import IdentityOperations
from .operations.keyvault import KeyVaultOperations
from .operations.resources import ResourceOperations
from .operations.templates import TemplateOperations
from .operations.vmss import VmssOperations
from .progress import Reporter

__all__ = ["CLOUDS", "Cloud", "LocalSession", "Session", "connect", "local"]


@dataclass(frozen=True)
class Cloud:
    """An Azure cloud: where ARM is and whom to ask for tokens (``Get-AzEnvironment``)."""

    name: str
    arm_endpoint: str
    authority_host: str
    storage_suffix: str
    #: the token audience ARM accepts (``authentication.audiences`` of its ``/metadata/endpoints``);
    #: ARM's own URL when ``None``, as in Azure's public, China and US Government clouds
    audience: str | None = None

    @property
    def credential_scope(self) -> str:
        """The token scope for ARM."""
        return (self.audience or self.arm_endpoint).rstrip("/") + "/.default"


CLOUDS: dict[str, Cloud] = {
    "AzureCloud": Cloud(
        "AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com", "core.windows.net"
    ),
    "AzureChinaCloud": Cloud(
        "AzureChinaCloud",
        "https://management.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
        "core.chinacloudapi.cn",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
        "core.usgovcloudapi.net",
    ),
}


class Session(
    ResourceOperations,
    VmssOperations,
    AutoscaleOperations,
    TemplateOperations,
    CatalogOperations,
    ContainerRegistryOperations,
    ContainerInstanceOperations,
    AccessOperations,
    IdentityOperations,
    KeyVaultOperations,
):
    """A connection to one subscription, with the cmdlet-style operations as methods.

    Operations wait for completion and return the Azure SDK's own models; ``begin_*`` twins return the
    SDK's poller instead (PowerShell's ``-AsJob``). The SDK clients are there too
    (``session.compute_client``...) for anything azrm does not cover. Use :func:`connect` or
    :func:`local` to make one.

    **Retries.** The SDK clients retry with :func:`azrm._session_base.ThrottleRetryPolicy`, azure-core's
    ``RetryPolicy`` with larger budgets (:data:`azrm._session_base.RETRY_DEFAULTS`): 8 retries of a
    408/500/502/504 answer, of a connection error and of a broken read (3 each in azure-core), 12 of a
    429 or 503 (``retry_throttled``, apart from the others), 20 in all (``retry_total``). It waits the
    ``Retry-After`` Azure sends, else backs off exponentially (0, 1.6, 3.2 ... up to 30 s), and stretches
    every wait by a random 0-50% (``retry_jitter=0.5``; never shorter than ``Retry-After``) so threads
    failing together do not come back together. Measured on the local Azure with ``throttle=True``, 16
    threads creating 399 resource groups: 56 calls fail with 429 under azure-core's default policy, none
    with this one. Tune it through the client options (``azrm.connect(retry_status=4, retry_jitter=1.0)``,
    any ``retry_*`` of azure-core), or replace it (``retry_policy=azure.core.pipeline.policies.RetryPolicy()``).
    Long-running operations are polled at the ``Retry-After`` their status answers give, as the SDK's
    pollers do; one that ends ``Failed`` is not started again (neither Az nor the SDK does: Azure has
    recorded the failure), it is reported as an :class:`~azrm.errors.AzureOperationError` and a re-run
    of the script resumes. See ``docs/reliability.md``.

    **Requests.** A session remembers what it made or read that will not change under it: a storage
    account's endpoint (from its create) and keys (read once; read again after
    :meth:`new_storage_account_key`, a recreate or a remove through the session, or a refused upload),
    a VM's region (from its create) and a NIC's create answer (the checks of the VM that uses it). So
    the seed's VM with its DSC configuration costs the requests of the plain SDK (19), not 23.
    Everything is still checked before a write, and operations return the SDK's models.
    """

    def docker(self, resource_group_name: str, registry_name: str, *, location: str | None = None) -> Docker:
        """Return Docker's verbs (images, build, run, ps, logs...) over a registry and a resource group.

        See :class:`azrm.Docker`; every verb is made of this session's container operations.
        """
        return Docker(self, resource_group_name, registry_name, location=location)

    def __repr__(self) -> str:
        sub = self._subscription_id or "(resolved on first use)"
        name = type(self).__name__
        return f"{name}(cloud={self.cloud_name!r}, subscription_id={sub!r}, arm_endpoint={self.arm_endpoint!r})"


def connect(
    subscription_id: str | None = None,
    *,
    credential: Any = None,
    cloud: str | Cloud = "AzureCloud",
    location: str | None = None,
    reporter: Reporter | None = None,
    **client_options: Any,
) -> Session:
    """Connect to Azure (``Connect-AzAccount`` / ``Add-AzureRmAccount``).

    :param subscription_id: the subscription; else ``AZURE_SUBSCRIPTION_ID``; else the only one the
        credential sees.
    :keyword credential: an azure-identity credential; ``DefaultAzureCredential`` when omitted
        (environment, managed identity, Azure CLI login...).
    :keyword cloud: ``AzureCloud``, ``AzureChinaCloud``, ``AzureUSGovernment``, or a :class:`Cloud`
        (Azure Stack Hub, or the local Azure).
    :keyword location: default region for operations that take one.
    :keyword client_options: passed to every SDK client (``connection_verify``, ``logging_enable``...).

    >>> az = azrm.connect()                       # what `azrm.local()` is for the local Azure
    """
    if isinstance(cloud, str):
        if cloud not in CLOUDS:
            raise ValidationError("cloud", cloud, f"must be one of {', '.join(CLOUDS)} or an azrm.Cloud")
        cloud = CLOUDS[cloud]
    if credential is None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(authority=cloud.authority_host)
    return Session(
        credential=credential,
        subscription_id=subscription_id,
        arm_endpoint=cloud.arm_endpoint,
        credential_scopes=[cloud.credential_scope],
        client_options=client_options,
        location=location,
        reporter=reporter,
        cloud_name=cloud.name,
    )


class LocalSession(Session):
    """A session on the local Azure; closing it stops the local Azure it started."""

    def __init__(
        self, *, local: Any = None, info: dict[str, Any] | None = None, emulator: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.local = local  #: the :class:`~azrm.emulator.LocalAzure` this session started (``None`` when attached)
        self.info = info or {}
        self._emulator = emulator

    def _catalogue_problem(
        self, region: str, size: str, image: tuple[str, str, str, str] | None
    ) -> tuple[str, str, str] | None:
        """Check a size and image against the local Azure's catalogues: its own data files, no request."""
        from .emulator.providers import catalog

        if catalog.find_size(size, region) is None:
            offered = ", ".join(s.name for s in catalog.sizes_in(region)[:12])
            return "vm_size", size, f"the region {region} does not offer this size (it offers {offered}, ...)"
        if image is not None:
            publisher, offer, sku, version = image
            found = catalog.find_image(publisher, offer, sku)
            if found is None:
                return "image", f"{publisher}:{offer}:{sku}", "no such marketplace image (Get-AzVMImageSku lists them)"
            if version.lower() != "latest" and version not in found.versions:
                return "image.version", version, f"the image's versions are {', '.join(found.versions)} (or latest)"
        return None

    @property
    def emulator(self) -> Any:
        """The emulator, when it runs in this process (for its knobs and clock); ``None`` when attached."""
        if self._emulator is not None:
            return self._emulator
        return self.local.emulator if self.local is not None else None

    def managed_identity_environment(self, resource_id: str) -> dict[str, str]:
        """Return the variables that make azure-identity's ``ManagedIdentityCredential`` act as ``resource_id``.

        On Azure, code on a VM or in App Service gets its identity's tokens from the platform, which knows
        the caller. Here the variables name the resource: IMDS's path (``AZURE_POD_IDENTITY_AUTHORITY_HOST``)
        and App Service's protocol (``IDENTITY_ENDPOINT``, ``IDENTITY_HEADER``). Set them in the program's
        environment (``os.environ.update(...)``) before it makes its credential. Needs a local Azure this
        session started (a ``ValidationError`` when attached).
        """
        from .emulator.entra.managed import endpoint_key

        emulator = self.emulator
        if emulator is None or self.local is None or self.local.server is None:
            raise ValidationError(
                "session", "attached", "managed identity endpoints are given by a local Azure this session started"
            )
        key = endpoint_key(emulator.entra, resource_id)
        base = self.arm_endpoint.rstrip("/")
        return {
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": f"{base}/_imds/{key}",
            "IDENTITY_ENDPOINT": f"{base}/msi/token",
            "IDENTITY_HEADER": key,
        }

    def advance(self, seconds: float) -> int:
        """Move the local Azure's manual clock forward; returns how many operations finished."""
        if self.emulator is not None:
            return int(self.emulator.advance(seconds))
        answer = _admin(
            self.arm_endpoint,
            "/_azrm/clock",
            {"advance": seconds},
            self.client_options.get("connection_verify"),
            key=_admin_key(self.info),
        )
        return int(answer["operations_finished"])

    def set_metric(self, resource_id: Any, metric_name: str, value: float) -> None:
        """Set a synthetic metric of a resource from now on: what the local Azure's autoscale reads.

        ``az.set_metric(vmss.id, "Percentage CPU", 85)`` makes the scale set's CPU 85% until set again;
        then :meth:`advance` (with ``clock="manual"``) or real time lets autoscale see it.
        """
        from .builders._base import resource_ref

        rid = resource_ref(resource_id, "resource_id")
        check_value = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
        if not check_value:
            raise ValidationError("value", value, "a number")
        if self.emulator is not None:
            try:
                self.emulator.set_metric(rid, metric_name, float(value))
            except LookupError:
                raise ValidationError("resource_id", rid, "no such resource in this local Azure") from None
            return
        try:
            _admin(
                self.arm_endpoint,
                "/_azrm/metrics",
                {"resourceId": rid, "metric": metric_name, "value": value},
                self.client_options.get("connection_verify"),
                key=_admin_key(self.info),
            )
        except urllib.error.HTTPError as err:
            if err.code == 404:
                raise ValidationError("resource_id", rid, "no such resource in this local Azure") from None
            raise

    def close(self) -> None:
        """Close the clients and stop the local Azure if this session started it."""
        super().close()
        if self.local is not None:
            self.local.stop()
            self.local = None


def _admin_key(info: dict[str, Any]) -> str | None:
    """Return the admin key of an attached local Azure: from its JSON line, else ``AZRM_LOCAL_ADMIN_KEY``.

    The key is registered as a secret, so no log line shows it.
    """
    key = info.get("admin_key") or os.environ.get("AZRM_LOCAL_ADMIN_KEY")
    _secrets.register(key)
    return key


def _admin(endpoint: str, path: str, body: Any = None, ca: Any = None, *, key: str | None = None) -> dict[str, Any]:
    """Call an admin route of a local Azure on loopback (``key``: the admin key it printed at start)."""
    host = urlsplit(endpoint).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValidationError("AZRM_LOCAL_ENDPOINT", endpoint, "a local Azure listens on loopback (127.0.0.1)")
    context = None
    if endpoint.startswith("https"):
        # Before we know its CA we can only skip verification; loopback keeps that safe.
        context = ssl.create_default_context(cafile=ca) if isinstance(ca, str) else ssl._create_unverified_context()
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        endpoint.rstrip("/") + path,
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json", **({"x-azrm-admin-key": key} if key else {})},
    )
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return dict(json.loads(response.read()))


def _attach_info(value: str) -> dict[str, Any]:
    """Read ``AZRM_LOCAL_ENDPOINT``: the JSON line ``python -m azrm.emulator`` prints, or its URL."""
    text = value.strip()
    if text.startswith("{"):
        return dict(json.loads(text))
    info = _admin(text, "/_azrm/info")
    if not info.get("arm_endpoint"):
        info["arm_endpoint"] = text.rstrip("/")
    return info


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
    **client_options: Any,
) -> LocalSession:
    """Return a session on the local Azure: started here, or attached to (``AZRM_LOCAL_ENDPOINT``).

    By default this starts Azurite and the ARM emulator's HTTPS server, so the SDK takes the same path
    it takes against Azure; ``in_process=True`` skips the server (faster: for tests and notebooks).
    Closing the session (or leaving its ``with`` block) stops what it started.

    :keyword latency: ``instant``, ``realistic``, or a factor of realistic durations (``0.05``).
    :keyword throttle: enforce ARM's request rate limits.
    :keyword rbac: enforce role assignments: a request the caller's roles do not allow gets 403
        ``AuthorizationFailed`` (the session's own service principal is Owner of the subscription).
    :keyword faults: a fault spec such as ``"rate=0.1,seed=7"`` or a :class:`~azrm.emulator.FaultPlan`.
    :keyword clock: ``"manual"`` (or a :class:`~azrm.emulator.ManualClock`) to move time by hand
        (:meth:`LocalSession.advance`).
    :keyword state: SQLite file that keeps the local Azure's state across runs.
    :keyword strict_downloads: fail extensions whose files (a DSC archive, scripts) are on hosts this
        offline machine cannot reach, instead of succeeding with a status saying they were not checked.

    >>> with azrm.local() as az:
    ...     rg = az.new_resource_group("KNRGTest01", "westeurope")
    """
    from .emulator import EmulatorSettings, FaultPlan, Latency, LocalAzure, LocalCredential, ManualClock

    attach = os.environ.get("AZRM_LOCAL_ENDPOINT")
    if attach and not in_process:
        info = _attach_info(attach)
        options: dict[str, Any] = {}
        if info.get("ca_bundle"):
            options["connection_verify"] = info["ca_bundle"]
        elif str(info["arm_endpoint"]).startswith("http://"):
            options["enforce_https"] = False
        credential = LocalCredential.from_info(_sign_in_info(info))
        return _local_session(None, info, options, location, reporter, client_options, credential)

    settings = EmulatorSettings(
        latency=latency if isinstance(latency, Latency) else Latency.parse(str(latency)),
        throttle=throttle,
        rbac=rbac,
        faults=faults if isinstance(faults, FaultPlan) else (FaultPlan.parse(faults) if faults else FaultPlan()),
        seed=seed,
        clock=ManualClock() if clock == "manual" else clock,
        state_path=os.fspath(state) if state is not None else None,
        strict_downloads=strict_downloads,
    )
    started = LocalAzure(settings, blob=blob, http=not in_process).start()
    try:
        return _local_session(
            started, started.info(), started.client_kwargs(), location, reporter, client_options, started.credential()
        )
    except BaseException:
        started.stop()
        raise


def _sign_in_info(info: dict[str, Any]) -> dict[str, Any]:
    """Complete an attached local Azure's facts with the application to sign in as.

    The start line ``python -m azrm.emulator`` prints names it (``client_id``, ``client_secret``);
    given only the URL, azure-identity's variables say it: ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET``.
    """
    out = dict(info)
    out.setdefault("client_id", os.environ.get("AZURE_CLIENT_ID"))
    out.setdefault("client_secret", os.environ.get("AZURE_CLIENT_SECRET"))
    if not out.get("client_id") or not out.get("client_secret"):
        raise ValidationError(
            "AZRM_LOCAL_ENDPOINT",
            info.get("arm_endpoint"),
            "name the application to sign in as: give the whole JSON line the local Azure printed at start, or set "
            "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
        )
    return out


def _local_session(
    started: Any,
    info: dict[str, Any],
    options: dict[str, Any],
    location: str | None,
    reporter: Reporter | None,
    client_options: dict[str, Any],
    credential: Any,
) -> LocalSession:
    from .emulator.credential import local_authentication_policy

    endpoint = options.pop("base_url", info["arm_endpoint"])
    scopes = ["https://management.azure.com/.default"]
    return LocalSession(
        local=started,
        info=info,
        credential=credential,
        subscription_id=info["subscription_id"],
        arm_endpoint=endpoint,
        credential_scopes=scopes,
        client_options={
            **options,
            "authentication_policy": local_authentication_policy(credential, *scopes),
            **client_options,
        },
        location=location,
        reporter=reporter,
        cloud_name="local",
    )
