"""Downloader against a real loopback HTTP server: conditional GET, politeness, failures."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from flows.download import Downloader, Politeness, reset_politeness_state
from flows.rawstore import RawStore

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ETAG = '"v1-' + hashlib.sha1(PDF).hexdigest()[:8] + '"'
LAST_MOD = "Tue, 01 Dec 2026 00:00:00 GMT"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, status, body=b"", ctype="text/html", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        path = self.path
        with srv.lock:
            srv.log.append((path, dict(self.headers)))
            srv.connections.add(self.client_address)
            srv.active += 1
            srv.max_active = max(srv.max_active, srv.active)
        try:
            self._route(srv, path)
        finally:
            with srv.lock:
                srv.active -= 1

    def _route(self, srv, path):
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/report.pdf":  # ETag + Last-Modified, served as octet-stream with a wrong name
            etag = ETAG if srv.pdf == PDF else '"v2"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, headers={"ETag": etag})
            return self._send(200, srv.pdf, "application/octet-stream", {"ETag": etag, "Last-Modified": LAST_MOD})
        if path == "/moving.pdf":  # a 304 that names a new ETag (the server changed its validators)
            if self.headers.get("If-None-Match"):
                return self._send(304, headers={"ETag": srv.moving_etag})
            return self._send(200, PDF, "application/pdf", {"ETag": srv.moving_etag})
        if path == "/lm-only.pdf":
            if self.headers.get("If-Modified-Since") == LAST_MOD:
                return self._send(304)
            return self._send(200, PDF, "application/pdf", {"Last-Modified": LAST_MOD})
        if path == "/plain.html":  # no validators at all
            return self._send(200, b"<html><body>same</body></html>")
        if path == "/loop-a":
            return self._send(302, headers={"Location": "/loop-b"})
        if path == "/loop-b":
            return self._send(302, headers={"Location": "/loop-a"})
        if path == "/away":
            return self._send(302, headers={"Location": "http://10.255.255.1/x.pdf"})
        if path == "/err500":
            return self._send(500, b"boom")
        if path == "/flaky":
            with srv.lock:
                srv.flaky += 1
                n = srv.flaky
            return self._send(503 if n == 1 else 200, PDF if n > 1 else b"busy", "application/pdf")
        if path == "/slow":
            time.sleep(2)
            return self._send(200, b"late")
        if path == "/big.pdf":
            return self._send(200, PDF + b"0" * 5000, "application/pdf")
        if path.startswith("/private/"):
            return self._send(200, b"secret")
        if path.startswith("/gbk/"):
            raw = path[len("/gbk/"):]
            try:
                name = unquote(raw, encoding="gbk", errors="strict")
                ok = raw.startswith("%C4%EA") and name == "年度报告.pdf"
            except UnicodeDecodeError:
                ok = False
            if ok and unquote(raw, encoding="utf-8", errors="replace") != name:
                return self._send(200, PDF, "application/pdf",
                                  {"Content-Disposition": "attachment; filename=\"年度报告.pdf\"".encode("gbk").decode("latin-1")})
            return self._send(404, b"not found")
        if path.startswith("/slowhost/"):
            time.sleep(0.3)
            return self._send(200, path.encode(), "text/plain")
        return self._send(404, b"nope")


@pytest.fixture()
def server():
    srv = ThreadingHTTPServer(("127.0.0.2", 0), _Handler)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.log, srv.active, srv.max_active, srv.flaky, srv.pdf = [], 0, 0, 0, PDF
    srv.connections, srv.moving_etag = set(), '"m1"'
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    reset_politeness_state()
    yield srv, f"http://127.0.0.2:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _dl(tmp_path, **pol):
    base = dict(delay_s=0.0, timeout_s=1.0, retries=1, backoff_s=0.05)
    base.update(pol)
    return Downloader(RawStore(tmp_path), Politeness(**base))


def _host(base):
    return [base.split("//", 1)[1]]


def test_conditional_get_and_content_addressed_store(server, tmp_path):
    srv, base = server
    dl = _dl(tmp_path)
    first = dl.fetch(base + "/report.pdf", allowed_hosts=_host(base), allow_private=True)
    assert first.status == "new" and first.downloaded and first.format == "pdf"  # from content, not type
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (tmp_path / "raw" / first.sha256[:2] / first.sha256).read_bytes() == PDF
    second = dl.fetch(base + "/report.pdf", allowed_hosts=_host(base), allow_private=True)
    assert second.status == "unchanged" and second.http_status == 304 and not second.downloaded
    assert srv.log[-1][1].get("If-None-Match") == ETAG
    assert srv.log[-1][1].get("If-Modified-Since") == LAST_MOD
    assert "ogi" in srv.log[-1][1].get("User-Agent", "")
    srv.pdf = PDF + b"%changed\n"
    third = dl.fetch(base + "/report.pdf", allowed_hosts=_host(base), allow_private=True)
    assert third.status == "changed" and third.sha256 != first.sha256
    # Last-Modified alone is enough for a 304; a 200 with identical bytes counts as unchanged
    assert dl.fetch(base + "/lm-only.pdf", allowed_hosts=_host(base), allow_private=True).status == "new"
    assert dl.fetch(base + "/lm-only.pdf", allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert dl.fetch(base + "/plain.html", allowed_hosts=_host(base), allow_private=True).status == "new"
    again = dl.fetch(base + "/plain.html", allowed_hosts=_host(base), allow_private=True)
    assert again.status == "unchanged" and again.http_status == 200


def test_a_304_that_confirms_the_record_leaves_it_as_it_was(server, tmp_path):
    """The URL record is rewritten only when the answer changes it; a confirming 304 touches it
    (its modification time is the last check)."""
    srv, base = server
    dl = _dl(tmp_path)
    store, url, moving = dl.store, base + "/report.pdf", base + "/moving.pdf"
    assert dl.fetch(url, allowed_hosts=_host(base), allow_private=True).status == "new"
    path = store.url_path(url)
    written = path.read_bytes()
    os.utime(path, ns=(10**9, 10**9))
    assert dl.fetch(url, allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert path.read_bytes() == written and path.stat().st_mtime_ns > 10**9
    assert dl.fetch(url, allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert srv.log[-1][1].get("If-None-Match") == ETAG  # the record still answers the next check
    # a record whose last check failed is rewritten by the 304 that follows
    store.remember(url, {**store.lookup(url), "last_status": "failed", "last_error": "HTTP 503",
                         "last_http_status": 503})
    assert dl.fetch(url, allowed_hosts=_host(base), allow_private=True).http_status == 304
    rec = store.lookup(url)
    assert (rec["last_status"], rec["last_error"], rec["last_http_status"]) == ("unchanged", None, 304)
    # a 304 that names new validators is written down, and they are sent next time
    assert dl.fetch(moving, allowed_hosts=_host(base), allow_private=True).status == "new"
    srv.moving_etag = '"m2"'
    assert dl.fetch(moving, allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert store.lookup(moving)["etag"] == '"m2"'
    assert dl.fetch(moving, allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert srv.log[-1][1].get("If-None-Match") == '"m2"'
    dl.close()


def test_answers_without_a_kept_body_leave_the_connection_open(server, tmp_path):
    """304s (the whole of an unchanged night), error pages and redirects are read to their end, so
    one kept-alive connection serves them all instead of a new one per request."""
    srv, base = server
    dl = _dl(tmp_path, retries=0)
    assert dl.fetch(base + "/report.pdf", allowed_hosts=_host(base), allow_private=True).status == "new"
    srv.connections.clear()
    for _ in range(5):
        assert dl.fetch(base + "/report.pdf", allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert dl.fetch(base + "/err500", allowed_hosts=_host(base), allow_private=True).http_status == 500
    assert dl.fetch(base + "/nothing-here", allowed_hosts=_host(base), allow_private=True).http_status == 404
    assert "redirect loop" in dl.fetch(base + "/loop-a", allowed_hosts=_host(base), allow_private=True).error
    assert dl.fetch(base + "/report.pdf", allowed_hosts=_host(base), allow_private=True).http_status == 304
    assert len(srv.connections) == 1, srv.connections
    dl.close()


def test_failures_are_results_not_exceptions(server, tmp_path):
    srv, base = server
    dl = _dl(tmp_path, max_bytes=1000)
    h = _host(base)
    loop = dl.fetch(base + "/loop-a", allowed_hosts=h, allow_private=True)
    assert loop.status == "failed" and "redirect loop" in loop.error
    err = dl.fetch(base + "/err500", allowed_hosts=h, allow_private=True)
    assert err.status == "failed" and err.http_status == 500 and "HTTP 500" in err.error
    assert sum(1 for p, _ in srv.log if p == "/err500") == 2  # retried once
    flaky = dl.fetch(base + "/flaky", allowed_hosts=h, allow_private=True)
    assert flaky.status == "new" and flaky.format == "pdf"
    slow = dl.fetch(base + "/slow", allowed_hosts=h, allow_private=True)
    assert slow.status == "failed" and "timeout" in slow.error
    big = dl.fetch(base + "/big.pdf", allowed_hosts=h, allow_private=True)
    assert big.status == "failed" and "cap" in big.error
    assert not list((tmp_path / "raw").glob("*/" + "0" * 64))


def test_network_safety_and_robots(server, tmp_path):
    srv, base = server
    dl = _dl(tmp_path)
    h = _host(base)
    robots = dl.fetch(base + "/private/a.pdf", allowed_hosts=h, allow_private=True)
    assert robots.status == "skipped" and "robots" in robots.error
    assert not any(p.startswith("/private/") for p, _ in srv.log)
    other = dl.fetch(base + "/report.pdf", allowed_hosts=["example.gov.cn"], allow_private=True)
    assert other.status == "skipped" and "not allowed" in other.error
    private = dl.fetch(base + "/report.pdf", allowed_hosts=h, allow_private=False)
    assert private.status == "skipped" and "private" in private.error
    away = dl.fetch(base + "/away", allowed_hosts=h, allow_private=True)
    assert away.status == "skipped" and "10.255.255.1" in away.error
    assert len([p for p, _ in srv.log if p == "/report.pdf"]) == 0


def test_gbk_path_fallback_and_filename(server, tmp_path):
    srv, base = server
    dl = _dl(tmp_path)
    res = dl.fetch(base + "/gbk/年度报告.pdf", allowed_hosts=_host(base), allow_private=True)
    assert res.status == "new", res.error
    assert res.filename == "年度报告.pdf" and res.format == "pdf"


def test_per_host_concurrency(server, tmp_path):
    srv, base = server
    dl = _dl(tmp_path, per_host=2)
    h = _host(base)
    dl.fetch(base + "/robots.txt", allowed_hosts=h, allow_private=True)
    threads = [threading.Thread(target=dl.fetch, args=(f"{base}/slowhost/{i}",),
                                kwargs={"allowed_hosts": h, "allow_private": True}) for i in range(6)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert srv.max_active <= 2
    assert time.monotonic() - t0 >= 0.85  # 6 requests of 0.3 s, two at a time


def test_delay_between_requests(server, tmp_path):
    srv, base = server
    dl = _dl(tmp_path, delay_s=0.2)
    h = _host(base)
    t0 = time.monotonic()
    for i in range(4):
        dl.fetch(f"{base}/plain.html?i={i}", allowed_hosts=h, allow_private=True)
    assert time.monotonic() - t0 >= 0.6  # robots.txt + 4 pages, 0.2 s apart


def test_destinations_follow_the_crawlers_rule(monkeypatch):
    """Downloads refuse what the crawler refuses: hosts outside the portal, loopback for a
    non-local portal, and public-looking names that resolve to private addresses."""
    import socket

    from flows.download import Refused, check_url

    real = socket.getaddrinfo

    def fake(name, *args, **kw):
        if name == "intranet.example.gov.cn":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 0))]
        if name == "www.example.gov.cn":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("202.108.22.5", 0))]
        return real(name, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    check_url("http://www.example.gov.cn/nb.pdf", ["www.example.gov.cn"], allow_private=False)
    check_url("http://127.0.0.9:8080/nb.pdf", ["127.0.0.9:8080"], allow_private=True)
    for url, hosts, local in [
        ("http://other.gov.cn/nb.pdf", ["www.example.gov.cn"], False),             # not this portal's host
        ("http://127.0.0.9:8080/nb.pdf", ["127.0.0.9:8080"], False),               # loopback, portal not local
        ("http://127.0.0.9:8081/nb.pdf", ["127.0.0.9:8080"], True),                # local but not listed exactly
        ("http://intranet.example.gov.cn/nb.pdf", ["intranet.example.gov.cn"], False),  # resolves to 10.x
        ("file:///etc/passwd", ["www.example.gov.cn"], False),
    ]:
        with pytest.raises(Refused):
            check_url(url, hosts, allow_private=local)
