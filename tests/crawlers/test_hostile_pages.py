"""Hostile report pages never vanish without a trace (issue 11 item 4).

A real crawl (Scrapy in a subprocess) of a portal on loopback whose report column links to pages
portals really serve: 100k unclosed <font> from a Word paste, 100k nested <div>, gzip bodies served
without Content-Encoding, a bot-wall challenge (200 and 521), a dead link and a page that is no report.
Every link the crawler judged a report ends as a report item or as an item with `error`, and the
portal's stats count the errors. The pages are generated here; `ogi parse` (parsers.parse_bytes) of
the same bytes gives the same title the crawler recorded.
"""
from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy.http import HtmlResponse, Request, Response

from crawlers import pages
from crawlers.urls import canonicalize
from ogi.commands.crawl import run_crawl

DEPTH = 100_000
COUNTY = "示范县"
SKELETON = ("<p>一、总体情况</p><p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>"
            "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>"
            "<p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>")


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{COUNTY}人民政府</title>{head}</head>'
            f'<body><div class="position"><a href="/">首页</a> &gt; <a href="/xxgk/nb/">政府信息公开年报</a></div>'
            f"{body}</body></html>")


def word_paste(title: str, pdf: str) -> str:
    """A report pasted from Word: every run opens a <font> that is never closed; the heading, the
    sections and the attachment come after the nesting."""
    runs = "".join(f'<font face="仿宋_GB2312" size="3">{"统计" if i % 1000 == 0 else ""}' for i in range(DEPTH))
    return _page(title, f'<div class="TRS_Editor">{runs}<h1>{title}</h1>{SKELETON}'
                        f'<p>附件：<a href="{pdf}">{title}.pdf</a></p></div>')


def nested_divs(title: str, pdf: str) -> str:
    """100k nested <div>, the report in the innermost one."""
    return _page(title, "<div>" * DEPTH + f'<h1>{title}</h1>{SKELETON}<a href="{pdf}">附件下载</a>' + "</div>" * DEPTH)


def plain(title: str, pdf: str) -> str:
    return _page(title, f'<h1>{title}</h1><div class="TRS_Editor">{SKELETON}<a href="{pdf}">附件下载</a></div>')


CHALLENGE = ('<html><head><meta charset="utf-8"></head><body><script>var _0x1=["__jsl_clearance"];'
             'document.cookie="__jsl_clearance=1607584536.33|0|abc;max-age=3600;path=/";'
             'location.href=location.pathname+location.search;</script></body></html>')

# report pages (path -> title) and links judged reports that give none (path -> (title, cause of the error))
REPORTS = {
    "/xxgk/nb/font.html": f"{COUNTY}财政局2023年政府信息公开工作年度报告",
    "/xxgk/nb/div.html": f"{COUNTY}教育局2023年政府信息公开工作年度报告",
    "/xxgk/nb/gzip.html": f"{COUNTY}水利局2023年政府信息公开工作年度报告",
    "/xxgk/nb/gzip-octet": f"{COUNTY}审计局2023年政府信息公开工作年度报告",
    "/xxgk/nb/show.jsp?id=7": f"{COUNTY}农业农村局2023年政府信息公开工作年度报告",   # the link is the file
}
ERRORS = {
    "/xxgk/nb/wall.html": (f"{COUNTY}民政局2023年政府信息公开工作年度报告", "bot challenge"),
    "/xxgk/nb/gone.html": (f"{COUNTY}商务局2023年政府信息公开工作年度报告", "HTTP 404"),
    "/xxgk/nb/other.html": (f"{COUNTY}司法局2023年政府信息公开工作年度报告", "no report on the page"),
    # a redirect loop: Scrapy's duplicate filter would drop its second hop without a word
    "/xxgk/nb/loop.html": (f"{COUNTY}统计局2023年政府信息公开工作年度报告", "redirect loop"),
    "WALL/xxgk/nb/walled.html": (f"{COUNTY}文旅局2023年政府信息公开工作年度报告", "bot challenge (HTTP 521"),
}


