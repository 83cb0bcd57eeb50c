"""Shard planning (pure) and the host-interleaved download queue (real HTTP servers on loopback)."""
from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.registry import Portal
from flows.shards import host_groups, plan_shards, province_key


def _portal(pid: str, province: str, code: str, hosts: list[str]) -> Portal:
    return Portal(pid, pid, tuple(f"http://{h}/" for h in hosts), frozenset(hosts), province, code)


def _registry() -> list[Portal]:
    out = []
    for i in range(25):  # a large province: 25 portals, two of them on one platform host
        hosts = ["platform.gd.gov.cn"] if i in (3, 17) else [f"gd{i}.gov.cn"]
        out.append(_portal(f"gd-{i:02d}", "广东", f"44{i:04d}", hosts))
    for i in range(4):
        out.append(_portal(f"hb-{i}", "湖北", f"42{i:04d}", [f"hb{i}.gov.cn"]))
    for i in range(3):
        out.append(_portal(f"sx-{i}", "陕西", f"61{i:04d}", [f"sx{i}.gov.cn"]))
    out.append(_portal("central", "国务院", "", ["www.gov.cn"]))
    return out


def test_large_province_split_small_packed_every_portal_once():
    portals = _registry()
    shards = plan_shards(portals, max_portals=10)
    seen = Counter(pid for s in shards for pid in s.portals)
    assert set(seen) == {p.portal_id for p in portals} and set(seen.values()) == {1}
    gd = [s for s in shards if s.provinces == ("p44",)]
    assert len(gd) == 3 and all(len(s.portals) <= 10 for s in gd)  # 25 portals -> 3 near-equal parts
    sizes = sorted(len(s.portals) for s in gd)
    assert sum(sizes) == 25 and sizes[-1] - sizes[0] <= 2  # near equal (a host group of 2 is never split)
    # provinces of 4, 3 and 1 portals share one shard
    small = [s for s in shards if s not in gd]
    assert len(small) == 1 and set(small[0].provinces) == {"p42", "p61", province_key("国务院")}
    assert plan_shards(list(reversed(portals)), 10) == plan_shards(list(reversed(portals)), 10)  # deterministic


def test_portals_sharing_a_host_stay_in_one_shard():
    portals = _registry()
    groups = host_groups(portals)
    assert groups["gd-03"] == groups["gd-17"] and groups["gd-04"] != groups["gd-03"]
    for size in (2, 5, 10):
        shards = plan_shards(portals, size)
        (home,) = [s for s in shards if "gd-03" in s.portals]
        assert "gd-17" in home.portals


def test_one_shard_when_everything_fits():
    shards = plan_shards(_registry(), 1000)
    assert len(shards) == 1 and len(shards[0].portals) == 33


# -- host-interleaved downloads -------------------------------------------------------------------
class _Slow(BaseHTTPRequestHandler):
    active: Counter = Counter()
    peak_hosts = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802
        host = self.headers.get("Host")
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        with self.lock:
            type(self).active[host] += 1
            type(self).peak_hosts = max(type(self).peak_hosts, sum(1 for v in self.active.values() if v))
        time.sleep(0.2)
        with self.lock:
            type(self).active[host] -= 1
        body = f"<html><body>{self.path}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def hosts():
    servers = []
    for i in range(12):
        srv = ThreadingHTTPServer((f"127.0.0.{60 + i}", 0), _Slow)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    yield [f"127.0.0.{60 + i}:{s.server_address[1]}" for i, s in enumerate(servers)]
    for s in servers:
        s.shutdown()
        s.server_close()


def test_downloads_keep_every_host_busy_and_each_host_polite(tmp_path, hosts):
    from flows.download import Downloader, Politeness, reset_politeness_state
    from flows.hostqueue import HostScheduler, fetch_interleaved
    from flows.rawstore import RawStore

    # queued portal by portal (all of host 1's documents first): still every host at once
    urls = {f"http://{h}/doc{k}.html": {"allowed_hosts": [h], "allow_private": True} for h in hosts for k in range(4)}
    reset_politeness_state()
    _Slow.peak_hosts = 0
    stats: dict = {}
    with Downloader(RawStore(tmp_path), Politeness(per_host=1, delay_s=0.05, retries=0)) as dl:
        t0 = time.monotonic()
        results = list(fetch_interleaved(dl, urls, stats=stats))
        wall = time.monotonic() - t0
    assert sorted(r["url"] for r in results) == sorted(urls) and {r["status"] for r in results} == {"new"}
    assert _Slow.peak_hosts == len(hosts) == stats["max_active_hosts"]  # all 12 hosts served at once
    assert max(_Slow.active.values()) == 0
    assert wall < 4 * 0.25 * 2.5  # 4 documents per host, 0.2 s each: hosts in parallel, not one after another
    reset_politeness_state()

    # the scheduler never hands one host more than per_host at a time
    sched = HostScheduler({f"http://a.gov.cn/{k}": {} for k in range(3)} | {"http://b.gov.cn/1": {}}, per_host=1)
    first, second = sched.take(), sched.take()
    assert {first[0], second[0]} == {"a.gov.cn", "b.gov.cn"}
    sched.done(first[0])
    sched.done(second[0])
