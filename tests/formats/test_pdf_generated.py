"""PDFs rendered by LibreOffice from the corpus text reports (tables broken across pages,
rows split by page breaks, wrapped labels)."""
from __future__ import annotations

import pytest

from parsers import parse_bytes
from parsers.formats import pdf

from .conftest import fixture_names, need, truth_for
from .e2e import cell_errors
from .truthgrid import find_row, mismatches


def test_generated_pdfs_match_truth(generated):
    paths = fixture_names(generated, "pdf")
    if not paths:
        pytest.skip("no PDF fixtures (LibreOffice missing)")
    for p in paths:
        data = p.read_bytes()
        truth = truth_for(p)
        d = pdf.read(data, ocr=False)
        assert not d.needs_ocr
        assert mismatches(d, truth) == [], p.name
        assert cell_errors(parse_bytes(data, filename=p.name, ocr=False), truth) == [], p.name


def test_rows_split_by_page_break_are_joined(generated):
    d = pdf.read(need(generated / "distinct.pdf").read_bytes(), ocr=False)
    assert d.meta["pages"] >= 4
    # this label is cut by a page break in the rendered file ('（二）部分公开（区分处理的，' | '只计这一情形…')
    row = find_row(d, "（二）部分公开")
    assert row[1] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert row[-7:] == ["324", "331", "338", "345", "352", "359", "366"]
    assert find_row(d, "只计这一情形") is None


def _tables(doc):
    from parsers.labels import normalize_label
    from parsers.model import Table

    return [[[normalize_label(x) for x in row] for row in b.rows] for b in doc.blocks if isinstance(b, Table)]


def test_pdfium_fast_path_is_cell_identical(generated, corpus_dir):
    paths = sorted(corpus_dir.glob("*/source.pdf")) + fixture_names(generated, "pdf")
    assert paths
    for p in paths:
        data = p.read_bytes()
        ref = pdf.read(data, ocr=False, backend="pdfminer")
        fast = pdf.read(data, ocr=False, backend="pdfium")
        assert _tables(fast) == _tables(ref), p
        from parsers.labels import normalize_label

        paras = [[normalize_label(b.text) for b in d.blocks if b.kind == "paragraph"] for d in (ref, fast)]
        assert paras[0] == paras[1], p


def test_fonts_without_unicode_map_need_ocr(generated):
    data = need(generated / "compact.pdf").read_bytes()
    assert data.count(b"/ToUnicode") >= 1
    broken = data.replace(b"/ToUnicode", b"/ToUnicodX")  # same length: offsets stay valid
    for backend in ("pdfminer", "pdfium"):
        d = pdf.read(broken, ocr=False, backend=backend)
        assert d.needs_ocr, backend
        assert any("without Unicode mapping" in w for w in d.warnings), d.warnings
    rep = parse_bytes(broken, filename="x.pdf", ocr=False)
    assert rep.status == "needs_ocr"


def test_rule_less_tables_positional_fallback(generated):
    """The same report with every table border removed: rows come from lines holding numbers,
    number columns from their x-extent, wrapped labels join the closer neighbouring line.
    Every number lands in its row and column on both back ends; labels of rows whose vertical
    group label interleaves with them may carry stray group characters (assembly copes)."""
    p = need(generated / "borderless.pdf")
    data = p.read_bytes()
    truth = truth_for(p)
    for backend in ("pdfminer", "pdfium"):
        d = pdf.read(data, ocr=False, backend=backend)
        assert mismatches(d, truth) == [], backend
        row = find_row(d, "2.重复申请")
        assert row is not None and row[1:] == ["961", "968", "975", "982", "989", "996", "1003"], row
    rep = parse_bytes(data, filename=p.name, ocr=False)
    errs = cell_errors(rep, truth)
    assert rep.applications.get("new_received", {}).get("total") == truth["applications"]["new_received"]["total"]
    assert len(errs) < 40, errs  # of 200 cells; rows with interleaved vertical group labels may be missed
