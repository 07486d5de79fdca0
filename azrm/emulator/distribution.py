"""The CNCF Distribution registry, run as the data plane of each local Azure Container Registry.

One ``docker-registry serve`` process per registry, on 127.0.0.1 with the local Azure's TLS
certificate, its blobs under the registry's own folder (kept across restarts with a state folder),
and HTTP basic sign-in from an htpasswd file (bcrypt, the only hash Distribution reads). The
registry's users are the local Azure's own service identity (which pulls for container groups,
imports and pushes builds) and, when ``adminUserEnabled``, the admin user with its password.

Distribution reads the htpasswd file when it starts, so a change of users restarts the process on
the same port (about a tenth of a second). Its htpasswd holds one password per user: of the admin
user's two passwords, ``password`` signs in (see docs/local-azure.md, deviations).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from .podman import INSTALL_HINT

__all__ = ["Distribution", "RegistryError", "RegistryMissing", "find_registry"]

log = logging.getLogger("azrm.emulator.registry")


class RegistryError(RuntimeError):
    """The registry process would not start."""


class RegistryMissing(RegistryError):
    """The Distribution registry binary is not installed."""


def find_registry() -> str:
    """Return the Distribution registry binary (Debian's ``docker-registry``, or ``registry``)."""
    found = os.environ.get("AZRM_REGISTRY_BINARY") or shutil.which("docker-registry") or shutil.which("registry")
    if not found:
        raise RegistryMissing("The Distribution registry (docker-registry) is not installed: " + INSTALL_HINT)
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _hash(password: str) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=5)).decode("ascii")


class Distribution:
    """One registry process.

    :param folder: where its blobs, configuration and htpasswd live.
    :param cert: PEM certificate (for 127.0.0.1) and ``key`` its private key.
    :param port: the port to take (0 picks a free one; a previous port is tried first on restore).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        cert: str | os.PathLike[str],
        key: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.binary = find_registry()
        self.folder = Path(folder)
        self.cert = Path(cert)
        self.key = Path(key)
        self.host = host
        self.port = port
        self._users: dict[str, str] = {}
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``host:port``, the registry part of image references (and the login server)."""
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def set_users(self, users: Mapping[str, str]) -> None:
        """Replace the users who may sign in (``{name: password}``); restarts a running registry."""
        self._users = dict(users)
        if self.running:
            self.stop()
            self.start()

    def _write_files(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "data").mkdir(exist_ok=True)
        htpasswd = self.folder / "htpasswd"
        htpasswd.write_text("".join(f"{user}:{_hash(pw)}\n" for user, pw in self._users.items()))
        os.chmod(htpasswd, 0o600)
        config = self.folder / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.folder / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.host}:{self.port}\n"
            f"  secret: {os.urandom(16).hex()}\n"
            f"  tls:\n    certificate: {self.cert}\n    key: {self.key}\n"
            f"auth:\n  htpasswd:\n    realm: azrm-local-registry\n    path: {htpasswd}\n"
        )
        return config

    def start(self, timeout: float = 20.0) -> Distribution:
        """Start the process and wait until it accepts connections."""
        if not self.port:
            self.port = free_port(self.host)
        config = self._write_files()
        log_file = open(self.folder / "registry.log", "ab")  # noqa: SIM115 (the process owns it)
        try:
            self._proc = subprocess.Popen(
                [self.binary, "serve", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log_file.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                break
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.5):
                log.info("registry %s listens on %s", self.folder.name, self.address)
                return self
            time.sleep(0.05)
        tail = (self.folder / "registry.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RegistryError(f"the registry on {self.address} did not start:\n{tail}")

    def stop(self) -> None:
        """Stop the process (its data stays)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def remove(self) -> None:
        """Stop and delete everything it stored."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
