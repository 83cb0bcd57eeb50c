"""Pure pieces behind the scale-out: crawler errors kept as failed documents, the per-shard crawl
budget, the operator table, the full-text cap, the parse cache's transient-failure rule."""
from __future__ import annotations

import time

from flows.artifacts import portal_rows
from flows.pipeline import build_report, document_rows, documents_of
from flows.shard import crawl_budget
from flows.sinks import add_figures, round_figures
from flows.tasks import is_transient_failure


def test_an_item_the_crawler_could_not_read_is_a_failed_document_and_report():
    item = {"id": "r1", "portal_id": "p", "page_url": "http://a.gov.cn/r1.html", "title": "2023年报告",
            "error": "page judged a report but unreadable: HTTP 500"}
    fetched = {"http://a.gov.cn/r1.html": {"url": "http://a.gov.cn/r1.html", "status": "failed", "http_status": 500,
                                           "error": "HTTP 500", "use_sha256": None}}
    owners = {"http://a.gov.cn/r1.html": ("page", "p", "r1")}
    (row,) = document_rows(fetched, owners, {}, {item["page_url"]: item["error"]})
    assert row["report_id"] == "r1" and "HTTP 500" in row["error"] and "crawler: page judged" in row["error"]
    entry, _manifest = build_report(item, documents_of(item), fetched, {})
    assert entry["report"]["status"] == "failed" and entry["keep_existing"]
    # a later good download of the same page clears it: the crawler's error is not added then
    ok = {"http://a.gov.cn/r1.html": {"url": "http://a.gov.cn/r1.html", "status": "new", "sha256": "s",
                                      "use_sha256": "s", "format": "html"}}
    (row,) = document_rows(ok, owners, {("s", "html"): {"status": "ok"}}, {item["page_url"]: item["error"]})
    assert row["error"] is None


def test_crawl_budget_grows_with_the_shard_not_one_global_limit():
    assert crawl_budget(1, None) < crawl_budget(10, None) < crawl_budget(100, None)
    assert crawl_budget(100, 5.0) == 5.0


def test_operator_table_rows_and_totals():
    rows = portal_rows({"b": {"reports_found": 3, "new": 2, "changed": 1, "failed": 1, "blocked": 2, "status": "ok"},
                        "a": {"reports_found": 0, "documents_new": 0, "status": "empty"}})
    assert [r["portal"] for r in rows[:2]] == ["a", "b"]
    assert rows[0]["stale"] == "yes" and rows[1]["stale"] == ""
    assert {k: rows[-1][k] for k in ("found", "new", "changed", "failed", "blocked", "stale")} == \
        {"found": 3, "new": 2, "changed": 1, "failed": 1, "blocked": 2, "stale": "1"}


def test_round_figures_add_up_per_portal():
    f1 = round_figures([{"portal_id": "a"}, {"portal_id": "a"}, {"portal_id": "b"}], ["inserted", "unchanged", "replaced"])
    f2 = round_figures([{"portal_id": "a"}], ["kept"])
    total = add_figures(add_figures({}, f1), f2)
    assert total["portals"] == {"a": {"new": 1, "changed": 0, "unchanged": 2}, "b": {"new": 0, "changed": 1, "unchanged": 0}}
    assert (total["reports_new"], total["reports_changed"], total["reports_unchanged"]) == (1, 1, 2)


def test_transient_parse_failures_are_not_the_documents_fault():
    assert is_transient_failure({"status": "failed", "error": "parser process killed by SIGKILL (memory limit …)"})
    assert not is_transient_failure({"status": "failed", "error": "parse timed out after 120 s (document abandoned)"})
    assert not is_transient_failure({"status": "failed", "error": "not a PDF: broken header"})
    assert not is_transient_failure({"status": "ok"})


def test_full_text_segmentation_is_capped_per_section():
    from warehouse.fts import MAX_INDEXED_CHARS, segment

    huge = "政府信息公开工作年度报告" * (30 * 2**20 // 36) + "行政复议"  # ~30 MB of text in one section
    t0 = time.monotonic()
    tokens = segment(huge)
    assert time.monotonic() - t0 < 30
    assert tokens == segment(huge[:MAX_INDEXED_CHARS]) and "复议" not in tokens
    assert segment("申请 公开") == segment("申请 公开", limit=None)


def test_input_digest_follows_what_the_report_is_made_of():
    from flows.unchanged import input_digest

    item = {"id": "r1", "portal_id": "p", "page_url": "http://a.gov.cn/r1.html", "title": "2023年报告", "year": 2023,
            "discovered_at": "2026-01-01T00:00:00+00:00", "listing_url": "http://a.gov.cn/list.html"}
    docs = [("page", "http://a.gov.cn/r1.html")]
    ok = {"http://a.gov.cn/r1.html": {"url": "http://a.gov.cn/r1.html", "status": "unchanged", "use_sha256": "s",
                                      "format": "html"}}
    d = input_digest(item, docs, ok)
    assert d and d == input_digest({**item, "discovered_at": "2026-02-02T00:00:00+00:00",
                                    "listing_url": "http://a.gov.cn/list_2.html"}, docs, ok)  # nightly noise
    assert d != input_digest({**item, "title": "2023年度报告"}, docs, ok)  # the title fills the report's
    assert d != input_digest(item, docs, {u: {**r, "use_sha256": "t"} for u, r in ok.items()})  # other bytes
    failed = {u: {**r, "status": "failed", "error": "HTTP 500"} for u, r in ok.items()}
    assert input_digest(item, docs, failed) is None  # never light: built in full every time


def test_a_light_entry_without_its_manifest_becomes_a_placeholder(tmp_path):
    from flows.unchanged import resolve_light

    light = {"report_id": "r9", "portal_id": "p", "page_url": "http://a.gov.cn/r9.html", "light": True,
             "load_fingerprint": "f" * 64, "report_status": "ok"}
    full = {"report_id": "r1", "portal_id": "p", "report": {"status": "ok"}}
    # held as it is: nothing to load for it
    assert resolve_light([full, light], {"r9": "f" * 64}, tmp_path) == ([full], ["r9"])
    # not held, and no manifest to rebuild it from: a placeholder that never overwrites a loaded report
    todo, same = resolve_light([full, light], {}, tmp_path)
    assert same == [] and todo[0] is full
    (ph,) = todo[1:]
    assert ph["report_id"] == "r9" and ph["keep_existing"] and ph["report"]["status"] == "failed"
    assert "manifest is missing" in ph["report"]["error"]
