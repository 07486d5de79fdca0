"""The local Azure over HTTP(S): an ASGI adapter around :meth:`Emulator.handle`, served by uvicorn.

uvicorn is the server because it is small, well kept, serves TLS from the standard library's ``ssl``,
binds a socket we hand it (so the port is known before anything is printed), and shuts down
gracefully. The adapter is ~50 lines of plain ASGI; no web framework sits between the socket and the
emulator.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from .errors import DroppedConnection
from .wire import MAX_BODY_BYTES, Headers, Request

if TYPE_CHECKING:
    from .engine import Emulator

__all__ = ["ArmServer", "asgi_app"]


def _protocol_class(holder: ArmServer) -> type:
    """Return uvicorn's h11 protocol, remembering each connection's transport by peer address.

    An injected "dropped connection" fault can then abort the connection before any answer is sent,
    as a network failure does; azure-core retries, as it does against Azure.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            holder.loop = asyncio.get_running_loop()
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                # uvicorn writes headers and body separately; without NODELAY, Nagle's algorithm and
                # the client's delayed ACK cost ~40 ms per answer.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = transport.get_extra_info("peername")
            # kept here: at connection_lost a TLS transport may be torn down already
            self._azrm_peer = (peer[0], peer[1]) if peer else None
            if self._azrm_peer:
                holder.transports[self._azrm_peer] = transport

        def connection_lost(self, exc: Exception | None) -> None:
            peer = getattr(self, "_azrm_peer", None)
            if peer:
                holder.transports.pop(peer, None)
            super().connection_lost(exc)

    return Protocol


def asgi_app(holder: ArmServer) -> Any:
    """Return the ASGI application; it serves whatever emulator ``holder.emulator`` is at request time."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await _stream(holder, scope, receive, send)
            return
        if scope["type"] != "http":
            return
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message.get("type") == "http.disconnect":
                return
            chunk = message.get("body", b"")
            # Past ARM's limit the rest is drained, not kept: the engine answers 413 from what is here.
            if size <= MAX_BODY_BYTES:
                chunks.append(chunk)
                size += len(chunk)
            if not message.get("more_body", False):
                break
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        host = headers.get("host") or f"{scope['server'][0]}:{scope['server'][1]}"
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{scope.get('scheme', 'http')}://{host}{raw_path}" + (f"?{query}" if query else "")
        request = Request(scope["method"], url, headers, b"".join(chunks))
        try:
            response = await asyncio.to_thread(holder.emulator.handle, request)
        except DroppedConnection:
            client = scope.get("client")
            transport = holder.transports.get((client[0], client[1])) if client else None
            if transport is not None:
                transport.abort()
                await asyncio.sleep(0)  # let uvicorn see the disconnect before the app returns
                await asyncio.sleep(0)
                return
            raise
        body = response.encoded()
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        ctype = response.content_type()
        if ctype and "content-type" not in response.headers:
            out.append((b"content-type", ctype.encode("latin-1")))
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        await send({"type": "http.response.body", "body": body if request.method != "HEAD" else b""})

    return app


async def _stream(holder: ArmServer, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Serve a provider's websocket stream (``/_azrm/<kind>/<session>``: a container's exec).

    ACI's protocol: the client's first message is the session's password; the command's output
    comes back, then the socket closes. Providers register ``emulator.streams[kind]``.
    """
    parts = [p for p in scope["path"].split("/") if p]
    handler = holder.emulator.streams.get(parts[1]) if len(parts) == 3 and parts[0] == "_azrm" else None
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    if handler is None:
        await send({"type": "websocket.close", "code": 4404})
        return
    await send({"type": "websocket.accept"})
    first = await receive()
    if first.get("type") != "websocket.receive":
        return
    password = first.get("text") or (first.get("bytes") or b"").decode("utf-8", "replace")
    try:
        output = await asyncio.to_thread(handler, parts[2], password)
    except PermissionError:
        await send({"type": "websocket.close", "code": 4401})
        return
    except LookupError as exc:
        await send({"type": "websocket.send", "text": f"{exc}\n"})
        await send({"type": "websocket.close", "code": 1000})
        return
    if output:
        await send({"type": "websocket.send", "text": output})
    await send({"type": "websocket.close", "code": 1000})


