"""The whole pipeline over many generated portals on loopback: wall time, per-stage time, peak
memory per process, reports/s, and the cost of an unchanged rerun.

    .venv/bin/python bench/bench_pipeline.py [--portals 50] [--reports 60] [--shard-portals 25]
                                             [--parallel 1 2] [--keep]

Generated TRS-style portals (real-size Word-pasted report pages from ogi/demo, JS-paged listings,
as bench/bench_crawl.py) are served on 127.0.0.x. For each `--parallel` value, `ogi run --fast`
runs in a subprocess (its own PREFECT_HOME, ephemeral API; shards of `--shard-portals` portals,
that many side by side) into an empty data directory, then again into the same directory with
nothing changed, then the rerun's conditional GETs alone (the flows' downloader over the same URLs,
nothing else) as the floor the rerun is compared with. The flow process reports its own peak RSS
and the largest of its children (crawl processes, warm parser processes). Writes
bench/results/pipeline.md.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results_file import publish  # noqa: E402

# runs `ogi run` in this interpreter, then writes its own and its children's peak RSS
RUNNER = """
import json, resource, sys
from ogi.cli import main
rc = main(sys.argv[2:])
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(json.dumps({"rc": rc, "self_kb": me.ru_maxrss, "children_kb": kids.ru_maxrss,
                                         "self_cpu_s": me.ru_utime + me.ru_stime,
                                         "children_cpu_s": kids.ru_utime + kids.ru_stime}))
sys.exit(rc)
"""


def build_portals(n: int, reports: int, per_page: int = 20):
    from bench_crawl import synthetic_builder

    pages = max(1, -(-reports // per_page))
    return {f"bench-{i:03d}": (synthetic_builder(i, pages, per_page), ["www"]) for i in range(n)}


def session_cpu_s(sid: int | None) -> float:
    """CPU seconds (user + system) of the live processes of one session (Linux /proc), 0 without one."""
    if sid is None:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields after the command: state ppid pgrp session ...
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_once(registry: Path, data_dir: Path, prefect_home: Path, shard_portals: int, parallel: int,
             lake_url: str | None = None, api_url: str | None = None, server_sid: int | None = None) -> dict:
    mem = data_dir.parent / f"mem-{data_dir.name}-{time.monotonic_ns()}.json"
    env = dict(os.environ, PREFECT_HOME=str(prefect_home))
    env.pop("PREFECT_API_URL", None)
    if api_url:  # a Prefect server already running, as in production
        env["PREFECT_API_URL"] = api_url
    cmd = [sys.executable, "-c", RUNNER, str(mem), "run", "--registry", str(registry), "--data-dir", str(data_dir),
           "--fast", "--json", "--no-progress", "--shard-portals", str(shard_portals),
           "--parallel-shards", str(parallel)] + (["--lake", lake_url] if lake_url else [])
    t0, own0, server0 = time.monotonic(), own_cpu_s(), session_cpu_s(server_sid)
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=3600)
    wall = time.monotonic() - t0
    portals_cpu, prefect_cpu = own_cpu_s() - own0, session_cpu_s(server_sid) - server0
    if out.returncode != 0:
        raise SystemExit(f"ogi run failed ({out.returncode}):\n{out.stderr.decode()[-3000:]}")
    summary = json.loads(out.stdout)
    m = json.loads(mem.read_text())
    st = summary["stats"]
    return {"wall_s": wall, "reports": st["reports"], "documents": st["documents"], "parsed": st.get("parsed", 0),
            "new": st.get("reports_new", 0), "timings": st.get("timings", {}), "shards": st.get("shards"),
            "not_modified": st.get("not_modified", 0), "max_active_hosts": st.get("max_active_hosts", 0),
            "self_mb": m["self_kb"] / 1024, "children_mb": m["children_kb"] / 1024,
            "cpu_s": {"flow": m["self_cpu_s"], "children": m["children_cpu_s"], "portals": portals_cpu,
                      "prefect": prefect_cpu},
            "warehouse_mb": Path(summary["warehouse"]).stat().st_size / 2**20}


# the conditional GETs of a run alone: every document URL of the data directory's last run, fetched
# by the flows' downloader in one process (a shard's round, flows.fetchproc.fetch_here, over all of
# them at once), politeness as `ogi run --fast`; prints {"urls", "wall_s", "cpu_s", "statuses"}
GETS_ONLY = """
import json, sys, time
from collections import Counter
from pathlib import Path
from flows.crawl import read_items
from flows.fetchproc import fetch_here
from flows.pipeline import documents_of
from flows.registry import read_registry
from ogi.cli import build_parser
from ogi.commands.run import politeness_of

