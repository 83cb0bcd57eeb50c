"""`ogi run` starts Prefect's temporary local server itself, before it imports its flows
(flows.localrun.LocalAPI): Prefect must then use that server — not start a second one — and an
API named by the user's settings must still win. Each case runs in a fresh interpreter: the
pytest process has imported prefect already, and then LocalAPI rightly stays out of the way."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, os
from flows.localrun import prepare_prefect
api = prepare_prefect()
started = api.proc is not None
with api.serving() as url:
    from prefect.settings import get_current_settings

    inside = {"started": started, "url": url, "settings_url": get_current_settings().api.url,
              "heartbeat": get_current_settings().flows.heartbeat_frequency}
    if url:
        from prefect import flow
        from prefect.server.api.server import SubprocessASGIServer

        @flow(name="ogi-localrun-probe", persist_result=False)
        def answer() -> int:
            return 41 + 1

        inside.update(value=answer(), prefects_own_servers=len(SubprocessASGIServer._instances))
inside.update(after_env=os.environ.get("PREFECT_API_URL"), after_settings=get_current_settings().api.url,
              running_after=api.proc is not None)
print(json.dumps(inside))
"""


def _run(home: Path, **env_extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), **env_extra)
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _migrated_home(tmp_path: Path, prefect_api: dict) -> Path:
    """A PREFECT_HOME holding a copy of the session API's database: migrating a new one takes ~9 s."""
    from prefect.settings import get_current_settings

    home = tmp_path / "prefect"
    home.mkdir()
    url = get_current_settings().server.database.connection_url  # the test harness's temporary database
    url = str(getattr(url, "get_secret_value", lambda: url)() or "")
    src = Path(url.split(":///", 1)[-1]) if url.startswith("sqlite") else None
    if src is not None and src.exists():
        with sqlite3.connect(src) as old, sqlite3.connect(home / "prefect.db") as new:
            old.backup(new)
    return home


def test_prefect_runs_the_flow_on_the_server_started_early_and_it_is_gone_after(tmp_path, prefect_api):
    home = _migrated_home(tmp_path, prefect_api)
    res = _run(home)
    assert res["started"] and res["url"].startswith("http://127.0.0.1:"), res
    assert res["value"] == 42
    assert res["settings_url"] == res["url"]
    assert res["heartbeat"] is None  # the server ends with this process: nothing to notice a crash
    assert res["prefects_own_servers"] == 0, "Prefect started a second server of its own"
    # the server kept its database under PREFECT_HOME, as Prefect's own temporary server does
    con = sqlite3.connect(home / "prefect.db")
    try:
        assert con.execute("SELECT count(*) FROM flow_run r JOIN flow f ON f.id = r.flow_id "
                           "WHERE f.name = 'ogi-localrun-probe'").fetchone()[0] == 1
    finally:
        con.close()
    # after the block: stopped, and the settings no longer point at it
    assert res["after_env"] is None and res["after_settings"] is None and not res["running_after"]
    try:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(res["url"] + "/health", timeout=2)
        answered = True
    except OSError:
        answered = False
    assert not answered, "the server still answers after the run"


def test_an_api_named_by_a_profile_wins_and_the_early_server_is_stopped(tmp_path):
    home = tmp_path / "prefect"
    home.mkdir()
    (home / "profiles.toml").write_text('active = "team"\n\n[profiles.team]\n'
                                        'PREFECT_API_URL = "http://127.0.0.1:9/api"\n', "utf-8")
    res = _run(home)
    assert res["started"], "the profile is read only once prefect is imported: the server starts first"
    assert res["url"] is None and not res["running_after"], res
    assert res["settings_url"] == "http://127.0.0.1:9/api"
    assert res["heartbeat"] == 180  # a real server: Prefect's default stands


def test_nothing_is_started_when_the_environment_names_an_api(tmp_path):
    res = _run(tmp_path / "prefect", PREFECT_API_URL="http://127.0.0.1:9/api")
    assert not res["started"] and res["url"] is None
    assert res["settings_url"] == "http://127.0.0.1:9/api" == res["after_settings"]
    assert res["after_env"] == "http://127.0.0.1:9/api"


def test_ogi_early_api_0_leaves_it_to_prefect(tmp_path):
    res = _run(tmp_path / "prefect", OGI_EARLY_API="0")
    assert not res["started"] and res["url"] is None


def test_a_server_that_dies_early_leaves_the_run_to_prefects_own(tmp_path):
    """The early start only saves time: if that server is gone before it answers, the settings are
    left as they were (no API URL), so Prefect starts its own server as it always would."""
    script = SCRIPT.replace("api = prepare_prefect()\n", "api = prepare_prefect()\napi.proc.kill()\napi.proc.wait()\n")
    assert script != SCRIPT
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"))
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["started"] and res["url"] is None and res["settings_url"] is None
    assert "leaving the temporary server to Prefect" in out.stderr
