"""What-if and export for the deployments backend.

**What-if** predicts what a deployment would do, without doing it: each resource of the template
(nested and linked templates included) is compared with the live one. A resource that does not exist
is ``Create``; one whose properties the template changes is ``Modify`` with the property deltas;
otherwise ``NoChange``. Resources of the group the template does not list are ``Ignore`` in
Incremental mode and ``Delete`` in Complete mode. Like ARM, only what the template says is compared:
fields Azure fills in (ids, states, defaults) are not changes. Values the template can only know
while deploying (``reference()``, ``list*()``) are left out of the comparison and shown as the
expression; a nested deployment whose parameters need them is ``Unsupported``. Secure values
never appear: they are shown as the parameter they come from.

**Export** writes a group's resources as a template (:mod:`azrm.templates.writer`), as the portal's
"Export template" and ``Export-AzResourceGroup`` do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....templates.base import Context, TemplateError
from ....templates.engine import Template
from ....templates.expressions import is_expression
from ....templates.plan import PlannedResource
from ....templates.writer import WrittenResource, strip_read_only, write_template
from ...core import shapes
from ...core.errors import ArmError
from ...core.store import Record

if TYPE_CHECKING:
    from .responses import DeploymentsBackend

__all__ = ["changes_for", "export_group"]

#: properties Azure accepts but never returns: a what-if cannot compare them
#: properties Azure never returns (or returns emptied): what-if cannot compare them, so it does not report them.
#: Container groups: secure environment values, registry passwords, secret volumes' files, storage and
#: workspace keys (docs/research/container-instances.md, "Secrets stripped on read").
_WRITE_ONLY = frozenset(
    {
        "protectedsettings",
        "adminpassword",
        "customdata",
        "protectedsettingsfromkeyvault",
        "securevalue",
        "password",
        "secret",
        "storageaccountkey",
        "workspacekey",
    }
)
_TOP_KEYS = ("location", "tags", "sku", "kind", "zones", "identity", "plan", "properties")


def changes_for(backend: DeploymentsBackend, template: Template, complete: bool) -> list[dict[str, Any]]:
    """Return the ``changes[]`` of a what-if result for ``template``."""
    changes: list[dict[str, Any]] = []
    seen: set[str] = set()
    _changes(backend, template, changes, seen)
    group_id = template.context.resource_group_id.lower()
    for record in list(backend.store):
        if record.key in seen or not record.key.startswith(group_id + "/providers/"):
            continue
        if record.internal.get("unlisted") or record.id.count("/") != 8:
            continue
        if any(s.startswith(record.key + "/") for s in seen):
            continue
        before = _live(backend, record.id, record.type)
        entry: dict[str, Any] = {"resourceId": record.id, "changeType": "Delete" if complete else "Ignore"}
        if complete and before is not None:
            entry["before"] = before
        changes.append(entry)
    return changes


def _changes(backend: DeploymentsBackend, template: Template, changes: list[dict[str, Any]], seen: set[str]) -> None:
    masks = _masks(template)
    for resource in template.plan():
        if not resource.condition:
            continue
        if resource.is_deployment:
            _nested(backend, template, resource, changes, seen)
            continue
        seen.add(resource.id.lower())
        after = _shown(resource, _mask(template.render_preview(resource), masks))
        before = _live(backend, resource.id, resource.type, resource.api_version)
        if before is None:
            changes.append({"resourceId": resource.id, "changeType": "Create", "after": after})
            continue
        # compared as the provider reads it: its members in their casing, its types, nothing it does not have
        told = {k: v for k, v in after.items() if k in _TOP_KEYS}
        bound = _as_read(
            shapes.bind(told, resource.type, lenient=True),
            shapes.bind(told, resource.type, known_only=True, lenient=True),
            before,
        )
        delta = _delta(before, bound, "", masks)
        entry = {
            "resourceId": resource.id,
            "changeType": "Modify" if delta else "NoChange",
            "before": before,
            "after": _merge(before, after),
        }
        if delta:
            entry["delta"] = delta
        changes.append(entry)


def _nested(
    backend: DeploymentsBackend,
    template: Template,
    resource: PlannedResource,
    changes: list[dict[str, Any]],
    seen: set[str],
) -> None:
    """Expand a nested or linked deployment, as ARM's what-if does."""
    body = template.render_preview(resource)
    props = body.get("properties") or {}
    try:
        if _has_expression(props.get("parameters")) or _has_expression(props.get("templateLink")):
            raise _Unsupported("its parameters or link depend on values known only while deploying")
        inner = template.nested_template(body)
        link = None
        if inner is None:
            link_spec = props.get("templateLink") or {}
            uri = link_spec.get("uri")
            if not uri and link_spec.get("relativePath"):
                parent = template.context.template_link or {}
                if not parent.get("uri"):
                    raise _Unsupported("templateLink.relativePath needs the parent deployment's templateLink")
                import urllib.parse

                uri = urllib.parse.urljoin(str(parent["uri"]).split("?", 1)[0], link_spec["relativePath"])
                link_spec = {"uri": uri, "queryString": parent.get("queryString")}
            if not uri:
                raise _Unsupported("it has neither a template nor a templateLink")
            inner = backend.fetch(uri, link_spec.get("queryString"))
            link = {"uri": uri, **({"queryString": link_spec["queryString"]} if link_spec.get("queryString") else {})}
        parameters = props.get("parameters") or {}
        if props.get("parametersLink"):
            fetched = backend.fetch(props["parametersLink"]["uri"], props["parametersLink"].get("queryString"))
            parameters = fetched.get("parameters", fetched)
        context = template.context
        group = str(body.get("resourceGroup") or context.resource_group)
        nested_context = Context(
            subscription_id=str(body.get("subscriptionId") or context.subscription_id),
            resource_group=group,
            location=context.location,
            deployment_name=resource.name,
            tenant_id=context.tenant_id,
            resource_group_tags=context.resource_group_tags,
            now=context.now,
            environment=context.environment,
            template_link=link,
            new_guid=context.new_guid,
            outer_scope=template.nested_template(body) is not None
            and str((props.get("expressionEvaluationOptions") or {}).get("scope") or "outer").lower() == "outer",
            providers=context.providers,
        )
        nested = Template(inner, parameters, nested_context)
        nested.order()
    except _Unsupported as why:
        changes.append(
            {"resourceId": resource.id, "changeType": "Unsupported", "unsupportedReason": f"Nested deployment: {why}."}
        )
        return
    except (TemplateError, ArmError) as exc:
        message = exc.message if isinstance(exc, (TemplateError, ArmError)) else str(exc)
        raise ArmError(400, "InvalidTemplate", f"Nested deployment '{resource.name}': {message}") from None
    _changes(backend, nested, changes, seen)


