"""Script extensions, played by the local Azure: CustomScriptExtension, CustomScript, CustomScriptForLinux.

Inside a VM these extensions download ``fileUris`` and run ``commandToExecute``. The local Azure
runs no command, but it does what can fail first: it fetches every file as the VM would (a local
storage account with a SAS or with ``storageAccountName`` / ``storageAccountKey``, or a web server
on this machine; see :mod:`..downloads`). A file that is not there fails the extension as on Azure;
a file on a host the offline local Azure cannot reach is not checked, and the status says so
(``strict_downloads`` fails it instead). Nothing from ``protectedSettings`` (keys, a protected
command) ever appears in a status.
"""

from __future__ import annotations

from typing import Any

from ..downloads import DownloadFailed, Offline, fetch, shown
from .common import ExtensionContext, ExtensionFailure, ExtensionOutcome, status

__all__ = ["SCRIPT_EXTENSIONS", "script_handler"]

#: (publisher, type) of the extensions this handler plays
SCRIPT_EXTENSIONS = (
    ("Microsoft.Compute", "CustomScriptExtension"),
    ("Microsoft.Azure.Extensions", "CustomScript"),
    ("Microsoft.OSTCExtensions", "CustomScriptForLinux"),
)


def _get(settings: dict[str, Any], name: str) -> Any:
    """Read a setting by name, case-insensitively (the extensions read their JSON that way)."""
    for key, value in settings.items():
        if key.lower() == name.lower():
            return value
    return None


def _named(uri: str, public_uris: list[str]) -> str:
    """How a status may name a file: a public one without its query (a SAS), a protected one not at all."""
    return shown(uri) if uri in public_uris else "(a file from the protected settings)"


def script_handler(ctx: ExtensionContext) -> ExtensionOutcome:
    """Fetch the files a script extension names; fail on a missing one, note the ones not checked offline."""
    public, protected = ctx.settings, ctx.protected_settings
    has_command = any(_get(s, n) for s in (public, protected) for n in ("commandToExecute", "script"))
    if not has_command:
        raise ExtensionFailure(
            "Invalid handler configuration: 'commandToExecute' (or 'script') must be given in the settings or the "
            "protected settings."
        )
    if _get(public, "commandToExecute") and _get(protected, "commandToExecute"):
        raise ExtensionFailure(
            "Invalid handler configuration: 'commandToExecute' is given in both the public and the protected "
            "settings; give it in one of them."
        )
    public_uris = [str(u) for u in (_get(public, "fileUris") or [])]
    uris = public_uris + [str(u) for u in (_get(protected, "fileUris") or [])]
    key = _get(protected, "storageAccountKey")
    fetched: list[str] = []
    unchecked: list[str] = []
    for uri in uris:
        try:
            data = fetch(ctx.emu, uri, account_key=str(key) if key else None)
        except Offline:
            if ctx.emu.settings.strict_downloads:
                raise ExtensionFailure(
                    f"Failed to download all specified files. Exiting. Error Message: '{_named(uri, public_uris)}' "
                    "is on a host the local Azure cannot reach (it runs offline)."
                ) from None
            unchecked.append(uri)
            continue
        except DownloadFailed as failed:
            raise ExtensionFailure(
                f"Failed to download all specified files. Exiting. Error Message: The remote server returned an "
                f"error: {failed.reason}."
            ) from None
        fetched.append(f"{_named(uri, public_uris).rsplit('/', 1)[-1]} ({len(data)} bytes)")
    lines = ["Enable succeeded. The local Azure runs no command inside the VM."]
    if fetched:
        lines.append("Downloaded: " + ", ".join(fetched) + ".")
    if unchecked:
        hosts = ", ".join(_named(u, public_uris) for u in unchecked)
        lines.append(f"Not downloaded, the local Azure is offline (their content was not checked): {hosts}.")
    message = "\n".join(lines)
    return ExtensionOutcome(
        message=message,
        substatuses=[
            status("ComponentStatus/StdOut/succeeded", "Provisioning succeeded", message=""),
            status("ComponentStatus/StdErr/succeeded", "Provisioning succeeded", message=""),
        ],
    )
