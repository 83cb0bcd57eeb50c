"""One HTTP connection pool per origin, behind one httpx client.

httpcore's pool (1.0.x) looks at every connection it holds on every request: each idle one is
checked with a socket poll (`has_expired` -> `is_socket_readable`), under the pool's one lock.
With connections to many hosts in one pool (the interleaved download keeps about `per_host`
connections to every host of a round) that scan was the largest part of a conditional GET's CPU,
and the fetch threads queued on the lock. Upstream knows (encode/httpcore#928, still open).
Measured on this project's 2-core machine: 3,000 304s from 50 loopback hosts on 128 threads,
11.5 → 6.4 s (3.9 → 2.4 ms CPU each); 1,000 documents from 200 hosts at the default politeness
(bench/bench_download_hosts.py), 13.2 → 6.5 s, with a median of 72 requests in flight instead of 26.

Here each origin (scheme, host, port) gets its own small `httpx.HTTPTransport`, so a request
scans only its own host's few connections. All of them share one SSL context per process
(`default_ssl_context`). The client above stays one object: headers, timeouts, redirects and
cookies behave as before.

    client = httpx.Client(transport=PerOriginTransport(limits=httpx.Limits(...)), ...)

Pools live as long as the transport: the downloader opens one per round and closes it after,
so the open connections are bounded by the round's hosts × their per-host limit.
"""
from __future__ import annotations

import functools
import ssl
import threading

import httpx


@functools.lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """One verifying SSL context per process (loading the CA bundle takes tens of ms; a context
    is safe to share between threads and connections)."""
    return httpx.create_ssl_context(trust_env=False)


class PerOriginTransport(httpx.BaseTransport):
    def __init__(self, *, limits: httpx.Limits, verify: ssl.SSLContext | bool = True):
        self._limits = limits
        self._verify = default_ssl_context() if verify is True else verify
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.HTTPTransport] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _pool(self, url: httpx.URL) -> httpx.HTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the transport is closed")
                pool = self._pools.get(key)
                if pool is None:
                    pool = self._pools[key] = httpx.HTTPTransport(verify=self._verify, limits=self._limits,
                                                                  trust_env=False)
        return pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool(request.url).handle_request(request)

    def origins(self) -> int:
        """How many origins have a pool (for tests and logs)."""
        return len(self._pools)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
