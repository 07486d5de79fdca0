"""Microsoft.ContainerInstance/containerGroups: groups that really run, as Podman pods.

The control plane answers as ACI does (sources in docs/research/container-instances.md): PUT 201
``Pending`` with an ``Azure-AsyncOperation`` (no ``Location``), GET with the instance view, lists
without it, DELETE 200 with the group, stop 204, start 202 (204 when running), restart 204 with an
``Azure-AsyncOperation``, logs ``{"content"}``, exec ``{"webSocketUri", "password"}``. Secrets are
kept out of every answer: registry passwords, secure environment values, secret volumes' contents,
storage account and workspace keys.

What runs is in :mod:`.runtime`. The local Azure's own deviations (documented in docs/local-azure.md):
``ipAddress.ip`` is the group's loopback address (127.64.0.0/10), where its ports really answer;
the ``fqdn`` keeps Azure's form but does not resolve offline; containers that cannot run here
stay ``Waiting`` with an event that says why.
"""

from __future__ import annotations

import copy
import logging
import secrets as _secrets
from typing import TYPE_CHECKING, Any

from ...containers import ContainersUnavailable, engine_unavailable
from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ...podman import EngineError
from ..base import json_response, list_response
from .rules import GROUP_TYPE, GroupRules
from .runtime import GroupRuntime, Supervisor, group_state, restart_policy

if TYPE_CHECKING:
    from ...core.wire import Call

log = logging.getLogger("azrm.emulator.containers")


