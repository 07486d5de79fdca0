"""``Credential``: a user name and a password that stays secret (PowerShell's ``PSCredential``)."""

from __future__ import annotations

import getpass
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from . import _secrets
from ._typecheck import checked

__all__ = ["Credential", "get_credential"]


class Credential(BaseModel):
    """A user name and a password, as ``Get-Credential`` returns them.

    The password is a ``SecretStr``: it shows as ``**********`` in reprs and is kept out of logs; read
    it with ``credential.password.get_secret_value()``.

    >>> cred = Credential("knadmin", "S3cure!Passw0rd")
    >>> cred
    Credential(user_name='knadmin', password=SecretStr('**********'))
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_name: str
    password: SecretStr

    @checked  # a None or a number is a ValidationError naming user_name or password (the value hidden)
    def __init__(self, user_name: str, password: str | SecretStr, **_: Any) -> None:
        super().__init__(user_name=user_name, password=password)
        _secrets.register(self.password.get_secret_value())

    def __str__(self) -> str:
        return f"{self.user_name} (password hidden)"


def get_credential(
    message: str = "Enter the credential for the virtual machine.", *, user_name: str | None = None
) -> Credential:
    """Prompt for a user name and a password (hidden as it is typed), like ``Get-Credential``."""
    print(message)
    name = user_name or input("User: ").strip()
    return Credential(name, getpass.getpass("Password: "))
