"""Warehouse throughput: load 10,000 generated reports, reload, re-parse, search index, publish,
analyst queries, Parquet export.

    .venv/bin/python bench/bench_warehouse.py [--reports 10000] [--batch 500] [--threads 2]

Reports are synthetic `ParsedReport.to_dict()` payloads built from the spec keys
(`warehouse.synthetic`), half 2019 and half 2021 templates, 2 % failed parses. Generating them
is not timed; every load call is. Target: 10,000 reports loaded in under 30 s on 2 cores.
Writes bench/results/warehouse.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import publish  # noqa: E402

import duckdb  # noqa: E402

import warehouse  # noqa: E402
from warehouse.export import export_parquet  # noqa: E402
from warehouse.synthetic import make_report  # noqa: E402

TARGET_S = 30.0


def reports(n: int, seed: int = 1, parser_version: str = "0.1.0", start: int = 0):
    rng = random.Random(seed)
    for i in range(start, start + n):
        status = "failed" if rng.random() < 0.02 else "ok"
        yield dict(report=make_report(rng, template=("2019", "2021")[i % 2], status=status,
                                      parser_version=parser_version, section_words=20),
                   report_id=f"r{i:06d}", portal_id=f"p{i % 300:03d}", page_url=f"http://127.0.0.1/{i}.html",
                   document_url=f"http://127.0.0.1/{i}.pdf", sha256=f"{i:064x}")


CPU = {"load": 0.0}  # process CPU seconds (all threads) spent inside load calls


def timed_batches(con, gen, batch: int) -> tuple[float, int, dict]:
    """Wall seconds spent in load_reports (report generation excluded), reports, outcomes."""
    total, n, outcomes = 0.0, 0, {}
    buf: list = []

    def flush() -> None:
        nonlocal total, n, buf
        t0, c0 = time.perf_counter(), time.process_time()
        for r in warehouse.load_reports(con, buf):
            outcomes[r] = outcomes.get(r, 0) + 1
        total += time.perf_counter() - t0
        CPU["load"] += time.process_time() - c0
        n += len(buf)
        buf = []

    for item in gen:
        buf.append(item)
        if len(buf) == batch:
            flush()
    if buf:
        flush()
    return total, n, outcomes


def query_time(con, sql: str, repeat: int = 3) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - t0)
    return statistics.median(times), rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="ogi-bench-wh-"))
    build, public = work / "build.duckdb", work / "warehouse.duckdb"
    con = warehouse.open_warehouse(build)
    con.execute(f"SET threads = {args.threads}")
    rows: list[tuple[str, str]] = []

    t_load, n, outcomes = timed_batches(con, reports(args.reports), args.batch)
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute("CHECKPOINT")
    t_load += time.perf_counter() - t0
    cpu_load = CPU["load"] + time.process_time() - c0
    cells = con.execute("SELECT (SELECT count(*) FROM applications) + (SELECT count(*) FROM active_disclosure) "
                        "+ (SELECT count(*) FROM review_litigation)").fetchone()[0]
    rows.append((f"load {n:,} new reports (load_reports, batches of {args.batch}, + final CHECKPOINT)",
                 f"{t_load:.1f} s wall ({n / t_load:,.0f} reports/s, {cells / t_load:,.0f} cells/s); "
                 f"CPU {cpu_load:.1f} s (all threads); "
                 f"target < {TARGET_S:.0f} s: {'met' if t_load < TARGET_S else 'NOT met'}"))
    rows.append(("rows loaded", f"{cells:,} cells; outcomes {outcomes}"))

    t_same, n2, out2 = timed_batches(con, reports(args.reports), args.batch)
    rows.append((f"reload the same {n2:,} reports (idempotent, nothing written)", f"{t_same:.1f} s; outcomes {out2}"))

    k = max(1, args.reports // 10)
    t_rep, n3, out3 = timed_batches(con, reports(k, parser_version="0.2.0"), args.batch)
    rows.append((f"re-parse {n3:,} reports (new parser_version, rows replaced)", f"{t_rep:.1f} s; outcomes {out3}"))

    single = list(reports(200, seed=7, start=args.reports + 1))
    t0 = time.perf_counter()
    for it in single:
        warehouse.load_report(con, it.pop("report"), **it)
    t_single = time.perf_counter() - t0
    rows.append(("load_report one at a time (flows path), 200 reports",
                 f"{t_single / len(single) * 1000:.1f} ms/report"))

    t0 = time.perf_counter()
    st = warehouse.refresh_search(con)
    rows.append((f"full-text index: segment + build over {st['documents']:,} sections",
                 f"{time.perf_counter() - t0:.1f} s"))

    t0 = time.perf_counter()
    pub = warehouse.publish(build, public, con=con)
    rows.append(("publish (checkpoint, copy, verify, atomic replace)",
                 f"{time.perf_counter() - t0:.2f} s; file {pub.bytes / 1e6:.0f} MB"))
    con.close()

    ro = warehouse.open_warehouse(public, read_only=True)
    ro.execute(f"SET threads = {args.threads}")
    for label, sql in [
        ("v_applications_wide: all rows, all 190 columns, fetched to Python",
         "SELECT * FROM v_applications_wide"),
        ("v_applications_wide: one report", "SELECT * FROM v_applications_wide WHERE report_id = 'r000123'"),
        ("v_applications_wide: sum of one cell over all reports",
         "SELECT sum(new_received__total) FROM v_applications_wide"),
        ("v_report_summary: all rows", "SELECT * FROM v_report_summary"),
        ("v_yearly_totals_province", "SELECT * FROM v_yearly_totals_province"),
        ("search: 行政复议 (BM25, top 10)", None),
    ]:
        if sql is None:
            from warehouse.fts import search
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                hits = search(ro, "行政复议", limit=10)
                times.append(time.perf_counter() - t0)
            rows.append((label, f"{statistics.median(times) * 1000:.0f} ms ({len(hits)} hits)"))
            continue
        secs, nrows = query_time(ro, sql)
        rows.append((label, f"{secs * 1000:.0f} ms ({nrows:,} rows, median of 3)"))
    t0 = time.perf_counter()
    counts = export_parquet(ro, work / "parquet")
    rows.append(("Parquet export partitioned by province/year", f"{time.perf_counter() - t0:.1f} s "
                 f"({sum(counts.values()):,} rows)"))
    ro.close()

    text = [f"# Warehouse benchmark (duckdb {duckdb.__version__})", "",
            f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs "
            f"(1-min load average {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end), "
            f"DuckDB threads = {args.threads}; synthetic reports from the spec keys "
            f"(half 2019, half 2021 templates, 2 % failed, ~350 characters per section).", "",
            "| step | result |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    publish("warehouse", "\n".join(text))
    print("\n".join(text))
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
