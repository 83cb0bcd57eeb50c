"""Walls and bad input stay harmless: an anti-bot wall (412 瑞数-style, 521 加速乐-style), a broken
listing, an endless organisation × year selector and a portal that times out each change only their
own portal's status; the good portal crawled alongside still finds every report."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from crawlers.middlewares import wall_of
from ogi.commands.crawl import run_crawl, summarize
from ogi.demo.portals import BAD_INPUT_BUILDERS, FAMILY_BUILDERS, JIASULE_521, RUISHU_412, WALL_BUILDERS, YUNAQ_468
from ogi.demo.server import DemoPortals

GOOD = "demo-trsid"
VIEW_BUDGET = 40


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    base = tmp_path_factory.mktemp("walls")
    builders = {**WALL_BUILDERS, **BAD_INPUT_BUILDERS, GOOD: FAMILY_BUILDERS[GOOD]}
    with DemoPortals(base_dir=base, builders=builders, first_octet=140, honeypot=False) as demo:
        out = base / "items.jsonl"
        rc, stats = run_crawl(str(demo.registry_path), None, out, fast=True, settings=[
            "DOWNLOAD_TIMEOUT=1", "RETRY_TIMES=1", f"OGI_MAX_SELECTOR_VIEWS={VIEW_BUDGET}"])
        items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        yield demo, rc, stats, items


def _requests(demo, pid):
    host = urlsplit(demo.sites[pid].bases["www"]).netloc
    return [(m, p) for h, m, p in demo.requests if h == host]


def test_wall_detection():
    assert wall_of(412, RUISHU_412) == "HTTP 412 script challenge"
    assert wall_of(521, JIASULE_521) == "HTTP 521 script challenge"
    assert wall_of(468, YUNAQ_468) == "HTTP 468 script challenge"
    assert wall_of(412, b"Precondition Failed") is None          # a plain 412 is an HTTP error, not a wall
    assert wall_of(200, RUISHU_412) is None


def test_the_crawl_finishes_and_reports_every_portal(hostile_crawl):
    demo, rc, stats, _items = hostile_crawl
    assert set(stats) == set(demo.sites)
    assert rc == 0   # scrapy itself did not crash


@pytest.mark.parametrize("pid", list(WALL_BUILDERS))
def test_walled_portal_is_blocked_not_empty(hostile_crawl, pid):
    demo, _rc, stats, items = hostile_crawl
    s = stats[pid]
    assert s["status"] == "blocked"
    assert s["wall"].startswith(f"HTTP {pid[-3:]}") and s["error"] == s["wall"]
    assert s["errors"] == 0 and not [i for i in items if i["portal_id"] == pid]
    # the wall is met once (robots.txt or the start page) and the host is then left alone
    assert 1 <= len(_requests(demo, pid)) <= 2


def test_walled_site_opens_to_a_browser_cookie(hostile_crawl):
    """The imitation wall is a real challenge: with the cookie its script sets, the site answers."""
    import urllib.request
    demo = hostile_crawl[0]
    url = demo.sites["demo-wall412"].url("www", "/")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=5)
    assert err.value.code == 412
    req = urllib.request.Request(url, headers={"Cookie": "ogi_clearance=7f3a"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200 and "政府信息公开年报" in resp.read().decode("utf-8")


def test_broken_listing_changes_only_its_portal(hostile_crawl):
    demo, _rc, stats, _items = hostile_crawl
    assert stats["demo-broken"]["status"] == "empty"
    assert len(_requests(demo, "demo-broken")) < 600   # an absurd page count is capped


def test_endless_selector_is_bounded(hostile_crawl):
    demo, _rc, stats, items = hostile_crawl
    views = [p for _m, p in _requests(demo, "demo-endless") if p.startswith("/XxgkAnnualReport/show")]
    assert len(views) == len(set(views)) == VIEW_BUDGET
    years = {int(p.rsplit("year=", 1)[1][:4]) for p in views}
    assert min(years) >= 2008 and max(years) <= 2100 - 70
    # the one real report (first organisation, 2024) is among the first views asked
    assert stats["demo-endless"]["status"] == "ok" and stats["demo-endless"]["platform"] == "anhui"
    assert [i["page_url"] for i in items if i["portal_id"] == "demo-endless"] == sorted(
        demo.expected_reports()["demo-endless"])


def test_timeout_changes_only_its_portal(hostile_crawl):
    _demo, _rc, stats, _items = hostile_crawl
    assert stats["demo-slow"]["status"] == "error" and stats["demo-slow"]["errors"] >= 1


def test_good_portal_unaffected(hostile_crawl):
    demo, _rc, stats, items = hostile_crawl
    assert stats[GOOD]["status"] == "ok"
    assert {i["page_url"] for i in items if i["portal_id"] == GOOD} == demo.expected_reports()[GOOD]
    assert demo.forbidden_requests() == []


def test_summary_names_blocked_portals(hostile_crawl):
    _demo, _rc, stats, _items = hostile_crawl
    text, ok = summarize(stats)
    assert not ok
    last = text.splitlines()[-1]
    assert "BLOCKED (anti-bot wall): demo-wall412, demo-wall468, demo-wall521" in last
    assert "FAILED (zero reports): demo-broken, demo-slow" in last


def test_platform_and_blocked_status_reach_the_warehouse_and_ogi_status(hostile_crawl, tmp_path):
    """The crawl stats go through record_portal_runs/load_portals into a real warehouse file;
    `ogi status` shows the platform and lists walled portals as blocked, not as yielding nothing."""
    import warehouse
    from ogi.commands.status import collect

    demo, _rc, stats, _items = hostile_crawl
    con = warehouse.open_warehouse(tmp_path / "w.duckdb", fts=False)
    try:
        warehouse.load_portals(con, demo.registry_path)
        warehouse.record_portal_runs(con, "run-1", stats)
        warehouse.load_portals(con, demo.registry_path)     # a registry reload keeps the detected platform
        platforms = dict(con.execute("SELECT portal_id, platform FROM portals").fetchall())
        runs = {r[0]: r[1:] for r in con.execute(
            "SELECT portal_id, status, platform, error FROM portal_runs WHERE run_id = 'run-1'").fetchall()}
        report = collect(con)
    finally:
        con.close()
    assert platforms[GOOD] == "trsid" and platforms["demo-endless"] == "anhui"
    assert platforms["demo-wall412"] is None   # nothing of the site was seen: unknown, not generic
    assert runs["demo-wall412"] == ("blocked", None, "HTTP 412 script challenge")
    assert runs["demo-wall521"][0] == "blocked" and runs["demo-slow"][0] == "error"
    assert report["blocked"] == ["demo-wall412", "demo-wall468", "demo-wall521"]
    assert "demo-wall412" not in report["yielding_nothing"] and "demo-broken" in report["yielding_nothing"]
    assert {p["portal_id"]: p["platform"] for p in report["portals"]}[GOOD] == "trsid"


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("chromium") is None,
                    reason="opt-in browser path: Debian's chromium is not installed")
def test_opt_in_browser_reads_a_walled_portal(tmp_path):
    """With `-s OGI_BROWSER=chromium` the headless browser runs the wall's script and the portal's
    reports are found; without it (every test above) the portal is `blocked`."""
    pid = "demo-wall521"
    with DemoPortals(base_dir=tmp_path, builders={pid: WALL_BUILDERS[pid]}, first_octet=160, honeypot=False) as demo:
        out = tmp_path / "items.jsonl"
        rc, stats = run_crawl(str(demo.registry_path), None, out, fast=True, settings=["OGI_BROWSER=chromium"])
        items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        expected = demo.expected_reports()[pid]
    assert rc == 0
    assert stats[pid]["status"] == "ok" and stats[pid]["wall"] == "HTTP 521 script challenge"
    assert stats[pid]["browser_pages"] >= 3
    assert {i["page_url"] for i in items} == expected