def _site(wall_base: str) -> dict[str, tuple[int, str, bytes]]:
    pdf = "/xxgk/nb/P020240120.pdf"
    pages_ = {
        "/": (200, "text/html; charset=utf-8", _page(f"{COUNTY}人民政府", '<a href="/xxgk/nb/">政府信息公开年报</a>').encode()),
        "/xxgk/nb/font.html": (200, "text/html; charset=utf-8", word_paste(REPORTS["/xxgk/nb/font.html"], pdf).encode()),
        "/xxgk/nb/div.html": (200, "text/html; charset=utf-8", nested_divs(REPORTS["/xxgk/nb/div.html"], pdf).encode()),
        "/xxgk/nb/gzip.html": (200, "text/html", gzip.compress(plain(REPORTS["/xxgk/nb/gzip.html"], pdf).encode())),
        "/xxgk/nb/gzip-octet": (200, "application/octet-stream",
                                gzip.compress(plain(REPORTS["/xxgk/nb/gzip-octet"], pdf).encode())),
        "/xxgk/nb/wall.html": (200, "text/html; charset=utf-8", CHALLENGE.encode()),
        "/xxgk/nb/other.html": (200, "text/html; charset=utf-8",
                                _page("栏目建设中", "<p>本栏目正在建设中，敬请期待。</p>").encode()),   # no article
        pdf: (200, "application/pdf", b"%PDF-1.4\n%%EOF\n"),
        "/xxgk/nb/show.jsp?id=7": (200, "application/octet-stream", b"%PDF-1.7\n%%EOF\n"),
        "/xxgk/nb/loop.html": (302, "text/html", b"", "/xxgk/nb/loop2.html"),
        "/xxgk/nb/loop2.html": (302, "text/html", b"", "/xxgk/nb/loop.html"),
    }
    links = [(p, t) for p, t in REPORTS.items()] + [
        (p.replace("WALL", wall_base), t) for p, (t, _) in ERRORS.items()]
    listing = "".join(f'<li><a href="{p}" title="{t}">{t}</a></li>' for p, t in links)
    pages_["/xxgk/nb/"] = (200, "text/html; charset=utf-8",
                           _page("政府信息公开年报", f'<ul class="list">{listing}</ul>').encode())
    return pages_


class _Handler(BaseHTTPRequestHandler):
    site: dict = {}
    wall = False

    def do_GET(self):  # noqa: N802
        if self.wall:
            status, ctype, body, location = 521, "text/html", CHALLENGE.encode(), []
        else:
            status, ctype, body, *location = self.site.get(self.path, (404, "text/html", b"<html><body>404</body></html>"))
        self.send_response(status)
        for target in location:
            self.send_header("Location", target)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(host: str, handler: type = _Handler, **attrs):
    srv = ThreadingHTTPServer((host, 0), type("H", (handler,), attrs))
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def serve_hostile_portal(tmp, site_for, host: str, wall_host: str, handler: type = _Handler):
    """The hostile portal on loopback: its anti-bot wall on `wall_host`, the site `site_for(wall_base)`
    on `host`, and a one-portal registry in `tmp`. Returns (srv, wall, base, wall_base, site, registry)."""
    wall = _serve(wall_host, handler, wall=True)
    wall_base = f"http://{wall_host}:{wall.server_address[1]}"
    site = site_for(wall_base)
    srv = _serve(host, handler, site=site)
    base = f"http://{host}:{srv.server_address[1]}"
    reg = tmp / "registry.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   f"hostile,{COUNTY}人民政府,浙江,county,330212,{base}/,{base[7:]} {wall_base[7:]}\n", encoding="utf-8")
    return srv, wall, base, wall_base, site, reg


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    srv, wall, base, wall_base, site, reg = serve_hostile_portal(tmp, _site, "127.0.0.77", "127.0.0.78")
    out = tmp / "items.jsonl"
    try:
        rc, stats = run_crawl(str(reg), None, out, fast=True)
    finally:
        srv.shutdown()
        wall.shutdown()
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return base, wall_base, site, rc, stats, items


