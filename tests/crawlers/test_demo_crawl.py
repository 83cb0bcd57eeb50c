"""End to end: every report on every demo portal is found, nothing else is, and no forbidden request is made."""
from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import pytest

from crawlers.items import FIELDS
from crawlers.settings import OGI_MAX_QUERY_VARIANTS
from crawlers.urls import canonicalize
from ogi.demo.portals import BUILDERS

PORTALS = list(BUILDERS)


def _found(run, pid):
    return {i["page_url"] for i in run.items if i["portal_id"] == pid and not i["error"]}


def _requests(run, pid, label="www"):
    host = urlsplit(run.demo.sites[pid].bases[label]).netloc
    return [(m, p) for h, m, p in run.demo.requests if h == host]


def test_crawl_succeeds(demo_crawl):
    assert demo_crawl.returncode == 0
    assert set(demo_crawl.stats) == set(PORTALS)


@pytest.mark.parametrize("pid", PORTALS)
def test_recall_and_precision_are_complete(demo_crawl, pid):
    expected = demo_crawl.demo.expected_reports()[pid]
    found = _found(demo_crawl, pid)
    assert len(expected) >= 4
    assert found - expected == set(), "not reports (precision)"
    assert expected - found == set(), "missed reports (recall)"


@pytest.mark.parametrize("pid", PORTALS)
def test_stats_per_portal(demo_crawl, pid):
    s = demo_crawl.stats[pid]
    assert s["status"] == "ok"
    assert s["reports"] == len(demo_crawl.demo.expected_reports()[pid])
    assert s["pages"] >= s["reports"]
    redirected = [i for i in demo_crawl.items if i["portal_id"] == pid and (i["error"] or "").startswith("redirect")]
    # 404s count, and report links redirected to no report; refusals do not
    assert s["errors"] == len(demo_crawl.demo.sites[pid].dead_links) + len(redirected)


def test_dead_report_links_are_recorded_as_errors(demo_crawl):
    """A link judged a report that answers 404, or is redirected to no report (the home page after a
    revamp, a private address), leaves an item with `error` (the flows record a failed document for
    it), never nothing."""
    dead = {canonicalize(urljoin(demo_crawl.demo.sites[pid].bases["www"], path))
            for pid in PORTALS for path in demo_crawl.demo.sites[pid].dead_links}
    failed = {i["page_url"]: i["error"] for i in demo_crawl.items if i["error"]}
    assert dead and {url for url, error in failed.items() if error == "HTTP 404"} == dead
    trs = demo_crawl.demo.sites["demo-trs"].bases["www"]
    home = canonicalize(urljoin(trs, "/zwgk/zfxxgk/zfxxgknb/201701/t20170125_1.html"))
    assert failed[home].startswith("redirected to ") and failed[home].endswith("which is no report")
    xxgk = demo_crawl.demo.sites["demo-xxgk"].bases["xxgk"]
    assert failed[canonicalize(urljoin(xxgk, "/xxgk/zfxxgknb/jump.shtml"))].startswith("redirect refused: private_host")
    assert sum(s["report_errors"] for s in demo_crawl.stats.values()) == len(failed)


def test_one_item_per_report(demo_crawl):
    urls = [i["page_url"] for i in demo_crawl.items]
    assert len(urls) == len(set(urls))


def test_attachments(demo_crawl):
    expected = demo_crawl.demo.expected_attachments()
    got = {i["page_url"]: set(i["attachment_urls"]) for i in demo_crawl.items if not i["error"]}
    assert got == expected
    # a href, pdf.js iframe, onclick window.open, a download.jsp DOC, ... : every kind of link is found
    assert sum(1 for v in got.values() if v) >= 4


def test_item_fields(demo_crawl):
    for item in demo_crawl.items:
        assert set(item) == set(FIELDS)
        if item["error"]:
            continue
        assert item["id"] == hashlib.sha1(f"{item['portal_id']}\n{item['page_url']}".encode()).hexdigest()
        assert item["title"] and item["listing_url"]
        assert isinstance(item["year"], int) and 2019 <= item["year"] <= 2026
        assert item["published"] and datetime.strptime(item["published"], "%Y-%m-%d")
        assert datetime.fromisoformat(item["discovered_at"]).tzinfo is not None
        assert item["agency"]


