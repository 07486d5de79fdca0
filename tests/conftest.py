"""Shared fixtures.

Integration tests take the ``azure`` fixture: SDK clients on a fresh emulator, once through the
in-process transport and once through the real HTTPS server (moto runs its suite both ways too).
One Azurite process serves the whole session; each test's storage accounts are removed from it
afterwards.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from azrm.emulator import Emulator, EmulatorSettings, LocalCredential
from azrm.emulator.azurite import Azurite, BlobPlane
from azrm.emulator.core.server import ArmServer
from azrm.emulator.core.tls import Certificates, make_certificates
from azrm.emulator.credential import local_authentication_policy

LOCATION = "westeurope"


# -- the corpus gate's table (tests/corpus): every worker's rows reach the controller in user_properties --
_CORPUS_ROWS: list[Any] = []


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` afresh (a new module each call), for the scenarios' functions."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == "corpus_row":
            from tests.corpus.corpus import Row

            _CORPUS_ROWS.append(Row(**json.loads(str(value))))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.corpus.corpus import CORPUS, available, table

    if not available():
        terminalreporter.write_line(f"corpus conformance: skipped ({CORPUS} is not beside this checkout)")
        return
    if _CORPUS_ROWS:
        terminalreporter.section("corpus conformance")
        for line in table(_CORPUS_ROWS):
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    az = Azurite(location=tmp_path_factory.mktemp("azurite")).start()
    yield az
    az.stop()


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def http_server(certs: Certificates) -> Iterator[ArmServer]:
    """One HTTPS server for the session; each test points it at its own emulator."""
    server = ArmServer(Emulator(), tls=certs).start()
    yield server
    server.stop()


@dataclass
class Azure:
    """SDK clients bound to one emulator through one way in."""

    emu: Emulator
    mode: str
    server: ArmServer | None = None
    ca: str | None = None
    _clients: dict[Any, Any] = field(default_factory=dict)

    @property
    def sub(self) -> str:
        return self.emu.subscription_id

    def client_kwargs(self) -> dict[str, Any]:
        if self.mode == "inprocess":
            return {"base_url": "https://azrm.local", "transport": self.emu.transport()}
        assert self.server is not None
        self.server.emulator = self.emu
        return {"base_url": self.server.endpoint, "connection_verify": self.ca}

    def credential(self) -> LocalCredential:
        """Return a credential signing in to the emulator's Entra ID (its default application)."""
        if self.mode == "inprocess":
            return LocalCredential.for_emulator(self.emu)
        assert self.server is not None
        self.server.emulator = self.emu
        app = self.emu.entra.directory.default
        secret = self.emu.entra.directory.default_secret
        return LocalCredential(self.server.endpoint, self.emu.tenant_id, app.app_id, secret, connection_verify=self.ca)

    def token(self, principal: Any = None, audience: str = "https://management.azure.com") -> str:
        """Return an access token the emulator accepts (for raw requests)."""
        return self.emu.entra.issue_token(principal, audience)

    def client(self, cls: Any, **kwargs: Any) -> Any:
        """Return an SDK client signed in as the default application (signing in again when the manual clock
        has moved past its token's expiry, as azrm's sessions do)."""
        credential = self.credential()
        kwargs.setdefault(
            "authentication_policy",
            local_authentication_policy(credential, "https://management.azure.com/.default"),
        )
        if "subscription_id" in inspect.signature(cls.__init__).parameters:
            return cls(credential, self.sub, **self.client_kwargs(), **kwargs)
        return cls(credential, **self.client_kwargs(), **kwargs)

    def _cached(self, cls: Any) -> Any:
        if cls not in self._clients:
            self._clients[cls] = self.client(cls)
        return self._clients[cls]

    @property
    def resources(self) -> ResourceManagementClient:
        return self._cached(ResourceManagementClient)

    @property
    def storage(self) -> StorageManagementClient:
        return self._cached(StorageManagementClient)

    @property
    def network(self) -> NetworkManagementClient:
        return self._cached(NetworkManagementClient)

    @property
    def compute(self) -> ComputeManagementClient:
        return self._cached(ComputeManagementClient)

    @property
    def monitor(self) -> MonitorManagementClient:
        return self._cached(MonitorManagementClient)

    @property
    def deployments(self) -> DeploymentsMgmtClient:
        return self._cached(DeploymentsMgmtClient)

    def raw(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """Send a request through an SDK pipeline (auth, retries) to ``path``; returns the response."""
        from azure.core.rest import HttpRequest

        base = self.client_kwargs()["base_url"]
        headers = self.emu.admin_headers() if path.startswith("/_azrm/") else None
        request = HttpRequest(method, base + path, json=body, headers=headers)
        return self.resources._client.send_request(request, **kwargs)

    def path(self, rg: str, provider_type: str, name: str, api_version: str) -> str:
        """URL path of a resource, with its api-version."""
        return f"{self.rid(rg, provider_type, name)}?api-version={api_version}"

    def rid(self, rg: str, provider_type: str, name: str) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{rg}/providers/{provider_type}/{name}"


def _cleanup_azurite(emu: Emulator) -> None:
    if emu.blob is None:
        return
    for record in emu.store.of_type("Microsoft.Storage/storageAccounts"):
        emu.blob.unregister(record.name)


@pytest.fixture(params=["inprocess", "http"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_azure(
    request: pytest.FixtureRequest, azurite: Azurite, mode: str, certs: Certificates
) -> Iterator[Callable[..., Azure]]:
    """Build an ``Azure`` with custom settings: ``make_azure(EmulatorSettings(...), blob=True)``."""
    made: list[Emulator] = []

    def make(settings: EmulatorSettings | None = None, *, blob: bool = True) -> Azure:
        emu = Emulator(settings or EmulatorSettings(), blob=BlobPlane(azurite) if blob else None)
        made.append(emu)
        server = request.getfixturevalue("http_server") if mode == "http" else None
        return Azure(emu, mode, server, str(certs.ca))

    yield make
    for emu in made:
        _cleanup_azurite(emu)
        emu.close()


@pytest.fixture
def azure(make_azure: Callable[..., Azure]) -> Azure:
    return make_azure()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Names that are unique across the session (storage account names are global in Azurite)."""

    def make(prefix: str) -> str:
        return f"{prefix}{secrets.token_hex(4)}"

    return make


# -- building blocks most tests need --------------------------------------------------------------
def make_group(azure: Azure, name: str = "rg1", location: str = LOCATION) -> Any:
    return azure.resources.resource_groups.create_or_update(name, {"location": location})


def make_vnet(
    azure: Azure,
    rg: str = "rg1",
    name: str = "vnet1",
    *,
    prefix: str = "10.0.0.0/16",
    subnets: dict[str, str] | None = None,
    location: str = LOCATION,
) -> Any:
    subnets = subnets if subnets is not None else {"default": "10.0.0.0/24"}
    body = {
        "location": location,
        "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()],
        },
    }
    return azure.network.virtual_networks.begin_create_or_update(rg, name, body).result()


def make_nic(
    azure: Azure,
    subnet_id: str,
    rg: str = "rg1",
    name: str = "nic1",
    *,
    pip_id: str | None = None,
    private_ip: str | None = None,
    location: str = LOCATION,
) -> Any:
    props: dict[str, Any] = {"subnet": {"id": subnet_id}}
    if pip_id:
        props["publicIPAddress"] = {"id": pip_id}
    if private_ip:
        props["privateIPAddress"] = private_ip
        props["privateIPAllocationMethod"] = "Static"
    body = {"location": location, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": props}]}}
    return azure.network.network_interfaces.begin_create_or_update(rg, name, body).result()


def windows_vm_body(
    nic_id: str,
    *,
    name: str = "vm1",
    vhd_uri: str | None = None,
    size: str = "Standard_A2",
    password: str = "Str0ng!Passw0rd",
    location: str = LOCATION,
    **extra: Any,
) -> dict[str, Any]:
    os_disk: dict[str, Any] = {"createOption": "FromImage", "name": f"{name}osDisk"}
    if vhd_uri:
        os_disk["vhd"] = {"uri": vhd_uri}
    body: dict[str, Any] = {
        "location": location,
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "osProfile": {"computerName": name, "adminUsername": "knadmin", "adminPassword": password},
            "storageProfile": {
                "imageReference": {
                    "publisher": "MicrosoftWindowsServer",
                    "offer": "WindowsServer",
                    "sku": "2016-Datacenter",
                    "version": "latest",
                },
                "osDisk": os_disk,
            },
            "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        },
    }
    body["properties"].update(extra)
    return body


@dataclass
class Stack:
    """A group with a vnet, subnet, public IP and NIC: what a VM needs."""

    rg: str
    vnet: Any
    subnet_id: str
    pip: Any
    nic: Any


@pytest.fixture
def stack(azure: Azure) -> Stack:
    make_group(azure)
    vnet = make_vnet(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip1", {"location": LOCATION}).result()
    nic = make_nic(azure, vnet.subnets[0].id, pip_id=pip.id)
    return Stack("rg1", vnet, vnet.subnets[0].id, pip, nic)


# -- the library on the same emulator --------------------------------------------------------------
def session_on(azure: Azure) -> Any:
    """Return an ``azrm`` session on ``azure``'s emulator, through its way in (in-process or HTTPS)."""
    from azrm.progress import SilentReporter
    from azrm.session import LocalSession

    options = azure.client_kwargs()
    return LocalSession(
        credential=azure.credential(),
        subscription_id=azure.sub,
        arm_endpoint=options.pop("base_url"),
        credential_scopes=["https://management.azure.com/.default"],
        client_options=options,
        location=LOCATION,
        reporter=SilentReporter(),
        cloud_name="local",
        # in-process, the emulator's knobs are reached directly; over HTTPS, through its admin routes
        emulator=azure.emu if azure.mode == "inprocess" else None,
        info={"admin_key": azure.emu.admin_key},
    )


@pytest.fixture
def lib(azure: Azure) -> Iterator[Any]:
    """An ``azrm`` session on the test's emulator, through the test's way in (in-process or HTTPS)."""
    session = session_on(azure)
    yield session
    session.close()


WINDOWS_PASSWORD = "S3cure!Passw0rd"


@dataclass
class Seed:
    """The seed scenario's resources up to the NIC, made with the library."""

    rg: Any
    storage: Any
    pip: Any
    vnet: Any
    nic: Any


@pytest.fixture
def seed(lib: Any, unique: Callable[[str], str]) -> Seed:
    import azrm

    rg = lib.new_resource_group("KNRGTest01", LOCATION)
    storage = lib.new_storage_account(rg.name, unique("knstor"), location=rg.location)
    pip = lib.new_public_ip_address(rg.name, "vmvNic", location=rg.location, allocation_method="Dynamic")
    subnet = azrm.new_virtual_network_subnet_config("Subnet1", address_prefix="10.0.0.0/24")
    vnet = lib.new_virtual_network(
        rg.name, "KNVnet01", location=rg.location, address_prefix="10.0.0.0/16", subnet=[subnet]
    )
    nic = lib.new_network_interface(
        rg.name, "vmvNic", location=rg.location, subnet_id=vnet.subnets[0].id, public_ip_address_id=pip.id
    )
    return Seed(rg, storage, pip, vnet, nic)


def seed_vm_config(
    nic_id: str, vhd_uri: str | None = None, name: str = "KNVM01", password: str = WINDOWS_PASSWORD
) -> Any:
    import azrm

    vm = (
        azrm.new_vm_config(name, "Standard_A2")
        .set_operating_system(windows=True, computer_name=name, credential=azrm.Credential("knadmin", password))
        .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2012-R2-Datacenter")
        .add_network_interface(nic_id)
    )
    return vm.set_os_disk(name=f"{name}osDisk", vhd_uri=vhd_uri) if vhd_uri else vm