class _Unsupported(Exception):
    pass


def _as_read(everything: Any, known: Any, live: Any) -> Any:
    """Keep what the provider reads: members its model has, and those the live resource answers.

    A member today's model lacks but the resource in the template's api-version has (a 2015 storage
    account's ``accountType``) is compared; one neither has (a misplaced property) is dropped, as the
    provider drops it.
    """
    if isinstance(everything, dict) and isinstance(known, dict):
        live_keys = {k.lower(): k for k in live} if isinstance(live, dict) else {}
        out: dict[str, Any] = {}
        for key, value in everything.items():
            match = live_keys.get(key.lower()) if isinstance(key, str) else None
            if key in known:
                out[key] = _as_read(value, known[key], live.get(match) if match else None)
            elif match is not None:
                out[key] = value
        return out
    if isinstance(everything, list) and isinstance(known, list):
        lives = live if isinstance(live, list) else []
        pairs = enumerate(zip(everything, known, strict=True))
        return [_as_read(e, k, lives[i] if i < len(lives) else None) for i, (e, k) in pairs]
    return known


def _has_expression(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return isinstance(value, str) and is_expression(value)


def _live(
    backend: DeploymentsBackend, resource_id: str, resource_type: str, api_version: str | None = None
) -> dict[str, Any] | None:
    """Return the resource as ``GET`` returns it in the template's api-version (its shape), with ``apiVersion``.

    ``None`` when it does not exist.
    """
    api = api_version or backend.api_version_for(resource_type)
    response = backend.emu.dispatch("GET", f"{resource_id}?api-version={api}")
    if response.status >= 400 and api_version:
        api = backend.api_version_for(resource_type)
        response = backend.emu.dispatch("GET", f"{resource_id}?api-version={api}")
    if response.status != 200 or not isinstance(response.body, dict):
        return None
    body = dict(response.body)
    body.pop("etag", None)
    ordered = {"id": body.pop("id", resource_id), "name": body.pop("name", None), "type": body.pop("type", None)}
    ordered["apiVersion"] = api
    ordered.update(body)
    return ordered


def _shown(resource: PlannedResource, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": resource.id,
        "name": resource.name,
        "type": resource.type,
        "apiVersion": resource.api_version,
    }
    out.update(body)
    return out


def _masks(template: Template) -> dict[str, str]:
    masks: dict[str, str] = {}
    for name, (kind, value) in template.parameters.items():
        if kind in ("SecureString", "SecureObject") and value not in (None, "", {}):
            original = next((n for n in (template.template.get("parameters") or {}) if n.lower() == name), name)
            masks[_key(value)] = f"[parameters('{original}')]"
    return masks


def _key(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def _mask(node: Any, masks: dict[str, str]) -> Any:
    if not masks:
        return node
    if isinstance(node, (str, dict)) and _key(node) in masks:
        return masks[_key(node)]
    if isinstance(node, dict):
        return {k: _mask(v, masks) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask(v, masks) for v in node]
    return node


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        if a.startswith("/subscriptions/") or b.startswith("/subscriptions/"):
            return a.lower() == b.lower()
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else str(a).lower() == str(b).lower()
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if (isinstance(a, (int, float)) and isinstance(b, str)) or (isinstance(b, (int, float)) and isinstance(a, str)):
        return str(a) == str(b)
    return bool(a == b)


def _delta(before: Any, after: Any, path: str, masks: dict[str, str]) -> list[dict[str, Any]]:
    """Return the property changes from ``before`` to what the template (``after``) says."""
    out: list[dict[str, Any]] = []
    if isinstance(after, dict):
        if not isinstance(before, dict):
            return [_change(path, before, after)] if before is not None else [_create(path, after)]
        for key, value in after.items():
            sub = f"{path}.{key}" if path else key
            match = next((k for k in before if k.lower() == key.lower()), None)
            if _unknowable(value, masks) or key.lower() in _WRITE_ONLY:
                continue
            if match is None:
                if value in (None, [], {}) or key.lower() in _WRITE_ONLY:
                    continue  # nothing, or what Azure never returns (protected settings, passwords)
                out.append(_create(sub, value))
                continue
            out.extend(_delta(before[match], value, sub, masks))
        return out
    if isinstance(after, list):
        if not isinstance(before, list):
            return [_change(path, before, after)] if before is not None else [_create(path, after)]
        children: list[dict[str, Any]] = []
        for index in range(max(len(before), len(after))):
            if index >= len(after):
                children.append({"path": str(index), "propertyChangeType": "Delete", "before": before[index]})
            elif index >= len(before):
                children.append({"path": str(index), "propertyChangeType": "Create", "after": after[index]})
            else:
                inner = _delta(before[index], after[index], "", masks)
                if len(inner) == 1 and inner[0]["path"] == "":
                    children.append({**inner[0], "path": str(index)})  # a scalar element changed
                elif inner:
                    children.append({"path": str(index), "propertyChangeType": "Modify", "children": inner})
        if children:
            out.append({"path": path, "propertyChangeType": "Array", "children": children})
        return out
    if _unknowable(after, masks) or after is None:  # null in a template is "not set": the provider's default
        return out
    if path == "location" and isinstance(before, str) and isinstance(after, str):
        same = before.replace(" ", "").lower() == after.replace(" ", "").lower()  # West Europe is westeurope
    else:
        same = _same(before, after)
    if not same:
        out.append(_change(path, before, after))
    return out


def _unknowable(value: Any, masks: dict[str, str]) -> bool:
    """Tell a deferred expression or a secret: not compared (Azure does not return secrets)."""
    return isinstance(value, str) and (is_expression(value) or value in masks.values())


def _change(path: str, before: Any, after: Any) -> dict[str, Any]:
    return {"path": path, "propertyChangeType": "Modify", "before": before, "after": after}


def _create(path: str, after: Any) -> dict[str, Any]:
    return {"path": path, "propertyChangeType": "Create", "after": after}


def _merge(before: Any, after: Any) -> Any:
    """``before`` with what the template sets applied (the predicted resource)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = dict(before)
        for key, value in after.items():
            match = next((k for k in before if k.lower() == key.lower()), key)
            out[match] = _merge(before.get(match), value)
        return out
    return after


# -- export ----------------------------------------------------------------------------------------------
def export_group(backend: DeploymentsBackend, group: Record, options: dict[str, Any]) -> dict[str, Any]:
    """Return the result of ``POST .../exportTemplate``: ``{"template": ..., "error"?: ...}``."""
    wanted = [str(r) for r in options.get("resources") or ["*"]]
    flags = {f.strip().lower() for f in str(options.get("options") or "").split(",") if f.strip()}
    everything = "*" in wanted
    chosen = {w.lower() for w in wanted}
    prefix = group.key + "/providers/"
    resources: list[WrittenResource] = []
    problems: list[dict[str, Any]] = []
    for record in list(backend.store):
        if not record.key.startswith(prefix) or record.internal.get("unlisted"):
            continue
        if record.type.lower() in ("microsoft.resources/deployments",):
            continue
        if not everything and record.key not in chosen and not any(record.key.startswith(c + "/") for c in chosen):
            continue
        if _made_by_another(record):
            continue
        api = backend.api_version_for(record.type)
        response = backend.emu.dispatch("GET", f"{record.id}?api-version={api}")
        if response.status != 200 or not isinstance(response.body, dict):
            problems.append(
                {
                    "code": "ExportTemplateProviderError",
                    "target": record.id,
                    "message": f"Could not get resource '{record.id}' (status {response.status}).",
                }
            )
            continue
        body = strip_read_only(record.type, response.body)
        resources.append(WrittenResource(record.id, record.type, api, body))
    template = write_template(
        resources,
        parameterize_names=not ({"skipresourcenameparameterization", "skipallparameterization"} & flags),
        include_parameter_defaults="includeparameterdefaultvalue" in flags,
    )
    for entry in template["resources"]:
        _ask_for_password(entry, template)
    result: dict[str, Any] = {"template": template}
    if problems:
        result["error"] = {
            "code": "ExportTemplateCompletedWithErrors",
            "message": "Export template operation completed with errors. Some resources were not exported. "
            "Please see details for more information.",
            "details": problems,
        }
    return result


def _made_by_another(record: Record) -> bool:
    """Tell a disk a VM made from its image (deploying the VM makes it again)."""
    if record.type.lower() != "microsoft.compute/disks" or not record.body.get("managedBy"):
        return False
    creation = (record.properties.get("creationData") or {}).get("createOption", "")
    return str(creation).lower() == "fromimage"


def _ask_for_password(entry: dict[str, Any], template: dict[str, Any]) -> None:
    """Ask for a VM's admin password (never returned) as a secure parameter."""
    kind = str(entry.get("type", "")).lower()
    props = entry.get("properties") or {}
    profile = None
    if kind == "microsoft.compute/virtualmachines":
        profile = props.get("osProfile")
    elif kind == "microsoft.compute/virtualmachinescalesets":
        profile = (props.get("virtualMachineProfile") or {}).get("osProfile")
    if not isinstance(profile, dict) or "adminPassword" in profile:
        return
    linux = profile.get("linuxConfiguration") or {}
    if linux.get("disablePasswordAuthentication"):
        return
    base = str(entry["name"]).strip("[]").replace("parameters('", "").replace("')", "")
    name = "".join(ch if ch.isalnum() else "_" for ch in base) + "_adminPassword"
    template["parameters"][name] = {"type": "SecureString"}
    profile["adminPassword"] = f"[parameters('{name}')]"
