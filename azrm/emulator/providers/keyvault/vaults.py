"""``Microsoft.KeyVault/vaults``: the control plane of Key Vault, as the Key Vault resource provider serves it.

From azure-rest-api-specs ``specification/keyvault/resource-manager`` and the research notes
(``docs/research/identity-access-keyvault.md`` section 6):

- PUT creates (201) or replaces (200) at once; ``properties.tenantId`` and ``properties.sku`` are
  required; ``vaultUri`` and ``provisioningState`` are filled by the server. ``vaultUri`` is the
  vault's own origin, where its data plane answers (see :mod:`.origins` and :mod:`.dataplane`).
- Soft delete is always on (``enableSoftDelete: false`` is refused); ``softDeleteRetentionInDays``
  is 7-90, 90 by default; ``enablePurgeProtection`` can only be ``true`` or absent (Azure answers
  400 ``BadRequest`` for ``false``, even on create).
- Names follow :func:`azrm.rules.key_vault_name_problem` (400 ``VaultNameNotValid``) and are
  unique across all subscriptions, soft-deleted vaults included (409 ``VaultAlreadyExists`` /
  ``ConflictError``); ``checkNameAvailability`` answers the same question.
- DELETE (and the deletion of the vault's resource group) moves the vault to ``deletedVaults``
  (see :mod:`.deleted`); a PUT with ``createMode: recover`` brings it back.
- ``accessPolicies/{add|replace|remove}`` edits the access policies of one or more principals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....rules import key_vault_name_problem
from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from ..base import json_response, list_response
from .dataplane import VaultPlane
from .deleted import DELETED_TYPE, VAULT_TYPE, DeletedVaults
from .origins import azure_vault_uri

if TYPE_CHECKING:
    from ...core.wire import Call, Response

__all__ = ["KeyVaultBackend"]

_BOOL_PROPS = (
    "enabledForDeployment",
    "enabledForDiskEncryption",
    "enabledForTemplateDeployment",
    "enableRbacAuthorization",
)
_POLICY_KINDS = ("add", "replace", "remove")
_PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")


def _bad(message: str) -> ArmError:
    return ArmError(400, "BadRequest", message)


def name_invalid(name: str) -> ArmError:
    """Azure's 400 for a bad vault name (text from MicrosoftDocs/azure-docs#92981 and deployments quoting it)."""
    return ArmError(
        400,
        "VaultNameNotValid",
        f"The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name "
        "must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link "
        "for more information: https://go.microsoft.com/fwlink/?linkid=2147742",
    )


def name_in_use(name: str) -> ArmError:
    """Azure's 409 for a name another live vault has (Azure/azure-powershell#15115)."""
    return ArmError(
        409,
        "VaultAlreadyExists",
        f"The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name "
        "is already taken. If you are sure that the vault name was not taken then it is possible that a vault with "
        "the same name was recently deleted but not purged after being placed in a recoverable state. If the vault "
        "is in a recoverable state then the vault will need to be purged before reusing the name. For more "
        "information on soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.",
    )


def name_soft_deleted() -> ArmError:
    """Azure's 409 for a name a soft-deleted vault holds (Azure/azure-cli#29115)."""
    return ArmError(
        409,
        "ConflictError",
        "A vault with the same name already exists in deleted state. You need to either recover or purge existing "
        "key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft "
        "delete.",
    )


