"""A report page the crawler fetched is not fetched again (issue 12, item 5).

The shard's crawl stores every report page it read in the raw store (crawlers.pipelines.
RawStoreHandoverPipeline, `OGI_RAW_STORE`); the downloader, told the shard's start
(`Politeness.fresh_since`), answers those URLs from their fresh records without a request.
Units against a loopback server that counts requests, then whole nights on the demo portals:
every report page is requested once, the warehouse is what it was without the hand-over, and a
rerun converges.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from flows.download import Downloader, Politeness, reset_politeness_state
from flows.fetched import fresh_result, record_fetch, store_body
from flows.rawstore import RawStore

PAGE = "<html><head><title>示范县2023年政府信息公开工作年度报告</title></head><body>年报</body></html>".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        with self.server.lock:
            self.server.hits[self.path] += 1
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nDisallow:\n", "text/plain"
        else:
            body, ctype = PAGE, "text/html; charset=utf-8"
        if self.headers.get("If-None-Match") == '"p1"':
            self.send_response(304)
            self.send_header("ETag", '"p1"')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"p1"')
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.5", 0), _Handler)
    srv.daemon_threads = True
    srv.lock, srv.hits = threading.Lock(), Counter()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    reset_politeness_state()
    yield srv, f"http://127.0.0.5:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    reset_politeness_state()


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _crawled(store: RawStore, url: str, at: datetime, data: bytes = PAGE) -> dict:
    """A URL record as the crawler's hand-over writes it (same functions), fetched at `at`."""
    prior = store.lookup(url) or {}
    res = store_body(store, url, data, final_url=url, content_type="text/html; charset=utf-8", etag='"p1"',
                     prior=prior)
    res.fetched_at = _iso(at)
    record_fetch(store, url, res, prior)
    return store.lookup(url)


def _dl(store: RawStore, **pol) -> Downloader:
    return Downloader(store, Politeness(**{"delay_s": 0.0, "timeout_s": 5.0, "retries": 0, **pol}))


def test_the_downloader_skips_only_fresh_records(server, tmp_path):
    srv, base = server
    hosts = [base[7:]]
    store = RawStore(tmp_path)
    start = datetime.now(timezone.utc).replace(microsecond=0)
    since = _iso(start)
    fresh, stale, gone, failed, big = (f"{base}/{n}.html" for n in ("fresh", "stale", "gone", "failed", "big"))
    rec = _crawled(store, fresh, start + timedelta(seconds=1))
    stale_rec = _crawled(store, stale, start - timedelta(seconds=1))     # last night's record
    os.utime(store.url_path(stale), ns=(10**9, 10**9))
    _crawled(store, gone, start, data=PAGE + b"<!-- other bytes -->")    # fresh, but its blob is lost
    store.blob_path(store.lookup(gone)["sha256"]).unlink()
    _crawled(store, failed, start + timedelta(seconds=1))
    store.remember(failed, {**store.lookup(failed), "last_status": "failed", "last_http_status": 503})
    _crawled(store, big, start + timedelta(seconds=1), data=PAGE + b" " * 1000)

    with _dl(store, fresh_since=since, max_bytes=len(PAGE) + 500) as dl:
        res = dl.fetch(fresh, allowed_hosts=hosts, allow_private=True)
        assert srv.hits == Counter()   # no request at all, not even robots.txt
        assert res.handed_over and not res.downloaded and res.http_status == 200 and res.error is None
        assert (res.status, res.sha256, res.format, res.bytes, res.content_type, res.final_url, res.etag) == (
            "new", rec["sha256"], "html", len(PAGE), "text/html; charset=utf-8", fresh, '"p1"')
        assert res.fetched_at == rec["fetched_at"] and store.lookup(fresh) == rec   # the record stands as made
        for url in (stale, gone, failed, big):
            assert not dl.fetch(url, allowed_hosts=hosts, allow_private=True).handed_over, url
        # a host the registry does not allow for this portal: refused as before, fresh record or not
        refused = dl.fetch(fresh, allowed_hosts=["gov.example"], allow_private=True)
        assert refused.status == "skipped" and not refused.handed_over
    assert {p: srv.hits[p] for p in ("/stale.html", "/gone.html", "/failed.html", "/big.html", "/fresh.html")} == {
        "/stale.html": 1, "/gone.html": 1, "/failed.html": 1, "/big.html": 1, "/fresh.html": 0}
    # asked conditionally, as every night: the 304 confirms the record, which is touched, not rewritten
    assert store.lookup(stale) == stale_rec and store.url_path(stale).stat().st_mtime_ns > 10**9

    # without `fresh_since` (a download not after a hand-over crawl) every URL is asked for
    store.remember(fresh, rec)
    with _dl(store) as dl:
        assert not dl.fetch(fresh, allowed_hosts=hosts, allow_private=True).handed_over
    assert srv.hits["/fresh.html"] == 1


