"""A real crawl of the demo portals, run once per session (servers on 127.0.0.x, Scrapy in a subprocess)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ogi.commands.crawl import run_crawl
from ogi.demo.server import DemoPortals


@dataclass
class CrawlRun:
    demo: DemoPortals
    items: list[dict]
    stats: dict
    returncode: int
    seconds: float
    output: Path


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory) -> CrawlRun:
    base = tmp_path_factory.mktemp("demo")
    with DemoPortals(base_dir=base) as demo:
        out = base / "items.jsonl"
        t0 = time.monotonic()
        rc, stats = run_crawl(str(demo.registry_path), None, out, fast=True)
        seconds = time.monotonic() - t0
        items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        yield CrawlRun(demo, items, stats, rc, seconds, out)
