"""The bad-input corpus through the whole pipeline: an imitation portal on loopback
(tests/flows/hostile_portal.py) whose report column mixes good reports, hostile report pages,
hostile attachments and HTTP failures; one real `nightly` run (crawler subprocess, downloader,
isolated parse pool, DuckDB load, publish) on the session's Prefect API, then the published
warehouse is checked:

* every readable report is in `reports` with its source's cells (nothing lost to a hostile file);
* every unreadable one has a failed `reports` row and a `documents` row whose error names the
  cause (not the generic "no State Council report tables found");
* every link the crawler judged a report ends as a report or a recorded error on that URL, and
  the portal's figures and status say how many failed;
* a second run changes nothing.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.urls import canonicalize
from ogi.demo.reports import load_source
from parsers.safety import MAX_TITLE_CHARS

from . import hostile_portal as hp

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

GENERIC = "no State Council report tables found"
READABLE = [c for c in hp.CASES if c.readable]
UNREADABLE = [c for c in hp.CASES if not c.readable]


@pytest.fixture(scope="module")
def portal():
    from ogi.demo.server import DemoPortals

    with DemoPortals(builders={hp.PORTAL_ID: (hp.build_hostile_portal, ["www"])}, first_octet=200,
                     honeypot=False) as demo:
        yield demo


@pytest.fixture(scope="module")
def options(fast_options) -> dict:
    return {"politeness": {**fast_options["politeness"], "timeout_s": hp.TIMEOUT_S},
            "crawl_settings": fast_options["crawl_settings"]}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile-data")


@pytest.fixture(scope="module")
def first_run(prefect_api, portal, data_dir, options) -> dict:
    from flows.nightly import nightly

    return nightly(registry=str(portal.registry_path), data_dir=str(data_dir), **options)


@pytest.fixture(scope="module")
def wh(first_run, data_dir, query):
    """The published warehouse of the first run: {report_id|url: row dict} lookups."""
    db = data_dir / "warehouse.duckdb"

    def rows(sql: str, params=None) -> list[dict]:
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        try:
            cur = con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            con.close()

    reports = {canonicalize(r["page_url"]): r for r in rows(
        "SELECT report_id, page_url, document_url, parse_status, error, n_cells, n_checks_failed, title "
        "FROM reports")}
    documents = {canonicalize(r["url"]): r for r in rows(
        "SELECT url, sha256, http_status, kind, report_id, error FROM documents")}
    return {"db": db, "rows": rows, "reports": reports, "documents": documents}


def truth_cells(seed: str, override: dict) -> set[tuple]:
    """(table, row, column, value) of a source's truth (uncertain and overridden cells left out:
    test_a_count_that_cannot_be_a_count_is_kept_and_flagged checks those)."""
    truth = load_source(seed).truth
    uncertain = set(truth.get("uncertain_cells", []))
    out = set()
    for table in ("active_disclosure", "applications", "review_litigation"):
        for row, cols in truth.get(table, {}).items():
            for col, v in cols.items():
                overridden = table == "applications" and (row, col) in override
                if v is None or overridden or f"{table}.{row}.{col}" in uncertain:
                    continue
                out.add((table, row, col, float(v)))
    return out


def warehouse_cells(wh, report_id: str) -> set[tuple]:
    sql = ("SELECT 'active_disclosure' AS t, row_key, column_key, value FROM active_disclosure WHERE report_id = ? "
           "UNION ALL SELECT 'applications', row_key, applicant_key, value FROM applications WHERE report_id = ? "
           "UNION ALL SELECT 'review_litigation', group_key, column_key, value FROM review_litigation "
           "WHERE report_id = ?")
    return {(r["t"], r["row_key"], r["column_key"], float(r["value"]))
            for r in wh["rows"](sql, [report_id] * 3) if r["value"] is not None}


def test_the_run_finishes_and_every_judged_link_ends_somewhere(first_run, portal, wh):
    assert first_run["status"] == "ok", first_run.get("error")
    assert {canonicalize(c.page_url) for c in hp.CASES} == set(portal.expected_reports()[hp.PORTAL_ID])
    missing = [c.name for c in hp.CASES if canonicalize(c.page_url) not in wh["reports"]]
    assert missing == [], f"judged a report, left no trace in `reports`: {missing}"
    no_doc = [c.name for c in hp.CASES if canonicalize(c.file_url or c.page_url) not in wh["documents"]]
    assert no_doc == [], f"no `documents` row: {no_doc}"
    assert len(wh["reports"]) == len(hp.CASES)  # nothing invented either


@pytest.mark.parametrize("case", READABLE, ids=[c.name for c in READABLE])
def test_every_readable_report_is_loaded_with_its_cells(case, wh):
    rep = wh["reports"][canonicalize(case.page_url)]
    assert rep["parse_status"] == "ok", (rep["parse_status"], rep["error"])
    assert rep["error"] is None
    if case.file_url:  # read from the file, not from the page that links it
        assert canonicalize(rep["document_url"]) == canonicalize(case.file_url)
    want = truth_cells(case.seed, case.override)
    got = warehouse_cells(wh, rep["report_id"])
    assert want and want <= got, sorted(want - got)[:10]
    assert rep["n_cells"] == len(got)
    assert rep["title"] and len(rep["title"]) <= MAX_TITLE_CHARS, rep["title"]  # never the raw text
    doc = wh["documents"][canonicalize(case.file_url or case.page_url)]
    assert doc["error"] is None and doc["sha256"]


def test_a_count_that_cannot_be_a_count_is_kept_and_flagged(wh):
    case = next(c for c in hp.CASES if c.failed_check)
    rep = wh["reports"][canonicalize(case.page_url)]
    assert rep["n_checks_failed"] >= 1
    failed = wh["rows"]("SELECT rule, scope, detail FROM check_results WHERE report_id = ? AND NOT passed",
                        [rep["report_id"]])
    assert any(r["rule"] == "count_valid" and r["scope"] == case.failed_check and "negative" in r["detail"]
               for r in failed), failed
    # the value read is kept, or left out with the reason: never silently stored as a valid count
    (row, col), value = next(iter(case.override.items()))
    cell = wh["rows"]("SELECT value, null_reason FROM applications WHERE report_id = ? AND row_key = ? "
                      "AND applicant_key = ?", [rep["report_id"], row, col])
    assert len(cell) == 1
    kept, why = cell[0]["value"], cell[0]["null_reason"] or ""
    assert kept == value or (kept is None and "negative" in why), cell


@pytest.mark.parametrize("case", UNREADABLE, ids=[c.name for c in UNREADABLE])
def test_every_failure_is_recorded_with_its_cause(case, wh):
    url = canonicalize(case.file_url or case.page_url)
    doc = wh["documents"][url]
    assert doc["error"], f"{url}: no error recorded on the document"
    assert all(w.lower() in doc["error"].lower() for w in case.cause), doc["error"]
    if case.crawler_error:  # the crawler's own verdict on the judged link is kept with the document
        assert "crawler: " in doc["error"], doc["error"]
    rep = wh["reports"][canonicalize(case.page_url)]
    assert rep["parse_status"] == "failed"
    assert rep["error"] and all(w.lower() in rep["error"].lower() for w in case.cause), rep["error"]
    # the specific cause comes first, never hidden behind the generic "no tables" of the page
    assert not rep["error"].startswith(GENERIC), rep["error"]
    assert wh["rows"]("SELECT count(*) AS n FROM applications WHERE report_id = ?",
                      [rep["report_id"]])[0]["n"] == 0  # nothing invented


def test_the_portal_status_says_reports_failed(first_run, wh):
    run = wh["rows"]("SELECT * FROM portal_runs WHERE run_id = ? AND portal_id = ?",
                     [first_run["run_id"], hp.PORTAL_ID])
    assert len(run) == 1
    pr = run[0]
    assert pr["reports_found"] == len(hp.CASES)
    assert pr["failed"] == len(UNREADABLE)
    assert pr["status"] == "partial", pr
    assert f"{len(UNREADABLE)} of {len(hp.CASES)} reports failed" in (pr["error"] or ""), pr["error"]
    assert first_run["stats"]["reports_failed"] == len(UNREADABLE)


def test_ogi_status_shows_the_failures(first_run, data_dir, capsys):
    import json

    from ogi.cli import main

    assert main(["status", "--data-dir", str(data_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    entry = next(p for p in report["portals"] if p["portal_id"] == hp.PORTAL_ID)
    assert entry["status"] == "partial" and entry["failed"] == len(UNREADABLE)
    assert entry["failed_in_warehouse"] == len(UNREADABLE)
    assert entry["in_warehouse"] == len(hp.CASES)


def test_a_second_run_changes_nothing(first_run, portal, data_dir, options, cells, query):
    from flows.nightly import nightly

    db = data_dir / "warehouse.duckdb"
    outcome = "SELECT report_id, parse_status, error, n_checks_failed FROM reports"
    before, outcomes = cells(db), sorted(query(db, outcome), key=repr)
    second = nightly(registry=str(portal.registry_path), data_dir=str(data_dir), **options)
    assert second["status"] == "ok"
    st = second["stats"]
    assert st["reports_new"] == 0 and st["reports_changed"] == 0, st
    assert st["parsed"] == 0  # every readable blob's parse is cached; nothing is parsed again
    after = cells(db)
    for table in before:
        assert set(after[table]) ^ set(before[table]) == set(), table
    assert sorted(query(db, outcome), key=repr) == outcomes  # the same causes, word for word
    assert second["portals"][hp.PORTAL_ID]["status"] == "partial"


# -- the recording rules the run above relies on, as pure functions ------------------------------
def test_failure_causes_put_the_specific_cause_before_the_generic_one():
    from flows.pipeline import failure_causes

    page = {"kind": "page", "url": "p", "report": {"status": "failed", "error": GENERIC}}
    pdf = {"kind": "attachment", "url": "a", "report": {"status": "failed", "error": "password-protected PDF"}}
    assert failure_causes(page, [page, pdf], []) == f"attachment a: password-protected PDF; page p: {GENERIC}"
    assert failure_causes(page, [page], ["attachment b: HTTP 500"]) == f"attachment b: HTTP 500; page p: {GENERIC}"
    assert failure_causes(pdf, [pdf], []) == "password-protected PDF"  # one document: its own cause only


def test_a_portal_with_failed_reports_is_partial_not_ok():
    from flows.pipeline import portal_figures

    items = [{"portal_id": p} for p in ("x", "x", "y", "z")]
    entries = [{"portal_id": p, "report": {"status": s}}
               for p, s in (("x", "failed"), ("x", "ok"), ("y", "ok"), ("z", "failed"))]
    crawl = {"x": {"status": "ok"}, "y": {"status": "ok"}, "z": {"status": "blocked", "error": "HTTP 412 wall"}}
    figs = portal_figures(["x", "y", "z"], [], items, entries, crawl)
    assert figs["x"]["status"] == "partial" and figs["x"]["failed"] == 1
    assert figs["x"]["error"].startswith("1 of 2 reports failed")
    assert figs["y"]["status"] == "ok" and figs["y"]["error"] is None
    assert figs["z"]["status"] == "blocked" and figs["z"]["error"] == "HTTP 412 wall"  # a wall stays a wall