def test_fresh_result_compares_times_not_strings(tmp_path):
    store = RawStore(tmp_path)
    url = "http://a.gov.cn/r.html"
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    rec = _crawled(store, url, at)
    assert fresh_result(store, url, rec, _iso(at)) is not None                       # at: fresh
    assert fresh_result(store, url, rec, _iso(at + timedelta(seconds=1))) is None     # before: not
    later_elsewhere = at.astimezone(timezone(timedelta(hours=8)))                     # same instant, +08:00
    assert fresh_result(store, url, rec, later_elsewhere.isoformat()) is not None
    assert fresh_result(store, url, rec, None) is None and fresh_result(store, url, rec, "garbage") is None
    assert fresh_result(store, url, {}, _iso(at)) is None


# -- whole nights on the demo portals ------------------------------------------------------------

def _report_pages(data_dir: Path, run_id: str) -> dict[tuple[str, str], str]:
    import json

    pages = {}
    for path in (data_dir / "runs" / run_id).glob("shards/*/items.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            if line.strip() and not (it := json.loads(line)).get("error"):
                u = urlsplit(it["page_url"])
                pages[(u.netloc, u.path + (f"?{u.query}" if u.query else ""))] = it["page_url"]
    return pages


def _night(demo, data_dir: Path, fast_options: dict, **crawl_settings) -> tuple[dict, Counter]:
    from flows.nightly import nightly

    n0 = len(demo.requests)
    options = {**fast_options, "crawl_settings": {**fast_options["crawl_settings"], **crawl_settings}}
    summary = nightly(registry=str(demo.registry_path), data_dir=str(data_dir), **options)
    gets = Counter((h, p) for h, m, p in demo.requests[n0:] if m == "GET")
    return summary, gets


DOCUMENT_FIELDS = "SELECT url, sha256, kind, portal_id, report_id, error, http_status, content_type, bytes, final_url " \
                  "FROM documents"


@pytest.mark.slow
def test_each_report_page_is_fetched_once_and_the_warehouse_is_unchanged(prefect_api, demo, tmp_path, fast_options,
                                                                       cells, query):
    # the night as it was: the crawler keeps nothing, the download fetches every page again
    before, before_gets = _night(demo, tmp_path / "before", fast_options, OGI_RAW_STORE="")
    pages = _report_pages(tmp_path / "before", before["run_id"])
    assert before["status"] == "ok" and len(pages) >= 50
    assert {before_gets[k] for k in pages} == {2}

    # with the hand-over: every report page the crawler read is requested exactly once in the night
    after, gets = _night(demo, tmp_path / "after", fast_options)
    assert after["status"] == "ok"
    assert _report_pages(tmp_path / "after", after["run_id"]) == pages
    assert {k: gets[k] for k in pages} == {k: 1 for k in pages}
    # the same URLs asked for; robots.txt at most as often (a host whose every document was handed
    # over is not asked for its robots.txt by the download). Listing pages may be asked for once more
    # or less from night to night (retries of the demo's flaky pages), so only these are counted.
    # Which 25 of the demo's endless calendar links the per-path query cap (OGI_MAX_QUERY_VARIANTS)
    # admits depends on the order the crawl meets them, so of those only their number is compared.
    def calendar(g: Counter) -> set:
        return {k for k in g if k[1].startswith("/calendar/?")}

    assert set(gets) - calendar(gets) == set(before_gets) - calendar(before_gets)
    assert len(calendar(gets)) == len(calendar(before_gets)) > 0
    assert all(1 <= gets[k] <= before_gets[k] for k in gets if k[1] == "/robots.txt")
    st = after["stats"]
    assert st["documents"] == before["stats"]["documents"] and st["documents_new"] == before["stats"]["documents_new"]
    assert st["bodies_received"] == before["stats"]["bodies_received"] - len(pages)

    # the same warehouse, cell for cell, and the same document provenance (status, type, size, final URL)
    want, got = tmp_path / "before" / "warehouse.duckdb", tmp_path / "after" / "warehouse.duckdb"
    assert cells(got) == cells(want)
    assert sorted(query(got, DOCUMENT_FIELDS), key=repr) == sorted(query(want, DOCUMENT_FIELDS), key=repr)
    # the crawler's records are the downloader's records (timestamps apart)
    old, new = RawStore(tmp_path / "before"), RawStore(tmp_path / "after")
    drop = ("checked_at", "fetched_at")
    for url in pages.values():
        a, b = old.lookup(url), new.lookup(url)
        assert {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}, url

    # a rerun with nothing changed converges: nothing new, the same warehouse; report pages the
    # crawler reads again (known items are re-emitted unread) are still asked for once
    again, again_gets = _night(demo, tmp_path / "after", fast_options)
    assert again["status"] == "ok"
    s2 = again["stats"]
    assert s2["documents_new"] == s2["documents_changed"] == 0 and s2["downloaded"] == 0
    assert s2["reports"] == st["reports"]
    assert max(again_gets[k] for k in pages) == 1
    assert cells(got) == cells(want)   # (a rerun records its 304s on failed documents: content only)
    assert not demo.forbidden_requests()
