"""Container Instances builders: Azure's rules checked at once, secrets hidden, SDK models out."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from pydantic import SecretStr

from azrm import _secrets
from azrm.builders.containers import (
    ContainerConfig,
    ContainerGroupConfig,
    ContainerGroupPort,
    ContainerPort,
    ContainerProbe,
    EnvironmentVariable,
    new_container_group_image_registry_credential_object,
    new_container_group_port_object,
    new_container_group_volume_object,
    new_container_instance_environment_variable_object,
    new_container_instance_object,
    new_container_instance_port_object,
    new_container_instance_volume_mount_object,
)
from azrm.container_rules import (
    container_group_name_problem,
    container_name_problem,
    cpu_problem,
    dns_name_label_problem,
    image_problem,
    memory_in_gb_problem,
    port_problem,
)
from azrm.errors import ValidationError

SECRET = "Sup3r-Secret-Value-42"
PASSWORD = "Registry-Passw0rd-77"
KEY = "c3RvcmFnZS1hY2NvdW50LWtleS1mb3ItdGVzdHM="
DIGEST = "sha256:" + "a" * 64


def web(**changes: Any) -> ContainerConfig:
    kwargs: dict[str, Any] = {"port": [80]}
    kwargs.update(changes)
    return new_container_instance_object("web", "nginx:1.27", **kwargs)


def group(*containers: ContainerConfig, **changes: Any) -> ContainerGroupConfig:
    return ContainerGroupConfig("hello", location="westeurope", containers=containers or (web(),), **changes)


# -- the rules, as tables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a", True),
        ("hello", True),
        ("my-group-1", True),
        ("0abc", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("", False),
        ("Hello", False),
        ("-hello", False),
        ("hello-", False),
        ("hel--lo", False),
        ("hel_lo", False),
        ("hel.lo", False),
        ("héllo", False),
    ],
)
def test_container_group_names(name: str, ok: bool) -> None:
    assert (container_group_name_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("web", True),
        ("w", True),
        ("web-1", True),
        ("web--1", True),  # ACI's container regex allows '--' (group names do not)
        ("1web", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("", False),
        ("Web", False),
        ("-web", False),
        ("web-", False),
        ("web_1", False),
    ],
)
def test_container_names(name: str, ok: bool) -> None:
    assert (container_name_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("hello", True),
        ("hello-app-1", True),
        ("a" * 63, True),
        ("abcd", False),
        ("a" * 64, False),
        ("1hello", False),
        ("hello-", False),
        ("Hello", False),
        ("hel_lo", False),
    ],
)
def test_dns_name_labels(label: str, ok: bool) -> None:
    assert (dns_name_label_problem(label) is None) is ok


@pytest.mark.parametrize(
    "image",
    [
        "nginx",
        "nginx:1.27",
        "nginx:latest",
        "library/nginx",
        "mcr.microsoft.com/azuredocs/aci-helloworld",
        "mcr.microsoft.com/azuredocs/aci-helloworld:v1",
        "myregistry.azurecr.io/team/app:v1.2.3-rc_1",
        "localhost/app",
        "localhost:5000/app:dev",
        "registry.example.com:443/a/b/c",
        "[::1]:5000/app",
        "my_app",
        "my__app",
        "my.app",
        "my---app",
        f"nginx@{DIGEST}",
        f"nginx:1.27@{DIGEST}",
        f"mcr.microsoft.com/azuredocs/aci-helloworld:v1@{DIGEST}",
        "nginx:" + "t" * 128,
        "Registry.Example.com/app",  # a registry host may have capitals
    ],
)
def test_valid_images(image: str) -> None:
    assert image_problem(image) is None


@pytest.mark.parametrize(
    ("image", "words"),
    [
        ("", "give an image"),
        (" nginx", "give an image"),
        ("Nginx", "lowercase"),
        ("library/Nginx", "lowercase"),
        ("nginx:", "tag"),
        ("nginx:.hidden", "tag"),
        ("nginx:-dash", "tag"),
        ("nginx:" + "t" * 129, "tag"),
        ("nginx:a/b", "registry"),  # as in Docker, "nginx:a" before a "/" is a registry with a bad port
        ("nginx@sha256:abc", "digest"),
        ("nginx@sha256:" + "g" * 64, "digest"),
        ("nginx@:" + "a" * 64, "digest"),
        ("-nginx", "repository path"),
        ("nginx-", "repository path"),
        ("my_-app", "repository path"),
        ("a//b", "repository path"),
        ("my.registry.io/", "repository path"),
        ("-bad-.io/app", "registry"),
        ("my.registry.io:port/app", "registry"),
        ("a" * 256, "at most 255"),
    ],
)
def test_invalid_images(image: str, words: str) -> None:
    problem = image_problem(image)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    ("cpu", "ok"),
    [
        (0.5, True),
        (1, True),
        (1.25, True),
        (4, True),
        (0, False),
        (-1, False),
        (4.5, False),
        (float("nan"), False),
        (True, False),
        ("1", False),
    ],
)
def test_cpu(cpu: Any, ok: bool) -> None:
    assert (cpu_problem(cpu) is None) is ok


@pytest.mark.parametrize(
    ("memory", "ok"),
    [
        (0.1, True),
        (1.5, True),
        (0.3, True),
        (16, True),
        (3.7, True),
        (0, False),
        (-1.5, False),
        (1.25, False),
        (16.1, False),
        (float("inf"), False),
    ],
)
def test_memory(memory: Any, ok: bool) -> None:
    assert (memory_in_gb_problem(memory) is None) is ok


@pytest.mark.parametrize(
    ("port", "ok"),
    [(1, True), (80, True), (65535, True), (0, False), (65536, False), (-1, False), (80.0, False), (True, False)],
)
def test_ports(port: Any, ok: bool) -> None:
    assert (port_problem(port) is None) is ok


# -- small objects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "normalised"), [("tcp", "TCP"), ("TCP", "TCP"), ("Udp", "UDP"), ("udp", "UDP")])
def test_protocols_are_normalised(given: str, normalised: str) -> None:
    assert new_container_instance_port_object(80, protocol=given).protocol == normalised
    assert new_container_group_port_object(80, protocol=given).protocol == normalised


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: new_container_instance_port_object(0), "port"),
        (lambda: new_container_instance_port_object(70000), "port"),
        (lambda: new_container_instance_port_object(80, protocol="SCTP"), "protocol"),
        (lambda: new_container_group_port_object(0), "port"),
        (lambda: new_container_group_port_object(80, protocol="http"), "protocol"),
    ],
)
def test_bad_ports_name_the_field(call: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        call()
    assert err.value.field == field


def test_port_objects_to_sdk() -> None:
    assert new_container_instance_port_object(53, protocol="udp").to_sdk().serialize() == {
        "port": 53,
        "protocol": "UDP",
    }
    assert new_container_group_port_object(80).to_sdk().serialize() == {"port": 80, "protocol": "TCP"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "environment_variable.name"),
        ({"name": "  "}, "environment_variable.name"),
        ({"name": "A=B"}, "environment_variable.name"),
        ({"name": "A", "value": "x", "secure_value": SECRET}, "environment_variable.secure_value"),
    ],
)
def test_bad_environment_variables(kwargs: dict[str, Any], field: str) -> None:
    name = kwargs.pop("name")
    with pytest.raises(ValidationError) as err:
        new_container_instance_environment_variable_object(name, **kwargs)
    assert err.value.field == field
    assert SECRET not in str(err.value)


def test_secure_environment_variable_is_hidden_everywhere_but_the_sdk_model(caplog: pytest.LogCaptureFixture) -> None:
    var = new_container_instance_environment_variable_object("API_KEY", secure_value=SECRET)
    container = web(environment_variable=[var])
    for text in (repr(var), str(var), repr(container), str(container), repr(group(container))):
        assert SECRET not in text
    assert isinstance(var.secure_value, SecretStr)
    model = var.to_sdk()
    assert model.secure_value == SECRET and model.value is None
    body = container.to_sdk().serialize()
    assert body["properties"]["environmentVariables"] == [{"name": "API_KEY", "secureValue": SECRET}]
    assert _secrets.is_registered(SECRET)
    with caplog.at_level(logging.INFO):
        logging.getLogger("azrm.test").info("sending %s", SECRET)
    assert SECRET not in caplog.text


def test_secure_value_as_secretstr_and_of_the_wrong_type() -> None:
    assert (
        new_container_instance_environment_variable_object("K", secure_value=SecretStr(SECRET)).to_sdk().secure_value
        == SECRET
    )
    with pytest.raises(ValidationError) as err:
        new_container_instance_environment_variable_object("K", secure_value=12345678)  # type: ignore[arg-type]
    assert err.value.field == "secure_value" and "12345678" not in str(err.value)


def test_plain_environment_variable() -> None:
    var = new_container_instance_environment_variable_object("MODE", value="prod")
    assert var.to_sdk().serialize() == {"name": "MODE", "value": "prod"}


def test_registry_credential_hides_the_password() -> None:
    cred = new_container_group_image_registry_credential_object(
        "myregistry.azurecr.io", username="me", password=PASSWORD
    )
    assert PASSWORD not in repr(cred) and PASSWORD not in str(cred)
    assert cred.to_sdk().serialize() == {"server": "myregistry.azurecr.io", "username": "me", "password": PASSWORD}
    assert _secrets.is_registered(PASSWORD)


@pytest.mark.parametrize(
    ("server", "kwargs", "field"),
    [
        ("https://myregistry.azurecr.io", {"username": "me", "password": PASSWORD}, "image_registry_credential.server"),
        ("myregistry.azurecr.io/path", {"username": "me", "password": PASSWORD}, "image_registry_credential.server"),
        ("", {"username": "me", "password": PASSWORD}, "image_registry_credential.server"),
        ("myregistry.azurecr.io", {"username": "me"}, "image_registry_credential"),
        ("myregistry.azurecr.io", {"password": PASSWORD}, "image_registry_credential"),
        ("myregistry.azurecr.io", {"username": "me", "password": ""}, "image_registry_credential"),
    ],
)
def test_bad_registry_credentials(server: str, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        new_container_group_image_registry_credential_object(server, **kwargs)
    assert err.value.field == field
    assert PASSWORD not in str(err.value)


def test_registry_credential_with_an_identity() -> None:
    identity = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull"
    cred = new_container_group_image_registry_credential_object("myregistry.azurecr.io", identity=identity)
    assert cred.to_sdk().identity == identity and cred.to_sdk().password is None


def test_volume_mount() -> None:
    mount = new_container_instance_volume_mount_object("data", "/mnt/data", read_only=True)
    assert mount.to_sdk().serialize() == {"name": "data", "mountPath": "/mnt/data", "readOnly": True}
    with pytest.raises(ValidationError) as err:
        new_container_instance_volume_mount_object("data", "")
    assert err.value.field == "volume_mount.mount_path"


# -- volumes ---------------------------------------------------------------------------------------


def test_volume_kinds_to_sdk() -> None:
    empty = new_container_group_volume_object("scratch", empty_dir=True)
    assert empty.kind == "empty_dir" and empty.to_sdk().serialize() == {"name": "scratch", "emptyDir": {}}
    git = new_container_group_volume_object(
        "src",
        git_repo_repository_url="https://github.com/Azure-Samples/aci-helloworld",
        git_repo_directory_name="app",
        git_repo_revision="abc123",
    )
    assert git.to_sdk().serialize() == {
        "name": "src",
        "gitRepo": {
            "directory": "app",
            "repository": "https://github.com/Azure-Samples/aci-helloworld",
            "revision": "abc123",
        },
    }
    share = new_container_group_volume_object(
        "files",
        azure_file_share_name="share",
        azure_file_storage_account_name="knstor5050",
        azure_file_storage_account_key=KEY,
        azure_file_read_only=True,
    )
    assert KEY not in repr(share)
    assert share.to_sdk().serialize() == {
        "name": "files",
        "azureFile": {
            "shareName": "share",
            "readOnly": True,
            "storageAccountName": "knstor5050",
            "storageAccountKey": KEY,
        },
    }


def test_secret_volume_encodes_bytes_checks_text_and_hides_both() -> None:
    encoded = base64.b64encode(b"hello secret file").decode()
    volume = new_container_group_volume_object("secrets", secret={"b.txt": b"hello secret file", "a.txt": encoded})
    assert encoded not in repr(volume) and "hello secret file" not in repr(volume)
    assert volume.to_sdk().secret == {"a.txt": encoded, "b.txt": encoded}
    with pytest.raises(ValidationError) as err:
        new_container_group_volume_object("secrets", secret={"a.txt": "not base64 at all!"})
    assert err.value.field == "secret['a.txt']" and "not base64" not in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "volume"),
        ({"empty_dir": True, "git_repo_repository_url": "https://x"}, "volume"),
        ({"secret": {"": base64.b64encode(b"x").decode()}}, "volume.secret"),
        ({"secret": {"a/b": base64.b64encode(b"x").decode()}}, "volume.secret"),
        ({"git_repo_repository_url": ""}, "git_repo_repository_url"),
        ({"git_repo_repository_url": "https://x", "git_repo_directory_name": "../up"}, "git_repo_directory_name"),
        ({"git_repo_repository_url": "https://x", "git_repo_directory_name": "a/../b"}, "git_repo_directory_name"),
        (
            {
                "azure_file_share_name": "s",
                "azure_file_storage_account_name": "Bad_Name",
                "azure_file_storage_account_key": KEY,
            },
            "azure_file_storage_account_name",
        ),
        (
            {"azure_file_share_name": "s", "azure_file_storage_account_name": "knstor5050"},
            "azure_file_storage_account_key",
        ),
        (
            {"azure_file_storage_account_name": "knstor5050", "azure_file_storage_account_key": KEY},
            "azure_file_share_name",
        ),
    ],
)
def test_bad_volumes(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        new_container_group_volume_object("vol", **kwargs)
    assert err.value.field == field
    assert KEY not in str(err.value)


# -- containers ------------------------------------------------------------------------------------


def test_container_defaults_mirror_the_cmdlet() -> None:
    container = new_container_instance_object("web", "nginx")
    assert (container.request_cpu, container.request_memory_in_gb) == (1.0, 1.5)
    assert container.to_sdk().serialize() == {
        "name": "web",
        "properties": {"image": "nginx", "resources": {"requests": {"memoryInGB": 1.5, "cpu": 1.0}}},
    }


def test_container_to_sdk_round_trip() -> None:
    probe = ContainerProbe(
        http_get_port=80,
        http_get_path="/healthz",
        http_get_scheme="HTTP",
        http_get_headers={"X-Probe": "1"},
        period_seconds=10,
    )
    ready = ContainerProbe(exec_command=["cat", "/tmp/ready"], initial_delay_seconds=0)
    container = new_container_instance_object(
        "web",
        "mcr.microsoft.com/azuredocs/aci-helloworld:v1",
        request_cpu=0.5,
        request_memory_in_gb=0.7,
        limit_cpu=1,
        limit_memory_in_gb=1.0,
        port=[80, new_container_instance_port_object(5000, protocol="udp")],
        command=["/bin/sh", "-c", "node server.js"],
        environment_variable={"MODE": "prod"},
        volume_mount=[new_container_instance_volume_mount_object("data", "/mnt/data")],
        liveness_probe=probe,
        readiness_probe=ready,
    )
    body = container.to_sdk().serialize()
    props = body["properties"]
    assert props["command"] == ["/bin/sh", "-c", "node server.js"]
    assert props["ports"] == [{"port": 80, "protocol": "TCP"}, {"port": 5000, "protocol": "UDP"}]
    assert props["environmentVariables"] == [{"name": "MODE", "value": "prod"}]
    assert props["resources"] == {
        "requests": {"memoryInGB": 0.7, "cpu": 0.5},
        "limits": {"memoryInGB": 1.0, "cpu": 1.0},
    }
    assert props["volumeMounts"] == [{"name": "data", "mountPath": "/mnt/data", "readOnly": False}]
    assert props["livenessProbe"] == {
        "httpGet": {
            "path": "/healthz",
            "port": 80,
            "scheme": "http",
            "httpHeaders": [{"name": "X-Probe", "value": "1"}],
        },
        "periodSeconds": 10,
    }
    assert props["readinessProbe"] == {"exec": {"command": ["cat", "/tmp/ready"]}, "initialDelaySeconds": 0}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "Web"}, "container.name"),
        ({"name": "web_1"}, "container.name"),
        ({"image": "Nginx"}, "image"),
        ({"image": "nginx:bad tag"}, "image"),
        ({"request_cpu": 0}, "request_cpu"),
        ({"request_cpu": 8}, "request_cpu"),
        ({"request_memory_in_gb": 1.25}, "request_memory_in_gb"),
        ({"request_memory_in_gb": 0}, "request_memory_in_gb"),
        ({"request_memory_in_gb": 32}, "request_memory_in_gb"),
        ({"limit_cpu": 0.5}, "limit_cpu"),  # below the request of 1
        ({"limit_memory_in_gb": 1.0}, "limit_memory_in_gb"),  # below the request of 1.5
        ({"limit_memory_in_gb": 2.55}, "limit_memory_in_gb"),
        ({"port": [0]}, "port"),
        ({"port": 80}, "port"),
        ({"port": [80, 80]}, "port"),
        ({"port": ["80"]}, "port"),
        ({"command": "echo hi"}, "command"),
        ({"command": ["echo", 1]}, "command"),
        (
            {
                "environment_variable": [
                    EnvironmentVariable(name="A", value="1"),
                    EnvironmentVariable(name="A", value="2"),
                ]
            },
            "environment_variable.name",
        ),
        ({"environment_variable": ["A=1"]}, "environment_variable"),
        (
            {
                "volume_mount": [
                    new_container_instance_volume_mount_object("a", "/m"),
                    new_container_instance_volume_mount_object("b", "/m"),
                ]
            },
            "volume_mount.mount_path",
        ),
    ],
)
def test_bad_containers(kwargs: dict[str, Any], field: str) -> None:
    args = {"name": "web", "image": "nginx"} | kwargs
    with pytest.raises(ValidationError) as err:
        new_container_instance_object(args.pop("name"), args.pop("image"), **args)
    assert err.value.field == field
    assert isinstance(err.value, ValueError) and err.value.rule


def test_duplicate_environment_variable_error_does_not_show_the_secure_value() -> None:
    a = new_container_instance_environment_variable_object("TOKEN", secure_value=SECRET)
    b = new_container_instance_environment_variable_object("TOKEN", secure_value=SECRET + "x")
    with pytest.raises(ValidationError) as err:
        web(environment_variable=[a, b])
    assert err.value.value == "TOKEN" and SECRET not in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "probe"),
        ({"exec_command": ["true"], "http_get_port": 80}, "probe"),
        ({"http_get_port": 0}, "probe.http_get_port"),
        ({"exec_command": ["true"], "http_get_path": "/x"}, "probe.http_get_path"),
        ({"http_get_port": 80, "http_get_scheme": "ftp"}, "http_get_scheme"),
        ({"http_get_port": 80, "period_seconds": 0}, "probe.period_seconds"),
        ({"http_get_port": 80, "initial_delay_seconds": -1}, "probe.initial_delay_seconds"),
        ({"exec_command": "cat /tmp/healthy"}, "exec_command"),
    ],
)
def test_bad_probes(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        ContainerProbe(**kwargs)
    assert err.value.field == field


def test_builders_are_frozen_and_evolve_rechecks() -> None:
    container = web()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        container.image = "redis"  # type: ignore[misc]
    bigger = container.evolve(request_cpu=2.0)
    assert container.request_cpu == 1.0 and bigger.request_cpu == 2.0
    with pytest.raises(ValidationError) as err:
        container.evolve(image="Not Valid")
    assert err.value.field == "image"


def test_direct_construction_applies_the_same_rules() -> None:
    assert ContainerPort(port=80, protocol="udp").protocol == "UDP"
    with pytest.raises(ValidationError):
        ContainerConfig(name="web", image="nginx", ports=[70000])


# -- groups ----------------------------------------------------------------------------------------


def test_group_ports_are_derived_from_the_containers_when_omitted() -> None:
    a = web(port=[80, new_container_instance_port_object(53, protocol="udp")])
    b = new_container_instance_object("sidecar", "busybox", port=[8080, 80], request_cpu=0.5, request_memory_in_gb=0.5)
    config = group(a, b, ip_address_type="Public", dns_name_label="hello-app")
    body = config.to_sdk().serialize()
    assert body["properties"]["ipAddress"]["ports"] == [
        {"port": 80, "protocol": "TCP"},
        {"port": 53, "protocol": "UDP"},
        {"port": 8080, "protocol": "TCP"},
    ]
    assert body["properties"]["ipAddress"]["type"] == "Public"
    assert body["properties"]["ipAddress"]["dnsNameLabel"] == "hello-app"


def test_a_group_port_no_container_exposes_is_accepted_as_azure_accepts_it() -> None:
    # ACI does not refuse it (its troubleshooting docs: the address then does not answer on that port)
    a = ContainerConfig(name="web", image="nginx", ports=[80])
    body = ContainerGroupConfig("g", location="westeurope", containers=[a], ip_address_type="Public", ports=[8080])
    assert body.to_sdk().ip_address.ports[0].port == 8080


def test_group_ports_given_explicitly() -> None:
    a = web(port=[80, 443])
    body = group(a, ip_address_type="public", ports=[443]).to_sdk().serialize()
    assert body["properties"]["ipAddress"]["ports"] == [{"port": 443, "protocol": "TCP"}]
    assert (
        group(a, ip_address_type="Private", ports=[ContainerGroupPort(port=80)]).to_sdk().ip_address.type == "Private"
    )


def test_group_without_an_ip_address() -> None:
    body = group(ip_address_type="None").to_sdk().serialize()
    assert "ipAddress" not in body["properties"]
    assert group().ip_address_ports == ()


def test_full_group_to_sdk_round_trip() -> None:
    secure = new_container_instance_environment_variable_object("TOKEN", secure_value=SECRET)
    mount = new_container_instance_volume_mount_object("data", "/mnt/data")
    container = web(environment_variable=[secure], volume_mount=[mount])
    config = group(
        container,
        os_type="linux",
        restart_policy="onfailure",
        ip_address_type="Public",
        image_registry_credentials=[
            new_container_group_image_registry_credential_object(
                "myregistry.azurecr.io", username="me", password=PASSWORD
            )
        ],
        volumes=[new_container_group_volume_object("data", empty_dir=True)],
        tags={"env": "test"},
        sku="standard",
    )
    text = repr(config) + str(config)
    assert SECRET not in text and PASSWORD not in text
    model = config.to_sdk()
    body = model.serialize()
    assert body["location"] == "westeurope" and body["tags"] == {"env": "test"}
    props = body["properties"]
    assert (props["osType"], props["restartPolicy"], props["sku"]) == ("Linux", "OnFailure", "Standard")
    assert props["imageRegistryCredentials"] == [
        {"server": "myregistry.azurecr.io", "username": "me", "password": PASSWORD}
    ]
    assert props["volumes"] == [{"name": "data", "emptyDir": {}}]
    assert props["containers"][0]["properties"]["environmentVariables"] == [{"name": "TOKEN", "secureValue": SECRET}]
    from azure.mgmt.containerinstance.models import ContainerGroup

    assert ContainerGroup.deserialize(body).containers[0].environment_variables[0].secure_value == SECRET


@pytest.mark.parametrize(
    ("containers", "kwargs", "field"),
    [
        (None, {"name": "Hello"}, "name"),
        (None, {"name": "hel--lo"}, "name"),
        (None, {"location": " "}, "location"),
        ((), {}, "containers"),
        (None, {"os_type": "macos"}, "os_type"),
        (None, {"restart_policy": "sometimes"}, "restart_policy"),
        (None, {"ip_address_type": "internet"}, "ip_address_type"),
        (None, {"sku": "premium"}, "sku"),
        (None, {"ports": [80]}, "ports"),  # no ip_address_type
        (None, {"dns_name_label": "hello-app"}, "dns_name_label"),  # no ip_address_type
        (None, {"ip_address_type": "Private", "dns_name_label": "hello-app"}, "dns_name_label"),
        (None, {"ip_address_type": "Public", "dns_name_label": "1bad"}, "dns_name_label"),
        (None, {"ip_address_type": "Public", "ports": [80, 80]}, "ports"),
        (None, {"ip_address_type": "Public", "ports": []}, "ports"),
        (("no-ports",), {"ip_address_type": "Public"}, "ports"),  # nothing to derive
        (("web", "web"), {}, "container.name"),
        (("web", "sidecar"), {"os_type": "Windows"}, "containers"),
        (("big", "big2"), {}, "request_cpu"),
        (("mem", "mem2"), {}, "request_memory_in_gb"),
        (("greedy", "sidecar"), {}, "limit_cpu"),
        (("mounts-missing",), {}, "volume_mount.name"),
        (
            None,
            {
                "volumes": [
                    new_container_group_volume_object("v", empty_dir=True),
                    new_container_group_volume_object("v", empty_dir=True),
                ]
            },
            "volume.name",
        ),
        (
            None,
            {
                "image_registry_credentials": [
                    new_container_group_image_registry_credential_object(
                        "r.azurecr.io", username="a", password=PASSWORD
                    ),
                    new_container_group_image_registry_credential_object(
                        "R.azurecr.io", username="b", password=PASSWORD
                    ),
                ]
            },
            "image_registry_credential.server",
        ),
    ],
)
def test_bad_groups(containers: tuple[str, ...] | None, kwargs: dict[str, Any], field: str) -> None:
    catalogue = {
        "web": web(),
        "sidecar": new_container_instance_object("sidecar", "busybox", request_cpu=0.5, request_memory_in_gb=0.5),
        "no-ports": new_container_instance_object("no-ports", "busybox"),
        "big": new_container_instance_object("big", "busybox", request_cpu=3),
        "big2": new_container_instance_object("big2", "busybox", request_cpu=2),
        "mem": new_container_instance_object("mem", "busybox", request_memory_in_gb=10),
        "mem2": new_container_instance_object("mem2", "busybox", request_memory_in_gb=7),
        "greedy": new_container_instance_object("greedy", "busybox", request_cpu=1, limit_cpu=2),
        "mounts-missing": new_container_instance_object(
            "mounts-missing", "busybox", volume_mount=[new_container_instance_volume_mount_object("nope", "/mnt")]
        ),
    }
    chosen = (web(),) if containers is None else tuple(catalogue[n] for n in containers)
    args: dict[str, Any] = {"name": "hello", "location": "westeurope", "containers": chosen} | kwargs
    with pytest.raises(ValidationError) as err:
        ContainerGroupConfig(args.pop("name"), **args)
    assert err.value.field == field
    assert PASSWORD not in str(err.value)


def test_limit_up_to_the_group_total_is_accepted() -> None:
    greedy = new_container_instance_object("greedy", "busybox", request_cpu=1, limit_cpu=1.5)
    sidecar = new_container_instance_object("sidecar", "busybox", request_cpu=0.5, request_memory_in_gb=0.5)
    assert group(greedy, sidecar).to_sdk().containers[0].resources.limits.cpu == 1.5


def test_windows_single_container_group() -> None:
    iis = new_container_instance_object(
        "iis", "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022", port=[80]
    )
    assert group(iis, os_type="windows", ip_address_type="Public").to_sdk().os_type == "Windows"
