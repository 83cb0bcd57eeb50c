"""Pure pieces of the flows: report choice, metadata fill, raw store, crawl subprocess."""
from __future__ import annotations

import os
import sys

import pytest

from pathlib import Path

import ogi.demo

SEED_DIR = Path(ogi.demo.__file__).resolve().parent / "data" / "reports" / "seed_000"  # a seed report (shareable)

from flows.crawl import CrawlFailed, crawl_command, read_items, run_crawl
from flows.pipeline import documents_of, merge_item_meta, n_cells, portal_chunks, select_best
from flows.rawstore import RawStore, sha256_of
from flows.registry import read_registry


def _rep(status, cells=0):
    return {"status": status, "applications": {"total": {f"c{i}": i for i in range(cells)}}}


def test_select_best_prefers_status_then_cells_then_page():
    page = {"kind": "page", "url": "p", "report": _rep("partial", 5)}
    pdf = {"kind": "attachment", "url": "a", "report": _rep("ok", 3)}
    assert select_best([page, pdf])["url"] == "a"
    pdf_more = {"kind": "attachment", "url": "b", "report": _rep("ok", 9)}
    assert select_best([page, pdf, pdf_more])["url"] == "b"
    tie = {"kind": "page", "url": "p2", "report": _rep("ok", 9)}
    assert select_best([pdf_more, tie])["url"] == "p2"
    assert select_best([]) is None
    assert n_cells({"applications": {"r": {"a": 1, "b": None}}, "review_litigation": {"x": {"y": 0}}}) == 2


def test_merge_item_meta_fills_only_blanks():
    rep = {"year": None, "agency": "甲县人民政府", "title": ""}
    out = merge_item_meta(rep, {"year": "2023", "agency": "乙", "title": "2023年报告"})
    assert out == {"year": 2023, "agency": "甲县人民政府", "title": "2023年报告"}
    assert merge_item_meta({"year": None}, {"year": "n/a"})["year"] is None
    assert rep["year"] is None  # the input is not modified


def test_documents_of_page_first_without_duplicates():
    item = {"page_url": "http://a/p.html", "attachment_urls": ["http://a/x.pdf", "http://a/p.html", "http://a/x.pdf"]}
    assert documents_of(item) == [("page", "http://a/p.html"), ("attachment", "http://a/x.pdf")]


def test_rawstore_is_content_addressed_and_idempotent(tmp_path):
    store = RawStore(tmp_path)
    sha = store.put(b"hello", fmt="text", url="http://a/x")
    assert sha == sha256_of(b"hello") and store.get(sha) == b"hello"
    assert store.put(b"hello") == sha and store.blob_meta(sha)["first_url"] == "http://a/x"
    store.remember("http://A/x#frag", {"sha256": sha, "etag": '"e"'})
    assert store.lookup("http://a/x")["etag"] == '"e"'  # keyed by the canonical URL
    (store.url_path("http://a/x")).write_text("{broken")
    assert store.lookup("http://a/x") is None  # a damaged entry means: fetch again
    assert not list(tmp_path.rglob(".tmp-*"))


def test_registry_locality(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "loc,本地,x,county,1,http://127.0.0.5:8080/,127.0.0.5:8080\n"
                   "pub,公网,x,county,2,https://www.example.gov.cn/,www.example.gov.cn\n", encoding="utf-8")
    portals = read_registry(reg)
    assert portals["loc"].is_local and not portals["pub"].is_local
    assert "www.example.gov.cn" in portals["pub"].hosts()


def test_crawl_command_and_failures(tmp_path):
    cmd = crawl_command("/r.csv", "/o.jsonl", ["a", "b"], {"DOWNLOAD_DELAY": "0"})
    assert cmd[:5] == [sys.executable, "-m", "scrapy", "crawl", "portals"]
    assert cmd[-2:] == ["-O", "/o.jsonl"] and "portals=a,b" in cmd and "DOWNLOAD_DELAY=0" in cmd
    with pytest.raises(CrawlFailed):  # a registry that does not exist: scrapy exits non-zero
        run_crawl(tmp_path / "missing.csv", tmp_path / "out", timeout_s=120)
    (tmp_path / "items.jsonl").write_text('{"id": "a"}\n\n{"id": "b"}\n{"id": "c', encoding="utf-8")
    assert [i["id"] for i in read_items(tmp_path / "items.jsonl")] == ["a", "b"]  # torn last line skipped


