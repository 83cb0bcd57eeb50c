"""The sharded nightly on a Prefect server with 1 and with 2 process workers, 1,000+ generated
portals on loopback, one PostgreSQL server holding Prefect's database and the DuckLake catalog.

    .venv/bin/python bench/bench_workers.py [--portals 1000] [--reports 6] [--shard-portals 100]
                                            [--workers 1 2] [--limit CORES+1] [--keep] [--out PATH]

The production sequence of docs/operations.md (and tests/flows/test_work_pool.py): `prefect server
start` on PostgreSQL, `prefect work-pool create ogi-process --type process`, `prefect deploy --all`,
W × `prefect worker start --pool ogi-process --limit L`, `prefect deployment run nightly/nightly
--watch` with `lake_url` and `shard_portals`. The schedule service of the server is off, so the
deployed cron never starts a real nightly during the bench.

Portals: TRS-style generated sites (bench/bench_crawl.synthetic_builder: JS-paged listing, real-size
Word-pasted report pages), `--reports` each, all served by one asyncio farm
(bench/bench_crawl_national.Farm), each portal on its own address 127.1.x.y, politeness as the tests'
`fast_options` (the demo's). For each W in `--workers`: a fresh data directory and a fresh lake
(its own catalog database on the shared server, Parquet files in its own directory), W new workers,
one nightly run, then an unchanged rerun (a new run into the same data directory and lake).

Memory: every process under the workers (worker, flow-run processes, their crawl and parser
children) is found by walking /proc every 0.5 s (psutil is not in the venv); a process's peak is its
kernel high-water mark VmHWM (exact, read until it exits), a worker's the largest VmRSS sampled
during the run (it lives across runs). Writes bench/results/workers.md (and BENCHMARKS.md) unless
`--out` says where else to write the table.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_crawl import synthetic_builder  # noqa: E402
from bench_crawl_national import TEMPLATE_NETLOC, Farm  # noqa: E402
from bench_lake import _dir_bytes  # noqa: E402
from results_file import publish  # noqa: E402

PREFECT = str(Path(sys.executable).parent / "prefect")
NATIONAL_REPORTS = 190_000  # State Council reports a year, all governments
MB = 2**20


# -- portals -----------------------------------------------------------------------------------
def generated_farm(portals: int, reports: int) -> tuple[Farm, int]:
    """`portals` TRS-style sites with `reports` report pages each (rounded up to whole listing
    pages), served by one farm; returns (started farm, reports per portal)."""
    per_page = max(1, min(20, reports))
    pages = -(-reports // per_page)
    base = {"www": f"http://{TEMPLATE_NETLOC}"}
    sites = {f"trs{i:04d}": synthetic_builder(i, pages, per_page)(base) for i in range(portals)}
    farm = Farm(sites, portals, delay_s=0.0, scale=1.0)  # portal i serves sites[i]: names sort as i
    return farm.start(), pages * per_page


# -- processes under the workers, from /proc ---------------------------------------------------------
def _status_kb(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def _ppids() -> dict[int, int]:
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    out[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return out


def _describe(pid: int) -> tuple[str, str | None, str]:
    """(kind, Prefect flow run id, command line) of a process under a worker."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return "gone", None, ""
    fr = next((e.split(b"=", 1)[1].decode() for e in env if e.startswith(b"PREFECT__FLOW_RUN_ID=")), None)
    if "scrapy" in cmd:
        kind = "crawl"
    elif "spawn_main" in cmd:
        kind = "parser"
    else:
        kind = "other"
    return kind, fr, cmd[:300]


