"""Microsoft.Resources.

The tenant list, subscriptions, locations, provider registrations, resource groups, the generic
resource list, and the operation-status URLs of every provider.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...rules import resource_group_name_problem
from ..core.errors import ArmError, resource_group_not_found
from ..core.ids import normalize_location, resource_group_id
from ..core.router import Router
from ..core.store import Record
from ..core.wire import Headers, Response
from .base import Provider, json_response, list_response
from .catalog import LOCATIONS

if TYPE_CHECKING:
    from ..core.wire import Call

RG_TYPE = "Microsoft.Resources/resourceGroups"
#: how ``GET /tenants`` names the local Entra ID's tenant
TENANT_DISPLAY_NAME = "Local Azure (azrm)"
TENANT_DOMAIN = "azrmlocal.onmicrosoft.com"

#: api-versions reported per namespace by the provider registration reads, for types the manifest
#: (``data/api-versions.json``) does not list (cosmetic, but Az reads them).
_API_VERSIONS = {
    "microsoft.resources": ["2025-04-01", "2024-11-01", "2022-09-01", "2021-04-01", "2019-10-01", "2015-11-01"],
    "microsoft.storage": ["2025-06-01", "2024-01-01", "2023-05-01", "2023-01-01", "2022-09-01", "2021-09-01"],
    "microsoft.network": ["2025-05-01", "2024-07-01", "2024-05-01", "2024-03-01", "2023-09-01", "2022-07-01"],
    "microsoft.compute": ["2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-09-01", "2022-11-01"],
}


class ResourcesProvider(Provider):
    """Subscriptions, resource groups and generic resource reads."""

    namespace = "Microsoft.Resources"

    def register(self, r: Router) -> None:
        sub = "/subscriptions/{subscriptionId}"
        r.add("GET", "/tenants", self.list_tenants)
        r.add("GET", "/subscriptions", self.list_subscriptions)
        r.add("GET", sub, self.get_subscription)
        r.add("GET", sub + "/locations", self.list_locations)
        r.add("GET", sub + "/providers", self.list_providers)
        r.add("GET", sub + "/providers/{resourceProviderNamespace}", self.get_provider)
        r.add("POST", sub + "/providers/{resourceProviderNamespace}/register", self.register_provider)
        r.add("POST", sub + "/providers/{resourceProviderNamespace}/unregister", self.register_provider)

        rg = sub + "/resourcegroups/{resourceGroupName}"
        r.add("GET", sub + "/resourcegroups", self.list_groups)
        r.add("PUT", rg, self.put_group)
        r.add("GET", rg, self.get_group)
        r.add("HEAD", rg, self.head_group)
        r.add("PATCH", rg, self.patch_group)
        r.add("DELETE", rg, self.delete_group)
        r.add("GET", rg + "/resources", self.list_resources)
        r.add("GET", sub + "/resources", self.list_resources)

        # Operation-status URLs, whatever provider started the operation.
        loc = sub + "/providers/{resourceProviderNamespace}/locations/{location}"
        r.add("GET", loc + "/operations/{operationId}", self.operation_status)
        r.add("GET", loc + "/operationResults/{operationId}", self.operation_result)
        r.add("GET", loc + "/asyncoperations/{operationId}", self.operation_result)
        r.add("GET", sub + "/operationresults/{operationId}", self.operation_result)

    # -- subscriptions, locations, providers -------------------------------------------------------
    def _subscription(self, sub: str) -> dict[str, Any]:
        return {
            "id": f"/subscriptions/{sub}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": sub,
            "tenantId": self.emu.tenant_id,
            "displayName": "Local Azure (azrm)",
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
        }

    def list_tenants(self, call: Call) -> Response:
        """``GET /tenants``: the one tenant of the local Entra ID (``az login`` as a user without ``--tenant``)."""
        tenant = self.emu.tenant_id
        return list_response(
            [
                {
                    "id": f"/tenants/{tenant}",
                    "tenantId": tenant,
                    "countryCode": "US",
                    "displayName": TENANT_DISPLAY_NAME,
                    "domains": [TENANT_DOMAIN],
                    "tenantCategory": "Home",
                    "defaultDomain": TENANT_DOMAIN,
                    "tenantType": "AAD",
                }
            ]
        )

    def list_subscriptions(self, call: Call) -> Response:
        return list_response(self._subscription(s) for s in self.emu.subscriptions)

    def get_subscription(self, call: Call) -> Response:
        return json_response(200, self._subscription(call.sub))

    def list_locations(self, call: Call) -> Response:
        return list_response(
            {
                "id": f"/subscriptions/{call.sub}/locations/{name}",
                "name": name,
                "type": "Region",
                "displayName": display,
                "regionalDisplayName": f"({geo}) {display}",
                "metadata": {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": geo},
            }
            for name, (display, geo) in LOCATIONS.items()
        )

    def _provider(self, sub: str, namespace: str) -> dict[str, Any]:
        types = sorted(t for k, t in self.emu.router.types.items() if k.startswith(namespace.lower() + "/"))
        canonical = next(
            (p.namespace for p in self.emu.providers if p.namespace.lower() == namespace.lower()), namespace
        )
        versions = _API_VERSIONS.get(namespace.lower(), ["2024-01-01"])
        return {
            "id": f"/subscriptions/{sub}/providers/{canonical}",
            "namespace": canonical,
            "registrationState": "Registered",
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [
                {
                    "resourceType": t.split("/", 1)[1],
                    "locations": [display for display, _ in LOCATIONS.values()],
                    "apiVersions": self.emu.versions.supported(t) or versions,
                    "capabilities": "None",
                }
                for t in types
            ],
        }

    def _known_namespace(self, namespace: str) -> None:
        if namespace.lower() not in self.emu.router.namespaces:
            raise ArmError(
                404,
                "InvalidResourceNamespace",
                f"The resource namespace '{namespace}' is invalid. "
                f"(The local Azure emulates {', '.join(sorted(self.emu.router.namespaces))}.)",
            )

    def list_providers(self, call: Call) -> Response:
        namespaces = dict.fromkeys(p.namespace for p in self.emu.providers if p.namespace)
        return list_response(self._provider(call.sub, ns) for ns in namespaces)

    def get_provider(self, call: Call) -> Response:
        ns = call.params["resourceProviderNamespace"]
        self._known_namespace(ns)
        return json_response(200, self._provider(call.sub, ns))

    def register_provider(self, call: Call) -> Response:
        ns = call.params["resourceProviderNamespace"]
        self._known_namespace(ns)
        # Every emulated provider is always registered; (un)registering is accepted and changes nothing.
        return json_response(200, self._provider(call.sub, ns))

    # -- resource groups ---------------------------------------------------------------------------
    def _validate_group_name(self, name: str) -> None:
        if resource_group_name_problem(name) is not None:
            bad = "".join(sorted({c for c in name if not re.match(r"[-\w.()]", c)})) or "."
            raise ArmError(
                400,
                "InvalidResourceGroup",
                f"The provided resource group name '{name}' has these invalid characters: '{bad}'. The name can "
                "only be a letter, digit, '-', '.', '(', ')' or '_'. See "
                "https://aka.ms/ResourceGroupNamingRestrictions "
                "for more information.",
            )

    def list_groups(self, call: Call) -> Response:
        prefix = f"/subscriptions/{call.sub}/".lower()
        groups = [g for g in self.store.of_type(RG_TYPE) if g.key.startswith(prefix)]
        flt = call.req.query.get("$filter")
        if flt:
            groups = [g for g in groups if _matches_filter(g, flt)]
        return list_response(self.clone(g.body) for g in groups)

    def put_group(self, call: Call) -> Response:
        name = call.rg
        self._validate_group_name(name)
        body = call.body()
        raw_location = body.get("location")
        if not raw_location:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        location = normalize_location(str(raw_location))
        if location not in LOCATIONS:
            raise ArmError(
                400,
                "LocationNotAvailableForResourceGroup",
                f"The provided location '{raw_location}' is not available for resource group. "
                f"List of available regions is '{','.join(sorted(LOCATIONS))}'.",
            )
        tags = self.tags(body)
        existing = self.store.get(resource_group_id(call.sub, name))
        if existing is not None:
            if existing.properties.get("provisioningState") == "Deleting":
                raise _being_deleted(existing.name)
            if existing.location != location:
                raise ArmError(
                    409,
                    "InvalidResourceGroupLocation",
                    f"Invalid resource group location '{raw_location}'. "
                    f"The Resource group already exists in location '{existing.location}'.",
                )
            existing.body["tags"] = tags
            if "managedBy" in body:
                existing.body["managedBy"] = body["managedBy"]
            self.store.touch(existing)
            return json_response(200, self.clone(existing.body))
        rid = resource_group_id(call.sub, name)
        record_body: dict[str, Any] = {
            "id": rid,
            "name": name,
            "type": RG_TYPE,
            "location": location,
            "tags": tags,
            "properties": {"provisioningState": "Succeeded"},
        }
        if body.get("managedBy"):
            record_body["managedBy"] = body["managedBy"]
        record = self.store.put(Record(rid, RG_TYPE, record_body))
        return json_response(201, self.clone(record.body))

    def _group(self, call: Call) -> Record:
        record = self.store.get(resource_group_id(call.sub, call.rg))
        if record is None:
            raise resource_group_not_found(call.rg)
        return record

    def get_group(self, call: Call) -> Response:
        return json_response(200, self.clone(self._group(call).body))

    def head_group(self, call: Call) -> Response:
        exists = self.store.get(resource_group_id(call.sub, call.rg)) is not None
        return Response(204 if exists else 404)

    def patch_group(self, call: Call) -> Response:
        record = self._group(call)
        body = call.body()
        if "location" in body and normalize_location(str(body["location"])) != record.location:
            raise ArmError(
                400,
                "InvalidResourceGroupLocation",
                f"The location of resource group '{record.name}' cannot be changed.",
            )
        if "tags" in body:
            record.body["tags"] = self.tags(body)
        if "managedBy" in body:
            record.body["managedBy"] = body["managedBy"]
        self.store.touch(record)
        return json_response(200, self.clone(record.body))

    def delete_group(self, call: Call) -> Response:
        record = self._group(call)
        if record.properties.get("provisioningState") == "Deleting":
            op = self.emu.ops.pending_for(record.key, kind="delete")
            if op is not None:
                return Response(202, None, Headers(self.lro_headers(call, op)))
        record.properties["provisioningState"] = "Deleting"
        self.store.touch(record)

        def complete() -> None:
            self.emu.remove(record.id)

        def failed(err: ArmError) -> None:
            if self.store.get(record.id) is not None:
                record.properties["provisioningState"] = "Succeeded"
                self.store.touch(record)

        op = self.begin(call, record, "delete", style="resources", complete=complete, on_failure=failed)
        return Response(202, None, Headers(self.lro_headers(call, op)))

    # -- generic resources -----------------------------------------------------------------------
    def list_resources(self, call: Call) -> Response:
        if "resourceGroupName" in call.params:
            group = self._group(call)
            records = self.store.under(group.id)
        else:
            records = [r for r in self.store.under(f"/subscriptions/{call.sub}") if r.type != RG_TYPE]
        flt = call.req.query.get("$filter")
        expand = call.req.query.get("$expand", "").lower()
        out = []
        for record in records:
            if record.internal.get("unlisted"):
                continue
            if flt and not _matches_filter(record, flt):
                continue
            out.append(generic_view(record, expand))
        return list_response(out)

    # -- operations --------------------------------------------------------------------------------
    def _operation(self, call: Call) -> Any:
        op = self.emu.ops.get(call.params["operationId"])
        if op is None or op.subscription.lower() != call.sub.lower():
            raise ArmError(
                404, "OperationNotFound", f"The operation '{call.params['operationId']}' could not be found."
            )
        return op

    def operation_status(self, call: Call) -> Response:
        op = self._operation(call)
        if call.req.query.get("monitor", "").lower() == "true":
            return self.emu.ops.location_response(op, call.base_url, self.emu.now())
        return self.emu.ops.status_response(op, self.emu.now())

    def operation_result(self, call: Call) -> Response:
        op = self._operation(call)
        return self.emu.ops.location_response(op, call.base_url, self.emu.now())


def _being_deleted(name: str) -> ArmError:
    return ArmError(
        409,
        "ResourceGroupBeingDeleted",
        f"The resource group '{name}' is in deprovisioning state and cannot perform this operation.",
    )


def generic_view(record: Record, expand: str = "") -> dict[str, Any]:
    """How the generic ``/resources`` list shows a record."""
    body = record.body
    name = body.get("name", record.name)
    if record.type.count("/") > 1:  # a child resource is listed under its full name: "vm1/Microsoft.Powershell.DSC"
        name = "/".join(record.id.rsplit("/providers/", 1)[-1].split("/")[2::2])
    view: dict[str, Any] = {"id": record.id, "name": name, "type": record.type}
    for field in ("location", "sku", "kind", "managedBy", "identity", "plan", "zones"):
        if body.get(field) is not None:
            view[field] = body[field]
    if body.get("tags"):
        view["tags"] = body["tags"]
    if "provisioningstate" in expand:
        view["provisioningState"] = body.get("properties", {}).get("provisioningState", "Succeeded")
    if "createdtime" in expand and record.internal.get("created"):
        from ..core.clock import iso_utc

        view["createdTime"] = iso_utc(record.internal["created"])
    return view


_CLAUSE = re.compile(
    r"^\s*(?:(?P<field>resourceType|name|tagName|tagValue|location)\s+eq\s+'(?P<value>[^']*)'"
    r"|substringof\(\s*'(?P<sub>[^']*)'\s*,\s*name\s*\))\s*$",
    re.IGNORECASE,
)


def _matches_filter(record: Record, flt: str) -> bool:
    """Match ARM's small ``$filter`` language.

    ``resourceType eq``, ``name eq``, ``tagName eq [and tagValue eq]``, ``location eq`` and
    ``substringof('x', name)``, joined by ``and``.
    """
    tag_name = None
    tags = {k.lower(): v for k, v in (record.body.get("tags") or {}).items()}
    for clause in re.split(r"\s+and\s+", flt, flags=re.IGNORECASE):
        m = _CLAUSE.match(clause)
        if not m:
            raise ArmError(
                400, "InvalidFilterInQueryString", f"The $filter '{flt}' is not supported by the local Azure."
            )
        if m.group("sub") is not None:
            if m.group("sub").lower() not in record.name.lower():
                return False
            continue
        field, value = m.group("field").lower(), m.group("value")
        if field == "resourcetype" and record.type.lower() != value.lower():
            return False
        if field == "name" and record.name.lower() != value.lower():
            return False
        if field == "location" and (record.location or "") != normalize_location(value):
            return False
        if field == "tagname":
            tag_name = value.lower()
            if tag_name not in tags:
                return False
        if field == "tagvalue" and (tag_name is None or tags.get(tag_name) != value):
            return False
    return True
