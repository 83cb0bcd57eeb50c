"""`ogi reparse --stale` brings a warehouse loaded by an older parser up to date: the provenance
columns filled, the identities and cross-year checks rebuilt. Real raw store, real Prefect run
(temporary API), real DuckDB files."""
from __future__ import annotations

import os

import pytest

import parsers
import warehouse

OLD_VERSION = "0.4.0-old"


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """The session's Prefect API when one is already up (tests/flows), else a temporary one."""
    from prefect.settings import PREFECT_API_URL

    from flows.localrun import LOCAL_PREFECT_ENV

    if PREFECT_API_URL.value():
        yield
        return
    saved = {k: os.environ.get(k) for k in [*LOCAL_PREFECT_ENV, "PREFECT_HOME"]}
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ.update(LOCAL_PREFECT_ENV)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _raw_store(data_dir):
    """Two consecutive years of one county government's report pages in the raw store, as a
    crawl of its portal leaves them (blobs + report manifests)."""
    from flows.rawstore import RawStore
    from ogi.demo.reports import article_html, load_source

    store = RawStore(data_dir)
    blobs = {}
    for year in (2022, 2023):
        url = f"http://hz.example/xxgk/nb/{year}.html"
        body = article_html(load_source("seed_000"), year=year, agency="洪泽区人民政府").encode("utf-8")
        sha = store.put(body, fmt="html", url=url)
        rid = f"hz-{year}"
        item = {"id": rid, "portal_id": "hz", "page_url": url, "attachment_urls": [], "year": year,
                "title": f"洪泽区人民政府{year}年政府信息公开工作年度报告", "agency": "洪泽区人民政府"}
        store.save_report(rid, {"report_id": rid, "portal_id": "hz", "item": item, "saved_at": "2026-01-01T00:00:00Z",
                                "documents": [{"kind": "page", "url": url, "sha256": sha, "format": "html",
                                               "filename": f"{year}.html", "content_type": "text/html"}]})
        blobs[rid] = (body, url, sha)
    return blobs


@pytest.mark.slow
def test_reparse_stale_fills_the_new_columns(prefect_api, tmp_path):
    from flows.pipeline import data_paths
    from flows.reparse import reparse

    blobs = _raw_store(tmp_path)
    paths = data_paths(tmp_path)
    # the warehouse as the previous parser left it: no provenance, an older parser_version
    con = warehouse.open_warehouse(paths["build"])
    expected = {}
    for rid, (body, url, sha) in blobs.items():
        rep = parsers.parse_bytes(body, url.rsplit("/", 1)[1], "text/html").to_dict()
        expected[rid] = sum(len(cols) for rows in rep["provenance"].values() for cols in rows.values())
        old = {k: v for k, v in rep.items() if k not in ("provenance", "null_reasons")}
        old["parser_version"] = OLD_VERSION
        warehouse.load_report(con, old, report_id=rid, portal_id="hz", page_url=url, document_url=url, sha256=sha)
    assert con.execute("SELECT count(*) FROM applications WHERE method IS NOT NULL").fetchone()[0] == 0
    con.close()
    if not all(expected.values()):
        pytest.skip("the parser records no cell provenance for this rendering yet")

    summary = reparse(data_dir=str(tmp_path), stale_only=True)
    assert summary["stats"]["selected"] == 2
    assert sorted(summary["outcomes"].values()) == ["replaced", "replaced"]

    con = warehouse.open_warehouse(paths["public"], read_only=True)
    try:
        assert con.execute("SELECT DISTINCT parser_version FROM reports").fetchall() == [(parsers.PARSER_VERSION,)]
        for rid, n in expected.items():
            got = con.execute("""SELECT count(*) FROM (
                SELECT method FROM applications WHERE report_id = $1 UNION ALL
                SELECT method FROM active_disclosure WHERE report_id = $1 UNION ALL
                SELECT method FROM review_litigation WHERE report_id = $1) WHERE method IS NOT NULL""", [rid]).fetchone()[0]
            assert got == n, rid
        # identities and cross-year checks came with the reparse, on the published file
        assert con.execute("SELECT count(DISTINCT agency_id) FROM report_identity").fetchone()[0] == 1
        carry = con.execute("SELECT report_id, json_extract_string(check_values, '$.prev_report_id') "
                            "FROM check_results WHERE scope = 'cross_year'").fetchall()
        assert carry and set(carry) == {("hz-2023", "hz-2022")}
        assert con.execute("SELECT count(*) FROM v_panel").fetchone()[0] == 2
    finally:
        con.close()

    again = reparse(data_dir=str(tmp_path), stale_only=True)  # nothing stale any more
    assert again["stats"]["selected"] == 0
