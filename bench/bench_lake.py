"""One lake, many writers: DuckLake with a PostgreSQL catalog — write throughput with 1 and 2
writer processes, then materialising the analysts' single file (full, then incremental) and the
Parquet export read from the lake.

    .venv/bin/python bench/bench_lake.py [--reports 10000] [--batch 500]

A throwaway PostgreSQL is started in a temporary directory (tests/pgserver.py; needs Debian's
`postgresql`), one database per lake. Reports are the synthetic payloads of bench_warehouse.py (half
2019, half 2021 templates, 2 % failed parses), each with its fetched-document row; every writer
process generates its own share before the clock starts and times only `Lake.write_reports`.
Writes bench/results/lake.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_warehouse import reports  # noqa: E402
from results_file import publish  # noqa: E402


def _documents(items: list[dict]) -> list[dict]:
    return [dict(url=it["document_url"], sha256=it["sha256"], http_status=200, content_type="application/pdf",
                 bytes=10_000, fetched_at="2026-01-01T00:00:00", kind="attachment", portal_id=it["portal_id"],
                 report_id=it["report_id"]) for it in items]


def writer(url: str, start: int, count: int, batch: int, go: str) -> dict:
    """One writer process: generates its share of reports and connects, says READY, waits for
    the start signal, then writes batch by batch (one transaction each)."""
    import resource

    from warehouse.lake import Lake

    items = list(reports(count, seed=1 + start, start=start))
    docs = _documents(items)
    lake = Lake.from_url(url)
    lake.con
    print("READY", flush=True)
    while not os.path.exists(go):
        time.sleep(0.005)
    t0, c0 = time.perf_counter(), time.process_time()
    attempts = outcomes = 0
    for k in range(0, len(items), batch):
        res = lake.write_reports(items[k:k + batch], documents=docs[k:k + batch])
        attempts += res["attempts"]
        outcomes += res["inserted"] + res["replaced"] + res["unchanged"]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    lake.close()
    return {"reports": outcomes, "write_s": wall, "cpu_s": cpu, "transactions": -(-count // batch),
            "attempts": attempts, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_writers(url: str, shares: list[tuple[int, int]], batch: int) -> tuple[float, list[dict]]:
    go = Path(tempfile.gettempdir()) / f"ogi-bench-lake-go-{uuid.uuid4().hex[:8]}"
    procs = [subprocess.Popen([sys.executable, __file__, "--writer", url, "--start", str(s), "--count", str(n),
                               "--batch", str(batch), "--go", str(go)], stdout=subprocess.PIPE, text=True)
             for s, n in shares]
    ready = [p.stdout.readline() for p in procs]  # each says READY once its reports are generated
    assert all(r.strip() == "READY" for r in ready), ready
    t0 = time.perf_counter()
    go.touch()
    out = []
    for p in procs:
        text, _ = p.communicate(timeout=3600)
        if p.returncode:
            raise SystemExit(f"writer failed ({p.returncode})")
        out.append(json.loads(text.strip().splitlines()[-1]))
    wall = time.perf_counter() - t0
    go.unlink()
    return wall, out


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500, help="reports per write_reports transaction")
    ap.add_argument("--writer", help=argparse.SUPPRESS)
    ap.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--go", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.writer:  # child mode
        print(json.dumps(writer(args.writer, args.start, args.count, args.batch, args.go)), flush=True)
        return 0

    from tests.pgserver import PgServer
    from warehouse.lake import Lake

    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="ogi-bench-lake-"))
    server = PgServer.start()
    try:
        def fresh_lake(name: str) -> str:
            url = f"{server.create_database(name)}?data_path={tmp / name}"
            Lake.from_url(url).init().get("snapshot_id")
            return url

        n, b = args.reports, args.batch
        phases = {}
        url1 = fresh_lake("lake_one")
        print(f"1 writer: {n} reports …", flush=True)
        phases["1 writer"] = run_writers(url1, [(0, n)], b)
        url2 = fresh_lake("lake_two")
        print(f"2 writers: {n} reports …", flush=True)
        phases["2 writers"] = run_writers(url2, [(0, n // 2), (n // 2, n - n // 2)], b)
        print("rewrite, nothing changed (2 writers) …", flush=True)
        phases["2 writers, unchanged rerun"] = run_writers(url2, [(0, n // 2), (n // 2, n - n // 2)], b)

        lake = Lake.from_url(url2)
        st = lake.status()
        public = tmp / "pub" / "warehouse.duckdb"
        print("materialise (first, full) …", flush=True)
        m1 = lake.materialise(public)
        print("materialise (nothing changed) …", flush=True)
        m2 = lake.materialise(public)
        changed = list(reports(100, seed=1, start=0, parser_version="0.2.0"))
        lake.write_reports(changed)
        print("materialise (100 reports re-parsed) …", flush=True)
        m3 = lake.materialise(public)
        t0 = time.perf_counter()
        counts = lake.export_parquet(tmp / "parquet")
        export_s = time.perf_counter() - t0
        lake.close()
        catalog_mb = int(server.psql("SELECT pg_database_size('lake_two')").strip()) / 1e6
        data_mb = _dir_bytes(tmp / "lake_two") / 1e6
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    for name, (wall, outs) in phases.items():
        reps = sum(o["reports"] for o in outs)
        rows.append(f"| {name} | {len(outs)} | {reps:,} | {wall:.1f} | {reps / wall:,.0f} | "
                    f"{sum(o['transactions'] for o in outs)} | {sum(o['attempts'] for o in outs)} | "
                    f"{max(o['peak_rss_mb'] for o in outs):.0f} |")
    mrows = [f"| {label} | {m['reports_changed']:,} | {m['timings']['sync_s']:.1f} | {m['timings']['search_s']:.1f} | "
             f"{m['timings']['publish_s']:.1f} | {m['timings']['total_s']:.1f} |"
             for label, m in (("first (empty build file)", m1), ("nothing changed", m2), ("100 re-parsed", m3))]
    md = f"""# Lake (DuckLake, PostgreSQL catalog, several writers)

`.venv/bin/python bench/bench_lake.py --reports {n} --batch {b}` — {n:,} synthetic reports (each with its
document row) written into one DuckLake whose catalog is PostgreSQL (throwaway server on loopback)
and whose Parquet files are in a local directory; writers are separate processes started together, each
writing batches of {b} reports, one lake transaction per batch (`warehouse.lake.Lake.write_reports`).
Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs (1-min load average
{load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end).

| phase | writer processes | reports | wall s | reports/s | transactions | attempts | peak RSS MB per writer |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Attempts above the number of transactions are whole-batch retries after a DuckLake commit conflict.

Materialising the analysts' `warehouse.duckdb` from the lake ({st['tables']['reports']:,} reports,
{st['data_files']} data files, {st['data_bytes'] / 1e6:.1f} MB of Parquet in the lake's tables,
{data_mb:.1f} MB in the data directory, catalog database {catalog_mb:.1f} MB; published file
{m1['bytes'] / 1e6:.1f} MB):

| materialise | reports copied | sync s | search index s | publish s | total s |
|---|---|---|---|---|---|
{chr(10).join(mrows)}

Parquet export read straight from the lake: {export_s:.1f} s ({counts['reports']:,} reports,
{counts['applications']:,} application cells).
"""
    print(md)
    publish("lake", md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
