"""Grid and text rules of the PDF layout code on small synthetic pages (no files needed)."""
from __future__ import annotations

from parsers.pdf.document import build_blocks
from parsers.pdf.layout import page_layout
from parsers.pdf.page import Char, PageContent, Seg
from parsers.model import Paragraph, Table


def _text(pc: PageContent, text: str, x: float, y: float, size: float = 10.0) -> None:
    for i, ch in enumerate(text):
        if ch != " ":
            pc.chars.append(Char(ch, x + i * size, y, x + (i + 1) * size, y + size, size))


def _ruled(pc: PageContent, xs, ys, skip_v=(), skip_h=()) -> None:
    """Full grid of rules; skip_v/skip_h: (index, a, b) pieces left out to make merged cells."""
    for i, x in enumerate(xs):
        pc.segs.append(Seg(False, x, ys[0], ys[-1]))
    for j, y in enumerate(ys):
        pc.segs.append(Seg(True, y, xs[0], xs[-1]))
    for i, a, b in skip_v:  # cut vertical rule i between ys a..b
        pc.segs = [s for s in pc.segs if not (not s.horizontal and s.pos == xs[i])]
        pc.segs += [Seg(False, xs[i], ys[0], a), Seg(False, xs[i], b, ys[-1])]
    for j, a, b in skip_h:
        pc.segs = [s for s in pc.segs if not (s.horizontal and s.pos == ys[j])]
        pc.segs += [Seg(True, ys[j], xs[0], a), Seg(True, ys[j], b, xs[-1])]


def test_merged_cells_repeat_and_wrapped_label_joins():
    pc = PageContent(1, 600, 800)
    xs, ys = [50, 150, 250, 350], [100, 130, 160, 190]
    # column 0 merged over rows 1-2 (no horizontal rule between them in column 0)
    _ruled(pc, xs, ys, skip_h=[(2, 50, 150)])
    _text(pc, "分组", 60, 150)
    _text(pc, "标签第一", 160, 132)
    _text(pc, "行续", 160, 145)  # wrapped label, second line
    _text(pc, "12", 260, 140)
    _text(pc, "甲", 160, 170)
    _text(pc, "3", 260, 170)
    _text(pc, "表头", 60, 110)
    blocks = build_blocks([page_layout(pc)])
    t = [b for b in blocks if isinstance(b, Table)][0]
    assert t.rows[1] == ["分组", "标签第一行续", "12"]
    assert t.rows[2] == ["分组", "甲", "3"]
    assert t.origins[2][0] == (1, 0) and t.origins[2][1] == (2, 1)


def test_rule_less_rows_become_a_positional_table_and_page_numbers_drop():
    pc = PageContent(1, 600, 800)
    _text(pc, "一、总体情况", 80, 100)
    _text(pc, "一、本年新收", 60, 200)
    for i, v in enumerate(["21", "0", "3", "24"]):
        _text(pc, v, 250 + i * 60, 200)
    _text(pc, "二、上年结转", 60, 220)
    for i, v in enumerate(["1", "2", "0", "3"]):
        _text(pc, v, 250 + i * 60, 220)
    _text(pc, "-3-", 290, 780)
    blocks = build_blocks([page_layout(pc)])
    assert isinstance(blocks[0], Paragraph) and blocks[0].text == "一、总体情况"
    t = [b for b in blocks if isinstance(b, Table)][0]
    assert t.rows == [["一、本年新收", "21", "0", "3", "24"], ["二、上年结转", "1", "2", "0", "3"]]
    assert all("-3-" not in getattr(b, "text", "") for b in blocks)


def test_thin_filled_rects_are_rules_and_backgrounds_are_not():
    from parsers.pdf.page import segs_from_box

    assert len(segs_from_box(10, 10, 10.5, 200, stroke=False, fill=True)) == 1
    assert segs_from_box(10, 10, 300, 200, stroke=False, fill=True) == []
    assert len(segs_from_box(10, 10, 300, 200, stroke=True, fill=False)) == 4


