"""Azure Container Instances (``New-AzContainerGroup``, ``Get-AzContainerInstanceLog``...).

Names and parameters follow Az.ContainerInstance; each operation calls azure-mgmt-containerinstance
and returns its models. A group is described with the builders of :mod:`azrm.builders.containers`
(``new_container_instance_object`` and friends) or given whole as a :class:`ContainerGroupConfig`.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from typing import Any

from .._session_base import SessionBase, waiting_twin
from ..builders._base import check, tag_body
from ..builders.containers import (
    ContainerConfig,
    ContainerGroupConfig,
    ContainerGroupPort,
    ContainerGroupVolume,
    ImageRegistryCredential,
)
from ..container_rules import container_group_name_problem, container_name_problem
from ..errors import AzrmError

__all__ = ["ContainerCommandError", "ContainerInstanceOperations"]


class ContainerCommandError(AzrmError):
    """A command could not be run in a container (``Invoke-AzContainerInstanceCommand``)."""


class ContainerInstanceOperations(SessionBase):
    """Container group operations (Az.ContainerInstance)."""

    def begin_new_container_group(
        self,
        resource_group_name: str,
        name: str | ContainerGroupConfig,
        *,
        location: str | None = None,
        container: Sequence[ContainerConfig] = (),
        os_type: str = "Linux",
        restart_policy: str = "Always",
        ip_address_type: str | None = None,
        ip_address_port: Sequence[int | ContainerGroupPort] | None = None,
        ip_address_dns_name_label: str | None = None,
        image_registry_credential: Sequence[ImageRegistryCredential] = (),
        volume: Sequence[ContainerGroupVolume] = (),
        tag: Mapping[str, str] | None = None,
        sku: str | None = None,
    ) -> Any:
        """Start creating (or updating) a container group; returns the SDK poller (``-AsJob``)."""
        config = self._group_config(
            name,
            location=location,
            container=container,
            os_type=os_type,
            restart_policy=restart_policy,
            ip_address_type=ip_address_type,
            ip_address_port=ip_address_port,
            ip_address_dns_name_label=ip_address_dns_name_label,
            image_registry_credential=image_registry_credential,
            volume=volume,
            tag=tag,
            sku=sku,
        )
        return self.container_instance_client.container_groups.begin_create_or_update(
            resource_group_name, config.name, config.to_sdk()
        )

    def _group_config(
        self,
        name: str | ContainerGroupConfig,
        *,
        location: str | None,
        container: Sequence[ContainerConfig],
        os_type: str,
        restart_policy: str,
        ip_address_type: str | None,
        ip_address_port: Sequence[int | ContainerGroupPort] | None,
        ip_address_dns_name_label: str | None,
        image_registry_credential: Sequence[ImageRegistryCredential],
        volume: Sequence[ContainerGroupVolume],
        tag: Mapping[str, str] | None,
        sku: str | None,
    ) -> ContainerGroupConfig:
        if isinstance(name, ContainerGroupConfig):
            check(not container, "container", [c.name for c in container], "give containers in the config, not both")
            location_ = self._location(name.location or location)
            return name if location_ == name.location else name.model_copy(update={"location": location_})
        return ContainerGroupConfig(
            name,
            location=self._location(location),
            containers=tuple(container),
            os_type=os_type,
            restart_policy=restart_policy,
            ip_address_type=ip_address_type,
            ports=ip_address_port,
            dns_name_label=ip_address_dns_name_label,
            image_registry_credentials=tuple(image_registry_credential),
            volumes=tuple(volume),
            tags=tag_body(tag, "tag"),
            sku=sku,
        )

    new_container_group = waiting_twin(
        begin_new_container_group,
        lambda a: f"Creating container group {getattr(a['name'], 'name', a['name'])}",
        """Create or update a container group and wait until it is provisioned (``New-AzContainerGroup``).

        Returns the SDK's ``ContainerGroup`` with its instance view: each container's state, restart
        count and events (``Pulling``, ``Started``... or why it waits).

        :param name: the group's name, or a whole :class:`~azrm.ContainerGroupConfig`.
        :keyword location: the region (default: the session's).
        :keyword container: containers from :func:`~azrm.new_container_instance_object`.
        :keyword os_type: ``Linux`` (default) or ``Windows``.
        :keyword restart_policy: ``Always`` (default), ``OnFailure`` or ``Never``.
        :keyword ip_address_type: ``Public`` or ``Private``; without ``ip_address_port`` the group
            exposes every port its containers expose (as ``New-AzContainerGroup`` does).
        :keyword ip_address_dns_name_label: the DNS label (``<label>.<region>.azurecontainer.io``).
        :keyword image_registry_credential: from :func:`~azrm.new_container_group_image_registry_credential_object`.
        :keyword volume: from :func:`~azrm.new_container_group_volume_object`.
        :raises ValidationError: for a value Azure would refuse (no request is made).
        :raises azure.core.exceptions.HttpResponseError: Azure's refusal, such as ``InaccessibleImage``.
        """,
    )

    def get_container_group(self, resource_group_name: str | None = None, name: str | None = None) -> Any:
        """Get a container group with its instance view, or list groups (``Get-AzContainerGroup``).

        Without ``name``: the groups of ``resource_group_name``, or of the subscription without it (a
        list without instance views, as Azure lists them).
        """
        groups = self.container_instance_client.container_groups
        if name is None:
            if resource_group_name is None:
                return list(groups.list())
            return list(groups.list_by_resource_group(resource_group_name))
        check(resource_group_name is not None, "resource_group_name", None, "give the group's resource group")
        return groups.get(resource_group_name, name)

    def remove_container_group(self, resource_group_name: str, name: str) -> Any:
        """Delete a container group and its containers (``Remove-AzContainerGroup``); returns the deleted group.

        Returns ``None`` when it did not exist.
        """
        poller = self.container_instance_client.container_groups.begin_delete(resource_group_name, name)
        return self._wait(f"Removing container group {name}", poller)

    def stop_container_group(self, resource_group_name: str, name: str) -> None:
        """Stop every container of the group (``Stop-AzContainerGroup``); billing stops in Azure."""
        self._run(
            f"Stopping container group {name}",
            lambda: self.container_instance_client.container_groups.stop(resource_group_name, name),
        )

    def begin_start_container_group(self, resource_group_name: str, name: str) -> Any:
        """Start a stopped group; returns the SDK poller (``Start-AzContainerGroup -AsJob``)."""
        return self.container_instance_client.container_groups.begin_start(resource_group_name, name)

    start_container_group = waiting_twin(
        begin_start_container_group,
        "Starting container group {name}",
        """Start a stopped container group again (``Start-AzContainerGroup``); its containers start afresh.""",
    )

    def begin_restart_container_group(self, resource_group_name: str, name: str) -> Any:
        """Restart every container in place; returns the SDK poller (``Restart-AzContainerGroup -AsJob``)."""
        return self.container_instance_client.container_groups.begin_restart(resource_group_name, name)

    restart_container_group = waiting_twin(
        begin_restart_container_group,
        "Restarting container group {name}",
        """Restart every container of the group in place (``Restart-AzContainerGroup``).""",
    )

    def get_container_instance_log(
        self,
        resource_group_name: str,
        container_group_name: str,
        container_name: str,
        *,
        tail: int | None = None,
        timestamp: bool = False,
    ) -> str:
        """Return a container's output, stdout and stderr (``Get-AzContainerInstanceLog``).

        :keyword tail: only the last lines; all of it (up to 4 MB) by default.
        :keyword timestamp: prefix each line with its time.
        """
        check(tail is None or tail >= 0, "tail", tail, "a number of lines, 0 or more")
        logs = self.container_instance_client.containers.list_logs(
            resource_group_name, container_group_name, container_name, tail=tail, timestamps=timestamp
        )
        return str(logs.content or "")

    def invoke_container_instance_command(
        self,
        resource_group_name: str,
        container_group_name: str,
        container_name: str,
        command: str,
        *,
        terminal_size_row: int = 24,
        terminal_size_col: int = 80,
        timeout: float = 60.0,
    ) -> str:
        """Run a command in a running container and return its output (``Invoke-AzContainerInstanceCommand``).

        Azure answers the exec request with a websocket URL and a password; this connects, sends the
        password, and reads the output until the command ends (as the cmdlet does). ``command`` is
        one executable, such as ``"ls"`` or ``"/bin/healthcheck"``: ACI passes no arguments (``"ls /"``
        looks for an executable named ``ls /``), so put a longer command in a script in the image.
        """
        check(bool(command and command.strip()), "command", command, "give the command to run, such as 'ls /'")
        problem = container_group_name_problem(container_group_name)
        check(problem is None, "container_group_name", container_group_name, problem or "")
        problem = container_name_problem(container_name)
        check(problem is None, "container_name", container_name, problem or "")
        from azure.mgmt.containerinstance.models import ContainerExecRequest, ContainerExecRequestTerminalSize

        answer = self.container_instance_client.containers.execute_command(
            resource_group_name,
            container_group_name,
            container_name,
            ContainerExecRequest(
                command=command,
                terminal_size=ContainerExecRequestTerminalSize(rows=terminal_size_row, cols=terminal_size_col),
            ),
        )
        return self._run(
            f"Running {command!r} in {container_group_name}/{container_name}",
            lambda: _exec_stream(answer.web_socket_uri, answer.password, self._exec_ssl(), timeout),
        )

    def _exec_ssl(self) -> ssl.SSLContext:
        """Return the TLS context for exec websockets (the local Azure's CA when it is the local Azure)."""
        verify = self.client_options.get("connection_verify")
        return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else ssl.create_default_context()


def _exec_stream(uri: str, password: str, context: ssl.SSLContext, timeout: float) -> str:
    """Connect to an exec websocket, send the password, and collect the output until it closes."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    chunks: list[str] = []
    try:
        with connect(uri, ssl=context if uri.startswith("wss:") else None, open_timeout=timeout) as socket:
            socket.send(password)
            while True:
                try:
                    message = socket.recv(timeout=timeout)
                except ConnectionClosed as closed:
                    if closed.rcvd is not None and closed.rcvd.code not in (1000, 1001):
                        raise ContainerCommandError(
                            f"the exec session was refused (websocket close code {closed.rcvd.code})"
                        ) from None
                    break
                chunks.append(message if isinstance(message, str) else message.decode("utf-8", "replace"))
    except (InvalidStatus, OSError, TimeoutError) as exc:
        raise ContainerCommandError(f"could not reach the container's exec session: {exc}") from exc
    return "".join(chunks)
