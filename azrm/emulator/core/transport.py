"""azure-core transports that hand the SDK's requests straight to an in-process emulator.

Every policy of the SDK's pipeline (retries, authentication, LRO polling, logging) still runs; only
the socket is skipped. This is the fast way in for tests; the HTTP server is the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from azure.core.exceptions import ServiceResponseError
from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.core.pipeline.transport import HttpResponse as LegacyHttpResponse
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl

from .errors import DroppedConnection
from .wire import Headers, Request, Response

if TYPE_CHECKING:
    from .engine import Emulator

__all__ = ["AsyncInProcessTransport", "InProcessTransport"]

_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _request_body(request: Any) -> bytes:
    content = getattr(request, "content", None)
    if content is None:
        content = getattr(request, "body", None)
    if content is None:
        content = getattr(request, "data", None)
    if isinstance(content, dict):  # a form (azure-identity's token requests): sent url-encoded, as requests does
        content = urlencode([(k, v) for k, v in content.items() if v is not None])
    if content is None:
        return b""
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, (bytes, bytearray)):
        return bytes(content)
    if hasattr(content, "read"):
        data = content.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8") for chunk in content)


def _to_emulator(request: Any) -> Request:
    return Request(request.method, request.url, Headers(dict(request.headers)), _request_body(request))


def _headers(resp: Response, body: bytes) -> dict[str, str]:
    headers = dict(resp.headers)
    ctype = resp.content_type()
    if ctype and "content-type" not in {k.lower() for k in headers}:
        headers["Content-Type"] = ctype
    headers["Content-Length"] = str(len(body))
    return headers


class _Internal:
    """Stands in for the socket-level response azure-core closes after reading."""

    def __init__(self, resp: Response) -> None:
        self.response = resp

    def close(self) -> None:
        """Nothing to release."""


def _response_kwargs(request: Any, resp: Response, body: bytes, stream: Any) -> dict[str, Any]:
    headers = Headers(_headers(resp, body))
    return {
        "request": request,
        "internal_response": _Internal(resp),
        "status_code": resp.status,
        "reason": _REASONS.get(resp.status, "Unknown"),
        "content_type": headers.get("content-type"),
        "headers": headers,
        "stream_download_generator": stream,
    }


class _RestResponse(HttpResponseImpl):
    def __init__(self, request: Any, resp: Response) -> None:
        body = resp.encoded()

        def _stream(**_: Any) -> Any:
            yield body

        super().__init__(**_response_kwargs(request, resp, body, _stream))
        self._content = body


class _AsyncRestResponse(AsyncHttpResponseImpl):
    def __init__(self, request: Any, resp: Response) -> None:
        body = resp.encoded()

        async def _stream(**_: Any) -> Any:
            yield body

        super().__init__(**_response_kwargs(request, resp, body, _stream))
        self._content = body


class _LegacyResponse(LegacyHttpResponse):
    def __init__(self, request: Any, resp: Response) -> None:
        super().__init__(request, _Internal(resp))
        self._body = resp.encoded()
        self.status_code = resp.status
        self.headers = Headers(_headers(resp, self._body))
        self.reason = _REASONS.get(resp.status, "Unknown")
        self.content_type = self.headers.get("content-type")

    def body(self) -> bytes:
        return self._body


def _is_rest(request: Any) -> bool:
    return hasattr(request, "content")


class InProcessTransport(HttpTransport):
    """Sync transport: ``ResourceManagementClient(..., transport=InProcessTransport(emulator))``."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Hand the request to the emulator and wrap its answer."""
        try:
            resp = self.emulator.handle(_to_emulator(request))
        except DroppedConnection as exc:
            raise ServiceResponseError(str(exc), error=exc) from exc
        return _RestResponse(request, resp) if _is_rest(request) else _LegacyResponse(request, resp)

    def open(self) -> None:
        """Nothing to open."""

    def close(self) -> None:
        """Nothing to close."""

    def __enter__(self) -> InProcessTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


class AsyncInProcessTransport(AsyncHttpTransport):
    """Async twin of :class:`InProcessTransport`, for the SDK's ``aio`` clients."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def send(self, request: Any, **kwargs: Any) -> Any:
        """Hand the request to the emulator and wrap its answer."""
        try:
            resp = self.emulator.handle(_to_emulator(request))
        except DroppedConnection as exc:
            raise ServiceResponseError(str(exc), error=exc) from exc
        return _AsyncRestResponse(request, resp)

    async def open(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to close."""

    async def __aenter__(self) -> AsyncInProcessTransport:
        return self

    async def __aexit__(self, *args: Any) -> None:
        return None