def test_no_forbidden_request(demo_crawl):
    demo = demo_crawl.demo
    assert demo.forbidden_requests() == []
    assert not any(h == demo.honeypot_host for h, _, _ in demo.requests)
    # the honeypot and robots-disallowed report links exist, so this test can fail
    assert any(demo.sites["demo-trs"].forbidden_paths)
    assert demo.honeypot_host


def test_redirects_are_checked_against_the_registry(demo_crawl):
    xxgk = urlsplit(demo_crawl.demo.sites["demo-xxgk"].bases["xxgk"]).netloc
    assert ("GET", "/xxgk/zfxxgknb/jump.shtml") in [(m, p) for h, m, p in demo_crawl.demo.requests if h == xxgk]
    assert demo_crawl.stats["demo-xxgk"]["refused"].get("private_host", 0) >= 1


def test_identifying_user_agent(demo_crawl):
    assert demo_crawl.demo.user_agents == {"ogi-crawler/0.1 (+https://github.com/ogi-project/ogi)"}


def test_first_request_503_is_retried(demo_crawl):
    hits = [r for r in _requests(demo_crawl, "demo-hanweb") if r == ("GET", "/col/col1002/index.html")]
    assert len(hits) == 2


def test_hanweb_uses_dataproxy_and_never_guesses_index_1(demo_crawl):
    reqs = _requests(demo_crawl, "demo-hanweb")
    assert any(m == "POST" and p.startswith("/module/web/jpage/dataproxy.jsp") for m, p in reqs)
    assert not any("index_1" in p for _, p in reqs)


def test_twins_and_print_views_not_fetched(demo_crawl):
    paths = [p for _, _, p in demo_crawl.demo.requests]
    assert not any("_wap." in p or "print=1" in p for p in paths)


def test_traps_are_capped(demo_crawl):
    archive = [p for _, p in _requests(demo_crawl, "demo-pageno") if p.startswith("/zwgk/archive.jsp")]
    assert 1 <= len(archive) <= OGI_MAX_QUERY_VARIANTS
    calendar = [p for _, p in _requests(demo_crawl, "demo-trs") if p.startswith("/calendar/")]
    assert 1 <= len(calendar) <= OGI_MAX_QUERY_VARIANTS


def test_gbk_titles_decoded(demo_crawl):
    titles = {i["title"] for i in demo_crawl.items if i["portal_id"] == "demo-vsb"}
    assert "示范县人民政府2022年政府信息公开工作年度报告" in titles


def test_reports_off_the_main_host(demo_crawl):
    xxgk = urlsplit(demo_crawl.demo.sites["demo-xxgk"].bases["xxgk"]).netloc
    assert sum(1 for u in _found(demo_crawl, "demo-xxgk") if urlsplit(u).netloc == xxgk) == 5


def test_mis_declared_page_decoded(demo_crawl):
    (item,) = [i for i in demo_crawl.items if i["page_url"].endswith("/info/1308/18600.htm")]
    assert item["title"] == "关于示范县2021年度政府信息公开工作情况的报告" and item["published"] == "2022-01-15"


def test_generated_report_module_one_item_per_agency_and_year(demo_crawl):
    """Hanweb xxgkAnnualReport.jsp?area=&fbtime=: links say only 查看; the empty template is no report."""
    got = {i["page_url"]: i for i in demo_crawl.items if "xxgkAnnualReport.jsp" in i["page_url"]}
    expected = {u for u in demo_crawl.demo.expected_reports()["demo-hanweb"] if "xxgkAnnualReport.jsp" in u}
    assert set(got) == expected and len(expected) == 3
    for url, item in got.items():
        assert item["year"] == int(url.rsplit("fbtime=", 1)[1][:4])
        assert item["title"] == f"{item['agency']}{item['year']}年政府信息公开工作年度报告"
    fetched = [p for _, p in _requests(demo_crawl, "demo-hanweb") if "xxgkAnnualReport.jsp" in p]
    assert len(fetched) == 4      # the not-filled-in agency × year was judged, and is not an item