class ContainerGroupBackend(GroupRules):
    """Container groups, their containers' logs and exec."""

    namespace = "Microsoft.ContainerInstance"

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self._runtime: GroupRuntime | None = None
        self.supervisor: Supervisor | None = None
        #: exec sessions: id -> (group id, container, command, password)
        self.exec_sessions: dict[str, dict[str, Any]] = {}

    def register(self, r: Router) -> None:
        sub = "/subscriptions/{subscriptionId}"
        groups = sub + "/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerInstance/containerGroups"
        group = groups + "/{containerGroupName}"
        r.add("PUT", group, self.put_group)
        r.add("PATCH", group, self.patch_group)
        r.add("GET", group, self.get_group)
        r.add("DELETE", group, self.delete_group)
        r.add("GET", groups, self.list_groups)
        r.add("GET", sub + "/providers/Microsoft.ContainerInstance/containerGroups", self.list_groups)
        r.add("POST", group + "/stop", self.stop_group)
        r.add("POST", group + "/start", self.start_group)
        r.add("POST", group + "/restart", self.restart_group)
        r.add("GET", group + "/containers/{containerName}/logs", self.logs)
        r.add("POST", group + "/containers/{containerName}/exec", self.exec)
        r.add("POST", group + "/containers/{containerName}/attach", self.attach)
        r.add("GET", group + "/outboundNetworkDependenciesEndpoints", self.outbound)
        self.emu.on_delete(GROUP_TYPE, self._on_delete)
        self.emu.streams["execstream"] = self.run_exec
        self.emu.streams["attachstream"] = self.run_exec

    # -- the engine ---------------------------------------------------------------------------------------
    def runtime(self) -> GroupRuntime | None:
        """Return the runtime over the local Azure's engine (``None`` in-process, without a container plane).

        Raises ARM's answer (``ContainerEngineUnavailable``) when Podman is missing here.
        """
        plane = self.emu.containers
        if plane is None:
            return None
        try:
            plane.engine  # noqa: B018  (made on first use; raises when Podman is missing)
        except ContainersUnavailable as exc:
            raise engine_unavailable(exc) from exc
        if self._runtime is None or self._runtime.plane is not plane:
            self._runtime = GroupRuntime(plane, self.store.touch, lambda r: self.store.get(r.id))
            self.supervisor = Supervisor(self._runtime, self._watched, self._locked)
        return self._runtime

    def _watched(self) -> list[Record]:
        return [r for r in self.store.of_type(GROUP_TYPE) if r.internal.get("runtime")]

    def _locked(self, fn: Any) -> Any:
        with self.emu._lock:
            return fn()

    def restore(self) -> None:
        """Bring back the groups of a state file (their pods went with the last stop) that were running."""
        for record in self.store.of_type(GROUP_TYPE):
            runtime_state = record.internal.get("runtime")
            if not runtime_state or runtime_state.get("stopped"):
                continue
            try:
                runtime = self.runtime()
                if runtime is not None:
                    runtime.run(record, record.secrets)
                    self.store.touch(record)
            except (ArmError, EngineError) as exc:
                log.warning("container group %s could not be started again: %s", record.id, exc)
        if self._runtime is not None and self._watched() and self.supervisor is not None:
            self.supervisor.ensure_running()

    def close(self) -> None:
        """Stop supervising restarts."""
        if self.supervisor is not None:
            self.supervisor.close()

    # -- views ---------------------------------------------------------------------------------------------
    def view(self, record: Record, *, instance_view: bool = True) -> dict[str, Any]:
        """Return the group as ACI returns it (``instance_view=False``: as in a list)."""
        body = copy.deepcopy(record.body)
        if not instance_view:
            return body
        props = body["properties"]
        runtime = self._runtime if self.emu.containers is not None else None
        views: dict[str, dict[str, Any]] = {}
        state = props.get("provisioningState")
        if record.internal.get("runtime") and runtime is not None:
            try:
                views = runtime.views(record)
            except EngineError as exc:
                log.warning("could not read container states of %s: %s", record.id, exc)
        elif state != "Pending":
            reason = "The local Azure runs in-process without a container engine: nothing was executed."
            views = {
                str(c.get("name")): {
                    "restartCount": 0,
                    "currentState": {"state": "Waiting", "detailStatus": reason},
                    "events": [],
                }
                for c in props.get("containers") or []
            }
        for container in props.get("containers") or []:
            view = views.get(str(container.get("name")))
            if view is not None:
                container["properties"]["instanceView"] = view
        inits = (record.internal.get("runtime") or {}).get("init") or {}
        for container in props.get("initContainers") or []:
            init = inits.get(str(container.get("name")))
            if init is not None:
                container.setdefault("properties", {})["instanceView"] = {
                    "restartCount": 0,
                    "currentState": init.get("currentState") or {"state": "Waiting"},
                    "events": list(init.get("events") or []),
                }
        stopped = bool((record.internal.get("runtime") or {}).get("stopped"))
        group = "Pending" if state == "Pending" else group_state(views, restart_policy(props), stopped)
        props["instanceView"] = {"events": [], "state": group}
        return body

    # -- request bodies ----------------------------------------------------------------------------------------
    def _group(self, call: Call) -> Record:
        return self.get_record(self.resource_id(call, "containerGroups", call.params["containerGroupName"]), GROUP_TYPE)

    # -- handlers --------------------------------------------------------------------------------------------
    def put_group(self, call: Call) -> Response:
        name = call.params["containerGroupName"]
        body = call.body()
        location = self.location(body, GROUP_TYPE)
        tags = self.tags(body)
        rid = self.resource_id(call, "containerGroups", name)
        props, secrets = self._normalize(name, body.get("properties") or {}, location)
        label = (props.get("ipAddress") or {}).get("dnsNameLabel")
        if label:
            self._dns_label_taken(rid, location, str(label), name)
        runtime = self.runtime()  # 409 ContainerEngineUnavailable before anything is stored
        self._check_images(name, props, secrets)
        existing = self.store.get(rid)
        if existing is not None:
            self.busy(existing)
            self._check_update(existing, props, name)
        plane = self.emu.containers
        address = plane.group_address(rid) if plane is not None else _address(rid)
        if isinstance(props.get("ipAddress"), dict):
            ip = props["ipAddress"]
            ip["ip"] = address
            if ip.get("dnsNameLabel"):
                ip["fqdn"] = f"{str(ip['dnsNameLabel']).lower()}.{location}.azurecontainer.io"
        props.setdefault("initContainers", [])
        props.setdefault("sku", "Standard")
        props["provisioningState"] = "Pending"
        record_body: dict[str, Any] = {
            "id": rid,
            "name": name,
            "type": GROUP_TYPE,
            "location": location,
            "tags": tags,
            "properties": props,
        }
        for extra in ("identity", "zones", "extendedLocation"):
            if body.get(extra) is not None:
                record_body[extra] = copy.deepcopy(body[extra])
        internal = {"address": address}
        if existing is not None and runtime is not None and existing.internal.get("runtime"):
            runtime.remove(existing)
        record = self.store.put(Record(rid, GROUP_TYPE, record_body, secrets=secrets, internal=internal))

        def complete() -> None:
            if self.store.get(rid) is not record:
                return  # deleted (or replaced) meanwhile: nothing to run
            if runtime is not None:
                stop_first = bool(record.internal.pop("stop_requested", False))
                runtime.run(record, record.secrets)
                if stop_first:
                    runtime.stop(record)  # a stop acknowledged while it was being created
                if self.supervisor is not None:
                    self.supervisor.ensure_running()
            record.properties["provisioningState"] = "Succeeded"
            self.store.touch(record)

        def failed(err: ArmError) -> None:
            record.properties["provisioningState"] = "Failed"
            self.store.touch(record)

        op = self.begin(call, record, "create", style="aci", complete=complete, on_failure=failed)
        status = 200 if existing is not None else 201
        return json_response(status, self.view(record), self.lro_headers(call, op))

    def patch_group(self, call: Call) -> Response:
        record = self._group(call)
        body = call.body()
        if "tags" in body:
            record.body["tags"] = self.tags(body)
        self.store.touch(record)
        return json_response(200, self.view(record))

    def get_group(self, call: Call) -> Response:
        return json_response(200, self.view(self._group(call)))

    def list_groups(self, call: Call) -> Response:
        return list_response(self.view(r, instance_view=False) for r in self.records_in(call, GROUP_TYPE))

    def delete_group(self, call: Call) -> Response:
        rid = self.resource_id(call, "containerGroups", call.params["containerGroupName"])
        record = self.store.get(rid)
        if record is None:
            return Response(204)
        body = self.view(record)
        self.emu.remove(record.id)
        return json_response(200, body)

    def _on_delete(self, record: Record) -> None:
        if record.internal.get("runtime") and self._runtime is not None:
            try:
                self._runtime.remove(record)
            except EngineError as exc:
                log.warning("could not remove the pod of %s: %s", record.id, exc)

    def stop_group(self, call: Call) -> Response:
        record = self._group(call)
        runtime = self.runtime()
        if runtime is not None and record.internal.get("runtime"):
            runtime.stop(record)
        elif runtime is not None:
            record.internal["stop_requested"] = True  # still being created: stopped once it exists
        else:
            record.internal.setdefault("runtime", {"containers": {}})["stopped"] = True
        self.store.touch(record)
        return Response(204)

    def start_group(self, call: Call) -> Response:
        record = self._group(call)
        runtime = self.runtime()
        state = record.internal.get("runtime") or {}
        if state and not state.get("stopped"):
            return Response(204)  # already running or starting (ACI's 204, no operation)

        def complete() -> None:
            if self.store.get(record.id) is not record:
                return
            if runtime is not None:
                runtime.run(record, record.secrets)
                if self.supervisor is not None:
                    self.supervisor.ensure_running()
            else:
                record.internal.setdefault("runtime", {"containers": {}})["stopped"] = False
            self.store.touch(record)

        op = self.begin(call, record, "start", style="aci", complete=complete)
        return Response(202, None, Headers(self.lro_headers(call, op)))

    def restart_group(self, call: Call) -> Response:
        record = self._group(call)
        runtime = self.runtime()
        record.properties["provisioningState"] = "Updating"
        self.store.touch(record)

        def complete() -> None:
            if self.store.get(record.id) is not record:
                return
            if runtime is not None and record.internal.get("runtime"):
                if record.internal["runtime"].get("stopped"):
                    runtime.run(record, record.secrets)
                else:
                    runtime.restart(record)
            record.properties["provisioningState"] = "Succeeded"
            self.store.touch(record)

        def failed(err: ArmError) -> None:
            record.properties["provisioningState"] = "Failed"
            self.store.touch(record)

        op = self.begin(call, record, "restart", style="aci", complete=complete, on_failure=failed)
        return Response(204, None, Headers(self.lro_headers(call, op)))

    def _container(self, call: Call) -> tuple[Record, str]:
        record = self._group(call)
        cname = call.params["containerName"]
        names = [str(c.get("name")) for c in record.properties.get("containers") or []]
        if cname not in names:
            raise ArmError(
                404,
                "ContainerNotFound",
                f"The container '{cname}' in container group '{record.name}' is not found.",
            )
        return record, cname

    def logs(self, call: Call) -> Response:
        record, cname = self._container(call)
        runtime = self.runtime()
        tail_raw = call.req.query.get("tail")
        try:
            tail = int(tail_raw) if tail_raw not in (None, "") else None
        except ValueError:
            raise ArmError(
                400, "InvalidParameter", f"The value '{tail_raw}' of parameter 'tail' is not an integer."
            ) from None
        timestamps = str(call.req.query.get("timestamps", "false")).lower() == "true"
        state = ((record.internal.get("runtime") or {}).get("containers") or {}).get(cname) or {}
        content = ""
        if runtime is not None and state.get("created"):
            try:
                content = runtime.plane.engine.logs(
                    runtime.container_name(record, cname), tail=tail, timestamps=timestamps
                )
            except EngineError as exc:
                log.warning("logs of %s/%s: %s", record.id, cname, exc)
        return json_response(200, {"content": content[-4 * 1024 * 1024 :]})

    def exec(self, call: Call) -> Response:
        record, cname = self._container(call)
        body = call.body()
        size = body.get("terminalSize") or {}
        try:
            rows, cols = int(size.get("rows") or 24), int(size.get("cols") or 80)
        except (TypeError, ValueError):
            raise ArmError(400, "InvalidRequestContent", "The terminal size's rows and cols are integers.") from None
        session = self.guid()
        password = _secrets.token_urlsafe(24)
        self.exec_sessions[session] = {
            "group": record.id,
            "container": cname,
            "command": str(body.get("command", "")),
            "password": password,
        }
        base = call.base_url.replace("https://", "wss://").replace("http://", "ws://")
        uri = f"{base}/_azrm/execstream/{session}?api-version=1.0&rows={rows}&cols={cols}"
        return json_response(200, {"webSocketUri": uri, "password": password})

    def attach(self, call: Call) -> Response:
        record, cname = self._container(call)
        session = self.guid()
        password = _secrets.token_urlsafe(24)
        self.exec_sessions[session] = {"group": record.id, "container": cname, "command": None, "password": password}
        base = call.base_url.replace("https://", "wss://").replace("http://", "ws://")
        return json_response(200, {"webSocketUri": f"{base}/_azrm/attachstream/{session}", "password": password})

    def outbound(self, call: Call) -> Response:
        self._group(call)
        return Response(200, [])

    def run_exec(self, session_id: str, password: str) -> str:
        """Run an exec session's command in its container (once, as a real ``podman exec``); return its output.

        Called from the websocket the exec answer named, with the password the client sends first.
        """
        with self.emu._lock:
            session = self.exec_sessions.get(session_id)
            if session is None or not _secrets.compare_digest(session["password"], password):
                raise PermissionError("unknown exec session or wrong password")
            del self.exec_sessions[session_id]
            record = self.store.get(session["group"])
            runtime = self.runtime()
            if record is None or runtime is None:
                raise LookupError("The container group no longer exists.")
            state = ((record.internal.get("runtime") or {}).get("containers") or {}).get(session["container"]) or {}
            name = runtime.container_name(record, session["container"])
        if not state.get("created"):
            return "The container is not running, so the command could not be executed.\n"
        if session["command"] is None:  # attach: what the container has written so far
            return runtime.plane.engine.logs(name)
        # ACI runs the command as one executable, with no arguments (its docs; azure-cli#10039)
        _, output = runtime.plane.engine.exec(name, [session["command"]])
        return output


def _address(resource_id: str) -> str:
    """Return a group's address in an in-process local Azure without a container plane (nothing listens)."""
    import hashlib

    digest = int(hashlib.sha256(resource_id.lower().encode()).hexdigest(), 16)
    return f"127.{64 + digest % 64}.{(digest >> 8) % 256}.{1 + (digest >> 16) % 254}"
