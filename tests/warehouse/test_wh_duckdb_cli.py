"""The README's way in for analysts: the pinned DuckDB CLI (`.venv/bin/duckdb`, package duckdb-cli
of the same version as the library) opens the published file read-only, views included, offline."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import warehouse

CLI = Path(sys.executable).parent / "duckdb"


def test_duckdb_cli_reads_the_published_warehouse(tmp_path, report):
    if not CLI.exists():
        pytest.skip("duckdb CLI not installed in this environment (duckdb-cli is in uv.lock)")
    version = subprocess.run([str(CLI), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.split()[0].lstrip("v") == duckdb.__version__, version  # same storage format as the library

    build, public = tmp_path / "build.duckdb", tmp_path / "warehouse.duckdb"
    con = warehouse.open_warehouse(build)
    warehouse.load_report(con, report, report_id="r1", portal_id="p1", page_url="http://127.0.0.1/a.html",
                          document_url="http://127.0.0.1/a.html", sha256="0" * 64)
    con.close()
    warehouse.publish(build, public)

    views = [r[0] for r in duckdb.connect(str(public), read_only=True).execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()]
    assert views
    sql = "SELECT count(*) FROM reports;" + "".join(f"SELECT count(*) FROM {v};" for v in views)
    out = subprocess.run([str(CLI), "-readonly", "-csv", "-noheader", str(public), "-c", sql],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
    counts = [int(x) for x in out.stdout.split()]
    assert counts[0] == 1 and len(counts) == 1 + len(views)
