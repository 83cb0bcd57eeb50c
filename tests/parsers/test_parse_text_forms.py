"""The same report written as different kinds of text: tab-separated, whitespace-aligned,
markdown pipe tables, and with each row's cells run together (as text dumps of HTML pages).
Built from the HTML fixtures' grids, so both templates (2019 and 2021) are covered."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse_bytes
from parsers.formats.html import read
from parsers.formats.text import read as read_text
from parsers.model import Paragraph

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
NAMES = ["trs_2019_msonormal", "gkmlpt_2021_rowspan"]
TABLES = ("active_disclosure", "applications", "review_litigation")


def _doc_and_expected(name: str):
    doc = read((FIXTURES / f"{name}.html").read_bytes())
    exp = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    return doc, exp


def _render(doc, sep: str, pipe: bool = False) -> str:
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append(b.text)
            continue
        for r, row in enumerate(b.rows):
            cells = [c if b.origins[r][i] == (r, i) else "" for i, c in enumerate(row)]
            cells = [c.replace("\n", "") for c in cells]
            out.append("| " + " | ".join(cells) + " |" if pipe else sep.join(cells))
    return "\n".join(out)


@pytest.mark.parametrize("name", NAMES + ["hanweb_2021_split_table"])
@pytest.mark.parametrize("form", ["tab", "markdown"])
def test_tab_and_markdown_text(name: str, form: str) -> None:
    doc, exp = _doc_and_expected(name)
    text = _render(doc, "\t", pipe=form == "markdown")
    rep = parse_bytes(text.encode("utf-8"), filename="r.md" if form == "markdown" else "r.txt").to_dict()
    for t in TABLES:
        assert rep[t] == exp[t], t
    assert rep["template"] == exp["template"] and rep["year"] == exp["year"]


def test_whitespace_aligned_text_2019() -> None:
    doc, exp = _doc_and_expected("trs_2019_msonormal")
    text = _render(doc, "    ")
    rep = parse_bytes(text.encode("utf-8"), filename="r.txt").to_dict()
    assert rep["applications"] == exp["applications"]
    assert rep["review_litigation"] == exp["review_litigation"]
    assert rep["active_disclosure"]["administrative_licensing"] == exp["active_disclosure"]["administrative_licensing"]


@pytest.mark.parametrize("name", NAMES)
def test_cells_run_together_are_split_only_when_unique(name: str) -> None:
    doc, exp = _doc_and_expected(name)
    text = _render(doc, "").replace("\n", " ")  # a whole page on one line, cells run together
    rep = parse_bytes(text.encode("utf-8"), filename="r.txt").to_dict()
    got_any = 0
    for row, cols in exp["applications"].items():
        got = rep["applications"].get(row)
        assert got is not None, row
        if all(v is None for v in got.values()):
            assert any(row in w for w in rep["warnings"]), row
        else:
            assert got == cols, row
            got_any += 1
    assert got_any >= 15


@pytest.mark.parametrize("name", NAMES)
def test_one_cell_per_line(name: str) -> None:
    """Plain PDF text extraction often puts every cell on its own line."""
    doc, exp = _doc_and_expected(name)
    text = _render(doc, "\n")
    rep = parse_bytes(text.encode("utf-8"), filename="r.txt").to_dict()
    assert rep["applications"] == exp["applications"]
    assert rep["review_litigation"] == exp["review_litigation"]
    for row, cols in exp["active_disclosure"].items():
        if all(v is not None for v in cols.values()):
            assert rep["active_disclosure"].get(row) == cols, row


def test_page_numbers_between_rows_are_ignored() -> None:
    doc, exp = _doc_and_expected("gkmlpt_2021_rowspan")
    text = _render(doc, "\t")
    lines = text.split("\n")
    i = next(k for k, ln in enumerate(lines) if ln.startswith("\t\t4.保护第三方") or "4.保护第三方" in ln)
    lines.insert(i, "3")  # a page footer left between two table rows
    j = next(k for k, ln in enumerate(lines) if "复议后起诉" in ln)
    lines.insert(j, "- 4 -")
    rep = parse_bytes("\n".join(lines).encode("utf-8"), filename="r.txt").to_dict()
    assert rep["applications"] == exp["applications"]
    assert rep["review_litigation"] == exp["review_litigation"]


def test_run_together_active_rows_are_split_only_when_safe() -> None:
    doc, exp = _doc_and_expected("trs_2019_msonormal")
    text = _render(doc, "").replace("\n", " ")
    rep = parse_bytes(text.encode("utf-8"), filename="r.txt").to_dict()
    for row, cols in exp["active_disclosure"].items():
        got = rep["active_disclosure"].get(row)
        if got is None or all(v is None for v in got.values()):
            continue  # undecidable: left out or null
        assert got == cols, row
    lic = rep["active_disclosure"].get("administrative_licensing")
    assert lic is None or all(v is None for v in lic.values())  # '356减412873' cannot be cut safely
    assert any("administrative_licensing" in w for w in rep["warnings"])


@pytest.mark.parametrize("name", NAMES)
def test_one_cell_per_line_with_wrapped_labels(name: str) -> None:
    doc, exp = _doc_and_expected(name)
    lines = []
    for ln in _render(doc, "\n").split("\n"):
        while len(ln) > 12 and not ln[:1].isdigit() or len(ln) > 12 and "属于" in ln:
            lines.append(ln[:12])
            ln = ln[12:]
        lines.append(ln)
    rep = parse_bytes("\n".join(lines).encode("utf-8"), filename="r.txt").to_dict()
    assert rep["applications"] == exp["applications"]
    assert rep["review_litigation"] == exp["review_litigation"]


def test_markdown_with_html_tables() -> None:
    """PDF-to-markdown converters (MinerU, marker) write merged-cell tables as HTML."""
    import re as _re
    html = (FIXTURES / "trs_2019_msonormal.html").read_text("utf-8")
    body = html[html.index("<div class=WordSection1"):html.index('<div class="fj">')]
    md = _re.sub(r"<p class=MsoNormal><b><span[^>]*>([^<]+)</span></b></p>", r"\n## \1\n", body)
    md = _re.sub(r"<p class=MsoNormal style='text-indent[^>]*><span[^>]*>([^<]+)</span></p>", r"\n\1\n", md)
    exp = json.loads((FIXTURES / "trs_2019_msonormal.expected.json").read_text("utf-8"))
    data = ("# 某县人民政府2019年政府信息公开工作年度报告\n" + md).encode("utf-8")
    for rep in (read_text(data, markdown=True), parse_bytes(data, filename="r.md")):
        if not hasattr(rep, "applications"):
            from parsers.assemble import assemble
            rep = assemble(rep, source="r.md")
        for t in TABLES:
            assert getattr(rep, t) == exp[t], t
        assert rep.year == 2019 and rep.template == "2019"
