"""Podman, the container engine behind the local Azure's container groups and registry builds.

The local Azure runs containers for real: each container group is a Podman *pod* (its containers
share one network namespace, as in Azure Container Instances), its public ports are published on a
loopback address of its own, and logs, exit codes and restarts are the engine's. Podman is driven
through its command line rather than its Docker-compatible API service: the CLI is daemonless, so
there is no second server to start, supervise and stop, and every call is one short process whose
JSON output (``--format json``) is Podman's documented interface.

Each local Azure keeps its engine state (images, containers) in a folder of its own (``--root``),
under its state folder when it has one, so it never touches the user's own containers and keeps
them across restarts. ``find_podman`` says what to install when Podman is missing.

Secrets never reach an argument list (which any local user can read in ``ps``): environment values
go through an ``--env-file`` and registry credentials through an ``--authfile``, both private files
removed right after the call.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "INSTALL_HINT",
    "EngineError",
    "EngineMissing",
    "Podman",
    "find_podman",
]

log = logging.getLogger("azrm.emulator.podman")

#: what to install (Debian/Ubuntu package names) for the container features of the local Azure
INSTALL_HINT = (
    "install the container engine and registry: `sudo apt-get install podman runc docker-registry` "
    "(Debian/Ubuntu; busybox-static too for the offline examples). Everything else in azrm works without them."
)

_CONF = """\
# written by azrm: the engine settings of one local Azure
[containers]
# the kernel's default ulimits cannot always be raised inside a sandbox; keep the host's
default_ulimits = []

