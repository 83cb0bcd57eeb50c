"""A crawl started by a flow ends with it: kill the flow process (SIGKILL, nothing can clean up)
and its Scrapy crawl, which runs in a session of its own, stops too (crawlers/lifeline.py) —
instead of fetching on from the portals and writing into files a rerun is using."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ogi.demo.portals import build_slow
from ogi.demo.server import DemoPortals

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            kids.append(int(entry))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _very_slow(bases):
    site = build_slow(bases)
    for page in site.pages.values():
        page.delay = 60.0  # the crawl is still waiting for its pages long after the flow is killed
    return site


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_flow_process_ends_its_crawl(tmp_path):
    with DemoPortals(builders={"demo-slow": (_very_slow, ["www"])}, honeypot=False) as demo:
        code = ("import sys; from flows.crawl import run_crawl; "
                "run_crawl(sys.argv[1], sys.argv[2], timeout_s=300)")
        flow = subprocess.Popen([sys.executable, "-c", code, str(demo.registry_path), str(tmp_path / "crawl")],
                                cwd=ROOT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            crawl = []
            while time.monotonic() < deadline and not crawl:
                crawl = [p for p in _children(flow.pid)
                         if b"scrapy" in Path(f"/proc/{p}/cmdline").read_bytes()]
                time.sleep(0.2)
            assert crawl, "the crawl never started"
            time.sleep(3)  # under way: Scrapy started, the slow portal's pages still being waited for
            assert _alive(crawl[0])
            os.kill(flow.pid, signal.SIGKILL)
            flow.wait()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and _alive(crawl[0]):
                time.sleep(0.2)
            assert not _alive(crawl[0]), "the crawl outlived the flow process that started it"
        finally:
            if flow.poll() is None:
                flow.kill()
