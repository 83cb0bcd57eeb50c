"""The sharded nightly on a real Prefect server with two process workers, as docs/operations.md
says to run it: `prefect server start` (PostgreSQL database when the binaries are installed,
else SQLite), `prefect work-pool create`, `prefect deploy --all` from the repository root, two
`prefect worker start` processes, `prefect deployment run nightly/nightly --watch` against the
demo portals on loopback. The parent starts one `shard/shard` flow run per shard on the pool;
the workers run them; the parent loads and publishes."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # a server, a database, two workers, 5 flow runs
ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError("prefect server did not become healthy")


@pytest.fixture
def prefect_database(request):
    """A PostgreSQL database for the Prefect server when PostgreSQL is installed, else None (SQLite)."""
    from tests.pgserver import PgServer, find_bindir

    if find_bindir() is None:
        yield None
        return
    pg = PgServer.start()
    try:
        yield pg.create_database("prefect").replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        pg.stop()


def test_sharded_nightly_on_a_server_with_two_workers(demo, tmp_path, prefect_database, fast_options, query):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_API_URL=api,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_LOGGING_LEVEL="WARNING",
               # the deployed nightly's cron must never start a run (on the registry's real portals) here
               PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1",
               OGI_HOME=str(ROOT), OGI_SHARD_POLL_S="1", PYTHONPATH=str(ROOT))
    if prefect_database:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_database
    procs: list[subprocess.Popen] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name: str, *args: str) -> subprocess.Popen:
        p = subprocess.Popen([PREFECT, *args], cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "wb"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(p)
        return p

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        out = subprocess.run([PREFECT, *args], cwd=ROOT, env=env, capture_output=True, timeout=timeout)
        assert out.returncode == 0, (args, out.stdout.decode()[-2000:], out.stderr.decode()[-2000:])
        return out

    data = tmp_path / "data"
    try:
        server = start("server", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui")
        _wait_healthy(api, server)
        run("work-pool", "create", "ogi-process", "--type", "process")
        run("--no-prompt", "deploy", "--all")
        for i in (1, 2):
            # at most 2 flow runs each: the parent and 4 shards cannot all land on one worker
            start(f"worker{i}", "worker", "start", "--pool", "ogi-process", "--name", f"worker-{i}", "--limit", "2")
        params = {"registry": str(demo.registry_path), "data_dir": str(data), "shard_portals": 3,
                  "shard_timeout_s": 400, **fast_options}
        run("deployment", "run", "nightly/nightly", "--params", json.dumps(params), "--watch",
            "--watch-timeout", "500", timeout=560)
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, 15)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()

    (summary_path,) = list((data / "runs").glob("*/summary.json"))
    summary = json.loads(summary_path.read_text("utf-8"))
    assert summary["status"] == "ok", summary.get("error")
    shards = summary["shards"]
    assert len(shards) >= 3 and sorted(p for ps in shards.values() for p in ps) == sorted(demo.portals)
    done = [json.loads(p.read_text()) for p in summary_path.parent.glob("shards/*/done.json")]
    assert len(done) == len(shards) and len({d["pid"] for d in done}) == len(shards)  # each its own flow run
    # the two workers both ran flow runs (each logs the runs it submitted to its infrastructure)
    took = [(logs / f"worker{i}.log").read_text("utf-8", "replace").count("submitted to infrastructure") for i in (1, 2)]
    assert sum(took) >= len(shards) + 1 and all(took), took
    # every report the shards found was loaded and published, from every demo portal
    (n,) = query(data / "warehouse.duckdb", "SELECT count(*) FROM reports")[0]
    assert n == summary["stats"]["reports"] == summary["stats"]["reports_new"] > 0
    loaded = {r[0] for r in query(data / "warehouse.duckdb", "SELECT DISTINCT portal_id FROM reports")}
    assert loaded == set(demo.expected_reports())
    assert summary["stats"]["shards_failed"] == []
