"""Azurite, the storage emulator, run as the local Azure's blob, queue and table service.

:class:`Azurite` starts the npm package ``azurite`` (installed into the repository's ``node_modules``
by ``make setup``) on loopback, with telemetry off, and adds or removes storage accounts while it
runs: storage accounts created through ARM become real Azurite accounts whose keys are the ones
``listKeys`` returns. :class:`BlobPlane` is what the ARM backends use of it (endpoints, VHD page
blobs, downloads).

With a data folder that outlives it (beside a state file), two things keep blobs from being lost when
the local Azure is killed: :meth:`Azurite.flush` saves Azurite's metadata databases (which it would
otherwise save only every 5 seconds) and the local Azure calls it before it commits a state change;
and :meth:`Azurite.start` waits for a previous Azurite on the same folder to finish stopping (it
stops by itself when its parent dies) rather than run a second one that would overwrite its data
(after 15 s it refuses to start: another local Azure must be using the folder).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DEV_ACCOUNT", "DEV_KEY", "Azurite", "AzuriteError", "BlobPlane", "find_azurite"]

log = logging.getLogger("azrm.emulator.azurite")

#: Azurite's built-in development account (its key is public, documented by Microsoft).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_HOOK = Path(__file__).with_name("azurite_hook.js")
#: the file in Azurite's data folder naming the process that uses it
_PID_FILE = "azrm-azurite.pid"
#: how long a previous Azurite on the same folder may take to stop (it stops within 5 s of losing its parent)
_PREVIOUS_GRACE = 15.0


class AzuriteError(RuntimeError):
    """Azurite is missing, would not start, or stopped answering."""


def find_azurite() -> Path:
    """Return the installed ``azurite`` npm package.

    Looked for in ``$AZRM_AZURITE_DIR``, the ``node_modules`` of the azrm checkout, then of the
    current directory.
    """
    candidates = []
    if os.environ.get("AZRM_AZURITE_DIR"):
        candidates.append(Path(os.environ["AZRM_AZURITE_DIR"]))
    candidates.append(Path(__file__).resolve().parents[2] / "node_modules" / "azurite")
    candidates.append(Path.cwd() / "node_modules" / "azurite")
    for path in candidates:
        if (path / "dist" / "src" / "azurite.js").is_file():
            return path
    raise AzuriteError(
        "Azurite is not installed: run `make setup` in the azrm checkout (it runs `npm ci`), or "
        "`npm install azurite` and set AZRM_AZURITE_DIR to its node_modules/azurite folder. "
        "Start the local Azure with --no-blob to run without blob storage."
    )


@dataclass(frozen=True)
class _Account:
    name: str
    key1: str
    key2: str | None


class Azurite:
    """One Azurite process (blob, queue and table services) on loopback.

    :param location: folder for Azurite's data; a temporary one (removed on stop) when ``None``.
    :param blob_port: port of the blob service (0 picks a free one); likewise queue and table.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        blob_port: int = 0,
        queue_port: int = 0,
        table_port: int = 0,
        location: str | os.PathLike[str] | None = None,
        debug_log: str | None = None,
    ) -> None:
        self.host = host
        self._ports = {"blob": blob_port, "queue": queue_port, "table": table_port}
        self._temp_location = location is None
        self.location = Path(location) if location is not None else Path(tempfile.mkdtemp(prefix="azrm-azurite-"))
        self.debug_log = debug_log
        self._proc: subprocess.Popen[str] | None = None
        self._accounts: dict[str, _Account] = {}
        self._lines: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()
        self.blob_port = 0
        self.queue_port = 0
        self.table_port = 0
        self._flushes: dict[str, tuple[threading.Event, list[str]]] = {}
        self._stdin_lock = threading.Lock()  # one line at a time on Azurite's stdin

    # -- life cycle -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 60.0) -> Azurite:
        """Start Azurite and wait until its three services listen."""
        node = shutil.which("node")
        if node is None:
            raise AzuriteError("Node.js is not installed (the `node` command is missing); Azurite needs it.")
        package = find_azurite()
        self.location.mkdir(parents=True, exist_ok=True)
        if not self._temp_location:
            self._wait_for_previous()
        args = [
            node,
            "-r",
            str(_HOOK),
            str(package / "dist" / "src" / "azurite.js"),
            "--blobHost",
            self.host,
            "--blobPort",
            str(self._ports["blob"]),
            "--queueHost",
            self.host,
            "--queuePort",
            str(self._ports["queue"]),
            "--tableHost",
            self.host,
            "--tablePort",
            str(self._ports["table"]),
            "--location",
            str(self.location),
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--loose",
        ]
        if self.debug_log:
            args += ["--debug", self.debug_log]
        env = dict(os.environ)
        env["AZRM_AZURITE_DIR"] = str(package)
        env["AZURITE_ACCOUNTS"] = self._accounts_line()
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal reaches us, and we stop Azurite in order
        )
        if not self._temp_location:
            (self.location / _PID_FILE).write_text(f"{self._proc.pid}\n")
        threading.Thread(target=self._pump, name="azurite-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while not (self.blob_port and self.queue_port and self.table_port):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.running:
                self.stop()
                raise AzuriteError("Azurite did not start:\n" + "\n".join(seen[-20:]))
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            seen.append(line)
            for service in ("blob", "queue", "table"):
                marker = f"Azurite {service.capitalize()} service is successfully listening at "
                if marker in line:
                    port = int(line.rsplit(":", 1)[-1].strip().rstrip("/"))
                    setattr(self, f"{service}_port", port)
        log.info(
            "Azurite listens on %s (blob %s, queue %s, table %s)",
            self.host,
            self.blob_port,
            self.queue_port,
            self.table_port,
        )
        return self

    def _pump(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("azrm-flushed "):
                _, token, outcome = [*line.split(" ", 2), ""][:3]
                waiting = self._flushes.get(token)
                if waiting is not None:
                    waiting[1].append(outcome)
                    waiting[0].set()
                continue
            self._lines.put(line)
            log.debug("azurite: %s", line)

    def _wait_for_previous(self) -> None:
        """Let an Azurite still running on this data folder (its parent was killed) finish saving and stop."""
        pid_file = self.location / _PID_FILE
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and b"azurite" not in cmdline.read_bytes():
            return  # the number was reused by another process
        deadline = time.monotonic() + _PREVIOUS_GRACE
        while _alive(pid):
            if time.monotonic() > deadline:
                raise AzuriteError(
                    f"another Azurite (pid {pid}) still uses {self.location} after {_PREVIOUS_GRACE:g} s: is another "
                    "local Azure running on the same state file? Stop it first."
                )
            time.sleep(0.05)

    def flush(self, timeout: float = 10.0) -> None:
        """Save Azurite's metadata now (blobs written so far survive a kill of either process)."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            raise AzuriteError("Azurite is not running")
        token = os.urandom(8).hex()
        waiting: tuple[threading.Event, list[str]] = (threading.Event(), [])
        self._flushes[token] = waiting
        try:
            with self._stdin_lock:
                proc.stdin.write(f"flush {token}\n")
                proc.stdin.flush()
            if not waiting[0].wait(timeout):
                raise AzuriteError(f"Azurite did not save its data within {timeout} s")
        finally:
            del self._flushes[token]
        if waiting[1] != ["ok"]:
            raise AzuriteError(f"Azurite could not save its data: {waiting[1][0] if waiting[1] else '?'}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop Azurite (gracefully, then by force) and remove a temporary data folder."""
        self.blob_port = self.queue_port = self.table_port = 0
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self._temp_location:
            shutil.rmtree(self.location, ignore_errors=True)
        elif proc is not None:
            with contextlib.suppress(OSError):
                (self.location / _PID_FILE).unlink()

    def __enter__(self) -> Azurite:
        return self.start() if not self.running else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- accounts ---------------------------------------------------------------------------------
    def _accounts_line(self) -> str:
        entries = [f"{DEV_ACCOUNT}:{DEV_KEY}"]
        for acc in self._accounts.values():
            entries.append(f"{acc.name}:{acc.key1}" + (f":{acc.key2}" if acc.key2 else ""))
        return ";".join(entries)

    def _send_accounts(self) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            raise AzuriteError("Azurite is not running")
        with self._stdin_lock:
            proc.stdin.write("accounts " + self._accounts_line() + "\n")
            proc.stdin.flush()

    def set_account(self, name: str, key1: str, key2: str | None = None, *, wait: float = 10.0) -> None:
        """Add an account (or change its keys) and wait until Azurite accepts ``key1``."""
        with self._lock:
            self._accounts[name] = _Account(name, key1, key2)
            if self.running:
                self._send_accounts()
                self._wait_for_key(name, key1, wait)

    def remove_account(self, name: str) -> None:
        """Forget an account (its data should be deleted first)."""
        with self._lock:
            if self._accounts.pop(name, None) is not None and self.running:
                self._send_accounts()

    def _wait_for_key(self, name: str, key: str, wait: float) -> None:
        from azure.core.exceptions import AzureError

        client = self.service_client(name, key, retry_total=0)
        deadline = time.monotonic() + wait
        while True:
            try:
                next(iter(client.list_containers(results_per_page=1)), None)
                return
            except AzureError:
                if time.monotonic() > deadline:
                    raise AzuriteError(f"Azurite did not take the key of account {name!r} within {wait} s") from None
                time.sleep(0.01)

    def key_of(self, name: str) -> str | None:
        """key1 of an account Azurite serves."""
        if name == DEV_ACCOUNT:
            return DEV_KEY
        acc = self._accounts.get(name)
        return acc.key1 if acc else None

    # -- endpoints and clients ----------------------------------------------------------------
    def endpoint(self, service: str, account: str) -> str:
        """``http://127.0.0.1:<port>/<account>/`` (Azurite's path-style URLs)."""
        port = getattr(self, f"{service}_port")
        return f"http://{self.host}:{port}/{account}/"

    def service_client(self, account: str, key: str | None = None, **kwargs: Any) -> Any:
        """Return a ``BlobServiceClient`` on ``account`` with its shared key."""
        from azure.storage.blob import BlobServiceClient

        secret = key or self.key_of(account)
        if secret is None:
            raise AzuriteError(f"Azurite does not serve account {account!r}")
        credential = {"account_name": account, "account_key": secret}
        return BlobServiceClient(self.endpoint("blob", account).rstrip("/"), credential=credential, **kwargs)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"  # a zombie has stopped
    return True


class BlobPlane:
    """The storage data plane as the ARM backends see it (Azurite behind it)."""

    def __init__(self, azurite: Azurite) -> None:
        self.azurite = azurite

    @property
    def durable(self) -> bool:
        """Whether Azurite's data outlives it (a folder beside a state file), so :meth:`flush` matters."""
        return not self.azurite._temp_location

    @property
    def pid(self) -> int | None:
        """Azurite's process id (the crash tests kill it)."""
        proc = self.azurite._proc
        return proc.pid if proc is not None else None

    def flush(self) -> None:
        """Make the blobs written so far survive a kill (see :meth:`Azurite.flush`)."""
        if self.azurite.running:
            self.azurite.flush()

    def endpoints(self, account: str) -> dict[str, str]:
        """``primaryEndpoints`` for an account: blob, queue, table (Azurite serves no file/dfs/web)."""
        return {service: self.azurite.endpoint(service, account) for service in ("blob", "queue", "table")}

    def register(self, account: str, key1: str, key2: str) -> None:
        """Make ``account`` live in Azurite with these keys."""
        self.azurite.set_account(account, key1, key2)

    def unregister(self, account: str) -> None:
        """Delete the account's containers, then the account."""
        if self.azurite.key_of(account) is None:
            return
        try:
            client = self.azurite.service_client(account, retry_total=1)
            for container in client.list_containers():
                client.delete_container(container.name)
        except Exception:  # the account goes away either way
            log.warning("could not empty Azurite account %s", account, exc_info=True)
        self.azurite.remove_account(account)

    def create_page_blob(self, account: str, container: str, blob: str, size: int) -> None:
        """Create an (empty, sparse) page blob, creating the container if needed.

        Raises ``azure.core.exceptions.ResourceExistsError`` when the blob exists.
        """
        from azure.core.exceptions import ResourceExistsError

        service = self.azurite.service_client(account)
        container_client = service.get_container_client(container)
        with contextlib.suppress(ResourceExistsError):
            container_client.create_container()
        container_client.get_blob_client(blob).create_page_blob(size, if_none_match="*")

    def create_container(self, account: str, container: str, public_access: str | None = None) -> None:
        """Create a container (``public_access``: ``None``, ``blob`` or ``container``); nothing if it exists."""
        from azure.core.exceptions import ResourceExistsError

        client = self.azurite.service_client(account).get_container_client(container)
        with contextlib.suppress(ResourceExistsError):
            client.create_container()
        client.set_container_access_policy({}, public_access=public_access)

    def delete_container(self, account: str, container: str) -> None:
        """Delete a container and its blobs (nothing if it is gone)."""
        from azure.core.exceptions import ResourceNotFoundError

        with contextlib.suppress(ResourceNotFoundError):
            self.azurite.service_client(account).delete_container(container)

    def delete_blob(self, account: str, container: str, blob: str) -> None:
        """Delete a blob (nothing if it or its account is gone)."""
        from azure.core.exceptions import ResourceNotFoundError

        if self.azurite.key_of(account) is None:
            return
        with contextlib.suppress(ResourceNotFoundError):
            self.azurite.service_client(account).get_blob_client(container, blob).delete_blob()

    def blob_exists(self, account: str, container: str, blob: str) -> bool:
        """Whether the blob exists."""
        service = self.azurite.service_client(account)
        return bool(service.get_blob_client(container, blob).exists())

    def download_with_key(self, account: str, key: str, container: str, blob: str) -> bytes:
        """GET a blob with the account's key (what a script extension given the key does)."""
        client = self.azurite.service_client(account, key, retry_total=1).get_blob_client(container, blob)
        return bytes(client.download_blob().readall())

    def download(self, url: str) -> bytes:
        """GET a blob by URL as a client would (a SAS in the query is what authorises it)."""
        from azure.storage.blob import BlobClient

        return bytes(BlobClient.from_blob_url(url, retry_total=1).download_blob().readall())
