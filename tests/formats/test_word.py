"""DOCX and DOC/WPS readers on fixtures rendered from the corpus text reports."""
from __future__ import annotations

import pytest

from parsers import parse_bytes
from parsers.formats import doc as doc_reader
from parsers.formats import docx as docx_reader
from parsers.model import Table

from .conftest import fixture_names, need, truth_for
from .e2e import cell_errors
from .truthgrid import find_row, mismatches


def test_docx_grids_and_end_to_end(generated):
    paths = fixture_names(generated, "docx")
    assert len(paths) >= 7
    for p in paths:
        data = p.read_bytes()
        truth = truth_for(p)
        assert mismatches(docx_reader.read(data), truth) == [], p.name
        rep = parse_bytes(data, filename=p.name)
        assert rep.source_format == "docx"
        assert cell_errors(rep, truth) == [], p.name


def test_docx_merged_cells_repeat_with_origins(generated):
    d = docx_reader.read((generated / "distinct.docx").read_bytes())
    row = find_row(d, "3.补正后申请内容仍不明确")
    assert row[:2] == ["三、本年度办理结果", "（四）无法提供"]
    apps = [b for b in d.blocks if isinstance(b, Table) and b.rows and "勾稽" in b.rows[0][0]][0]
    # the header note spans 3 rows x 3 columns: one origin
    assert {apps.origins[r][c] for r in range(3) for c in range(3)} == {(0, 0)}
    assert apps.rows[2][3] == "自然人" and apps.origins[2][3] == (1, 3)


def test_doc_word97_reader_grids_and_end_to_end(generated):
    paths = fixture_names(generated, "doc")
    if not paths:
        pytest.skip("no .doc fixtures (LibreOffice missing)")
    for p in paths:
        data = p.read_bytes()
        truth = truth_for(p)
        d = doc_reader.read_word97(data)  # the binary reader itself, no fallback
        assert mismatches(d, truth) == [], p.name
        rep = parse_bytes(data, filename=p.name)
        assert rep.source_format == "doc" and cell_errors(rep, truth) == [], p.name
    # a .wps is a Word 97 binary: same bytes, same cells
    wps = parse_bytes(paths[0].read_bytes(), filename="report.wps")
    assert wps.source_format == "wps" and cell_errors(wps, truth_for(paths[0])) == []


def test_doc_vertical_merge_and_group_labels(generated):
    d = doc_reader.read_word97(need(generated / "distinct.doc").read_bytes())
    row = find_row(d, "2.申请人逾期未按收费通知要求缴纳费用")
    assert row[:2] == ["三、本年度办理结果", "（六）其他处理"]
    assert len([b for b in d.blocks if isinstance(b, Table)]) == 3


def test_doc_libreoffice_fallback(generated):
    if doc_reader.soffice_path() is None:
        pytest.skip("LibreOffice not installed")
    p = need(generated / "seed_001.doc")
    d = doc_reader.convert_with_libreoffice(p.read_bytes())
    assert d is not None and mismatches(d, truth_for(p)) == []


def test_broken_doc_gives_clear_error():
    rep = parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, filename="x.doc")
    assert rep.status == "failed" and rep.error


def test_docx_automatic_numbering_is_rendered():
    """Headings numbered by Word lists ('一、' chineseCounting, '（一）', '1.') keep their numbers."""
    import io

    from docx import Document as NewDocument

    d = NewDocument()
    for t in ("总体情况", "主动公开政府信息情况"):
        d.add_paragraph(t, style="List Number")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    # switch the list format of the default numbering definition to Chinese counting '一、'
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "word/numbering.xml":
                body = body.replace(b'w:numFmt w:val="decimal"', b'w:numFmt w:val="chineseCounting"')
                body = body.replace(b'w:lvlText w:val="%1."', b'w:lvlText w:val="%1\xe3\x80\x81"')
            zf.writestr(item, body)
    texts = [b.text for b in docx_reader.read(out.getvalue()).blocks]
    numbered = [t for t in texts if t.endswith(("总体情况", "主动公开政府信息情况"))]
    assert numbered == ["一、总体情况", "二、主动公开政府信息情况"], texts


def _docx_with_table_picture(generated) -> bytes:
    """A DOCX whose section 二 table is a pasted screenshot (cut from the rasterised report)."""
    import io

    from docx import Document as NewDocument
    from docx.shared import Cm
    from PIL import Image

    from parsers.pdf.grid import GridTable
    from parsers.pdf.layout import page_layout
    from parsers.pdf.pdfminer_source import iter_pages

    page1 = next(iter_pages(need(generated / "compact.pdf").read_bytes()))
    table = next(it for it in page_layout(page1).items if isinstance(it, GridTable))
    png = Image.open(need(generated / "compact_scan.png"))
    k = png.size[0] / page1.width  # pixels per point
    crop = png.crop((int(table.x0 * k) - 12, int(table.top * k) - 12, int(table.x1 * k) + 12, int(table.bottom * k) + 12))
    buf = io.BytesIO()
    crop.save(buf, "PNG")
    d = NewDocument()
    d.add_paragraph("二、主动公开政府信息情况")
    d.add_picture(io.BytesIO(buf.getvalue()), width=Cm(16))
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_table_pasted_as_picture_is_ocred(generated):
    from parsers import ocr

    data = _docx_with_table_picture(generated)
    off = docx_reader.read(data, ocr=False)
    assert off.needs_ocr and off.warnings and not any(isinstance(b, Table) for b in off.blocks)
    if not ocr.available():
        pytest.skip("rapidocr_onnxruntime not installed")
    d = docx_reader.read(data)
    assert d.meta["ocr_images"] == 1 and not d.needs_ocr
    texts = [b.text for b in d.blocks if not isinstance(b, Table)]
    assert texts[0] == "二、主动公开政府信息情况" and texts[-1] == "三、收到和处理政府信息公开申请情况"
    ad = truth_for(generated / "compact.docx")["active_disclosure"]
    assert find_row(d, "行政规范性文件")[1:] == [str(ad["normative_documents"][k]) for k in ("issued", "repealed", "in_force")]
    assert find_row(d, "行政事业性收费")[1] == str(ad["administrative_fees"]["amount_10k_yuan"])
