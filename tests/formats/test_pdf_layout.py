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
