"""Container groups on the local Azure: the real SDK over HTTPS, real Podman containers behind them.

Skipped with the install hint where Podman, the Distribution registry or busybox-static are missing
(``.ci/run`` installs them, so CI runs all of this).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tarfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerinstance import models as m

import azrm
from azrm.emulator.podman import INSTALL_HINT, EngineMissing, find_podman
from azrm.emulator.providers.containerinstance import ContainerGroupBackend

BUSYBOX = shutil.which("busybox")
IMAGE = "localhost/azrm-web:1"


def _missing() -> str | None:
    try:
        find_podman()
        from azrm.emulator.distribution import find_registry

        find_registry()
    except Exception as exc:  # EngineMissing / RegistryMissing
        return str(exc)
    return None if BUSYBOX else "busybox-static is not installed: " + INSTALL_HINT


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def web_rootfs(folder: Path) -> Path:
    """A root file system with a static busybox and a web page (made with no network)."""
    root = folder / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "www").mkdir()
    assert BUSYBOX is not None
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    for applet in ("sh", "httpd", "echo", "cat", "sleep", "env", "ls", "date"):
        (root / "bin" / applet).symlink_to("busybox")
    (root / "www" / "index.html").write_text("hello from azrm\n")
    archive = folder / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(root, arcname=".")
    return archive


@pytest.fixture(scope="module")
def az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with azrm.local(reporter=azrm.SilentReporter(), blob=False, location="westeurope") as session:
        plane = session.local.containers
        plane.engine.import_rootfs(web_rootfs(tmp_path_factory.mktemp("img")), IMAGE, cmd=["/bin/sh"])
        session.new_resource_group("rg")
        backend = session.emulator.backend(ContainerGroupBackend)
        yield session
        assert backend is not None


def _container(name: str, command: list[str], **kwargs: Any) -> m.Container:
    return m.Container(
        name=name,
        image=kwargs.pop("image", IMAGE),
        command=command,
        resources=m.ResourceRequirements(requests=m.ResourceRequests(cpu=0.5, memory_in_gb=0.5)),
        **kwargs,
    )


def _group(*containers: m.Container, **kwargs: Any) -> m.ContainerGroup:
    return m.ContainerGroup(location="westeurope", os_type="Linux", containers=list(containers), **kwargs)


def _create(az: Any, name: str, group: m.ContainerGroup) -> Any:
    return az.container_instance_client.container_groups.begin_create_or_update("rg", name, group).result()


def _wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


WEB = ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]


def test_create_answers_201_pending_with_an_async_operation_then_runs(az: Any) -> None:
    raw = az.container_instance_client.container_groups._client
    body = {
        "location": "westeurope",
        "properties": {
            "osType": "Linux",
            "containers": [
                {
                    "name": "web",
                    "properties": {
                        "image": IMAGE,
                        "command": WEB,
                        "ports": [{"port": 8080}],
                        "resources": {"requests": {"cpu": 1, "memoryInGB": 1.5}},
                    },
                }
            ],
            "ipAddress": {"type": "Public", "ports": [{"port": 8080}], "dnsNameLabel": "azrm-web-1"},
        },
    }
    from azure.core.rest import HttpRequest

    url = f"{az.arm_endpoint}/subscriptions/{az.subscription_id}/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/web1"
    request = HttpRequest("PUT", url, params={"api-version": "2023-05-01"}, json=body)
    answer = raw.send_request(request)
    assert answer.status_code == 201
    assert "Location" not in answer.headers
    operation = answer.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.ContainerInstance/locations/westeurope/operations/" in operation
    assert operation.endswith("api-version=2018-06-01")
    created = answer.json()
    assert created["properties"]["provisioningState"] == "Pending"
    assert created["properties"]["instanceView"] == {"events": [], "state": "Pending"}
    assert created["properties"]["initContainers"] == [] and created["properties"]["sku"] == "Standard"
    assert "restartPolicy" not in created["properties"]  # no default is added
    assert created["properties"]["containers"][0]["properties"]["environmentVariables"] == []
    status = raw.send_request(HttpRequest("GET", operation)).json()
    assert status["status"] == "Succeeded" and status["id"].endswith("/containerGroups/web1")

    group = az.container_instance_client.container_groups.get("rg", "web1")
    assert group.provisioning_state == "Succeeded"
    assert group.instance_view.state == "Running"
    view = group.containers[0].instance_view
    assert view.current_state.state == "Running" and view.restart_count == 0
    assert [e.name for e in view.events][-2:] == ["Created", "Started"]
    assert group.ip_address.fqdn == "azrm-web-1.westeurope.azurecontainer.io"
    address = group.ip_address.ip
    assert address.startswith("127.")
    page = _wait_for(lambda: _fetch(f"http://{address}:8080/index.html"))
    assert page == "hello from azrm\n"  # the container really serves, on the address ARM gave

    listed = [g for g in az.container_instance_client.container_groups.list_by_resource_group("rg")]
    mine = next(g for g in listed if g.name == "web1")
    assert mine.instance_view is None and mine.containers[0].instance_view is None


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return str(answer.read().decode())
    except OSError:
        return None


def test_secrets_are_used_by_the_container_and_never_answered(az: Any) -> None:
    group = _group(
        _container(
            "job",
            ["/bin/sh", "-c", "echo plain=$PLAIN secret=$SECRET; cat /secrets/token"],
            environment_variables=[
                m.EnvironmentVariable(name="PLAIN", value="visible"),
                m.EnvironmentVariable(name="SECRET", secure_value="s3cr3t-value"),
            ],
            volume_mounts=[m.VolumeMount(name="secrets", mount_path="/secrets")],
        ),
        restart_policy="Never",
        volumes=[m.Volume(name="secrets", secret={"token": "dG9rZW4tdmFsdWU="})],  # "token-value"
    )
    created = _create(az, "secrets1", group)
    text = json.dumps(created.as_dict())
    assert "s3cr3t-value" not in text and "dG9rZW4tdmFsdWU=" not in text
    assert created.volumes[0].secret == {}
    env = {e.name: (e.value, e.secure_value) for e in created.containers[0].environment_variables}
    assert env == {"PLAIN": ("visible", None), "SECRET": (None, None)}
    logs = _wait_for(lambda: az.get_container_instance_log("rg", "secrets1", "job"))
    assert logs == "plain=visible secret=s3cr3t-value\ntoken-value"


def test_restart_policy_never_reports_the_real_exit_code(az: Any) -> None:
    _create(az, "never1", _group(_container("job", ["/bin/sh", "-c", "echo failing; exit 3"]), restart_policy="Never"))

    def terminated() -> Any:
        group = az.get_container_group("rg", "never1")
        return group if group.containers[0].instance_view.current_state.state == "Terminated" else None

    group = _wait_for(terminated)
    state = group.containers[0].instance_view.current_state
    assert state.exit_code == 3 and state.detail_status == "Error" and state.finish_time is not None
    assert group.instance_view.state == "Failed"
    assert group.provisioning_state == "Succeeded"  # as in Azure: the deployment worked, the job failed
    assert az.get_container_instance_log("rg", "never1", "job") == "failing\n"


def test_restart_policy_on_failure_restarts_with_back_off(az: Any) -> None:
    backend = az.emulator.backend(ContainerGroupBackend)
    _create(
        az,
        "onfail1",
        _group(
            _container("job", ["/bin/sh", "-c", "cat /proc/sys/kernel/random/uuid; exit 2"]), restart_policy="OnFailure"
        ),
    )
    assert backend.supervisor is not None
    backend.supervisor.backoff_first = 0.3  # ACI waits 10 s before the first restart; tests do not
    try:
        group = _wait_for(lambda: _restarted(az, "onfail1", 2), timeout=30)
    finally:
        backend.supervisor.backoff_first = 10.0
    view = group.containers[0].instance_view
    assert view.restart_count >= 2
    assert view.previous_state.state == "Terminated" and view.previous_state.exit_code == 2
    runs = az.get_container_instance_log("rg", "onfail1", "job").split()
    assert len(runs) >= 3 and len(set(runs)) == len(runs)  # each run really printed its own (random) line


def _restarted(az: Any, name: str, count: int) -> Any:
    group = az.get_container_group("rg", name)
    return group if group.containers[0].instance_view.restart_count >= count else None


def test_restart_policy_on_failure_leaves_a_success_alone(az: Any) -> None:
    _create(az, "onfail2", _group(_container("job", ["/bin/sh", "-c", "echo done"]), restart_policy="OnFailure"))
    group = _wait_for(lambda: _state_is(az, "onfail2", "Succeeded"))
    assert group.containers[0].instance_view.current_state.exit_code == 0
    assert group.containers[0].instance_view.restart_count == 0


def _state_is(az: Any, name: str, state: str) -> Any:
    group = az.get_container_group("rg", name)
    return group if group.instance_view.state == state else None


def test_the_supervisor_backs_off_like_aci() -> None:
    from azrm.emulator.providers.containerinstance.runtime import Supervisor

    supervisor = Supervisor.__new__(Supervisor)
    supervisor.backoff_first, supervisor.backoff_max = 10.0, 300.0
    assert [supervisor.delay(n) for n in range(7)] == [10, 20, 40, 80, 160, 300, 300]


def test_logs_tail_and_timestamps_are_the_engines(az: Any) -> None:
    _create(
        az,
        "logs1",
        _group(_container("job", ["/bin/sh", "-c", "echo one; echo two; echo three"]), restart_policy="Never"),
    )
    assert _wait_for(lambda: az.get_container_instance_log("rg", "logs1", "job") == "one\ntwo\nthree\n")
    assert az.get_container_instance_log("rg", "logs1", "job", tail=1) == "three\n"
    stamped = az.get_container_instance_log("rg", "logs1", "job", timestamp=True).splitlines()
    assert len(stamped) == 3 and stamped[0].endswith(" one") and stamped[0][:4].isdigit()
    with pytest.raises(HttpResponseError) as err:
        az.get_container_instance_log("rg", "logs1", "nosuch")
    assert err.value.status_code == 404


def test_stop_start_and_restart(az: Any) -> None:
    _create(az, "life1", _group(_container("web", WEB)))
    az.stop_container_group("rg", "life1")
    group = az.get_container_group("rg", "life1")
    assert group.instance_view.state == "Stopped"
    state = group.containers[0].instance_view.current_state
    assert state.state == "Terminated" and state.detail_status == "Container stopped per client request"
    assert group.containers[0].instance_view.previous_state.state == "Running"
    assert "Killing" in [e.name for e in group.containers[0].instance_view.events]

    az.start_container_group("rg", "life1")
    group = az.get_container_group("rg", "life1")
    assert group.instance_view.state == "Running"
    raw = az.container_instance_client.container_groups._client
    from azure.core.rest import HttpRequest

    url = f"{az.arm_endpoint}/subscriptions/{az.subscription_id}/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/life1/start"
    again = raw.send_request(HttpRequest("POST", url, params={"api-version": "2023-05-01"}))
    assert again.status_code == 204 and "Azure-AsyncOperation" not in again.headers  # already running

    az.restart_container_group("rg", "life1")
    group = az.get_container_group("rg", "life1")
    assert group.provisioning_state == "Succeeded" and group.instance_view.state == "Running"
    assert group.containers[0].instance_view.restart_count == 1


def test_exec_runs_the_command_in_the_container(az: Any) -> None:
    _create(az, "exec1", _group(_container("web", WEB)))
    assert "www" in az.invoke_container_instance_command("rg", "exec1", "web", "ls").split()
    # as in ACI, the command is one executable with no arguments: "ls /www" is an executable that does not exist
    assert "ls /www" in az.invoke_container_instance_command("rg", "exec1", "web", "ls /www")
    answer = az.container_instance_client.containers.execute_command(
        "rg", "exec1", "web", m.ContainerExecRequest(command="ls")
    )
    assert answer.web_socket_uri.startswith("wss://127.0.0.1:") and answer.password


def test_images_this_offline_machine_cannot_pull_wait_and_say_why(az: Any) -> None:
    created = _create(
        az, "offline1", _group(_container("hello", [], image="mcr.microsoft.com/azuredocs/aci-helloworld"))
    )
    assert created.provisioning_state == "Succeeded"  # the control plane behaves as Azure's
    view = az.get_container_group("rg", "offline1").containers[0].instance_view
    assert view.current_state.state == "Waiting"
    message = view.events[-1].message
    assert "mcr.microsoft.com" in message and "offline" in message and view.events[-1].type == "Warning"


def test_a_windows_group_is_kept_but_not_executed(az: Any) -> None:
    group = _group(_container("win", [], image="mcr.microsoft.com/windows/servercore/iis"))
    group.os_type = "Windows"
    _create(az, "windows1", group)
    found = az.get_container_group("rg", "windows1")
    assert found.containers[0].instance_view.current_state.state == "Waiting"
    assert "Windows containers cannot run on this Linux host" in found.containers[0].instance_view.events[0].message
    assert found.instance_view.state == "Pending"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda g: setattr(g, "ip_address", m.IpAddress(type="Public", ports=[])), 400, "MissingIpAddressPorts"),
        (
            lambda g: setattr(g.containers[0].resources, "limits", m.ResourceLimits(cpu=0.25, memory_in_gb=0.5)),
            400,
            "ResourceLimitsLessThanRequests",
        ),
        (
            lambda g: setattr(g.containers[0].resources, "requests", m.ResourceRequests(cpu=5, memory_in_gb=1)),
            409,
            "ServiceUnavailable",
        ),
        (lambda g: setattr(g.containers[0], "name", "Bad_Name"), 400, "InvalidContainerName"),
        (lambda g: setattr(g.containers[0].resources, "requests", None), 400, "ResourceRequestsNotSpecified"),
        (lambda g: setattr(g, "os_type", "Solaris"), 400, "InvalidOsType"),
    ],
)
def test_what_aci_refuses_is_refused_with_its_code(az: Any, change: Any, status: int, code: str) -> None:
    group = _group(_container("web", WEB))
    change(group)
    writes = az.emulator.requests_by_method["PUT"]
    with pytest.raises(HttpResponseError) as err:
        _create(az, "refused1", group)
    assert err.value.status_code == status and err.value.error.code == code
    assert az.emulator.requests_by_method["PUT"] == writes + 1
    with pytest.raises(HttpResponseError):
        az.get_container_group("rg", "refused1")  # nothing was kept


def test_a_dns_label_is_unique_in_its_region(az: Any) -> None:
    ip = m.IpAddress(type="Public", ports=[m.Port(port=8080)], dns_name_label="azrm-taken-1")
    _create(az, "dns1", _group(_container("web", WEB), ip_address=ip))
    with pytest.raises(HttpResponseError) as err:
        _create(az, "dns2", _group(_container("web", WEB), ip_address=ip))
    assert "not available" in str(err.value.message)


def test_private_registry_images_need_the_image_and_good_credentials(az: Any) -> None:
    plane = az.local.containers
    registry = plane.start_registry("acitestreg", admin=("acitestreg", "admin-pass"))
    engine = plane.engine
    engine.tag(IMAGE, f"{registry.address}/team/web:v1")
    engine.push(f"{registry.address}/team/web:v1", credentials=plane.service_credentials(), cert_dir=plane.cert_dir)

    def group(image: str, password: str) -> m.ContainerGroup:
        return _group(
            _container("web", WEB, image=image),
            image_registry_credentials=[
                m.ImageRegistryCredential(server=registry.address, username="acitestreg", password=password)
            ],
        )

    for image, password in (
        (f"{registry.address}/team/web:v2", "admin-pass"),
        (f"{registry.address}/team/web:v1", "wrong"),
    ):
        with pytest.raises(HttpResponseError) as err:
            _create(az, "private1", group(image, password))
        assert err.value.status_code == 400 and err.value.error.code == "InaccessibleImage"
        assert err.value.error.message == (
            f"The image '{image}' in container group 'private1' is not accessible. "
            "Please check the image and registry credential."
        )
    created = _create(az, "private1", group(f"{registry.address}/team/web:v1", "admin-pass"))
    assert created.image_registry_credentials[0].password is None
    view = az.get_container_group("rg", "private1").containers[0].instance_view
    assert [e.name for e in view.events][:2] == ["Pulling", "Pulled"]
    assert view.current_state.state == "Running"


def test_delete_answers_the_group_and_removes_its_pod(az: Any) -> None:
    _create(az, "gone1", _group(_container("web", WEB)))
    backend = az.emulator.backend(ContainerGroupBackend)
    record = az.emulator.store.get(az.get_container_group("rg", "gone1").id)
    pod = backend.runtime().pod_name(record)
    deleted = az.remove_container_group("rg", "gone1")
    assert deleted.name == "gone1"
    assert not any(
        p.get("Name") == pod for p in az.local.containers.engine.pods(f"azrm.local={az.local.containers.id}")
    )
    assert az.remove_container_group("rg", "gone1") is None


def test_a_local_azure_with_state_brings_its_groups_back(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with azrm.local(reporter=azrm.SilentReporter(), blob=False, state=state, location="westeurope") as first:
        first.local.containers.engine.import_rootfs(web_rootfs(tmp_path), IMAGE, cmd=["/bin/sh"])
        first.new_resource_group("rg")
        created = _create(
            first,
            "kept1",
            _group(_container("web", WEB), ip_address=m.IpAddress(type="Public", ports=[m.Port(port=8080)])),
        )
        address = created.ip_address.ip
    with azrm.local(reporter=azrm.SilentReporter(), blob=False, state=state, location="westeurope") as second:
        group = second.get_container_group("rg", "kept1")
        assert group.instance_view.state == "Running" and group.ip_address.ip == address
        assert _wait_for(lambda: _fetch(f"http://{address}:8080/index.html")) == "hello from azrm\n"


def test_without_podman_container_groups_say_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("AZRM_PODMAN", raising=False)
    with pytest.raises(EngineMissing):
        find_podman()
    with azrm.local(reporter=azrm.SilentReporter(), blob=False, location="westeurope") as az:
        az.new_resource_group("rg")
        with pytest.raises(HttpResponseError) as err:
            _create(az, "nopodman", _group(_container("web", WEB)))
        assert err.value.status_code == 409 and err.value.error.code == "ContainerEngineUnavailable"
        assert "apt-get install podman" in err.value.error.message
        assert az.get_resource_group("rg").name == "rg"  # everything else works as before


def test_what_cannot_change_in_place_asks_for_delete_and_create(az: Any) -> None:
    _create(az, "update1", _group(_container("web", WEB)))
    bigger = _group(_container("web", WEB))
    bigger.containers[0].resources.requests.cpu = 1.0
    with pytest.raises(HttpResponseError) as err:
        _create(az, "update1", bigger)
    assert err.value.status_code == 400 and "you must delete it first" in str(err.value.error.message)
    tagged = _group(_container("web", WEB))
    tagged.tags = {"env": "test"}
    assert _create(az, "update1", tagged).tags == {"env": "test"}  # other changes are applied


def test_a_group_deleted_while_being_created_leaves_no_pod(tmp_path: Path) -> None:
    # with a latency the create is still running when the delete comes: it must not start a pod afterwards
    with azrm.local(reporter=azrm.SilentReporter(), blob=False, location="westeurope", latency=1.0) as slow:
        slow.local.containers.engine.import_rootfs(web_rootfs(tmp_path), IMAGE, cmd=["/bin/sh"])
        slow.new_resource_group("rg")
        groups = slow.container_instance_client.container_groups
        poller = groups.begin_create_or_update("rg", "early1", _group(_container("web", WEB)))
        assert poller.status() != "Succeeded"
        groups.begin_delete("rg", "early1").result()
        with contextlib.suppress(HttpResponseError):
            poller.result()  # its final GET finds nothing, as on Azure
        time.sleep(1.2)
        slow.get_resource_group("rg")  # a request: due operations are settled
        plane = slow.local.containers
        assert plane.engine.pods(f"azrm.local={plane.id}") == []


def test_init_containers_run_first_and_their_secrets_stay_theirs(az: Any) -> None:
    init = _container(
        "prepare",
        ["/bin/sh", "-c", "echo prepared-with-$TOKEN > /work/ready"],
        environment_variables=[m.EnvironmentVariable(name="TOKEN", secure_value="init-only")],
        volume_mounts=[m.VolumeMount(name="work", mount_path="/work")],
    )
    main = _container(
        "prepare",  # the same name as the init container: their secure values must not mix
        ["/bin/sh", "-c", "cat /work/ready; echo token=$TOKEN"],
        volume_mounts=[m.VolumeMount(name="work", mount_path="/work")],
    )
    group = _group(main, restart_policy="Never", volumes=[m.Volume(name="work", empty_dir={})])
    group.init_containers = [m.InitContainerDefinition(
        name=init.name, image=init.image, command=init.command,
        environment_variables=init.environment_variables, volume_mounts=init.volume_mounts,
    )]  # fmt: skip
    _create(az, "init1", group)
    assert _wait_for(lambda: az.get_container_instance_log("rg", "init1", "prepare")) == (
        "prepared-with-init-only\ntoken=\n"
    )
    found = az.get_container_group("rg", "init1")
    assert found.init_containers[0].instance_view.current_state.exit_code == 0


def test_extension_protected_settings_are_never_answered(az: Any) -> None:
    from azure.core.rest import HttpRequest

    body = {
        "location": "westeurope",
        "properties": {
            "osType": "Linux",
            "containers": [
                {"name": "web", "properties": {"image": IMAGE, "command": WEB,
                                               "resources": {"requests": {"cpu": 0.5, "memoryInGB": 0.5}}}}
            ],
            "extensions": [
                {"name": "kube", "properties": {"extensionType": "kube-proxy", "version": "1.0",
                                                "settings": {"a": 1}, "protectedSettings": {"kubeConfig": "c2VjcmV0"}}}
            ],
        },
    }  # fmt: skip
    url = (f"{az.arm_endpoint}/subscriptions/{az.subscription_id}/resourceGroups/rg/providers/"
           "Microsoft.ContainerInstance/containerGroups/ext1")  # fmt: skip
    raw = az.container_instance_client.container_groups._client
    answer = raw.send_request(HttpRequest("PUT", url, params={"api-version": "2023-05-01"}, json=body))
    assert answer.status_code == 201 and "c2VjcmV0" not in answer.text()
    got = raw.send_request(HttpRequest("GET", url, params={"api-version": "2023-05-01"}))
    assert "c2VjcmV0" not in got.text() and got.json()["properties"]["extensions"][0]["properties"]["settings"] == {
        "a": 1
    }
