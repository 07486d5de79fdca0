"""What runs behind a container group: a Podman pod, its containers, and what they did.

The ARM record says what the user asked for; this module makes it real with the local Azure's
engine and reports back what really happened, in ACI's instance-view words:

- a group is a pod (its containers share one network namespace, as in ACI) whose ports are
  published on the group's own loopback address with the numbers the template gives;
- each container's ``currentState`` / ``previousState`` / ``restartCount`` / ``events`` come from
  the engine (``podman inspect``) and from what this module did (pulls, starts, restarts, stops);
- a container that cannot run here stays ``Waiting`` with an event that says why (an image this
  offline machine cannot pull, a Windows image, an Azure Files or git volume), never faked running;
- the restart policy is applied by :class:`Supervisor` with a back-off like ACI's (10 s doubling to
  5 minutes), not by Podman's, which restarts at once and forever.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...containers import LABEL, ContainerPlane
from ...core.store import Record
from ...podman import EngineError, Mount

__all__ = ["GroupRuntime", "Supervisor", "split_image"]

log = logging.getLogger("azrm.emulator.containers")

#: ACI's restart back-off: the first restart after 10 s, doubling up to 5 minutes
BACKOFF_FIRST = 10.0
BACKOFF_MAX = 300.0
OFFLINE_HINT = (
    "The local Azure has no network, so it cannot pull from '{host}'. Make the image available offline: "
    "load an image archive into the local Azure's engine (LocalAzure.containers.engine.load('image.tar')), "
    "or push or import it into a local container registry and use that registry's login server."
)


def iso(ts: float) -> str:
    """Return an instance-view timestamp (``2021-10-14T20:39:22Z``)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _engine_time(value: str | None) -> str | None:
    """Turn Podman's ``2026-12-05 18:00:01.123 +0000 UTC`` / RFC 3339 times into ACI's ISO form."""
    if not value or value.startswith("0001-01-01"):
        return None
    text = value.strip()
    for cut in (" +", " -"):
        if cut in text[19:]:
            text = text[: 19 + text[19:].index(cut)]
    text = text.replace(" ", "T").rstrip("Z")
    head, _, frac = text.partition(".")
    try:
        stamp = datetime.fromisoformat(head).replace(tzinfo=timezone.utc)
    except ValueError:
        return value
    millis = (frac + "000")[:3] if frac else "000"
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis}Z"


def split_image(image: str) -> tuple[str | None, str]:
    """Split an image reference into its registry host (``None`` for Docker Hub) and the rest."""
    first, slash, rest = image.partition("/")
    if slash and (any(c in first for c in ".:") or first == "localhost" or first.lower() != first):
        return first, rest
    return None, image


@dataclass
class Plan:
    """What the runtime can do for one container: run it with ``image``, or leave it waiting with a reason."""

    name: str
    image: str
    waiting: str | None = None  #: why it cannot run here (an event message), or ``None``
    #: (registry address, service credentials); kept out of reprs
    pull_from: tuple[str, tuple[str, str]] | None = field(default=None, repr=False)


