"""`ogi db …` and `ogi search` against real files."""
from __future__ import annotations

import json

import warehouse
from ogi.cli import main
from warehouse.synthetic import make_report


def test_db_commands_end_to_end(tmp_path, capsys):
    build, public = tmp_path / "build" / "w.duckdb", tmp_path / "w.duckdb"
    assert main(["db", "migrate", "--db", str(build)]) == 0
    con = warehouse.open_warehouse(build)
    for i in range(4):
        warehouse.load_report(con, make_report(i, extra_text="营商环境专栏" if i == 2 else ""), report_id=f"r{i}")
    con.close()
    assert main(["db", "fts", "--db", str(build)]) == 0
    assert main(["db", "publish", "--build", str(build), "--public", str(public)]) == 0
    capsys.readouterr()

    assert main(["db", "describe", "--db", str(public), "--table", "applications"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("applications (table):") and "applicant_key" in out and "申请人类别键" in out

    assert main(["db", "describe", "--db", str(tmp_path / "none.duckdb"), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "### `v_applications_wide` (view)" in out and "| `new_received__natural_person` |" in out

    assert main(["db", "stats", "--db", str(public), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["tables"]["reports"] == 4 and st["schema_version"] >= 3

    assert main(["search", "营商环境专栏", "--db", str(public), "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits and {h["report_id"] for h in hits} == {"r2"}
    assert main(["search", "鲸鱼潜艇", "--db", str(public)]) == 1
    assert "no matches" in capsys.readouterr().out

    assert main(["db", "export", "--db", str(public), "--out", str(tmp_path / "pq")]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["reports"] == 4
