"""The real container engine (Podman) and registry (Distribution) the local Azure drives.

These run only where the Debian packages are installed (``.ci/run`` installs them); elsewhere each
test is skipped with the install hint, which is what the local Azure tells users too.
"""

from __future__ import annotations

import shutil
import socket
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from azrm.emulator.core.tls import make_certificates
from azrm.emulator.distribution import Distribution, RegistryMissing, find_registry
from azrm.emulator.podman import INSTALL_HINT, EngineError, EngineMissing, Mount, Podman, find_podman

BUSYBOX = shutil.which("busybox")


def _have() -> str | None:
    try:
        find_podman()
        find_registry()
    except (EngineMissing, RegistryMissing) as exc:
        return str(exc)
    if BUSYBOX is None:
        return "busybox-static is not installed: " + INSTALL_HINT
    return None


pytestmark = pytest.mark.skipif(_have() is not None, reason=_have() or "")


def _rootfs(folder: Path) -> Path:
    """A root file system holding a static busybox and a web page, made with no network."""
    root = folder / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "www").mkdir()
    assert BUSYBOX is not None
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    for applet in ("sh", "httpd", "echo", "cat", "sleep", "env"):
        (root / "bin" / applet).symlink_to("busybox")
    (root / "www" / "index.html").write_text("hello from azrm\n")
    archive = folder / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(root, arcname=".")
    return archive


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    folder = tmp_path_factory.mktemp("engine")
    podman = Podman(folder / "podman")
    podman.import_rootfs(_rootfs(folder), "localhost/azrm-busybox:1", cmd=["/bin/sh"])
    yield podman
    podman.remove_labelled("azrm.test=1")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Distribution, str]:
    folder = tmp_path_factory.mktemp("registry")
    certs = make_certificates(folder / "tls")
    reg = Distribution(folder / "data", cert=certs.cert, key=certs.key)
    reg.set_users({"azrmservice": "service-pass", "myregistry": "admin-pass"})
    reg.start()
    (folder / "certd").mkdir()
    shutil.copy(certs.ca, folder / "certd" / "ca.crt")
    yield reg, str(folder / "certd")
    reg.remove()


def _get(url: str, cafile: str | None = None, timeout: float = 5) -> str:
    import ssl

    ctx = ssl.create_default_context(cafile=cafile) if cafile else None
    with urllib.request.urlopen(url, timeout=timeout, context=ctx) as resp:
        return resp.read().decode()


def test_a_container_runs_and_its_output_is_the_engines(engine: Podman) -> None:
    engine.create_pod("azrm-t-echo", labels={"azrm.test": "1"})
    engine.create_container(
        "azrm-t-echo-c",
        "localhost/azrm-busybox:1",
        pod="azrm-t-echo",
        command=["/bin/sh", "-c", "echo out-$GREETING; exit 3"],
        env={"GREETING": "secret-value-xyz"},
    )
    engine.start("azrm-t-echo-c")
    for _ in range(100):
        [state] = engine.inspect("azrm-t-echo-c")
        if state["State"]["Status"] == "exited":
            break
        time.sleep(0.05)
    assert state["State"]["ExitCode"] == 3
    assert engine.logs("azrm-t-echo-c").strip() == "out-secret-value-xyz"
    assert "secret-value-xyz" not in " ".join(state.get("Args") or [])
    engine.remove_pod("azrm-t-echo")
    assert engine.inspect("azrm-t-echo-c") == []


def test_a_pod_publishes_its_port_on_its_own_loopback_address(engine: Podman, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "page.html").write_text("mounted page\n")
    engine.create_pod("azrm-t-web", publish=[f"127.0.0.1:{port}:80/tcp"], labels={"azrm.test": "1"})
    engine.create_container(
        "azrm-t-web-c",
        "localhost/azrm-busybox:1",
        pod="azrm-t-web",
        command=["/bin/httpd", "-f", "-p", "80", "-h", "/www"],
        mounts=[Mount(tmp_path, "/www/extra", read_only=True)],
    )
    engine.start("azrm-t-web-c")
    body = ""
    for _ in range(50):
        try:
            body = _get(f"http://127.0.0.1:{port}/")
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    assert body == "hello from azrm\n"
    assert _get(f"http://127.0.0.1:{port}/extra/page.html") == "mounted page\n"
    code, out = engine.exec("azrm-t-web-c", ["/bin/cat", "/www/index.html"])
    assert (code, out) == (0, "hello from azrm\n")
    engine.remove_pod("azrm-t-web")


