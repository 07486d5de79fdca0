"""The source document's containers part, in azrm: build, test, commit to a shared repository, deploy.

    python examples/seed_containers.py              # against the local Azure (make demo SCENARIO=containers)
    python examples/seed_containers.py --azure      # against Azure (azrm.connect())

The source document runs Docker on a container host: ``docker images``, ``docker search``,
``docker pull``, ``docker run --name``, ``docker ps -a``, ``docker commit``, and describes images as
layers (an OS image, then the Web-Server role, then the application) and the loop "a new image is
built, tested, committed to a shared repository and deployed". On Azure the shared repository is a
container registry (which also builds images) and the containers run in Azure Container Instances.

This script does that loop with real containers. The images are built with no network at all: the
bottom layer is Debian's static busybox (``sudo apt-get install busybox-static``), copied into an
image ``FROM scratch``; a web layer and an application layer go on top, each built in the registry
(``az acr build``). The application is run, answered on its port, changed, rebuilt, tested in a
second container, tagged as the release and redeployed.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import azrm

RG_NAME = "KNContainers01"
HTTPD = ["/bin/httpd", "-f", "-v", "-p", "8080", "-h", "/www"]  # -v: one log line per request
INSTALL_HINT = "sudo apt-get install podman runc docker-registry busybox-static"


def static_busybox() -> Path:
    """Debian's busybox-static binary (a static binary runs in an image with nothing else in it)."""
    found = shutil.which("busybox")
    if found is None:
        raise SystemExit(f"busybox is not installed; install the container tools: {INSTALL_HINT}")
    data = Path(found).read_bytes()[:4096]
    if b"ld-linux" in data or b"/lib/ld-" in data:
        raise SystemExit(f"{found} is not statically linked; install busybox-static: {INSTALL_HINT}")
    return Path(found)


def write_contexts(folder: Path, busybox: Path) -> dict[str, Path]:
    """The three build folders: the base (OS) layer, the web-server layer, the application layer."""
    base = folder / "base"
    base.mkdir(parents=True)
    shutil.copy(busybox, base / "busybox")
    (base / "Dockerfile").write_text(
        'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n'
    )
    web = folder / "web"
    web.mkdir()
    (web / "Dockerfile").write_text(
        "ARG REGISTRY\n"
        "FROM ${REGISTRY}/base:1\n"
        "RUN mkdir -p /www && echo 'web server layer' > /www/layer.txt\n"
        # ACI's exec runs one executable without arguments: a small script lists the site's files
        "RUN printf '#!/bin/sh\\nls /www\\n' > /bin/site-files && chmod +x /bin/site-files\n"
        'CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]\n'
    )
    app = folder / "app"
    app.mkdir()
    (app / "Dockerfile").write_text("ARG REGISTRY\nFROM ${REGISTRY}/web:1\nCOPY index.html /www/index.html\n")
    return {"base": base, "web": web, "app": app}


def fetch(url: str, timeout: float = 30.0) -> str:
    """GET a page, retrying while the container starts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def images_table(docker: azrm.Docker) -> None:
    """``docker images``: one row per tag, with the layers' sizes."""
    print(f"  {'repository':<10} {'tag':<8} {'digest':<20} {'layers':>6} {'size':>10}")
    for image in docker.images():
        print(f"  {image.repository:<10} {image.tag:<8} {image.digest[:19]:<20} {len(image.layers):>6} "
              f"{image.total_size:>10,}")  # fmt: skip


def ps_table(docker: azrm.Docker, *, all: bool = False) -> None:
    """``docker ps [-a]``."""
    print(f"  {'name':<10} {'status':<14} {'restarts':>8} {'ports':<12} image")
    for c in docker.ps(all=all):
        ports = ",".join(f"{c.address}:{p}" for p in c.ports) or "-"
        print(f"  {c.name:<10} {c.status:<14} {c.restart_count:>8} {ports:<12} {c.image}")