def test_parse_pool_matches_isolated_parse_and_survives_timeouts_and_crashes():
    import os
    import signal

    from flows.parsepool import ParsePool
    from parsers.safe import parse_isolated

    html = ("<html><head><title>示范县2023年政府信息公开工作年度报告</title></head><body>"
            "<h1>示范县2023年政府信息公开工作年度报告</h1><p>一、总体情况</p></body></html>").encode("utf-8")
    pool = ParsePool(1, max_docs=3)
    try:
        reference = parse_isolated(html, "r.html").to_dict()
        assert pool.parse(html, "r.html").to_dict() == reference
        broken = pool.parse(b"%PDF-1.4\n%not really\n", "x.pdf", ocr=False)
        assert broken.status == "failed" and broken.error
        # a document past its wall-clock limit: its worker is killed mid-parse and replaced
        seed = (SEED_DIR / "source.txt").read_text(encoding="utf-8")
        slow = pool.parse((seed * 400).encode("utf-8"), "big.txt", timeout_s=0.2)
        assert slow.status == "failed" and "timed out" in slow.error
        assert pool.parse(html, "r.html", timeout_s=0).error.startswith("parse timed out")
        # a worker killed from outside is replaced; so is one past max_docs
        assert pool.parse(html, "r.html").to_dict() == reference  # the timed-out worker was replaced
        pids = pool.worker_pids()
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for _ in range(4):
            assert pool.parse(html, "r.html").to_dict() == reference
        assert pool.parse(b"", "e.html").error.startswith("empty document")
        workers = pool.worker_pids()
    finally:
        pool.close()
    assert not pool.worker_pids()
    for pid in workers:  # stopped with the pool
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_portal_chunks_keep_portals_whole():
    items = [{"portal_id": p, "id": f"{p}{i}"} for p, n in (("b", 3), ("a", 2), ("c", 4)) for i in range(n)]
    chunks = portal_chunks(items, 4)
    assert [[i["id"] for i in c] for c in chunks] == [["a0", "a1"], ["b0", "b1", "b2"], ["c0", "c1", "c2", "c3"]]
    assert portal_chunks([], 4) == [[]]
    assert sum(len(c) for c in portal_chunks(items, 100)) == 9 and len(portal_chunks(items, 100)) == 1


def test_reparse_selection_by_portal_year_and_version(monkeypatch):
    import parsers
    from flows.reparse import select_manifests

    ms = [{"report_id": "r1", "portal_id": "a", "item": {"year": 2022}},
          {"report_id": "r2", "portal_id": "a", "item": {"year": "2023"}},
          {"report_id": "r3", "portal_id": "b", "item": {"year": None}},
          {"report_id": "r4", "portal_id": "b", "item": {}}]
    loaded = {"r1": ("0.1.0", 2022), "r2": ("0.2.0", 2023), "r3": ("0.1.0", 2021)}  # r4 never loaded

    def ids(**kw):
        base = dict(portals=None, years=None, parser_version=None, stale_only=False)
        return [m["report_id"] for m in select_manifests(ms, loaded, **{**base, **kw})]

    assert ids() == ["r1", "r2", "r3", "r4"]
    assert ids(portals=["b"]) == ["r3", "r4"]
    assert ids(years=[2021]) == ["r3"]  # the warehouse's year when the crawler had none
    assert ids(years=[2023]) == ["r2"]
    assert ids(parser_version="0.1.0") == ["r1", "r3"]
    monkeypatch.setattr(parsers, "PARSER_VERSION", "0.2.0")
    assert ids(stale_only=True) == ["r1", "r3", "r4"]
    assert ids(stale_only=True, portals=["a"]) == ["r1"]


def test_atomic_write_makes_its_directory_and_steps_over_a_leftover_temporary_file(tmp_path, monkeypatch):
    import threading

    from flows import rawstore

    monkeypatch.setattr(rawstore, "_TMP_NAMES", iter(range(10)))
    target = tmp_path / "new" / "dir" / "x.json"
    left = target.parent / f".tmp-{rawstore._HOST}-{os.getpid()}-{threading.get_ident()}-1.json"
    rawstore._atomic_write(target, b"one")  # the directory is made; temporary name 0
    left.write_bytes(b"a killed writer's")  # as if a process with this pid had died mid-write
    rawstore._atomic_write(target, b"two")  # name 1 is taken: name 2
    assert target.read_bytes() == b"two" and left.read_bytes() == b"a killed writer's"
    assert sorted(p.name for p in target.parent.iterdir()) == sorted([target.name, left.name])


def test_fast_politeness_then_what_was_given():
    from ogi.cli import build_parser
    from ogi.commands.run import politeness_of

    parse = build_parser().parse_args
    assert politeness_of(parse(["run", "--registry", "r.csv"])) == {}
    fast = politeness_of(parse(["run", "--registry", "r.csv", "--fast"]))
    assert fast["delay_s"] == 0.0 and fast["per_host"] == 2 and not fast["honor_crawl_delay"]
    given = politeness_of(parse(["run", "--registry", "r.csv", "--fast", "--per-host", "3", "--delay", "0.1"]))
    assert (given["per_host"], given["delay_s"], given["honor_crawl_delay"]) == (3, 0.1, False)
