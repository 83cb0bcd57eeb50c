"""The parent loads a running shard's rounds as they appear (flows.load.load_rounds and the
ShardLoader's watch), once each, into a real DuckDB build warehouse; a round rewritten by a shard
started again is loaded again, and the shard's figures count every round once."""
from __future__ import annotations

import time

import warehouse
from flows.load import load_rounds, load_shard, write_plan
from flows.pipeline import ShardLoader
from flows.sinks import PlanFiles, round_plans
from warehouse.synthetic import make_report


def _entry(i: int, parser_version: str = "0.1.0", portal: str = "p1") -> dict:
    return {"report": make_report(i, parser_version=parser_version), "report_id": f"r{i}", "portal_id": portal,
            "page_url": f"http://127.0.0.1/r{i}.html", "document_url": f"http://127.0.0.1/r{i}.html",
            "sha256": f"{i:064x}"}


def _plan(entries: list[dict]) -> dict:
    portals = sorted({e["portal_id"] for e in entries})  # a portal is never split across rounds
    return {"run_id": "nightly-test", "flow": "nightly", "started_at": "2026-12-07T00:00:00Z", "documents": [],
            "reports": entries, "portals": {p: {"reports_found": len(entries), "status": "ok"} for p in portals}}


def _reports(build) -> list[tuple]:
    con = warehouse.open_warehouse(str(build), read_only=True)
    try:
        return con.execute("SELECT report_id, parser_version FROM reports ORDER BY report_id").fetchall()
    finally:
        con.close()


def test_rounds_load_as_they_appear_once_each_and_again_when_rewritten(tmp_path):
    shard = tmp_path / "shard"
    shard.mkdir()
    con = warehouse.open_warehouse(str(tmp_path / "build.duckdb"))
    calls: list[int] = []
    try:
        write_plan(shard / "plan-0000.json", _plan([_entry(0), _entry(1)]))
        load_rounds(shard, con, on_loaded=calls.append)
        assert calls == [2] and (shard / "plan-0000.loaded.json").exists()
        assert round_plans(shard) == [shard / "plan-0000.json"]  # a marker is not a round
        write_plan(shard / "plan-0001.json", _plan([_entry(2, portal="p2")]))
        load_rounds(shard, con, on_loaded=calls.append)
        assert calls == [2, 1]  # only the new round
        # the shard started again and wrote its first round anew, one report re-parsed
        write_plan(shard / "plan-0000.json", _plan([_entry(0, "0.2.0"), _entry(1)]))
        load_rounds(shard, con, on_loaded=calls.append)
        assert calls == [2, 1, 2]
        figures = load_shard(shard, con, on_loaded=calls.append)
        assert calls == [2, 1, 2]  # everything was loaded already
    finally:
        con.close()
    assert figures == {"portals": {"p1": {"new": 0, "changed": 1, "unchanged": 1}, "p2": {"new": 1, "changed": 0,
                                                                                          "unchanged": 0}},
                       "reports_new": 1, "reports_changed": 1, "reports_unchanged": 1}
    assert _reports(tmp_path / "build.duckdb") == [("r0", "0.2.0"), ("r1", "0.1.0"), ("r2", "0.1.0")]
    PlanFiles(shard).reset()  # a new attempt removes the rounds and their markers alike
    assert not list(shard.glob("plan-*"))


def test_the_loader_loads_a_running_shards_rounds_before_it_ends(tmp_path):
    run_dir = tmp_path / "run"
    shard = run_dir / "shards" / "s1"
    shard.mkdir(parents=True)
    build = tmp_path / "build.duckdb"
    registry = tmp_path / "registry.csv"
    registry.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                        "p1,测试县,福建,county,350128,http://127.0.0.1/,127.0.0.1\n", "utf-8")
    loader = ShardLoader(run_dir, str(build), str(registry))
    loader.WATCH_S = 0.05
    try:
        loader.watch(["s1"])
        write_plan(shard / "plan-0000.json", _plan([_entry(0), _entry(1)]))
        deadline = time.monotonic() + 20
        while not (shard / "plan-0000.loaded.json").exists():  # no submit yet: the shard still "runs"
            assert time.monotonic() < deadline, "the running shard's round was not loaded"
            time.sleep(0.05)
        write_plan(shard / "plan-0001.json", _plan([_entry(2, portal="p2")]))
        loader.submit("s1", {"status": "ok", "stats": {"reports": 3}})
        figures = loader.wait()
    finally:
        loader.close()
    assert figures["s1"]["reports_new"] == 3 and (shard / "loaded.json").exists()
    assert [r[0] for r in _reports(build)] == ["r0", "r1", "r2"]
