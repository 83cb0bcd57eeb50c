"""flows.runner starts side-by-side shards in-process one flow-run creation at a time, and the first
wave starts work only once all of it exists (a SQLite-backed Prefect API answers a creation that
meets another write with a 503 the client retries 2 s later). The shard flow is replaced here by a
function that does what the real one does around its body: a creation, then flows.shard.BEGUN."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

import flows.runner as runner
from flows.shard import BEGUN

pytestmark = pytest.mark.timeout(60)


def _stand_in(events: list, lock: threading.Lock, *, fail_before_body: set[str] = frozenset()):
    def shard(*, run_key: str, shard_id: str, **_params):
        with lock:
            events.append(("create", shard_id))
        time.sleep(0.05)  # the API calls that create the flow run
        if shard_id in fail_before_body:
            raise RuntimeError("the flow run could not be created")
        with lock:
            events.append(("begun", shard_id))
        begun = BEGUN.pop((run_key, shard_id), None)
        if begun is not None:
            begun()
        with lock:
            events.append(("work", shard_id))
        time.sleep(0.05)
        return {"status": "ok", "shard_id": shard_id}
    return shard


def _shards(n: int) -> list:
    return [SimpleNamespace(shard_id=f"s{i}", portals=[f"p{i}"]) for i in range(n)]


def _run(monkeypatch, n: int, parallel: int, **kw) -> tuple[list, dict]:
    events: list = []
    monkeypatch.setattr(runner, "shard", _stand_in(events, threading.Lock(), **kw))
    params = {"flow": "nightly", "registry": "r.csv", "data_dir": "d", "run_key": "k", "years": None}
    out = runner._in_process(_shards(n), params, parallel, lambda _sid, _res: None)
    return events, out


def test_first_wave_is_created_one_at_a_time_before_any_work(monkeypatch):
    events, out = _run(monkeypatch, 5, 2)
    assert all(r["status"] == "ok" for r in out.values()) and len(out) == 5
    # never two creations at once: a shard's flow run is asked for only after the one asked for
    # before it has begun its body
    created = [sid for what, sid in events if what == "create"]
    for before, after in zip(created, created[1:]):
        assert events.index(("begun", before)) < events.index(("create", after)), events
    # the first wave (2 side by side) exists before either of its shards starts work
    first_work = min(i for i, (what, _sid) in enumerate(events) if what == "work")
    assert events.index(("begun", created[1])) < first_work, events
    assert not BEGUN  # nothing left behind


def test_a_shard_that_never_begins_does_not_hold_the_others(monkeypatch):
    t0 = time.monotonic()
    events, out = _run(monkeypatch, 4, 2, fail_before_body={"s0"})
    assert out["s0"]["status"] == "failed" and "could not be created" in out["s0"]["error"]
    assert all(out[s]["status"] == "ok" for s in ("s1", "s2", "s3"))
    assert time.monotonic() - t0 < runner.WAVE_WAIT_S / 2  # nobody waited for s0's body
    assert len(BEGUN) == 0
