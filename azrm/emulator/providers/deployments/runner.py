"""A deployment's run: its resources deployed on the emulator's clock, as ARM deploys them.

A PUT deployment starts a :class:`Run`. Each resource whose dependencies are done is rendered
(``reference()`` and ``list*()`` answered from the live resources, :mod:`.runtime`) and PUT through
the same provider backends as a direct call; independent ones go side by side, and the run waits
for each one's long-running operation, as ARM does. A resource whose ``condition`` is false is
skipped. Nested inline and linked templates become deployments of their own, always Incremental
(an inline template sees the outer scope unless it asks for the inner one). Each resource's PUT is
listed as a deployment operation with its status code, state and error.

A failed resource stops new ones from starting and fails the deployment (``DeploymentFailed``, the
errors as details). When all succeeded, Complete mode deletes what the group holds and the template
does not list (nor its nested deployments deployed), then the outputs are evaluated. With
``onErrorDeployment`` a failed deployment is rolled back: the group's last successful deployment (or
the named one) is deployed again in Complete mode. A canceled run ends ``Canceled``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ....templates.base import DEPLOYMENT_TYPE, Deferred, TemplateError
from ....templates.engine import Template
from ....templates.plan import PlannedResource
from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.ids import key
from ...core.lro import Operation
from ...core.store import Record
from ..base import INTERNAL_API_VERSION, Provider
from .links import relative_link
from .runtime import DEFAULT_API, LiveRuntime

#: the header with which a run PUTs its nested deployments (internal requests only)
PARENT_HEADER = "x-azrm-parent-deployment"

__all__ = ["FAILED_MESSAGE", "PARENT_HEADER", "DeploymentRunner", "Run", "Started", "duration"]

FAILED_MESSAGE = (
    "At least one resource deployment operation failed. Please list deployment operations for details. "
    "Please see https://aka.ms/arm-deployment-operations for usage details."
)


def duration(seconds: float) -> str:
    """Return ``seconds`` as an ISO 8601 duration, as ARM writes it (``PT22.8356799S``)."""
    return f"PT{max(0.0, seconds):.7f}S"


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


class DeploymentRunner(Provider):
    """Run deployments: the emulator's clock calls :meth:`next_due` and :meth:`fire`."""

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self.runs: dict[str, Run] = {}
        emu.timers.append(self)

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
            self.emu.ops.reschedule(run.op, at)
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

    def _runtime(self, run: Run) -> LiveRuntime:
        return LiveRuntime(self, run)

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
        # a nested deployment knows its parent (its outer-scope reference() calls are the parent's)
        headers = {PARENT_HEADER: run.deployment_id} if resource.is_deployment else None
        response = self.emu.dispatch("PUT", path, body, headers=headers)
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
            scope = str((props.get("expressionEvaluationOptions") or {}).get("scope") or "outer").lower()
            props["template"] = inner
            # kept, so that the nested deployment knows its reference() calls are its parent's
            props["expressionEvaluationOptions"] = {"scope": "inner" if scope == "inner" else "outer"}
        link = props.get("templateLink") or {}
        if link.get("relativePath"):
            parent = record.secrets.get("link") or record.properties.get("templateLink") or {}  # with its SAS
            props["templateLink"] = relative_link(parent, link["relativePath"], resource.name)
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
        return DEFAULT_API.get(resource_type.split("/")[0].lower(), INTERNAL_API_VERSION)

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
            props["error"] = {"code": "DeploymentFailed", "message": FAILED_MESSAGE, "details": run.failures}
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
        self.emu.ops.reschedule(run.op, at)
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
