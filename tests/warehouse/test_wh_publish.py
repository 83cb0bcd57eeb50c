"""Publication by atomic replace: readers in another process are never blocked and never see a
half-written warehouse."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

import warehouse
from warehouse.synthetic import make_report

APP_CELLS_2021 = 25 * 7
PUBLICATIONS = 12

READER = textwrap.dedent("""
    import json, sys, time, traceback
    import duckdb
    public, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
    import os
    cfg = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    with open(out, "w") as fh:
        fh.write(json.dumps({"ready": True}) + "\\n"); fh.flush()
        while not os.path.exists(stop):
            t0 = time.perf_counter()
            try:
                con = duckdb.connect(public, read_only=True, config=cfg)
                n_rep = con.execute("SELECT count(*) FROM reports").fetchone()[0]
                n_app = con.execute("SELECT count(*) FROM applications").fetchone()[0]
                gen = con.execute("SELECT value FROM warehouse_meta WHERE key = 'test_generation'").fetchone()
                wide = con.execute("SELECT count(*) FROM v_applications_wide").fetchone()[0]
                total = con.execute("SELECT sum(value) FROM applications").fetchone()[0]
                con.close()
                rec = {"reports": n_rep, "applications": n_app, "generation": gen and gen[0], "wide": wide,
                       "sum": total, "seconds": time.perf_counter() - t0}
            except Exception as exc:
                rec = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
            fh.write(json.dumps(rec) + "\\n"); fh.flush()
""")


def _load_batch(con, start, n, generation):
    """Load n more reports and tag the file with a generation number, all in the build file."""
    items = [dict(report=make_report(i, template="2021", blank_rate=0), report_id=f"r{i}", sha256=f"{i:064x}",
                  portal_id="p") for i in range(start, start + n)]
    con.begin()
    con.execute("DELETE FROM warehouse_meta WHERE key = 'test_generation'")
    con.execute("INSERT INTO warehouse_meta VALUES ('test_generation', ?)", [str(generation)])
    con.commit()
    warehouse.load_reports(con, items)
    return con.execute("SELECT count(*), sum(value) FROM applications").fetchone()


def test_publish_replaces_atomically_and_old_readers_keep_working(tmp_path):
    build, public = tmp_path / "build.duckdb", tmp_path / "public" / "warehouse.duckdb"
    con = warehouse.open_warehouse(build)
    _load_batch(con, 0, 3, 1)
    pub = warehouse.publish(build, public, con=con)
    assert pub.reports == 3 and pub.schema_version >= 1 and public.is_file()
    reader = duckdb.connect(str(public), read_only=True)
    assert reader.execute("SELECT count(*) FROM reports").fetchone()[0] == 3
    _load_batch(con, 3, 2, 2)
    warehouse.publish(build, public, con=con)  # the open reader does not block this
    assert reader.execute("SELECT count(*) FROM reports").fetchone()[0] == 3  # its snapshot
    reader.close()
    fresh = duckdb.connect(str(public), read_only=True)
    assert fresh.execute("SELECT count(*) FROM reports").fetchone()[0] == 5
    fresh.close()
    assert sorted(p.name for p in public.parent.iterdir()) == ["warehouse.duckdb"]  # no temp files left
    with pytest.raises(ValueError):
        warehouse.publish(build, build, con=con)
    con.close()
    # without a connection, publish opens the build file itself
    assert warehouse.publish(build, public).reports == 5


def test_concurrent_reader_process_never_blocked_or_torn(tmp_path):
    build, public = tmp_path / "build.duckdb", tmp_path / "warehouse.duckdb"
    stop, out = tmp_path / "stop", tmp_path / "reads.jsonl"
    con = warehouse.open_warehouse(build)
    apps, total = _load_batch(con, 0, 10, 1)
    warehouse.publish(build, public, con=con)
    published = {(10, apps, "1", total)}

    proc = subprocess.Popen([sys.executable, "-c", READER, str(public), str(stop), str(out)])
    try:
        deadline = time.time() + 30
        while not (out.exists() and out.read_text().count("\n") >= 3):
            assert time.time() < deadline, "reader did not start"
            assert proc.poll() is None, "reader died"
            time.sleep(0.05)
        n, gen = 10, 1
        t0 = time.perf_counter()
        for _ in range(PUBLICATIONS):
            gen += 1
            apps, total = _load_batch(con, n, 3, gen)
            n += 3
            warehouse.publish(build, public, con=con)
            published.add((n, apps, str(gen), total))
            assert apps == n * APP_CELLS_2021
        write_seconds = time.perf_counter() - t0
        time.sleep(0.3)
    finally:
        stop.touch()
        proc.wait(timeout=30)
        con.close()

    reads = [json.loads(line) for line in out.read_text().splitlines()][1:]
    errors = [r for r in reads if "error" in r]
    assert not errors, errors[:3]
    assert len(reads) >= 10
    seen = {(r["reports"], r["applications"], r["generation"], r["sum"]) for r in reads}
    assert seen <= published, seen - published  # only ever a complete, published state
    assert all(r["wide"] == r["reports"] for r in reads)
    assert len(seen) >= 2, "the reader should have observed several publications"
    assert (n, apps, str(gen), total) in seen
    assert write_seconds < 60
