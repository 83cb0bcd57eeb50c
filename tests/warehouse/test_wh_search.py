"""Full-text search over segmented section text (warehouse.segment)."""
from __future__ import annotations

import copy

import pytest

import warehouse
from warehouse import fts
from warehouse.synthetic import make_report


def test_segmentation_splits_chinese_words():
    tokens = fts.segment("政府信息公开行政复议，2023年！").split()
    assert "行政复议" in tokens and "政府" in tokens and "2023" in tokens
    assert "，" not in tokens and "！" not in tokens


def test_search_finds_the_report_and_follows_reloads(con):
    for i in range(12):
        extra = "今年重点推进疫情防控物资采购公开" if i == 5 else ""
        warehouse.load_report(con, make_report(i, extra_text=extra), report_id=f"r{i}")
    first = warehouse.refresh_search(con)
    assert first["segmented"] == 72 and first["rebuilt"]
    assert warehouse.refresh_search(con) == {"segmented": 0, "removed": 0, "documents": 72, "rebuilt": False}

    hits = fts.search(con, "疫情防控物资")
    assert hits and {h.report_id for h in hits} == {"r5"}
    assert "疫情防控" in hits[0].snippet
    assert fts.search(con, "疫情防控 鲸鱼潜艇") == []
    assert {h.report_id for h in fts.search(con, "疫情防控 鲸鱼潜艇", match_all=False)} == {"r5"}
    assert fts.search(con, "疫情防控", section="problems")[0].section_key == "problems"

    # a re-parse without that text makes the report disappear from results after refresh
    r5 = make_report(5)
    r5["parser_version"] = "0.2.0"
    warehouse.load_report(con, r5, report_id="r5")
    st = warehouse.refresh_search(con)
    assert st["segmented"] == 6 and st["removed"] == 6
    assert fts.search(con, "疫情防控物资") == []


def test_search_needs_an_index(con):
    warehouse.load_report(con, make_report(1), report_id="r1")
    with pytest.raises(RuntimeError, match="ogi db fts"):
        fts.search(con, "政府")
    assert fts.search(con, "，。") == []


def test_tokens_never_hold_punctuation_and_a_search_finds_the_parts():
    tokens = fts.segment("网址：www.jccq.gov.cn，电话0356-2039067，同比增长98.2%").split()
    assert {"www", "jccq", "gov", "cn", "0356", "2039067", "98", "2"} <= set(tokens)
    assert all(t.isalnum() for t in tokens), tokens
    assert fts.query_terms("jccq.gov.cn") == ["jccq", "gov", "cn"]


def test_rows_segmented_under_another_rule_are_segmented_again(con):
    for i in range(3):
        warehouse.load_report(con, make_report(i, extra_text="今年重点推进疫情防控物资采购公开" if i == 1 else ""),
                              report_id=f"r{i}")
    assert warehouse.refresh_search(con)["segmented"] == 18
    # as an older segmenter left them: keyed by the text's MD5 alone, with its own tokens
    con.execute("UPDATE section_search q SET text_md5 = md5(coalesce(s.text, '')), tokens = 'stale' "
                "FROM report_sections s WHERE s.report_id = q.report_id AND s.section_key = q.section_key")
    st = warehouse.refresh_search(con)
    assert st["segmented"] == 18 and st["removed"] == 18 and st["rebuilt"]
    assert con.execute("SELECT count(*) FROM section_search WHERE tokens = 'stale'").fetchone()[0] == 0
    assert {h.report_id for h in fts.search(con, "疫情防控物资")} == {"r1"}
    assert warehouse.refresh_search(con)["segmented"] == 0
