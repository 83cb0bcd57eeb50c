"""One connection pool per origin behind the downloader's one client (flows.hostpools)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from flows.download import Downloader, Politeness, reset_politeness_state
from flows.hostpools import PerOriginTransport, default_ssl_context
from flows.rawstore import RawStore

BODY = b"<html><body>report</body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        with self.server.lock:
            self.server.connections.add(self.client_address)
        if self.path == "/robots.txt":
            body, status = b"", 404
        else:
            body, status = BODY, 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def two_hosts():
    servers = []
    for addr in ("127.0.0.2", "127.0.0.3"):
        srv = ThreadingHTTPServer((addr, 0), _Handler)
        srv.daemon_threads, srv.lock, srv.connections = True, threading.Lock(), set()
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    reset_politeness_state()
    yield servers
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    reset_politeness_state()


def test_each_origin_has_its_own_pool_and_keeps_its_connection(two_hosts, tmp_path):
    bases = [f"http://{s.server_address[0]}:{s.server_address[1]}" for s in two_hosts]
    dl = Downloader(RawStore(tmp_path), Politeness(delay_s=0.0, timeout_s=2.0, retries=0))
    transport = dl.client._transport
    assert isinstance(transport, PerOriginTransport)
    for n in range(4):  # alternate between the hosts: each one's connection is kept between its requests
        for base in bases:
            res = dl.fetch(f"{base}/r{n}.html", allowed_hosts=[base[7:]], allow_private=True)
            assert res.status == "new", res.error
    assert transport.origins() == 2
    assert [len(s.connections) for s in two_hosts] == [1, 1]
    pools = list(transport._pools.values())
    assert [len(p._pool.connections) for p in pools] == [1, 1]  # a request looks only at its own host's
    dl.close()
    assert all(not p._pool.connections for p in pools)
    with pytest.raises(RuntimeError, match="closed"):
        transport.handle_request(httpx.Request("GET", bases[0] + "/r9.html"))


def test_one_ssl_context_for_every_pool():
    a = PerOriginTransport(limits=httpx.Limits(max_connections=4))
    b = PerOriginTransport(limits=httpx.Limits(max_connections=4))
    pa = a._pool(httpx.URL("https://a.gov.cn/x"))
    pb = b._pool(httpx.URL("https://b.gov.cn:8443/y"))
    assert pa is a._pool(httpx.URL("https://a.gov.cn/z")) and pa is not a._pool(httpx.URL("http://a.gov.cn/x"))
    ctx = default_ssl_context()
    assert pa._pool._ssl_context is ctx and pb._pool._ssl_context is ctx
    assert ctx.verify_mode.name == "CERT_REQUIRED"
    a.close()
    b.close()
