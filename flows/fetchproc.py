"""A shard's downloads in a process of their own.

    with FetchProcess(data_dir, politeness) as fetcher:      # started as the shard begins
        for res in fetcher.fetch(urls, stats):               # each round: results as they complete
            ...

Why: the conditional GETs are CPU work in Python (httpx, the URL records), and shards side by
side in one flow process (`ogi run --parallel-shards 2`) shared its one GIL for them — ~2 ms of
CPU per 304 there against ~1.2 ms in a process of their own (the flows' downloader alone over
3,000 304s from 50 loopback portals: 7.2 s in one process, 2.7 s in two side by side; the
pipeline's figures are in BENCHMARKS.md). The process is started
when the shard begins, so its imports overlap the shard's crawl, and it serves every round of the
shard: the same downloader, politeness and raw store as in the shard's own process
(flows.hostqueue.fetch_interleaved), only in another process. Results stream back one by one, so
parses still start as documents arrive.

Nothing is lost when the process is: the URLs of a round it did not answer (it died, or the pipe
broke) are fetched in the shard's own process, and so is every later round.

When (`wanted`): for a shard that knows at least MIN_KNOWN reports from earlier runs — a process
costs ~0.3 s of CPU to start and saves ~0.6 ms per conditional GET, and a shard new to its portals
is dominated by parsing, not GETs (a full run took 72.2 s either way). OGI_FETCH_PROCESS=1 always,
=0 never. Not used when host slots come from Prefect's global concurrency limits
(`prefect_host_limits`: the child would need the parent's API).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from pathlib import Path
from typing import Iterator

from . import progress

log = logging.getLogger(__name__)
_END = "end"
MIN_KNOWN = 200


def wanted(politeness: dict | None, known_reports: int) -> bool:
    """Whether a shard that knows `known_reports` reports from earlier runs fetches in a FetchProcess."""
    if (politeness or {}).get("prefect_host_limits"):
        return False
    switch = os.environ.get("OGI_FETCH_PROCESS", "")
    if switch in ("0", "1"):
        return switch == "1"
    return known_reports >= MIN_KNOWN


def fetch_here(urls: dict[str, dict], data_dir: str | Path, politeness: dict | None,
               stats: dict | None = None) -> Iterator[dict]:
    """One round's downloads in this process (flows.hostqueue.fetch_interleaved)."""
    from .download import Downloader, Politeness
    from .hostqueue import MAX_THREADS, fetch_interleaved
    from .rawstore import RawStore

    with Downloader(RawStore(data_dir), Politeness.from_dict(politeness), connections=MAX_THREADS) as dl:
        yield from fetch_interleaved(dl, urls, stats=stats)


def _serve(conn, data_dir: str, politeness: dict) -> None:
    """The child: take a round's URLs, send each result as it completes, then (END, stats)."""
    while True:
        try:
            urls = conn.recv()
        except (EOFError, OSError):
            return
        if urls is None:
            return
        stats: dict = {}
        for res in fetch_here(urls, data_dir, politeness, stats):
            conn.send(res)
        conn.send((_END, stats))


class FetchProcess:
    def __init__(self, data_dir: str | Path, politeness: dict | None):
        self.data_dir, self.politeness = str(data_dir), dict(politeness or {})
        self.broken: str | None = None
        ctx = multiprocessing.get_context("spawn")  # fork after the parent's threads would share their locks
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.data_dir, self.politeness), name="ogi-fetch",
                                 daemon=True)
        self._proc.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def fetch(self, urls: dict[str, dict], stats: dict | None = None) -> Iterator[dict]:
        """Every URL's FetchResult dict, as they complete (in the child while it works)."""
        got: set[str] = set()
        finished = False
        try:
            if self.broken is None:
                try:
                    self._conn.send(urls)
                    while True:
                        msg = self._conn.recv()
                        if isinstance(msg, tuple) and msg and msg[0] == _END:
                            if stats is not None:
                                stats["max_active_hosts"] = max(stats.get("max_active_hosts", 0),
                                                                msg[1].get("max_active_hosts", 0))
                                stats["threads"] = msg[1].get("threads")
                            break
                        got.add(msg["url"])
                        progress.emit("advance", "download")
                        yield msg
                except (EOFError, OSError) as exc:
                    self._give_up(f"{type(exc).__name__}: {exc}")
            rest = {u: spec for u, spec in urls.items() if u not in got}
            if rest:
                yield from fetch_here(rest, self.data_dir, self.politeness, stats)
            finished = True
        finally:
            if not finished and self.broken is None:  # left mid-round: the child's answers are out of step
                self._give_up("a round was left unfinished")

    def _give_up(self, why: str) -> None:
        self.broken = why
        log.warning("fetch process %s: %s; fetching in the shard's own process from now on", self._proc.pid, why)
        self._stop(kill=True)

    def _stop(self, kill: bool = False) -> None:
        if kill:
            self._proc.kill()
        else:
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._conn.close()

    def close(self) -> None:
        if self.broken is None:
            self.broken = "closed"
            self._stop()

    def __enter__(self) -> "FetchProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
