"""Key Vault references in deployment parameters, resolved as ARM resolves them when a deployment starts.

A parameter given as ``{"reference": {"keyVault": {"id": "<vault id>"}, "secretName": "...",
"secretVersion"?: "..."}}`` (in ``properties.parameters``, a parameters file, or a nested
deployment's parameters) takes the secret's value. From the research notes (section 7) and the
errors seen from ARM:

- any other member of the reference or of ``keyVault``: 400 ``InvalidRequestContent`` ("Could not
  find member ... on object of type 'KeyVaultReference'");
- no such vault: 400 ``KeyVaultParameterReferenceNotFound``;
- the vault is not ``enabledForTemplateDeployment`` (Key Vault refuses ARM's first-party identity),
  the secret or version does not exist, or is disabled: 400
  ``KeyVaultParameterReferenceSecretRetrieveFailed`` with Key Vault's status and message; several
  failures: ``MultipleErrorsOccurred`` with one detail each.

ARM reads the secret as itself, not as the caller: the vault's access policies and role
assignments do not matter, only ``enabledForTemplateDeployment``. The caller's
``Microsoft.KeyVault/vaults/deploy/action`` is not checked, even with ``--rbac``. The value never shows:
the deployment echoes the reference, and a secure parameter's value
is kept out of logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from .dataplane import vault_secrets
from .origins import VAULT_TYPE
from .secrets import SecretError

if TYPE_CHECKING:
    from ...core.engine import Emulator

__all__ = ["echo_references", "resolve_references"]

_HELP = "Please see https://aka.ms/arm-keyvault for usage details."
_STATUS_NAMES = {403: "Forbidden", 404: "NotFound", 400: "BadRequest", 409: "Conflict"}
_MEMBERS = ("keyvault", "secretname", "secretversion")


def _unknown_member(member: str, owner: str, path: str) -> ArmError:
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: 'Could not find member '{member}' on object "
        f"of type '{owner}'. Path '{path}.{member}'.'",
    )


def _reference_of(name: str, raw: Any) -> tuple[str, str, str] | None:
    """Return ``(vault id, secret name, version)`` of a reference parameter (``None`` for a plain one)."""
    if not isinstance(raw, Mapping) or "reference" not in raw:
        return None
    path = f"properties.parameters.{name}.reference"
    ref = raw["reference"]
    if not isinstance(ref, Mapping):
        raise ArmError(400, "InvalidRequestContent", f"The value of '{path}' must be an object.")
    for member in ref:
        if member.lower() not in _MEMBERS:
            raise _unknown_member(member, "KeyVaultParameterReference", path)
    vault = next((v for k, v in ref.items() if k.lower() == "keyvault"), None)
    if isinstance(vault, Mapping):
        for member in vault:
            if member.lower() != "id":
                raise _unknown_member(member, "KeyVaultReference", f"{path}.keyVault")
    vault_id = next((v for k, v in vault.items() if k.lower() == "id"), None) if isinstance(vault, Mapping) else None
    secret = next((v for k, v in ref.items() if k.lower() == "secretname"), None)
    version = next((v for k, v in ref.items() if k.lower() == "secretversion"), None) or ""
    if not isinstance(vault_id, str) or not vault_id or not isinstance(secret, str) or not secret:
        raise ArmError(
            400,
            "InvalidTemplate",
            f"The Key Vault reference of parameter '{name}' needs 'keyVault.id' and 'secretName'. {_HELP}",
        )
    if not isinstance(version, str):
        raise ArmError(400, "InvalidTemplate", f"The 'secretVersion' of parameter '{name}' must be a string.")
    return vault_id, secret, version


def _retrieve(emu: Emulator, name: str, vault_id: str, secret: str, version: str) -> str:
    vault = emu.store.get(vault_id)
    if vault is None or vault.type.lower() != VAULT_TYPE.lower():
        message = f"The specified KeyVault '{vault_id}' could not be found. {_HELP}"
        raise ArmError(400, "KeyVaultParameterReferenceNotFound", message)
    props = vault.body.get("properties") or {}
    try:
        if not props.get("enabledForTemplateDeployment"):
            raise SecretError(
                403,
                "Forbidden",
                f"Access denied to first party service.\r\nCaller: name=ARM;\r\nVault: {vault.name};"
                f"location={vault.location}",
            )
        secrets = vault_secrets(emu, vault, str(props.get("vaultUri") or ""))
        return secrets.value_of(secret, version)
    except SecretError as err:
        raise ArmError(
            400,
            "KeyVaultParameterReferenceSecretRetrieveFailed",
            f"The secret of KeyVault parameter '{name}' cannot be retrieved. Http status code: "
            f"'{_STATUS_NAMES.get(err.status, str(err.status))}'. Error message: '{err.message}'. {_HELP}",
        ) from None


def resolve_references(emu: Emulator, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``parameters`` with every Key Vault reference replaced by ``{"value": <secret>}``.

    :raises ArmError: ARM's 400 for a malformed reference, a missing vault or a secret it cannot read.
    """
    out: dict[str, Any] = {}
    failures: list[ArmError] = []
    for name, raw in parameters.items():
        found = _reference_of(name, raw)
        if found is None:
            out[name] = raw
            continue
        try:
            value = _retrieve(emu, name, *found)
        except ArmError as err:
            failures.append(err)
            continue
        from .... import _secrets

        _secrets.register(value)  # never in a log line, whatever the parameter's type
        out[name] = {"value": value}
    if len(failures) == 1:
        raise failures[0]
    if failures:
        statuses = ",".join(
            "Forbidden" if "'Forbidden'" in f.message else ("NotFound" if "'NotFound'" in f.message else "BadRequest")
            for f in failures
        )
        raise ArmError(
            400,
            "MultipleErrorsOccurred",
            f"Multiple error occurred: {statuses}. Please see details.",
            details=[f.error_object() for f in failures],
        )
    return out


def echo_references(echoed: dict[str, dict[str, Any]], given: Mapping[str, Any]) -> None:
    """Show each reference parameter as ARM echoes it: its type and the reference, never the value."""
    for name, raw in given.items():
        if not (isinstance(raw, Mapping) and "reference" in raw):
            continue
        shown = next((k for k in echoed if k.lower() == name.lower()), name)
        kind = (echoed.get(shown) or {}).get("type", "SecureString")
        echoed[shown] = {"type": kind, "reference": dict(raw["reference"])}
