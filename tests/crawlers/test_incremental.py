"""`-a known=<last items.jsonl>`: a nightly run re-reads listings, not known report pages."""
import json
import subprocess
import sys
from pathlib import Path

from crawlers.settings import FAST_SETTINGS
from ogi.demo.server import DemoPortals

ROOT = Path(__file__).resolve().parents[2]


def crawl(registry, out, *extra, log: list | None = None):
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", f"registry={registry}", "-O", str(out), *extra]
    for key, value in FAST_SETTINGS.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    if log is not None:
        log.append(proc.stderr)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_known_reports_are_reemitted_not_refetched(tmp_path):
    with DemoPortals(base_dir=tmp_path, portals=["demo-trs"], honeypot=False) as demo:
        first = crawl(demo.registry_path, tmp_path / "first.jsonl")
        n_first = len(demo.requests)
        demo.requests.clear()
        second = crawl(demo.registry_path, tmp_path / "second.jsonl", "-a", f"known={tmp_path / 'first.jsonl'}")
        report_paths = {u.split("/", 3)[3] for u in demo.expected_reports()["demo-trs"]}
        fetched = {p.lstrip("/") for _, _, p in demo.requests}
    reports = lambda items: {i["page_url"] for i in items if not i["error"]}   # noqa: E731 — error items: dead links
    assert reports(second) == reports(first) == demo.expected_reports()["demo-trs"]
    assert {i["id"] for i in second} == {i["id"] for i in first}
    # last run's failures are tried again, not re-emitted from the known file
    assert {i["page_url"] for i in second if i["error"]} == {i["page_url"] for i in first if i["error"]} != set()
    assert not report_paths & fetched
    assert len(demo.requests) < n_first - len(report_paths) + 1


def test_a_known_report_linked_twice_is_emitted_once(tmp_path):
    """A known report reached from two listings (or a 历年年报 sidebar) is re-emitted once, not once
    per link (each extra copy used to be dropped as a twin, with a warning in the crawl log)."""
    with DemoPortals(base_dir=tmp_path, portals=["demo-trs"], honeypot=False) as demo:
        first = crawl(demo.registry_path, tmp_path / "first.jsonl")
        known = tmp_path / "known.jsonl"
        known.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in first if not i["error"]),
                         encoding="utf-8")
        log: list[str] = []
        second = crawl(demo.registry_path, tmp_path / "second.jsonl", "-a", f"known={known}", log=log)
    ids = [i["id"] for i in second if not i["error"]]
    assert sorted(ids) == sorted(i["id"] for i in first if not i["error"]) and len(ids) == len(set(ids))
    assert "Dropped: twin" not in log[0]
