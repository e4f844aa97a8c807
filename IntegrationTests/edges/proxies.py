"""Loopback servers that stand between the exporter and the simulator (standard library only).

* `TLSFront`: terminates TLS with a certificate it can swap (one from a CA the exporter
  does not trust, one from a CA it does) and passes the plain bytes to the simulator.
* `ConnectProxy`: an HTTP `CONNECT` proxy (what `HTTPS_PROXY` names) that tunnels to
  the TLS front whatever host the client asks for.

Both run an asyncio loop in a daemon thread and listen on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import ssl
import threading


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _splice(a: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  b: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    await asyncio.gather(_pipe(a[0], b[1]), _pipe(b[0], a[1]))


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class TLSFront(_LoopThread):
    """TLS on 127.0.0.1:port, plain HTTP to the simulator at `upstream` (host, port)."""

    def __init__(self, upstream: tuple[str, int], certificates: dict[str, tuple[str, str]], mode: str) -> None:
        super().__init__()
        self.upstream = upstream
        self.contexts = {}
        for name, (cert, key) in certificates.items():
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.contexts[name] = context
        self.mode = mode
        self.handshakes = 0
        self.server = self.call(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handshakes += 1
        try:
            await writer.start_tls(self.contexts[self.mode])
            upstream = await asyncio.open_connection(*self.upstream)
        except (ssl.SSLError, ConnectionError, OSError):
            writer.close()
            return
        await _splice((reader, writer), upstream)


class ConnectProxy(_LoopThread):
    """An HTTP CONNECT proxy on 127.0.0.1:`port` that tunnels every request to `target`."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        super().__init__()
        self.target = target
        self.tunnels = 0
        self.server = self.call(asyncio.start_server(self._accept, "127.0.0.1", port))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        if not head.startswith(b"CONNECT "):
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        upstream = await asyncio.open_connection(*self.target)
        self.tunnels += 1
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await _splice((reader, writer), upstream)

    def close(self) -> None:
        self.server.close()
        self.stop()
