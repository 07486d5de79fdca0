"""``Credential``: a user name and a password that stays secret (PowerShell's ``PSCredential``).

And :func:`remembered_password`: an admin password a script generates once and finds again when it
is re-run, so that the re-run resumes instead of asking Azure to change a VM's password.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import string
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from . import _secrets
from ._typecheck import checked
from .errors import ValidationError

__all__ = ["Credential", "get_credential", "read_input", "remembered_password"]


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
    message: str = "Enter the credential for the virtual machine.",
    *,
    user_name: str | None = None,
    env: str | None = None,
) -> Credential:
    """Prompt for a user name and a password (hidden as it is typed), like ``Get-Credential``.

    :keyword user_name: the user name (only the password is asked for), as ``-UserName``.
    :keyword env: a prefix of environment variables that answer instead of the prompt:
        ``{env}_USER`` and ``{env}_PASSWORD`` (the scripts ``python -m azrm convert`` writes use them,
        so they also run without a terminal).
    """
    if env is not None:
        user = user_name or os.environ.get(f"{env}_USER")
        password = os.environ.get(f"{env}_PASSWORD")
        if user and password:
            return Credential(user, password)
        if not _interactive():
            missing = [n for n, v in ((f"{env}_USER", user), (f"{env}_PASSWORD", password)) if not v]
            raise ValidationError(missing[0], "(unset)", "set it: there is no terminal to ask for the credential")
    print(message)
    name = user_name or input("User: ").strip()
    return Credential(name, getpass.getpass("Password: "))


def read_input(env: str, *, secret: bool = False, prompt: str | None = None) -> str:
    """Return the value of the environment variable ``env``; else ask for it (hidden if ``secret``).

    What a converted script uses for a value the PowerShell script wrote into itself as a password
    (``ConvertTo-SecureString "..." -AsPlainText``) or left empty for its reader to fill in: the
    value is never written into the Python script. A secret is registered, so it is masked in logs.

    :raises ValidationError: ``env`` is unset and there is no terminal to ask.
    """
    value = os.environ.get(env)
    if not value:
        if not _interactive():
            raise ValidationError(env, "(unset)", "set it: there is no terminal to ask for the value")
        question = f"{prompt or env}: "
        value = getpass.getpass(question) if secret else input(question).strip()
    if secret:
        _secrets.register(value)
    return value


def _interactive() -> bool:
    import sys

    return sys.stdin is not None and sys.stdin.isatty()


def _config_dir() -> Path:
    """Return azrm's configuration folder: ``$XDG_CONFIG_HOME/azrm``, else ``~/.config/azrm``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "azrm"


def _generate_password() -> str:
    """Return a password Azure accepts for Windows and Linux VMs (24 characters of all four kinds)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20)) + secrets.choice("!#%+-") + "a1A"


@checked
def remembered_password(key: str, *, env: str = "AZRM_ADMIN_PASSWORD") -> str:
    """Return an admin password for ``key`` that stays the same from one run of a script to the next.

    From the environment variable ``env`` when it is set; else the one kept for ``key`` by an earlier
    run; else a new one (24 characters Azure accepts), kept for the next run. They are kept in
    ``passwords.json`` in ``$XDG_CONFIG_HOME/azrm`` (``~/.config/azrm`` by default), readable by its
    owner only (0600, in a 0700 folder), written whole or not at all. The password is registered for
    masking: azrm's logs show ``********``.

    Why: a VM's admin password is fixed once the VM exists. A script that generates a new one on
    every run cannot be re-run after a failure (Azure answers ``PropertyChangeNotAllowed``); with this
    it resumes where it stopped. Change a VM's password with :meth:`azrm.Session.set_vm_access_extension`.

    :param key: what the password is for, such as ``"<subscription id>/<resource group>"``.
    :keyword env: the environment variable that overrides it (``AZRM_ADMIN_PASSWORD``).

    >>> password = azrm.remembered_password(f"{az.subscription_id}/KNRGTest01")
    """
    given = os.environ.get(env)
    if given:
        _secrets.register(given)
        return given
    folder = _config_dir()
    path = folder / "passwords.json"
    kept: dict[str, str] = {}
    if path.exists():
        kept = dict(json.loads(path.read_text(encoding="utf-8")))
    password = kept.get(key)
    if password is None:
        password = kept[key] = _generate_password()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".passwords-", suffix=".json")  # created 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(kept, out, indent=1, sort_keys=True)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    _secrets.register(password)
    return password
