"""Key vaults, the control plane (``New-AzKeyVault``... of Az.KeyVault).

azure-mgmt-keyvault is not among azrm's dependencies, so these go through azure-mgmt-resource's
generic resource operations and its pipeline (``send_request``) with Key Vault's api-version, and
return ``GenericResource`` objects: the vault's ``vaultUri``, ``accessPolicies``... are in
``.properties`` (``"vaultUri"``...).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from .. import _secrets
from .._session_base import SessionBase, with_retry_policy
from ..builders._base import check, tag_body
from ..credential import Credential
from ..rules import key_vault_name_problem, key_vault_secret_name_problem, resource_group_name_problem

__all__ = ["KEYVAULT_API_VERSION", "KeyVaultOperations", "KeyVaultSecret", "access_policy", "vault_body"]

#: the api-version of Microsoft.KeyVault these operations use
KEYVAULT_API_VERSION = "2023-07-01"
VAULT_TYPE = "Microsoft.KeyVault/vaults"
SKUS = ("Standard", "Premium")
#: the permission names Azure takes per kind (compared without case); ``all`` grants every one
PERMISSIONS = {
    "keys": [
        "all",
        "encrypt",
        "decrypt",
        "wrapKey",
        "unwrapKey",
        "sign",
        "verify",
        "get",
        "list",
        "create",
        "update",
        "import",
        "delete",
        "backup",
        "restore",
        "recover",
        "purge",
        "release",
        "rotate",
        "getrotationpolicy",
        "setrotationpolicy",
    ],
    "secrets": ["all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"],
    "certificates": [
        "all",
        "get",
        "list",
        "delete",
        "create",
        "import",
        "update",
        "managecontacts",
        "getissuers",
        "listissuers",
        "setissuers",
        "deleteissuers",
        "manageissuers",
        "recover",
        "purge",
        "backup",
        "restore",
    ],
}


def _check_name(name: str) -> None:
    problem = key_vault_name_problem(name)
    check(problem is None, "name", name, problem or "")


def _check_secret_name(name: str) -> None:
    problem = key_vault_secret_name_problem(name)
    check(problem is None, "name", name, problem or "")


class KeyVaultSecret:
    """A secret read from a key vault (``Get-AzKeyVaultSecret``): its value never shows.

    ``repr``/``str`` print ``********`` for the value; read it with :meth:`get_secret_value` (as
    ``Get-AzKeyVaultSecret -AsPlainText`` does), or turn it into the :class:`~azrm.Credential` a VM's
    operating system takes with :meth:`to_credential`. The other attributes are the secret's
    properties: ``vault_name``, ``name``, ``version``, ``id``, ``content_type``, ``tags``,
    ``enabled``, ``created_on``, ``updated_on``.

    >>> secret = az.get_key_vault_secret("kv-app-1", "vm-admin")
    >>> secret
    KeyVaultSecret(vault_name='kv-app-1', name='vm-admin', version='...', value='********')
    """

    __slots__ = (
        "content_type",
        "created_on",
        "enabled",
        "id",
        "name",
        "tags",
        "updated_on",
        "value",
        "vault_name",
        "version",
    )

    def __init__(self, vault_name: str, secret: Any) -> None:
        props = secret.properties
        self.vault_name = vault_name
        self.name: str = secret.name
        self.id: str | None = secret.id
        self.version: str | None = props.version
        self.content_type: str | None = props.content_type
        self.tags: dict[str, str] = dict(props.tags or {})
        self.enabled: bool | None = props.enabled
        self.created_on = props.created_on
        self.updated_on = props.updated_on
        value = secret.value
        if value is not None:
            _secrets.register(value)
        #: the value as a pydantic ``SecretStr`` (``None`` for a secret read without its value)
        self.value: SecretStr | None = None if value is None else SecretStr(value)

    @property
    def secret_value(self) -> SecretStr | None:
        """The value, hidden (``$secret.SecretValue``, a ``SecureString`` in PowerShell)."""
        return self.value

    @property
    def secret_value_text(self) -> str:
        """The value in plain text (AzureRM's ``$secret.SecretValueText``): :meth:`get_secret_value`."""
        return self.get_secret_value()

    def get_secret_value(self) -> str:
        """Return the secret's value in plain text (``Get-AzKeyVaultSecret -AsPlainText``)."""
        return "" if self.value is None else self.value.get_secret_value()

    def to_credential(self, user_name: str) -> Credential:
        """Return a :class:`~azrm.Credential` of ``user_name`` whose password is this secret's value."""
        check(self.value is not None, "secret", self.name, "a secret with a value")
        assert self.value is not None
        return Credential(user_name, self.value)

    def __repr__(self) -> str:
        return (
            f"KeyVaultSecret(vault_name={self.vault_name!r}, name={self.name!r}, version={self.version!r}, "
            f"value={_secrets.MASK!r})"
        )

    __str__ = __repr__


def _check_group(resource_group_name: str) -> None:
    problem = resource_group_name_problem(resource_group_name)
    check(problem is None, "resource_group_name", resource_group_name, problem or "")


def _permissions(kind: str, given: Sequence[str] | None) -> list[str] | None:
    if given is None:
        return None
    field = f"permissions_to_{kind}"
    check(not isinstance(given, str), field, given, "a list of permission names, not one string")
    known = {p.lower(): p for p in PERMISSIONS[kind]}
    for value in given:
        check(str(value).lower() in known, field, value, f"one of {', '.join(PERMISSIONS[kind])}")
    return [known[str(v).lower()] for v in given]


def access_policy(
    tenant_id: str,
    object_id: str,
    *,
    permissions_to_keys: Sequence[str] | None = None,
    permissions_to_secrets: Sequence[str] | None = None,
    permissions_to_certificates: Sequence[str] | None = None,
    application_id: str | None = None,
) -> dict[str, Any]:
    """Return one access policy entry as ARM's JSON, its permission names checked.

    :raises ValidationError: for a permission Azure does not know (no request is made).
    """
    check(bool(object_id), "object_id", object_id, "the object id of a user, group or service principal")
    permissions: dict[str, list[str]] = {}
    for kind, given in (
        ("keys", permissions_to_keys),
        ("secrets", permissions_to_secrets),
        ("certificates", permissions_to_certificates),
    ):
        names = _permissions(kind, given)
        if names is not None:
            permissions[kind] = names
    entry: dict[str, Any] = {"tenantId": tenant_id, "objectId": object_id, "permissions": permissions}
    if application_id:
        entry["applicationId"] = application_id
    return entry


def vault_body(
    location: str,
    tenant_id: str,
    *,
    sku: str = "Standard",
    enabled_for_deployment: bool = False,
    enabled_for_template_deployment: bool = False,
    enabled_for_disk_encryption: bool = False,
    enable_rbac_authorization: bool = False,
    soft_delete_retention_in_days: int = 90,
    enable_purge_protection: bool = False,
    access_policies: Sequence[Mapping[str, Any]] = (),
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the ARM body of a vault PUT (what ``New-AzKeyVault`` sends), checked first.

    ``enable_purge_protection=False`` leaves the property out: Azure refuses ``false`` outright.

    :raises ValidationError: for a SKU or retention Azure would refuse.
    """
    skus = {s.lower(): s for s in SKUS}
    check(str(sku).lower() in skus, "sku", sku, "Standard or Premium")
    check(
        isinstance(soft_delete_retention_in_days, int) and 7 <= soft_delete_retention_in_days <= 90,
        "soft_delete_retention_in_days",
        soft_delete_retention_in_days,
        "a number of days from 7 to 90",
    )
    props: dict[str, Any] = {
        "tenantId": tenant_id,
        "sku": {"family": "A", "name": str(sku).lower()},
        "accessPolicies": [dict(p) for p in access_policies],
        "enabledForDeployment": enabled_for_deployment,
        "enabledForTemplateDeployment": enabled_for_template_deployment,
        "enabledForDiskEncryption": enabled_for_disk_encryption,
        "enableRbacAuthorization": enable_rbac_authorization,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": soft_delete_retention_in_days,
    }
    if enable_purge_protection:
        props["enablePurgeProtection"] = True
    return {"location": location, "tags": tag_body(tags), "properties": props}


class KeyVaultOperations(SessionBase):
    """Key vaults and their soft-deleted remains, through the generic resource client."""

    def _vault_id(self, resource_group_name: str, name: str) -> str:
        _check_group(resource_group_name)
        _check_name(name)
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group_name}/providers/{VAULT_TYPE}/{name}"
        )

    def _send(self, method: str, path: str, body: Any = None, *, api_version: str | None = KEYVAULT_API_VERSION) -> Any:
        """Send one request through the resource client's pipeline; azure-core's errors for a failure.

        ``api_version=None`` sends ``path`` as it is (a ``nextLink``).
        """
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceExistsError,
            ResourceNotFoundError,
            map_error,
        )
        from azure.core.rest import HttpRequest

        errors = {401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError}
        url = path if api_version is None else f"{path}{'&' if '?' in path else '?'}api-version={api_version}"
        response = self.resource_client.send_request(HttpRequest(method, url, json=body))
        if response.status_code >= 300:
            map_error(response.status_code, response, errors)
            raise HttpResponseError(response=response)
        return response

    def _tenant_id(self) -> str:
        """Return the subscription's tenant (what ``tenantId`` of a vault and its policies must be)."""
        return str(
            self._send("GET", f"/subscriptions/{self.subscription_id}", api_version="2022-12-01").json()["tenantId"]
        )

    def _own_object_id(self) -> str | None:
        """Return the ``oid`` of the session's ARM token, when it is a JWT (Azure's are; the local Azure's are not)."""
        try:
            token = self.credential.get_token(*self.credential_scopes).token
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except Exception:  # an opaque token: there is no object id to read
            return None
        oid = claims.get("oid") if isinstance(claims, dict) else None
        return str(oid) if oid else None

    def new_key_vault(
        self,
        resource_group_name: str,
        name: str,
        location: str | None = None,
        *,
        sku: str = "Standard",
        enabled_for_template_deployment: bool = False,
        enabled_for_deployment: bool = False,
        enabled_for_disk_encryption: bool = False,
        enable_rbac_authorization: bool = False,
        soft_delete_retention_in_days: int = 90,
        enable_purge_protection: bool = False,
        object_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Create a key vault (``New-AzKeyVault``).

        Unless ``enable_rbac_authorization``, the creator gets an access policy with all key, secret
        and certificate permissions, as Az gives the signed-in user: for ``object_id``, or else the
        ``oid`` of the session's token. The local Azure's tokens carry none, so there a vault made
        without ``object_id`` has no access policy.

        Returns azure-mgmt-resource's ``GenericResource``; ``.properties["vaultUri"]`` is the vault's URI.

        :raises ValidationError: for a name, group, SKU or retention Azure would refuse (no request is made).

        >>> vault = session.new_key_vault("rg1", "kv-app-1", "westeurope")
        >>> vault.properties["vaultUri"]
        """
        from azure.mgmt.resource.resources.models import GenericResource

        rid = self._vault_id(resource_group_name, name)
        region = self._location(location)
        tenant = self._tenant_id()
        policies = []
        owner = object_id or (None if enable_rbac_authorization else self._own_object_id())
        if owner and not enable_rbac_authorization:
            policies.append(
                access_policy(
                    tenant,
                    owner,
                    permissions_to_keys=["all"],
                    permissions_to_secrets=["all"],
                    permissions_to_certificates=["all"],
                )
            )
        body = vault_body(
            region,
            tenant,
            sku=sku,
            enabled_for_deployment=enabled_for_deployment,
            enabled_for_template_deployment=enabled_for_template_deployment,
            enabled_for_disk_encryption=enabled_for_disk_encryption,
            enable_rbac_authorization=enable_rbac_authorization,
            soft_delete_retention_in_days=soft_delete_retention_in_days,
            enable_purge_protection=enable_purge_protection,
            access_policies=policies,
            tags=tags,
        )
        return self._run(
            f"Creating key vault {name}",
            lambda: self.resource_client.resources.begin_create_or_update_by_id(
                rid, GenericResource(body), api_version=KEYVAULT_API_VERSION
            ).result(),
        )

    def get_key_vault(
        self,
        resource_group_name: str | None = None,
        name: str | None = None,
        *,
        in_removed_state: bool = False,
        location: str | None = None,
    ) -> Any:
        """Get one vault, or list them (``Get-AzKeyVault``).

        With ``name``: that vault (``ResourceNotFoundError`` when missing). Without: a list of the
        vaults of ``resource_group_name``, or of the subscription. With ``in_removed_state``: the
        soft-deleted vault ``name`` in ``location``, or all soft-deleted vaults of the subscription
        (``GenericResource`` objects whose ``.properties`` hold ``vaultId``, ``scheduledPurgeDate``...).
        """
        from azure.mgmt.resource.resources.models import GenericResource

        sub = f"/subscriptions/{self.subscription_id}"
        if in_removed_state:
            if name is None:
                return self._list(f"{sub}/providers/Microsoft.KeyVault/deletedVaults")
            _check_name(name)
            region = self._location(location)
            path = f"{sub}/providers/Microsoft.KeyVault/locations/{region}/deletedVaults/{name}"
            return GenericResource(self._send("GET", path).json())
        if name is not None:
            check(resource_group_name is not None, "resource_group_name", None, "give the group of the vault")
            return GenericResource(self._send("GET", self._vault_id(str(resource_group_name), name)).json())
        scope = sub
        if resource_group_name is not None:
            _check_group(resource_group_name)
            scope += f"/resourceGroups/{resource_group_name}"
        return self._list(f"{scope}/providers/{VAULT_TYPE}")

    def _list(self, path: str) -> list[Any]:
        from azure.mgmt.resource.resources.models import GenericResource

        out: list[Any] = []
        url: str | None = path
        while url:
            page = self._send("GET", url, api_version=KEYVAULT_API_VERSION if url == path else None).json()
            out.extend(GenericResource(item) for item in page.get("value", []))
            url = page.get("nextLink")
        return out

    def remove_key_vault(
        self,
        resource_group_name: str | None,
        name: str,
        *,
        in_removed_state: bool = False,
        location: str | None = None,
    ) -> None:
        """Delete a vault, or purge a soft-deleted one (``Remove-AzKeyVault [-InRemovedState]``).

        A deleted vault is kept (soft delete) for its retention days and holds its name until then;
        ``in_removed_state=True`` purges it for good (refused when purge protection is on). Deleting
        a vault that is already gone succeeds.
        """
        self._forget("", name, "vault-uri")  # a vault made again may answer at another URI (the local Azure's ports)
        if in_removed_state:
            _check_name(name)
            region = self._location(location)
            path = f"/subscriptions/{self.subscription_id}/providers/Microsoft.KeyVault/locations/{region}"
            self._run(f"Purging key vault {name}", lambda: self._purge(f"{path}/deletedVaults/{name}/purge"))
            return
        check(resource_group_name is not None, "resource_group_name", None, "give the group of the vault")
        rid = self._vault_id(str(resource_group_name), name)
        self._run(
            f"Removing key vault {name}",
            lambda: self.resource_client.resources.begin_delete_by_id(rid, api_version=KEYVAULT_API_VERSION).result(),
        )

    def _purge(self, path: str) -> None:
        from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError, map_error
        from azure.core.polling import LROPoller
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.polling.arm_polling import ARMPolling

        client = self.resource_client._client
        endpoint = {"endpoint": self.resource_client._config.base_url}
        request = HttpRequest(
            "POST", client.format_url(f"{{endpoint}}{path}?api-version={KEYVAULT_API_VERSION}", **endpoint)
        )
        initial = client.send_request(request, _return_pipeline_response=True)
        status = initial.http_response.status_code
        if status >= 300:
            map_error(status, initial.http_response, {404: ResourceNotFoundError, 409: ResourceExistsError})
            raise HttpResponseError(response=initial.http_response)
        LROPoller(client, initial, lambda _: None, ARMPolling(path_format_arguments=endpoint)).result()

    def undo_key_vault_removal(self, name: str, resource_group_name: str, location: str) -> Any:
        """Recover a soft-deleted vault into its resource group (``Undo-AzKeyVaultRemoval``).

        Returns the vault as it was when deleted.
        """
        from azure.mgmt.resource.resources.models import GenericResource

        rid = self._vault_id(resource_group_name, name)
        region = self._location(location)
        body = {"location": region, "properties": {"createMode": "recover"}}
        return self._run(f"Recovering key vault {name}", lambda: GenericResource(self._send("PUT", rid, body).json()))

    def set_key_vault_access_policy(
        self,
        resource_group_name: str,
        name: str,
        object_id: str,
        *,
        permissions_to_keys: Sequence[str] | None = None,
        permissions_to_secrets: Sequence[str] | None = None,
        permissions_to_certificates: Sequence[str] | None = None,
        application_id: str | None = None,
    ) -> Any:
        """Grant or change the permissions of one principal (``Set-AzKeyVaultAccessPolicy``).

        The kinds given replace that principal's permissions of that kind; the others are kept. Returns
        the vault.

        :raises ValidationError: for a permission name Azure does not know (no request is made).

        >>> session.set_key_vault_access_policy("rg1", "kv-app-1", oid, permissions_to_secrets=["get", "list"])
        """
        from azure.mgmt.resource.resources.models import GenericResource

        rid = self._vault_id(resource_group_name, name)
        wanted = access_policy(
            "",
            object_id,
            permissions_to_keys=permissions_to_keys,
            permissions_to_secrets=permissions_to_secrets,
            permissions_to_certificates=permissions_to_certificates,
            application_id=application_id,
        )
        vault = self._send("GET", rid).json()
        tenant = vault["properties"]["tenantId"]
        current = next(
            (
                p
                for p in vault["properties"].get("accessPolicies", [])
                if str(p.get("objectId")).lower() == object_id.lower()
                and str(p.get("applicationId") or "").lower() == str(application_id or "").lower()
            ),
            None,
        )
        permissions = dict((current or {}).get("permissions") or {})
        permissions.update(wanted["permissions"])
        entry = {**wanted, "tenantId": tenant, "permissions": permissions}
        body = {"properties": {"accessPolicies": [entry]}}
        self._run(
            f"Setting the access policy of {object_id} on key vault {name}",
            lambda: self._send("PUT", f"{rid}/accessPolicies/replace", body),
        )
        return GenericResource(self._send("GET", rid).json())

    # -- secrets (the data plane) -------------------------------------------------------------
    def _vault_uri(self, vault_name: str) -> str:
        """Return the ``vaultUri`` of the vault ``vault_name`` of the subscription (read once, then remembered)."""
        known = self._recall("vault-uri", "", vault_name.lower())
        if known is not None:
            return str(known)
        check(
            key_vault_name_problem(vault_name) is None,
            "vault_name",
            vault_name,
            key_vault_name_problem(vault_name) or "",
        )
        from azure.core.exceptions import ResourceNotFoundError

        found = [
            v
            for v in self._list(f"/subscriptions/{self.subscription_id}/providers/{VAULT_TYPE}")
            if str(v.name).lower() == vault_name.lower()
        ]
        if not found:
            raise ResourceNotFoundError(
                f"The Resource '{VAULT_TYPE}/{vault_name}' was not found in subscription {self.subscription_id}."
            )
        return str(self._remember("vault-uri", "", vault_name.lower(), found[0].properties["vaultUri"]))

    def _secret_client(self, vault_name: str) -> Any:
        """Return azure-keyvault-secrets' ``SecretClient`` on a vault, with this session's credential and transport.

        Against the local Azure the challenge's resource is not checked (``verify_challenge_resource=False``,
        as the Azure CLI does: a local vault's origin is not under ``vault.azure.net``); against Azure
        the SDK's default check stays.
        """
        uri = self._vault_uri(vault_name)
        key = ("secret-client", "", uri)
        client = self._clients.get(repr(key))
        if client is not None:
            return client
        from azure.keyvault.secrets import SecretClient

        options = {
            k: v
            for k, v in self.client_options.items()
            if k not in ("authentication_policy", "base_url", "credential_scopes")
        }
        if self.cloud_name == "local":
            options["verify_challenge_resource"] = False
        client = SecretClient(uri, self.credential, **with_retry_policy(options))
        with self._clients_lock:
            self._clients[repr(key)] = client
        return client

    def set_key_vault_secret(
        self,
        vault_name: str,
        name: str,
        secret_value: str | SecretStr,
        *,
        content_type: str | None = None,
        tags: Mapping[str, str] | None = None,
        disabled: bool = False,
        expires: Any = None,
        not_before: Any = None,
    ) -> KeyVaultSecret:
        """Set a secret: a new version of it (``Set-AzKeyVaultSecret -VaultName -Name -SecretValue``).

        The vault's URI comes from the control plane; the call goes through azure-keyvault-secrets'
        ``SecretClient`` with the session's credential. Returns the new version, its value masked.

        :raises ValidationError: for a vault or secret name Azure would refuse (no request is made).

        >>> az.set_key_vault_secret("kv-app-1", "vm-admin", password, content_type="password")
        """
        _check_secret_name(name)
        check(isinstance(secret_value, (str, SecretStr)), "secret_value", "(hidden)", "a string", secret=True)
        value = secret_value.get_secret_value() if isinstance(secret_value, SecretStr) else secret_value
        _secrets.register(value)
        client = self._secret_client(vault_name)
        secret = self._run(
            f"Setting secret {name} in key vault {vault_name}",
            lambda: client.set_secret(
                name,
                value,
                content_type=content_type,
                tags=dict(tags) if tags is not None else None,
                enabled=not disabled,
                expires_on=expires,
                not_before=not_before,
            ),
        )
        return KeyVaultSecret(vault_name, secret)

    def get_key_vault_secret(self, vault_name: str, name: str, *, version: str | None = None) -> KeyVaultSecret:
        """Get a secret, the latest version or ``version`` (``Get-AzKeyVaultSecret -VaultName -Name [-Version]``).

        The value is masked in the result's ``repr``; ``.get_secret_value()`` reads it (``-AsPlainText``).

        :raises ValidationError: for a vault or secret name Azure would refuse (no request is made).
        :raises azure.core.exceptions.ResourceNotFoundError: no such secret or version (``SecretNotFound``).

        >>> az.get_key_vault_secret("kv-app-1", "vm-admin").get_secret_value()
        """
        _check_secret_name(name)
        if version is not None:
            check(
                len(version) == 32 and all(c in "0123456789abcdefABCDEF" for c in version),
                "version",
                version,
                "a secret version is 32 hexadecimal digits",
            )
        client = self._secret_client(vault_name)
        return KeyVaultSecret(vault_name, client.get_secret(name, version))

    def get_key_vault_credential(
        self, user_name: str, vault_name: str, secret_name: str, *, version: str | None = None
    ) -> Credential:
        """Return a :class:`~azrm.Credential` of ``user_name`` whose password is a vault's secret.

        What ``New-Object PSCredential($user, (Get-AzKeyVaultSecret -VaultName -Name).SecretValue)``
        gives: use it wherever a credential or password is taken (``set_operating_system(credential=...)``).

        >>> cred = az.get_key_vault_credential("knadmin", "kv-app-1", "vm-admin")
        """
        return self.get_key_vault_secret(vault_name, secret_name, version=version).to_credential(user_name)

    def remove_key_vault_secret(self, vault_name: str, name: str, *, purge: bool = False) -> None:
        """Delete a secret, all its versions (``Remove-AzKeyVaultSecret [-InRemovedState]``).

        A deleted secret is kept (soft delete) and holds its name until purged; ``purge=True`` deletes
        it and then purges it for good. A secret already deleted is purged with ``purge=True``.

        :raises ValidationError: for a vault or secret name Azure would refuse (no request is made).
        """
        _check_secret_name(name)
        from azure.core.exceptions import ResourceNotFoundError

        client = self._secret_client(vault_name)

        def delete() -> None:
            try:
                client.begin_delete_secret(name).result()
            except ResourceNotFoundError:
                if not purge:
                    raise
            if purge:
                client.purge_deleted_secret(name)

        self._run(f"Removing secret {name} from key vault {vault_name}", delete)
