"""Scale path: Parquet export partitioned by province and year; DuckLake with SQLite and DuckDB catalogs."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb

import warehouse
from warehouse import ducklake, export
from warehouse.synthetic import make_report

REGISTRY = ("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
            "hz,洪泽区,江苏,county,320813,http://a/,a\ndc,东城区,北京,county,110101,http://c/,c\n")


def _fill(con, tmp_path, n=9):
    reg = tmp_path / "registry.csv"
    reg.write_text(REGISTRY, encoding="utf-8")
    warehouse.load_portals(con, reg)
    items = [dict(report=make_report(i, year=2021 + i % 3), report_id=f"r{i}",
                  portal_id=["hz", "dc", "unregistered"][i % 3]) for i in range(n)]
    items.append(dict(report=make_report(99, status="failed", year=None), report_id="nofile", portal_id="hz"))
    items[-1]["report"]["year"] = None
    warehouse.load_reports(con, items)


def test_parquet_export_partitioned_by_province_and_year(con, tmp_path):
    _fill(con, tmp_path)
    out = tmp_path / "parquet"
    counts = export.export_parquet(con, out)
    assert counts["reports"] == 10
    dirs = sorted(p.relative_to(out / "reports").as_posix() for p in (out / "reports").glob("*/*"))
    assert "province=320000/year=2021" in dirs and "province=110000/year=2022" in dirs
    assert "province=unknown/year=2023" in dirs and "province=320000/year=unknown" in dirs
    for table in ("reports", "applications", "active_disclosure", "review_litigation", "check_results",
                  "report_sections"):
        back = con.execute(f"SELECT count(*) FROM {export.read_sql(out, table)}").fetchone()[0]
        assert back == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == counts[table]
    same = con.execute(f"""SELECT count(*) FROM (
        SELECT report_id, row_key, applicant_key, value FROM {export.read_sql(out, 'applications')}
        EXCEPT ALL SELECT report_id, row_key, applicant_key, value FROM applications)""").fetchone()[0]
    assert same == 0
    assert con.execute(f"SELECT count(*) FROM {export.read_sql(out, 'regions')}").fetchone()[0] > 3000
    warehouse.refresh_trust(con)  # the tables derived across reports go out too
    counts = export.export_parquet(con, out)
    for table in ("agencies", "report_identity"):
        back = con.execute(f"SELECT count(*) FROM {export.read_sql(out, table)}").fetchone()[0]
        assert back == counts[table] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    export.export_parquet(con, out)  # re-export replaces the directory
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".parquet")]


def test_ducklake_sync_both_catalogs(con, tmp_path):
    _fill(con, tmp_path)
    for catalog in ("lake/catalog.ducklake", "lake/catalog.sqlite"):
        cat, data = tmp_path / catalog, tmp_path / ("data-" + catalog.split(".")[-1])
        first = ducklake.sync_to_lake(con, cat, data)
        assert first["reports_changed"] == 10 and first["reports"] == 10
        if catalog.endswith(".ducklake"):  # the DuckDB-file catalog: first sync only (the slow path is shared)
            lake = ducklake.open_lake(cat, data, read_only=True)
            assert lake.execute("SELECT count(*) FROM applications").fetchone() == con.execute(
                "SELECT count(*) FROM applications").fetchone()
            lake.close()
            continue
        again = ducklake.sync_to_lake(con, cat, data)
        assert again["reports_changed"] == 0 and again["snapshot_id"] == first["snapshot_id"]
        r = make_report(1)
        r["parser_version"] = "0.2.0"
        warehouse.load_report(con, r, report_id="r1")
        third = ducklake.sync_to_lake(con, cat, data)
        assert third["reports_changed"] == 1 and third["snapshot_id"] > first["snapshot_id"]
        lake = ducklake.open_lake(cat, data, read_only=True)
        for t in ("reports", "applications", "check_results", "report_sections", "portals"):
            assert lake.execute(f"SELECT count(*) FROM {t}").fetchone() == con.execute(
                f"SELECT count(*) FROM {t}").fetchone(), t
        assert lake.execute("SELECT DISTINCT parser_version FROM applications WHERE report_id = 'r1'"
                            ).fetchall() == [("0.2.0",)]
        assert list(data.rglob("*.parquet"))
        lake.close()


WRITER = textwrap.dedent("""
    import sys
    import warehouse
    from warehouse import ducklake
    from warehouse.synthetic import make_report
    cat, data, who = sys.argv[1], sys.argv[2], sys.argv[3]
    con = ducklake.open_lake(cat, data)
    for i in range(2):
        ducklake.with_retries(warehouse.load_report, con, make_report(i), report_id=f"{who}-{i}")
    con.close()
""")


def test_ducklake_sqlite_catalog_takes_two_writer_processes(tmp_path):
    cat, data = tmp_path / "c.sqlite", tmp_path / "data"
    ducklake.open_lake(cat, data).close()  # create + migrate once
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(cat), str(data), who],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
    lake = ducklake.open_lake(cat, data, read_only=True)
    ids = [r[0] for r in lake.execute("SELECT report_id FROM reports ORDER BY 1").fetchall()]
    assert ids == ["a-0", "a-1", "b-0", "b-1"]
    assert lake.execute("SELECT count(*) FROM applications").fetchone()[0] == sum(
        len(make_report(i)["applications"]) * 7 for i in range(2)) * 2
    lake.close()