def run(az: Any, *, location: str, registry_name: str, folder: Path) -> None:
    """The loop, on any session."""
    # New-AzResourceGroup; New-AzContainerRegistry (the shared repository, with its admin user)
    rg = az.new_resource_group(RG_NAME, location)
    registry = az.new_container_registry(rg.name, registry_name, sku="Basic", enable_admin_user=True)
    print(f"Registry {registry.name}: login server {registry.login_server}")
    docker = az.docker(rg.name, registry.name)
    contexts = write_contexts(folder, static_busybox())
    args = {"REGISTRY": registry.login_server}

    # The layers: an OS image, the web server on top, the application on top of that (az acr build x3)
    print("\nBuilding the layers in the registry (az acr build):")
    for name, tag in (("base", "base:1"), ("web", "web:1")):
        print(f"  {tag:<10} {docker.build(contexts[name], tag, build_args=args)}")
    (contexts["app"] / "index.html").write_text("<h1>azrm shop</h1><p>version 1</p>\n")
    print(f"  {'app:v1':<10} {docker.build(contexts['app'], 'app:v1', build_args=args)}")

    print("\ndocker images:")
    images_table(docker)
    print(f"\ndocker search web: {docker.search('web')}")

    # docker run --name app -p 8080 app:v1  (New-AzContainerGroup), then test it
    app = docker.run("app:v1", name="app", ports=[8080], command=HTTPD)
    page = fetch(f"http://{app.address}:8080/index.html")
    print(f"\nRunning: http://{app.address}:8080/ answers {page.strip()!r}")
    print(f"docker exec app site-files: {docker.exec('app', 'site-files').split()}")
    print("docker ps:")
    ps_table(docker)

    # docker commit has no Azure equivalent: the change goes into a Dockerfile and is built
    try:
        docker.commit("app", "app:v2")
    except azrm.DockerError as exc:
        print(f"\ndocker commit: {str(exc).split(': ', 1)[1]}")

    # The change: a new image is built, tested in its own container, tagged as the release, deployed
    (contexts["app"] / "index.html").write_text("<h1>azrm shop</h1><p>version 2</p>\n")
    docker.build(contexts["app"], "app:v2", build_args=args)
    test = docker.run("app:v2", name="app-test", ports=[8080], command=HTTPD)
    tested = fetch(f"http://{test.address}:8080/index.html")
    assert "version 2" in tested, tested
    print(f"\nTested app:v2 in app-test: {tested.strip()!r}")
    release = docker.tag("app:v2", "app:release")
    print(f"Committed to the shared repository as {release}")
    docker.rm("app-test")
    deployed = docker.run("app:release", name="app", ports=[8080], command=HTTPD)  # redeploys the group
    print(f"Deployed: http://{deployed.address}:8080/ answers {fetch(f'http://{deployed.address}:8080/').strip()!r}")
    print(f"docker logs app --tail 2:\n{docker.logs('app', tail=2)}")

    # A job: runs once, its exit code is reported (restart policy Never)
    job = docker.run("base:1", name="job", command=["/bin/sh", "-c", "echo checking; exit 3"], restart_policy="Never")
    print(f"job: {job.status}; its output: {docker.logs('job').strip()!r}")

    docker.stop("app")
    print("\ndocker stop app; docker ps -a:")
    ps_table(docker, all=True)
    print("\nResources:")
    for resource in az.list_resources(rg.name):
        print(f"{resource.name:<24} {resource.type:<46} {resource.provisioning_state}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--azure", action="store_true", help="run against Azure (azrm.connect())")
    parser.add_argument("--location", default="westeurope", help="region (default westeurope)")
    parser.add_argument("--registry", help="registry name (default: generated; globally unique on Azure)")
    parser.add_argument("--remove", action="store_true", help="remove the resource group at the end")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("azrm").setLevel(logging.INFO)
    static_busybox()
    if not args.azure:
        from azrm.emulator.distribution import RegistryMissing, find_registry
        from azrm.emulator.podman import EngineMissing, find_podman

        try:
            find_podman()
            find_registry()
        except (EngineMissing, RegistryMissing) as exc:
            print(f"The local Azure runs containers with Podman and the Distribution registry: {exc}", file=sys.stderr)
            return 2
    az = azrm.connect(location=args.location) if args.azure else azrm.local(location=args.location)
    with az, tempfile.TemporaryDirectory(prefix="azrm-containers-") as folder:
        run(az, location=args.location, registry_name=args.registry or "knshop" + secrets.token_hex(4),
            folder=Path(folder))  # fmt: skip
        if args.remove:
            az.remove_resource_group(RG_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
