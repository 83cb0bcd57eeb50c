"""Two crawls of the same unchanged demo give the same items: nothing in an item may depend on
which response happened to arrive first (a rerun would otherwise see "changed" reports)."""
from __future__ import annotations

import json

from ogi.commands.crawl import run_crawl
from ogi.demo.server import DemoPortals


def _items(path) -> dict[str, dict]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            item.pop("discovered_at")
            out[item["id"]] = item
    return out


def test_two_crawls_give_identical_items(tmp_path):
    # the first crawl meets the demo cold (a listing answers 503 once, so sibling reports' 上一篇/
    # 下一篇 links race the listing), the second warm: the items must not care
    with DemoPortals(base_dir=tmp_path) as demo:
        runs = []
        for n in range(2):
            out = tmp_path / f"items{n}.jsonl"
            rc, _stats = run_crawl(str(demo.registry_path), None, out, fast=True)
            assert rc == 0
            runs.append(_items(out))
        expected = {u for urls in demo.expected_reports().values() for u in urls}
    first, second = runs
    assert {i["page_url"] for i in first.values() if not i["error"]} == expected   # + dead report links as errors
    diff = {rid: {k: (first[rid].get(k), second.get(rid, {}).get(k)) for k in first[rid]
                  if first[rid].get(k) != second.get(rid, {}).get(k)}
            for rid in set(first) | set(second) if first.get(rid) != second.get(rid)}
    assert diff == {}
