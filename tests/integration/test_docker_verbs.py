"""The Docker verbs (azrm.Docker) over a real registry and real container groups of the local Azure."""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import azrm

from .test_container_instances import BUSYBOX, _missing

pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")
HTTPD = ["/bin/httpd", "-f", "-v", "-p", "8080", "-h", "/www"]


@pytest.fixture(scope="module")
def docker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, azrm.Docker, Path]]:
    folder = tmp_path_factory.mktemp("contexts")
    base = folder / "base"
    base.mkdir()
    assert BUSYBOX is not None
    shutil.copy(BUSYBOX, base / "busybox")
    (base / "Dockerfile").write_text(
        'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n'
    )
    with azrm.local(reporter=azrm.SilentReporter(), blob=True, location="westeurope") as az:
        az.new_resource_group("rg")
        az.new_container_registry("rg", "verbsregistry", sku="Basic", enable_admin_user=True)
        verbs = az.docker("rg", "verbsregistry")
        verbs.build(base, "base:1")
        yield az, verbs, folder


def _site(folder: Path, text: str) -> Path:
    site = folder / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text(text)
    (site / "Dockerfile").write_text(
        "ARG REGISTRY\nFROM ${REGISTRY}/base:1\nCOPY index.html /www/index.html\n"
        "RUN printf '#!/bin/sh\\ncat /www/index.html\\n' > /bin/show-page && chmod +x /bin/show-page\n"
    )
    return site


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.read().decode())


def test_build_images_search_and_layers(docker: tuple[Any, azrm.Docker, Path]) -> None:
    _, verbs, folder = docker
    reference = verbs.build(_site(folder, "v1\n"), "site:v1", build_args={"REGISTRY": verbs.login_server})
    assert reference == f"{verbs.login_server}/site:v1"
    rows = {(i.repository, i.tag): i for i in verbs.images()}
    assert {("base", "1"), ("site", "v1")} <= set(rows)
    base, site = rows[("base", "1")], rows[("site", "v1")]
    assert len(site.layers) == len(base.layers) + 2  # the page and the script: two layers on top of the base
    assert site.layers[: len(base.layers)] == base.layers and site.total_size > base.total_size
    assert site.digest.startswith("sha256:")
    assert verbs.search("sit") == ["site"] and verbs.search("nothing") == []


def test_run_ps_logs_exec_tag_stop_rm(docker: tuple[Any, azrm.Docker, Path]) -> None:
    _, verbs, folder = docker
    verbs.build(_site(folder, "v2\n"), "site:v2", build_args={"REGISTRY": verbs.login_server})
    running = verbs.run("site:v2", name="site", ports=[8080], command=HTTPD)
    assert running.state == "Running" and running.status == "Up" and running.ports == (8080,)
    assert _get(f"http://{running.address}:8080/index.html") == "v2\n"
    assert verbs.exec("site", "show-page") == "v2\n"  # one executable, no arguments, as ACI runs it
    assert "response:200" in verbs.logs("site")  # httpd -v logged the request above
    assert [c.name for c in verbs.ps()] == ["site"]

    release = verbs.tag("site:v2", "site:release")
    assert release == f"{verbs.login_server}/site:release"
    tags = {i.tag: i.digest for i in verbs.images() if i.repository == "site"}
    assert tags["release"] == tags["v2"]  # the same image, under the release tag

    job = verbs.run("base:1", name="job", command=["/bin/sh", "-c", "echo job ran; exit 4"], restart_policy="Never")
    assert job.state == "Terminated" and job.status == "Exited (4)"
    assert verbs.logs("job") == "job ran\n"
    verbs.stop("site")
    assert verbs.ps() == []
    assert {c.name: c.state for c in verbs.ps(all=True)} == {"site": "Terminated", "job": "Terminated"}
    verbs.start("site")
    assert [c.name for c in verbs.ps()] == ["site"]
    verbs.rm("site")
    verbs.rm("job")
    assert verbs.ps(all=True) == []


def test_commit_says_why_not_and_what_instead(docker: tuple[Any, azrm.Docker, Path]) -> None:
    _, verbs, _ = docker
    with pytest.raises(azrm.DockerError, match=r"cannot turn a running container into an image.*Docker\.build"):
        verbs.commit("site", "site:v3")


def test_run_of_an_image_that_cannot_start_says_why(docker: tuple[Any, azrm.Docker, Path]) -> None:
    _, verbs, _ = docker
    with pytest.raises(azrm.DockerError, match=r"cannot pull from 'mcr\.microsoft\.com'"):
        verbs.run("mcr.microsoft.com/azuredocs/aci-helloworld:latest", name="hello", ports=[80], timeout=10)
    verbs.rm("hello")


def test_bad_input_is_refused_before_any_request(docker: tuple[Any, azrm.Docker, Path]) -> None:
    az, verbs, _ = docker
    writes = az.emulator.requests_by_method["PUT"]
    with pytest.raises(azrm.ValidationError, match="name"):
        verbs.run("base:1", name="Bad_Name")
    with pytest.raises(azrm.ValidationError, match="image"):
        verbs.run("Base:1", name="ok")
    with pytest.raises(azrm.ValidationError, match="registry it comes from"):
        verbs.pull("team/app:1")
    assert az.emulator.requests_by_method["PUT"] == writes


def test_pull_brings_an_image_from_another_registry(docker: tuple[Any, azrm.Docker, Path]) -> None:
    az, verbs, folder = docker
    az.new_container_registry("rg", "upstreamregistry", sku="Basic", enable_admin_user=True)
    upstream = az.docker("rg", "upstreamregistry")
    upstream.build(_site(folder, "from upstream\n"), "shared/site:1", build_args={"REGISTRY": verbs.login_server})
    pulled = verbs.pull(f"{upstream.login_server}/shared/site:1")
    assert pulled == f"{verbs.login_server}/shared/site:1"
    digests = {(i.repository, i.tag): i.digest for i in verbs.images()}
    assert (
        digests[("shared/site", "1")]
        == {(i.repository, i.tag): i.digest for i in upstream.images()}[("shared/site", "1")]
    )
