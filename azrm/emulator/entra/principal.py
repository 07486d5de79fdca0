"""Who a request comes from: the principal a verified token names."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Principal"]


@dataclass(frozen=True)
class Principal:
    """A signed-in identity of the local Entra ID, as a verified token names it.

    :param object_id: the ``oid`` claim: the id role assignments and access policies name.
    :param tenant_id: the ``tid`` claim.
    :param kind: ``ServicePrincipal``, ``User`` or ``ManagedIdentity`` (ARM's ``principalType`` wording,
        except that managed identities are service principals there: see :attr:`principal_type`).
    :param app_id: the ``appid`` claim (the client id) of applications and managed identities; ``None`` for users.
    :param name: what Azure's messages call the client: the user principal name of a user, else the object id.
    """

    object_id: str
    tenant_id: str
    kind: str
    app_id: str | None = None
    name: str = ""

    @property
    def principal_type(self) -> str:
        """The ``principalType`` of a role assignment naming this principal."""
        return "User" if self.kind == "User" else "ServicePrincipal"

    @property
    def client(self) -> str:
        """Return the client as ARM's ``AuthorizationFailed`` names it (UPN of a user, else the object id)."""
        return self.name or self.object_id
