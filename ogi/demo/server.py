"""Serve the demo portals on loopback: one threaded HTTP server per host, each on its own 127.0.0.x.

    from ogi.demo.server import DemoPortals
    with DemoPortals() as demo:
        demo.registry_path          # registry CSV of the demo portals
        demo.portals                # portal ids
        demo.expected_reports()     # portal_id -> set of canonical report page URLs (ground truth)
        demo.expected_attachments() # canonical page URL -> set of canonical attachment URLs
        demo.requests               # log of (host, method, path) — every request any server saw
        demo.forbidden_requests()   # requests to robots-disallowed paths or to the honeypot host
        demo.mutate(url)            # change one document's bytes, ETag and Last-Modified (re-download tests)

Every 200 answer carries a strong ETag (hash of the body) and a Last-Modified (report pages: their
publication date); If-None-Match / If-Modified-Since are answered with 304 Not Modified.

`python -m ogi.demo.server [--port-base N]` serves them by hand until Ctrl-C.
"""
from __future__ import annotations

import argparse
import csv
import socket
import tempfile
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from crawlers.urls import canonicalize
from ogi.demo.portals import BUILDERS, build_xxgk
from ogi.demo.site import Page, Site, body_etag, request_key

REGISTRY_HEADER = ["portal_id", "name", "province", "level", "division_code", "start_urls", "allowed_hosts"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        import sys
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return   # a client that gave up waiting (the slow portal's timeouts): not a server fault
        super().handle_error(request, client_address)


def not_modified(headers, etag: str, modified: float) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison) decides when present, else If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since is None or since.tzinfo is None:
            return False
        return int(modified) <= since.timestamp()
    return False


