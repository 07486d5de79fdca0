"""What the local Azure can download, and what it cannot because it is offline.

On Azure, ARM downloads linked templates and parameter files from any reachable URL, and the VM
downloads what its extensions name (DSC archives, scripts). The local Azure reaches:

- its own storage accounts, in Azurite (a ``*.blob.core.windows.net`` URL of a local account too),
  with the SAS the URL carries;
- any plain web server on the loopback addresses (``127.0.0.0/8``, ``localhost``, ``::1``): a user
  serving a folder with ``python -m http.server`` is served as GitHub would be.

Nothing else is ever contacted: every other host is :class:`Offline` (the machine has no network
and the local Azure never tries). The caller decides what that means: a linked template that cannot
be fetched fails the deployment with a message saying so; a file an extension would fetch inside the
VM leaves the extension succeeded with a status saying its content was not checked (unless the
local Azure runs with ``strict_downloads``).
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from .storage import StorageProvider, split_blob_url

if TYPE_CHECKING:
    from ..core.engine import Emulator

__all__ = ["DownloadFailed", "Offline", "fetch", "is_loopback"]

_TIMEOUT = 10.0


def shown(url: str) -> str:
    """Return a URL as messages may show it: without its query (a SAS is a secret)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class _LoopbackRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to this machine: the check comes before any connection to the new place."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        target = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        if target.scheme.lower() not in ("http", "https") or not _safe_host(target):
            raise Offline(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


#: never follow a redirect off loopback, never read a proxy from the environment
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _LoopbackRedirects())


class Offline(Exception):
    """The URL is on a host the local Azure cannot reach (it is offline)."""

    def __init__(self, url: str) -> None:
        self.url = url
        host = urllib.parse.urlsplit(url).hostname or "another host"
        super().__init__(
            f"'{shown(url)}' is on {host}, which the local Azure cannot reach: it runs offline and downloads only "
            "from its own storage accounts and from web servers on this machine's loopback addresses."
        )


class DownloadFailed(Exception):
    """The URL is reachable but the download failed (missing file, refused SAS, bad status)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"Unable to download '{shown(url)}': {reason}.")


def _safe_host(parts: urllib.parse.SplitResult) -> bool:
    """Tell a loopback host named plainly (no user information that could hide another host)."""
    return "@" not in parts.netloc and is_loopback(parts.hostname)


def is_loopback(host: str | None) -> bool:
    """Return whether a host name is this machine's loopback."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def fetch(emu: Emulator, url: str, sas: str | None = None, *, account_key: str | None = None) -> bytes:
    """Download ``url`` as Azure would, from what this machine serves (raises :class:`Offline`/:class:`DownloadFailed`).

    ``sas`` is a query string to add (``?sv=...``), for links that carry it apart from the URL;
    ``account_key`` reads a blob of a local account with its key (what script extensions are given).
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise DownloadFailed(url, f"the scheme '{parts.scheme}' is not http or https")
    query = (sas or "").lstrip("?") or parts.query
    blob = split_blob_url(url)
    account = emu.backend(StorageProvider).by_name(blob[0]) if blob is not None else None
    if blob is not None and account is not None and emu.blob is not None and _is_azurite(emu, parts, blob[0]):
        return _from_azurite(emu, url, blob, query, account_key)
    if not _safe_host(parts):
        raise Offline(url)
    netloc = parts.netloc
    if (parts.hostname or "").lower() == "localhost":  # connect to the address itself: no name lookup at all
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
    target = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    try:
        with _OPENER.open(target, timeout=_TIMEOUT) as response:
            if not is_loopback(urllib.parse.urlsplit(response.geturl()).hostname):
                raise Offline(response.geturl())
            return bytes(response.read())
    except urllib.error.HTTPError as err:
        raise DownloadFailed(url, f"the server answered ({err.code}) {err.reason}", err.code) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise DownloadFailed(url, f"the server on this machine could not be reached ({reason})") from None


def _is_azurite(emu: Emulator, parts: urllib.parse.SplitResult, account: str) -> bool:
    """Tell a blob URL of the account: Azure's name for it, or Azurite's own port (not any loopback server)."""
    if not is_loopback(parts.hostname):
        return True  # https://<account>.blob.core.windows.net/...
    assert emu.blob is not None
    return parts.port == urllib.parse.urlsplit(emu.blob.endpoints(account)["blob"]).port


def _from_azurite(emu: Emulator, url: str, blob: tuple[str, str, str], query: str, key: str | None) -> bytes:
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

    assert emu.blob is not None
    account, container, name = blob
    local = f"{emu.blob.endpoints(account)['blob']}{container}/{urllib.parse.quote(name)}"
    if query:
        local += "?" + query
    try:
        if key and not query:
            return bytes(emu.blob.download_with_key(account, key, container, name))
        return bytes(emu.blob.download(local))
    except ResourceNotFoundError:
        raise DownloadFailed(url, "(404) Not Found. The blob does not exist", 404) from None
    except ClientAuthenticationError:
        raise DownloadFailed(
            url, "(403) Forbidden. The SAS token is missing, expired or does not grant read access", 403
        ) from None
    except HttpResponseError as err:
        if err.status_code == 403:
            raise DownloadFailed(
                url, "(403) Forbidden. The SAS token is missing, expired or does not grant read access", 403
            ) from None
        raise DownloadFailed(url, f"({err.status_code}) {err.reason}", err.status_code) from None
