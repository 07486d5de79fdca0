r"""The PowerShell DSC extension, played by the local Azure.

What the real extension does first inside the VM, this handler really does: it downloads the
configuration archive (from a local storage account with the SAS token it was given, or from a web
server on this machine; see :mod:`..downloads`), opens the zip,
checks that the script is at its root, that the named configuration is defined in it, that the
modules it imports are in the archive, and that the configuration arguments match the
configuration's parameters. Anything wrong ends the extension ``Failed``, with a message in the
shape Azure's DSC extension uses. It does not run PowerShell; it reports the resources the
configuration declares as applied. An archive on a host the offline local Azure cannot reach (a
template's GitHub URL) is not checked: the extension succeeds and its status says so, unless the
local Azure runs with ``strict_downloads``.

Both settings schemas are read: the documented one (``configuration.url/script/function``, the SAS
in ``protectedSettings.configurationUrlSasToken``) and the older one Set-AzVMDscExtension writes
(``ModulesUrl``, ``SasToken``, ``ConfigurationFunction`` ``"script.ps1\\Name"``).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ....dsc.script import BUILTIN_MODULE, parse_script
from ..downloads import DownloadFailed, Offline, fetch
from .common import ExtensionContext, ExtensionFailure, ExtensionOutcome, status

__all__ = ["dsc_handler"]


def _substatus(kind: str, ok: bool, message: str) -> dict[str, Any]:
    if ok:
        return status(f"ComponentStatus/{kind}/succeeded", "Provisioning succeeded", message=message)
    return status(f"ComponentStatus/{kind}/failed", "Provisioning failed", level="Error", message=message)


def _fail(message: str) -> ExtensionFailure:
    return ExtensionFailure(
        message,
        substatuses=[
            _substatus("DscConfigurationLog", False, message),
            _substatus("DscExtensionLog", False, f"[ERROR] {message}"),
        ],
    )


def _location(ctx: ExtensionContext) -> tuple[str | None, str, str | None, str | None, dict[str, Any]]:
    """(archive url, SAS token, script, configuration, arguments) from either settings schema."""
    settings, protected = ctx.settings, ctx.protected_settings
    arguments: dict[str, Any] = {}
    for source in (settings.get("configurationArguments"), protected.get("configurationArguments")):
        if isinstance(source, dict):
            arguments.update(source)
    configuration = settings.get("configuration") or {}
    if configuration.get("url"):
        sas = protected.get("configurationUrlSasToken") or ""
        return configuration["url"], sas, configuration.get("script"), configuration.get("function"), arguments
    if settings.get("ModulesUrl"):
        sas = settings.get("SasToken") or protected.get("SasToken") or ""
        function = str(settings.get("ConfigurationFunction") or "")
        script, _, name = function.rpartition("\\")
        for prop in settings.get("Properties") or []:
            if isinstance(prop, dict) and prop.get("Name"):
                arguments[prop["Name"]] = prop.get("Value")
        return settings["ModulesUrl"], sas, script or None, name or None, arguments
    return None, "", None, None, arguments


def _download(ctx: ExtensionContext, url: str, sas: str) -> bytes | None:
    """Fetch the archive as the VM would; ``None`` when it is on a host the offline local Azure cannot reach."""
    try:
        return fetch(ctx.emu, url, sas if not sas or sas.startswith("?") else f"?{sas}")
    except Offline as offline:
        if ctx.emu.settings.strict_downloads:
            raise _fail(
                f"The DSC Extension failed to download the configuration archive from '{url}'. {offline}"
            ) from None
        return None
    except DownloadFailed as failed:
        reason = failed.reason
        if failed.status == 404:
            reason += ": publish the configuration before attaching the extension"
        raise _fail(
            f"The DSC Extension failed to download the configuration archive from '{url}'. "
            f"The remote server returned an error: {reason}."
        ) from None


def _parameters(script_text: str, configuration: str) -> set[str] | None:
    """Parameter names of a configuration's ``param(...)`` block (``None`` when it has none)."""
    m = re.search(rf"(?is)configuration\s+{re.escape(configuration)}\b.*?\{{\s*param\s*\(", script_text)
    if not m:
        return None
    depth, start = 1, m.end()
    for i in range(start, len(script_text)):
        if script_text[i] == "(":
            depth += 1
        elif script_text[i] == ")":
            depth -= 1
            if depth == 0:
                return {name.lower() for name in re.findall(r"\$(\w+)", script_text[start:i])}
    return None


def dsc_handler(ctx: ExtensionContext) -> ExtensionOutcome:
    """Play ``Microsoft.Powershell.DSC``: fetch and check the archive, report the configuration."""
    url, sas, script_name, configuration, arguments = _location(ctx)
    if url is None:
        return ExtensionOutcome(
            message="PowerShell DSC has been enabled.",
            substatuses=[
                _substatus("DscConfigurationLog", True, ""),
                _substatus("DscExtensionLog", True, "No configuration was given; the extension only enabled DSC."),
            ],
        )
    data = _download(ctx, url, sas)
    if data is None:
        note = (
            f"The configuration archive at '{url}' was not downloaded: the local Azure is offline and cannot reach "
            "that host, so the archive's content was not checked (on Azure the VM downloads it). Serve it from a "
            "local storage account or a web server on this machine to have it checked."
        )
        return ExtensionOutcome(
            message="DSC configuration was applied successfully (archive not checked offline).",
            substatuses=[_substatus("DscConfigurationLog", True, note), _substatus("DscExtensionLog", True, note)],
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _fail(f"The configuration archive '{url}' is not a valid zip file.") from None
    names = {n.lower(): n for n in archive.namelist()}
    if not script_name:
        raise _fail("The DSC extension settings do not name the configuration script.")
    entry = names.get(script_name.lower())
    if entry is None:
        raise _fail(
            f"The configuration script '{script_name}' was not found at the root of the archive '{url}'. "
            f"The archive contains: {', '.join(sorted(archive.namelist()))}."
        )
    text = archive.read(entry).decode("utf-8-sig", errors="replace")
    script = parse_script(text)
    if not configuration:
        raise _fail("The DSC extension settings do not name the configuration to apply.")
    if not script.defines(configuration):
        defined = ", ".join(script.configurations) or "none"
        raise _fail(
            f"The configuration '{configuration}' is not defined in '{script_name}'. "
            f"Configurations defined there: {defined}."
        )
    folders = {n.split("/", 1)[0].lower() for n in archive.namelist() if "/" in n}
    missing = [m.name for m in script.external_modules if m.name.lower() not in folders]
    if missing:
        raise _fail(
            f"The configuration '{configuration}' imports module(s) {', '.join(missing)} that the archive does not "
            f"contain (only {BUILTIN_MODULE} ships with Windows). Publish the configuration with its modules."
        )
    declared = _parameters(text, configuration)
    unknown = sorted(a for a in arguments if declared is None or a.lower() not in declared)
    if unknown:
        raise _fail(
            f"A parameter cannot be found that matches parameter name '{unknown[0]}' of configuration "
            f"'{configuration}'."
        )
    resources = script.resources.get(next(c for c in script.configurations if c.lower() == configuration.lower()), ())
    applied = "\n".join(f"[{kind}]{name}: in desired state" for kind, name in resources) or "No resources declared."
    return ExtensionOutcome(
        message="DSC configuration was applied successfully.",
        substatuses=[
            _substatus("DscConfigurationLog", True, applied),
            _substatus(
                "DscExtensionLog",
                True,
                f"Applied configuration '{configuration}' from '{script_name}' in '{url}'.",
            ),
        ],
    )
