"""Reports filed outside any 年报 column are reached through the site's sitemap (crawlers/sitemaps.py).

A real crawl (Scrapy in a subprocess) of two loopback portals whose reports sit under 政策文件 and are
linked from no listing: one declares its sitemaps in robots.txt (an index, a gzip sitemap, titles in
<news:title>), the other has only the conventional /sitemap.xml (plain text). Sitemap pages are judged,
never navigated; off-registry entries are never requested.
"""
from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawlers.sitemaps import Entry, judge_entry, read_sitemap, robots_sitemaps, sitemap_candidates
from crawlers.urls import canonicalize
from ogi.commands.crawl import run_crawl

SKELETON = ("<p>一、总体情况</p><p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>"
            "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>")


def _html(title: str, body: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a></div>{body}</body></html>').encode()


def _report(title: str) -> bytes:
    return _html(title, f'<h1>{title}</h1><div class="TRS_Editor">{SKELETON}</div>')


def _urlset(entries) -> bytes:
    rows = "".join(f"<url><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "")
                   + (f"<news:news><news:title>{title}</news:title></news:news>" if title else "") + "</url>"
                   for loc, mod, title in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{rows}</urlset>').encode()


A_REPORT = "示范县2023年政府信息公开工作年度报告"
A_TITLED = "示范县审计局2023年政府信息公开工作年度报告"
B_REPORT = "示范镇2023年政府信息公开工作年度报告"


def _portal_a(base: str) -> dict[str, tuple[int, str, bytes]]:
    s1 = _urlset([
        (f"{base}/zcwj/202401/t20240125_1.html", "2024-01-25", ""),                 # untitled, due season: fetched
        (f"{base}/zcwj/202306/t20230615_2.html", "2023-06-15", ""),                 # untitled, June: not fetched
        (f"{base}/tzgg/202402/t20240201_3.html", "2024-02-01", ""),                 # fetched, no report, not navigated
        ("http://evil.example.com/copy/t20240125_9.html", "2024-01-25", ""),        # never: off the registry
    ])
    s2 = _urlset([
        (f"{base}/zcwj/202405/t20240510_4.html", "2024-05-10", A_TITLED),           # the title names a report
        (f"{base}/zcwj/202405/t20240511_5.html", "2024-05-11", "示范县水利局2023年政府信息公开工作年度报告"),  # 404
        (f"{base}/zcwj/202401/t20240120_6.html", "2024-01-20", "关于做好2023年度政府信息公开工作年度报告编制的通知"),
    ])
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{base}/sitemap_1.xml</loc></sitemap><sitemap><loc>{base}/sitemap_2.xml.gz</loc></sitemap>"
             "<sitemap><loc>http://evil.example.com/sitemap.xml</loc></sitemap></sitemapindex>").encode()
    return {
        "/robots.txt": (200, "text/plain", f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n".encode()),
        "/": (200, "text/html", _html("示范县人民政府", '<a href="/xwzx/">新闻中心</a>')),
        "/xwzx/": (200, "text/html", _html("新闻中心", "<ul><li>暂无信息</li></ul>")),
        "/sitemap_index.xml": (200, "application/xml", index),
        "/sitemap_1.xml": (200, "application/xml", s1),
        "/sitemap_2.xml.gz": (200, "application/x-gzip", gzip.compress(s2)),
        "/zcwj/202401/t20240125_1.html": (200, "text/html", _report(A_REPORT)),
        "/zcwj/202306/t20230615_2.html": (200, "text/html", _report("示范县2022年政府信息公开工作年度报告")),
        "/tzgg/202402/t20240201_3.html": (200, "text/html", _html("春节假期安排", '<p>通知</p><a href="/zwgk/nb/">政府信息公开年报</a>')),
        "/zcwj/202405/t20240510_4.html": (200, "text/html", _report(A_TITLED)),
        "/zcwj/202401/t20240120_6.html": (200, "text/html", _html("通知", "<p>通知</p>")),
    }


def _portal_b(base: str) -> dict[str, tuple[int, str, bytes]]:
    return {
        "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/": (200, "text/html", _html("示范镇人民政府", "<p>欢迎</p>")),
        "/sitemap.xml": (200, "text/plain", f"{base}/\n{base}/xxgk/2024-01/article_1.html\n".encode()),
        "/xxgk/2024-01/article_1.html": (200, "text/html", _report(B_REPORT)),
    }


class _Handler(BaseHTTPRequestHandler):
    site: dict = {}
    log: list = []

    def do_GET(self):  # noqa: N802
        self.log.append(self.path)
        status, ctype, body = self.site.get(self.path, (404, "text/html", b"<html><body>404</body></html>"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(host: str, build):
    handler = type("H", (_Handler,), {"site": {}, "log": []})
    srv = ThreadingHTTPServer((host, 0), handler)
    srv.daemon_threads = True
    base = f"http://{host}:{srv.server_address[1]}"
    handler.site.update(build(base))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, base, handler.log


@pytest.fixture(scope="module")
def sitemap_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sitemap")
    a, base_a, log_a = _serve("127.0.0.79", _portal_a)
    b, base_b, log_b = _serve("127.0.0.80", _portal_b)
    reg = tmp / "registry.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   f"sa,示范县人民政府,浙江,county,330212,{base_a}/,\n"
                   f"sb,示范镇人民政府,浙江,county,330213,{base_b}/,\n", encoding="utf-8")
    out = tmp / "items.jsonl"
    try:
        rc, stats = run_crawl(str(reg), None, out, fast=True)
    finally:
        a.shutdown()
        b.shutdown()
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return base_a, base_b, log_a, log_b, stats, items


def test_reports_outside_any_column_are_found_through_the_sitemap(sitemap_crawl):
    base_a, base_b, log_a, log_b, stats, items = sitemap_crawl
    reports = {i["page_url"]: i for i in items if not i["error"]}
    assert set(reports) == {canonicalize(base_a + "/zcwj/202401/t20240125_1.html"),
                            canonicalize(base_a + "/zcwj/202405/t20240510_4.html"),
                            canonicalize(base_b + "/xxgk/2024-01/article_1.html")}
    assert reports[canonicalize(base_a + "/zcwj/202405/t20240510_4.html")]["title"] == A_TITLED
    assert reports[canonicalize(base_a + "/zcwj/202401/t20240125_1.html")]["year"] == 2023
    assert reports[canonicalize(base_a + "/zcwj/202401/t20240125_1.html")]["listing_url"] == \
        canonicalize(base_a + "/sitemap_1.xml")
    # a link the sitemap's title judged a report that is gone: recorded, not lost
    errors = {i["page_url"]: i["error"] for i in items if i["error"]}
    assert errors == {canonicalize(base_a + "/zcwj/202405/t20240511_5.html"): "HTTP 404"}
    assert stats["sa"]["status"] == stats["sb"]["status"] == "ok"
    assert stats["sa"]["errors"] == 1 and stats["sb"]["errors"] == 0   # a missing sitemap is no error


def test_sitemaps_are_bounded_and_allow_listed(sitemap_crawl):
    _, _, log_a, log_b, _, _ = sitemap_crawl
    assert "/sitemap_index.xml" in log_a and "/sitemap_2.xml.gz" in log_a
    assert "/sitemap.xml" not in log_a                     # robots.txt declared its sitemaps
    assert "/sitemap.xml" in log_b                          # the conventional place otherwise
    assert log_a.count("/robots.txt") == 1                  # read once (the robots middleware's copy)
    assert "/zcwj/202306/t20230615_2.html" not in log_a     # untitled and out of the report season
    assert "/zcwj/202401/t20240120_6.html" not in log_a     # its title is a look-alike
    assert "/tzgg/202402/t20240201_3.html" in log_a         # judged by the page …
    assert "/zwgk/nb/" not in log_a                         # … and never navigated from


# --- pure parts -------------------------------------------------------------------------------

def test_robots_sitemap_lines():
    text = "User-agent: *\nDisallow: /x/\nsitemap: /sm.xml # ours\nSITEMAP: http://a.gov.cn/b.xml\nSitemap:\n"
    assert robots_sitemaps(text, "http://a.gov.cn/robots.txt") == ["http://a.gov.cn/sm.xml", "http://a.gov.cn/b.xml"]


def test_read_sitemap_forms():
    kind, entries = read_sitemap(_urlset([("http://a.gov.cn/1.html", "2024-01-02", "标题")]))
    assert kind == "urlset" and entries == [Entry("http://a.gov.cn/1.html", "标题", "2024-01-02")]
    kind, entries = read_sitemap(b'<sitemapindex><sitemap><loc>http://a.gov.cn/s1.xml</loc></sitemap></sitemapindex>')
    assert kind == "index" and [e.loc for e in entries] == ["http://a.gov.cn/s1.xml"]
    assert read_sitemap(b"http://a.gov.cn/1.html\nnot a url\n") == ("text", [Entry("http://a.gov.cn/1.html")])
    assert read_sitemap(b"<html><body>404</body></html>") == ("", [])
    assert read_sitemap(b"\x00\xff garbage") == ("", [])
    assert len(read_sitemap(_urlset([(f"http://a.gov.cn/{n}.html", "", "") for n in range(50)]), max_entries=7)[1]) == 7


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("http://a.gov.cn/LEAKED.html", encoding="utf-8")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<urlset><url><loc>&x;</loc></url></urlset>').encode()
    _, entries = read_sitemap(xxe)
    assert not any("LEAKED" in e.loc for e in entries)


@pytest.mark.parametrize("entry, verdict", [
    (Entry("http://a.gov.cn/x/1.html", "示范县2023年政府信息公开工作年度报告"), "report"),
    (Entry("http://a.gov.cn/x/1.html", "政府信息公开年报"), "candidate"),
    (Entry("http://a.gov.cn/x/1.html", "一图读懂示范县2023年政府信息公开工作年度报告"), None),
    (Entry("http://a.gov.cn/x/1.html", "春节假期安排", "2024-01-20"), None),        # a title says what it is
    (Entry("http://a.gov.cn/zfxxgk/xxgknb/1.html"), "candidate"),                   # a report column
    (Entry("http://a.gov.cn/zcwj/202401/t20240125_1.html"), "candidate"),          # January: report season
    (Entry("http://a.gov.cn/zcwj/1.html", lastmod="2024-03-31T08:00:00+08:00"), "candidate"),
    (Entry("http://a.gov.cn/zcwj/202406/t20240615_1.html"), None),
    (Entry("http://a.gov.cn/zcwj/1.html"), None),
])
def test_judge_entry(entry, verdict):
    assert judge_entry(entry) == verdict


def test_candidates_are_capped_allow_listed_and_ranked():
    entries = [Entry(f"http://a.gov.cn/zcwj/2024{m:02d}/t2024{m:02d}01_{m}.html") for m in (1, 2, 3)]
    entries += [Entry("http://evil.example.com/zfxxgk/xxgknb/1.html", "示范县2023年政府信息公开工作年度报告"),
                Entry("http://a.gov.cn/zfxxgk/xxgknb/1.html"),
                Entry("http://a.gov.cn/x/9.html", "示范县2023年政府信息公开工作年度报告")]
    allows = lambda url: url.startswith("http://a.gov.cn/")   # noqa: E731
    got = [e.loc for e, _ in sitemap_candidates(entries, allows, 4)]
    assert got == ["http://a.gov.cn/x/9.html", "http://a.gov.cn/zfxxgk/xxgknb/1.html",
                   "http://a.gov.cn/zcwj/202403/t20240301_3.html", "http://a.gov.cn/zcwj/202402/t20240201_2.html"]
