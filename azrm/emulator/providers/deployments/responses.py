"""Route deployment requests to their handlers; serve deployments as ARM does.

A PUT is checked at once (the mode, the template and its parameters: ``InvalidTemplate`` with the
faulty path is a 400) and answered 201 (200 when redeploying) with the deployment ``Accepted``, its
parameters echoed (secure ones without value), its ``templateHash``, providers and dependencies;
the run (:mod:`.runner`) then deploys it, and the deployment's long-running operation ends with it.
A running deployment can be neither deployed again nor deleted (``DeploymentActive``), only
canceled. A group's history holds at most 700 deployments: past that the oldest finished ones go,
down to 600. ``validate`` answers the deployment as it would be, without running it; ``whatIf``
and a group's ``exportTemplate`` are long-running operations (:mod:`.whatif`); a deployment's
``exportTemplate`` answers its template and its operations list what each resource's PUT did. After
a restart, deployments that were running are failed (``DeploymentInterrupted``). The backend class
puts the parts of the package together.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ....templates.base import DEPLOYMENT_TYPE, Context, TemplateError
from ....templates.engine import Template
from ....templates.expressions import ExpressionError
from ....templates.scope_functions import resolve_reference
from ...core import shapes
from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.ids import key
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import json_response, list_response
from ..keyvault.references import echo_references, resolve_references
from ..resources import RG_TYPE
from .links import DeploymentLinks
from .runner import FAILED_MESSAGE, PARENT_HEADER, DeploymentRunner, Run
from .types import check_resource_types, provider_view

if TYPE_CHECKING:
    from ...core.wire import Call

__all__ = ["HISTORY_TRIM_AT", "HISTORY_TRIM_TO", "DeploymentsBackend", "arm_error"]

#: ARM deletes a group's oldest deployments from the history once it holds 700, down to 600
HISTORY_TRIM_AT = 700
HISTORY_TRIM_TO = 600


def arm_error(exc: TemplateError) -> ArmError:
    """Return a template problem as ARM's 400."""
    return ArmError(400, exc.code, exc.message, target=exc.path or None)


class DeploymentsBackend(DeploymentRunner, DeploymentLinks):
    """Deployments, their runs, and the template operations around them."""

    namespace = "Microsoft.Resources"

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

    def _context(
        self, call: Call, name: str, link: dict[str, Any] | None, props: dict[str, Any] | None = None
    ) -> Context:
        group = self.rg_record(call.sub, call.rg)
        options = (props or {}).get("expressionEvaluationOptions") or {}
        inline = (props or {}).get("template") is not None
        parent = call.req.headers.get(PARENT_HEADER)  # set by a run for its nested deployments only
        outer = bool(parent) and inline and str(options.get("scope") or "").lower() == "outer"
        return Context(
            outer_scope=outer,
            outer_reference=(lambda target: self._parent_resource(str(parent), target)) if outer else None,
            providers=lambda namespace, rtype: provider_view(self.emu, namespace, rtype),
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

    @staticmethod
    def _deployment_body(call: Call) -> dict[str, Any]:
        """Return a validate or whatIf body bound as a deployment's (POSTs are not bound by their route)."""
        try:
            return dict(shapes.bind(call.body(), DEPLOYMENT_TYPE))
        except shapes.BindError as exc:
            raise exc.arm_error(DEPLOYMENT_TYPE) from None

    def _parent_resource(self, parent_id: str, target: str) -> str | None:
        """Return the id a name means in the parent deployment's template (outer-scope ``reference()``)."""
        run = self.runs.get(key(parent_id))
        if run is None:
            return None
        try:
            return resolve_reference(run.template, target)
        except ExpressionError:
            return None

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
        parameters = resolve_references(self.emu, self._parameters_of(props))
        try:
            template = Template(template_json, parameters, self._context(call, name, link, props))
            template.order()
        except TemplateError as exc:
            raise arm_error(exc) from None
        check_resource_types(self.emu, template, str(self.rg_record(call.sub, call.rg).location))
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
        echo_references(out["parameters"], self._parameters_of(props))
        if link:  # ARM echoes the uri and contentVersion, not the queryString: a SAS given there stays secret
            out["templateLink"] = {k: v for k, v in link.items() if k != "queryString"}
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
        self._preflight_access(call, template)
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
        from .... import _secrets

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

    def _preflight_access(self, call: Call, template: Template) -> None:
        """Refuse, before anything starts, a template with a resource the caller may not write (with ``rbac``)."""
        access = self.emu.access
        refusal = access.template_refusal(call.req.principal, template.plan()) if access is not None else None
        if refusal is not None:
            raise refusal

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
            error = record.properties.get("error") or {"code": "DeploymentFailed", "message": FAILED_MESSAGE}
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

    # -- validate, what-if, export ------------------------------------------------------------------------
    def validate(self, call: Call) -> Response:
        rid = self._id(call)
        name = rid.rsplit("/", 1)[-1]
        try:
            template, props, link = self._bind(call, name, self._deployment_body(call))
            self._preflight_access(call, template)
        except ArmError as err:
            return Response(400, err.envelope())
        out = self._properties(template, props, link)
        out.update(provisioningState="Succeeded", duration="PT0S")
        out["validatedResources"] = [{"id": r.id} for r in template.plan() if r.condition]
        return json_response(200, {"id": rid, "name": name, "type": DEPLOYMENT_TYPE, "properties": out})

    def what_if(self, call: Call) -> Response:
        rid = self._id(call)
        name = rid.rsplit("/", 1)[-1]
        body = self._deployment_body(call)
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
        template = self.clone(record.secrets.get("template"))
        # an outer-scope nested template carries its parent's values as defaults: never the secure ones
        for spec in ((template or {}).get("parameters") or {}).values():
            if isinstance(spec, dict) and str(spec.get("type", "")).lower().startswith("secure"):
                spec.pop("defaultValue", None)
        return json_response(200, {"template": template})

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