class GroupRuntime:
    """The engine side of container groups for one local Azure (used under the emulator's lock)."""

    def __init__(
        self, plane: ContainerPlane, touch: Callable[[Record], None], current: Callable[[Record], Record | None]
    ) -> None:
        self.plane = plane
        #: saves a record whose runtime state changed (the store's ``touch``)
        self.touch = touch
        #: the stored record of the same id now (``None`` once deleted), to tell a replaced group
        self.current = current

    # -- names ---------------------------------------------------------------------------------------
    def pod_name(self, record: Record) -> str:
        """Return the pod name of a group (unique per local Azure and group id)."""
        digest = hashlib.sha256(record.id.lower().encode()).hexdigest()[:10]
        return f"azrm-{self.plane.id}-{digest}"

    def container_name(self, record: Record, container: str) -> str:
        """Return the engine's name of one of the group's containers."""
        return f"{self.pod_name(record)}-{container}"

    def volume_folder(self, record: Record) -> Path:
        """Return where the group's emptyDir and secret volumes live on this machine."""
        return self.plane.folder / "groups" / self.pod_name(record)

    # -- events ---------------------------------------------------------------------------------------
    @staticmethod
    def event(state: dict[str, Any], name: str, message: str, kind: str = "Normal") -> None:
        """Add an event to a container's internal state (a repeat bumps ``count``, as ACI does)."""
        now = iso(time.time())
        events: list[dict[str, Any]] = state.setdefault("events", [])
        for event in events:
            if event["name"] == name and event["message"] == message:
                event["count"] += 1
                event["lastTimestamp"] = now
                return
        events.append(
            {"count": 1, "firstTimestamp": now, "lastTimestamp": now, "name": name, "message": message, "type": kind}
        )

    # -- planning ------------------------------------------------------------------------------------
    def plan(self, record: Record, container: dict[str, Any]) -> Plan:
        """Decide how a container can run here: with which image, pulled from where, or why not."""
        props = container.get("properties") or {}
        name = str(container.get("name"))
        image = str(props.get("image") or "")
        if str(record.properties.get("osType", "Linux")).lower() == "windows":
            return Plan(
                name,
                image,
                waiting="Windows containers cannot run on this Linux host: the local Azure keeps the group "
                "(as Azure accepts it) but does not execute it.",
            )
        volumes = {str(v.get("name")): v for v in record.properties.get("volumes") or []}
        for mount in props.get("volumeMounts") or []:
            volume = volumes.get(str(mount.get("name"))) or {}
            if volume.get("azureFile") is not None:
                return Plan(
                    name,
                    image,
                    waiting=f"The volume '{mount.get('name')}' is an Azure Files share, which the local Azure does "
                    "not provide (Azurite has no Files service): the container cannot start here.",
                )
            if volume.get("gitRepo") is not None:
                repo = str((volume.get("gitRepo") or {}).get("repository", ""))
                return Plan(
                    name,
                    image,
                    waiting=f"The volume '{mount.get('name')}' clones the git repository '{repo}', which this "
                    "offline machine cannot reach: the container cannot start here.",
                )
        host, _ = split_image(image)
        local = self.plane.registry_for_host(host) if host else None
        if local is not None:
            registry_name, registry = local
            rest = image.partition("/")[2]
            return Plan(name, f"{registry.address}/{rest}", pull_from=(registry.address, self._service(registry_name)))
        engine = self.plane.engine
        for candidate in _engine_refs(image):
            if engine.image_exists(candidate):
                return Plan(name, candidate)
        return Plan(name, image, waiting=OFFLINE_HINT.format(host=host or "docker.io"))

    def _service(self, registry_name: str) -> tuple[str, str]:
        registry = self.plane.registry(registry_name)
        creds = self.plane.service_credentials()
        assert registry is not None
        return creds[registry.address]

    # -- life cycle ----------------------------------------------------------------------------------
    def run(self, record: Record, secrets: dict[str, Any]) -> None:
        """Create the group's pod and containers and start those that can run; record what happened."""
        self.remove(record)
        engine = self.plane.engine
        runtime: dict[str, Any] = {"containers": {}, "stopped": False}
        record.internal["runtime"] = runtime
        plans = [self.plan(record, c) for c in record.properties.get("containers") or []]
        for plan in plans:
            state: dict[str, Any] = {"restartCount": 0, "events": [], "created": False}
            runtime["containers"][plan.name] = state
            if plan.waiting is not None:
                self.event(state, "Failed", plan.waiting, "Warning")
                state["waiting"] = plan.waiting
        if all(p.waiting is not None for p in plans):
            return
        init_failure = None
        inits = list(record.properties.get("initContainers") or [])
        publish = []
        address = record.internal.get("address")
        for port in (record.properties.get("ipAddress") or {}).get("ports") or []:
            protocol = str(port.get("protocol") or "TCP").lower()
            publish.append(f"{address}:{port['port']}:{port['port']}/{protocol}")
        pod = self.pod_name(record)
        engine.create_pod(pod, publish=publish, labels={LABEL: self.plane.id, "azrm.group": record.id.lower()})
        if inits:
            init_failure = self._run_inits(record, inits, secrets)
        containers = {str(c.get("name")): c for c in record.properties.get("containers") or []}
        started = []
        for plan in plans:
            if plan.waiting is not None:
                continue
            if init_failure is not None:
                state = runtime["containers"][plan.name]
                state["waiting"] = init_failure
                self.event(state, "Failed", init_failure, "Warning")
                continue
            state = runtime["containers"][plan.name]
            props = containers[plan.name].get("properties") or {}
            try:
                if plan.pull_from is not None:
                    address_, creds = plan.pull_from
                    self.event(state, "Pulling", f'pulling image "{props.get("image")}"')
                    engine.pull(plan.image, credentials={address_: creds}, cert_dir=self.plane.cert_dir)
                    self.event(state, "Pulled", f'Successfully pulled image "{props.get("image")}"')
                engine.create_container(
                    self.container_name(record, plan.name),
                    plan.image,
                    pod=pod,
                    command=[str(c) for c in props.get("command") or []],
                    env=self._environment(plan.name, props, secrets, secure_key=plan.name),
                    cpus=_float(((props.get("resources") or {}).get("limits") or {}).get("cpu"))
                    or _float(((props.get("resources") or {}).get("requests") or {}).get("cpu")),
                    memory_gb=_float(((props.get("resources") or {}).get("limits") or {}).get("memoryInGB"))
                    or _float(((props.get("resources") or {}).get("requests") or {}).get("memoryInGB")),
                    mounts=self._mounts(record, props, secrets),
                    labels={LABEL: self.plane.id},
                )
            except EngineError as exc:
                state["waiting"] = f"The container could not be created: {exc}"
                self.event(state, "Failed", state["waiting"], "Warning")
                continue
            state["created"] = True
            self.event(state, "Created", "Created container")
            started.append(plan.name)
        for name in started:
            self.start_container(record, name)

    def _run_inits(self, record: Record, inits: list[dict[str, Any]], secrets: dict[str, Any]) -> str | None:
        """Run the init containers one after the other to completion; return why the group cannot go on."""
        engine = self.plane.engine
        states: dict[str, Any] = record.internal["runtime"].setdefault("init", {})
        for init in inits:
            name = str(init.get("name"))
            props = init.get("properties") or {}
            state: dict[str, Any] = {"restartCount": 0, "events": []}
            states[name] = state
            plan = self.plan(record, init)
            if plan.waiting is not None:
                self.event(state, "Failed", plan.waiting, "Warning")
                state["currentState"] = {"state": "Waiting", "detailStatus": plan.waiting}
                return f"The init container '{name}' cannot run here: {plan.waiting}"
            engine_name = f"{self.pod_name(record)}-init-{name}"
            try:
                if plan.pull_from is not None:
                    address, creds = plan.pull_from
                    engine.pull(plan.image, credentials={address: creds}, cert_dir=self.plane.cert_dir)
                engine.create_container(
                    engine_name,
                    plan.image,
                    pod=self.pod_name(record),
                    command=[str(c) for c in props.get("command") or []],
                    env=self._environment(name, props, secrets, secure_key=f"init:{name}"),
                    mounts=self._mounts(record, props, secrets),
                    labels={LABEL: self.plane.id},
                )
                engine.start(engine_name)
                self.event(state, "Started", "Started container")
                engine.run("wait", engine_name, timeout=600)
                info = engine.inspect(engine_name)
            except EngineError as exc:
                state["currentState"] = {"state": "Waiting", "detailStatus": str(exc)}
                return f"The init container '{name}' could not run: {exc}"
            state["currentState"] = current_state((info[0] if info else {}).get("State") or {}, False)
            code = state["currentState"].get("exitCode")
            if code not in (0, None):
                return f"The init container '{name}' exited with code {code}: the containers do not start."
        return None

    def start_container(self, record: Record, name: str) -> None:
        """Start one created container and note it."""
        state = record.internal["runtime"]["containers"][name]
        try:
            self.plane.engine.start(self.container_name(record, name))
        except EngineError as exc:
            state["waiting"] = f"The container could not start: {exc}"
            self.event(state, "Failed", state["waiting"], "Warning")
            return
        state.pop("stopped_by_client", None)
        self.event(state, "Started", "Started container")

    def stop(self, record: Record) -> None:
        """Stop every container (``Stop-AzContainerGroup``): Terminated, 'Container stopped per client request'."""
        runtime = record.internal.get("runtime") or {}
        names = [n for n, s in (runtime.get("containers") or {}).items() if s.get("created")]
        views = self.views(record)
        self.plane.engine.stop(*(self.container_name(record, n) for n in names))
        for name in names:
            state = runtime["containers"][name]
            view = views.get(name) or {}
            if (view.get("currentState") or {}).get("state") == "Running":
                state["previousState"] = view["currentState"]
                self.event(state, "Killing", "Killing container with id " + self.container_name(record, name) + ".")
            state["stopped_by_client"] = True
        runtime["stopped"] = True

    def restart(self, record: Record) -> None:
        """Restart every container in place (``Restart-AzContainerGroup``)."""
        runtime = record.internal.get("runtime") or {}
        names = [n for n, s in (runtime.get("containers") or {}).items() if s.get("created")]
        if not names:
            return
        views = self.views(record)
        self.plane.engine.run("restart", "--time", "2", *(self.container_name(record, n) for n in names), check=False)
        for name in names:
            state = runtime["containers"][name]
            current = (views.get(name) or {}).get("currentState")
            if current:
                state["previousState"] = current
            state["restartCount"] = int(state.get("restartCount", 0)) + 1
            state.pop("stopped_by_client", None)
            self.event(state, "Started", "Started container")
        runtime["stopped"] = False

    def remove(self, record: Record) -> None:
        """Remove the group's pod, containers and volume folders."""
        self.plane.engine.remove_pod(self.pod_name(record))
        shutil.rmtree(self.volume_folder(record), ignore_errors=True)

    # -- what the engine says --------------------------------------------------------------------------
    def views(self, record: Record) -> dict[str, dict[str, Any]]:
        """Return each container's ``instanceView`` (state from the engine, history from the record)."""
        runtime = record.internal.get("runtime") or {}
        states: dict[str, Any] = runtime.get("containers") or {}
        created = [n for n, s in states.items() if s.get("created")]
        inspected = {}
        if created:
            for item in self.plane.engine.inspect(*(self.container_name(record, n) for n in created)):
                inspected[str(item.get("Name", "")).removeprefix(self.pod_name(record) + "-")] = item
        out = {}
        for name, state in states.items():
            view: dict[str, Any] = {"restartCount": int(state.get("restartCount", 0))}
            info = inspected.get(name)
            if info is None:
                view["currentState"] = {"state": "Waiting", "detailStatus": state.get("waiting") or "Waiting"}
            else:
                view["currentState"] = current_state(info.get("State") or {}, bool(state.get("stopped_by_client")))
            if state.get("previousState"):
                view["previousState"] = state["previousState"]
            view["events"] = list(state.get("events") or [])
            out[name] = view
        return out

    def exit_info_of(self, record: Record, names: list[str]) -> dict[str, dict[str, Any]]:
        """Return ``{container: engine State}`` of the named containers (for the supervisor; no record access)."""
        prefix = self.pod_name(record) + "-"
        return {
            str(item.get("Name", "")).removeprefix(prefix): item.get("State") or {}
            for item in self.plane.engine.inspect(*(self.container_name(record, n) for n in names))
        }

    # -- inputs ---------------------------------------------------------------------------------------
    @staticmethod
    def _environment(name: str, props: dict[str, Any], secrets: dict[str, Any], *, secure_key: str) -> dict[str, str]:
        env = {}
        for item in props.get("environmentVariables") or []:
            if item.get("value") is not None:
                env[str(item["name"])] = str(item["value"])
        for key, value in (secrets.get("secureEnv", {}).get(secure_key) or {}).items():
            env[key] = str(value)
        return env

    def _mounts(self, record: Record, props: dict[str, Any], secrets: dict[str, Any]) -> list[Mount]:
        volumes = {str(v.get("name")): v for v in record.properties.get("volumes") or []}
        folder = self.volume_folder(record)
        mounts = []
        for mount in props.get("volumeMounts") or []:
            vname = str(mount.get("name"))
            volume = volumes.get(vname) or {}
            source = folder / vname
            if not source.exists():
                source.mkdir(parents=True, mode=0o700)
                for filename, value in (secrets.get("secretVolumes", {}).get(vname) or {}).items():
                    target = source / filename
                    target.write_bytes(base64.b64decode(str(value)))
                    target.chmod(0o400)
            read_only = bool(mount.get("readOnly")) or "secret" in volume
            mounts.append(Mount(source, str(mount.get("mountPath")), read_only))
        return mounts


