"""Real parser output (../shared/corpus text reports) through the loader: the warehouse holds
exactly the parsed numbers, cell for cell, in the long tables and the wide views. (Whether the
parser matches truth.json is the parser tests' business; this checks the loader only.)"""
from __future__ import annotations

import hashlib
import pytest

import warehouse
from parsers import parse_bytes

pytestmark = pytest.mark.corpus


def test_corpus_reports_round_trip_through_the_warehouse(corpus_dir, con):
    cases = []
    for d in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        src = [p for p in d.iterdir() if p.name in ("source.txt", "source.md")]
        if not src:
            continue
        data = src[0].read_bytes()
        report = parse_bytes(data, filename=src[0].name).to_dict()
        warehouse.load_report(con, report, report_id=d.name, portal_id=None, page_url=None,
                              document_url=f"file://{d.name}/{src[0].name}",
                              sha256=hashlib.sha256(data).hexdigest())
        cases.append((d.name, report))
    if not cases:
        pytest.skip("no text reports in the corpus")
    wide_cols = [c[0] for c in con.execute("SELECT * FROM v_applications_wide LIMIT 0").description]
    for rid, truth in cases:
        for table, k2 in (("applications", "applicant_key"), ("review_litigation", "column_key"),
                          ("active_disclosure", "column_key")):
            k1 = "group_key" if table == "review_litigation" else "row_key"
            stored = {(a, b): v for a, b, v in con.execute(
                f"SELECT {k1}, {k2}, value FROM {table} WHERE report_id = ?", [rid]).fetchall()}
            expected = {(r, c): v for r, cols in truth.get(table, {}).items() for c, v in cols.items()}
            assert stored == expected, (rid, table)
            assert stored, (rid, table)
        row = dict(zip(wide_cols, con.execute("SELECT * FROM v_applications_wide WHERE report_id = ?",
                                              [rid]).fetchone()))
        for r, cols in truth["applications"].items():
            for c, v in cols.items():
                assert row[f"{r}__{c}"] == v, (rid, r, c)
        status, sha = con.execute("SELECT parse_status, sha256 FROM reports WHERE report_id = ?", [rid]).fetchone()
        assert status == "ok" and len(sha) == 64
