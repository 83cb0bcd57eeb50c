"""robots.txt `Crawl-delay` is honoured per host when politeness is on (a real crawl on loopback)."""
from __future__ import annotations

import time

from ogi.commands.crawl import run_crawl
from ogi.demo.portals import report
from ogi.demo.server import DemoPortals
from ogi.demo.site import Site, chrome, links, ul_list

DELAY = 0.4


def build_mini(bases):
    s = Site("mini", "迷你县人民政府", "浙江", "county", "330212", bases)
    s.robots["www"] = f"User-agent: *\nDisallow: /private/\nCrawl-delay: {DELAY}\n"
    s.start_urls = [s.url("www", "/")]
    s.add_html("www", "/", chrome(s.name, "首页", links([("/nb/", "政府信息公开年报")])))
    items = [(f"/nb/t2023010{k}_{k}.html", f"迷你县第{k}单位2022年政府信息公开工作年度报告", f"2023-01-0{k}")
             for k in range(1, 4)]
    s.add_html("www", "/nb/", chrome(s.name, "政府信息公开年报", ul_list(items)))
    for path, title, date in items:
        report(s, "www", path, title=title, source="seed_000", published=date, agency=f"{title[:6]}")
    return s


def test_crawl_delay_is_a_per_host_minimum(tmp_path):
    times: list[tuple[float, str]] = []
    with DemoPortals(base_dir=tmp_path, first_octet=60, honeypot=False, builders={"mini": (build_mini, ["www"])}) as demo:
        log = demo._log

        def timed(host, method, path, agent):
            times.append((time.monotonic(), path))
            log(host, method, path, agent)
        demo._log = timed
        # politeness on for the delay (AutoThrottle too, which must not lower it), nothing else slow
        rc, stats = run_crawl(str(demo.registry_path), None, tmp_path / "items.jsonl", fast=True, settings=[
            "OGI_OBEY_CRAWL_DELAY=True", "AUTOTHROTTLE_ENABLED=True", "AUTOTHROTTLE_START_DELAY=0"])
        expected = len(demo.expected_reports()["mini"])
    assert rc == 0 and stats["mini"]["reports"] == expected == 3
    pages = [t for t, p in times if p != "/robots.txt"]
    assert len(pages) >= 5
    gaps = [b - a for a, b in zip(pages, pages[1:])]
    assert min(gaps) >= DELAY * 0.9, gaps


def test_fast_crawl_ignores_crawl_delay(demo_crawl):
    """Control: the demo portals' robots.txt say Crawl-delay: 1, and the fast crawl is not slowed by it."""
    assert "Crawl-delay: 1" in demo_crawl.demo.sites["demo-trs"].robots["www"]
    www = [h for h, _, p in demo_crawl.demo.requests if p != "/robots.txt"]
    host = max(set(www), key=www.count)
    assert www.count(host) > 15 and demo_crawl.seconds < www.count(host) * 1.0
