"""The platform families of the real sample (issue 9): every report on each imitation portal is
found, nothing else is, no forbidden request is made, and the portal's platform is recognised."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.spiders.base.orgyear import offered_years
from crawlers.spiders.portals import PortalsSpider
from ogi.commands.crawl import run_crawl
from ogi.demo.portals import BUILDERS, EXPECTED_PLATFORM, FAMILY_BUILDERS
from ogi.demo.server import DemoPortals

FAMILIES = list(FAMILY_BUILDERS)
NEW_IN_DEMO = ["demo-hanwebjy", "demo-gdcolumn", "demo-anhui"]


class Run:
    def __init__(self, demo, items, stats, rc, seconds):
        self.demo, self.items, self.stats, self.rc, self.seconds = demo, items, stats, rc, seconds

    def found(self, pid):
        return {i["page_url"] for i in self.items if i["portal_id"] == pid}

    def paths(self, pid):
        host = urlsplit(self.demo.sites[pid].bases["www"]).netloc
        return [(m, p) for h, m, p in self.demo.requests if h == host]


@pytest.fixture(scope="module")
def family_crawl(tmp_path_factory):
    base = tmp_path_factory.mktemp("families")
    with DemoPortals(base_dir=base, builders=FAMILY_BUILDERS, first_octet=120) as demo:
        out = base / "items.jsonl"
        t0 = time.monotonic()
        rc, stats = run_crawl(str(demo.registry_path), None, out, fast=True)
        items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        yield Run(demo, items, stats, rc, time.monotonic() - t0)


def test_family_crawl_succeeds(family_crawl):
    assert family_crawl.rc == 0
    assert set(family_crawl.stats) == set(FAMILIES)


@pytest.mark.parametrize("pid", FAMILIES)
def test_family_recall_and_precision(family_crawl, pid):
    expected = family_crawl.demo.expected_reports()[pid]
    found = family_crawl.found(pid)
    assert len(expected) >= 3
    assert found - expected == set(), "not reports (precision)"
    assert expected - found == set(), "missed reports (recall)"
    s = family_crawl.stats[pid]
    assert s["status"] == "ok" and s["reports"] == len(expected)


@pytest.mark.parametrize("pid", FAMILIES)
def test_family_platform_is_recorded(family_crawl, pid):
    assert family_crawl.stats[pid]["platform"] == EXPECTED_PLATFORM[pid]


def test_no_forbidden_request(family_crawl):
    assert family_crawl.demo.forbidden_requests() == []


def test_items_are_complete(family_crawl):
    for item in family_crawl.items:
        assert item["title"] and item["agency"] and item["listing_url"] and item["published"]
        assert isinstance(item["year"], int) and 2019 <= item["year"] <= 2026


def test_kaipu_every_organisation_and_year_is_asked(family_crawl):
    """4 organisations × 3 years offered: 12 views, of which 5 hold a report."""
    views = {p for m, p in family_crawl.paths("demo-kaipu") if "timeFrame=" in p}
    pairs = {(urlsplit(p).path, dict(parse_qsl(urlsplit(p).query))["timeFrame"]) for p in views}
    assert len(pairs) == 12


def test_unlinked_pages_are_computed(family_crawl):
    """Pages no anchor points to: Shandong layui ?page=3, PHPCMS page=3, TRS id index_2, Hunan index_2."""
    assert ("GET", "/gongkai/site_shifanquqzfbgs/channel_6389a3c83759918282638268/?page=3") in \
        family_crawl.paths("demo-shandong")
    # 40 one-record pages: past the link-hop depth and past the per-path query-string cap (computed
    # pagination is exempt from it; each base caps its own count)
    assert any(p.startswith("/list.php?") and "page=40" in p for _, p in family_crawl.paths("demo-phpcms"))
    assert ("GET", "/zfxxgk/zfxxgkgzndbg/index_2.shtml") in family_crawl.paths("demo-trsid")
    assert ("GET", "/31185/32016/41380/index_2.html") in family_crawl.paths("demo-hunan")


def test_demo_portals_of_the_new_families(demo_crawl):
    """The three family portals served by `ogi demo` (recall/precision: test_demo_crawl) are recognised."""
    for pid in list(BUILDERS):
        assert demo_crawl.stats[pid]["platform"] == EXPECTED_PLATFORM[pid], pid
    anhui = [p for h, m, p in demo_crawl.demo.requests
             if h == urlsplit(demo_crawl.demo.sites["demo-anhui"].bases["www"]).netloc and "/year/show/" in p]
    assert len(anhui) == len(set(anhui)) == 16   # 4 organisations × 4 years, each once (every view repeats the selector)
    jy = [(m, p) for h, m, p in demo_crawl.demo.requests
          if h == urlsplit(demo_crawl.demo.sites["demo-hanwebjy"].bases["www"]).netloc]
    assert any(m == "POST" and p.startswith("/module/jpage/dataproxy.jsp") for m, p in jy)
    assert any("pageNum=3" in p for _, p in jy)


# -- bases on saved pages ------------------------------------------------------------------------

def _spider(tmp_path, **settings):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "p,示范,安徽,county,341721,http://a.gov.cn/,\n", encoding="utf-8")
    return PortalsSpider.from_crawler(get_crawler(PortalsSpider, settings_dict=settings), registry=str(reg))


def _response(url, body):
    req = Request(url, meta={"portal": "p", "ogi_depth": 1, "ogi_ctx": "column"})
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=req)


def test_selector_years_are_bounded():
    assert offered_years(["1900", "2007", "2008", "2019", "2100", "全部", "2019"]) == [2019, 2008]


def test_anhui_selector_concatenated_url(tmp_path):
    spider = _spider(tmp_path)
    body = ('<select id="organ"><option value="">请选择</option><option value="A1">县政府办</option>'
            '<option value="B2">县教育局</option></select><select id="year"><option value="2024">2024</option>'
            '<option value="2023">2023</option></select><script>function go(){ location.href = '
            '"/OpennessAnnualReport/year/show/" + $("#organ").val() + "/" + $("#year").val() + ".html"; }</script>')
    resp = _response("http://a.gov.cn/OpennessAnnualReport/index.html", body)
    assert spider.detect_anhui(resp)
    urls = [r.url for r in spider.paginate_anhui(resp)]
    assert urls == [f"http://a.gov.cn/OpennessAnnualReport/year/show/{o}/{y}.html" for o in ("A1", "B2")
                    for y in (2024, 2023)]
    assert list(spider.paginate_anhui(resp)) == []   # each view once


def test_selector_view_budget(tmp_path):
    spider = _spider(tmp_path, OGI_MAX_SELECTOR_VIEWS=5)
    orgs = "".join(f'<option value="{k}">单位{k}</option>' for k in range(1, 50))
    years = "".join(f'<option value="{y}">{y}</option>' for y in range(2024, 2014, -1))
    body = (f'<form action="/XxgkAnnualReport/show"><select name="organ">{orgs}</select>'
            f'<select name="year">{years}</select></form>')
    resp = _response("http://a.gov.cn/XxgkAnnualReport/index.html", body)
    assert len(list(spider.paginate_anhui(resp))) == 5
    assert spider.crawler.stats.get_value("ogi/selector_capped/p") >= 1


def test_guangdong_pages_up_to_the_last(tmp_path):
    spider = _spider(tmp_path)
    body = '<a href="content/post_1.html">x</a><div>共4页 <a href="index_4.html">尾页</a></div>'
    resp = _response("http://a.gov.cn/zwgk/nb/index.html", body)
    assert spider.detect_gdcolumn(resp)
    assert [r.url for r in spider.paginate_gdcolumn(resp)] == [f"http://a.gov.cn/zwgk/nb/index_{k}.html" for k in (2, 3, 4)]


def test_trs_countpage_only(tmp_path):
    spider = _spider(tmp_path)
    resp = _response("http://a.gov.cn/gk/nb/index.shtml", "<script>var countPage = 3;</script>")
    assert spider.detect_trsid(resp) and not spider.detect_trs(resp)
    assert [r.url for r in spider.paginate_trsid(resp)] == [
        "http://a.gov.cn/gk/nb/index.shtml", "http://a.gov.cn/gk/nb/index_1.shtml", "http://a.gov.cn/gk/nb/index_2.shtml"]


def test_shandong_layui_pages(tmp_path):
    spider = _spider(tmp_path)
    body = '<script>laypage.render({elem: "page", count: 31, limit: 15, curr: 1});</script>'
    resp = _response("http://a.gov.cn/gongkai/site_x/channel_ab/", body)
    assert spider.detect_shandong(resp)
    assert [r.url for r in spider.paginate_shandong(resp)] == [
        f"http://a.gov.cn/gongkai/site_x/channel_ab/?page={n}" for n in (1, 2, 3)]


def test_hanweb_intensive_column_posts_to_its_proxy(tmp_path):
    spider = _spider(tmp_path)
    body = ('<script>$("#d").jpage({perPage: 15, proxyUrl: "/module/jpage/dataproxy.jsp", '
            'param: {webid: 3, unitid: 9, permissiontype: 0}});</script>')
    resp = _response("http://a.gov.cn/col/col123/index.html", body)
    assert spider.detect_hanweb(resp)
    (req,) = list(spider.paginate_hanweb(resp))
    assert req.method == "POST" and req.url.startswith("http://a.gov.cn/module/jpage/dataproxy.jsp?startrecord=1")
    assert b"columnid=123" in req.body and b"unitid=9" in req.body


def test_absurd_page_counts_are_capped(tmp_path):
    from crawlers.spiders.base.trs import MAX_PAGES, trs_page_names
    assert len(trs_page_names('createPageHTML(99999999, 0, "index", "html");')) == MAX_PAGES
    assert len(trs_page_names("createPageHTML('page_div', 99999999, 1, 'list', 'shtml', 1);")) == MAX_PAGES + 1