registry, data_dir = sys.argv[1], Path(sys.argv[2])
reg = read_registry(registry)
run = max((data_dir / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
urls = {}
for f in sorted(run.glob("shards/*/items.jsonl")):
    for it in read_items(f):
        for _kind, url in documents_of(it):
            p = reg[it["portal_id"]]
            urls[url] = {"allowed_hosts": p.hosts(), "allow_private": p.is_local}
pol = politeness_of(build_parser().parse_args(["run", "--registry", registry, "--fast"]))
t0, c0 = time.monotonic(), time.process_time()
statuses = Counter(r.get("http_status") for r in fetch_here(urls, data_dir, pol))
print(json.dumps({"urls": len(urls), "wall_s": time.monotonic() - t0, "cpu_s": time.process_time() - c0,
                  "statuses": {str(k): v for k, v in statuses.items()}}))
"""


def gets_only(registry: Path, data_dir: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", GETS_ONLY, str(registry), str(data_dir)], cwd=ROOT,
                         capture_output=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"the GETs-only pass failed:\n{out.stderr.decode()[-3000:]}")
    return json.loads(out.stdout)


def _pipeline_s(r: dict) -> float:
    """Shards + what the load added after the last shard (it loads rounds while the shards run) +
    index + publish: the run without the Prefect API's start."""
    t = r["timings"]
    load = t.get("load_tail_s", t.get("load_s", 0))
    return sum(t.get(k, 0) for k in ("shards_s", "index_s", "publish_s")) + load


@contextlib.contextmanager
def prefect_server(home: Path):
    """`prefect server start` on a free loopback port (SQLite in `home`); yields (API URL, session id)."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_LOGGING_LEVEL="WARNING")
    log = open(home.parent / "prefect-server.log", "wb")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "prefect"), "server", "start", "--host", "127.0.0.1",
                             "--port", str(port), "--no-ui"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the Prefect server did not start: see " + log.name)
            try:
                with urllib.request.urlopen(api + "/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        yield api, proc.pid  # the API's URL and its session (start_new_session: sid = pid)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()


def row(label: str, r: dict) -> str:
    t = r["timings"]
    pipeline_s = _pipeline_s(r)
    return (f"| {label} | {r['wall_s']:.1f} | {pipeline_s:.1f} | {r['reports']} | {r['documents']} | {r['parsed']} | "
            f"{r['reports'] / r['wall_s']:.1f} | {r['reports'] / max(pipeline_s, 1e-9):.1f} | "
            f"{t.get('crawl_s', 0):.1f} | {t.get('fetch_parse_s', 0):.1f} | {t.get('load_s', 0):.1f} | "
            f"{t.get('load_tail_s', 0):.1f} | "
            f"{t.get('index_s', 0):.1f} | {t.get('publish_s', 0):.1f} | {r['self_mb']:.0f} | {r['children_mb']:.0f} | "
            f"{r['warehouse_mb']:.1f} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=50)
    ap.add_argument("--reports", type=int, default=60, help="reports per portal")
    ap.add_argument("--shard-portals", type=int, nargs="+", default=[25],
                    help="portals per shard (one pair of runs per value and --parallel value)")
    ap.add_argument("--parallel", type=int, nargs="+", default=[1], help="shards side by side (one run each)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--server", action="store_true",
                    help="run against a Prefect server started once beforehand (as in production) instead of "
                         "each run starting its own ephemeral API")
    ap.add_argument("--lake", action="store_true",
                    help="shards write into a DuckLake on a throwaway PostgreSQL (tests/pgserver.py), one per run")
    args = ap.parse_args(argv)

    from ogi.demo.server import DemoPortals

    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="ogi-bench-pipeline-"))
    results = []
    with DemoPortals(base_dir=tmp / "portals", builders=build_portals(args.portals, args.reports),
                     honeypot=False, first_octet=30) as demo:
        home = tmp / "prefect-home"
        pg = None
        if args.lake:
            from tests.pgserver import PgServer

            pg = PgServer.start()
        try:
            api_cm = prefect_server(tmp / "prefect-server-home") if args.server else contextlib.nullcontext((None, None))
            if args.server:
                (tmp / "prefect-server-home").mkdir(parents=True)
            with api_cm as (api_url, server_sid):
                for size in args.shard_portals:
                    for par in args.parallel:
                        tag = f"s{size}-p{par}"
                        d = tmp / f"data-{tag}"
                        lake = (pg.create_database(f"bench_{tag.replace('-', '_')}") + f"?data_path={tmp / f'lake-{tag}'}"
                                ) if pg else None
                        full = run_once(demo.registry_path, d, home, size, par, lake, api_url, server_sid)
                        again = run_once(demo.registry_path, d, home, size, par, lake, api_url, server_sid)
                        again["gets"] = gets_only(demo.registry_path, d)
                        if lake:
                            full["lake_mb"] = sum(f.stat().st_size for f in (tmp / f"lake-{tag}").rglob("*")
                                                  if f.is_file()) / 2**20
                        label = f"{par} at a time" + (f", shards of {size}" if len(args.shard_portals) > 1 else "")
                        results.append((label, full, again))
        finally:
            if pg is not None:
                pg.stop()
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "## pipeline end to end (flows/, bench/bench_pipeline.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"before {load_before}, after {load_after}. {args.portals} generated portals × {args.reports} reports "
        f"(real-size Word-pasted HTML report pages, JS-paged listings) on 127.0.0.x; `ogi run --fast` in a "
        + ("subprocess against a Prefect server started beforehand (as in production; its start is not in "
           "the wall time), shards of " if args.server else
           "subprocess on the ephemeral Prefect API (server start-up included in wall time), shards of ")
        + " or ".join(str(x) for x in args.shard_portals) + " portals" + (", writing into a DuckLake (PostgreSQL catalog on loopback, Parquet "
                                           "files in a local directory)" if args.lake else ", single-file warehouse")
        + ". *pipeline s* = shards + load tail + index + publish (without the API start); *load s* is the "
        "writer's busy time, overlapped with the shards (their rounds are loaded as they appear), *load tail s* what "
        "it added after the last shard; *N shard(s) at a time* = N shards side by side in the flow process "
        "(`--parallel-shards`), each crawling in its own process.",
        "",
        "| run | wall s | pipeline s | reports | documents | parsed | reports/s (wall) | reports/s (pipeline) | "
        "crawl s (Σ shards) | fetch+parse s (Σ shards) | load s | load tail s | index s | publish s | flow process peak MB | "
        "largest child MB | warehouse MB |",
        "|---|" + "---:|" * 16,
    ]
    for label, full, again in results:
        lines.append(row(f"{label}, empty data dir", full))
        lines.append(row(f"{label}, unchanged rerun", again))
    lines.append("")
    for label, full, again in results:
        t_full, t_again = _pipeline_s(full), _pipeline_s(again)
        lines.append(f"* {label}: unchanged rerun = {100 * again['wall_s'] / full['wall_s']:.0f}% of the "
                     f"full run's wall time ({100 * t_again / max(t_full, 1e-9):.0f}% of its pipeline time); "
                     f"{again['not_modified']} of {again['documents']} documents answered 304; hosts busy at once "
                     f"(peak): {full['max_active_hosts']}; {full['shards']} shards"
                     + (f"; lake data files {full['lake_mb']:.1f} MB." if "lake_mb" in full else "."))
    lines += ["", "Where an unchanged rerun's time goes: *GETs alone* = every document URL of the rerun asked "
              "again by the flows' downloader in one process, nothing else (the floor the rerun is measured against); "
              "*CPU floor* = the CPU seconds of all processes in the rerun (flow, children, portals, Prefect) ÷ "
              f"{os.cpu_count()} cores, the least wall time the rerun could take on this machine.", ""]
    for label, full, again in results:
        g = again["gets"]
        cpu = sum(again["cpu_s"].values())
        lines.append(f"* {label}: GETs alone {g['wall_s']:.1f} s for {g['urls']} URLs ({1000 * g['cpu_s'] / max(1, g['urls']):.2f} ms "
                     f"CPU each; answers {g['statuses']}) = {100 * g['wall_s'] / full['wall_s']:.0f}% of the full run; "
                     f"the rerun took {again['wall_s'] / max(1e-9, g['wall_s']):.1f}× that. CPU floor {cpu / (os.cpu_count() or 1):.1f} s "
                     f"= {100 * cpu / (os.cpu_count() or 1) / full['wall_s']:.0f}% of the full run.")
    lines += ["", "CPU per report (ms; CPU seconds of each part over the run ÷ reports): *flow* the `ogi run` process "
              "(orchestration, downloads, load, index, publish), *children* its crawl and parser processes, "
              "*portals* the loopback portals serving every request (this process), *Prefect* the API server "
              "(`--server` only); *cores busy* = all of it ÷ wall time.", "",
              "| run | flow | children | portals | Prefect | total | cores busy |", "|---|" + "---:|" * 6]
    for label, full, again in results:
        for what, r in (("empty data dir", full), ("unchanged rerun", again)):
            c = r["cpu_s"]
            total = sum(c.values())
            lines.append(f"| {label}, {what} | " + " | ".join(f"{1000 * c[k] / max(1, r['reports']):.1f}"
                         for k in ("flow", "children", "portals", "prefect"))
                         + f" | {1000 * total / max(1, r['reports']):.1f} | {total / r['wall_s']:.2f} |")
    lines.append("")
    # the national estimate, from the best measured pipeline rate (one machine = one worker here)
    best = max(results, key=lambda x: x[1]["reports"] / max(1e-9, _pipeline_s(x[1])))
    rate = best[1]["reports"] / max(1e-9, _pipeline_s(best[1]))
    rerun_share = _pipeline_s(best[2]) / max(1e-9, _pipeline_s(best[1]))
    lines += [
        f"National estimate (extrapolated, not measured at that scale): ~190,000 reports a year; at the best "
        f"measured {rate:.1f} reports/s per 2-core worker a full year is **{190000 / rate / 3600:.1f} h on 1 worker, "
        f"{190000 / rate / 3600 / 2:.1f} h on 2, {190000 / rate / 3600 / 4:.1f} h on 4** (shards scale out; loopback, "
        f"politeness off — real portals add network latency and per-host delays, which the per-host queues "
        f"overlap across hosts); a nightly where little changed costs about {100 * rerun_share:.0f}% of that "
        f"(the unchanged rerun above): **{190000 / rate / 3600 * rerun_share:.1f} h on 1 worker**.",
        "",
    ]
    publish("pipeline", "\n".join(lines))
    print("\n".join(lines))
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
