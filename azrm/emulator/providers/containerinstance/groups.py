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
import json
import logging
import secrets as _secrets
import ssl
import urllib.error
import urllib.request
from base64 import b64encode
from typing import TYPE_CHECKING, Any

from ....container_rules import container_name_problem, dns_name_label_problem
from ...containers import ContainersUnavailable, engine_unavailable
from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ...podman import EngineError
from ..base import Provider, json_response, list_response
from .runtime import GroupRuntime, Supervisor, group_state, split_image

if TYPE_CHECKING:
    from ...core.wire import Call

GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups"
log = logging.getLogger("azrm.emulator.containers")

#: what ACI allows one group in most regions (Location_ListCapabilities has the per-region figures)
MAX_GROUP_CPU = 4.0
MAX_GROUP_MEMORY_GB = 16.0


class ContainerGroupBackend(Provider):
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
            self._runtime = GroupRuntime(plane, self.store.touch)
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
        stopped = bool((record.internal.get("runtime") or {}).get("stopped"))
        group = "Pending" if state == "Pending" else group_state(views, props.get("restartPolicy") or "Always", stopped)
        props["instanceView"] = {"events": [], "state": group}
        return body

    # -- request bodies ----------------------------------------------------------------------------------------
    def _group(self, call: Call) -> Record:
        return self.get_record(self.resource_id(call, "containerGroups", call.params["containerGroupName"]), GROUP_TYPE)

    def _normalize(self, name: str, props_in: dict[str, Any], location: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Check a group's properties as ACI does; return them without secrets, and the secrets."""
        props = copy.deepcopy(props_in)
        secrets: dict[str, Any] = {"secureEnv": {}, "secretVolumes": {}, "registryPasswords": {}, "other": {}}
        containers = props.get("containers")
        if not isinstance(containers, list) or not containers:
            raise ArmError(
                400,
                "InvalidContainerGroupContainers",
                f"The container group '{name}' must have at least one container.",
            )
        total_cpu = total_memory = 0.0
        for kind in ("containers", "initContainers"):
            for container in props.get(kind) or []:
                cname = str(container.get("name", ""))
                if container_name_problem(cname) is not None:
                    raise ArmError(
                        400,
                        "InvalidContainerName",
                        f"The container name '{cname}' in container group '{name}' is invalid. The container name "
                        "must contain no more than 63 characters and must match the regex "
                        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').",
                    )
                cprops = container.setdefault("properties", {})
                env_out = []
                for item in cprops.get("environmentVariables") or []:
                    if item.get("secureValue") is not None:
                        secrets["secureEnv"].setdefault(cname, {})[str(item["name"])] = str(item["secureValue"])
                        env_out.append({"name": item["name"]})
                    else:
                        env_out.append(item)
                cprops["environmentVariables"] = env_out
                if kind == "containers":
                    cpu, memory = self._resources(name, cname, cprops)
                    total_cpu += cpu
                    total_memory += memory
        self._limits_within_group(name, props, total_cpu, total_memory)
        if total_cpu > MAX_GROUP_CPU or total_memory > MAX_GROUP_MEMORY_GB:
            raise ArmError(
                409,
                "ServiceUnavailable",
                f"The requested resource is not available in the location '{location}' at this moment. Please retry "
                "with a different resource request or in another location. Resource requested: "
                f"'{total_cpu:g}' CPU '{total_memory:g}' GB memory '{props.get('osType', 'Linux')}' OS",
            )
        ip = props.get("ipAddress")
        if isinstance(ip, dict):
            if not ip.get("ports"):
                raise ArmError(
                    400,
                    "MissingIpAddressPorts",
                    f"The ports in the 'ipAddress' of container group '{name}' cannot be empty.",
                )
            for port in ip["ports"]:
                port.setdefault("protocol", "TCP")
            label = ip.get("dnsNameLabel")
            if label and dns_name_label_problem(str(label)) is not None:
                raise ArmError(
                    400,
                    "InvalidDnsNameLabel",
                    f"The DNS name label '{label}' in container group '{name}' is invalid. It can contain only "
                    "lowercase letters, numbers and hyphens. The first character must be a letter. The last "
                    "character must be a letter or number. The value must be between 5 and 63 characters long.",
                )
        for volume in props.get("volumes") or []:
            vname = str(volume.get("name"))
            if volume.get("secret") is not None:
                secrets["secretVolumes"][vname] = dict(volume["secret"])
                volume["secret"] = {}
            azure_file = volume.get("azureFile")
            if isinstance(azure_file, dict) and "storageAccountKey" in azure_file:
                secrets["other"][f"volume:{vname}"] = azure_file.pop("storageAccountKey")
        for cred in props.get("imageRegistryCredentials") or []:
            if "password" in cred:
                secrets["registryPasswords"][str(cred.get("server", "")).lower()] = cred.pop("password")
        analytics = (props.get("diagnostics") or {}).get("logAnalytics")
        if isinstance(analytics, dict) and "workspaceKey" in analytics:
            secrets["other"]["workspaceKey"] = analytics.pop("workspaceKey")
        return props, secrets

    @staticmethod
    def _resources(group: str, cname: str, cprops: dict[str, Any]) -> tuple[float, float]:
        resources = cprops.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        cpu = float(requests.get("cpu") or 0)
        memory = float(requests.get("memoryInGB") or 0)
        for key, value in (("cpu", cpu), ("memoryInGB", memory)):
            if key in requests:
                requests[key] = float(requests[key])
            if key in limits:
                limits[key] = float(limits[key])
                if limits[key] < value:
                    label = "Cpu" if key == "cpu" else "MemoryInGB"
                    raise ArmError(
                        400,
                        "ResourceLimitsLessThanRequests",
                        f"The resource requirement '{json.dumps(resources, separators=(',', ':'))}' in container "
                        f"'{cname}' of contain group '{group}' is invalid. The '{label}' limit value must be greater "
                        "than or equal to the request value.",
                    )
        return cpu, memory

    @staticmethod
    def _limits_within_group(name: str, props: dict[str, Any], cpu: float, memory: float) -> None:
        for container in props.get("containers") or []:
            limits = ((container.get("properties") or {}).get("resources") or {}).get("limits") or {}
            for key, total, label in (("cpu", cpu, "Cpu"), ("memoryInGB", memory, "MemoryInGB")):
                if key in limits and float(limits[key]) > total:
                    raise ArmError(
                        400,
                        "ContainerLimitGreaterThanContainerGroupTotalRequest",
                        f"The '{label}' limit '{float(limits[key]):g}' in container '{container.get('name')}' is "
                        f"greater than the total request '{total:g}' of container group '{name}'.",
                    )

    def _dns_label_taken(self, record_id: str, location: str, label: str, group: str) -> None:
        for other in self.store.of_type(GROUP_TYPE):
            if other.key == record_id.lower() or other.location != location:
                continue
            if str((other.properties.get("ipAddress") or {}).get("dnsNameLabel", "")).lower() == label.lower():
                raise ArmError(
                    400,
                    "DnsNameLabelNotAvailable",
                    f"The DNS name label '{label}' in container group '{group}' not available. Try using a "
                    "different label.",
                )

    def _check_images(self, name: str, props: dict[str, Any], secrets: dict[str, Any]) -> None:
        """Refuse, as ACI does, an image of a reachable (local) registry that is missing or not allowed."""
        plane = self.emu.containers
        if plane is None:
            return
        creds = {str(c.get("server", "")).lower(): c for c in props.get("imageRegistryCredentials") or []}
        for kind in ("initContainers", "containers"):
            for container in props.get(kind) or []:
                image = str((container.get("properties") or {}).get("image", ""))
                host, rest = split_image(image)
                local = plane.registry_for_host(host) if host else None
                if local is None:
                    continue
                cred = creds.get(str(host).lower())
                user = str(cred.get("username", "")) if cred else ""
                password = secrets["registryPasswords"].get(str(host).lower(), "")
                if not _manifest_exists(local[1].address, rest, user, password, plane.certs.ca):
                    raise ArmError(
                        400,
                        "InaccessibleImage",
                        f"The image '{image}' in container group '{name}' is not accessible. Please check the image "
                        "and registry credential.",
                    )

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
            if runtime is not None:
                runtime.run(record, record.secrets)
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
        tail = int(tail_raw) if tail_raw not in (None, "") else None
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
        rows, cols = int(size.get("rows") or 24), int(size.get("cols") or 80)
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
        import shlex

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
        _, output = runtime.plane.engine.exec(name, shlex.split(session["command"] or "sh"))
        return output


def _address(resource_id: str) -> str:
    """Return a group's address in an in-process local Azure without a container plane (nothing listens)."""
    import hashlib

    digest = int(hashlib.sha256(resource_id.lower().encode()).hexdigest(), 16)
    return f"127.{64 + digest % 64}.{(digest >> 8) % 256}.{1 + (digest >> 16) % 254}"


def _manifest_exists(address: str, reference: str, user: str, password: str, ca: str) -> bool:
    """Ask a local registry for an image's manifest with the given credentials (a real pull's first step)."""
    repo, _, digest = reference.partition("@")
    tag = digest
    if not digest:
        repo, _, tag = repo.rpartition(":") if ":" in repo.rsplit("/", 1)[-1] else (repo, "", "latest")
    url = f"https://{address}/v2/{repo}/manifests/{tag}"
    request = urllib.request.Request(url, method="HEAD")
    request.add_header(
        "Accept",
        "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, "
        "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json",
    )
    if user:
        request.add_header("Authorization", "Basic " + b64encode(f"{user}:{password}".encode()).decode())
    context = ssl.create_default_context(cafile=ca)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False
