"""第二十条 rows whose digits a converter ran together ("1019" for 1 / 0 / 19): split only
when the report's own narrative states a figure that leaves exactly one split (method
"narrative"); otherwise null with the reason. Renderings of seed_001 as converted markdown."""
from __future__ import annotations

import copy

import pytest

from parsers import parse_bytes
from tests.parsers.parse_corpus_util import trust_score, untrustworthy

from . import renderings


def _report(narrative: str | None, table: str = "normative_documents", values=(1, 0, 19), run: str = "1019"):
    truth, src = renderings.seed("seed_001")
    truth = renderings.with_review(truth)
    truth = copy.deepcopy(truth)
    truth["active_disclosure"][table] = dict(zip(("issued", "repealed", "in_force"), values))
    md = renderings.markdown(truth, src, {})
    label = "行政规范性文件" if table == "normative_documents" else "规章"
    lines = md.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(f"| {label} |"))
    lines[i] = f"| {label} | {run} |"  # the three cells run together into one
    if narrative:
        j = lines.index("二、主动公开政府信息情况")
        lines.insert(j, narrative)
    return parse_bytes("\n".join(lines).encode("utf-8"), filename="r.md").to_dict(), truth


@pytest.mark.parametrize("table,sentence", [
    ("normative_documents", "截至年底，本机关现行有效规范性文件19件。"),
    ("normative_documents", "全年制发规范性文件1件。"),
    ("normative_documents", "全年废止规范性文件0件。"),  # rules out 10 / 1 / 9
    ("regulations", "本年度制定规章1件，现行有效规章19件。"),
])
def test_narrative_settles_the_split(table, sentence):
    rep, truth = _report(sentence, table)
    assert rep["active_disclosure"][table] == {"issued": 1, "repealed": 0, "in_force": 19}
    assert {m["method"] for m in rep["provenance"]["active_disclosure"][table].values()} == {"narrative"}
    assert untrustworthy(trust_score(rep, truth)) == []


@pytest.mark.parametrize("sentence", [None, "本机关现行有效规范性文件共计多件。"])
def test_without_a_deciding_figure_the_row_is_null_with_its_reason(sentence):
    """Two splits fit (1 / 0 / 19 and 10 / 1 / 9) and the text states no figure for the row."""
    rep, truth = _report(sentence)
    row = rep["active_disclosure"]["normative_documents"]
    assert row == dict.fromkeys(("issued", "repealed", "in_force"))
    reasons = rep["null_reasons"]["active_disclosure"]["normative_documents"]
    assert set(reasons) == {"issued", "repealed", "in_force"} and all("run together" in r for r in reasons.values())
    assert any(w.startswith("active_disclosure.normative_documents:") for w in rep["warnings"])
    assert untrustworthy(trust_score(rep, truth)) == []


def test_a_figure_that_contradicts_every_split_leaves_the_row_null():
    rep, truth = _report("本机关现行有效规范性文件25件。")
    assert rep["active_disclosure"]["normative_documents"] == dict.fromkeys(("issued", "repealed", "in_force"))
    assert "0 splits agree" in rep["null_reasons"]["active_disclosure"]["normative_documents"]["issued"]
    assert untrustworthy(trust_score(rep, truth)) == []
