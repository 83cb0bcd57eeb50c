"""Run a night's shards: in this process, or as flow runs of a deployment on the work pool.

    results = run_shards(flow, registry, data_dir, run_key, shards, deployment="shard/shard")

- A shard already finished under this run key (its done.json) is not run again.
- In-process (`deployment=None`: `ogi run`, the ephemeral API): each shard is a subflow of the
  parent; `parallel` > 1 runs that many side by side in threads (their crawls are separate
  processes). Same shard code as on a worker. Their flow runs are created one at a time (the next
  once the last one's body has begun: flows.shard.BEGUN), and the first `parallel` start work together
  once all of them exist: a SQLite-backed Prefect API answers a creation that meets another write
  with a 503 that the client retries 2 s later.
- On the work pool: one `run_deployment` per shard (a subflow run of the parent, picked up by
  any `prefect worker start --pool ogi-process`), then the parent polls until every shard is in
  a final state or `timeout_s` has passed; a shard still running then is cancelled and counted
  as unfinished. One shard failing or timing out never stops the others.

Returns shard_id -> the shard's result (done.json) or {"status": "failed", "error": ...}.
`on_done(shard_id, result)` is called as each shard ends (from the thread that saw it end), so
the parent can load a finished shard while the others still run.
"""
from __future__ import annotations

import contextvars
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from .shard import BEGUN, LOCAL_PARENTS, shard, shard_dir

POLL_S = float(os.environ.get("OGI_SHARD_POLL_S") or 2.0)
WAVE_WAIT_S = 60.0  # the longest a begun shard waits for the rest of the first wave to be created


def _done(data_dir: str, run_key: str, shard_id: str) -> dict | None:
    p = shard_dir(data_dir, run_key, shard_id) / "done.json"
    try:
        return json.loads(p.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def _error_of(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def run_shards(flow: str, registry: str, data_dir: str, run_key: str, shards: list, *, years=None,
               politeness=None, crawl_settings=None, crawl_timeout_s=None, deployment: str | None = None,
               timeout_s: float | None = None, parallel: int = 1, lake_url: str | None = None,
               on_done: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
    results: dict[str, dict] = {}
    pending = []
    report = on_done or (lambda _sid, _res: None)
    for sh in shards:
        done = _done(data_dir, run_key, sh.shard_id)
        if done is not None:
            results[sh.shard_id] = {**done, "reused": True}
            report(sh.shard_id, results[sh.shard_id])
        else:
            pending.append(sh)
    params = {"flow": flow, "registry": registry, "data_dir": data_dir, "run_key": run_key, "years": years,
              "politeness": politeness, "crawl_settings": crawl_settings, "crawl_timeout_s": crawl_timeout_s,
              "lake_url": lake_url}
    if not pending:
        return results
    if deployment:
        results.update(_on_work_pool(deployment, pending, params, timeout_s, report))
    else:
        results.update(_in_process(pending, params, parallel, report))
    return results


def _in_process(pending: list, params: dict, parallel: int,
                report: Callable[[str, dict], None]) -> dict[str, dict]:
    from .download import reset_politeness_state
    from .tasks import close_parse_pool

    out: dict[str, dict] = {}
    # Flow runs are created one at a time, and the first wave's bodies start work only once the
    # whole wave exists: a SQLite-backed API (the ephemeral one, a server without PostgreSQL) turns
    # a creation that meets another write — the first shard's task-run events — into a 503 that
    # Prefect's client retries 2 s later.
    creating = threading.Lock()  # held from asking for a shard's flow run until its body begins
    first_wave = min(max(1, parallel), len(pending))
    wave = threading.Condition()
    begun_count = 0

    def one(sh) -> tuple[str, dict]:
        key = (params["run_key"], sh.shard_id)
        once = threading.Lock()

        def mark() -> bool:
            nonlocal begun_count
            if not once.acquire(blocking=False):
                return False
            with wave:
                begun_count += 1
                wave.notify_all()
            creating.release()
            return True

        def body_begins() -> None:  # called by the shard's body (flows.shard.BEGUN)
            if mark():
                with wave:
                    wave.wait_for(lambda: begun_count >= first_wave, timeout=WAVE_WAIT_S)

        creating.acquire()
        BEGUN[key] = body_begins
        try:
            res = shard(**params, shard_id=sh.shard_id, portals=list(sh.portals))
        except Exception as exc:
            res = {"status": "failed", "error": _error_of(exc)}
        finally:
            BEGUN.pop(key, None)
            mark()  # the run could not be created, or its body never began
        report(sh.shard_id, res)
        return sh.shard_id, res

    LOCAL_PARENTS.add(os.getpid())
    try:
        if parallel <= 1 or len(pending) == 1:
            for sh in pending:
                sid, res = one(sh)
                out[sid] = res
        else:
            with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="ogi-shard") as pool:
                futs = [pool.submit(contextvars.copy_context().run, one, sh) for sh in pending]
                for f in futs:
                    sid, res = f.result()
                    out[sid] = res
    finally:
        LOCAL_PARENTS.discard(os.getpid())
        close_parse_pool()
        reset_politeness_state()
    return out


def _on_work_pool(deployment: str, pending: list, params: dict, timeout_s: float | None,
                  report: Callable[[str, dict], None]) -> dict[str, dict]:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    runs: dict[str, Any] = {}
    out: dict[str, dict] = {}
    for sh in pending:
        try:
            fr = run_deployment(deployment, parameters={**params, "shard_id": sh.shard_id, "portals": list(sh.portals)},
                                timeout=0, flow_run_name=f"{params['run_key']}/{sh.shard_id}",
                                tags=["ogi", "shard"], as_subflow=True)
            runs[sh.shard_id] = fr.id
        except Exception as exc:
            out[sh.shard_id] = {"status": "failed", "error": f"could not start: {_error_of(exc)}"}
    deadline = time.monotonic() + timeout_s if timeout_s else None
    with get_client(sync_client=True) as client:
        while runs:
            for sid, fr_id in list(runs.items()):
                state = client.read_flow_run(fr_id).state
                if state is not None and state.is_final():
                    runs.pop(sid)
                    done = _done(params["data_dir"], params["run_key"], sid)
                    if state.is_completed() and done is not None:
                        out[sid] = done
                    else:
                        out[sid] = {"status": "failed", "flow_run_id": str(fr_id),
                                    "error": f"{state.name}: {state.message or ''}".strip()[:1000]}
                    report(sid, out[sid])
            if runs and deadline is not None and time.monotonic() > deadline:
                for sid, fr_id in runs.items():
                    _cancel(client, fr_id)
                    out[sid] = {"status": "failed", "flow_run_id": str(fr_id),
                                "error": f"timed out after {timeout_s:g} s (cancelled)"}
                runs.clear()
            if runs:
                time.sleep(POLL_S)
    return out


def _cancel(client: Any, flow_run_id: Any) -> None:
    from prefect.states import Cancelling

    try:
        client.set_flow_run_state(flow_run_id, Cancelling(message="the parent's shard timeout passed"), force=True)
    except Exception:
        pass
