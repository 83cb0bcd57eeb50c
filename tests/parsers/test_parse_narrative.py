"""narrative_vs_table: figures the 总体情况 text states, compared with the tables (soft check;
never changes a number)."""
from __future__ import annotations

import pytest

from parsers.checks import check_narrative

APP = {"new_received": {"total": 48}, "carried_over": {"total": 2}, "total_processed": {"total": 47}}
REV = {"review": {"total": 3}, "litigation_direct": {"total": 1}, "litigation_after_review": {"total": 0}}


def _failed(text: str, app=APP, rev=REV) -> list[tuple[str, str, int, object]]:
    return [(c.scope, c.values["stated"], c.values["narrative"], c.values["table"])
            for c in check_narrative(text, app, rev) if not c.passed]


@pytest.mark.parametrize("text", [
    "全年共收到政府信息公开申请48件，均按时答复。",
    "本年度受理政府信息公开申请50件（含上年结转2件）。",          # new + carried over
    "全年办结申请47件；收到信息公开申请件 48 件。",               # spaces around the figure
    "因政府信息公开工作被申请行政复议3件，被提起行政诉讼1件。",
    "发生政府信息公开行政复议和行政诉讼案件共4件。",
    "本年度行政复议决定书公开12件。",                              # not a case count
])
def test_agreeing_or_unrelated_statements_pass(text: str) -> None:
    assert _failed(text) == []


def test_disagreements_carry_both_values() -> None:
    assert _failed("全年共收到政府信息公开申请53件。") == [("applications", "applications", 53, 48)]
    assert _failed("行政复议和行政诉讼 0 件。") == [("review_litigation", "review_and_litigation", 0, 4)]
    assert _failed("被申请行政复议2件、行政诉讼1件。") == [("review_litigation", "review", 2, 3)]


def test_none_statements_are_zero() -> None:
    assert _failed("全年未发生因政府信息公开申请行政复议及行政诉讼案件。") == \
        [("review_litigation", "review_and_litigation", 0, 4)]
    assert _failed("我区未收到政府信息公开申请。") == [("applications", "applications", 0, 48)]
    zero = {g: {"total": 0} for g in REV}
    assert _failed("无涉及政府信息公开申请的行政复议、行政诉讼、投诉的情况。", rev=zero) == []


def test_no_table_no_check() -> None:
    assert check_narrative("全年共收到政府信息公开申请53件。", {}, {}) == []


import pytest as _pytest

from parsers.checks import check_narrative


@_pytest.mark.parametrize("sentence, fires", [
    ("2024年,区政府办代表区政府受理政府信息公开申请17件,均已答复。", False),  # a sub-unit's own figure
    ("县政府办公室共受理政府信息公开申请17件。", False),
    ("全年共受理政府信息公开申请17件。", True),
    ("我局共受理政府信息公开申请17件。", True),  # the reporting body itself
])
def test_narrative_statement_by_a_sub_unit_is_not_compared(sentence, fires):
    apps = {"new_received": {"total": 95}, "carried_over": {"total": 0}, "total_processed": {"total": 95}}
    failed = [c for c in check_narrative(sentence, apps, {}) if not c.passed]
    assert bool(failed) is fires