class ArmServer:
    """uvicorn serving an emulator on loopback, in a background thread.

    :param tls: serve HTTPS with ``certificates`` (see :func:`~azrm.emulator.core.tls.make_certificates`);
        plain HTTP when ``None``.
    """

    def __init__(self, emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0, tls: Any = None) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"host: {host!r} is not a loopback address; the local Azure only listens on loopback")
        self._emulator = emulator
        #: the listeners opened for resources needing their own origin (key vaults): port -> (owner, server)
        self._listeners: dict[int, tuple[str, Any]] = {}
        self.host = host
        self.tls = tls
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.transports: dict[tuple[str, int], Any] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def emulator(self) -> Emulator:
        """The emulator served; setting another one closes the old one's listeners and opens the new one's."""
        return self._emulator

    @emulator.setter
    def emulator(self, emulator: Emulator) -> None:
        if emulator is self._emulator:
            return
        old, self._emulator = self._emulator, emulator
        if self._server is not None and self._server.started:
            self._close_listeners()
            old.detach()
            emulator.attach(self)

    # -- listeners of their own (a key vault's origin) -----------------------------------------------
    def origin(self, port: int) -> str:
        """Return the origin of a listener this server opened (``https://127.0.0.1:PORT``)."""
        scheme = "https" if self.tls is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{port}"

    def open(self, owner: str, port: int = 0) -> int:
        """Open a listener serving the same app for ``owner`` (on ``port`` when free); return its port.

        A port ``owner`` already listens on is kept. Called from a request's worker thread or another
        thread, never from the server's event loop.
        """
        held = self._listeners.get(port)
        if held is not None and held[0] == owner:
            return port
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, port if held is None else 0))
        except OSError:  # another process took it meanwhile: a new port, and the owner's URI changes
            sock.bind((self.host, 0))
        sock.listen(128)
        server, loop = self._server, self._loop()
        config = server.config

        def protocol(_loop: Any = None) -> Any:
            return config.http_protocol_class(
                config=config, server_state=server.server_state, app_state=server.lifespan.state, _loop=_loop
            )

        created = asyncio.run_coroutine_threadsafe(
            loop.create_server(protocol, sock=sock, ssl=config.ssl, backlog=128), loop
        ).result(10)
        chosen: int = sock.getsockname()[1]
        self._listeners[chosen] = (owner, created)
        return chosen

    def close(self, owner: str, port: int) -> None:
        """Close ``owner``'s listener on ``port`` (nothing when it has none there)."""
        held = self._listeners.get(port)
        if held is None or held[0] != owner:
            return
        del self._listeners[port]
        loop = self._loop()
        loop.call_soon_threadsafe(held[1].close)
        for transport in list(self.transports.values()):  # clients' pooled connections to it end too
            local = transport.get_extra_info("sockname")
            if local and local[1] == port:
                loop.call_soon_threadsafe(transport.abort)

    def _close_listeners(self) -> None:
        for owner, port in [(o, p) for p, (o, _) in self._listeners.items()]:
            self.close(owner, port)

    def _loop(self) -> asyncio.AbstractEventLoop:
        servers = getattr(self._server, "servers", None)
        if not servers:
            raise RuntimeError("the local Azure's HTTP server is not running")
        loop: asyncio.AbstractEventLoop = servers[0].get_loop()
        return loop

    @property
    def endpoint(self) -> str:
        """``https://127.0.0.1:PORT`` (or ``http://`` without TLS)."""
        scheme = "https" if self.tls is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def start(self, timeout: float = 30.0) -> ArmServer:
        """Serve in a background thread; returns once the server accepts connections."""
        import uvicorn

        options: dict[str, Any] = {}
        if self.tls is not None:
            options = {"ssl_certfile": str(self.tls.cert), "ssl_keyfile": str(self.tls.key)}
        config = uvicorn.Config(
            asgi_app(self),
            http=_protocol_class(self),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
            server_header=False,
            date_header=True,
            **options,
        )
        self._server = uvicorn.Server(config)
        self._sock.listen(128)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="azrm-arm-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local Azure's HTTP server did not start")
            time.sleep(0.005)
        self._emulator.attach(self)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread."""
        if self._server is not None and self._server.started:
            self._close_listeners()
            self._emulator.detach()
        if self._server is not None:
            self._server.should_exit = True
        # Clients keep idle connections in their pools; a TLS close would wait for each of them.
        if self.loop is not None and not self.loop.is_closed():
            for transport in list(self.transports.values()):
                try:
                    self.loop.call_soon_threadsafe(transport.abort)
                except RuntimeError:  # the loop closed meanwhile
                    break
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> ArmServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
