"""Report shapes the corpus does not cover, built to resemble the held-out real reports
(tests/fixtures/heldout_like, written by make_heldout_like.py; see its docstring for the list).
Every cell of every fixture is asserted, with template, year, agency, title and the exact set
of failed checks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse_bytes
from parsers.sniff import sniff_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "heldout_like"
NAMES = sorted(p.name[:-len(".expected.json")] for p in FIXTURES.glob("*.expected.json"))
TABLES = ("active_disclosure", "applications", "review_litigation")


def _load(name: str) -> tuple[dict, dict]:
    exp = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    path = FIXTURES / exp["file"]
    return parse_bytes(path.read_bytes(), filename=path.name).to_dict(), exp


def _cells(d: dict) -> dict[str, object]:
    return {f"{t}.{r}.{c}": v for t in TABLES for r, cols in (d.get(t) or {}).items() for c, v in cols.items()}


def test_fixture_set() -> None:
    assert len(NAMES) >= 11


@pytest.mark.parametrize("name", NAMES)
def test_every_cell(name: str) -> None:
    rep, exp = _load(name)
    assert rep["error"] is None, rep["error"]
    got, want = _cells(rep), _cells(exp)
    wrong = {k: (got.get(k, "MISSING"), v) for k, v in want.items() if got.get(k, "MISSING") != v}
    extra = sorted(set(got) - set(want))
    assert wrong == {} and extra == []
    # a blank is null, a zero is 0: the types must agree too
    assert all(got[k] is None for k, v in want.items() if v is None)


@pytest.mark.parametrize("name", NAMES)
def test_metadata_and_failed_checks(name: str) -> None:
    rep, exp = _load(name)
    assert (rep["template"], rep["year"], rep["agency"], rep["title"]) == \
        (exp["template"], exp["year"], exp["agency"], exp["title"])
    failed = sorted([c["rule"], c["scope"]] for c in rep["checks"] if not c["passed"])
    assert failed == sorted(exp["failed_checks"])
    if exp["template"] != "pre2019":
        assert rep["status"] == exp.get("status", "ok")
        assert set(rep["sections"]) == set(exp.get("sections", ["overview", "active_disclosure", "applications",
                                                                "review_litigation", "problems", "other_matters"]))
    if "source_format" in exp:
        assert rep["source_format"] == exp["source_format"]


def test_pre2019_keeps_sections_and_no_cells() -> None:
    rep, exp = _load("trs_2017_pre2019")
    assert rep["template"] == "pre2019" and rep["status"] == "ok"
    assert set(exp["sections_at_least"]) <= set(rep["sections"])
    assert "1523" in rep["sections"]["active_disclosure"]


def test_chapter_numbering_that_restarts_keeps_the_table_headings() -> None:
    rep, _ = _load("shanghai_2024_numbering_restarts")
    assert rep["sections"]["active_disclosure"].startswith("一、主动公开政府信息情况")
    assert rep["sections"]["applications"].startswith("二、收到和处理政府信息公开申请情况")


def test_narrative_disagreement_is_a_failed_check_with_both_values() -> None:
    rep, _ = _load("text_2020_tabs_2019_template")
    (chk,) = [c for c in rep["checks"] if c["rule"] == "narrative_vs_table"]
    assert not chk["passed"]
    assert chk["values"]["narrative"] == chk["values"]["table"] + 5
    assert rep["applications"]["new_received"]["total"] == chk["values"]["table"]  # numbers untouched


def test_narrative_agreement_passes() -> None:
    rep, _ = _load("ucap_2021_corner_row_radicals")
    checks = [c for c in rep["checks"] if c["rule"] == "narrative_vs_table"]
    assert {c["values"]["stated"] for c in checks} == {"applications", "review", "litigation"}
    assert all(c["passed"] for c in checks)


def test_blank_row_in_whitespace_aligned_text_is_null() -> None:
    rep, _ = _load("text_2019_whitespace_aligned")
    assert rep["applications"]["not_handled_publication"] == dict.fromkeys(
        ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
         "legal_service_org", "other_org", "total"])


def test_markdown_name_wins_over_an_html_table_fragment() -> None:
    data = (FIXTURES / "markdown_2023_html_tables.md").read_bytes()
    assert sniff_format(data, "report.md") == "markdown"
    assert sniff_format(data, "report.txt") == "text"
    assert sniff_format(data) == "html"  # no name: a fragment with a table is read as HTML
    page = b"<!DOCTYPE html><html><body>" + data + b"</body></html>"
    assert sniff_format(page, "report.md") == "html"  # a full HTML document stays HTML


# ---------------------------------------------------------------- the same reports as text

HTML_NAMES = [n for n in NAMES if (FIXTURES / f"{n}.html").exists() and "pre2019" not in n and "flipbook" not in n]
TEXT_FORMS = {  # form -> (cell separator, pipe table, merged cells repeated in every position)
    "tab": ("\t", False, False), "markdown": ("\t", True, False), "spaces": ("    ", False, False),
    "tab_repeated": ("\t", False, True), "cell_per_line": ("\n", False, False),
}


def _as_text(name: str, form: str) -> bytes:
    from parsers.formats.html import read
    from parsers.model import Paragraph

    sep, pipe, repeat = TEXT_FORMS[form]
    doc = read((FIXTURES / f"{name}.html").read_bytes())
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append(b.text)
            continue
        for r, row in enumerate(b.rows):
            cells = [c.replace("\n", "") if repeat or b.origins[r][i] == (r, i) else "" for i, c in enumerate(row)]
            out.append("| " + " | ".join(cells) + " |" if pipe else sep.join(cells))
    return "\n".join(out).encode("utf-8")


@pytest.mark.parametrize("form", sorted(TEXT_FORMS))
@pytest.mark.parametrize("name", HTML_NAMES)
def test_every_cell_from_text_renderings(name: str, form: str) -> None:
    """Text extractions of the same pages (tab-separated, markdown pipes, whitespace-aligned,
    merged cells repeated, one cell per line) give the same cells."""
    exp = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    if form in exp.get("ambiguous_text_forms", []):
        pytest.skip("blank cells cannot be told apart in this rendering")
    rep = parse_bytes(_as_text(name, form), filename="r.md" if form == "markdown" else "r.txt").to_dict()
    skip = set(exp.get("html_only_cells", []))
    got, want = _cells(rep), _cells(exp)
    wrong = {k: (got.get(k, "MISSING"), v) for k, v in want.items() if k not in skip and got.get(k, "MISSING") != v}
    assert wrong == {}
    assert rep["template"] == exp["template"]


def test_report_inside_a_one_cell_layout_table() -> None:
    """Older TRS pages put the whole article in a one-cell layout table; tables pasted as text
    lines inside it are read like any running text."""
    name = "flipbook_2022_basic_html_page"
    exp = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    html = (FIXTURES / exp["file"]).read_text("utf-8")
    html = html.replace('<div id="page">', '<table width="100%"><tr><td class="bt_content"><div id="page">')
    html = html.replace('</div>\n<div class="footer">', '</div></td></tr></table>\n<div class="footer">')
    assert html.count("<table") == 1
    from parsers.formats.html import read
    doc = read(html.encode("utf-8"))
    assert not any(hasattr(b, "rows") for b in doc.blocks)  # walked as content, not one huge cell
    rep = parse_bytes(html.encode("utf-8"), filename="page4.html").to_dict()
    assert _cells(rep) == _cells(exp)


def test_blank_review_data_row_gives_null_cells() -> None:
    import re

    html = (FIXTURES / "trs_2019_all_tables.html").read_text("utf-8")
    i, j = html.rfind("四、政府信息公开行政复议"), html.rfind("五、存在的主要问题")
    seg = html[i:j]
    k = seg.rfind("<tr")
    seg = seg[:k] + re.sub(r"<span lang=EN-US>\d+</span>", "<span lang=EN-US>&nbsp;</span>", seg[k:])
    rep = parse_bytes((html[:i] + seg + html[j:]).encode("utf-8"), filename="a.html").to_dict()
    cells = [v for g in rep["review_litigation"].values() for v in g.values()]
    assert len(cells) == 15 and all(v is None for v in cells)
    assert any("data row is blank" in w for w in rep["warnings"])
