"""Every SQL example in docs/warehouse.md runs against a real warehouse."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import warehouse
from warehouse.synthetic import make_report

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"
BLOCKS = re.findall(r"```sql\n(.*?)```", DOC.read_text("utf-8"), re.S) if DOC.is_file() else []


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    reg = tmp / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "hz,洪泽区,江苏,county,320813,http://a/,a\nha,淮安市,江苏,city,320800,http://b/,b\n",
                   encoding="utf-8")
    con = warehouse.open_warehouse(tmp / "w.duckdb")
    warehouse.load_portals(con, reg)
    for i in range(6):
        rep = make_report(i, agency="淮安市洪泽区人民政府", year=2019 + i, template="2019" if i < 2 else "2021",
                          extra_text="行政复议纠错", provenance=True)
        warehouse.load_report(con, rep, report_id=f"r{i}", portal_id="hz", page_url=f"http://a/nb/{i}.html")
    # the city portal lists the county's 2024 report too (same cells): one report, two URLs
    warehouse.load_report(con, rep, report_id="r5-city", portal_id="ha", page_url="http://b/xq/5.html")
    warehouse.load_report(con, make_report(7, agency="淮安市洪泽区教育局", year=2023), report_id="edu", portal_id="ha")
    warehouse.load_report(con, make_report(9, status="failed"), report_id="bad", portal_id="hz")
    warehouse.refresh_search(con)
    yield con
    con.close()


def test_docs_have_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_doc_example_runs(filled, sql):
    rows = filled.execute(sql).fetchall()
    assert rows, sql
