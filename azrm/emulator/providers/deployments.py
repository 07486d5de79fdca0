"""Microsoft.Resources/deployments at resource group scope: ARM templates, deployed for real.

A deployment's template is checked when it is PUT (``InvalidTemplate`` with the faulty path), then a
*run* deploys it on the emulator's clock: each resource, when its dependencies are done, is rendered
(``reference()`` and ``list*()`` answered from the live resources) and PUT through the same provider
backends as a direct call, independent ones side by side; the run waits for each one's long-running
operation, as ARM does. Nested inline templates and linked templates (fetched only from this local
Azure's own Azurite accounts) become deployments of their own. Complete mode removes what the
template does not list. ``validate``, ``whatIf``, ``exportTemplate``, the deployment operations and
``cancel`` are served as ARM serves them.
"""

from __future__ import annotations

import math
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...templates.base import DEPLOYMENT_TYPE, Context, Deferred, TemplateError
from ...templates.engine import Template, load_json
from ...templates.plan import PlannedResource
from ..core.clock import iso_utc
from ..core.errors import ArmError
from ..core.ids import key
from ..core.lro import Operation
from ..core.router import Router
from ..core.store import Record
from ..core.wire import Headers, Response
from .base import INTERNAL_API_VERSION, Provider, json_response, list_response
from .resources import RG_TYPE

if TYPE_CHECKING:
    from ..core.engine import Call

#: ARM deletes a group's oldest deployments from the history once it holds 700, down to 600
HISTORY_TRIM_AT = 700
HISTORY_TRIM_TO = 600
_DEFAULT_API = {
    "microsoft.storage": "2023-05-01",
    "microsoft.network": "2024-03-01",
    "microsoft.compute": "2024-07-01",
    "microsoft.insights": "2022-10-01",
    "microsoft.resources": "2022-09-01",
}
_FAILED = (
    "At least one resource deployment operation failed. Please list deployment operations for details. "
    "Please see https://aka.ms/arm-deployment-operations for usage details."
)


def duration(seconds: float) -> str:
    """ISO 8601 duration as ARM writes it (``PT22.8356799S``)."""
    return f"PT{max(0.0, seconds):.7f}S"


def arm_error(exc: TemplateError) -> ArmError:
    """Return a template problem as ARM's 400."""
    return ArmError(400, exc.code, exc.message, target=exc.path or None)


@dataclass
class Started:
    """A resource the run has PUT, and the operations its PUT started."""

    resource: PlannedResource
    operation_id: str
    started: float
    ops: list[Operation]
    status: int
    kind: str = "Create"


@dataclass
class Run:
    """One deployment being deployed."""

    deployment_id: str
    template: Template
    created: float
    op: Operation
    mode: str
    started: bool = False
    pending: list[PlannedResource] = field(default_factory=list)
    in_flight: dict[str, Started] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    failures: list[dict[str, Any]] = field(default_factory=list)
    cleanup: bool = False
    canceled: bool = False


