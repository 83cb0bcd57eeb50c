"""The crawler hands the report pages it fetched over to the flows' raw store (issue 12, item 5).

With `-s OGI_RAW_STORE=<data dir>` every report page the crawler read goes into the raw store —
the bytes exactly as received (a gzip body served without Content-Encoding stays gzip, a page
nested too deep for lxml is stored as sent, not as the crawler flattened it) — with the URL
record the flow's downloader would have written for it, so the download after the crawl need not
ask for it again. The response never reaches the items feed. A real crawl (Scrapy in a
subprocess) of the hostile portal on loopback, and the pipeline and spider on saved responses.
"""
from __future__ import annotations

import gzip
import json

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawlers.items import FIELDS, ReportItem
from crawlers.pipelines import RawStoreHandoverPipeline
from crawlers.spiders.portals import PortalsSpider
from crawlers.urls import canonicalize
from flows.download import Downloader, Politeness, reset_politeness_state
from flows.rawstore import RawStore, sha256_of
from ogi.commands.crawl import run_crawl
from tests.crawlers.test_hostile_pages import (COUNTY, ERRORS, REPORTS, _Handler, _page, _site, plain,
                                              serve_hostile_portal)

# a report page with validators, a report linked as a file that names itself, one that moved
EXTRA = {
    "/xxgk/nb/etag.html": f"{COUNTY}人社局2023年政府信息公开工作年度报告",
    "/xxgk/nb/down.jsp?id=9": f"{COUNTY}卫健委2023年政府信息公开工作年度报告",
    "/xxgk/nb/moved.jsp?id=3": f"{COUNTY}住建局2023年政府信息公开工作年度报告",
}
HEADERS = {
    "/xxgk/nb/etag.html": {"ETag": '"v1-etag"', "Last-Modified": "Mon, 15 Jan 2024 08:00:00 GMT"},
    "/xxgk/nb/down.jsp?id=9": {"Content-Disposition":
                               "attachment; filename*=UTF-8''%E5%8D%AB%E5%81%A5%E5%A7%94%E5%B9%B4%E6%8A%A5.pdf",
                               "ETag": '"pdf-9"'},
}
CAP = 2_000_000   # the downloader's size cap in this test: the Word paste (3.5 MB) is over it, 100k <div> not


class _HeaderHandler(_Handler):
    """The hostile portal's server, with extra response headers per path."""

    def send_header(self, keyword, value):
        super().send_header(keyword, value)
        if keyword == "Content-Type":
            for k, v in HEADERS.get(self.path, {}).items():
                super().send_header(k, v)


def _handover_site(wall_base: str) -> dict:
    site = _site(wall_base)
    site["/xxgk/nb/etag.html"] = (200, "text/html; charset=utf-8",
                                  plain(EXTRA["/xxgk/nb/etag.html"], "/xxgk/nb/P020240120.pdf").encode())
    site["/xxgk/nb/down.jsp?id=9"] = (200, "application/octet-stream", b"%PDF-1.7\n% down 9\n%%EOF\n")
    site["/xxgk/nb/moved.jsp?id=3"] = (302, "text/html", b"", "/xxgk/nb/down.jsp?id=3")
    site["/xxgk/nb/down.jsp?id=3"] = (200, "application/pdf", b"%PDF-1.7\n% down 3\n%%EOF\n")
    links = list(REPORTS.items()) + list(EXTRA.items()) + [
        (p.replace("WALL", wall_base), t) for p, (t, _) in ERRORS.items()]
    listing = "".join(f'<li><a href="{p}" title="{t}">{t}</a></li>' for p, t in links)
    site["/xxgk/nb/"] = (200, "text/html; charset=utf-8",
                         _page("政府信息公开年报", f'<ul class="list">{listing}</ul>').encode())
    return site


