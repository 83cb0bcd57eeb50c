"""Issue 10: never a wrong number, on hard renderings of the seeds (tests/trust/renderings.py).

Every rendering is scored cell by cell against its truth (tests/parsers/parse_corpus_util.py
`trust_score`): no wrong cell, no invented cell, every null where the truth has a number
carries a null_reasons entry and a warning naming its row, and every cell says how it was read
and on which page."""
from __future__ import annotations

import json

import pytest

from tests.parsers.parse_corpus_util import trust_score, untrustworthy

from . import renderings

MD = sorted(renderings.MD_CASES)
PDF = sorted(renderings.PDF_CASES)
SCANS = sorted(renderings.SCAN_CASES)


def _score(parsed, name: str) -> tuple[dict, dict]:
    rep = parsed(name)
    truth = renderings.truth_of(renderings_path(name))
    return rep, trust_score(rep, truth)


def renderings_path(name: str):
    from .conftest import OUT

    return next(p for p in OUT.glob(f"{name}.*") if not p.name.endswith(".json"))


def _methods(rep: dict) -> set[str]:
    return {m["method"] for t in rep["provenance"].values() for r in t.values() for m in r.values()}


@pytest.mark.parametrize("name", MD + PDF)
def test_no_wrong_invented_or_unexplained_cell(parsed, name):
    rep, score = _score(parsed, name)
    assert untrustworthy(score) == [], name
    json.dumps(rep)  # the JSON contract stays serialisable with provenance and null reasons
    assert score["missing"] == []


def test_borderless_long_has_every_row(parsed):
    """Rule-less, narrow columns: the last row before a page break (（六）1.申请人无正当理由逾期不补正…)
    has its label wrapped over 11 lines, 10 of them opening the next page; the row keeps its whole
    label and its numbers, read on the page before the break, and the table stays one table."""
    rep, score = _score(parsed, "pdf_borderless_long")
    truth = renderings.truth_of(renderings_path("pdf_borderless_long"))
    assert score["missing"] == [] and untrustworthy(score) == []
    assert score["counts"]["right"] == 200
    assert rep["applications"] == truth["applications"]
    prov = rep["provenance"]["applications"]
    cut = {m["page"] for m in prov["other_no_correction"].values()}
    after = {m["page"] for m in prov["other_unpaid_fee"].values()}
    assert len(cut) == 1 and len(after) == 1 and cut.pop() + 1 == after.pop()
    assert all(m["method"] == "positional" for r in prov.values() for m in r.values())


@pytest.mark.parametrize("name", MD)
def test_dropped_cells_leave_exactly_their_rows_null(parsed, name):
    """A converter that dropped a cell: the row's numbers could belong to any columns, so the
    row (and only it) is null, with the reason and a warning; the intact rows are all right."""
    rep, score = _score(parsed, name)
    truth = renderings.truth_of(renderings_path(name))
    rows = {".".join(k.split(":")[0].split(".")[:2]) for k in score["explained_null"]}
    dropped = {d if d != "review_litigation" else f"review_litigation.{g}" for d in truth["dropped"]
               for g in (("review", "litigation_direct", "litigation_after_review") if d == "review_litigation"
                         else ("",))}
    assert rows == dropped
    for key in score["explained_null"]:
        t, r, c = key.split(":")[0].split(".")
        assert "do not show which columns" in rep["null_reasons"][t][r][c]
    assert score["counts"]["right"] + score["counts"]["explained_null"] == 200
    assert _methods(rep) == {"stream"}  # pipe tables: delimited text, no grid origins


def test_ruled_pdf_cells_are_grid_read_with_their_pages(parsed):
    rep, _ = _score(parsed, "pdf_long_seed_001")
    assert _methods(rep) == {"grid"}
    pages = {m["page"] for r in rep["provenance"]["applications"].values() for m in r.values()}
    assert len(pages) >= 2 and all(isinstance(p, int) and p >= 1 for p in pages)  # the table crosses pages
    first = rep["provenance"]["applications"]["new_received"]["total"]["page"]
    last = rep["provenance"]["applications"]["carried_forward"]["total"]["page"]
    assert last > first


@pytest.mark.parametrize("name", ["pdf_review_split_hdr", "pdf_review_split_data", "pdf_borderless_review_split"])
def test_review_header_on_another_page(parsed, name):
    """Section 四 with its two-level header cut from its data row by a page break: the 15
    cells come out in place, each with the page of the data row (after the header's page)."""
    rep, score = _score(parsed, name)
    truth = renderings.truth_of(renderings_path(name))
    assert rep["review_litigation"] == truth["review_litigation"]
    prov = rep["provenance"]["review_litigation"]
    pages = {m["page"] for g in prov.values() for m in g.values()}
    methods = {m["method"] for g in prov.values() for m in g.values()}
    assert len(pages) == 1 and methods == ({"positional"} if "borderless" in name else {"grid"})
    assert pages.pop() == max(m["page"] for t in rep["provenance"].values() for r in t.values() for m in r.values())


def test_borderless_cells_are_positional(parsed):
    rep, _ = _score(parsed, "pdf_borderless_review_split")
    assert "positional" in _methods(rep)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCANS)
def test_scans_never_publish_a_wrong_number(parsed, name):
    """The tables page scanned at 150 / 200 / 300 dpi, ruled and rule-less, read by OCR: what
    is published is right; what cannot be trusted is null with a reason."""
    rep, score = _score(parsed, name)
    assert score["wrong"] == [] and score["invented"] == [] and score["unexplained_null"] == []
    cells = [m for t in rep["provenance"].values() for r in t.values() for m in r.values()]
    assert cells and all(m["method"] == "ocr" and m["page"] in (1, None) for m in cells)


@pytest.mark.parametrize("blank_at", [0, 2, 7, 14])
def test_text_dump_of_split_review_header_never_shifts(rendered, blank_at):
    """`pdftotext -layout` of a report whose section-四 header wraps (结果 / 维持 on two lines,
    glued into cells like '结果 结果 其他'), with one figure of the data row blank: the 14
    figures cannot be placed under the 15 columns for certain, so none is published shifted."""
    import re
    import shutil
    import subprocess

    from parsers import parse_bytes

    if not shutil.which("pdftotext") or "pdf_review_split_data" not in rendered:
        pytest.skip("pdftotext or the rendering is missing")
    text = subprocess.run(["pdftotext", "-layout", str(rendered["pdf_review_split_data"]), "-"],
                          capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    want = renderings.REVIEW_VALUES
    found = re.search(r"(?<!\S)" + r"[ \t]+".join(map(str, want)) + r"(?!\S)", text)
    assert found, "the data row of section 四"
    i, row = found.start(), found.group(0)
    m = list(re.finditer(r"\S+", row))[blank_at]
    text = text[:i] + row[:m.start()] + " " * (m.end() - m.start()) + row[m.end():] + text[i + len(row):]
    rep = parse_bytes(text.encode("utf-8"), filename="r.txt").to_dict()
    truth = renderings.truth_of(rendered["pdf_review_split_data"])
    g, c = renderings.REVIEW[blank_at]
    truth["review_litigation"][g][c] = None
    score = trust_score(rep, truth)
    assert untrustworthy(score) == []
    rl = rep["review_litigation"]
    assert rl == truth["review_litigation"] or (
        all(v is None for grp in rl.values() for v in grp.values())
        and all(len(rep["null_reasons"]["review_litigation"][grp]) == 5 for grp in rl))
