"""A national nightly on loopback: 1,000+ generated portals, crawled by N processes side by side.

    .venv/bin/python bench/bench_crawl_national.py [--portals 1000] [--processes 2] [--scale 20] [--latency 0.3]
    .venv/bin/python bench/bench_crawl_national.py --fast [--portals 1000] [--processes 2]

Every demo portal family with one host in ogi/demo/portals.py (TRS, Hanweb, gkmlpt, VSB, pageNo, numbered
html, ASP.NET, Hanweb intensive, Guangdong column, Anhui selector, … — whatever the demo ships) is built
once as a template and served for many portals, each on its own loopback address 127.1.x.y (the crawler's
per-host politeness is keyed by host): one asyncio server thread in this process, keep-alive, a response
delay of `latency / scale` seconds, ETag/304 like the demo server. The portals are split into `--processes`
contiguous shards and each shard is crawled by its own `scrapy crawl portals` process (the command
`ogi crawl` and the flows' shards run), all side by side.

Default mode: the production settings of crawlers/settings.py (robots.txt, per-host concurrency 1,
DOWNLOAD_DELAY, AutoThrottle, the page budget and global concurrency) with every *time* divided by
`--scale`; then an incremental run (`-a known=` the first run's items) does the same. `--fast`: politeness
off (crawlers.settings.FAST_SETTINGS, as `ogi crawl --fast` and bench/bench_crawl.py), one full run: the
crawl is CPU-bound, which is what the pages/s figure then measures. Reported: wall time, pages/s (whole run
and first-to-last request), crawler CPU per page (getrusage of each crawl process; Scrapy start-up measured
on a one-page crawl and shown apart), the loopback servers' CPU (this process) apart, peak RSS per crawl
process, recall, and the national crawl extrapolated at real delays (3,213 portals). Writes
bench/results/crawl_national.md (`--fast`: crawl_national_fast.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import threading
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
from ogi.commands.crawl import PROJECT_ROOT, build_command  # noqa: E402
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
        self.first_at: float | None = None                  # time.monotonic() of the first/last request
        self.last_at: float | None = None

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
                self.last_at = time.monotonic()
                if self.first_at is None:
                    self.first_at = self.last_at
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


def crawl_process(registry: Path, portals: list[str] | None, out: Path, settings: dict[str, str],
                  known: Path | None) -> dict:
    """One `scrapy crawl portals` process over `portals` — the command `run_crawl` (ogi crawl, the flows'
    shards) runs — waited for with wait4, so its own CPU and peak RSS are known."""
    out = out.resolve()
    stats_path = Path(str(out) + ".stats.json")
    stats_path.unlink(missing_ok=True)
    cmd = build_command(str(registry), portals, str(out), settings=[f"{k}={v}" for k, v in settings.items()],
                        known=str(known) if known else None)
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT)
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    return {"rc": proc.returncode, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024,
            "stats": stats, "out": out}


def crawl_shards(farm: Farm, registry: Path, shards: list[list[str]], base: Path, tag: str,
                 settings: dict[str, str], known: list[Path] | None) -> dict:
    """Crawl every shard in its own process, all side by side; the farm counts the pages."""
    farm.requests.clear()
    farm.first_at = farm.last_at = None
    results: list = [None] * len(shards)

    def run(i: int) -> None:
        results[i] = crawl_process(registry, shards[i], base / f"{tag}-{i}.jsonl", settings,
                                   known[i] if known else None)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(shards))]
    t0, s0 = time.monotonic(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    server_cpu = time.process_time() - s0    # this process: the loopback servers (the waiting threads idle)
    netloc = {pid: nl for pid, _, nl in farm.portals}
    for shard, r in zip(shards, results):
        r["pages"] = sum(farm.requests[netloc[pid]] for pid in shard)
        r["portals"] = len(shard)
    pages = sum(farm.requests.values())
    window = (farm.last_at - farm.first_at) if farm.first_at is not None and farm.last_at > farm.first_at else wall
    items: dict[str, set[str]] = {}
    for r in results:
        items.update(items_by_portal(r["out"]))
    return {"rc": max(r["rc"] for r in results), "wall": wall, "window": window, "pages": pages,
            "pps": pages / wall, "pps_window": pages / window, "cpu": sum(r["cpu"] for r in results),
            "server_cpu": server_cpu, "procs": results, "max_portal_pages": max(farm.requests.values() or [0]),
            "stats": {k: v for r in results for k, v in r["stats"].items()}, "items": items,
            "outs": [r["out"] for r in results]}


def startup_cpu(farm: Farm, base: Path, settings: dict[str, str]) -> float:
    """CPU seconds of a crawl process that fetches one robots.txt: Scrapy's start-up and shut-down."""
    _, _, netloc = farm.portals[0]
    tiny = base / "tiny.csv"
    tiny.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                    f"tiny,t,t,county,1,http://{netloc}/robots.txt,{netloc}\n", encoding="utf-8")
    return crawl_process(tiny, None, base / "tiny.jsonl", {**settings, "LOG_LEVEL": "CRITICAL"}, None)["cpu"]


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