@pytest.fixture(scope="module")
def handover_crawl(tmp_path_factory):
    """Crawl the portal handing over into <tmp>/data; then (servers still up) fetch every report
    page with the flow's downloader into <tmp>/dl, as the flow did before the hand-over."""
    tmp = tmp_path_factory.mktemp("handover")
    srv, wall, base, wall_base, site, reg = serve_hostile_portal(tmp, _handover_site, "127.0.0.83", "127.0.0.84",
                                                                _HeaderHandler)
    hosts = [base[7:], wall_base[7:]]
    out = tmp / "items.jsonl"
    try:
        rc, stats = run_crawl(str(reg), None, out, fast=True,
                              settings=[f"OGI_RAW_STORE={tmp / 'data'}", f"OGI_RAW_STORE_MAX_BYTES={CAP}"])
        lines = [line for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        items = [json.loads(line) for line in lines]
        reset_politeness_state()
        pol = Politeness(delay_s=0.0, per_host=4, timeout_s=10.0, retries=0, max_bytes=CAP)
        with Downloader(RawStore(tmp / "dl"), pol) as dl:
            for it in items:
                if not it.get("error"):
                    dl.fetch(it["page_url"], allowed_hosts=hosts, allow_private=True)
    finally:
        srv.shutdown()
        wall.shutdown()
        reset_politeness_state()
    return {"base": base, "site": site, "rc": rc, "stats": stats, "items": items, "lines": lines,
            "crawled": RawStore(tmp / "data"), "downloaded": RawStore(tmp / "dl")}


def _body(run, url: str) -> bytes:
    path = url[len(run["base"]):]
    return run["site"][path][2]


def test_report_bodies_are_stored_as_received(handover_crawl):
    run = handover_crawl
    assert run["rc"] == 0 and run["stats"]["hostile"]["reports"] == len(REPORTS) + len(EXTRA)
    store = run["crawled"]
    reports = [i for i in run["items"] if not i["error"]]
    assert len(reports) == len(REPORTS) + len(EXTRA)
    stored = 0
    for it in reports:
        url = it["page_url"]
        rec = store.lookup(url)
        if url.endswith("/font.html"):   # 3.5 MB: over the cap, left to the downloader
            assert len(_body(run, url)) > CAP and rec is None
            continue
        if url.endswith("/moved.jsp?id=3"):   # the redirect's target holds the bytes
            data = run["site"]["/xxgk/nb/down.jsp?id=3"][2]
        else:
            data = _body(run, url)
        assert rec is not None, url
        assert store.get(rec["sha256"]) == data, url   # byte for byte: gzip stays gzip, deep pages unflattened
        assert rec["sha256"] == sha256_of(data) and rec["bytes"] == len(data)
        assert rec["last_status"] == "new" and rec["last_http_status"] == 200 and rec["checked_at"]
        stored += 1
    assert stored == len(reports) - 1
    gz = store.lookup(run["base"] + "/xxgk/nb/gzip.html")
    assert store.get(gz["sha256"])[:2] == b"\x1f\x8b"   # as sent: the crawler read it inflated
    # links judged reports that gave none (wall, 404, loop, no report): nothing stored for them
    for it in run["items"]:
        if it["error"]:
            assert store.lookup(it["page_url"]) is None, it["page_url"]


def test_records_are_what_the_downloader_writes(handover_crawl):
    """The crawler's URL record of each report page equals the downloader's for the same page
    (one implementation: flows.fetched), timestamps apart."""
    run = handover_crawl
    crawled, downloaded = run["crawled"], run["downloaded"]
    compared = 0
    for it in run["items"]:
        if it["error"] or it["page_url"].endswith("/font.html"):
            continue
        a, b = crawled.lookup(it["page_url"]), downloaded.lookup(it["page_url"])
        assert b is not None and b["last_status"] == "new", it["page_url"]
        drop = ("checked_at", "fetched_at")
        assert {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}, \
            it["page_url"]
        assert crawled.blob_meta(a["sha256"])["format"] == downloaded.blob_meta(b["sha256"])["format"]
        compared += 1
    assert compared == len(REPORTS) + len(EXTRA) - 1
    etag = crawled.lookup(run["base"] + "/xxgk/nb/etag.html")
    assert etag["etag"] == '"v1-etag"' and etag["last_modified"] == "Mon, 15 Jan 2024 08:00:00 GMT"
    named = crawled.lookup(canonicalize(run["base"] + "/xxgk/nb/down.jsp?id=9"))
    assert named["filename"] == "卫健委年报.pdf" and named["format"] == "pdf"
    moved = crawled.lookup(canonicalize(run["base"] + "/xxgk/nb/moved.jsp?id=3"))
    assert moved["final_url"].endswith("/xxgk/nb/down.jsp?id=3")


def test_the_items_feed_carries_no_body(handover_crawl):
    for line, item in zip(handover_crawl["lines"], handover_crawl["items"]):
        assert set(item) == set(FIELDS)
        assert "%PDF" not in line and "response" not in item


# -- the pipeline and the spider on saved responses ----------------------------------------------

def _item(url="http://a.gov.cn/xxgk/nb/r.html", **extra) -> ReportItem:
    return ReportItem(**{"id": "x", "portal_id": "p", "page_url": url, "attachment_urls": [],
                         "title": "示范县2023年年报", "agency": None, "year": 2023, "published": None,
                         "listing_url": None, "error": None, "discovered_at": "2024-01-01T00:00:00+00:00", **extra})


def _pipeline(tmp_path, **settings):
    crawler = get_crawler(PortalsSpider, settings)
    return RawStoreHandoverPipeline.from_crawler(crawler), crawler


def _resp(body: bytes, url="http://a.gov.cn/xxgk/nb/r.html", status=200, **headers):
    return Response(url, status=status, body=body, request=Request(url),
                    headers={"Content-Type": "text/html; charset=utf-8", **headers})


def test_pipeline_stores_the_exact_bytes_and_strips_the_response(tmp_path):
    pipe, crawler = _pipeline(tmp_path, OGI_RAW_STORE=str(tmp_path))
    body = "<html><head><meta charset=gbk></head><body>年报</body></html>".encode("gbk") + b"\r\n\x00 "
    out = pipe.process_item(_item(response=_resp(body, ETag='"e1"')))
    assert "response" not in out and dict(out)["title"] == "示范县2023年年报"
    store = RawStore(tmp_path)
    rec = store.lookup("http://a.gov.cn/xxgk/nb/r.html")
    assert store.get(rec["sha256"]) == body and rec["etag"] == '"e1"' and rec["last_status"] == "new"
    assert rec["content_type"] == "text/html; charset=utf-8" and rec["format"] == "html"
    assert rec["final_url"] == "http://a.gov.cn/xxgk/nb/r.html" and rec["filename"] == "r.html"
    # the same bytes again: unchanged; other bytes: changed (against the prior record, as downloads are)
    pipe.process_item(_item(response=_resp(body)))
    assert store.lookup("http://a.gov.cn/xxgk/nb/r.html")["last_status"] == "unchanged"
    pipe.process_item(_item(response=_resp(body + b"<!-- v2 -->")))
    rec2 = store.lookup("http://a.gov.cn/xxgk/nb/r.html")
    assert rec2["last_status"] == "changed" and rec2["sha256"] != rec["sha256"]
    assert store.has(rec["sha256"]) and store.has(rec2["sha256"])
    assert crawler.stats.get_value("ogi/handover/stored") == 3


def test_pipeline_leaves_oversize_and_error_pages_to_the_downloader(tmp_path):
    pipe, crawler = _pipeline(tmp_path, OGI_RAW_STORE=str(tmp_path), OGI_RAW_STORE_MAX_BYTES=100)
    big = _item(response=_resp(b"x" * 101))
    assert "response" not in pipe.process_item(big)
    ok = _item(url="http://a.gov.cn/ok.html", response=_resp(b"y" * 100, url="http://a.gov.cn/ok.html"))
    pipe.process_item(ok)
    bad = _item(url="http://a.gov.cn/bad.html", error="no report on the page",
                response=_resp(b"<html></html>", url="http://a.gov.cn/bad.html"))
    assert "response" not in pipe.process_item(bad)
    store = RawStore(tmp_path)
    assert store.lookup("http://a.gov.cn/xxgk/nb/r.html") is None      # 101 bytes > 100
    assert store.lookup("http://a.gov.cn/ok.html")["bytes"] == 100
    assert store.lookup("http://a.gov.cn/bad.html") is None
    assert crawler.stats.get_value("ogi/handover/too_large") == 1
    assert sorted(p.name for p in (tmp_path / "raw").glob("??/*") if not p.name.endswith(".json")) == \
        [sha256_of(b"y" * 100)]


def test_pipeline_without_a_raw_store_only_strips(tmp_path):
    pipe, _ = _pipeline(tmp_path)
    out = pipe.process_item(_item(response=_resp(b"<html>r</html>")))
    assert "response" not in out and not (tmp_path / "raw").exists()


REPORT_PAGE = (f"<html><head><meta charset='utf-8'><title>{COUNTY}2023年政府信息公开工作年度报告</title></head><body>"
               f"<h1>{COUNTY}2023年政府信息公开工作年度报告</h1><div class='TRS_Editor'>"
               "<p>一、总体情况</p><p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>"
               "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>"
               "</div></body></html>")


def _spider(tmp_path, **settings):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "p,示范,浙江,county,330212,http://a.gov.cn/,\n", encoding="utf-8")
    return PortalsSpider.from_crawler(get_crawler(PortalsSpider, settings_dict=settings), registry=str(reg))