class DeploymentsBackend(Provider):
    """Deployments, their runs, and the template operations around them."""

    namespace = "Microsoft.Resources"

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self.runs: dict[str, Run] = {}
        emu.timers.append(self)

    def register(self, r: Router) -> None:
        rg = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}"
        one = rg + "/providers/Microsoft.Resources/deployments/{deploymentName}"
        r.add("PUT", one, self.put_deployment)
        r.add("GET", one, self.get_deployment)
        r.add("DELETE", one, self.delete_deployment)
        r.add("GET", rg + "/providers/Microsoft.Resources/deployments", self.list_deployments)
        r.add("POST", one + "/validate", self.validate)
        r.add("POST", one + "/whatIf", self.what_if)
        r.add("POST", one + "/exportTemplate", self.export_deployment_template)
        r.add("POST", one + "/cancel", self.cancel)
        ops = rg + "/deployments/{deploymentName}/operations"
        r.add("GET", ops, self.list_operations)
        r.add("GET", ops + "/{operationId}", self.get_operation)
        r.add("POST", rg + "/exportTemplate", self.export_group_template)

    # -- reading the request ------------------------------------------------------------------------
    def _id(self, call: Call) -> str:
        return self.resource_id(call, "deployments", call.params["deploymentName"])

    def _context(self, call: Call, name: str, link: dict[str, Any] | None) -> Context:
        group = self.rg_record(call.sub, call.rg)
        return Context(
            subscription_id=call.sub,
            resource_group=group.name,
            location=str(group.location),
            deployment_name=name,
            tenant_id=self.emu.tenant_id,
            resource_group_tags=dict(group.body.get("tags") or {}),
            now=self.emu.now(),
            template_link=link,
            new_guid=self.guid,
        )

    def fetch(self, uri: str, query: str | None = None) -> Any:
        """Download a linked template or parameters file: only from this local Azure's Azurite accounts."""
        from .storage import StorageProvider, split_blob_url

        parts = split_blob_url(uri)
        plane = self.emu.blob
        account = parts[0] if parts else None
        if parts is None or plane is None or self.emu.backend(StorageProvider).by_name(str(account)) is None:
            raise ArmError(
                400,
                "InvalidContentLink",
                f"Unable to download deployment content from '{uri}'. The local Azure fetches linked templates only "
                "from its own storage accounts (stage them in a container; azrm's new_resource_group_deployment does "
                "it for local files).",
            )
        _, container, blob = parts
        url = f"{plane.endpoints(account)['blob']}{container}/{blob}"
        sas = query or urllib.parse.urlsplit(uri).query
        if sas:
            url += "?" + sas.lstrip("?")
        try:
            data = plane.download(url)
        except Exception as exc:
            raise ArmError(
                400,
                "InvalidContentLink",
                f"Unable to download deployment content from '{uri}': {type(exc).__name__}. Check that the blob "
                "exists and that the SAS token grants read access.",
            ) from None
        try:
            return load_json(data.decode("utf-8-sig"))
        except ValueError as exc:
            raise ArmError(400, "InvalidContentLink", f"The content at '{uri}' is not valid JSON: {exc}") from None

    def _template_of(self, props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Return the request's template (inline, or fetched from ``templateLink``) and its link."""
        if props.get("template") is not None and props.get("templateLink"):
            raise ArmError(400, "InvalidDeployment", "Give either 'template' or 'templateLink', not both.")
        if props.get("template") is not None:
            template = props["template"]
            if isinstance(template, str):
                template = load_json(template)
            return template, None
        link = props.get("templateLink") or {}
        if link.get("relativePath") and not link.get("uri"):
            raise ArmError(
                400,
                "InvalidTemplateDeployment",
                "templateLink.relativePath is resolved against the parent deployment's link; a top-level "
                "deployment needs templateLink.uri.",
            )
        if not link.get("uri"):
            raise ArmError(400, "InvalidDeployment", "The deployment needs 'template' or 'templateLink.uri'.")
        template = self.fetch(link["uri"], link.get("queryString"))
        echo = {
            "uri": link["uri"],
            "contentVersion": template.get("contentVersion") if isinstance(template, dict) else None,
        }
        if link.get("queryString"):
            echo["queryString"] = link["queryString"]
        return template, echo

    def _parameters_of(self, props: dict[str, Any]) -> dict[str, Any]:
        params = props.get("parameters")
        if props.get("parametersLink"):
            if params:
                raise ArmError(400, "InvalidDeployment", "Give either 'parameters' or 'parametersLink', not both.")
            fetched = self.fetch(props["parametersLink"]["uri"], props["parametersLink"].get("queryString"))
            params = fetched.get("parameters", fetched) if isinstance(fetched, dict) else {}
        if isinstance(params, dict) and "$schema" in params and "parameters" in params:
            params = params["parameters"]  # a whole parameters file was given
        return dict(params or {})

    def _bind(
        self, call: Call, name: str, body: dict[str, Any]
    ) -> tuple[Template, dict[str, Any], dict[str, Any] | None]:
        props = body.get("properties")
        if not isinstance(props, dict):
            raise ArmError(400, "InvalidRequestContent", "The deployment has no 'properties'.")
        mode = str(props.get("mode") or "")
        if mode.lower() not in ("incremental", "complete"):
            raise ArmError(
                400,
                "InvalidDeploymentMode",
                f"The deployment mode '{mode}' is not valid: use Incremental or Complete.",
            )
        template_json, link = self._template_of(props)
        parameters = self._parameters_of(props)
        try:
            template = Template(template_json, parameters, self._context(call, name, link))
            template.order()
        except TemplateError as exc:
            raise arm_error(exc) from None
        return template, props, link

    # -- views ---------------------------------------------------------------------------------------
    def _properties(self, template: Template, props: dict[str, Any], link: dict[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "templateHash": template.template_hash(),
            "parameters": template.parameter_values(),
            "mode": "Complete" if str(props.get("mode")).lower() == "complete" else "Incremental",
            "provisioningState": "Accepted",
            "timestamp": iso_utc(self.emu.now()),
            "duration": "PT0S",
            "correlationId": self.guid(),
            "providers": _providers(template),
            "dependencies": _dependencies(template),
        }
        if link:
            out["templateLink"] = link
        if props.get("debugSetting"):
            out["debugSetting"] = props["debugSetting"]
        on_error = props.get("onErrorDeployment")
        if on_error:
            kind = str(on_error.get("type") or "")
            if kind not in ("LastSuccessful", "SpecificDeployment"):
                message = f"onErrorDeployment.type '{kind}' is not valid: use LastSuccessful or SpecificDeployment."
                raise ArmError(400, "InvalidOnErrorDeployment", message)
            if kind == "SpecificDeployment" and not on_error.get("deploymentName"):
                raise ArmError(400, "InvalidOnErrorDeployment",
                               "onErrorDeployment of type SpecificDeployment needs a deploymentName.")  # fmt: skip
            out["onErrorDeployment"] = {"type": kind, **({"deploymentName": on_error["deploymentName"]}
                                                          if on_error.get("deploymentName") else {})}  # fmt: skip
        return out

    def view(self, record: Record) -> dict[str, Any]:
        """Return the deployment as ARM returns it (secure parameters and outputs without values)."""
        return self.clone(record.body)

    # -- handlers -------------------------------------------------------------------------------------
    def put_deployment(self, call: Call) -> Response:
        rid = self._id(call)
        name = rid.rsplit("/", 1)[-1]
        existing = self.store.get(rid)
        if existing is not None and key(rid) in self.runs:
            raise ArmError(
                409,
                "DeploymentActive",
                f"The deployment '{name}' is still running; wait for it to end or cancel it first.",
            )
        template, props, link = self._bind(call, name, call.body())
        if existing is None:
            self._trim_history(self.rg_record(call.sub, call.rg).id)
        record = Record(
            rid,
            DEPLOYMENT_TYPE,
            {"id": rid, "name": name, "type": DEPLOYMENT_TYPE, "properties": self._properties(template, props, link)},
            secrets={"template": template.template, "parameters": self._parameters_of(props), "link": link},
            internal={"unlisted": True, "operations": [], "started": self.emu.now(), "running": True},
        )
        if body_tags := call.body().get("tags"):
            record.body["tags"] = self.tags({"tags": body_tags})
        self.store.put(record)
        from ... import _secrets

        for secret in template.secure_values:
            _secrets.register(secret)
        op = self.emu.ops.start(
            op_id=self.guid(),
            style="deployments",
            namespace=self.namespace,
            kind="create" if existing is None else "update",
            resource_id=rid,
            subscription=call.sub,
            location=str(self.rg_record(call.sub, call.rg).location),
            api_version=call.api_version,
            now=self.emu.now(),
            duration=math.inf,
        )
        run = Run(rid, template, self.emu.now(), op, record.properties["mode"])
        op.complete = lambda: self._raise_if_failed(rid)
        self.runs[key(rid)] = run
        op.eta = self.emu.now()
        headers = self.lro_headers(call, op)
        return json_response(201 if existing is None else 200, self.view(record), headers)

    def _trim_history(self, group_id: str) -> None:
        """Keep a group's history under ARM's limit: past 700, the oldest finished ones go, down to 600."""
        kept = [r for r in self.store.of_type(DEPLOYMENT_TYPE) if r.key.startswith(key(group_id) + "/")]
        if len(kept) < HISTORY_TRIM_AT:
            return
        finished = sorted((r for r in kept if r.key not in self.runs), key=lambda r: r.properties.get("timestamp", ""))
        for record in finished[: len(kept) - HISTORY_TRIM_TO]:
            self.store.delete(record.id)

    def _raise_if_failed(self, rid: str) -> None:
        record = self.store.get(rid)
        if record is not None and record.properties.get("provisioningState") in ("Failed", "Canceled"):
            error = record.properties.get("error") or {"code": "DeploymentFailed", "message": _FAILED}
            raise ArmError(400, error["code"], error["message"], details=error.get("details"))

    def get_deployment(self, call: Call) -> Response:
        record = self._deployment(call)
        return json_response(200, self.view(record))

    def list_deployments(self, call: Call) -> Response:
        records = sorted(self.records_in(call, DEPLOYMENT_TYPE), key=lambda r: r.properties.get("timestamp", ""))
        return list_response(self.view(r) for r in records)

    def delete_deployment(self, call: Call) -> Response:
        rid = self._id(call)
        record = self.store.get(rid)
        if record is None:
            return Response(204)
        if key(rid) in self.runs:
            raise ArmError(
                409,
                "DeploymentActive",
                f"The deployment '{record.name}' is running and cannot be deleted; cancel it first.",
            )
        op = self.begin(
            call,
            record,
            "delete",
            style="resources",
            complete=lambda: self.store.delete(rid),
            final=lambda: (204, None),
        )
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def cancel(self, call: Call) -> Response:
        rid = self._id(call)
        self._deployment(call)
        run = self.runs.get(key(rid))
        if run is None:
            raise ArmError(
                409,
                "DeploymentCannotBeCancelled",
                f"The deployment '{call.params['deploymentName']}' is not running; only a running deployment can be "
                "canceled.",
            )
        run.canceled = True
        self.fire(self.emu.now())
        return Response(204)

    # -- the run ----------------------------------------------------------------------------------------
    def next_due(self) -> float | None:
        """Return when a run next needs attention: its start, a finished resource, or the next one's end."""
        due = [d for d in (self._due(run) for run in self.runs.values()) if d is not None]
        return min(due) if due else None

    @staticmethod
    def _due(run: Run) -> float | None:
        if not run.started or run.canceled:
            return run.created
        due: list[float] = []
        for started in run.in_flight.values():
            if all(op.done for op in started.ops):
                return run.created
            due.extend(op.due for op in started.ops if not op.done)
        return min(due) if due else None

    def fire(self, at: float) -> None:
        """Advance every run as far as it can go at ``at``."""
        progressed = True
        while progressed:
            progressed = False
            for rid in list(self.runs):
                run = self.runs.get(rid)
                if run is not None and self._step(run, at):
                    progressed = True

    def _step(self, run: Run, at: float) -> bool:
        record = self.store.get(run.deployment_id)
        if record is None:  # the group went away under it
            self.runs.pop(key(run.deployment_id), None)
            run.op.due = at
            return True
        progressed = False
        if run.canceled:
            self._finish(run, record, at)
            return True
        if not run.started:
            run.started = True
            run.pending = [r for wave in run.template.order() for r in wave]
            record.properties["provisioningState"] = "Running"
            self.store.touch(record)
            progressed = True
        for rid, started in list(run.in_flight.items()):
            if all(op.done for op in started.ops):
                del run.in_flight[rid]
                self._finished(run, record, started, at)
                progressed = True
        if not run.failures and not run.canceled:
            for resource in list(run.pending):
                if not all(d.lower() in run.done for d in resource.depends_on):
                    continue
                run.pending.remove(resource)
                progressed = True
                if not resource.condition:
                    run.done.add(resource.id.lower())
                    continue
                self._start(run, record, resource, at)
        if not run.in_flight and run.pending and not run.failures and not progressed:
            names = ", ".join(r.name for r in run.pending)
            run.failures.append({"code": "InvalidTemplate", "message": f"These resources can never start: {names}."})
        if not run.in_flight and (not run.pending or run.failures or run.canceled):
            if not run.failures and not run.canceled and run.mode == "Complete" and not run.cleanup:
                run.cleanup = True
                self._complete_mode(run, record, at)
                return True
            self._finish(run, record, at)
            return True
        due = self._due(run)
        run.op.eta = at if due is None else max(at, due)
        return progressed

    def _runtime(self, run: Run) -> _Runtime:
        return _Runtime(self, run)

    def _start(self, run: Run, record: Record, resource: PlannedResource, at: float) -> None:
        operation_id = self.guid().replace("-", "").upper()[:16]
        try:
            body = run.template.render(resource, self._runtime(run))
            if resource.is_deployment:
                body, path = self._nested(run, record, resource, body)
            else:
                path = f"{resource.id}?api-version={resource.api_version}"
        except (TemplateError, Deferred) as exc:
            message = exc.message if isinstance(exc, TemplateError) else f"could not resolve {exc}"
            self._operation(record, resource, operation_id, at, at, 400, "Failed",
                            {"code": "InvalidTemplate", "message": message})  # fmt: skip
            run.failures.append({"code": "InvalidTemplate", "message": message})
            return
        except ArmError as err:
            self._operation(record, resource, operation_id, at, at, err.status, "Failed", err.error_object())
            run.failures.append(err.error_object())
            return
        before = self.emu.ops.last_seq
        response = self.emu.dispatch("PUT", path, body)
        ops = [op for op in self.emu.ops.since(before) if op.kind not in ("delete",)]
        if response.status >= 400:
            error = (response.body or {}).get("error") or {"code": "Failed", "message": str(response.body)}
            self._operation(record, resource, operation_id, at, at, response.status, "Failed", error)
            run.failures.append(error)
            return
        if resource.is_deployment:
            nested = self.store.get(path.split("?", 1)[0])
            if nested is not None:
                nested.internal["parent"] = run.deployment_id
        self._operation(record, resource, operation_id, at, at, response.status, "Running", None)  # listed at once
        run.in_flight[resource.id.lower()] = Started(resource, operation_id, at, ops, response.status)

    def _nested(
        self, run: Run, record: Record, resource: PlannedResource, body: dict[str, Any]
    ) -> tuple[dict[str, Any], str]:
        """Build a nested deployment's request: the outer scope folded in, relative links resolved."""
        props = dict(body.get("properties") or {})
        props["mode"] = "Incremental"  # nested and linked deployments always are
        inner = run.template.nested_template(body)
        if inner is not None:
            props["template"] = inner
            props.pop("expressionEvaluationOptions", None)
        link = props.get("templateLink") or {}
        if link.get("relativePath"):
            parent = record.properties.get("templateLink") or {}
            if not parent.get("uri"):
                raise ArmError(
                    400,
                    "InvalidTemplateDeployment",
                    f"The nested deployment '{resource.name}' uses templateLink.relativePath, which needs the parent "
                    "deployment to be deployed from a templateLink.",
                )
            resolved = urllib.parse.urljoin(parent["uri"].split("?", 1)[0], link["relativePath"])
            props["templateLink"] = {
                "uri": resolved,
                "queryString": parent.get("queryString") or urllib.parse.urlsplit(parent["uri"]).query,
            }
        group = str(body.get("resourceGroup") or run.template.context.resource_group)
        sub = str(body.get("subscriptionId") or run.template.context.subscription_id)
        path = (
            f"/subscriptions/{sub}/resourcegroups/{group}/providers/Microsoft.Resources/deployments/"
            f"{resource.name}?api-version={resource.api_version}"
        )
        return {"properties": props}, path

    def _finished(self, run: Run, record: Record, started: Started, at: float) -> None:
        failed = next((op for op in started.ops if op.error is not None), None)
        resource = started.resource
        if failed is not None and failed.error is not None:
            error = failed.error.error_object()
            if resource.is_deployment:
                inner = self.store.get(
                    f"/subscriptions/{run.template.context.subscription_id}/resourceGroups/"
                    f"{run.template.context.resource_group}/providers/Microsoft.Resources/deployments/{resource.name}"
                )
                if inner is not None and inner.properties.get("error"):
                    error = inner.properties["error"]
            status = "Failed"
            run.failures.append(error)
        elif started.kind == "Delete":
            status, error = "Succeeded", None
        else:
            state = self._state_of(resource)
            status = "Failed" if state == "Failed" else "Succeeded"
            error = None
            if status == "Failed":
                message = "The resource operation completed with terminal provisioning state 'Failed'."
                error = {"code": "ResourceDeploymentFailure", "message": message}
                run.failures.append(error)
        self._operation(record, resource, started.operation_id, started.started, at, started.status, status, error,
                        kind=started.kind)  # fmt: skip
        if status == "Succeeded":
            run.done.add(resource.id.lower())

    def _state_of(self, resource: PlannedResource) -> str | None:
        found = self.store.get(resource.id)
        if found is None:
            parent = resource.id.rsplit("/", 2)[0]
            holder = self.store.get(parent)
            return None if holder is None else holder.properties.get("provisioningState")
        return found.properties.get("provisioningState")

    def _operation(
        self,
        record: Record,
        resource: PlannedResource,
        operation_id: str,
        started: float,
        ended: float,
        status_code: int,
        state: str,
        error: dict[str, Any] | None,
        *,
        kind: str = "Create",
    ) -> None:
        codes = {200: "OK", 201: "Created", 202: "Accepted", 204: "NoContent", 400: "BadRequest", 404: "NotFound",
                 409: "Conflict", 500: "InternalServerError"}  # fmt: skip
        props: dict[str, Any] = {
            "provisioningOperation": kind,
            "provisioningState": state,
            "timestamp": iso_utc(ended),
            "duration": duration(ended - started),
            "trackingId": self.guid(),
            "serviceRequestId": self.guid(),
            "statusCode": codes.get(status_code, str(status_code))
            if state != "Failed" or status_code >= 400
            else "Conflict",
            "targetResource": {"id": resource.id, "resourceType": resource.type, "resourceName": resource.name},
        }
        if error is not None:
            props["statusMessage"] = {"status": "Failed", "error": error}
        entry = {"id": f"{record.id}/operations/{operation_id}", "operationId": operation_id, "properties": props}
        operations = record.internal.setdefault("operations", [])
        for index, known in enumerate(operations):
            if known["operationId"] == operation_id:  # a running operation, now done: updated in place
                operations[index] = entry
                break
        else:
            operations.append(entry)
        self.store.touch(record)

    def _complete_mode(self, run: Run, record: Record, at: float) -> None:
        """Complete mode: delete what the group holds and the template does not list.

        What its nested and linked deployments deployed counts as listed (they are part of it).
        """
        wanted = {r.id.lower() for r in run.template.plan() if r.condition} | self._deployed_by(record.id)
        group_id = run.template.context.resource_group_id.lower()
        for other in list(self.store):
            if not other.key.startswith(group_id + "/providers/") or other.internal.get("unlisted"):
                continue
            if other.type == DEPLOYMENT_TYPE or other.key in wanted or other.id.count("/") > 8:
                continue
            if any(w.startswith(other.key + "/") for w in wanted):
                continue
            planned = PlannedResource(other.id, other.type, other.name, "", {}, "complete-mode")
            before = self.emu.ops.last_seq
            response = self.emu.dispatch("DELETE", f"{other.id}?api-version={self.api_version_for(other.type)}")
            ops = self.emu.ops.since(before)
            if response.status >= 400:
                error = (response.body or {}).get("error") or {}
                self._operation(
                    record, planned, self.guid()[:16], at, at, response.status, "Failed", error, kind="Delete"
                )
                run.failures.append(error)
                continue
            operation_id = self.guid().replace("-", "").upper()[:16]
            self._operation(record, planned, operation_id, at, at, response.status, "Running", None, kind="Delete")
            run.in_flight[other.key] = Started(planned, operation_id, at, ops, response.status, "Delete")

    def _deployed_by(self, deployment_id: str) -> set[str]:
        """Ids (lower case) of what the nested deployments under ``deployment_id`` deployed, at any depth."""
        out: set[str] = set()
        for child in self.store.of_type(DEPLOYMENT_TYPE):
            if str(child.internal.get("parent", "")).lower() == deployment_id.lower():
                out.update(str(r["id"]).lower() for r in child.properties.get("outputResources") or [])
                out |= self._deployed_by(child.id)
        return out

    @staticmethod
    def api_version_for(resource_type: str) -> str:
        """Return the api-version the deployments backend uses for its own calls to a resource type."""
        return _DEFAULT_API.get(resource_type.split("/")[0].lower(), INTERNAL_API_VERSION)

    def _finish(self, run: Run, record: Record, at: float) -> None:
        self.runs.pop(key(run.deployment_id), None)
        record.internal.pop("running", None)
        props = record.properties
        props["duration"] = duration(at - run.created)
        props["timestamp"] = iso_utc(at)
        if run.canceled:
            props["provisioningState"] = "Canceled"
            props["error"] = {"code": "DeploymentCanceled", "message": "The deployment was canceled."}
        elif run.failures:
            props["provisioningState"] = "Failed"
            props["error"] = {"code": "DeploymentFailed", "message": _FAILED, "details": run.failures}
        else:
            try:
                outputs = run.template.outputs(self._runtime(run))
            except (TemplateError, ArmError, Deferred) as exc:
                message = getattr(exc, "message", str(exc))
                props["provisioningState"] = "Failed"
                props["error"] = {"code": "DeploymentOutputEvaluationFailed", "message": message}
            else:
                props["provisioningState"] = "Succeeded"
                props["outputs"] = {
                    k: ({"type": v["type"]} if v["type"].startswith("Secure") else v) for k, v in outputs.items()
                }
                props["outputResources"] = [
                    {"id": r.id} for r in run.template.plan() if r.condition and not r.is_deployment
                ]
        self.store.touch(record)
        run.op.due = at
        self.emu.ops.settle(at)
        if props["provisioningState"] == "Failed" and props.get("onErrorDeployment"):
            self._roll_back(record)
        origin = self.store.get(str(record.internal.pop("rollback_of", "")) or "/none")
        if origin is not None and origin.properties.get("onErrorDeployment"):
            origin.properties["onErrorDeployment"]["provisioningState"] = props["provisioningState"]
            self.store.touch(origin)

    def _roll_back(self, record: Record) -> None:
        """Redeploy the group's last successful deployment (or the named one), in Complete mode."""
        on_error = record.properties["onErrorDeployment"]
        group = record.id.rsplit("/providers/", 1)[0].lower()
        candidates = [
            r for r in self.store.of_type(DEPLOYMENT_TYPE)
            if r.key.startswith(group + "/") and r.key != record.key and not r.internal.get("parent")
        ]  # fmt: skip
        if on_error["type"] == "SpecificDeployment":
            target = next((r for r in candidates if r.name.lower() == str(on_error["deploymentName"]).lower()), None)
        else:
            done = [r for r in candidates if r.properties.get("provisioningState") == "Succeeded"]
            target = max(done, key=lambda r: r.properties.get("timestamp", ""), default=None)
        if target is None or target.properties.get("provisioningState") != "Succeeded":
            on_error["provisioningState"] = "Failed"
            record.properties["error"].setdefault("details", []).append(
                {
                    "code": "DeploymentRollbackFailed",
                    "message": "There is no successful deployment in the group to roll back to.",
                }
            )
            self.store.touch(record)
            return
        on_error["deploymentName"] = target.name
        on_error["provisioningState"] = "Accepted"
        props: dict[str, Any] = {"mode": "Complete", "parameters": target.secrets.get("parameters") or {}}
        link = target.secrets.get("link")
        if link and link.get("uri"):
            props["templateLink"] = {k: v for k, v in link.items() if k in ("uri", "queryString")}
        else:
            props["template"] = target.secrets.get("template")
        response = self.emu.dispatch("PUT", f"{target.id}?api-version={INTERNAL_API_VERSION}", {"properties": props})
        if response.status >= 400:
            on_error["provisioningState"] = "Failed"
        else:
            again = self.store.get(target.id)
            if again is not None:
                again.internal["rollback_of"] = record.id
        self.store.touch(record)

    # -- validate, what-if, export ------------------------------------------------------------------------
    def validate(self, call: Call) -> Response:
        rid = self._id(call)
        name = rid.rsplit("/", 1)[-1]
        try:
            template, props, link = self._bind(call, name, call.body())
        except ArmError as err:
            return Response(400, err.envelope())
        out = self._properties(template, props, link)
        out.update(provisioningState="Succeeded", duration="PT0S")
        out["validatedResources"] = [{"id": r.id} for r in template.plan() if r.condition]
        return json_response(200, {"id": rid, "name": name, "type": DEPLOYMENT_TYPE, "properties": out})

    def what_if(self, call: Call) -> Response:
        rid = self._id(call)
        name = rid.rsplit("/", 1)[-1]
        body = call.body()
        from .whatif import changes_for

        try:
            template, props, _ = self._bind(call, name, body)
            changes = changes_for(self, template, str(props.get("mode")).lower() == "complete")
        except ArmError as err:
            return Response(err.status, err.envelope(), Headers(err.headers))
        result: dict[str, Any] = {"status": "Succeeded", "properties": {"changes": changes}}
        op = self.begin(call, rid, "whatif", style="resources", location="global",
                        resource_type=DEPLOYMENT_TYPE, final=lambda: (200, result))  # fmt: skip
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def export_deployment_template(self, call: Call) -> Response:
        record = self._deployment(call)
        return json_response(200, {"template": self.clone(record.secrets.get("template"))})

    def export_group_template(self, call: Call) -> Response:
        from .whatif import export_group

        group = self.rg_record(call.sub, call.rg)
        options = call.req.json() if call.req.body else {}
        result = export_group(self, group, options or {})
        op = self.begin(call, group.id, "export", style="resources", location=str(group.location),
                        resource_type=RG_TYPE, final=lambda: (200, result))  # fmt: skip
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def list_operations(self, call: Call) -> Response:
        record = self._deployment(call)
        return list_response(self.clone(o) for o in record.internal.get("operations", []))

    def get_operation(self, call: Call) -> Response:
        record = self._deployment(call)
        for op in record.internal.get("operations", []):
            if op["operationId"].lower() == call.params["operationId"].lower():
                return json_response(200, self.clone(op))
        raise ArmError(
            404, "DeploymentOperationNotFound", f"The operation '{call.params['operationId']}' was not found."
        )

    def _deployment(self, call: Call) -> Record:
        """Return the call's deployment, or ARM's ``DeploymentNotFound``."""
        record = self.store.get(self._id(call))
        if record is None or record.type != DEPLOYMENT_TYPE:
            name = call.params["deploymentName"]
            raise ArmError(404, "DeploymentNotFound", f"Deployment '{name}' could not be found.")
        return record

    def restore(self) -> None:
        """Fail the deployments a restart interrupted: runs do not survive it (redeploying resumes them)."""
        for record in self.store.of_type(DEPLOYMENT_TYPE):
            if record.internal.pop("running", None):
                record.properties["provisioningState"] = "Failed"
                record.properties["error"] = {
                    "code": "DeploymentInterrupted",
                    "message": "The local Azure stopped while this deployment ran. Deploy it again: what exists "
                    "is kept (Incremental mode) and the rest is created.",
                }
                self.store.touch(record)


class _Runtime:
    """What a run's rendering asks of the live resources."""

    def __init__(self, backend: DeploymentsBackend, run: Run) -> None:
        self.backend = backend
        self.run = run

    def _api(self, resource_id: str, api_version: str | None) -> str:
        if api_version:
            return api_version
        planned = next((r for r in self.run.template.plan() if r.id.lower() == resource_id.lower()), None)
        if planned is not None:
            return planned.api_version
        namespace = resource_id.split("/providers/", 1)[-1].split("/", 1)[0]
        return _DEFAULT_API.get(namespace.lower(), INTERNAL_API_VERSION)

    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        response = self.backend.emu.dispatch("GET", f"{resource_id}?api-version={self._api(resource_id, api_version)}")
        if response.status >= 400:
            error = (response.body or {}).get("error") or {}
            raise ArmError(response.status, error.get("code", "ResourceNotFound"), error.get("message", resource_id))
        body = response.body or {}
        return body if full else body.get("properties", {})

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        name = {"listkeys": "listKeys", "listaccountsas": "ListAccountSas", "listservicesas": "ListServiceSas"}.get(
            action, action
        )
        response = self.backend.emu.dispatch(
            "POST", f"{resource_id}/{name}?api-version={self._api(resource_id, api_version)}", body
        )
        if response.status >= 400:
            error = (response.body or {}).get("error") or {}
            raise ArmError(response.status, error.get("code", "BadRequest"), error.get("message", resource_id))
        return response.body


def _providers(template: Template) -> list[dict[str, Any]]:
    by_namespace: dict[str, dict[str, set[str]]] = {}
    location = template.context.location
    for resource in template.plan():
        namespace, _, rest = resource.type.partition("/")
        by_namespace.setdefault(namespace, {}).setdefault(rest, set()).add(location)
    return [
        {
            "namespace": ns,
            "resourceTypes": [{"resourceType": t, "locations": sorted(locs)} for t, locs in types.items()],
        }
        for ns, types in by_namespace.items()
    ]


def _dependencies(template: Template) -> list[dict[str, Any]]:
    by_id = {r.id.lower(): r for r in template.plan()}
    out = []
    for resource in template.plan():
        if not resource.depends_on:
            continue
        out.append(
            {
                "id": resource.id,
                "resourceType": resource.type,
                "resourceName": resource.name,
                "dependsOn": [
                    {
                        "id": by_id[d.lower()].id,
                        "resourceType": by_id[d.lower()].type,
                        "resourceName": by_id[d.lower()].name,
                    }
                    for d in resource.depends_on
                    if d.lower() in by_id
                ],
            }
        )
    return out
