"""Framework-free HTTP request and response objects, and the call a handler receives.

Both ways into the local Azure (the in-process azure-core transport and the uvicorn server) turn
what they receive into a :class:`Request` and write back a :class:`Response`, so the backends never
see a web framework. A handler receives a :class:`Call`: the request, its route parameters and the
emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from . import shapes
from .errors import ArmError

if TYPE_CHECKING:
    from .engine import Emulator

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "Call", "Headers", "Request", "Response", "too_large"]


class Headers(MutableMapping[str, str]):
    """Case-insensitive header map that keeps the casing it was given.

    HTTP header names are not case-sensitive, but people read them.
    """

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._data: dict[str, tuple[str, str]] = {}
        if items is not None:
            pairs = items.items() if isinstance(items, Mapping) else items
            for key, value in pairs:
                self[key] = value

    def __getitem__(self, key: str) -> str:
        return self._data[key.lower()][1]

    def __setitem__(self, key: str, value: str) -> None:
        self._data[key.lower()] = (key, value)

    def __delitem__(self, key: str) -> None:
        del self._data[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


#: the deepest nesting of objects and arrays a body may have (Json.NET's and System.Text.Json's default)
MAX_DEPTH = 64
#: the largest request body ARM accepts (4 MB: 413 ``RequestContentTooLarge`` above it)
MAX_BODY_BYTES = 4 * 1024 * 1024


def _deeper_than(data: Any, limit: int) -> bool:
    """Return whether ``data`` nests objects and arrays deeper than ``limit`` (no recursion: a stack)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def too_large() -> ArmError:
    """Return ARM's 413 for a body over :data:`MAX_BODY_BYTES`."""
    return ArmError(413, "RequestContentTooLarge", "The request content size exceeds the maximum size of 4 MB.")


@dataclass
class Request:
    """One HTTP request as the emulator sees it.

    ``path`` stays percent-encoded (the router decodes each parameter), ``query`` maps lower-cased
    parameter names to values since ARM treats query names case-insensitively (``api-version``,
    ``$expand``).
    """

    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        parts = urlsplit(self.url)
        self.scheme = parts.scheme or "https"
        self.netloc = parts.netloc
        self.path = parts.path or "/"
        self.query: dict[str, str] = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
        #: who sent it: the :class:`~azrm.emulator.entra.Principal` its token names, once authenticated
        #: (``None`` before, and for the calls the local Azure makes to itself)
        self.principal: Any = None

    @property
    def base_url(self) -> str:
        """``scheme://host:port`` of the endpoint the client used; LRO URLs are built on it."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def api_version(self) -> str | None:
        """The ``api-version`` query parameter, if any."""
        return self.query.get("api-version")

    def json(self) -> Any:
        """Decode the body as JSON (``None`` when empty).

        Raises ``ValueError`` on bad JSON, and on JSON nested deeper than :data:`MAX_DEPTH` (as
        Json.NET's reader does: handlers recurse over bodies, and a 100,000-deep array would
        exhaust the stack).
        """
        if not self.body or not self.body.strip():
            return None
        try:
            data = json.loads(self.body.decode("utf-8-sig"))
        except RecursionError:
            raise ValueError(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded.") from None
        if _deeper_than(data, MAX_DEPTH):
            raise ValueError(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded.")
        return data


@dataclass
class Response:
    """One HTTP response: a status, headers and a body that is JSON-able, bytes or nothing."""

    status: int
    body: Any = None
    headers: Headers = field(default_factory=Headers)

    def encoded(self) -> bytes:
        """Return the body as bytes; JSON bodies are serialised compactly, as ARM does for most answers."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")

    def content_type(self) -> str | None:
        """Return the Content-Type that fits the body, unless a header already says it."""
        if "content-type" in self.headers:
            return self.headers["content-type"]
        if self.body is None:
            return None
        if isinstance(self.body, bytes):
            return "application/octet-stream"
        return "application/json; charset=utf-8"


@dataclass
class Call:
    """What a handler receives: the request, its route parameters and the emulator."""

    emu: Emulator
    req: Request
    params: dict[str, str]
    request_id: str
    #: the type the URL addresses (its body is bound as that type's provider binds it)
    resource_type: str | None = None
    _body: Any = field(default=None, repr=False)

    @property
    def sub(self) -> str:
        """The subscription id in the URL."""
        return self.params["subscriptionId"]

    @property
    def rg(self) -> str:
        """The resource group name in the URL."""
        return self.params["resourceGroupName"]

    @property
    def api_version(self) -> str:
        """The request's api-version."""
        return self.req.api_version or ""

    @property
    def base_url(self) -> str:
        """Base URL the client used."""
        return self.req.base_url

    def body(self) -> dict[str, Any]:
        """Return the JSON body as an object; ARM's 400 answers for a missing or malformed one.

        A PUT or PATCH body of a modelled type is bound as its provider binds it (property names
        in canonical casing, scalars of the property's type: :mod:`.shapes`).
        """
        if self._body is not None:
            return self._body
        try:
            data = self.req.json()
        except ValueError as exc:
            raise ArmError(
                400,
                "InvalidRequestContent",
                f"The request content was invalid and could not be deserialized: '{exc}'.",
            ) from None
        if data is None:
            raise ArmError(400, "InvalidRequestContent", "The request content is missing.")
        if not isinstance(data, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid: a JSON object was expected.")
        if self.resource_type is not None and self.req.method in ("PUT", "PATCH"):
            try:
                data = shapes.bind(data, self.resource_type)
            except shapes.BindError as exc:
                raise exc.arm_error(self.resource_type) from None
            data = self.emu.versions.inbound(self.resource_type, self.api_version, data)
        self._body = data
        return data
