"""Many loopback addresses answered by one asyncio loop in a daemon thread (the benchmarks' farms).

Address i is 127.<octet>.(i // 250).(i % 250 + 1) on an ephemeral port. A subclass implements
`async _start()` and calls `await self.listen(i, handler)` for each address; `handler(reader,
writer, netloc)` serves one connection.
"""
from __future__ import annotations

import asyncio
import socket
import threading


class LoopbackFarm:
    octet = 1  # the second octet of the addresses (distinct farms can run side by side)

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "LoopbackFarm":
        self.thread.start()
        self.ready.wait()
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        raise NotImplementedError

    async def listen(self, i: int, handler) -> str:
        """Serve address i with `handler`; returns its netloc ("host:port")."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((f"127.{self.octet}.{i // 250}.{i % 250 + 1}", 0))
        netloc = "%s:%d" % sock.getsockname()[:2]
        await asyncio.start_server(lambda r, w: handler(r, w, netloc), sock=sock, backlog=64)
        return netloc
