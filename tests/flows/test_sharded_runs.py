"""Sharded runs on the demo portals (real HTTP servers on 127.0.0.x, real Prefect API, real DuckDB):
shards side by side give the same warehouse as one shard, cell for cell — into the single file,
and into one DuckLake with a PostgreSQL catalog (throwaway server); a run killed in the middle of
a shard and rerun with its run key reruns only unfinished shards and converges to the same
warehouse; operators get a Prefect table artifact per shard and per run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pgserver import pg_server  # noqa: F401  (session fixture; skips without PostgreSQL)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def single(prefect_api, demo, tmp_path_factory, fast_options):
    """The reference: every demo portal in one shard, one process."""
    from flows.nightly import nightly

    d = tmp_path_factory.mktemp("single")
    s = nightly(registry=str(demo.registry_path), data_dir=str(d), shard_portals=1000, **fast_options)
    assert s["status"] == "ok" and s["stats"]["shards"] == 1
    return d / "warehouse.duckdb"


def test_shards_side_by_side_equal_one_shard_cell_for_cell(prefect_api, demo, single, tmp_path, fast_options,
                                                           cells, monkeypatch):
    from prefect.client.orchestration import get_client

    from flows.nightly import nightly

    # these shards fetch in processes of their own (flows.fetchproc), the reference in its process
    monkeypatch.setenv("OGI_FETCH_PROCESS", "1")
    s = nightly(registry=str(demo.registry_path), data_dir=str(tmp_path), shard_portals=3, parallel_shards=2,
                **fast_options)
    assert s["status"] == "ok" and s["stats"]["shards"] == len(s["shards"]) >= 3
    # every portal in exactly one shard, and each shard crawled in its own process
    assert sorted(p for ps in s["shards"].values() for p in ps) == sorted(demo.portals)
    done = [json.loads(p.read_text()) for p in (tmp_path / "runs" / s["run_id"]).glob("shards/*/done.json")]
    pids = {d["pid"] for d in done}
    assert len(pids) == 1  # in-process shards: the parent's process (crawls are subprocesses of it)
    fetch_pids = {d["fetch_pid"] for d in done}
    assert None not in fetch_pids and len(fetch_pids) == len(done) and not fetch_pids & pids
    # the one writer loads a shard as soon as it has finished: the first load is done before the
    # last shard is
    shard_dirs = list((tmp_path / "runs" / s["run_id"]).glob("shards/*"))
    first_loaded = min((d / "loaded.json").stat().st_mtime for d in shard_dirs)
    last_done = max((d / "done.json").stat().st_mtime for d in shard_dirs)
    assert first_loaded < last_done
    got, want = cells(tmp_path / "warehouse.duckdb"), cells(single)
    assert want["reports"] and want["applications"]
    for table in want:
        assert got[table] == want[table], table
    assert s["stats"]["reports_new"] == len(want["reports"]), s["stats"]
    # the Prefect UI shows the night: the run's table and one per shard
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        from prefect.client.schemas.sorting import ArtifactSort

        run_art = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ogi-nightly"])),
                                        sort=ArtifactSort.CREATED_DESC, limit=1)  # this run's: the latest
        assert run_art
        table = json.loads(run_art[0].data) if isinstance(run_art[0].data, str) else run_art[0].data
        assert {r["portal"] for r in table} >= set(demo.portals)
        assert table[-1]["found"] == len(want["reports"])  # the totals row
        shard_keys = {"ogi-shard-" + sid.replace("+", "-") for sid in s["shards"]}
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=sorted(shard_keys))))
        assert {a.key for a in arts} == shard_keys


def test_killed_mid_shard_rerun_finishes_only_unfinished_shards_and_converges(prefect_api, demo, single,
                                                                             tmp_path, cells):
    d = tmp_path / "killed"
    env = dict(os.environ, OGI_CHUNK_ITEMS="5")
    if prefect_api["api_url"]:
        env["PREFECT_API_URL"] = prefect_api["api_url"]
    key = "nightly-killtest"
    cmd = [sys.executable, "-m", "ogi.cli", "run", "--registry", str(demo.registry_path), "--data-dir", str(d),
           "--fast", "--no-progress", "--json", "--shard-portals", "3", "--run-key", key]
    shards_dir = d / "runs" / key / "shards"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline, killed = time.monotonic() + 180, False
    while time.monotonic() < deadline and proc.poll() is None:
        done = list(shards_dir.glob("*/done.json"))
        started = [p for p in shards_dir.glob("*") if p.is_dir() and not (p / "done.json").exists()
                   and (p / "items.jsonl").exists()]
        if done and started:  # one shard finished, the next one crawled and is fetching
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    if not killed:
        proc.kill()
    _out, err = proc.communicate(timeout=30)
    assert killed, "the run ended before it could be killed mid-shard: " + err.decode("utf-8", "replace")[-2000:]
    finished = {p.parent.name: p.stat().st_mtime_ns for p in shards_dir.glob("*/done.json")}
    assert finished and not (d / "warehouse.duckdb").exists()

    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    summary = json.loads(out.stdout)
    assert summary["status"] == "ok" and summary["run_id"] == key
    # shards finished before the kill were not run again; the others were
    for sid, mtime in finished.items():
        assert (shards_dir / sid / "done.json").stat().st_mtime_ns == mtime
    assert len(list(shards_dir.glob("*/done.json"))) == len(summary["shards"]) > len(finished)
    got, want = cells(d / "warehouse.duckdb"), cells(single)
    for table in want:
        assert got[table] == want[table], table
    # and a rerun of the finished run changes nothing
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert again.returncode == 0 and cells(d / "warehouse.duckdb") == want


def test_two_shards_at_once_into_the_lake_equal_one_process_single_file(prefect_api, demo, single, pg_server,  # noqa: F811
                                                                        tmp_path, fast_options, cells, query):
    from flows.nightly import nightly

    lake_url = pg_server.create_database("flows_lake") + f"?data_path={tmp_path / 'lake-files'}"
    d = tmp_path / "lake"
    s2 = nightly(registry=str(demo.registry_path), data_dir=str(d), shard_portals=3, parallel_shards=2,
                 lake_url=lake_url, **fast_options)
    assert s2["status"] == "ok" and s2["stats"]["shards"] >= 3
    (n,) = query(single, "SELECT count(*) FROM reports")[0]
    assert s2["stats"]["reports_new"] == n > 0
    assert not list((d / "runs").glob("*/shards/*/plan-*.json"))  # rounds went into the lake, not files
    got, want = cells(d / "warehouse.duckdb"), cells(single)
    for table in want:
        assert got[table] == want[table], table

    again = nightly(registry=str(demo.registry_path), data_dir=str(d), shard_portals=3, parallel_shards=2,
                    lake_url=lake_url, **fast_options)
    assert again["status"] == "ok" and again["stats"]["reports_new"] == 0 and again["stats"]["reports_changed"] == 0
    assert again["stats"]["reports_light"] > 0  # unchanged inputs: checked against the lake's fingerprints only
    assert cells(d / "warehouse.duckdb") == want