def current_state(state: dict[str, Any], stopped_by_client: bool) -> dict[str, Any]:
    """Turn the engine's container state into ACI's ``currentState``."""
    status = str(state.get("Status", "")).lower()
    started = _engine_time(state.get("StartedAt"))
    if status == "running":
        return {"state": "Running", "startTime": started, "detailStatus": ""}
    if status in ("exited", "stopped"):
        code = int(state.get("ExitCode", 0))
        detail = "Completed" if code == 0 else "Error"
        if stopped_by_client:
            detail = "Container stopped per client request"
        out = {"state": "Terminated", "startTime": started, "exitCode": code, "detailStatus": detail}
        finished = _engine_time(state.get("FinishedAt"))
        if finished:
            out["finishTime"] = finished
        return out
    return {"state": "Waiting", "detailStatus": status or "Waiting"}


def group_state(views: dict[str, dict[str, Any]], policy: str, stopped: bool) -> str:
    """Return the group's ``instanceView.state`` from its containers' (ACI's words)."""
    if stopped:
        return "Stopped"
    states = [(v.get("currentState") or {}) for v in views.values()]
    if any(s.get("state") == "Running" for s in states):
        return "Running"
    if states and all(s.get("state") == "Terminated" for s in states) and policy != "Always":
        if all(int(s.get("exitCode", 0)) == 0 for s in states):
            return "Succeeded"
        if policy == "Never":
            return "Failed"
    return "Pending" if any(s.get("state") == "Waiting" for s in states) or not states else "Running"