def test_every_judged_link_ends_as_a_report_or_an_error(hostile_crawl):
    base, wall_base, _, _, stats, items = hostile_crawl
    by_url = {i["page_url"]: i for i in items}
    for path, title in REPORTS.items():
        item = by_url.get(canonicalize(base + path))
        assert item is not None, f"{path} vanished"
        assert item["error"] is None
        assert item["title"] == title
        assert item["year"] == 2023
        assert item["agency"] == title[:title.index("2023")]
        the_file = path if "show.jsp" in path else "/xxgk/nb/P020240120.pdf"   # show.jsp answers with the PDF itself
        assert item["attachment_urls"] == [canonicalize(base + the_file)], path
    for path, (title, cause) in ERRORS.items():
        url = canonicalize(path.replace("WALL", wall_base) if path.startswith("WALL") else base + path)
        item = by_url.get(url)
        assert item is not None, f"{path} vanished"
        assert item["error"] and item["error"].startswith(cause), item["error"]
        assert item["title"] == title and item["attachment_urls"] == []
    assert len(items) == len(REPORTS) + len(ERRORS)
    s = stats["hostile"]
    assert s["status"] == "ok" and s["reports"] == len(REPORTS)
    assert s["report_errors"] == len(ERRORS) and s["errors"] >= len(ERRORS)


def test_the_crawler_reads_the_title_ogi_parse_reads(hostile_crawl):
    from parsers import parse_bytes

    base, _, site, _, _, items = hostile_crawl
    by_url = {i["page_url"]: i for i in items}
    for path in ("/xxgk/nb/font.html", "/xxgk/nb/div.html", "/xxgk/nb/gzip.html"):
        parsed = parse_bytes(site[path][2], filename=path.rsplit("/", 1)[1])
        assert parsed.title == by_url[canonicalize(base + path)]["title"]


# --- the same reading without a crawl ------------------------------------------------------------

def _response(body: bytes, url="http://a.gov.cn/xxgk/nb/r.html", ctype="text/html; charset=utf-8"):
    cls = HtmlResponse if ctype.startswith("text/html") else Response
    return cls(url, body=body, headers={"Content-Type": ctype}, request=Request(url))


@pytest.mark.parametrize("make", [word_paste, nested_divs])
def test_deep_pages_keep_their_links_and_title(make):
    html = make("示范县2023年政府信息公开工作年度报告", "/f.pdf")
    raw = _response(html.encode())
    assert "/f.pdf" not in raw.xpath("//a/@href").getall()      # lxml alone stops at its depth limit
    resp = pages.readable_response(raw)
    assert pages.page_title(resp.selector) == "示范县2023年政府信息公开工作年度报告"
    assert pages.extract_attachments(resp.selector, resp.url) == ["http://a.gov.cn/f.pdf"]
    assert "其他需要报告的事项" in pages.page_text(resp.selector)


def test_shallow_pages_are_read_as_they_are():
    raw = _response(plain("示范县2023年政府信息公开工作年度报告", "/f.pdf").encode())
    assert pages.readable_response(raw) is raw


@pytest.mark.parametrize("ctype", ["text/html", "application/octet-stream", "application/x-gzip"])
def test_gzip_bodies_without_content_encoding_are_inflated(ctype):
    html = plain("示范县2023年政府信息公开工作年度报告", "/f.pdf").encode()
    resp = pages.readable_response(_response(gzip.compress(html), ctype=ctype))
    assert isinstance(resp, HtmlResponse)
    assert pages.page_title(resp.selector) == "示范县2023年政府信息公开工作年度报告"


def test_damaged_gzip_is_a_clear_error():
    with pytest.raises(pages.UnreadablePage, match="gzip"):
        pages.readable_response(_response(b"\x1f\x8b\x08\x00" + b"not a deflate stream" * 10))


def test_challenge_pages_are_named():
    resp = _response(CHALLENGE.encode())
    assert pages.challenge_of(resp, pages.page_text(resp.selector))
    report = _response(plain("示范县2023年政府信息公开工作年度报告", "/f.pdf").encode())
    assert pages.challenge_of(report, pages.page_text(report.selector)) is None
