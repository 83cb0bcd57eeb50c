"""Crawl throughput on loopback with politeness off, and the modelled nightly crawl time.

    .venv/bin/python bench/bench_crawl.py [--portals 12] [--pages 10] [--per-page 20] [--repeat 3]

Serves synthetic TRS-style portals (home -> 政务公开 -> 政府信息公开年报 with JS-only paging and
real-size Word-pasted report pages from ogi/demo) on 127.0.0.x, runs `scrapy crawl portals` in a
subprocess with the FAST settings, and measures pages/second from the servers' request log
(first to last request). Then models a nightly crawl of 3,000 portals at 1 request/s per host.
Writes bench/results/crawl.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ogi.commands.crawl import run_crawl  # noqa: E402
from results_file import publish  # noqa: E402
from ogi.demo.portals import _trs_paged, report  # noqa: E402
from ogi.demo.reports import available_sources, load_source  # noqa: E402
from ogi.demo.site import Site, chrome, links  # noqa: E402


def synthetic_builder(n: int, pages: int, per_page: int):
    text_sources = [s for s in available_sources() if load_source(s).text]

    def build(bases):
        s = Site(f"bench-{n:02d}", f"基准县{n}人民政府", "福建", "county", "350128", bases)
        s.start_urls = [s.url("www", "/")]
        s.add_html("www", "/", chrome(s.name, "首页", links([("/zwgk/", "政务公开"), ("/xwzx/", "新闻中心")])))
        s.add_html("www", "/zwgk/", chrome(s.name, "政务公开", links([("/zwgk/zfxxgknb/", "政府信息公开年报")])))
        items = []
        for k in range(pages * per_page):
            path = f"./2023{k % 12 + 1:02d}/t2023{k % 12 + 1:02d}01_{n}{k:05d}.html"
            title = f"基准县{n}第{k}单位2022年政府信息公开工作年度报告"
            items.append((path, title, "2023-02-01"))
            report(s, "www", "/zwgk/zfxxgknb/" + path[2:], title=title, source=text_sources[k % len(text_sources)],
                   published="2023-02-01", agency=f"基准县{n}第{k}单位")
        _trs_paged(s, "www", "/zwgk/zfxxgknb/", "政府信息公开年报", items, per_page=per_page)
        return s
    return build


def model_nightly(portals: int, pages_per_portal: int, per_host_rate: float, concurrency: int,
                  latency_s: float) -> dict:
    """Hosts are crawled in parallel; each at most `per_host_rate` req/s; the crawler keeps at most
    `concurrency` requests in flight, each taking `latency_s`."""
    total = portals * pages_per_portal
    global_rate = min(portals * per_host_rate, concurrency / latency_s)
    per_portal_floor = pages_per_portal / per_host_rate
    seconds = max(total / global_rate, per_portal_floor)
    return {"portals": portals, "pages_per_portal": pages_per_portal, "total_pages": total,
            "global_rate": global_rate, "hours": seconds / 3600}


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy (all processes; Linux /proc/stat), or None."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--portals", type=int, default=12)
    ap.add_argument("--pages", type=int, default=10, help="listing pages per portal")
    ap.add_argument("--per-page", type=int, default=20, help="reports per listing page")
    ap.add_argument("--processes", type=int, default=2,
                    help="crawl shards run side by side (portals split round-robin), as flows may do")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported (shared machine)")
    args = ap.parse_args(argv)

    from ogi.demo.server import DemoPortals
    builders = {f"bench-{n:02d}": (synthetic_builder(n, args.pages, args.per_page), ["www"])
                for n in range(args.portals)}
    with DemoPortals(builders=builders, honeypot=False, first_octet=100) as demo:
        expected = sum(len(v) for v in demo.expected_reports().values())
        # Scrapy start-up/shut-down CPU, measured on a one-page crawl, is subtracted for the steady state
        tiny = demo.base_dir / "tiny.csv"
        tiny.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                        f"tiny,t,t,county,1,{demo.sites[demo.portals[0]].start_urls[0]}robots.txt,\n", encoding="utf-8")
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_crawl(str(tiny), None, demo.base_dir / "tiny.jsonl", fast=True)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        startup_cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
        shards = [demo.portals[i::args.processes] for i in range(args.processes)]

        def measure() -> dict:
            demo.requests.clear()
            demo.first_request_at = demo.last_request_at = None
            results: list = [None] * len(shards)

            def crawl(i: int) -> None:
                results[i] = run_crawl(str(demo.registry_path), shards[i], demo.base_dir / f"items-{i}.jsonl",
                                       fast=True, settings=["CONCURRENT_REQUESTS=64", "OGI_MAX_PAGES_PER_PORTAL=100000"])
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            busy0 = busy_cpu_seconds()
            t0 = time.monotonic()
            cpu0, child0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            threads = [threading.Thread(target=crawl, args=(i,)) for i in range(len(shards))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - t0
            child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            busy1 = busy_cpu_seconds()
            first, last = demo.first_request_at, demo.last_request_at
            n = len(demo.requests)
            crawler_cpu = (child1.ru_utime - child0.ru_utime) + (child1.ru_stime - child0.ru_stime)
            server_cpu = time.process_time() - cpu0
            others = None if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - crawler_cpu - server_cpu)
            return {"wall": wall, "load": load, "n_requests": n, "others": others,
                    "crawler_cpu": crawler_cpu, "server_cpu": server_cpu, "rc": max(r[0] for r in results),
                    "stats": {k: v for r in results for k, v in r[1].items()},
                    "items": sum(1 for i in range(len(shards))
                                 for _ in (demo.base_dir / f"items-{i}.jsonl").open(encoding="utf-8")),
                    "window": (last - first) if last and first else wall}

        runs = [measure() for _ in range(max(1, args.repeat))]
        best = max(runs, key=lambda r: r["n_requests"] / r["window"])
        wall, crawler_cpu, server_cpu, rc = best["wall"], best["crawler_cpu"], best["server_cpu"], best["rc"]
        stats, n_requests, items, load_before = best["stats"], best["n_requests"], best["items"], best["load"]
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cores = os.cpu_count() or 1
    window = best["window"]
    pps = n_requests / window
    all_runs = ", ".join(f"{r['n_requests'] / r['window']:.0f}" for r in runs)
    steady_cpu = max(0.0, crawler_cpu - args.processes * startup_cpu) + server_cpu
    cpu_per_page_ms = steady_cpu / n_requests * 1000
    projected = min(cores, args.processes) / (steady_cpu / n_requests)
    pages_per_portal_demo = sum(s["pages"] for s in stats.values()) / max(1, len(stats))
    models = [model_nightly(3000, p, 1.0, 64, 0.5) for p in (25, 100, 300)]
    lines = [
        "## crawl (crawlers/, bench/bench_crawl.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"servers and crawler on the same host (loopback 127.0.0.x), politeness off (FAST_SETTINGS).",
        "",
        f"* synthetic portals: {args.portals} × ({args.pages} JS-paged listing pages × {args.per_page} reports), "
        f"real-size Word-pasted report pages",
        f"* crawl processes: {args.processes}; load average (1/5/15 min) before the best run: {load_before}, "
        f"after all runs: {load_after} (2 cores; the 1-minute figure lags about a minute behind)"
        + (f"; other jobs used {best['others']:.1f} CPU-s of the {cores * best['wall']:.1f} CPU-s the "
           f"{cores} cores offered during the best run" if best["others"] is not None else ""),
        f"* requests served: {n_requests} in {window:.2f} s (first to last request) → **{pps:.0f} pages/s** "
        f"(wall time incl. Scrapy start-up: {wall:.2f} s); best of {len(runs)} run(s): {all_runs} pages/s",
        f"* CPU: crawlers {crawler_cpu:.1f} s − start-up {args.processes} × {startup_cpu:.1f} s + servers "
        f"{server_cpu:.1f} s = **{cpu_per_page_ms:.2f} ms CPU per page** (steady state) → projected on {min(cores, args.processes)} idle core(s): "
        f"**{projected:.0f} pages/s**" + (" (the machine was shared with other jobs, so the wall-clock figure above "
                                           "is lower than the CPU cost allows)" if pps < 0.8 * projected else ""),
        f"* reports found: {items} / {expected} expected; scrapy exit status {rc}",
        "",
        "Modelled nightly crawl of 3,000 portals at 1 request/s per host (AutoThrottle target 1, "
        "64 requests in flight, 0.5 s typical latency of a county portal):",
        "",
        "| pages per portal | total pages | aggregate rate (req/s) | hours |",
        "|---:|---:|---:|---:|",
    ]
    for m in models:
        lines.append(f"| {m['pages_per_portal']} | {m['total_pages']:,} | {m['global_rate']:.0f} | {m['hours']:.2f} |")
    lines += [
        "",
        f"The synthetic portals above need {pages_per_portal_demo:.0f} requests each (200 reports + listing and "
        "navigation pages); the eight demo portals need ~20 each. A real county portal with 30–70 reports a year "
        "over several years, departments and townships needs ~100–300 for a full crawl. With 64 requests in "
        "flight the bound is the global 128 req/s, not the per-host 1 req/s: 3,000 portals × 300 pages ≈ 2 h; "
        "raising CONCURRENT_REQUESTS lowers it toward the per-host floor (pages per portal / 1 req/s ≈ 5 min). "
        "A nightly run with `-a known=<last items.jsonl>` fetches listing pages only (known report pages are "
        "re-emitted, not re-fetched): ~25 pages per portal, the first row.",
        "",
        "Where the CPU goes (cProfile of one crawl process over 4 of these portals, 856 pages): lxml parsing of "
        "the real-size report pages ~1 ms/page; our page reading and recognition ~1.2 ms/page; the rest is Scrapy "
        "(scheduler, middlewares, Twisted/asyncio). Cheap wins taken: `CONCURRENT_ITEMS = 8` (Scrapy's default 100 "
        "started ~100 asyncio tasks per response to handle its few outputs: ~90k tasks and ~185k `call_soon` per "
        "856 pages, ~15% of the crawl CPU), and per-process memoisation of the pure, repetitive functions "
        "(`canonicalize`, `classify_title`, `link_kind`, `nav_score`: the same chrome and listing links recur on "
        "every page). Start-up (~1.5 s CPU per crawl process) is mostly compiling ~700 modules, because this "
        "machine sets PYTHONDONTWRITEBYTECODE and the venv has no .pyc files; it is excluded from the steady state.",
        "",
    ]
    publish("crawl", "\n".join(lines))
    print("\n".join(lines))
    print(json.dumps({"pages_per_second": round(pps, 1), "projected_pages_per_second": round(projected, 1), "requests": n_requests, "items": items, "expected": expected}))
    return 0 if items == expected and rc == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
