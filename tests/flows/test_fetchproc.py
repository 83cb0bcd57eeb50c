"""A shard's downloads in a process of their own (flows.fetchproc): the same results as in the
shard's own process, and nothing lost when that process dies or a round is left half-read."""
from __future__ import annotations

import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows import fetchproc
from flows.download import reset_politeness_state
from flows.fetchproc import FetchProcess, fetch_here
from flows.rawstore import RawStore

POLITENESS = {"delay_s": 0.0, "timeout_s": 5.0, "retries": 0, "per_host": 2}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == "/robots.txt":
            body, status = b"", 404
        elif self.path.startswith("/slow"):  # still being answered when a test kills the fetch process
            time.sleep(0.5)
            body, status = b"<html><body>slow</body></html>", 200
        elif self.path.startswith("/missing"):
            body, status = b"no", 404
        else:
            body, status = f"<html><body>report {self.path}</body></html>".encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def urls():
    servers = []
    for addr in ("127.0.0.2", "127.0.0.3"):
        srv = ThreadingHTTPServer((addr, 0), _Handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    reset_politeness_state()
    out = {}
    for srv in servers:
        host = f"{srv.server_address[0]}:{srv.server_address[1]}"
        for n in range(12):
            out[f"http://{host}/r{n}.html"] = {"allowed_hosts": [host], "allow_private": True}
        for name in ("missing.html", "slow.html"):
            out[f"http://{host}/{name}"] = {"allowed_hosts": [host], "allow_private": True}
    yield out
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    reset_politeness_state()


def _outcome(results):
    return sorted((r["url"], r["status"], r.get("http_status"), r.get("sha256")) for r in results)


def test_a_round_in_the_fetch_process_is_what_the_shards_own_process_would_fetch(urls, tmp_path):
    stats: dict = {}
    with FetchProcess(tmp_path / "a", POLITENESS) as fp:
        child = list(fp.fetch(urls, stats))
        again = list(fp.fetch(urls))  # the next round, same process: the copies are known now
        assert fp.broken is None and fp._proc.is_alive()
    here = list(fetch_here(urls, tmp_path / "b", POLITENESS))
    assert len(child) == len(urls) == len({r["url"] for r in child})
    assert _outcome(child) == _outcome(here)
    assert {r["status"] for r in child} == {"new", "failed"}
    assert {r["status"] for r in again} == {"unchanged", "failed"}
    assert stats["max_active_hosts"] == 2 and stats["threads"] >= 2
    store = RawStore(tmp_path / "a")  # the child wrote the bytes and the URL records
    for r in child:
        if r["status"] == "new":
            assert store.has(r["sha256"]) and store.lookup(r["url"])["sha256"] == r["sha256"]
    assert not fp._proc.is_alive()


def test_when_the_process_dies_mid_round_the_rest_is_fetched_here(urls, tmp_path):
    with FetchProcess(tmp_path, POLITENESS) as fp:
        got = []
        for res in fp.fetch(urls):
            if not got:
                os.kill(fp._proc.pid, signal.SIGKILL)
            got.append(res)
        assert fp.broken and "EOFError" in fp.broken
        assert sorted(r["url"] for r in got) == sorted(urls)  # each URL once, none lost
        assert {r["status"] for r in got} <= {"new", "unchanged", "failed"}
        later = list(fp.fetch(urls))  # later rounds: in this process
        assert sorted(r["url"] for r in later) == sorted(urls)
        assert {r["status"] for r in later} == {"unchanged", "failed"}


def test_a_round_left_half_read_does_not_leak_into_the_next(urls, tmp_path):
    with FetchProcess(tmp_path, POLITENESS) as fp:
        first = fp.fetch(urls)
        next(first)
        first.close()  # the consumer stopped (an error in the round): the child's answers are out of step
        assert fp.broken == "a round was left unfinished" and not fp._proc.is_alive()
        few = dict(list(urls.items())[:3])
        assert sorted(r["url"] for r in fp.fetch(few)) == sorted(few)


def test_used_for_shards_that_know_enough_reports_unless_switched(monkeypatch):
    monkeypatch.delenv("OGI_FETCH_PROCESS", raising=False)
    assert fetchproc.wanted({"per_host": 2}, fetchproc.MIN_KNOWN)
    assert not fetchproc.wanted({"per_host": 2}, fetchproc.MIN_KNOWN - 1)  # new portals: parsing dominates
    assert not fetchproc.wanted({"prefect_host_limits": True}, 10 * fetchproc.MIN_KNOWN)
    monkeypatch.setenv("OGI_FETCH_PROCESS", "0")
    assert not fetchproc.wanted({}, 10 * fetchproc.MIN_KNOWN)
    monkeypatch.setenv("OGI_FETCH_PROCESS", "1")
    assert fetchproc.wanted({}, 0)
    assert not fetchproc.wanted({"prefect_host_limits": True}, 0)
