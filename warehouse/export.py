"""Parquet export for scale-out readers: report tables partitioned by province and year.

Layout (hive partitioning; read back with `hive_partitioning = true`):

    <out>/reports/province=320000/year=2023/data_0.parquet
    <out>/applications/province=320000/year=2023/data_0.parquet   (same for every report table)
    <out>/regions.parquet, portals.parquet, documents.parquet, runs.parquet, portal_runs.parquet,
          agencies.parquet, report_identity.parquet   (derived across reports: warehouse.agencies)

`province` is the six-digit GB/T 2260 province code of the report's portal (`unknown` when the
portal has no known division) and `year` the report year (`unknown` when not parsed); each
file also keeps `province_name`. The export is written to a sibling temporary directory and
swapped in, so a reader never sees a half-written export.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from .load import REPORT_TABLES

FLAT_TABLES = ("regions", "portals", "documents", "runs", "portal_runs", "agencies", "report_identity")


def _path_lit(p: Path) -> str:
    return "'" + str(p).replace("'", "''") + "'"


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> dict[str, int]:
    """Export the warehouse to Parquet under `out_dir` (replaced as a whole). Returns rows per table."""
    out = Path(out_dir)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    counts: dict[str, int] = {}
    geo = """(SELECT g.report_id, coalesce(g.province_code, 'unknown') AS province, g.province_name,
                     coalesce(CAST(r.year AS VARCHAR), 'unknown') AS year_part
              FROM v_report_regions g JOIN reports r ON r.report_id = g.report_id)"""
    try:
        for table in REPORT_TABLES:
            exclude = " EXCLUDE (year)" if table == "reports" else ""
            sql = (f"SELECT t.*{exclude}, p.province_name, p.province, p.year_part AS year "
                   f"FROM {table} t JOIN {geo} p ON p.report_id = t.report_id")
            counts[table] = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
            if counts[table]:
                con.execute(f"COPY ({sql}) TO {_path_lit(tmp / table)} "
                            "(FORMAT parquet, PARTITION_BY (province, year), COMPRESSION zstd)")
        for table in FLAT_TABLES:
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            con.execute(f"COPY {table} TO {_path_lit(tmp / (table + '.parquet'))} (FORMAT parquet, COMPRESSION zstd)")
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return counts


def read_sql(out_dir: str | Path, table: str) -> str:
    """A FROM-clause expression reading an exported table back (for docs and tests)."""
    out = Path(out_dir)
    if table in FLAT_TABLES:
        return f"read_parquet({_path_lit(out / (table + '.parquet'))})"
    return f"read_parquet({_path_lit(out / table / '**' / '*.parquet')}, hive_partitioning = true)"
