"""End to end on the demo portals: real HTTP servers on 127.0.0.x, a real Prefect API, real
DuckDB files. Order matters inside this module (one data directory evolves run by run)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawlers.urls import canonicalize

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

CONTENT_COLUMNS = ("report_id, portal_id, page_url, document_url, sha256, parser_version, parse_status, "
                   "source_format, template, year, n_cells, n_checks, n_checks_failed")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def first_run(prefect_api, demo, data_dir, fast_options):
    from flows.nightly import nightly

    return nightly(registry=str(demo.registry_path), data_dir=str(data_dir), **fast_options)


def snapshot(query, db: Path) -> dict:
    """Warehouse content without timestamps, run ids and crawler-supplied free text."""
    return {
        "reports": sorted(query(db, f"SELECT {CONTENT_COLUMNS} FROM reports")),
        "applications": sorted(query(db, "SELECT report_id, row_key, applicant_key, value FROM applications")),
        "active": sorted(query(db, "SELECT report_id, table_key, row_key, column_key, value FROM active_disclosure")),
        "review": sorted(query(db, "SELECT report_id, group_key, column_key, value FROM review_litigation")),
        "documents": sorted(query(db, "SELECT url, sha256, kind, portal_id, report_id FROM documents")),
    }


def crawled_items(data_dir: Path, run_id: str) -> list[dict]:
    return [json.loads(line) for path in (data_dir / "runs" / run_id).glob("shards/*/items.jsonl")
            for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_first_run_loads_every_demo_report(first_run, demo, data_dir, query):
    s = first_run
    assert s["status"] == "ok"
    public = Path(s["warehouse"])
    assert public == data_dir / "warehouse.duckdb" and public.exists()
    expected = {pid: {canonicalize(u) for u in urls} for pid, urls in demo.expected_reports().items()}
    # pages the crawler judged reports but could not read (item `error`): kept as failed reports
    # with the error on their document row, never silently dropped
    items = crawled_items(data_dir, s["run_id"])
    unreadable = {canonicalize(i["page_url"]): i["error"] for i in items if i.get("error")}
    rows = query(public, "SELECT portal_id, page_url, sha256, parse_status FROM reports")
    found: dict[str, set] = {}
    for pid, page, _sha, _st in rows:
        if canonicalize(page) not in unreadable:
            found.setdefault(pid, set()).add(canonicalize(page))
    assert found == expected
    assert s["stats"]["reports_new"] == len(rows) == len(items) == sum(len(v) for v in expected.values()) + len(unreadable)
    assert s["stats"]["parsed"] > 0 and s["stats"]["parse_cached"] == 0
    st = s["stats"]
    assert st["not_modified"] == 0
    # a body for every document: received by the download, or handed over by the crawler, which
    # read every report page already (none of them is fetched twice)
    assert st["bodies_received"] + st["handed_over"] + st["fetch_failed"] + st["fetch_skipped"] == st["documents"]
    assert st["handed_over"] == len({i["page_url"] for i in items if not i.get("error")})
    # every loaded report points at bytes that are in the content-addressed raw store
    for _pid, _page, sha, status in rows:
        if status != "failed":
            assert (data_dir / "raw" / sha[:2] / sha).is_file()
    # provenance of every document, one row per URL, and the run + per-portal figures
    docs = query(public, "SELECT url, sha256, http_status, error FROM documents")
    assert len(docs) == s["stats"]["documents"] and all(d[1] for d in docs if not d[3])
    by_url = {canonicalize(d[0]): d for d in docs}
    for page, error in unreadable.items():
        assert by_url[page][3], (page, error)  # recorded against its document
    runs = query(public, "SELECT run_id, status, flow FROM runs")
    assert (s["run_id"], "ok", "nightly") in runs
    per_portal = dict(query(public, "SELECT portal_id, reports_found FROM portal_runs WHERE run_id = ?",
                            [s["run_id"]]))
    from collections import Counter

    assert per_portal == dict(Counter(i["portal_id"] for i in items))
    # the crawler and the downloader identified themselves and kept to robots.txt/the registry
    assert not demo.forbidden_requests()
    assert any("ogi" in ua for ua in demo.user_agents)
    # the search index's words were made by the parser workers and loaded with the reports: the
    # index step segmented nothing itself, yet every stored section is indexed, and found
    (n_sections,) = query(public, "SELECT count(*) FROM report_sections")[0]
    assert n_sections > 0 and s["search_index"]["documents"] == n_sections
    assert s["search_index"]["segmented"] == 0 and s["search_index"]["rebuilt"]
    import duckdb
    from warehouse.fts import search

    con = duckdb.connect(str(public), read_only=True)
    try:
        assert search(con, "行政复议")
    finally:
        con.close()


def test_kill_midway_and_rerun_converges(first_run, prefect_api, demo, data_dir, tmp_path, query):
    """Kill a real `ogi run` while it downloads, run it again: same warehouse as a clean run."""
    d2 = tmp_path / "killed"
    env = dict(os.environ, OGI_CHUNK_ITEMS="10")  # several load rounds, unlike the first run
    if prefect_api["api_url"]:
        env["PREFECT_API_URL"] = prefect_api["api_url"]
    cmd = [sys.executable, "-m", "ogi.cli", "run", "--registry", str(demo.registry_path), "--data-dir", str(d2),
           "--fast", "--no-progress", "--json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    killed_with = None
    while time.monotonic() < deadline and proc.poll() is None:
        blobs = [p for p in (d2 / "raw").glob("??/*") if not p.name.endswith(".json")]
        if len(blobs) >= 5:
            killed_with = len(blobs)
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    if killed_with is None:
        proc.kill()
    _out, err = proc.communicate(timeout=30)
    assert killed_with is not None, ("the run finished or stalled before it could be killed midway: "
                                     + err.decode("utf-8", "replace")[-2000:])
    assert not (d2 / "warehouse.duckdb").exists()  # it died before publishing
    # documents whose fetch was recorded before the kill (blob + URL record); blobs still in flight
    # when the process died have no URL record yet and are fetched again
    from flows.rawstore import RawStore

    store = RawStore(d2)
    recorded = {m["url"]: m for m in store.iter_urls() if m.get("sha256") and store.has(m["sha256"])}
    checked_ns = {u: store.url_path(u).stat().st_mtime_ns for u in recorded}  # a 304 touches the record
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=240)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    summary = json.loads(out.stdout)
    assert summary["status"] == "ok" and summary["stats"]["rounds"] > 1
    # every document recorded before the kill was asked for again (its record was re-checked) and
    # none was stored anew: it came back unchanged (304 or the same bytes) — or, on a loaded machine,
    # the re-check failed and the earlier copy was used (the snapshot below shows it is the same)
    after = {m["url"]: m for m in RawStore(d2).iter_urls()}
    outcome = {u: {k: (after.get(u) or {}).get(k) for k in ("last_status", "last_error", "sha256")}
               | {"before": m, "checked": store.url_path(u).stat().st_mtime_ns > checked_ns[u]}
               for u, m in recorded.items()}
    unchecked = {u: o for u, o in outcome.items() if not o["checked"]}
    stored_again = {u: o for u, o in outcome.items() if o["sha256"] != o["before"]["sha256"]}
    assert recorded and not unchecked and not stored_again, (unchecked, stored_again)
    # a 304 leaves the record as it was (touched); a re-check that failed says so in the record
    assert all(after[u] == o["before"] or after[u]["last_status"] == "unchanged"
               or (after[u]["last_status"] == "failed" and after[u]["last_error"]) for u, o in outcome.items()), outcome
    got, want = snapshot(query, d2 / "warehouse.duckdb"), snapshot(query, data_dir / "warehouse.duckdb")
    for table in want:
        assert set(got[table]) ^ set(want[table]) == set(), table


def test_second_run_only_changed_documents_and_failures_are_recorded(first_run, demo, data_dir, query,
                                                                    fast_options):
    from flows.nightly import nightly

    public = data_dir / "warehouse.duckdb"
    before = {r[0]: r[1:] for r in query(public, "SELECT report_id, sha256, document_url, page_url FROM reports")}
    pages_only = sorted(page for page, att in demo.expected_attachments().items() if not att)
    with_att = sorted((page, sorted(att)[0]) for page, att in demo.expected_attachments().items() if att)
    assert len(with_att) >= 2 and pages_only
    changed_page = pages_only[0]
    broken_pdf = with_att[0][1]
    failing = with_att[1][1]
    demo.mutate(changed_page)
    demo.mutate(broken_pdf, b"%PDF-1.7\n%broken: not a PDF body at all\n")
    demo.find_page(failing).status = 500

    s = nightly(registry=str(demo.registry_path), data_dir=str(data_dir), **fast_options)
    st = s["stats"]
    base = first_run["stats"]
    bad_before = base["fetch_failed"] + base["fetch_skipped"]  # the demo's broken links, every run
    assert s["status"] == "ok"
    assert st["documents_changed"] == 2 and st["downloaded"] == 2  # only those two are stored anew
    assert st["documents_unchanged"] == st["documents"] - 3 - bad_before
    assert st["parsed"] == 2  # nothing unchanged is parsed again
    assert st["fetch_failed"] == base["fetch_failed"] + 1
    assert st["bodies_received"] + st["not_modified"] + st["handed_over"] == st["documents"] - 1 - bad_before
    # conditional GETs: every unchanged document came back 304 (no body) — or was a report page the
    # crawler read again this night (not known from the last one) and handed over; only the two
    # mutated ones were transferred again
    assert st["not_modified"] + st["handed_over"] == st["documents_unchanged"] == st["documents"] - 3 - bad_before
    assert st["bodies_received"] == 2

    # the changed report page is no longer a known item: the next crawl reads it again (what it
    # links may have changed too); the pages that came back unchanged stay known
    from flows.shard import known_path

    portal = next(pid for pid, pages in demo.expected_reports().items() if changed_page in pages)
    known = [json.loads(line)["page_url"] for line in known_path(data_dir, portal).read_text("utf-8").splitlines()]
    assert canonicalize(changed_page) not in known
    assert set(demo.expected_reports()[portal]) - {changed_page} <= set(known)

    docs = {r[0]: r[1:] for r in query(public, "SELECT url, http_status, error, sha256 FROM documents")}
    by_canon = {canonicalize(u): v for u, v in docs.items()}
    status_500, err_500, _ = by_canon[canonicalize(failing)]
    assert status_500 == 500 and "HTTP 500" in err_500
    assert "parse failed" in (by_canon[canonicalize(broken_pdf)][1] or "")
    after = {r[0]: r[1:] for r in query(public, "SELECT report_id, sha256, document_url, page_url FROM reports")}
    assert set(after) == set(before)
    failing_report = next(rid for rid, v in before.items() if canonicalize(v[2] or "") == canonicalize(failing)
                          or canonicalize(v[2] or "") == canonicalize(with_att[1][0]))
    assert after[failing_report] == before[failing_report]  # the last good copy still stands
    changed_report = next(rid for rid, v in before.items() if canonicalize(v[2]) == canonicalize(changed_page))
    assert after[changed_report][0] != before[changed_report][0]
    assert after[changed_report][0] == by_canon[canonicalize(changed_page)][2]


def test_unchanged_reports_go_light_and_a_lost_load_is_rebuilt(first_run, demo, data_dir, query, fast_options):
    """Nothing changed: each report whose documents came back unchanged is a light plan entry (no
    parse read, no reload). One whose earlier load is gone from the warehouse is rebuilt from its
    manifest and the parse cache, identical to what it was."""
    import duckdb

    from flows.nightly import nightly
    from warehouse.load import delete_report

    build, public = data_dir / "build" / "warehouse.duckdb", data_dir / "warehouse.duckdb"
    before = snapshot(query, public)
    # reports read from documents that are all fine (no fetch error, no failed parse) may go light
    ok = [r[0] for r in query(build, "SELECT report_id FROM reports r WHERE parse_status = 'ok' AND NOT EXISTS "
                                     "(SELECT 1 FROM documents d WHERE d.report_id = r.report_id "
                                     "AND d.error IS NOT NULL) ORDER BY 1")]
    lost = ok[0]
    con = duckdb.connect(str(build))
    try:
        delete_report(con, lost)
    finally:
        con.close()
    s = nightly(registry=str(demo.registry_path), data_dir=str(data_dir), **fast_options)
    st = s["stats"]
    assert s["status"] == "ok"
    assert st["reports_light"] == len(ok) > 0  # every one of them: all their documents answered unchanged
    # only the documents of the other reports were read from the parse cache
    assert st["parsed"] == 0 and 0 < st["parse_cached"] <= st["documents"] - st["reports_light"]
    assert st["reports_new"] == 1 and st["reports_changed"] == 0  # the lost one, rebuilt; nothing else written
    assert snapshot(query, public) == before
    plans = list((data_dir / "runs" / s["run_id"]).glob("shards/*/plan-*.json"))
    assert not plans  # loaded and published: the round files are gone


def test_reparse_touches_only_what_it_should(first_run, demo, data_dir, monkeypatch, query):
    import duckdb

    import parsers
    from flows.reparse import reparse

    build = data_dir / "build" / "warehouse.duckdb"
    portal = sorted(demo.portals)[0]
    # reports of one portal were loaded by an older parser version
    con = duckdb.connect(str(build))
    con.execute("UPDATE reports SET parser_version = '0.0.0-old', load_fingerprint = NULL WHERE portal_id = ?",
                [portal])
    con.close()
    before = dict(query(build, "SELECT report_id, loaded_at FROM reports"))
    targets = {r[0] for r in query(build, "SELECT report_id FROM reports WHERE portal_id = ?", [portal])}
    requests_before = len(demo.requests)

    # a filter that matches nothing stale: everything is cached and nothing is written
    same = reparse(data_dir=str(data_dir), portals=[sorted(demo.portals)[1]])
    assert same["stats"]["parsed"] == 0 and same["stats"]["parse_cached"] > 0
    assert set(same["outcomes"].values()) <= {"unchanged", "kept"}

    monkeypatch.setattr(parsers, "PARSER_VERSION", parsers.PARSER_VERSION + "+bump")
    s = reparse(data_dir=str(data_dir), parser_version="0.0.0-old")
    assert set(s["outcomes"]) == targets
    assert set(s["outcomes"].values()) == {"replaced"}
    assert s["stats"]["parsed"] >= len(targets) and s["stats"]["parse_cached"] == 0  # version bump: re-parsed
    after = dict(query(build, "SELECT report_id, loaded_at FROM reports"))
    assert {rid for rid in after if after[rid] != before[rid]} == targets
    assert not query(build, "SELECT 1 FROM reports WHERE parser_version = '0.0.0-old'")
    assert len(demo.requests) == requests_before  # no network
    # the published file followed
    assert not query(data_dir / "warehouse.duckdb", "SELECT 1 FROM reports WHERE parser_version = '0.0.0-old'")


def test_status_reports_runs_and_portals(first_run, demo, data_dir, capsys):
    from ogi.cli import main

    assert main(["status", "--data-dir", str(data_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runs"] and report["runs"][0]["status"] == "ok"
    ids = {p["portal_id"] for p in report["portals"]}
    assert ids == set(demo.portals)
    assert all(p["found"] and p["in_warehouse"] == p["found"] for p in report["portals"])
    assert report["stale"] == [] and report["yielding_nothing"] == []


def test_backfill_portal_by_years_via_ogi_run(prefect_api, demo, tmp_path, capsys, query):
    from ogi.cli import main

    portal = "demo-pageno" if "demo-pageno" in demo.portals else sorted(demo.portals)[0]
    rc = main(["run", "--registry", str(demo.registry_path), "--data-dir", str(tmp_path), "--portal", portal,
               "--year", "2021", "--year", "2023", "--fast", "--no-progress", "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["flow"] == "backfill"
    items = [json.loads(line) for path in (tmp_path / "runs" / summary["run_id"]).glob("shards/*/items.jsonl")
             for line in path.read_text("utf-8").splitlines() if line]
    assert {i["portal_id"] for i in items} == {portal}
    wanted = {i["id"] for i in items if str(i.get("year")) in ("2021", "2023")}
    assert wanted and len(wanted) < len(items)  # the filter selects, and leaves something out
    loaded = {r[0] for r in query(tmp_path / "warehouse.duckdb", "SELECT report_id FROM reports")}
    assert loaded == wanted
    assert {r[0] for r in query(tmp_path / "warehouse.duckdb", "SELECT DISTINCT report_id FROM documents")} == wanted


def test_reparse_command_is_offline_and_idempotent(first_run, demo, data_dir, capsys):
    from ogi.cli import main

    requests_before = len(demo.requests)
    assert main(["reparse", "--data-dir", str(data_dir), "--stale", "--no-progress", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["flow"] == "reparse" and summary["stats"]["selected"] == 0  # nothing stale after the reparse
    assert len(demo.requests) == requests_before


def test_a_crawl_that_dies_is_recorded_as_a_failed_run(prefect_api, demo, tmp_path, fast_options, capsys, query):
    from flows.nightly import nightly
    from ogi.cli import main

    with pytest.raises(RuntimeError, match="crawl failed"):
        nightly(registry=str(demo.registry_path), data_dir=str(tmp_path), crawl_timeout_s=0.05, **fast_options)
    runs = query(tmp_path / "build" / "warehouse.duckdb", "SELECT status, flow FROM runs")
    assert runs == [("failed", "nightly")]
    assert main(["status", "--data-dir", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runs"][0]["status"] == "failed"
    assert set(report["stale"]) == set(demo.portals)  # nothing was ever found
    assert {p["status"] for p in report["portals"]} == {"error"}
