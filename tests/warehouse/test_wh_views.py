"""Analyst views and the data dictionary."""
from __future__ import annotations

import re

import pytest

import warehouse
from warehouse import dictionary, keys, views
from warehouse.synthetic import make_report

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_public_table_view_and_column_has_an_english_and_chinese_comment(con):
    entries = dictionary.describe(con)
    objects = {e.object for e in entries if e.column is None}
    for expected in ("reports", "active_disclosure", "applications", "review_litigation", "check_results",
                     "documents", "report_sections", "portals", "regions", "runs", "portal_runs",
                     "v_applications_wide", "v_report_summary", "v_check_failures",
                     "v_yearly_totals_province", "v_yearly_totals_city"):
        assert expected in objects
    missing = [(e.object, e.column) for e in entries
               if not e.comment or " | " not in e.comment or not CJK.search(e.comment)]
    assert not missing, missing[:10]
    # the check itself sees every column DuckDB knows in the main schema
    n_cols = con.execute("""SELECT count(*) FROM duckdb_columns() c JOIN (
        SELECT table_name AS n FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal
        UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal) o
        ON o.n = c.table_name WHERE c.schema_name = 'main'""").fetchone()[0]
    assert len([e for e in entries if e.column]) == n_cols


def test_wide_view_has_every_spec_cell_and_matches_the_long_table(con):
    r19 = make_report(1, template="2019", year=2020)
    r21 = make_report(2, template="2021", year=2023)
    warehouse.load_report(con, r19, report_id="a")
    warehouse.load_report(con, r21, report_id="b")
    warehouse.load_report(con, make_report(3, status="failed"), report_id="c")
    cols = [d[0] for d in con.execute("SELECT * FROM v_applications_wide LIMIT 0").description]
    for cell in keys.application_cells():
        assert f"{cell.row}__{cell.column}" in cols
    rows = {r[0]: r for r in con.execute("SELECT * FROM v_applications_wide").fetchall()}
    assert set(rows) == {"a", "b", "c"}
    for rid, rep in (("a", r19), ("b", r21)):
        row = dict(zip(cols, rows[rid]))
        for rk, cells in rep["applications"].items():
            for ck, v in cells.items():
                assert row[f"{rk}__{ck}"] == v, (rid, rk, ck)
    row_a = dict(zip(cols, rows["a"]))
    assert row_a["other_no_correction__total"] is None  # a 2019 report has no 2021-only rows
    rl = dict(zip([d[0] for d in con.execute("SELECT * FROM v_review_litigation_wide LIMIT 0").description],
                  con.execute("SELECT * FROM v_review_litigation_wide WHERE report_id = 'b'").fetchone()))
    assert rl["review__total"] == r21["review_litigation"]["review"]["total"]
    ad = dict(zip([d[0] for d in con.execute("SELECT * FROM v_active_disclosure_wide LIMIT 0").description],
                  con.execute("SELECT * FROM v_active_disclosure_wide WHERE report_id = 'a'").fetchone()))
    assert ad["regulations__new_made"] == r19["active_disclosure"]["regulations"]["new_made"]


def test_summary_failures_and_yearly_totals(con, tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "hz,洪泽区,江苏,county,320813,http://a/,a\nha,淮安市,江苏,city,320800,http://b/,b\n"
                   "dc,东城区,北京,county,110101,http://c/,c\nxx,某省,江苏,province,,http://d/,d\n", encoding="utf-8")
    warehouse.load_portals(con, reg)
    reps = {}
    for i, pid in enumerate(["hz", "ha", "dc", "xx", "hz"]):
        reps[f"r{i}"] = make_report(i, template="2021", year=2023, blank_rate=0)
        warehouse.load_report(con, reps[f"r{i}"], report_id=f"r{i}", portal_id=pid)
    s = dict(con.execute("SELECT report_id, new_received FROM v_report_summary").fetchall())
    assert s == {k: r["applications"]["new_received"]["total"] for k, r in reps.items()}
    fails = con.execute("SELECT count(*) FROM v_check_failures").fetchone()[0]
    assert fails == sum(not c["passed"] for r in reps.values() for c in r["checks"])
    assert con.execute("SELECT sum(checks_failed) FROM v_report_summary").fetchone()[0] == fails
    city = {(r[0], r[1]): r[2] for r in con.execute(
        "SELECT city_name, province_name, new_received FROM v_yearly_totals_city WHERE year = 2023").fetchall()}
    nr = {k: r["applications"]["new_received"]["total"] for k, r in reps.items()}
    assert city[("淮安市", "江苏省")] == nr["r0"] + nr["r1"] + nr["r4"]
    assert city[("北京市", "北京市")] == nr["r2"]  # districts of a municipality roll up to it
    prov = dict(con.execute("SELECT province_name, new_received FROM v_yearly_totals_province").fetchall())
    assert prov["江苏省"] == nr["r0"] + nr["r1"] + nr["r3"] + nr["r4"]  # r3: province by registry name
    assert prov["北京市"] == nr["r2"]


def test_views_and_caches_rebuilt_when_definitions_change(wh_path):
    con = warehouse.open_warehouse(wh_path)
    warehouse.load_report(con, make_report(1), report_id="r1")
    con.execute("DROP VIEW v_check_failures")
    con.execute("DELETE FROM wide_applications")
    con.execute("UPDATE warehouse_meta SET value = 'old' WHERE key = 'views_comments_sha'")
    con.close()
    con = warehouse.open_warehouse(wh_path)
    assert con.execute("SELECT count(*) FROM v_check_failures").fetchone()[0] >= 0
    w = views.wides()[0]
    assert _cached(con, w) == _direct(con, w) and len(_cached(con, w)) == 1
    con.close()


def _direct(con, w):
    """The wide rows computed straight from the long table (what the cache must equal)."""
    return sorted(con.execute(f"SELECT * FROM ({views.pivot_sql(w)})").fetchall(), key=lambda r: r[0])


def _cached(con, w):
    """The wide rows as the view serves them (from the cache table), for reports that have cells."""
    cols = ", ".join(["report_id"] + [f'"{c}"' for c in w.columns])
    return sorted(con.execute(f"SELECT {cols} FROM {w.view} WHERE report_id IN (SELECT report_id FROM {w.cache})"
                              ).fetchall(), key=lambda r: r[0])


def test_wide_caches_follow_loads_reparses_and_deletes(con):
    for i in range(4):
        warehouse.load_report(con, make_report(i, template=("2019", "2021")[i % 2]), report_id=f"r{i}")
    r1 = make_report(1, template="2021")
    r1["parser_version"] = "0.2.0"
    r1["applications"]["granted"]["total"] = 777
    del r1["applications"]["carried_forward"]
    warehouse.load_report(con, r1, report_id="r1")
    warehouse.delete_report(con, "r2")
    for w in views.wides():
        assert _cached(con, w) == _direct(con, w), w.cache
    row = con.execute("SELECT granted__total, carried_forward__total FROM v_applications_wide "
                      "WHERE report_id = 'r1'").fetchone()
    assert row == (777, None)
    assert con.execute("SELECT count(*) FROM v_applications_wide").fetchone()[0] == 3