def restart_policy(props: dict[str, Any]) -> str:
    """Return a group's restart policy in Azure's spelling (``Always`` when not given), whatever its case."""
    policy = str(props.get("restartPolicy") or "Always")
    return next((v for v in ("Always", "OnFailure", "Never") if v.lower() == policy.lower()), policy)


def _engine_refs(image: str) -> list[str]:
    """Return the names an image may have in the engine (Podman prefixes Docker Hub and local images)."""
    host, rest = split_image(image)
    refs = [image]
    if host is None:
        refs += [f"docker.io/{rest}", f"docker.io/library/{rest}", f"localhost/{rest}"]
    return refs


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class Supervisor:
    """Apply the groups' restart policies, as ACI does, in one background thread per local Azure.

    Once a second (``interval``) it asks ``pending`` for the groups to watch and, for each container
    that exited, restarts it when the policy says so (``Always``; ``OnFailure`` with a non-zero exit
    code) once its back-off has passed: ``backoff_first`` seconds doubling up to ``backoff_max``.
    ``locked`` runs a function under the emulator's lock (the engine calls happen outside it).
    """

    def __init__(
        self,
        runtime: GroupRuntime,
        groups: Callable[[], list[Record]],
        locked: Callable[[Callable[[], Any]], Any],
        *,
        interval: float = 1.0,
        backoff_first: float = BACKOFF_FIRST,
        backoff_max: float = BACKOFF_MAX,
    ) -> None:
        self.runtime = runtime
        self.groups = groups
        self.locked = locked
        self.interval = interval
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        """Start the thread (once)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="azrm-aci-supervisor", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if self.runtime.plane.closed:
                return
            try:
                self.tick(time.time())
            except Exception:  # the supervisor must outlive one bad round (an engine hiccup)
                log.exception("container restart supervision failed")

    def delay(self, restarts: int) -> float:
        """Return the back-off before restart number ``restarts + 1``."""
        return float(min(self.backoff_max, self.backoff_first * (2 ** max(0, restarts))))

    def tick(self, now: float) -> int:
        """Restart what is due now; returns how many containers were restarted.

        What to watch is read under the emulator's lock, the engine is asked outside it, and each
        restart is decided again under the lock (the group may have been replaced or stopped since).
        """
        if self.runtime.plane.closed:
            return 0
        watch = self.locked(self._snapshot)
        restarted = 0
        for record, policy, names, restarts in watch:
            try:
                exits = self.runtime.exit_info_of(record, names)
            except EngineError:
                continue
            for name, state in exits.items():
                if str(state.get("Status", "")).lower() not in ("exited", "stopped"):
                    continue
                code = int(state.get("ExitCode", 0))
                if policy == "OnFailure" and code == 0:
                    continue
                finished = _engine_seconds(state.get("FinishedAt")) or now
                if now - finished < self.delay(restarts.get(name, 0)):
                    continue
                restarted += int(self.locked(functools.partial(self._restart, record, name, state)))
        return restarted

    def _snapshot(self) -> list[tuple[Record, str, list[str], dict[str, int]]]:
        out = []
        for record in self.groups():
            policy = restart_policy(record.properties)
            runtime = record.internal.get("runtime") or {}
            if policy == "Never" or runtime.get("stopped"):
                continue
            states = runtime.get("containers") or {}
            names = [n for n, s in states.items() if s.get("created") and not s.get("stopped_by_client")]
            if names:
                out.append((record, policy, names, {n: int(states[n].get("restartCount", 0)) for n in names}))
        return out

    def _restart(self, record: Record, name: str, engine_state: dict[str, Any]) -> int:
        if self.runtime.current(record) is not record:
            return 0  # deleted or replaced since the snapshot
        runtime = record.internal.get("runtime") or {}
        mine = (runtime.get("containers") or {}).get(name)
        if mine is None or runtime.get("stopped") or mine.get("stopped_by_client"):
            return 0
        mine["previousState"] = current_state(engine_state, False)
        mine["restartCount"] = int(mine.get("restartCount", 0)) + 1
        self.runtime.start_container(record, name)
        self.runtime.touch(record)
        return 1


def _engine_seconds(value: str | None) -> float | None:
    text = _engine_time(value)
    if not text or not text.endswith("Z"):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None
