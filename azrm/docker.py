"""The source document's Docker verbs, on Azure Container Registry and Azure Container Instances.

For people who think in Docker: ``images``, ``search``, ``pull``, ``build``, ``tag``, ``run``, ``ps``,
``logs``, ``exec``, ``stop``, ``start``, ``rm``, over one registry (the "shared repository" of the
source document) and the container groups of one resource group. Each verb is a small composition of
the Az-style operations (:meth:`Session.get_container_registry_tag`, :meth:`Session.new_container_group`...),
so what it does is plain and the same on Azure and on the local Azure::

    docker = az.docker("rg", "myregistry")
    docker.build("./site", "web:v1")                 # docker build + push  (az acr build)
    docker.run("web:v1", name="web", ports=[80])     # docker run -d --name web -p 80:80 web:v1
    docker.ps(all=True); docker.logs("web"); docker.exec("web", "ls /www")
    docker.tag("web:v1", "web:release")              # docker tag + push    (az acr import, same registry)

Docker's ``commit`` (freeze a running container's changes into an image) has no Azure equivalent: a
container group's file system is not kept or exported. :meth:`Docker.commit` says so and points to
the way Azure does it: describe the change in a Dockerfile and :meth:`Docker.build`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from .builders._base import check
from .builders.containers import (
    new_container_group_image_registry_credential_object,
    new_container_instance_environment_variable_object,
    new_container_instance_object,
)
from .container_rules import container_group_name_problem, image_problem
from .errors import AzrmError

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Container", "Docker", "DockerError", "Image"]


class DockerError(AzrmError):
    """A Docker verb could not do what was asked (a container that never started, ``commit``...)."""

    code = "docker"


@dataclass(frozen=True)
class Image:
    """One tagged image of the registry (a row of ``docker images``)."""

    repository: str
    tag: str
    digest: str
    size: int  #: bytes of the image's manifest (the layers' sizes are in ``layers``)
    layers: tuple[int, ...]  #: each layer's compressed size in bytes, base first
    reference: str  #: what ``run`` and ACI take: ``<login server>/<repository>:<tag>``

    @property
    def total_size(self) -> int:
        """The image's size: its layers' sizes added up."""
        return sum(self.layers)


@dataclass(frozen=True)
class Container:
    """One container of a group (a row of ``docker ps``)."""

    name: str  #: the group's name (``group/container`` for groups of several containers)
    image: str
    state: str  #: ``Running``, ``Terminated``, ``Waiting``
    status: str  #: Docker-like: ``Up``, ``Exited (3)``, ``Waiting``
    restart_count: int
    ports: tuple[int, ...]
    address: str | None  #: where the ports answer (the group's IP address)
    problem: str | None = None  #: the last warning event while it waits (why it cannot start), if any


class Docker:
    """Docker's verbs over one registry and the container groups of one resource group.

    :param session: an azrm session (``azrm.connect()`` or ``azrm.local()``).
    :param resource_group_name: where the registry is and where containers are run.
    :param registry_name: the registry images are built into, pulled into and run from.
    :keyword location: where containers run (default: the session's).
    """

    #: seconds a container may stay waiting with a warning event before ``run`` gives up on it
    WARNING_GRACE = 5.0

    def __init__(
        self, session: Session, resource_group_name: str, registry_name: str, *, location: str | None = None
    ) -> None:
        self.session = session
        self.resource_group_name = resource_group_name
        self.registry_name = registry_name
        self.location = location
        self._login_server: str | None = None

    def __repr__(self) -> str:
        return f"Docker(resource_group_name={self.resource_group_name!r}, registry_name={self.registry_name!r})"

    # -- the registry ----------------------------------------------------------------------------------
    @property
    def login_server(self) -> str:
        """The registry's login server (``<name>.azurecr.io``; the local Azure's is a loopback address)."""
        if self._login_server is None:
            registry = self.session.get_container_registry(self.resource_group_name, self.registry_name)
            self._login_server = str(registry.login_server)
        return self._login_server

    def reference(self, image: str) -> str:
        """Return the full reference of ``image``: a bare ``repo:tag`` is the registry's."""
        problem = image_problem(image)
        check(problem is None, "image", image, problem or "")
        first = image.split("/", 1)[0]
        if "/" in image and (any(c in first for c in ".:") or first == "localhost"):
            return image
        return f"{self.login_server}/{image}"

    def images(self) -> list[Image]:
        """List the registry's images, one row per tag (``docker images``), with their layers."""
        session = self.session
        rows = []
        for repository in self._repositories():
            tags = session.get_container_registry_tag(
                self.registry_name, repository, resource_group_name=self.resource_group_name
            )
            for tag in tags if isinstance(tags, list) else [tags]:
                rows.append(
                    Image(
                        repository=repository,
                        tag=tag.name,
                        digest=tag.digest,
                        size=tag.size,
                        layers=tag.layers,
                        reference=f"{self.login_server}/{repository}:{tag.name}",
                    )
                )
        return rows

    def search(self, term: str) -> list[str]:
        """Return the registry's repositories whose name contains ``term`` (``docker search``).

        Docker searches Docker Hub; here the shared repository is the registry.
        """
        return sorted(r for r in self._repositories() if term.lower() in r.lower())

    def _repositories(self) -> list[str]:
        found = self.session.get_container_registry_repository(
            self.registry_name, resource_group_name=self.resource_group_name
        )
        return found if isinstance(found, list) else [found.image_name]

    def pull(
        self, image: str, *, target_tag: str | None = None, username: str | None = None, password: str | None = None
    ) -> str:
        """Bring an image from another registry into this one (``docker pull``: ``Import-AzContainerRegistryImage``).

        :param image: ``<registry host>/<repository>:<tag>`` (or ``@sha256:...``).
        :returns: the reference to run it by, in this registry.
        """
        host, _, path = image.partition("/")
        check(
            bool(path) and any(c in host for c in ".:"),
            "image",
            image,
            "name the registry it comes from, such as otherregistry.azurecr.io/team/app:v1",
        )
        target = target_tag or path.split("@", 1)[0]
        self.session.import_container_registry_image(
            self.resource_group_name,
            self.registry_name,
            path,
            source_registry_uri=host,
            target_tag=target,
            username=username,
            password=password,
        )
        return f"{self.login_server}/{target}"

    def build(
        self,
        path: str | os.PathLike[str],
        image: str,
        *,
        dockerfile: str = "Dockerfile",
        build_args: Mapping[str, str] | None = None,
    ) -> str:
        """Build an image from a folder with a Dockerfile, in the registry (``docker build`` + ``push``).

        This is ``az acr build``: the build runs in Azure (locally: in the local Azure's engine, with
        no network) and the image lands in the registry. Returns the reference to run it by.
        """
        run = self.session.acr_build(
            self.resource_group_name,
            self.registry_name,
            path,
            image=image,
            dockerfile=dockerfile,
            build_args=build_args,
        )
        pushed = [i for i in run.images if i]
        return pushed[0].split("@", 1)[0] if pushed else f"{self.login_server}/{image}"

    def tag(self, image: str, new_tag: str) -> str:
        """Give an image of the registry another tag, such as a release (``docker tag`` + ``push``).

        Done with an import from the registry into itself, as ``az acr import`` does it.
        """
        registry = self.session.get_container_registry(self.resource_group_name, self.registry_name)
        self.session.import_container_registry_image(
            self.resource_group_name,
            self.registry_name,
            image,
            source_registry_resource_id=registry.id,
            target_tag=new_tag,
            mode="Force",
        )
        return f"{self.login_server}/{new_tag}"

    def commit(self, container: str, image: str | None = None) -> NoReturn:
        """Docker's ``commit`` has no Azure equivalent: raises :class:`DockerError` saying what to do instead.

        A container group's file system is neither kept nor exported, so a running container's
        changes cannot become an image. Write the change as Dockerfile steps and :meth:`build` it:
        the image is then reproducible, which is what the source document's "build, test, commit to
        a shared repository, deploy" loop asks for.
        """
        raise DockerError(
            f"docker commit {container} {image or ''}".strip() + ": Azure Container Instances cannot turn a running "
            "container into an image (its file system is not kept or exported). Put the change in a Dockerfile "
            "(FROM the image, then RUN/COPY the change) and use Docker.build(folder, image): the image is built "
            "in the registry and reproducible."
        )

    # -- containers -------------------------------------------------------------------------------------
    def run(
        self,
        image: str,
        *,
        name: str,
        ports: Sequence[int] = (),
        command: Sequence[str] = (),
        environment: Mapping[str, str] | None = None,
        secure_environment: Mapping[str, str] | None = None,
        cpu: float = 1.0,
        memory_in_gb: float = 1.5,
        restart_policy: str = "Always",
        dns_name_label: str | None = None,
        timeout: float = 120.0,
    ) -> Container:
        """Run an image as a container group and wait until it runs (``docker run -d --name NAME -p PORT``).

        An image of the registry is pulled with the registry's admin credentials (the admin user
        must be on; ACI also accepts a managed identity, which this verb does not set up). With
        ``ports`` the group gets a public address exposing them.

        :returns: the container as ``ps`` shows it, once it runs (or has already finished, for a job).
        :raises DockerError: when it does not start (the events say why).
        """
        problem = container_group_name_problem(name)
        check(problem is None, "name", name, problem or "")
        reference = self.reference(image)
        container = new_container_instance_object(
            name,
            reference,
            port=list(ports),
            command=list(command),
            environment_variable=[
                *(
                    new_container_instance_environment_variable_object(k, value=v)
                    for k, v in (environment or {}).items()
                ),
                *(
                    new_container_instance_environment_variable_object(k, secure_value=v)
                    for k, v in (secure_environment or {}).items()
                ),
            ],
            request_cpu=cpu,
            request_memory_in_gb=memory_in_gb,
        )
        credentials = []
        if reference.startswith(self.login_server + "/"):
            secret = self.session.get_container_registry_credential(self.resource_group_name, self.registry_name)
            credentials.append(
                new_container_group_image_registry_credential_object(
                    self.login_server, username=secret.username, password=secret.password
                )
            )
        self.session.new_container_group(
            self.resource_group_name,
            name,
            location=self.location,
            container=[container],
            restart_policy=restart_policy,
            ip_address_type="Public" if ports else None,
            ip_address_dns_name_label=dns_name_label,
            image_registry_credential=credentials,
        )
        return self._wait_started(name, timeout)

    def _wait_started(self, name: str, timeout: float) -> Container:
        """Wait until every container runs (or has ended); a warning that lasts ``WARNING_GRACE`` s fails it.

        Azure may warn while it retries a pull that then works, so one warning is not a failure.
        """
        start = time.monotonic()
        warned: float | None = None
        while True:
            rows = [c for c in self._containers(name) if c.name.split("/")[0] == name]
            if rows and all(c.state in ("Running", "Terminated") for c in rows):
                return rows[0]
            stuck = next((c for c in rows if c.state == "Waiting" and c.problem), None)
            now = time.monotonic()
            warned = (warned or now) if stuck is not None else None
            if (
                stuck is not None
                and warned is not None
                and (now - warned >= self.WARNING_GRACE or now - start > timeout)
            ):
                raise DockerError(f"container {stuck.name} does not start: {stuck.problem}")
            if now - start > timeout:
                raise DockerError(f"container {name} did not start within {timeout:g} s")
            time.sleep(0.5)

    def ps(self, *, all: bool = False) -> list[Container]:
        """List running containers; ``all=True`` adds stopped and finished ones (``docker ps [-a]``)."""
        rows = self._containers(None)
        return rows if all else [c for c in rows if c.state == "Running"]

    def _containers(self, name: str | None) -> list[Container]:
        session = self.session
        if name is not None:
            groups = [session.get_container_group(self.resource_group_name, name)]
        else:
            listed = session.get_container_group(self.resource_group_name)
            groups = [session.get_container_group(self.resource_group_name, g.name) for g in listed]
        rows = []
        for group in groups:
            address = group.ip_address.ip if group.ip_address is not None else None
            ports = tuple(p.port for p in (group.ip_address.ports if group.ip_address is not None else []) or [])
            for item in group.containers:
                view = item.instance_view
                current = view.current_state if view is not None else None
                state = str(current.state) if current is not None and current.state else "Waiting"
                if state == "Running":
                    status = "Up"
                elif state == "Terminated":
                    status = f"Exited ({current.exit_code})" if current is not None else "Exited"
                else:
                    status = "Waiting"
                problem = None
                if state == "Waiting" and view is not None and view.events:
                    last = view.events[-1]
                    problem = str(last.message) if str(last.type) == "Warning" else None
                label = group.name if len(group.containers) == 1 else f"{group.name}/{item.name}"
                rows.append(
                    Container(
                        label,
                        str(item.image),
                        state,
                        status,
                        int(view.restart_count or 0) if view else 0,
                        ports,
                        address,
                        problem,
                    )
                )
        return rows

    def _split(self, name: str) -> tuple[str, str]:
        group, _, container = name.partition("/")
        return group, container or group

    def logs(self, name: str, *, tail: int | None = None, timestamps: bool = False) -> str:
        """Return a container's output (``docker logs [--tail N] [-t]``)."""
        group, container = self._split(name)
        return self.session.get_container_instance_log(
            self.resource_group_name, group, container, tail=tail, timestamp=timestamps
        )

    def exec(self, name: str, command: str) -> str:
        """Run an executable in a running container and return its output (``docker exec NAME CMD``).

        ACI runs one executable with no arguments: ``exec("web", "ls")``, not ``"ls /www"``.
        """
        group, container = self._split(name)
        return self.session.invoke_container_instance_command(self.resource_group_name, group, container, command)

    def stop(self, name: str) -> None:
        """Stop a container group (``docker stop``)."""
        self.session.stop_container_group(self.resource_group_name, self._split(name)[0])

    def start(self, name: str) -> None:
        """Start a stopped container group again (``docker start``)."""
        self.session.start_container_group(self.resource_group_name, self._split(name)[0])

    def rm(self, name: str) -> None:
        """Delete a container group (``docker rm -f``): ACI deletes running groups too."""
        self.session.remove_container_group(self.resource_group_name, self._split(name)[0])
