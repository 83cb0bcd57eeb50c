"""Polite downloads from many portals at once: how many hosts are busy at the same time.

    .venv/bin/python bench/bench_download_hosts.py [--hosts 200] [--docs 5] [--latency 0.3]

Each host is its own loopback address (127.2.x.y) served by one asyncio loop; it answers
robots.txt (with a `Crawl-delay` of 1 s) and `/doc<k>.html` (a 30 KB page) after `--latency`
seconds. The documents are queued host by host, as a shard's rounds list them (every document of
portal 1, then of portal 2 …), and fetched with the flows' downloader (flows.download,
flows.hostqueue) under the DEFAULT politeness: robots.txt obeyed, its Crawl-delay honoured, at
most `per_host` requests in flight per host. A sampler counts the hosts with a request in flight
every 20 ms. Writes bench/results/download_hosts.md.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loopback import LoopbackFarm  # noqa: E402
from results_file import publish  # noqa: E402

PAGE = ("<html><body><h1>报告</h1>" + "<p>" + "政府信息公开" * 800 + "</p></body></html>").encode("utf-8")
CRAWL_DELAY_S = 1


class HostFarm(LoopbackFarm):
    """`n` hosts on one asyncio loop; counts requests in flight per host."""

    octet = 2

    def __init__(self, n: int, latency_s: float):
        super().__init__()
        self.n, self.latency_s = n, latency_s
        self.netlocs: list[str] = []
        self.active: Counter = Counter()
        self.docs_served: Counter = Counter()  # netloc -> documents answered (robots.txt aside)
        self.served = 0

    async def _start(self) -> None:
        for i in range(self.n):
            self.netlocs.append(await self.listen(i, self._serve))

    async def _serve(self, reader, writer, netloc: str) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                _method, target, _ = line.decode("latin-1").split(" ", 2)
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                self.active[netloc] += 1
                try:
                    await asyncio.sleep(self.latency_s)
                finally:
                    self.active[netloc] -= 1
                self.served += 1
                if target != "/robots.txt":
                    self.docs_served[netloc] += 1
                if target == "/robots.txt":
                    body, ctype = f"User-agent: *\nDisallow:\nCrawl-delay: {CRAWL_DELAY_S}\n".encode(), "text/plain"
                else:
                    body, ctype = PAGE, "text/html; charset=utf-8"
                writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: {ctype}\r\n\r\n"
                             .encode("latin-1") + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    def busy_hosts(self) -> int:
        return sum(1 for v in list(self.active.values()) if v > 0)

    def hosts_in_progress(self, docs: int) -> int:
        """Hosts whose downloads have started and not finished (some documents served, not all)."""
        return sum(1 for h, v in list(self.active.items()) if v > 0 or 0 < self.docs_served[h] < docs)


def run(hosts: int, docs: int, latency_s: float) -> dict:
    from flows.download import Downloader, Politeness, reset_politeness_state
    from flows.hostqueue import MAX_THREADS, fetch_interleaved
    from flows.rawstore import RawStore

    farm = HostFarm(hosts, latency_s).start()
    urls = {f"http://{h}/doc{k}.html": {"allowed_hosts": [h], "allow_private": True}
            for h in farm.netlocs for k in range(docs)}
    samples: list[int] = []
    progress: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(farm.busy_hosts())
            progress.append(farm.hosts_in_progress(docs))
            time.sleep(0.02)

    reset_politeness_state()
    pol = Politeness()  # the defaults, as a nightly uses them
    stats: dict = {}
    sampler = threading.Thread(target=sample, daemon=True)
    with tempfile.TemporaryDirectory(prefix="ogi-dlhosts-") as tmp, Downloader(RawStore(Path(tmp)), pol, connections=MAX_THREADS) as dl:
        t0 = time.monotonic()
        sampler.start()
        results = list(fetch_interleaved(dl, urls, stats=stats))
        wall = time.monotonic() - t0
        done.set()
        sampler.join()
    farm.stop()
    statuses = Counter(r["status"] for r in results)
    steady = sorted(samples)[len(samples) // 2] if samples else 0
    median_progress = sorted(progress)[len(progress) // 2] if progress else 0
    return {"peak_progress": max(progress or [0]), "median_progress": median_progress, "hosts": hosts, "docs": len(urls), "wall_s": wall, "docs_per_s": len(urls) / wall,
            "peak_busy": max(samples or [0]), "median_busy": steady, "scheduler_peak": stats.get("max_active_hosts"),
            "threads": stats.get("threads"), "max_threads": MAX_THREADS, "statuses": dict(statuses),
            "per_host": pol.per_host, "delay_s": pol.delay_s}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--docs", type=int, default=5, help="documents per host")
    ap.add_argument("--latency", type=float, default=0.3, help="seconds each response takes")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()
    r = run(args.hosts, args.docs, args.latency)
    load_after = os.getloadavg()
    floor = args.docs * max(CRAWL_DELAY_S, args.latency) + args.latency  # one host's documents, one after another
    md = f"""# Polite downloads across hosts (bench/bench_download_hosts.py)

Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average before
{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)}.
{r['hosts']} hosts on loopback (one address each, one asyncio loop), {args.docs} documents per host queued
host by host, each response after {args.latency:g} s, robots.txt with `Crawl-delay: {CRAWL_DELAY_S}`; the flows'
downloader with its **default politeness** (per host {r['per_host']} in flight, {r['delay_s']:g} s between
request starts, raised to the Crawl-delay; robots.txt obeyed); {r['threads']} fetch threads (cap
OGI_FETCH_THREADS = {r['max_threads']}).

| hosts | documents | wall s | documents/s | hosts being downloaded from: peak | median | a request in flight: peak | median | outcomes |
|---:|---:|---:|---:|---:|---:|---:|---:|---|
| {r['hosts']} | {r['docs']} | {r['wall_s']:.1f} | {r['docs_per_s']:.1f} | {r['peak_progress']} | {r['median_progress']} | {r['peak_busy']} | {r['median_busy']} | {', '.join(f'{k} {v}' for k, v in sorted(r['statuses'].items()))} |

*Being downloaded from*: some of the host's documents served, not all, or a request in flight. *A request in
flight*: the server is answering one. At one request per {CRAWL_DELAY_S} s per host and {args.latency:g} s per answer a
host has a request in flight at most {min(1.0, args.latency / CRAWL_DELAY_S):.0%} of the time, so about
{r['hosts'] * min(1.0, args.latency / CRAWL_DELAY_S):.0f} of {r['hosts']} hosts can be answering at any moment once all are under way.

One host alone needs about {floor:.1f} s for its {args.docs} documents at this Crawl-delay; queued host by host
and fetched one host at a time, {r['hosts']} hosts would need ~{floor * r['hosts'] / 60:.0f} min. Busy hosts are
counted by the servers (a request in flight), sampled every 20 ms.
"""
    publish("download_hosts", md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