class TreeSampler(threading.Thread):
    """Every `interval` s: each process under the registered workers, its kind, flow run, worker,
    peak memory; and the peak of the sum of their RSS."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval = interval
        self.workers: dict[int, str] = {}      # pid -> worker name
        self.procs: dict[int, dict] = {}       # pid -> {kind, flow_run, worker, peak_kb, born_in_run}
        self.tree_peak_kb = 0
        self.lock = threading.Lock()
        self._halt = threading.Event()
        self._before: set[int] = set()

    def begin_run(self) -> None:
        with self.lock:
            self.procs.clear()
            self.tree_peak_kb = 0
            self._before = set(_ppids())

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def descendants(self) -> dict[int, tuple[str, int]]:
        """pid -> (worker name, parent pid), for every worker and every process under one."""
        ppid = _ppids()
        kids: dict[int, list[int]] = {}
        for p, pp in ppid.items():
            kids.setdefault(pp, []).append(p)
        out, todo = {}, [(w, name) for w, name in self.workers.items() if w in ppid]
        while todo:
            p, name = todo.pop()
            out[p] = (name, ppid[p])
            todo.extend((k, name) for k in kids.get(p, ()))
        return out

    def sample(self) -> None:
        tree = self.descendants()
        total = 0
        with self.lock:
            for pid, (worker, ppid) in tree.items():
                kb = _status_kb(pid)
                if not kb:
                    continue
                total += kb.get("VmRSS", 0)
                rec = self.procs.get(pid)
                if rec is None:
                    rec = self.procs[pid] = {"kind": "worker" if pid in self.workers else "other", "flow_run": None,
                                             "cmd": "", "worker": worker, "ppid": ppid, "peak_kb": 0,
                                             "born_in_run": pid not in self._before}
                if rec["kind"] == "other" and rec["flow_run"] is None:  # new, or seen between fork and exec
                    kind, fr, cmd = _describe(pid)
                    if fr and ppid in self.workers and kind == "other":  # the worker's child runs the flow
                        kind = "flow run"                              # (prefect.runner._workspace_supervisor)
                    rec.update(kind=kind, flow_run=fr, cmd=cmd)
                peak = kb.get("VmHWM", 0) if rec["born_in_run"] else 0
                rec["peak_kb"] = max(rec["peak_kb"], peak, kb.get("VmRSS", 0))
            self.tree_peak_kb = max(self.tree_peak_kb, total)

    def snapshot(self) -> tuple[dict[int, dict], int]:
        with self.lock:
            return {p: dict(r) for p, r in self.procs.items()}, self.tree_peak_kb


# -- the Prefect stack ------------------------------------------------------------------------------
class Stack:
    """PostgreSQL + Prefect server + workers on loopback; `close()` stops everything it started."""

    def __init__(self, tmp: Path, sampler: TreeSampler):
        self.tmp, self.sampler = tmp, sampler
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.pg = None
        self.env: dict[str, str] = {}
        self.api = ""

    def start(self) -> None:
        from tests.pgserver import PgServer

        self.pg = PgServer.start()
        db = self.pg.create_database("prefect").replace("postgresql://", "postgresql+asyncpg://", 1)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.api = f"http://127.0.0.1:{port}/api"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        self.env.update(PREFECT_HOME=str(self.tmp / "prefect-home"), PREFECT_API_URL=self.api,
                        PREFECT_API_DATABASE_CONNECTION_URL=db,
                        PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_LOGGING_LEVEL="WARNING",
                        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",  # no cron nightly on real portals
                        PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1",
                        OGI_HOME=str(ROOT), OGI_SHARD_POLL_S="1", PYTHONPATH=str(ROOT))
        server = self._spawn("server", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui")
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Prefect server did not start: see {self.logs / 'server.log'}")
            try:
                with urllib.request.urlopen(self.api + "/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        self.prefect("work-pool", "create", "ogi-process", "--type", "process")
        self.prefect("--no-prompt", "deploy", "--all")

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        p = subprocess.Popen([PREFECT, *args], cwd=ROOT, env=self.env, stdout=open(self.logs / f"{name}.log", "ab"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        return p

    def prefect(self, *args: str, timeout: float = 300) -> str:
        out = subprocess.run([PREFECT, *args], cwd=ROOT, env=self.env, capture_output=True, timeout=timeout)
        if out.returncode:
            raise RuntimeError(f"prefect {' '.join(args[:3])} failed ({out.returncode}):\n"
                               f"{out.stdout.decode()[-2000:]}\n{out.stderr.decode()[-2000:]}")
        return out.stdout.decode("utf-8", "replace")

    def start_workers(self, n: int, limit: int) -> None:
        for i in range(1, n + 1):
            name = f"worker-{i}"
            p = self._spawn(name, "worker", "start", "--pool", "ogi-process", "--name", name, "--limit", str(limit))
            self.workers.append(p)
            self.sampler.workers[p.pid] = name
        time.sleep(3)  # let them register and poll
        for p in self.workers:
            if p.poll() is not None:
                raise RuntimeError(f"a worker exited at start ({p.returncode}): see {self.logs}")

    def stop_workers(self) -> None:
        self._stop(self.workers)
        self.sampler.workers.clear()
        self.workers = []

    def _stop(self, procs: list[subprocess.Popen]) -> None:
        """Each process group we started, then any process left under it (a flow run's crawl or
        parser child in a session of its own), by pid."""
        left = [p for p in self.sampler.descendants() if p not in {q.pid for q in procs}]
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20  # for all of them together
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            if p in self.procs:
                self.procs.remove(p)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        try:
            self.stop_workers()
            self._stop(list(self.procs))
        finally:
            if self.pg is not None:
                self.pg.stop()

    def api_get(self, path: str) -> dict:
        with urllib.request.urlopen(self.api + path, timeout=30) as r:
            return json.loads(r.read())


# -- one run ------------------------------------------------------------------------------------------
def _iso_s(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def run_nightly(stack: Stack, sampler: TreeSampler, farm: Farm, params: dict, lake: dict, timeout_s: float) -> dict:
    data = Path(params["data_dir"])
    before = set((data / "runs").glob("*/summary.json"))
    farm.requests.clear()
    sampler.begin_run()
    t0 = time.monotonic()
    stack.prefect("deployment", "run", "nightly/nightly", "--params", json.dumps(params), "--watch",
                        "--watch-timeout", str(int(timeout_s)), timeout=timeout_s + 120)
    wall = time.monotonic() - t0
    sampler.sample()
    procs, tree_peak_kb = sampler.snapshot()
    (stack.logs / f"procs-{Path(params['data_dir']).name}-{len(list(stack.logs.glob('procs-*')))}.json").write_text(
        json.dumps(procs, indent=1))
    (summary_path,) = set((data / "runs").glob("*/summary.json")) - before
    summary = json.loads(summary_path.read_text("utf-8"))
    if summary["status"] != "ok":
        raise SystemExit(f"the nightly ended {summary['status']}: {summary.get('error')}")
    st = summary["stats"]
    parent_id = None  # the flow run of the `nightly` flow (the others are its shards)
    for fr in {r["flow_run"] for r in procs.values() if r["kind"] == "flow run"}:
        if stack.api_get(f"/flows/{stack.api_get(f'/flow_runs/{fr}')['flow_id']}")["name"] == "nightly":
            parent_id = fr

    # shards: their wall time and which worker ran them (their flow-run process pid)
    shard_wall, shard_worker = [], Counter()
    for done in summary_path.parent.glob("shards/*/done.json"):
        d = json.loads(done.read_text("utf-8"))
        if d.get("run_key") != summary["run_id"]:
            continue
        shard_wall.append(_iso_s(d["started_at"], d["finished_at"]))
        shard_worker[(procs.get(d.get("pid")) or {}).get("worker", "?")] += 1
    t = st.get("timings") or {}
    mat = (summary.get("search_index") or {}).get("materialise_timings") or {}
    stages = {"shards_s": t.get("shards_s", 0), "shard_wall_s": sum(shard_wall), "crawl_s": t.get("crawl_s", 0),
              "fetch_parse_s": t.get("fetch_parse_s", 0),
              "write_s": max(0.0, sum(shard_wall) - t.get("crawl_s", 0) - t.get("fetch_parse_s", 0)),
              "index_s": t.get("index_s", 0), "sync_s": mat.get("sync_s", 0), "search_s": mat.get("search_s", 0),
              "publish_s": mat.get("publish_s", t.get("publish_s", 0))}

    def peak(kind: str, parent: bool | None = None) -> list[float]:
        return [r["peak_kb"] / 1024 for r in procs.values() if r["kind"] == kind
                and (parent is None or (r["flow_run"] == parent_id) == parent)]

    workers = {r["worker"]: r["peak_kb"] / 1024 for r in procs.values() if r["kind"] == "worker"}
    shard_runs = peak("flow run", parent=False)
    mem = {"workers": dict(sorted(workers.items())), "parent": max(peak("flow run", parent=True) or [0]),
           "shard_max": max(shard_runs or [0]), "shard_mean": sum(shard_runs) / max(1, len(shard_runs)),
           "crawl": max(peak("crawl") or [0]), "parser": max(peak("parser") or [0]),
           "processes": len(procs), "tree_peak": tree_peak_kb / 1024}
    parent_worker = next((r["worker"] for r in procs.values() if r["kind"] == "flow run"
                          and r["flow_run"] == parent_id), "?")
    return {"wall_s": wall, "reports": st["reports"], "documents": st["documents"], "parsed": st.get("parsed", 0),
            "new": st.get("reports_new", 0), "not_modified": st.get("not_modified", 0), "shards": st.get("shards"),
            "rounds": st.get("rounds"), "stages": stages, "mem": mem, "requests": sum(farm.requests.values()),
            "shards_by_worker": dict(sorted(shard_worker.items())), "parent_worker": parent_worker,
            "catalog_mb": int(stack.pg.psql(f"SELECT pg_database_size('{lake['db']}')").strip()) / MB,
            "parquet_mb": _dir_bytes(lake["path"]) / MB if lake["path"].exists() else 0.0,
            "warehouse_mb": (data / "warehouse.duckdb").stat().st_size / MB}


# -- the report -----------------------------------------------------------------------------------------
def render(args, per_portal: int, results: list[tuple[int, str, dict]], load: tuple[str, str], total_s: float) -> str:
    n_reports = args.portals * per_portal
    lines = [
        "## Prefect workers: the sharded nightly on 1 and 2 workers, one PostgreSQL-backed lake "
        "(bench/bench_workers.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"before {load[0]}, after {load[1]}; whole bench {total_s / 60:.1f} min. {args.portals:,} generated TRS-style "
        f"portals × {per_portal} reports ({n_reports:,}; JS-paged listings, real-size Word-pasted report pages), one "
        "asyncio farm, each portal on its own loopback address 127.1.x.y. The production sequence "
        "(docs/operations.md): one PostgreSQL server (tests/pgserver.py) holds the Prefect server's database and the "
        "DuckLake catalogs; `prefect server start`, `prefect deploy --all`, W × `prefect worker start --pool "
        f"ogi-process --limit {args.limit}`, `prefect deployment run nightly/nightly --watch` with `lake_url`, "
        f"`shard_portals` {args.shard_portals} and the tests' loopback politeness (`fast_options`). The parent flow "
        f"run takes one of its worker's {args.limit} slots; shards take the rest (at most "
        "W × limit − 1 at a time). Each W: fresh data directory and lake, a full run, then an unchanged rerun "
        "(new run, same data directory and lake). Wall s = `deployment run --watch` from submit to final state.",
        "",
        "| run | wall s | reports | reports/s | shards (by worker) | parent on | portal requests | documents "
        "| 304s | lake catalog MB | lake Parquet MB | warehouse.duckdb MB |",
        "|---|" + "---:|" * 11,
    ]
    for w, label, r in results:
        byw = ", ".join(f"{k} {v}" for k, v in r["shards_by_worker"].items())
        lines.append(f"| {w} worker{'s' if w > 1 else ''}, {label} | {r['wall_s']:.1f} | {r['reports']:,} | "
                     f"{r['reports'] / r['wall_s']:.1f} | {r['shards']} ({byw}) | {r['parent_worker']} | "
                     f"{r['requests']:,} | {r['documents']:,} | {r['not_modified']:,} | {r['catalog_mb']:.1f} | "
                     f"{r['parquet_mb']:.1f} | {r['warehouse_mb']:.1f} |")
    lines += [
        "",
        "Per-stage time, s. *shards* is the parent's wait for all shards (wall); *crawl*, *fetch+parse* and "
        "*write* are sums over the shards (they overlap in time when shards run side by side); *write* = shard "
        "wall − crawl − fetch+parse (mostly the lake transactions, the flows do not time it separately); "
        "*shard wall Σ* = the shards' own time (from the start of their work to done.json), summed; "
        "*finish* = the parent's run record + materialise + publish, of which *sync* (copy changed reports from "
        "the lake), *search* (full-text index) and *publish* (atomic replace).",
        "",
        "| run | shards | shard wall Σ | crawl Σ | fetch+parse Σ | write Σ | finish | sync | search | publish |",
        "|---|" + "---:|" * 9,
    ]
    for w, label, r in results:
        s = r["stages"]
        lines.append(f"| {w} worker{'s' if w > 1 else ''}, {label} | {s['shards_s']:.1f} | {s['shard_wall_s']:.1f} | {s['crawl_s']:.1f} | "
                     f"{s['fetch_parse_s']:.1f} | {s['write_s']:.1f} | {s['index_s']:.1f} | {s['sync_s']:.1f} | "
                     f"{s['search_s']:.1f} | {s['publish_s']:.1f} |")
    lines += [
        "",
        "Peak memory per process, MB (VmHWM from /proc for processes started during the run, the largest "
        "sampled VmRSS for the workers, which live across runs; the process tree under the workers walked every "
        "0.5 s — psutil is not installed). *Σ tree* = the largest sampled sum of RSS over all of them at once (shared pages counted in each).",
        "",
        "| run | workers | parent flow run | shard flow run (max / mean) | largest crawl | largest parser | "
        "processes seen | Σ tree |",
        "|---|---|" + "---:|" * 6,
    ]
    for w, label, r in results:
        m = r["mem"]
        ws = ", ".join(f"{k} {v:.0f}" for k, v in m["workers"].items())
        lines.append(f"| {w} worker{'s' if w > 1 else ''}, {label} | {ws} | {m['parent']:.0f} | {m['shard_max']:.0f} / "
                     f"{m['shard_mean']:.0f} | {m['crawl']:.0f} | {m['parser']:.0f} | {m['processes']} | "
                     f"{m['tree_peak']:.0f} |")
    lines.append("")
    full = {w: r for w, label, r in results if label == "full run"}
    again = {w: r for w, label, r in results if label != "full run"}
    for w in full:
        if w in again:
            lines.append(f"* {w} worker{'s' if w > 1 else ''}: the unchanged rerun took "
                         f"{100 * again[w]['wall_s'] / full[w]['wall_s']:.0f}% of the full run's wall time.")
    if args.limit == 2:  # one worker runs one shard at a time: the gaps between them are flow-run start-up
        for w, label, r in results:
            if w == 1:
                s = r["stages"]
                lines.append(f"* 1 worker, {label}: shards one at a time, so (shards − shard wall Σ) / shards = "
                             f"{(s['shards_s'] - s['shard_wall_s']) / max(1, r['shards']):.1f} s per shard between "
                             "one shard's end and the next one's work (worker poll, flow-run process start, "
                             "imports, pull step).")
    if 1 in full:
        r1 = full[1]["reports"] / full[1]["wall_s"]
        rr = (again[1]["wall_s"] / full[1]["wall_s"]) if 1 in again else None
        hours = ", ".join(f"{NATIONAL_REPORTS / (n * r1) / 3600:.1f} h on {n}" for n in (1, 2, 4, 8))
        two = ""
        if 2 in full:
            r2 = full[2]["reports"] / full[2]["wall_s"]
            two = (f" Measured here, 2 workers on the same machine gave {r2:.1f} reports/s ({r2 / r1:.2f}× one "
                   f"worker): they share the same 2 cores, so that is not what a second machine adds; "
                   f"at that rate a national year is {NATIONAL_REPORTS / r2 / 3600:.1f} h on this one machine.")
        lines += [
            "",
            f"National estimate — **extrapolated, not measured at that scale**: ~{NATIONAL_REPORTS:,} reports a year. "
            f"One worker on this 2-core machine sustained {r1:.1f} reports/s end to end (full run above). With N "
            f"workers each on its own 2-core machine, the shared lake and PostgreSQL not the limit, a night that "
            f"takes in a whole year of new reports is about **{hours}**"
            + (f"; a night where little changed costs about {100 * rr:.0f}% of that (the unchanged rerun): "
               f"**{NATIONAL_REPORTS / r1 / 3600 * rr:.1f} h on 1 worker**." if rr else ".")
            + two + " Loopback with politeness off: real portals add network latency and per-host delays, "
            "which the per-host download queues overlap across hosts but the crawl cannot beat for the largest "
            "portal.",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=1000)
    ap.add_argument("--reports", type=int, default=6, help="reports per portal")
    ap.add_argument("--shard-portals", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts, one set of runs each")
    ap.add_argument("--limit", type=int, default=(os.cpu_count() or 1) + 1,
                    help="flow runs per worker (`prefect worker start --limit`): the parent + shards "
                         "(default: cores + 1, as docs/operations.md advises: one shard per core)")
    ap.add_argument("--timeout", type=float, default=7200, help="per run: the parent's shard timeout, s")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data, lake)")
    ap.add_argument("--out", help="write the results here instead of bench/results/workers.md + BENCHMARKS.md")
    args = ap.parse_args(argv)
    if args.limit < 2 and 1 in args.workers:
        ap.error("--limit must be at least 2: one worker runs the parent and its shards")

    from tests.pgserver import find_bindir

    if find_bindir() is None:
        print("skipped: PostgreSQL binaries (initdb, pg_ctl) not found; install Debian's `postgresql` "
              "(scripts/setup.sh does) or set OGI_PG_BINDIR", file=sys.stderr)
        return 0
    from crawlers.settings import FAST_SETTINGS
    from ogi.commands.demo import DEMO_POLITENESS

    def on_term(signum, frame):  # a `kill` of the bench still stops what it started
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    t_start = time.monotonic()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="ogi-bench-workers-"))
    print(f"building {args.portals} portals × {args.reports} reports … (work dir {tmp})", file=sys.stderr, flush=True)
    farm, per_portal = generated_farm(args.portals, args.reports)
    registry = farm.registry(tmp / "registry.csv")
    sampler = TreeSampler()
    sampler.start()
    stack = Stack(tmp, sampler)
    results: list[tuple[int, str, dict]] = []
    try:
        print("starting PostgreSQL, the Prefect server, deploying …", file=sys.stderr, flush=True)
        stack.start()
        for w in args.workers:
            db = f"lake_w{w}"
            lake = {"db": db, "path": tmp / f"lake-w{w}"}
            lake_url = f"{stack.pg.create_database(db)}?data_path={lake['path']}"
            params = {"registry": str(registry), "data_dir": str(tmp / f"data-w{w}"), "lake_url": lake_url,
                      "shard_portals": args.shard_portals, "shard_timeout_s": args.timeout,
                      "politeness": dict(DEMO_POLITENESS), "crawl_settings": dict(FAST_SETTINGS)}
            stack.start_workers(w, args.limit)
            try:
                for label in ("full run", "unchanged rerun"):
                    print(f"{w} worker(s), {label} …", file=sys.stderr, flush=True)
                    r = run_nightly(stack, sampler, farm, params, lake, args.timeout + 300)
                    print(f"  {r['wall_s']:.1f} s, {r['reports']} reports, shards by worker {r['shards_by_worker']}",
                          file=sys.stderr, flush=True)
                    results.append((w, label, r))
            finally:
                stack.stop_workers()
    finally:
        try:
            stack.close()
        finally:
            sampler.stop()
            farm.stop()
            if args.keep:
                print(f"kept {tmp}", file=sys.stderr)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    text = render(args, per_portal, results, (load_before, " ".join(f"{x:.2f}" for x in os.getloadavg())),
                  time.monotonic() - t_start)
    print(text)
    if args.out:
        Path(args.out).write_text(text, "utf-8")
    else:
        print(publish("workers", text), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
