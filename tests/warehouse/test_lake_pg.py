"""One lake, many writers: DuckLake with a PostgreSQL catalog (a real server started by
tests/pgserver.py), writer processes, materialise into the analysts' single file."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import duckdb
import pytest

import warehouse
from tests.pgserver import pg_server  # noqa: F401  (session fixture)
from warehouse.lake import Lake, LakeError, parse_url, redact, scrub
from warehouse.load import REPORT_TABLES
from warehouse.synthetic import make_report
from warehouse.views import cache_tables

ROOT = Path(__file__).resolve().parents[2]
LOADED_AT = "2026-01-02T03:04:05"


def shard_items(shard: str, n: int, *, parser_version: str = "0.1.0") -> list[dict]:
    """Reports of one shard (its own portal), as the flows hand them over."""
    out = []
    for i in range(n):
        seed = (ord(shard[0]) * 1000) + i
        rep = make_report(seed, template=("2019", "2021")[i % 2], parser_version=parser_version,
                          status="failed" if i == 3 else "ok", section_words=4)
        out.append(dict(report=rep, report_id=f"{shard}-{i:03d}", portal_id=f"portal-{shard}",
                        page_url=f"http://127.0.0.1/{shard}/{i}.html", document_url=f"http://127.0.0.1/{shard}/{i}.pdf",
                        sha256=f"{seed:064x}", loaded_at=LOADED_AT))
    return out


def shard_documents(shard: str, n: int) -> list[dict]:
    return [dict(url=f"http://127.0.0.1/{shard}/{i}.pdf", sha256=f"{(ord(shard[0]) * 1000) + i:064x}",
                 http_status=200, content_type="application/pdf", bytes=1000 + i, fetched_at=LOADED_AT,
                 kind="attachment", portal_id=f"portal-{shard}", report_id=f"{shard}-{i:03d}")
            for i in range(n)]


def shard_portal_runs(shard: str, n: int) -> dict:
    return {f"portal-{shard}": {"pages": n + 2, "reports_found": n, "new": n, "changed": 0, "failed": 1,
                                "status": "ok"}}


@pytest.fixture
def lake_url(pg_server, tmp_path):  # noqa: F811
    dsn = pg_server.create_database(f"lake_{uuid.uuid4().hex[:10]}")
    return f"{dsn}?data_path={tmp_path / 'lake-data'}"


# --- a writer process -------------------------------------------------------------------------
WRITER = textwrap.dedent("""
    import json, os, sys, time
    from warehouse.lake import Lake
    url, batches_file, go_file = sys.argv[1], sys.argv[2], sys.argv[3]
    batches = json.load(open(batches_file))
    lake = Lake.from_url(url)
    lake.con  # connect + migrate before the start signal
    while go_file != "-" and not os.path.exists(go_file):
        time.sleep(0.01)
    for b in batches:
        res = lake.write_reports(b["items"], documents=b["documents"], run_id=b["run_id"],
                                 portal_runs=b["portal_runs"])
        res.pop("outcomes")
        print(json.dumps(res), flush=True)
    lake.close()
""")

# The same, but it stops inside its transaction (after the reports were written, before the
# commit) and says so: the test kills it there.
STALLING_WRITER = textwrap.dedent("""
    import sys, time
    import warehouse.load as wl
    def stall(*a, **k):
        print("IN-TRANSACTION", flush=True)
        time.sleep(120)
    wl.record_portal_runs = stall
