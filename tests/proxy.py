"""A TCP proxy to a test server (Redis, PostgreSQL) that a test can stop, make hang, and start again on its port."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to the server at ``target`` (a URL).

    :meth:`stop` closes the listener and every connection (the server stopped or restarted); :meth:`hang` keeps
    accepting but forwards nothing (a server, or a network, that stopped answering); :meth:`start` serves again on
    the same port.
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (
            parts.hostname or "127.0.0.1",
            parts.port or {"postgresql": 5432, "postgres": 5432}.get(parts.scheme, 6379),
        )
        self._parts = parts
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.hanging = False

    @property
    def url(self) -> str:
        """The target's URL (its database, password…) with the proxy's address."""
        auth = self._parts.netloc.rpartition("@")[0]
        netloc = f"{auth + '@' if auth else ''}127.0.0.1:{self.port}"
        return urlunsplit(self._parts._replace(netloc=netloc))

    async def start(self) -> None:
        self.hanging = False
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    def hang(self) -> None:
        self.hanging = True

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers.add(upstream_writer)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await source.read(65536):
                if self.hanging:
                    continue  # swallowed: the request is never answered
                sink.write(data)
                await sink.drain()
        sink.close()