def _page_response(url: str, body: bytes, ctype="text/html; charset=utf-8", **meta):
    req = Request(url, meta={"portal": "p", "ogi_depth": 1, "ogi_ctx": "column", "ogi_hint": "", **meta})
    cls = HtmlResponse if ctype.startswith("text/html") else Response
    return cls(url, body=body, headers={"Content-Type": ctype}, request=req)


def _items(spider, response):
    return [o for o in spider.parse(response) if isinstance(o, ReportItem)]


def test_the_spider_attaches_the_response_as_received(tmp_path):
    spider = _spider(tmp_path, OGI_RAW_STORE=str(tmp_path))
    plain_resp = _page_response("http://a.gov.cn/nb/r.html", REPORT_PAGE.encode())
    (item,) = _items(spider, plain_resp)
    assert item["response"] is plain_resp
    # a gzip body served without Content-Encoding: read inflated, handed over as received
    gz = gzip.compress(REPORT_PAGE.encode())
    gz_resp = _page_response("http://a.gov.cn/nb/g.html", gz, ctype="text/html")
    (item,) = _items(spider, gz_resp)
    assert item["response"].body == gz and item["error"] is None
    # a page the opt-in browser rendered is not what the server sent: not handed over
    rendered = _page_response("http://a.gov.cn/nb/b.html", REPORT_PAGE.encode(), ogi_browser=True)
    (item,) = _items(spider, rendered)
    assert "response" not in item


def test_the_spider_attaches_nothing_without_a_raw_store(tmp_path):
    spider = _spider(tmp_path)
    (item,) = _items(spider, _page_response("http://a.gov.cn/nb/r.html", REPORT_PAGE.encode()))
    assert "response" not in item
