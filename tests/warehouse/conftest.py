"""Fixtures for warehouse tests: real DuckDB files in tmp_path, synthetic reports from the spec keys."""
from __future__ import annotations

import pytest

import warehouse
from warehouse.load import REPORT_TABLES
from warehouse.synthetic import make_report


@pytest.fixture
def wh_path(tmp_path):
    return tmp_path / "build.duckdb"


@pytest.fixture
def con(wh_path):
    c = warehouse.open_warehouse(wh_path)
    yield c
    c.close()


@pytest.fixture
def report():
    return make_report(7, template="2021", year=2023, agency="淮安市洪泽区人民政府")


@pytest.fixture
def snapshot():
    return _snapshot


def _snapshot(con, report_id=None):
    """Every row of every report table, ordered (for exact comparisons)."""
    out = {}
    for t in REPORT_TABLES:
        where = "" if report_id is None else f" WHERE report_id = '{report_id}'"
        out[t] = con.execute(f"SELECT * FROM {t}{where} ORDER BY ALL").fetchall()
    return out