def _make_handler(demo: "DemoPortals", site: Site | None, label: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "DemoCMS/1.0"

        def log_message(self, fmt, *args):  # quiet
            pass

        def _serve(self, method: str) -> None:
            host = f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            demo._log(host, method, self.path, self.headers.get("User-Agent", ""))
            page = self._route(method, body)
            if page.delay:
                time.sleep(page.delay)
            with demo._lock:
                page.hits += 1
                hits = page.hits
                status, data, ctype, modified = page.status, page.body, page.content_type, page.modified
            if hits <= page.fail_first:
                status, data, ctype = 503, b"<html><body>503 Service Temporarily Unavailable</body></html>", "text/html"
            validators = {}
            if status == 200:
                validators = {"ETag": body_etag(data), "Last-Modified": formatdate(int(modified), usegmt=True)}
                if method in ("GET", "HEAD") and not_modified(self.headers, validators["ETag"], modified):
                    status, data = 304, b""
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
            for k, v in {**validators, **page.headers}.items():
                self.send_header(k, v)
            self.end_headers()
            if method != "HEAD" and data:
                self.wfile.write(data)

        def _route(self, method: str, body: bytes) -> Page:
            if site is None:
                return Page(b"<html><body>honeypot: this host is not in the registry</body></html>")
            wall = getattr(site, "wall", None)   # an anti-bot wall in front of everything, robots.txt too
            if wall is not None and getattr(site, "wall_cookie", "\0") not in (self.headers.get("Cookie") or ""):
                return wall
            if urlsplit(self.path).path == "/robots.txt":
                return Page(site.robots.get(label, "User-agent: *\nDisallow:\n").encode(), "text/plain")
            page = site.lookup(label, method, self.path, body)
            if page is None:
                return Page(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
            return page

        def do_GET(self):
            self._serve("GET")

        def do_HEAD(self):
            self._serve("HEAD")

        def do_POST(self):
            self._serve("POST")

    return Handler


class DemoPortals:
    """Start every demo portal on its own loopback address(es); stop them on exit."""

    def __init__(self, base_dir: str | Path | None = None, host_prefix: str = "127.0.0.", first_octet: int = 10,
                 port: int = 0, portals: list[str] | None = None, honeypot: bool = True,
                 builders: dict | None = None):
        self._tmp = None
        if base_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ogi-demo-")
            base_dir = self._tmp.name
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.host_prefix, self.first_octet, self.port = host_prefix, first_octet, port
        self.builders = builders or BUILDERS   # portal_id -> (build(bases) -> Site, host labels)
        self.selected = portals or list(self.builders)
        self.with_honeypot = honeypot
        self.sites: dict[str, Site] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.user_agents: set[str] = set()
        self.honeypot_host: str | None = None
        self.first_request_at: float | None = None   # time.monotonic() of the first/last request served
        self.last_request_at: float | None = None
        self._servers: list[_Server] = []
        self._lock = threading.Lock()
        self.registry_path = self.base_dir / "demo-registry.csv"

    # -- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> "DemoPortals":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        octet = self.first_octet
        sockets: list[tuple[str | None, str, socket.socket]] = []
        bound: dict[str, dict[str, str]] = {}
        for pid in self.selected:
            _, labels = self.builders[pid]
            bound[pid] = {}
            for label in labels:
                sock = self._bind(f"{self.host_prefix}{octet}")
                octet += 1
                ip, port = sock.getsockname()[:2]
                bound[pid][label] = f"http://{ip}:{port}"
                sockets.append((pid, label, sock))
        honeypot_base = None
        if self.with_honeypot:
            sock = self._bind(f"{self.host_prefix}{octet}")
            ip, port = sock.getsockname()[:2]
            honeypot_base = f"http://{ip}:{port}"
            self.honeypot_host = f"{ip}:{port}"
            sockets.append((None, "honeypot", sock))
        for pid in self.selected:
            builder, _ = self.builders[pid]
            self.sites[pid] = builder(bound[pid], honeypot_base) if builder is build_xxgk else builder(bound[pid])
        for pid, label, sock in sockets:
            server = _Server(sock.getsockname()[:2], _make_handler(self, self.sites.get(pid), label),
                             bind_and_activate=False)
            server.socket.close()
            server.socket = sock
            server.server_address = sock.getsockname()[:2]
            server.server_activate()
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
            self._servers.append(server)
        self.write_registry(self.registry_path)

    def _bind(self, ip: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, self.port))
        return sock

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- registry and ground truth ---------------------------------------------------------------
    @property
    def portals(self) -> list[str]:
        return list(self.sites)

    def registry_rows(self) -> list[dict[str, str]]:
        rows = []
        for pid, site in self.sites.items():
            rows.append({"portal_id": pid, "name": site.name, "province": site.province, "level": site.level,
                         "division_code": site.division_code, "start_urls": " ".join(site.start_urls),
                         "allowed_hosts": " ".join(site.hosts)})
        return rows

    def write_registry(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=REGISTRY_HEADER)
            writer.writeheader()
            writer.writerows(self.registry_rows())
        return path

    def expected_reports(self) -> dict[str, set[str]]:
        return {pid: set(site.reports) for pid, site in self.sites.items()}

    def expected_attachments(self) -> dict[str, set[str]]:
        return {url: set(r.attachments) for site in self.sites.values() for url, r in site.reports.items()}

    def report_sources(self) -> dict[str, str]:
        """Canonical report page URL -> demo source id (`ogi/demo/data/reports/<id>`, with truth.json)."""
        return {url: r.source for site in self.sites.values() for url, r in site.reports.items()}

    def forbidden_requests(self) -> list[tuple[str, str, str]]:
        """Logged requests that hit a robots-disallowed path or a host outside the registry."""
        allowed = {h for site in self.sites.values() for h in site.hosts}
        rules = {}
        for site in self.sites.values():
            for label, prefix in site.forbidden_paths:
                rules.setdefault(urlsplit(site.bases[label]).netloc, []).append(prefix)
        bad = []
        for host, method, path in list(self.requests):
            if host not in allowed or any(path.startswith(p) for p in rules.get(host, [])):
                bad.append((host, method, path))
        return bad

    def _log(self, host: str, method: str, path: str, agent: str) -> None:
        now = time.monotonic()
        with self._lock:
            if self.first_request_at is None:
                self.first_request_at = now
            self.last_request_at = now
            self.requests.append((host, method, path))
            self.user_agents.add(agent)

    # -- mutation (flows tests: a changed document is re-downloaded) -----------------------------
    def find_page(self, url: str) -> Page:
        target = canonicalize(url)
        for site in self.sites.values():
            for label, base in site.bases.items():
                if not target.startswith(canonicalize(base + "/").rstrip("/")):
                    continue
                parts = urlsplit(target)
                key = request_key(parts.path + ("?" + parts.query if parts.query else ""))
                page = site.pages.get((label, key))
                if page is not None:
                    return page
        raise KeyError(f"no demo document at {url}")

    def mutate(self, url: str, body: bytes | None = None) -> bytes:
        """Replace the bytes served at `url` (default: append a revision note); return the new bytes.
        Its ETag (hash of the bytes) and Last-Modified (now, at least one second later) change too."""
        page = self.find_page(url)
        with self._lock:
            page.modified = max(time.time(), page.modified + 1)
            if body is None:
                if page.content_type.startswith("text/html"):
                    body = page.body.replace(b"</body>", b"<p>(revised)</p></body>", 1)
                    if body == page.body:
                        body = page.body + b"<!-- revised -->"
                else:
                    body = page.body + b"\n%revised\n"
            page.body = body
        return body


def registry_csv(demo: DemoPortals, path: str | Path | None = None) -> Path:
    """The demo registry as a CSV file (defaults to `demo.registry_path`)."""
    return demo.write_registry(path) if path else demo.registry_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ogi.demo.server", description="Serve the ogi demo portals.")
    parser.add_argument("--first-octet", type=int, default=10, help="first 127.0.0.x address (default 10)")
    parser.add_argument("--port", type=int, default=8080, help="port on every address (0 = any free port)")
    parser.add_argument("--dir", default=None, help="where to write demo-registry.csv (default: a temp dir)")
    args = parser.parse_args(argv)
    with DemoPortals(base_dir=args.dir, first_octet=args.first_octet, port=args.port) as demo:
        print(f"registry: {demo.registry_path}")
        for row in demo.registry_rows():
            print(f"  {row['portal_id']:<12} {row['start_urls']}  ({len(demo.sites[row['portal_id']].reports)} reports)")
        print("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