def test_open_sided_table_and_rule_less_top_row():
    """No outer vertical borders (the grid extends to the ends of the horizontal rules) and a
    continued table whose first row has no top rule (extends to the ends of the vertical rules)."""
    pc = PageContent(1, 600, 800)
    for y in (130, 160):  # no rule at the top (y=100): continuation after a page break
        pc.segs.append(Seg(True, y, 50, 350))
    for x in (150, 250):  # inner verticals only, running up to y=100
        pc.segs.append(Seg(False, x, 100, 160))
    _text(pc, "续行", 60, 110)
    _text(pc, "5", 160, 110)
    _text(pc, "6", 260, 110)
    _text(pc, "合计", 60, 140)
    _text(pc, "7", 160, 140)
    _text(pc, "8", 260, 140)
    t = [b for b in build_blocks([page_layout(pc)]) if isinstance(b, Table)][0]
    assert t.rows == [["续行", "5", "6"], ["合计", "7", "8"]]


def test_diagonal_watermark_glyphs_are_ignored(generated):
    """A diagonal watermark drawn over the tables must not leak into cells (pdfminer.six and
    pypdfium2 both drop glyphs whose text matrix is neither horizontal nor vertical)."""
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    from parsers.formats import pdf

    from .conftest import need
    from .truthgrid import mismatches
    from .conftest import truth_for

    src = need(generated / "compact.pdf")
    doc = pdfium.PdfDocument(src.read_bytes())
    font = c.FPDFText_LoadStandardFont(doc.raw, b"Helvetica")
    for page in doc:
        for k in range(6):
            obj = c.FPDFPageObj_CreateTextObj(doc.raw, font, 40.0)
            text = "DRAFT 9999"
            buf = (c.FPDF_WCHAR * (len(text) + 1))(*[ord(ch) for ch in text], 0)
            c.FPDFText_SetText(obj, buf)
            c.FPDFPageObj_Transform(obj, 0.7071, 0.7071, -0.7071, 0.7071, 120, 80 + 120 * k)
            c.FPDFPage_InsertObject(page.raw, obj)
        c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    doc.save(out)
    data = out.getvalue()
    for backend in ("pdfminer", "pdfium"):
        d = pdf.read(data, ocr=False, backend=backend)
        assert "9999" not in d.text(), backend
        assert mismatches(d, truth_for(src)) == [], backend


def _grid(page, rows, region=None):
    from parsers.pdf.grid import GridTable

    n = len(rows[0])
    xs = [50.0 + 40 * i for i in range(n + 1)]
    return GridTable(page, xs, [0.0] * (len(rows) + 1), [list(r) for r in rows],
                     region or [[r * n + c for c in range(n)] for r in range(len(rows))])


def test_stitch_joins_a_row_split_by_the_page_break():
    from parsers.pdf.stitch import merge_into

    prev = _grid(3, [["三、本年度办理结果", "（二）部分公开（区分处理的，", "", ""]])
    # column 0 of the continuation is one merged (empty) cell: the group label carried over
    nxt = _grid(4, [["", "只计这一情形，不计其他情形）", "4", "0"], ["", "（三）不予公开", "1", "2"]],
                region=[[0, 1, 2, 3], [0, 5, 6, 7]])
    merge_into(prev, nxt)
    assert prev.cells == [["三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "4", "0"],
                          ["三、本年度办理结果", "（三）不予公开", "1", "2"]]


def test_stitch_keeps_a_blank_row_and_a_known_label_apart():
    from parsers.pdf.stitch import merge_into

    prev = _grid(3, [["（六）其他处理", "", ""]])  # a row left blank in the report
    nxt = _grid(4, [["总计", "5", "6"]])
    merge_into(prev, nxt)
    assert prev.cells == [["（六）其他处理", "", ""], ["总计", "5", "6"]]


def test_rows_without_rules_between_them_are_cut_at_their_lines():
    """Only the outer box and the column rules are drawn: each line of numbers is its own row."""
    pc = PageContent(1, 600, 800)
    xs, ys = [50, 200, 260, 320], [100, 190]
    _ruled(pc, xs, ys)
    for k, (label, a, b) in enumerate([("一、本年新收", "21", "3"), ("二、上年结转", "1", "0"), ("（七）总计", "20", "2")]):
        y = 110 + 25 * k
        _text(pc, label, 55, y)
        _text(pc, a, 210, y)
        _text(pc, b, 270, y)
    t = [b for b in build_blocks([page_layout(pc)]) if isinstance(b, Table)][0]
    assert t.rows == [["一、本年新收", "21", "3"], ["二、上年结转", "1", "0"], ["（七）总计", "20", "2"]]
