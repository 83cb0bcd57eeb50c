"""Every real PDF in ../shared/corpus: faithful grids with every truth cell in place."""
from __future__ import annotations

import json

import pytest

from parsers.formats import pdf
from parsers.labels import normalize_label

from .truthgrid import find_row, mismatches

PDF_REPORTS = ["hongze_district_2023", "hongze_district_2024", "huaian_city_2024"]


@pytest.fixture(scope="module")
def docs(corpus_dir):
    out = {}
    for rid in PDF_REPORTS:
        folder = corpus_dir / rid
        if (folder / "source.pdf").exists():
            out[rid] = (pdf.read((folder / "source.pdf").read_bytes(), ocr=False),
                        json.loads((folder / "truth.json").read_text("utf-8")))
    if not out:
        pytest.skip("no corpus PDFs")
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("rid", PDF_REPORTS)
def test_grid_has_every_truth_cell(docs, rid):
    doc, truth = docs[rid]
    assert not doc.needs_ocr
    assert mismatches(doc, truth) == []


@pytest.mark.corpus
def test_huaian_labels_joined_and_group_labels_repeated(docs):
    doc, _ = docs["huaian_city_2024"]
    # wrapped label over three lines is one cell; vertical group label repeated per row
    row = find_row(doc, "1、申请人无正当理由逾期不补正")
    assert row is not None
    assert normalize_label(row[0]) == normalize_label("三、本年度办理结果")
    assert normalize_label(row[1]) == normalize_label("（六）其他处理")
    assert normalize_label(row[2]) == normalize_label("1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
    # the merged cell （四）无法提供 is cut by the page break: one text on both pages
    for label in ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"):
        row = find_row(doc, label)
        assert row is not None and normalize_label(row[1]) == normalize_label("（四）无法提供"), row


@pytest.mark.corpus
def test_hongze_group_label_continues_over_page_break(docs):
    doc, _ = docs["hongze_district_2023"]
    row = find_row(doc, "3.补正后申请内容仍不明确")
    assert row[:2] == ["三、本年度办理结果", "（四）无法提供"]
    assert find_row(doc, "4.无正当理由大量反复申请") is not None  # letter-spaced label joined


@pytest.mark.corpus
def test_paragraphs_keep_section_headings(docs):
    doc, _ = docs["huaian_city_2024"]
    text = doc.text()
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert any(normalize_label(p.text).startswith(normalize_label(heading))
                   for p in doc.blocks if getattr(p, "kind", "") == "paragraph"), heading
    assert "-3-" not in text  # page numbers dropped