def test_push_and_pull_through_the_registry_need_its_users(engine: Podman, registry: tuple[Distribution, str]) -> None:
    registry, cert_dir = registry
    ref = f"{registry.address}/samples/busybox:v1"
    engine.tag("localhost/azrm-busybox:1", ref)
    with pytest.raises(EngineError, match=r"unauthorized|authentication required"):
        engine.push(ref, credentials={registry.address: ("myregistry", "wrong")}, cert_dir=cert_dir)
    digest = engine.push(ref, credentials={registry.address: ("myregistry", "admin-pass")}, cert_dir=cert_dir)
    assert digest.startswith("sha256:")
    engine.remove_image(ref)
    assert not engine.image_exists(ref)
    engine.pull(ref, credentials={registry.address: ("azrmservice", "service-pass")}, cert_dir=cert_dir)
    assert engine.image_exists(ref)


def test_the_registry_speaks_tls_and_basic_auth(registry: tuple[Distribution, str]) -> None:
    registry, cert_dir = registry
    import base64
    import ssl

    ca = str(Path(cert_dir) / "ca.crt")
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(f"https://{registry.address}/v2/", cafile=ca)
    assert info.value.code == 401
    req = urllib.request.Request(f"https://{registry.address}/v2/_catalog")
    req.add_header("Authorization", "Basic " + base64.b64encode(b"myregistry:admin-pass").decode())
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca), timeout=5) as resp:
        assert resp.status == 200


def test_changing_users_restarts_the_registry_on_its_port(registry: tuple[Distribution, str]) -> None:
    registry, cert_dir = registry
    import base64
    import ssl

    port = registry.port
    registry.set_users({"azrmservice": "service-pass", "myregistry": "rotated"})
    assert registry.running and registry.port == port
    ca = str(Path(cert_dir) / "ca.crt")
    ctx = ssl.create_default_context(cafile=ca)
    for password, expected in (("admin-pass", 401), ("rotated", 200)):
        req = urllib.request.Request(f"https://{registry.address}/v2/")
        req.add_header("Authorization", "Basic " + base64.b64encode(f"myregistry:{password}".encode()).decode())
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
                status = resp.status
        except urllib.error.HTTPError as err:
            status = err.code
        assert status == expected
    registry.set_users({"azrmservice": "service-pass", "myregistry": "admin-pass"})


def test_a_missing_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("AZRM_PODMAN", raising=False)
    with pytest.raises(EngineMissing, match="apt-get install podman"):
        Podman(tmp_path / "x")


def test_the_local_azure_starts_containers_only_when_asked_and_cleans_up(tmp_path: Path) -> None:
    from azrm.emulator import LocalAzure
    from azrm.emulator.containers import LABEL

    with LocalAzure(blob=False, http=False) as local:
        plane = local.containers
        assert plane is not None and plane._engine is None  # nothing started until used
        assert local.emulator is not None and local.emulator.containers is plane
        address = plane.group_address("/subscriptions/s/resourceGroups/rg/providers/x/containerGroups/g")
        assert address.startswith("127.") and address == plane.group_address(
            "/SUBSCRIPTIONS/s/resourceGroups/RG/providers/x/containerGroups/G"
        )
        registry = plane.start_registry("myregistry", admin=("myregistry", "pw-1"))
        assert registry.running
        engine = plane.engine
        archive = _rootfs(tmp_path)
        engine.import_rootfs(archive, f"{registry.address}/app:v1", cmd=["/bin/sh"])
        engine.push(f"{registry.address}/app:v1", credentials=plane.service_credentials(), cert_dir=plane.cert_dir)
        engine.create_pod("azrm-plane-test", labels={LABEL: plane.id})
        assert len(engine.pods(f"{LABEL}={plane.id}")) == 1
        plane.close()  # what stopping the local Azure does first
        assert not registry.running
        assert engine.pods(f"{LABEL}={plane.id}") == []  # its pods went with it
        folder = plane.folder
    assert not folder.exists()  # no state file: nothing kept


def test_a_local_azure_with_state_keeps_its_registry_data(tmp_path: Path) -> None:
    from azrm.emulator import EmulatorSettings, LocalAzure

    settings = EmulatorSettings(state_path=str(tmp_path / "state.db"))
    with LocalAzure(settings, blob=False, http=False) as local:
        assert local.containers is not None
        registry = local.containers.start_registry("keepme")
        engine = local.containers.engine
        engine.import_rootfs(_rootfs(tmp_path), f"{registry.address}/kept:v1", cmd=["/bin/sh"])
        engine.push(
            f"{registry.address}/kept:v1",
            credentials=local.containers.service_credentials(),
            cert_dir=local.containers.cert_dir,
        )
        port = registry.port
    with LocalAzure(settings, blob=False, http=False) as local:
        assert local.containers is not None
        registry = local.containers.start_registry("keepme", port=port)
        engine = local.containers.engine
        engine.remove_image(f"{registry.address}/kept:v1")
        engine.pull(
            f"{registry.address}/kept:v1",
            credentials=local.containers.service_credentials(),
            cert_dir=local.containers.cert_dir,
        )
        assert engine.image_exists(f"{registry.address}/kept:v1")
