"""A national nightly on loopback: 1,000+ generated portals, politeness on at realistic delays scaled down.

    .venv/bin/python bench/bench_crawl_national.py [--portals 1000] [--scale 20] [--latency 0.3]

Every demo portal family with one host in ogi/demo/portals.py (TRS, Hanweb, gkmlpt, VSB, pageNo, numbered
html, ASP.NET, Hanweb intensive, Guangdong column, Anhui selector, … — whatever the demo ships) is built
once as a template and served for many portals, each on its own loopback address 127.1.x.y (the crawler's
per-host politeness is keyed by host): one asyncio server process-thread, keep-alive, a response delay of
`latency / scale` seconds, ETag/304 like the demo server. The crawl runs with the production settings of
crawlers/settings.py (robots.txt, per-host concurrency 1, DOWNLOAD_DELAY, AutoThrottle, the page budget and
global concurrency) with every *time* divided by `--scale`; then an incremental run (`-a known=` the first
run's items) does the same. Reported: wall time, pages/s, peak crawler memory, recall, and the national
full and incremental crawl extrapolated at real delays (3,213 portals). Writes bench/results/crawl_national.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loopback import LoopbackFarm  # noqa: E402
from results_file import publish  # noqa: E402

from crawlers import settings as production  # noqa: E402
from crawlers.urls import canonicalize  # noqa: E402
from ogi.commands.crawl import run_crawl  # noqa: E402
from ogi.demo import portals as demo_portals  # noqa: E402
from ogi.demo.server import not_modified  # noqa: E402
from ogi.demo.site import body_etag  # noqa: E402

TEMPLATE_NETLOC = "127.255.255.254:9"      # the templates are built for this base, rewritten per portal
NATIONAL_PORTALS = 3213
HOSTILE = {"demo-wall412", "demo-wall521", "demo-broken", "demo-endless", "demo-slow"}


def families() -> dict[str, object]:
    """name -> template Site, for every one-host family of the demo (hostile portals left out)."""
    out = {}
    for name, (builder, labels) in demo_portals.BUILDERS.items():
        if labels != ["www"] or name in HOSTILE:
            continue
        try:
            out[name.removeprefix("demo-")] = builder({"www": f"http://{TEMPLATE_NETLOC}"})
        except TypeError:
            continue
    return out


class Farm(LoopbackFarm):
    """Many portals, one asyncio loop: portal i answers on 127.1.(i // 250).(i % 250 + 1):port."""

    octet = 1

    def __init__(self, templates: dict[str, object], n: int, delay_s: float, scale: float):
        super().__init__()
        self.templates, self.scale = templates, scale
        self.names = sorted(templates)
        self.n, self.delay_s = n, delay_s
        self.portals: list[tuple[str, str, str]] = []      # (portal_id, family, netloc)
        self.requests: Counter = Counter()                  # netloc -> requests served

    async def _start(self) -> None:
        for i in range(self.n):
            family = self.names[i % len(self.names)]
            site = self.templates[family]
            netloc = await self.listen(i, lambda r, w, h, s=site: self._serve(r, w, s, h))
            self.portals.append((f"n{i:04d}-{family}", family, netloc))

    async def _serve(self, reader, writer, site, netloc: str) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                self.requests[netloc] += 1
                status, data, ctype, extra = self._answer(site, netloc, method, target, body, headers)
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(data)}", f"Content-Type: {ctype}",
                        *(f"{k}: {v}" for k, v in extra.items())]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else data))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    def _answer(self, site, netloc: str, method: str, target: str, body: bytes, headers: dict):
        path = target if target.startswith("/") else urlsplit(target).path or "/"
        if urlsplit(path).path == "/robots.txt":   # a Crawl-delay is a time too: scaled like the others
            text = re.sub(r"(?im)^(crawl-delay:\s*)([\d.]+)", lambda m: f"{m[1]}{float(m[2]) / self.scale:g}",
                          site.robots.get("www", "User-agent: *\nDisallow:\n"))
            return 200, text.encode(), "text/plain", {}
        page = site.lookup("www", method, path, body)
        if page is None:
            return 404, b"<html><body>404</body></html>", "text/html", {}
        data = page.body
        if TEMPLATE_NETLOC.encode() in data:
            data = data.replace(TEMPLATE_NETLOC.encode(), netloc.encode())
        extra = dict(page.headers)
        if page.status == 200:
            etag = body_etag(data)
            extra["ETag"] = etag
            if method in ("GET", "HEAD") and not_modified(_Headers(headers), etag, page.modified):
                return 304, b"", page.content_type, extra
        for k, v in list(extra.items()):
            if isinstance(v, str) and TEMPLATE_NETLOC in v:
                extra[k] = v.replace(TEMPLATE_NETLOC, netloc)
        return page.status, data, page.content_type, extra

    def registry(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8") as fh:
            fh.write("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n")
            for pid, family, netloc in self.portals:
                site = self.templates[family]
                starts = " ".join(u.replace(TEMPLATE_NETLOC, netloc) for u in site.start_urls)
                fh.write(f"{pid},{site.name},{site.province},{site.level},{site.division_code},{starts},{netloc}\n")
        return path

    def expected(self) -> dict[str, set[str]]:
        return {pid: {canonicalize(u.replace(TEMPLATE_NETLOC, netloc)) for u in self.templates[family].reports}
                for pid, family, netloc in self.portals}


class _Headers(dict):
    def get(self, key, default=None):
        return super().get(key.lower(), default)


def scaled_settings(scale: float) -> dict[str, str]:
    """The production politeness with every time divided by `scale` (counts and budgets unchanged; the
    download timeout too: on a shared loopback machine a late answer is CPU starvation, not a dead host)."""
    s = production
    return {
        "DOWNLOAD_DELAY": f"{s.DOWNLOAD_DELAY / scale:g}",
        "AUTOTHROTTLE_ENABLED": str(s.AUTOTHROTTLE_ENABLED),
        "AUTOTHROTTLE_START_DELAY": f"{s.AUTOTHROTTLE_START_DELAY / scale:g}",
        "AUTOTHROTTLE_MAX_DELAY": f"{s.AUTOTHROTTLE_MAX_DELAY / scale:g}",
        "OGI_MAX_CRAWL_DELAY": f"{s.OGI_MAX_CRAWL_DELAY / scale:g}",
        "OGI_RETRY_BACKOFF_BASE": f"{s.OGI_RETRY_BACKOFF_BASE / scale:g}",
        "OGI_RETRY_BACKOFF_MAX": f"{s.OGI_RETRY_BACKOFF_MAX / scale:g}",
        "LOG_LEVEL": "ERROR",
    }


def items_by_portal(path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                it = json.loads(line)
                out.setdefault(it["portal_id"], set()).add(canonicalize(it["page_url"]))
    return out


def crawl_once(farm: Farm, registry: Path, out: Path, settings: dict[str, str], known: Path | None) -> dict:
    farm.requests.clear()
    t0 = time.monotonic()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    rc, stats = run_crawl(str(registry), None, out, settings=[f"{k}={v}" for k, v in settings.items()],
                          known=str(known) if known else None)
    wall = time.monotonic() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    pages = sum(farm.requests.values())
    return {"rc": rc, "wall": wall, "pages": pages, "pps": pages / wall,
            "cpu": (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime),
            "max_portal_pages": max(farm.requests.values() or [0]),
            "peak_rss_mb": c1.ru_maxrss / 1024, "stats": stats, "items": items_by_portal(out)}


def national_hours(pages_per_portal: float, max_pages: int, cpu_per_page: float, processes: int,
                   latency: float, delay: float, concurrency: int) -> dict:
    """Real-time bound of a crawl of every portal by `processes` crawl processes side by side (flows
    shards, one core each at most): the global rate is the least of what the requests in flight give (each
    holds a slot for `latency`), what the hosts give (one request per latency + delay each) and what the
    CPU gives; no run ends before its largest portal does."""
    total = NATIONAL_PORTALS * pages_per_portal
    rate = min(processes * concurrency / latency, NATIONAL_PORTALS / (latency + delay), processes / cpu_per_page)
    seconds = max(total / rate, max_pages * (latency + delay))
    return {"total": total, "rate": rate, "hours": seconds / 3600, "tail_hours": max_pages * (latency + delay) / 3600}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=1000)
    ap.add_argument("--scale", type=float, default=20.0, help="divide every politeness time by this (default 20)")
    ap.add_argument("--latency", type=float, default=0.3, help="real response time of a portal, s (default 0.3)")
    ap.add_argument("--processes", type=int, default=2,
                    help="crawl processes of the national estimate, one per core (flows --parallel-shards; default 2)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a Scrapy setting (experiments; the published figures use the defaults)")
    ap.add_argument("--no-publish", action="store_true", help="print, do not write bench/results")
    args = ap.parse_args(argv)

    templates = families()
    farm = Farm(templates, args.portals, args.latency / args.scale, args.scale)
    farm.start()
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"ogi-bench-national-{os.getpid()}"
    base.mkdir(parents=True, exist_ok=True)
    registry = farm.registry(base / "registry.csv")
    expected = farm.expected()
    settings = scaled_settings(args.scale)
    settings.update(kv.split("=", 1) for kv in args.set)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    full = crawl_once(farm, registry, base / "full.jsonl", settings, None)
    incr = crawl_once(farm, registry, base / "incr.jsonl", settings, base / "full.jsonl")
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    farm.stop()

    want = sum(len(v) for v in expected.values())
    missed = Counter(pid.split("-", 1)[1] for pid, v in expected.items() for _ in v - full["items"].get(pid, set()))
    errors = sum(s.get("errors", 0) for s in full["stats"].values())
    found = sum(len(full["items"].get(pid, set()) & v) for pid, v in expected.items())
    found_incr = sum(len(incr["items"].get(pid, set()) & v) for pid, v in expected.items())
    by_family = Counter(f for _, f, _ in farm.portals)
    per_portal_full = full["pages"] / args.portals
    per_portal_incr = incr["pages"] / args.portals
    cpu_full = full["cpu"] / max(1, full["pages"])
    conc = production.CONCURRENT_REQUESTS
    delay = production.DOWNLOAD_DELAY
    budget = production.OGI_MAX_PAGES_PER_PORTAL
    rows = []
    for label, ppp, maxp in (("incremental nightly (demo-sized listings)", per_portal_incr, full["max_portal_pages"]),
                             ("incremental nightly, 40 listing pages per portal", 40, 200),
                             ("full first crawl (demo-sized portals)", per_portal_full, full["max_portal_pages"]),
                             ("full first crawl, 300 pages per portal", 300, 1500),
                             ("full first crawl, every portal at the budget", budget, budget)):
        m = national_hours(ppp, maxp, cpu_full, args.processes, args.latency, delay, conc)
        rows.append(f"| {label} | {ppp:,.0f} | {m['total']:,.0f} | {m['rate']:.0f} | {m['tail_hours']:.2f} | "
                    f"**{m['hours']:.2f}** |")
    fam = ", ".join(f"{k} {v}" for k, v in sorted(by_family.items()))
    lines = [
        "## national crawl (bench/bench_crawl_national.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; one asyncio "
        f"server thread for all portals and the crawler (one Scrapy process) on the same host, loopback 127.1.x.y; "
        f"load average before {load_before}, after {load_after}.",
        "",
        f"* {args.portals} portals of {len(by_family)} families ({fam}), each on its own address; "
        f"{want} reports expected",
        f"* production politeness (crawlers/settings.py) with every time divided by {args.scale:g}: "
        f"DOWNLOAD_DELAY {settings['DOWNLOAD_DELAY']} s, AutoThrottle on (start {settings['AUTOTHROTTLE_START_DELAY']} s, "
        f"max {settings['AUTOTHROTTLE_MAX_DELAY']} s), robots.txt obeyed, {production.CONCURRENT_REQUESTS_PER_DOMAIN} "
        f"request per host, {conc} in flight, page budget {budget}/portal; each response takes "
        f"{args.latency / args.scale * 1000:.0f} ms ({args.latency:g} s / {args.scale:g})",
        "",
        "| run | wall s | pages | pages/s | crawler CPU s (share of wall) | CPU ms/page | largest portal (pages) "
        "| peak crawler RSS MB | reports found |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| full | {full['wall']:.1f} | {full['pages']} | {full['pps']:.0f} | {full['cpu']:.0f} "
        f"({full['cpu'] / full['wall']:.0%}) | {cpu_full * 1000:.2f} | "
        f"{full['max_portal_pages']} | {full['peak_rss_mb']:.0f} | {found}/{want} |",
        f"| incremental (`-a known=`) | {incr['wall']:.1f} | {incr['pages']} | {incr['pps']:.0f} | {incr['cpu']:.0f} "
        f"({incr['cpu'] / incr['wall']:.0%}) | {incr['cpu'] / max(1, incr['pages']) * 1000:.2f} | "
        f"{incr['max_portal_pages']} | {incr['peak_rss_mb']:.0f} | {found_incr}/{want} |",
        "",
        f"scrapy exit status: full {full['rc']}, incremental {incr['rc']}; crawl errors in the full run: {errors}"
        + (f"; reports missed by family: {dict(missed)}" if missed else "") + ". Wall time includes Scrapy start-up; "
        "the peak RSS is the largest crawler process so far (ru_maxrss of children). With the per-host delay "
        f"scaled to {settings['DOWNLOAD_DELAY']} s the largest portal alone needs only "
        f"~{full['max_portal_pages'] * (float(settings['DOWNLOAD_DELAY']) + args.latency / args.scale):.0f} s, so the "
        "wall time here is set by the CPU the crawler got (the share above: the machine is shared) — which is why "
        "the estimate below is built from CPU per page, not from this wall time.",
        "",
        f"National estimate ({NATIONAL_PORTALS:,} portals) at real delays: {args.latency:g} s per response, "
        f"DOWNLOAD_DELAY {delay:g} s, {args.processes} crawl processes side by side (flows shards, one core each) "
        f"with {conc} requests in flight each, at the measured {cpu_full * 1000:.2f} ms CPU per page; hours = "
        f"max(total pages / rate, largest portal × (latency + delay)), rate = min(processes × in-flight / latency, "
        f"portals / (latency + delay), processes / CPU per page):",
        "",
        "| crawl | pages per portal | total pages | rate (pages/s) | largest portal, h | **hours** |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "The demo portals are small (a few dozen pages); real county portals need ~100–300 pages for a full crawl "
        "(bench/bench_crawl.py) and their listings ~20–40 for an incremental one, hence the extra rows. The page "
        "budget bounds the worst portal: the last row is the ceiling of a first crawl.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_publish:
        print(publish("crawl_national", text), file=sys.stderr)
    return 0 if full["rc"] == 0 and incr["rc"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