def run_rows(label: str, run: dict, startup: float, want: int, expected: dict) -> tuple[str, float]:
    """The table row of one run, and its steady-state crawler CPU per page (start-up taken out)."""
    n = len(run["procs"])
    steady = max(0.0, run["cpu"] - n * startup) / max(1, run["pages"])
    found = sum(len(run["items"].get(pid, set()) & v) for pid, v in expected.items())
    rss = " / ".join(f"{r['rss_mb']:.0f}" for r in run["procs"])
    row = (f"| {label} | {run['wall']:.1f} | {run['pages']} | {run['pps']:.0f} | **{run['pps_window']:.0f}** | "
           f"{run['cpu']:.1f} ({run['cpu'] / run['wall']:.0%}) | {run['cpu'] / max(1, run['pages']) * 1000:.2f} | "
           f"**{steady * 1000:.2f}** | {run['server_cpu']:.1f} ({run['server_cpu'] / max(1, run['pages']) * 1000:.2f}) | "
           f"{run['max_portal_pages']} | {rss} | {found}/{want} |")
    return row, steady


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=2,
                    help="crawl processes side by side, one per shard of the portals (flows shards; default 2)")
    ap.add_argument("--fast", action="store_true",
                    help="politeness off (crawlers.settings.FAST_SETTINGS), one full run: the CPU-bound crawl rate")
    ap.add_argument("--scale", type=float, default=20.0, help="divide every politeness time by this (default 20)")
    ap.add_argument("--latency", type=float, default=0.3, help="real response time of a portal, s (default 0.3)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a Scrapy setting (experiments; the published figures use the defaults)")
    ap.add_argument("--no-publish", action="store_true", help="print, do not write bench/results")
    args = ap.parse_args(argv)
    nproc = max(1, args.processes)

    templates = families()
    farm = Farm(templates, args.portals, args.latency / args.scale, args.scale)
    farm.start()
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"ogi-bench-national-{os.getpid()}"
    base.mkdir(parents=True, exist_ok=True)
    registry = farm.registry(base / "registry.csv")
    expected = farm.expected()
    if args.fast:
        settings = dict(production.FAST_SETTINGS, LOG_LEVEL="ERROR")
    else:
        settings = scaled_settings(args.scale)
    settings.update(kv.split("=", 1) for kv in args.set)
    ids = [pid for pid, _, _ in farm.portals]
    shards = [ids[len(ids) * i // nproc:len(ids) * (i + 1) // nproc] for i in range(nproc)]   # contiguous:
    shards = [sh for sh in shards if sh]                # each holds every family (portal i is family i % 10)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    startup = startup_cpu(farm, base, settings)
    full = crawl_shards(farm, registry, shards, base, "full", settings, None)
    incr = None if args.fast else crawl_shards(farm, registry, shards, base, "incr", settings, full["outs"])
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    farm.stop()

    want = sum(len(v) for v in expected.values())
    missed = Counter(pid.split("-", 1)[1] for pid, v in expected.items() for _ in v - full["items"].get(pid, set()))
    errors = sum(s.get("errors", 0) for s in full["stats"].values())
    by_family = Counter(f for _, f, _ in farm.portals)
    row_full, cpu_full = run_rows("full", full, startup, want, expected)
    table = [row_full]
    if incr is not None:
        table.append(run_rows("incremental (`-a known=`)", incr, startup, want, expected)[0])
    per_portal_full = full["pages"] / args.portals
    per_portal_incr = incr["pages"] / args.portals if incr else None
    conc = int(settings.get("CONCURRENT_REQUESTS", production.CONCURRENT_REQUESTS))
    delay = production.DOWNLOAD_DELAY
    budget = production.OGI_MAX_PAGES_PER_PORTAL
    rows = []
    for label, ppp, maxp in (("incremental nightly (demo-sized listings)", per_portal_incr, full["max_portal_pages"]),
                             ("incremental nightly, 40 listing pages per portal", 40, 200),
                             ("full first crawl (demo-sized portals)", per_portal_full, full["max_portal_pages"]),
                             ("full first crawl, 300 pages per portal", 300, 1500),
                             ("full first crawl, every portal at the budget", budget, budget)):
        if ppp is None:
            continue
        m = national_hours(ppp, maxp, cpu_full, nproc, args.latency, delay, conc)
        rows.append(f"| {label} | {ppp:,.0f} | {m['total']:,.0f} | {m['rate']:.0f} | {m['tail_hours']:.2f} | "
                    f"**{m['hours']:.2f}** |")
    fam = ", ".join(f"{k} {v}" for k, v in sorted(by_family.items()))
    if args.fast:
        mode = (f"* politeness off: crawlers.settings.FAST_SETTINGS (`ogi crawl --fast`: no AutoThrottle or delay, "
                f"{settings['CONCURRENT_REQUESTS_PER_DOMAIN']} requests per host), robots.txt obeyed, {conc} in flight "
                f"per process, page budget {budget}/portal; each response takes {args.latency / args.scale * 1000:.0f} ms: "
                "the crawl is CPU-bound")
    else:
        mode = (f"* production politeness (crawlers/settings.py) with every time divided by {args.scale:g}: "
                f"DOWNLOAD_DELAY {settings['DOWNLOAD_DELAY']} s, AutoThrottle on (start {settings['AUTOTHROTTLE_START_DELAY']} s, "
                f"max {settings['AUTOTHROTTLE_MAX_DELAY']} s), robots.txt obeyed, {production.CONCURRENT_REQUESTS_PER_DOMAIN} "
                f"request per host, {conc} in flight per process, page budget {budget}/portal; each response takes "
                f"{args.latency / args.scale * 1000:.0f} ms ({args.latency:g} s / {args.scale:g})")
    procs = "\n".join(
        f"| {i} | {r['portals']} | {r['pages']} | {r['cpu']:.1f} | {r['cpu'] / max(1, r['pages']) * 1000:.2f} | "
        f"{r['rss_mb']:.0f} | {r['rc']} |" for i, r in enumerate(full["procs"]))
    lines = [
        "## national crawl" + (", politeness off" if args.fast else "") + " (bench/bench_crawl_national.py"
        + (" --fast" if args.fast else "") + ")",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; one asyncio "
        f"server thread for all portals (in the benchmark process) and {len(shards)} crawl process(es) side by side "
        f"on the same host, loopback 127.1.x.y; load average before {load_before}, after {load_after}.",
        "",
        f"* {args.portals} portals of {len(by_family)} families ({fam}), each on its own address; "
        f"{want} reports expected; split into {len(shards)} contiguous shards, one `scrapy crawl portals` process each "
        "(the command `ogi crawl` and the flows' shards run)",
        mode,
        "",
        "| run | wall s | pages | pages/s (wall) | pages/s (first to last request) | crawler CPU s (share of wall) "
        "| CPU ms/page | steady CPU ms/page | server CPU s (ms/page) | largest portal (pages) | peak RSS MB per process "
        "| reports found |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *table,
        "",
        "Full run, per crawl process:",
        "",
        "| process | portals | pages | CPU s | CPU ms/page | peak RSS MB | exit |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        procs,
        "",
        f"scrapy exit status: full {full['rc']}" + (f", incremental {incr['rc']}" if incr else "")
        + f"; crawl errors in the full run: {errors}"
        + (f"; reports missed by family: {dict(missed)}" if missed else "") + ". CPU is getrusage of each crawl "
        f"process (the machine is shared: CPU seconds, not wall time, are the comparable figure); steady = minus "
        f"{len(shards)} × {startup:.1f} s, the CPU of a crawl process that fetches one robots.txt (Scrapy start-up "
        "and shut-down); the servers' CPU is this process's. Wall time includes the start-up."
        + ("" if args.fast else f" With the per-host delay scaled to {settings['DOWNLOAD_DELAY']} s the largest portal "
           f"alone needs only ~{full['max_portal_pages'] * (float(settings['DOWNLOAD_DELAY']) + args.latency / args.scale):.0f} s, "
           "so the wall time here is set by the CPU the crawlers got — which is why the estimate below is built from "
           "CPU per page, not from this wall time."),
        "",
        f"National estimate ({NATIONAL_PORTALS:,} portals) at real delays: {args.latency:g} s per response, "
        f"DOWNLOAD_DELAY {delay:g} s, {nproc} crawl processes side by side (flows shards, one core each) "
        f"with {conc} requests in flight each, at the measured steady {cpu_full * 1000:.2f} ms CPU per page; hours = "
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
        print(publish("crawl_national_fast" if args.fast else "crawl_national", text), file=sys.stderr)
    ok = full["rc"] == 0 and (incr is None or incr["rc"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
