"""A recording HTTP proxy on loopback, for no-egress tests.

Point a process at it with HTTP_PROXY / HTTPS_PROXY / ALL_PROXY (and their lower-case twins):
every request the process sends through a proxy is recorded as (method, host, port, target).
Plain-HTTP requests to loopback addresses are forwarded (so a pipeline over demo portals still
works through it); everything else — any other host, and every CONNECT tunnel (HTTPS) — is
recorded and refused with 403, never forwarded: nothing leaves the machine through it.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "proxy-connection"}


@dataclass(frozen=True)
class Seen:
    method: str
    host: str
    port: int
    target: str
    forwarded: bool


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class RecordingProxy:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):  # quiet
                pass

            def _record(self, host: str, port: int, forwarded: bool) -> None:
                with proxy._lock:
                    proxy.seen.append(Seen(self.command, host, port, self.path, forwarded))

            def _refuse(self) -> None:
                body = b"refused by the recording proxy\n"
                self.send_response(403)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def do_CONNECT(self):
                host, _, port = self.path.rpartition(":")
                self._record(host.strip("[]"), int(port or 443), False)
                self._refuse()

            def _forward(self):
                parts = urlsplit(self.path)
                host, port = parts.hostname or "", parts.port or 80
                if parts.scheme != "http" or not _is_loopback(host):
                    self._record(host, port, False)
                    self._refuse()
                    return
                self._record(host, port, True)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                path = parts.path or "/"
                if parts.query:
                    path += "?" + parts.query
                conn = http.client.HTTPConnection(host, port, timeout=60)
                try:
                    conn.request(self.command, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except OSError as exc:
                    msg = f"upstream failed: {exc}\n".encode()
                    self.send_response(502)
                    self.send_header("Content-Length", str(len(msg)))
                    self.end_headers()
                    self.wfile.write(msg)
                    return
                finally:
                    conn.close()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def env(self, no_proxy: str = "") -> dict[str, str]:
        """Environment variables that route a process's HTTP(S) through this proxy."""
        env = {}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env[name] = env[name.lower()] = self.url
        env["NO_PROXY"] = env["no_proxy"] = no_proxy
        return env

    def hosts(self) -> set[str]:
        with self._lock:
            return {s.host for s in self.seen}

    def outside(self, allowed_hosts: set[str]) -> list[Seen]:
        """Requests for any host not in `allowed_hosts` (CONNECT tunnels included)."""
        with self._lock:
            return [s for s in self.seen if s.host not in allowed_hosts or s.method == "CONNECT"]