class KeyVaultBackend(DeletedVaults):
    """Key vaults and their soft-deleted remains, with the names they hold across subscriptions."""

    namespace = "Microsoft.KeyVault"

    def register(self, r: Router) -> None:
        sub = "/subscriptions/{subscriptionId}"
        collection = "/providers/Microsoft.KeyVault/vaults"
        one = sub + "/resourceGroups/{resourceGroupName}" + collection + "/{vaultName}"
        r.add("GET", sub + collection, self.list_vaults)
        r.add("GET", sub + "/resourceGroups/{resourceGroupName}" + collection, self.list_vaults)
        r.add("PUT", one, self.put_vault)
        r.add("GET", one, self.get_vault)
        r.add("PATCH", one, self.patch_vault)
        r.add("DELETE", one, self.delete_vault)
        r.add("PUT", one + "/accessPolicies/{operationKind}", self.update_access_policies)
        r.add("POST", sub + "/providers/Microsoft.KeyVault/checkNameAvailability", self.check_name)
        self.register_deleted(r)
        self.emu.on_delete(VAULT_TYPE, self.soft_delete)
        self.emu.planes.append(VaultPlane(self.emu, VAULT_TYPE))

    def _id(self, call: Call) -> str:
        return self.resource_id(call, "vaults", call.params["vaultName"])

    # -- names -------------------------------------------------------------------------------------
    def _holder(self, name: str) -> Record | None:
        """Return the live or soft-deleted vault holding ``name`` anywhere (names are global)."""
        self.expire()
        for rtype in (VAULT_TYPE, DELETED_TYPE):
            for record in self.store.of_type(rtype):
                if record.name.lower() == name.lower():
                    return record
        return None

    def check_name(self, call: Call) -> Response:
        body = call.body()
        name = str(body.get("name") or "")
        if str(body.get("type") or "").lower() != VAULT_TYPE.lower():
            raise _bad(f"The type '{body.get('type')}' is invalid. The only supported type is '{VAULT_TYPE}'.")
        if key_vault_name_problem(name) is not None:
            return json_response(
                200,
                {"nameAvailable": False, "reason": "AccountNameInvalid", "message": name_invalid(name).message},
            )
        if self._holder(name) is not None:
            return json_response(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": f"The vault name '{name}' is already in use.",
                },
            )
        return json_response(200, {"nameAvailable": True})

    # -- vaults ------------------------------------------------------------------------------------
    def put_vault(self, call: Call) -> Response:
        name = call.params["vaultName"]
        if key_vault_name_problem(name) is not None:
            raise name_invalid(name)
        body = call.body()
        props_in = body.get("properties")
        if not isinstance(props_in, dict):
            raise _bad("The request body must have 'properties'.")
        rid = self._id(call)
        existing = self.store.get(rid)
        if str(props_in.get("createMode") or "default").lower() == "recover":
            return self.recover(call, rid, name, body)
        holder = self._holder(name)
        if existing is None and holder is not None:
            raise name_soft_deleted() if holder.type == DELETED_TYPE else name_in_use(name)
        location = self.location(body, VAULT_TYPE)
        if existing is not None and existing.location != location:
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The resource '{name}' already exists in location '{existing.location}' in resource group "
                f"'{call.rg}'. A resource with the same name cannot be created in location '{location}'. "
                "Please select a new resource name.",
            )
        old = existing.body["properties"] if existing is not None else {}
        props = self._properties(name, props_in, old)
        record = Record(
            rid,
            VAULT_TYPE,
            {
                "id": rid,
                "name": name,
                "type": VAULT_TYPE,
                "location": location,
                "tags": self.tags(body),
                "properties": props,
            },
            # the secrets and the listener's port stay with the vault when its properties are replaced
            secrets=existing.secrets if existing is not None else {},
            internal=existing.internal if existing is not None else {},
        )
        self.store.put(record)
        self.open_origin(record)
        return json_response(200 if existing is not None else 201, self.clone(record.body))

    def _properties(self, name: str, given: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
        """Return the vault's properties: ``given`` over ``old`` over the defaults.

        A PUT of an existing vault keeps what it leaves out, as a PATCH does (the local Azure's choice:
        what Azure does with a partial PUT of a vault was not checked).
        """

        def pick(key: str, default: Any) -> Any:
            return given[key] if given.get(key) is not None else old.get(key, default)

        tenant = pick("tenantId", None)
        if not tenant:
            raise _bad("The parameter 'properties.tenantId' is required.")
        sku = pick("sku", None)
        if not isinstance(sku, dict) or str(sku.get("name") or "").lower() not in ("standard", "premium"):
            raise _bad(
                f"The value '{(sku or {}).get('name') if isinstance(sku, dict) else sku}' of 'properties.sku.name' "
                "is invalid. Allowed values: standard, premium."
            )
        if given.get("enableSoftDelete") is False:
            raise _bad(
                'The property "enableSoftDelete" cannot be set to false. Soft delete is always on for a key vault.'
            )
        if given.get("enablePurgeProtection") is False:
            raise _bad(
                'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a '
                "vault is an irreversible action."
            )
        retention = pick("softDeleteRetentionInDays", 90)
        if not isinstance(retention, int) or isinstance(retention, bool) or not 7 <= retention <= 90:
            raise _bad(f"The value '{retention}' of 'properties.softDeleteRetentionInDays' must be between 7 and 90.")
        policies = pick("accessPolicies", [])
        if not isinstance(policies, list):
            raise _bad("The value of 'properties.accessPolicies' must be a list.")
        props: dict[str, Any] = {
            "tenantId": tenant,
            "sku": {"family": "A", "name": str(sku["name"]).lower()},
            "accessPolicies": [_policy(p) for p in policies],
        }
        for key in _BOOL_PROPS:
            props[key] = bool(pick(key, False))
        props["enableSoftDelete"] = True
        props["softDeleteRetentionInDays"] = retention
        props["enablePurgeProtection"] = (
            True if (old.get("enablePurgeProtection") or given.get("enablePurgeProtection")) else None
        )
        props["publicNetworkAccess"] = pick("publicNetworkAccess", "Enabled")
        props["networkAcls"] = pick("networkAcls", None)
        props["vaultUri"] = old.get("vaultUri") or azure_vault_uri(name)
        props["provisioningState"] = "Succeeded"
        return props

    def get_vault(self, call: Call) -> Response:
        return json_response(200, self.clone(self.get_record(self._id(call), VAULT_TYPE, call).body))

    def list_vaults(self, call: Call) -> Response:
        return list_response(self.clone(r.body) for r in self.records_in(call, VAULT_TYPE))

    def patch_vault(self, call: Call) -> Response:
        record = self.get_record(self._id(call), VAULT_TYPE, call)
        body = call.body()
        if "tags" in body:
            record.body["tags"] = self.tags(body)
        given = body.get("properties") or {}
        if not isinstance(given, dict):
            raise _bad("The value of 'properties' must be an object.")
        record.body["properties"] = self._properties(record.name, given, record.body["properties"])
        self.store.put(record)
        return json_response(200, self.clone(record.body))

    def delete_vault(self, call: Call) -> Response:
        record = self.store.get(self._id(call))
        if record is None or record.type.lower() != VAULT_TYPE.lower():
            return json_response(204, None)
        self.emu.remove(record.id)  # the delete hook keeps it in deletedVaults
        return json_response(200, None)

    def update_access_policies(self, call: Call) -> Response:
        kind = call.params["operationKind"].lower()
        if kind not in _POLICY_KINDS:
            raise _bad(
                f"The operation kind '{call.params['operationKind']}' is invalid. Allowed: add, replace, remove."
            )
        record = self.get_record(self._id(call), VAULT_TYPE, call)
        given = (call.body().get("properties") or {}).get("accessPolicies")
        if not isinstance(given, list):
            raise _bad("The parameter 'properties.accessPolicies' is required.")
        policies: list[dict[str, Any]] = record.body["properties"]["accessPolicies"]
        for entry in (_policy(p) for p in given):
            match = next((p for p in policies if _same_principal(p, entry)), None)
            if kind == "remove":
                if match is not None:
                    policies.remove(match)
            elif match is None:
                policies.append(entry)
            elif kind == "replace":
                match["permissions"] = entry["permissions"]
            else:  # add: the union of the permissions
                for perm in _PERMISSION_KINDS:
                    have = match["permissions"].setdefault(perm, [])
                    have.extend(p for p in entry["permissions"].get(perm, []) if p.lower() not in map(str.lower, have))
        self.store.put(record)
        return json_response(
            200,
            {
                "id": f"{record.id}/accessPolicies/{kind}",
                "name": kind,
                "type": f"{VAULT_TYPE}/accessPolicies",
                "location": record.location,
                "properties": {"accessPolicies": self.clone(policies)},
            },
        )


def _policy(given: Any) -> dict[str, Any]:
    """Check one access policy entry and return it in Azure's shape."""
    if not isinstance(given, dict) or not given.get("tenantId") or not given.get("objectId"):
        raise _bad("Each access policy needs 'tenantId' and 'objectId'.")
    permissions = given.get("permissions") or {}
    if not isinstance(permissions, dict):
        raise _bad("The value of 'accessPolicies[].permissions' must be an object.")
    out = {"tenantId": given["tenantId"], "objectId": given["objectId"], "permissions": {}}
    if given.get("applicationId"):
        out["applicationId"] = given["applicationId"]
    for perm in _PERMISSION_KINDS:
        values = permissions.get(perm)
        if values is not None:
            if not isinstance(values, list):
                raise _bad(f"The value of 'accessPolicies[].permissions.{perm}' must be a list.")
            out["permissions"][perm] = [str(v) for v in values]
    return out


def _same_principal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(
        str(a.get(k) or "").lower() == str(b.get(k) or "").lower() for k in ("tenantId", "objectId", "applicationId")
    )