[engine]
{runtime}events_logger = "file"
"""


class EngineError(RuntimeError):
    """A Podman command failed; ``stderr`` holds its message."""

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


class EngineMissing(EngineError):
    """Podman (or the OCI runtime it needs) is not installed."""


def find_podman() -> str:
    """Return the path of ``podman``, or raise :class:`EngineMissing` saying what to install."""
    found = os.environ.get("AZRM_PODMAN") or shutil.which("podman")
    if not found:
        raise EngineMissing("Podman is not installed: " + INSTALL_HINT)
    return found


@dataclass(frozen=True)
class Mount:
    """A host folder mounted into a container."""

    source: Path
    target: str
    read_only: bool = False


class Podman:
    """One engine state (``root``) driven through the ``podman`` command.

    :param root: folder holding the images, containers and run state of this engine.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.binary = find_podman()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.conf = self.root / "containers.conf"
        # crun, Podman's default runtime, refuses some kernels' hybrid cgroups; runc works there
        runtime = 'runtime = "runc"\n' if shutil.which("runc") else ""
        self.conf.write_text(_CONF.format(runtime=runtime))
        # Podman refuses a run root longer than 50 characters (it holds sockets), so the run state
        # lives in a short folder named after the root: the same root finds it again after a restart
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        self.runroot = Path(tempfile.gettempdir()) / f"azrm-podman-{digest}"
        self._env = {**os.environ, "CONTAINERS_CONF": str(self.conf)}

    # -- plumbing --------------------------------------------------------------------------------
    def _base(self) -> list[str]:
        return [
            self.binary,
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.runroot),
            "--tmpdir",
            str(self.root / "tmp"),
        ]

    def run(self, *args: str, timeout: float = 120.0, check: bool = True, input: bytes | None = None) -> str:
        """Run ``podman ARGS`` and return its standard output (raise :class:`EngineError` on failure)."""
        cmd = [*self._base(), *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=self._env, input=input)
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"podman {args[0]} did not finish within {timeout:.0f} s") from exc
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace").strip()
        if check and proc.returncode != 0:
            raise EngineError(f"podman {args[0]} failed: {err or out.strip()}", stderr=err, returncode=proc.returncode)
        return out

    def run_json(self, *args: str, timeout: float = 60.0) -> Any:
        """Run a command whose output is JSON and parse it."""
        out = self.run(*args, timeout=timeout).strip()
        return json.loads(out) if out else None

    @contextlib.contextmanager
    def _private_file(self, content: str) -> Iterator[str]:
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(dir=folder, prefix="azrm-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)

    @contextlib.contextmanager
    def auth_file(self, credentials: Mapping[str, tuple[str, str]]) -> Iterator[list[str]]:
        """Yield ``--authfile`` arguments for ``{server: (username, password)}`` (none when empty)."""
        if not credentials:
            yield []
            return
        import base64

        auths = {
            server: {"auth": base64.b64encode(f"{user}:{password}".encode()).decode("ascii")}
            for server, (user, password) in credentials.items()
        }
        with self._private_file(json.dumps({"auths": auths})) as path:
            yield ["--authfile", path]

    # -- images ----------------------------------------------------------------------------------
    def image_exists(self, ref: str) -> bool:
        """Whether the engine has the image locally."""
        return self._exists(ref)

    def _exists(self, ref: str) -> bool:
        proc = subprocess.run(
            [*self._base(), "image", "exists", ref], capture_output=True, env=self._env, timeout=30, check=False
        )
        return proc.returncode == 0

    def image_id(self, ref: str) -> str | None:
        """Return the image's id, or ``None`` when the engine lacks it."""
        if not self._exists(ref):
            return None
        data = self.run_json("image", "inspect", ref)
        return str(data[0]["Id"]) if data else None

    def pull(
        self,
        ref: str,
        *,
        credentials: Mapping[str, tuple[str, str]] | None = None,
        cert_dir: str | None = None,
        timeout: float = 300.0,
    ) -> str:
        """Pull ``ref`` and return the image id."""
        with self.auth_file(credentials or {}) as auth:
            tls = ["--cert-dir", cert_dir] if cert_dir else []
            out = self.run("pull", "--quiet", *auth, *tls, ref, timeout=timeout)
        return out.strip().splitlines()[-1] if out.strip() else ""

    def push(
        self,
        ref: str,
        *,
        credentials: Mapping[str, tuple[str, str]] | None = None,
        cert_dir: str | None = None,
        timeout: float = 300.0,
    ) -> str:
        """Push ``ref``; return the digest the registry stored."""
        with self.auth_file(credentials or {}) as auth:
            tls = ["--cert-dir", cert_dir] if cert_dir else []
            digest_file = self.root / "tmp" / f"digest-{os.getpid()}-{id(ref)}"
            digest_file.parent.mkdir(parents=True, exist_ok=True)
            self.run("push", "--quiet", *auth, *tls, "--digestfile", str(digest_file), ref, timeout=timeout)
        try:
            return digest_file.read_text().strip()
        finally:
            digest_file.unlink(missing_ok=True)

    def tag(self, source: str, target: str) -> None:
        """Tag an image."""
        self.run("tag", source, target)

    def build(
        self,
        context: str | os.PathLike[str],
        tags: Sequence[str],
        *,
        dockerfile: str | None = None,
        build_args: Mapping[str, str] | None = None,
        no_cache: bool = False,
        timeout: float = 900.0,
    ) -> str:
        """``podman build`` (no network: everything the build needs is in the context); returns its log."""
        args = ["build", "--network", "none", "--layers"]
        for tag in tags:
            args += ["--tag", tag]
        if dockerfile:
            args += ["--file", str(Path(context) / dockerfile)]
        for name, value in (build_args or {}).items():
            args += ["--build-arg", f"{name}={value}"]
        if no_cache:
            args.append("--no-cache")
        cmd = [*self._base(), *args, str(context)]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=self._env, check=False)
        text = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise EngineError(f"podman build failed:\n{text.strip()}", stderr=text, returncode=proc.returncode)
        return text

    def import_rootfs(self, archive: str | os.PathLike[str], ref: str, *, cmd: Sequence[str] = ()) -> str:
        """Make an image from a root file system tar (``podman import``); returns its id."""
        change = ["--change", "CMD " + json.dumps(list(cmd))] if cmd else []
        return self.run("import", *change, str(archive), ref).strip().splitlines()[-1]

    def load(self, archive: str | os.PathLike[str]) -> str:
        """Load an image archive (``podman load``, the way to bring public images offline)."""
        return self.run("load", "--input", str(archive), timeout=600)

    def remove_image(self, ref: str) -> None:
        """Remove an image (missing is fine)."""
        self.run("rmi", "--force", ref, check=False)

    # -- pods and containers ---------------------------------------------------------------------
    def create_pod(self, name: str, *, publish: Sequence[str] = (), labels: Mapping[str, str] | None = None) -> str:
        """Create a pod whose ports are published as ``publish`` (``127.0.0.5:80:80/tcp``)."""
        args = ["pod", "create", "--name", name]
        for spec in publish:
            args += ["--publish", spec]
        for key, value in (labels or {}).items():
            args += ["--label", f"{key}={value}"]
        return self.run(*args).strip()

    def create_container(
        self,
        name: str,
        image: str,
        *,
        pod: str,
        command: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cpus: float | None = None,
        memory_gb: float | None = None,
        mounts: Sequence[Mount] = (),
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """Create (not start) a container in ``pod``; environment values go through a private file."""
        args = ["create", "--name", name, "--pod", pod, "--stop-timeout", "2"]
        if cpus:
            args += ["--cpus", f"{cpus:g}"]
        if memory_gb:
            args += ["--memory", f"{max(6, round(memory_gb * 1024))}m"]
        for mount in mounts:
            options = "ro" if mount.read_only else "rw"
            args += ["--volume", f"{mount.source}:{mount.target}:{options}"]
        for key, value in (labels or {}).items():
            args += ["--label", f"{key}={value}"]
        if command:
            args += ["--entrypoint", json.dumps(list(command))]
        lines = "".join(f"{k}={_env_line(v)}\n" for k, v in (env or {}).items())
        with self._private_file(lines) as env_file:
            return self.run(*args, "--env-file", env_file, image).strip()

    def start(self, *names: str) -> None:
        """Start containers."""
        if names:
            self.run("start", *names)

    def stop(self, *names: str, timeout: int = 2) -> None:
        """Stop containers (killed after ``timeout`` seconds)."""
        if names:
            self.run("stop", "--time", str(timeout), *names, check=False)

    def remove_pod(self, name: str) -> None:
        """Remove a pod and its containers (missing is fine)."""
        self.run("pod", "rm", "--force", "--time", "0", name, check=False)

    def pods(self, label: str) -> list[dict[str, Any]]:
        """Pods carrying ``label`` (``key=value``)."""
        return self.run_json("pod", "ps", "--filter", f"label={label}", "--format", "json") or []

    def inspect(self, *names: str) -> list[dict[str, Any]]:
        """``podman inspect`` of the containers that exist among ``names``."""
        if not names:
            return []
        proc = subprocess.run(
            [*self._base(), "container", "inspect", *names],
            capture_output=True,
            env=self._env,
            timeout=60,
            check=False,
        )
        try:
            data = json.loads(proc.stdout.decode("utf-8", "replace") or "[]")
        except ValueError:
            return []
        return data if isinstance(data, list) else []

    def logs(self, name: str, *, tail: int | None = None, timestamps: bool = False) -> str:
        """Return the container's output (stdout and stderr interleaved, as ACI returns it)."""
        args = ["logs"]
        if tail is not None:
            args += ["--tail", str(tail)]
        if timestamps:
            args.append("--timestamps")
        cmd = [*self._base(), *args, name]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self._env, timeout=60)
        if proc.returncode != 0:
            raise EngineError(f"podman logs failed: {proc.stdout.decode('utf-8', 'replace').strip()}")
        return proc.stdout.decode("utf-8", "replace")

    def exec(self, name: str, command: Sequence[str], *, timeout: float = 60.0) -> tuple[int, str]:
        """Run a command in a running container; returns its exit code and output."""
        cmd = [*self._base(), "exec", name, *command]
        proc = subprocess.run(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self._env, timeout=timeout, check=False
        )
        return proc.returncode, proc.stdout.decode("utf-8", "replace")

    def remove_labelled(self, label: str) -> None:
        """Remove every pod carrying ``label`` (the local Azure's own, on reset)."""
        for pod in self.pods(label):
            self.remove_pod(str(pod.get("Name") or pod.get("Id")))


def _env_line(value: str) -> str:
    """Return a value for an env file: one line (Podman's env files cannot hold newlines)."""
    return value.replace("\n", " ")