""") + WRITER


def _batches(shard: str, n: int, per_batch: int, run_id: str = "run-1") -> list[dict]:
    items, docs = shard_items(shard, n), shard_documents(shard, n)
    out = []
    for k in range(0, n, per_batch):
        last = k + per_batch >= n
        out.append({"items": items[k:k + per_batch], "documents": docs[k:k + per_batch], "run_id": run_id,
                    "portal_runs": shard_portal_runs(shard, n) if last else None})
    return out


def _spawn(tmp_path: Path, script: str, url: str, shard: str, batches: list[dict], go: str = "-") -> subprocess.Popen:
    f = tmp_path / f"batches-{shard}-{uuid.uuid4().hex[:6]}.json"
    f.write_text(json.dumps(batches, ensure_ascii=False), "utf-8")
    return subprocess.Popen([sys.executable, "-c", script, url, str(f), go], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _single_file(path: Path, shards: dict[str, int], **kw) -> Path:
    """The reference: the same reports loaded into one DuckDB file the ordinary way."""
    con = warehouse.open_warehouse(path)
    try:
        for shard, n in shards.items():
            warehouse.load_reports(con, shard_items(shard, n, **kw))
            for d in shard_documents(shard, n):
                warehouse.record_document(con, run_id="run-1", **d)
            warehouse.record_portal_runs(con, "run-1", shard_portal_runs(shard, n))
        if hasattr(warehouse, "refresh_trust"):
            warehouse.refresh_trust(con)
        warehouse.refresh_search(con)
    finally:
        con.close()
    return path


# Tables compared cell for cell, with the columns that hold the time of writing left out.
VOLATILE = {"documents": ("recorded_at",), "portal_runs": ("recorded_at",), "runs": ("recorded_at",),
            "agencies": ("refreshed_at",), "report_identity": ("refreshed_at",)}
NOT_DATA = ("schema_migrations", "warehouse_meta")


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY 1").fetchall() if r[0] not in NOT_DATA]


def _dump(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for t in _tables(con):
            exclude = VOLATILE.get(t)
            cols = f"* EXCLUDE ({', '.join(exclude)})" if exclude else "*"
            out[t] = con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def assert_same_warehouse(a: Path, b: Path) -> None:
    da, db = _dump(a), _dump(b)
    assert sorted(da) == sorted(db)
    for t in da:
        assert da[t] == db[t], f"table {t} differs ({len(da[t])} vs {len(db[t])} rows)"
    for t in REPORT_TABLES + cache_tables() + ("section_search",):
        assert da[t], f"{t} is empty: the comparison would prove nothing"


# --- tests ------------------------------------------------------------------------------------
def test_parse_url_forms():
    cat, path = parse_url("postgres://u:secret@db.internal:5433/lake?sslmode=disable&data_path=/shared/lake")
    assert cat == "postgres://u:secret@db.internal:5433/lake?sslmode=disable" and path == Path("/shared/lake")
    assert parse_url("sqlite:///var/lake/c.sqlite?data_path=/d") == ("/var/lake/c.sqlite", Path("/d"))
    assert parse_url("lake/c.ducklake", "lake/data") == ("lake/c.ducklake", Path("lake/data"))
    assert redact("postgres://u:secret@h/db") == "postgres://u:***@h/db"
    with pytest.raises(LakeError, match="no data path"):
        parse_url("postgres://u:secret@h/db")
    assert "secret" not in repr(Lake.from_url("postgres://u:secret@h/db?data_path=/x"))
    assert scrub('cannot connect to "postgres://u:secret@h/db"', "postgres://u:secret@h/db") == \
        'cannot connect to "postgres://u:***@h/db"'
    assert "s3cr" not in scrub("failed: host=h password=s3cr", "postgres:host=h password=s3cr")


def test_postgres_extension_loads_offline_under_its_real_name():
    from warehouse import extensions

    con = duckdb.connect(config=dict(extensions.OFFLINE_CONFIG))
    extensions.load_extension(con, "postgres")
    assert "postgres_scanner" in extensions.loaded_extensions(con)
    con.close()


def test_two_writer_processes_equal_a_single_file_load(lake_url, tmp_path):
    Lake.from_url(lake_url).init()
    go = tmp_path / "go"
    sizes = {"a": 10, "b": 12}
    procs = [_spawn(tmp_path, WRITER, lake_url, s, _batches(s, n, 4), str(go)) for s, n in sizes.items()]
    time.sleep(0.5)
    go.touch()  # both start writing at once: their transactions interleave
    attempts = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-3000:]
        attempts += [json.loads(line)["attempts"] for line in out.splitlines()]
    assert len(attempts) == 6  # 3 + 3 batches, each committed once

    lake = Lake.from_url(lake_url, read_only=True)
    st = lake.status()
    assert st["tables"]["reports"] == 22 and st["duplicate_report_ids"] == 0 and st["kind"] == "postgres"
    assert st["snapshot_id"] >= 6 and st["data_files"] > 0
    public = tmp_path / "pub" / "warehouse.duckdb"
    res = lake.materialise(public)
    lake.close()
    assert res["reports"] == 22 and res["reports_changed"] == 22
    assert_same_warehouse(public, _single_file(tmp_path / "single.duckdb", sizes))

    # the published file is an ordinary warehouse: views and search work
    con = warehouse.open_warehouse(public, read_only=True)
    assert con.execute("SELECT count(*) FROM v_report_summary").fetchone()[0] == 22
    con.close()


def test_rewriting_a_shard_converges_and_materialise_is_incremental(lake_url, tmp_path):
    lake = Lake.from_url(lake_url)
    first = lake.write_reports(shard_items("c", 8), documents=shard_documents("c", 8), run_id="run-1",
                               portal_runs=shard_portal_runs("c", 8))
    assert (first["inserted"], first["replaced"], first["unchanged"]) == (8, 0, 0)
    again = lake.write_reports(shard_items("c", 8), documents=shard_documents("c", 8), run_id="run-1",
                               portal_runs=shard_portal_runs("c", 8))
    assert (again["inserted"], again["replaced"], again["unchanged"]) == (0, 0, 8)
    public = tmp_path / "w.duckdb"
    m1 = lake.materialise(public)
    assert m1["reports_changed"] == 8

    # a re-parse of two reports: only they are rewritten, in the lake and in the published file
    newer = shard_items("c", 8)
    for it in newer[:2]:
        it["report"]["parser_version"] = "0.2.0"
    third = lake.write_reports(newer)
    assert (third["inserted"], third["replaced"], third["unchanged"]) == (0, 2, 6)
    assert lake.status()["tables"]["reports"] == 8
    m2 = lake.materialise(public)
    assert m2["reports_changed"] == 2 and m2["search"]["segmented"] == 0 and m2["snapshot_id"] > m1["snapshot_id"]
    m3 = lake.materialise(public)
    assert m3["reports_changed"] == 0 and m3["tables_replaced"] == 0

    ref = tmp_path / "single.duckdb"
    _single_file(ref, {"c": 8})
    con = warehouse.open_warehouse(ref)
    warehouse.load_reports(con, newer)
    warehouse.refresh_search(con)
    con.close()
    assert_same_warehouse(public, ref)

    # placeholders (keep_existing) never overwrite a stored report; flow document dicts may carry
    # more keys than a documents row has
    placeholder = dict(shard_items("c", 1)[0], report={"status": "failed", "error": "not fetched again"},
                       keep_existing=True)
    fresh = dict(shard_items("c", 9)[8], keep_existing=True)
    doc = dict(shard_documents("c", 9)[8], status="unchanged", attempts=2)
    res = lake.write_reports([placeholder, fresh], documents=[doc], run_id="run-2")
    assert res["outcomes"] == ["kept", "inserted"] and res["documents"] == 1
    assert lake.con.execute("SELECT parse_status FROM reports WHERE report_id = 'c-000'").fetchone() == ("ok",)
    assert lake.con.execute("SELECT run_id FROM documents WHERE url = ?", [doc["url"]]).fetchone() == ("run-2",)
    lake.delete_reports(["c-008"])

    # force rewrites even unchanged reports (the repair path), still converging
    forced = lake.write_reports(shard_items("c", 8)[5:7], force=True)
    assert forced["inserted"] == 2 and lake.status()["tables"]["reports"] == 8

    # two writers inserting the same NEW report at the same instant both commit (DuckLake sees
    # no conflict between inserts): detected, never published, repaired by a forced rewrite
    from warehouse import load as wl
    from warehouse.lake import _InTransaction

    other = Lake.from_url(lake_url)
    twin = shard_items("c", 10)[9:]
    for w in (lake, other):
        w.con.begin()
        wl.load_reports(_InTransaction(w.con), twin)
    lake.con.commit()
    other.con.commit()
    other.close()
    assert lake.duplicate_report_ids() == ["c-009"] and lake.status()["duplicate_report_ids"] == 1
    with pytest.raises(LakeError, match="written twice"):
        lake.materialise(public)
    reader = warehouse.open_warehouse(public, read_only=True)
    assert reader.execute("SELECT count(*) FROM reports").fetchone()[0] == 8  # the public file was left alone
    reader.close()
    assert lake.write_reports(twin, force=True)["inserted"] == 1
    assert lake.duplicate_report_ids() == [] and lake.materialise(public)["reports"] == 9
    lake.close()


def test_writer_killed_mid_transaction_leaves_no_partial_shard(lake_url, tmp_path):
    writer = Lake.from_url(lake_url)
    (b,) = _batches("d", 5, 5)
    writer.write_reports(b["items"], documents=b["documents"], run_id=b["run_id"], portal_runs=b["portal_runs"])
    before = writer.status()

    victim = _spawn(tmp_path, STALLING_WRITER, lake_url, "e", _batches("e", 6, 6))
    line = victim.stdout.readline()
    assert line.strip() == "IN-TRANSACTION", victim.stderr.read()[-3000:]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)

    after = writer.status()
    assert after["snapshot_id"] == before["snapshot_id"]
    assert after["tables"] == before["tables"]  # no report, cell, document or figure of shard e
    assert writer.con.execute("SELECT count(*) FROM reports WHERE portal_id = 'portal-e'").fetchone()[0] == 0

    (b,) = _batches("e", 6, 6)  # the shard's rerun
    res = writer.write_reports(b["items"], documents=b["documents"], run_id=b["run_id"], portal_runs=b["portal_runs"])
    assert res["inserted"] == 6
    writer.cleanup(older_than_hours=0)  # the killed writer's orphaned files, if it left any
    public = tmp_path / "w.duckdb"
    writer.materialise(public)
    writer.close()
    assert_same_warehouse(public, _single_file(tmp_path / "single.duckdb", {"d": 5, "e": 6}))


def test_cli_lake_init_status_materialise(lake_url, tmp_path, capsys):
    from ogi.cli import main

    assert main(["db", "lake", "init", "--catalog", lake_url]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["tables"]["reports"] == 0 and st["schema_version"] >= 3
    lake = Lake.from_url(lake_url)
    lake.write_reports(shard_items("f", 5))
    lake.close()
    public = tmp_path / "pub.duckdb"
    assert main(["db", "lake", "materialise", "--catalog", lake_url, "--public", str(public),
                 "--export", str(tmp_path / "pq")]) == 0
    out = capsys.readouterr().out
    res = json.loads(out.splitlines()[-1])
    assert res["reports"] == 5 and res["exported"]["applications"] > 0 and public.is_file()
    with duckdb.connect(str(public), read_only=True) as pub:  # the export matches the published file,
        for table in ("agencies", "report_identity", "check_results"):  # derived tables included
            assert res["exported"][table] == pub.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    assert main(["db", "lake", "status", "--catalog", lake_url]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["reports"] == 5
    with pytest.raises(LakeError, match="does not match existing data path"):  # one lake, one data path
        Lake.from_url(lake_url.split("?")[0], data_path=tmp_path / "elsewhere").con
    missing = lake_url.split("?")[0].rsplit("/", 1)[0] + "/no_such_db?data_path=" + str(tmp_path / "x")
    assert main(["db", "lake", "status", "--catalog", missing]) == 1
    assert "cannot open lake" in capsys.readouterr().out
    assert main(["db", "lake", "status", "--catalog", lake_url.split("?")[0]]) == 2
