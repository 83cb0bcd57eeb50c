"""XLSX (openpyxl) and XLS (xlrd) attachments holding the tables, merged cells repeated."""
from __future__ import annotations

from parsers import parse_bytes
from parsers.formats import xls
from parsers.model import Paragraph, Table

from .conftest import need, truth_for
from .truthgrid import numeric_rows


def _check(doc, truth):
    apps = truth["applications"]
    rows7 = [v for lab, v in numeric_rows(doc, 7) if lab]
    want = [[str(c[k]) for k in ("natural_person", "commercial_enterprise", "research_institution",
                                 "social_welfare_org", "legal_service_org", "other_org", "total")] for c in apps.values()]
    assert rows7 == want
    rl = truth["review_litigation"]
    want15 = [str(rl[g][c]) for g in ("review", "litigation_direct", "litigation_after_review")
              for c in ("upheld", "corrected", "other_result", "pending", "total")]
    assert want15 in [v for _l, v in numeric_rows(doc, 15)]


def test_xlsx_sheets(generated):
    p = generated / "distinct.xlsx"
    d = xls.read(p.read_bytes())
    assert d.source_format == "xlsx" and d.meta["sheets"] == ["依申请公开", "复议诉讼"]
    assert isinstance(d.blocks[0], Paragraph) and d.blocks[0].text.startswith("三、收到")
    _check(d, truth_for(p))
    t = [b for b in d.blocks if isinstance(b, Table)][0]
    r = next(i for i, row in enumerate(t.rows) if row[2] == "3.补正后申请内容仍不明确")
    assert t.rows[r][:2] == ["三、本年度办理结果", "（四）无法提供"]
    assert t.origins[r][0] != (r, 0)  # a repeated copy of the vertical group label


def test_xls_via_xlrd(generated):
    p = need(generated / "distinct.xls")
    d = xls.read(p.read_bytes())
    assert d.source_format == "xls"
    _check(d, truth_for(p))
    assert parse_bytes(p.read_bytes(), filename="annex.xls").source_format == "xls"


def test_ole2_sniffed_by_stream_names(generated):
    from parsers.sniff import sniff_format

    xls_bytes = need(generated / "distinct.xls").read_bytes()
    doc_bytes = need(generated / "seed_000.doc").read_bytes()
    assert sniff_format(xls_bytes, "attachment.doc") == "xls"  # wrong extension, right content
    assert sniff_format(doc_bytes, None) == "doc"
    assert sniff_format(doc_bytes, "a.wps") == "wps"
    assert sniff_format(doc_bytes, "a.xls") == "doc"
