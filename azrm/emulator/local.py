"""The whole local Azure in one object: Azurite, the ARM emulator and its HTTPS server.

``python -m azrm.emulator`` runs one of these; so will ``azrm.local()``. Tests and scripts can too::

    with LocalAzure() as local:
        client = local.client(ResourceManagementClient)
        client.resource_groups.create_or_update("rg", {"location": "westeurope"})
"""

from __future__ import annotations

import inspect
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from .. import _secrets
from .azurite import Azurite, AzuriteError, BlobPlane
from .containers import ContainerPlane
from .core.engine import Emulator, EmulatorSettings
from .core.server import ArmServer
from .core.tls import make_certificates
from .credential import LocalCredential

__all__ = ["LocalAzure"]

#: what ``info()`` tells the process that started the local Azure but ``/_azrm/info`` never serves
_UNPUBLISHED = ("admin_key", "client_secret")

log = logging.getLogger("azrm.emulator")
C = TypeVar("C")


class LocalAzure:
    """Azurite + emulator + HTTP(S) server, started and stopped together.

    :param settings: the emulator's knobs (latency, throttling, faults, seed, clock, state file).
    :param host: loopback address to listen on.
    :param port: ARM port (0 picks a free one).
    :param tls: serve HTTPS with a generated CA (``ca_bundle``); plain HTTP when ``False``.
    :param blob: run Azurite for storage accounts' endpoints; without it accounts exist in ARM only.
    :param blob_port: Azurite's blob port (0 picks a free one; queue and table ports are always picked).
    :param http: serve ARM over HTTP(S); ``False`` keeps it in-process (clients get an azure-core
        transport into the emulator instead of a URL).
    """

    #: the base URL in-process clients use (any URL works: no socket is opened)
    IN_PROCESS_ENDPOINT = "https://azrm.local"

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = True,
        blob: bool = True,
        blob_port: int = 0,
        http: bool = True,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.host = host
        self.port = port
        self.tls = tls
        self.blob = blob
        self.blob_port = blob_port
        self.http = http
        self.azurite: Azurite | None = None
        self.emulator: Emulator | None = None
        self.server: ArmServer | None = None
        #: the container engine and registries (started on first use; see :mod:`.containers`)
        self.containers: ContainerPlane | None = None
        self._workdir: Path | None = None

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> LocalAzure:
        """Start Azurite (unless ``blob=False``), then the emulator and its server."""
        # Its logs (urllib3 at DEBUG fetching a linked template) would otherwise show SAS signatures.
        _secrets.install()
        self._workdir = Path(tempfile.mkdtemp(prefix="azrm-local-"))
        try:
            plane = None
            if self.blob:
                self.azurite = self._start_azurite()
                plane = BlobPlane(self.azurite)
            certs = make_certificates(self._workdir)
            self.containers = ContainerPlane(self._containers_folder(), certs)
            # the plane is there before the providers' restore() (registries restart on their ports)
            self.emulator = Emulator(self.settings, blob=plane, containers=self.containers)
            _secrets.register(self.emulator.admin_key)
            if self.http:
                tls = certs if self.tls else None
                self.server = ArmServer(self.emulator, host=self.host, port=self.port, tls=tls).start()
            # the admin key is printed at start and kept by the session; /_azrm/info never tells it
            _secrets.register(self.emulator.entra.directory.default_secret)
            self.emulator.published.update({k: v for k, v in self.info().items() if k not in _UNPUBLISHED})
        except BaseException:
            self.stop()
            raise
        log.info("local Azure at %s (subscription %s)", self.arm_endpoint, self.emulator.subscription_id)
        return self

    def _start_azurite(self) -> Azurite:
        """Start Azurite on free ports.

        With a state file its data lives beside the file, and it gets the ports it had last time when
        they are free, so stored endpoints and VHD URLs keep working.
        """
        if not self.settings.state_path:
            return Azurite(host=self.host, blob_port=self.blob_port).start()
        state = Path(self.settings.state_path)
        location = state.with_name(state.name + ".azurite")
        ports_file = location / "azrm-ports.json"
        ports: dict[str, int] = {"blob_port": self.blob_port}
        if ports_file.is_file() and not self.blob_port:
            ports = {k: int(v) for k, v in json.loads(ports_file.read_text()).items()}
        try:
            azurite = Azurite(
                host=self.host,
                location=location,
                blob_port=ports.get("blob_port", 0),
                queue_port=ports.get("queue_port", 0),
                table_port=ports.get("table_port", 0),
            ).start()
        except AzuriteError:
            if ports == {"blob_port": self.blob_port}:
                raise
            log.warning("Azurite could not take its previous ports %s; starting on new ones", ports)
            azurite = Azurite(host=self.host, location=location, blob_port=self.blob_port).start()
        ports_file.write_text(json.dumps({n: getattr(azurite, n) for n in ("blob_port", "queue_port", "table_port")}))
        return azurite

    def _containers_folder(self) -> Path:
        """Beside the state file when there is one (engine and registries survive restarts), else temporary."""
        assert self._workdir is not None
        if self.settings.state_path:
            state = Path(self.settings.state_path)
            return state.with_name(state.name + ".containers")
        return self._workdir / "containers"

    def stop(self) -> None:
        """Stop everything that was started (safe to call twice)."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.emulator is not None:
            self.emulator.close()
        if self.containers is not None:
            self.containers.close(remove=not self.settings.state_path)
            self.containers = None
        if self.azurite is not None:
            self.azurite.stop()
            self.azurite = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> LocalAzure:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need -------------------------------------------------------------------
    def _running(self) -> Emulator:
        if self.emulator is None:
            raise RuntimeError("the local Azure is not running; call start() first")
        return self.emulator

    @property
    def arm_endpoint(self) -> str:
        """Base URL of the ARM endpoint (a placeholder when in-process)."""
        self._running()
        return self.server.endpoint if self.server is not None else self.IN_PROCESS_ENDPOINT

    @property
    def ca_bundle(self) -> str | None:
        """Path of the CA certificate to trust (``None`` without TLS or in-process)."""
        self._running()
        return str(self.server.tls.ca) if self.server is not None and self.server.tls is not None else None

    @property
    def subscription_id(self) -> str:
        """The subscription served."""
        return self._running().subscription_id

    def info(self) -> dict[str, Any]:
        """Return what ``python -m azrm.emulator`` prints: endpoint, ids, CA bundle, Azurite ports, admin key."""
        emulator = self._running()
        return {
            "arm_endpoint": self.arm_endpoint,
            "subscription_id": emulator.subscription_id,
            "tenant_id": emulator.tenant_id,
            "ca_bundle": self.ca_bundle,
            "blob_port": self.azurite.blob_port if self.azurite else None,
            "queue_port": self.azurite.queue_port if self.azurite else None,
            "table_port": self.azurite.table_port if self.azurite else None,
            "admin_key": emulator.admin_key,
            # the default application azrm.local() signs in as (the secret is printed, never served)
            "client_id": emulator.entra.directory.default.app_id,
            "client_secret": emulator.entra.directory.default_secret,
        }

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that point an azure-mgmt client at this local Azure."""
        kwargs: dict[str, Any] = {"base_url": self.arm_endpoint}
        if self.server is None:
            kwargs["transport"] = self._running().transport()
        elif self.ca_bundle:
            kwargs["connection_verify"] = self.ca_bundle
        elif self.arm_endpoint.startswith("http://"):
            kwargs["enforce_https"] = False  # bearer tokens over plain HTTP, on loopback
        return kwargs

    def client(self, client_class: type[C], **kwargs: Any) -> C:
        """Return an azure-mgmt client on this local Azure, e.g. ``local.client(ComputeManagementClient)``."""
        options = {**self.client_kwargs(), **kwargs}
        credential = self.credential()
        if "subscription_id" in inspect.signature(client_class.__init__).parameters:
            return client_class(credential, self.subscription_id, **options)  # type: ignore[call-arg]
        return client_class(credential, **options)  # type: ignore[call-arg]

    def credential(self) -> LocalCredential:
        """Return a credential that signs in to this local Azure's Entra ID as its default application."""
        transport = self._running().transport() if self.server is None else None
        return LocalCredential.from_info(self.info(), transport=transport)
