"""Fixtures for the flow tests: one Prefect API for the session (temporary database, real
server subprocess), one demo-portal server per module, helpers to read the warehouse."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.localrun import LOCAL_PREFECT_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """A real Prefect API (SQLite in a temp dir) shared by every flow test; yields its URL so
    `ogi run` subprocesses can use it too instead of starting their own ephemeral server."""
    home = tmp_path_factory.mktemp("prefect-home")
    saved = {k: os.environ.get(k) for k in [*LOCAL_PREFECT_ENV, "PREFECT_HOME"]}
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.update(LOCAL_PREFECT_ENV)
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        server = SubprocessASGIServer._instances.get(None)
        yield {"api_url": server.api_url if server else None, "home": str(home)}
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def demo():
    from ogi.demo.server import DemoPortals

    with DemoPortals() as d:
        yield d


@pytest.fixture(scope="session")
def fast_options() -> dict:
    """The demo's loopback settings: the crawler's FAST_SETTINGS and `ogi demo`'s politeness."""
    from crawlers.settings import FAST_SETTINGS
    from ogi.commands.demo import DEMO_POLITENESS

    return {"politeness": dict(DEMO_POLITENESS), "crawl_settings": dict(FAST_SETTINGS)}


def _query(db: Path, sql: str, params=None) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def query():
    """query(db_path, sql, params) -> rows, on a short read-only connection."""
    return _query


CELL_TABLES = {
    "reports": "SELECT report_id, portal_id, page_url, document_url, sha256, parser_version, parse_status, "
               "source_format, template, year, n_cells, n_checks, n_checks_failed FROM reports",
    "applications": "SELECT report_id, row_key, applicant_key, value FROM applications",
    "active": "SELECT report_id, table_key, row_key, column_key, value FROM active_disclosure",
    "review": "SELECT report_id, group_key, column_key, value FROM review_litigation",
    "sections": "SELECT report_id, section_key, md5(coalesce(text, '')) FROM report_sections",
    "documents": "SELECT url, sha256, kind, portal_id, report_id, error FROM documents",
}


@pytest.fixture(scope="session")
def cells():
    """cells(db_path) -> {table: sorted rows}: the warehouse's content, cell for cell, without
    timestamps and run ids."""
    return lambda db: {t: sorted(_query(db, sql), key=repr) for t, sql in CELL_TABLES.items()}
