"""Issue 10, rule-less tables: a row cut by a page break whose label wraps over many lines on
the next page (pdf_borderless_long: （六）1.申请人无正当理由逾期不补正… over 11 lines) keeps its
whole label and its numbers, in place, on small synthetic pages (no files needed)."""
from __future__ import annotations

from parsers.model import Paragraph, Table
from parsers.pdf.document import build_blocks
from parsers.pdf.layout import page_layout
from parsers.pdf.page import Char, PageContent
from parsers.pdf.stitch import is_bare_number, merge_into

SIZE = 10.0
PITCH = 16.5  # wrapped lines of one cell
GROUP_X, LABEL_X, NUM_X = 116.0, 162.0, (230.0, 280.0, 330.0)
TAIL = ["人无正", "当理由", "逾期不", "补正、", "行政机", "关不再", "处理其", "政府信", "息公开", "申请"]


def _text(pc: PageContent, text: str, x: float, y: float) -> None:
    for ch in text:
        w = SIZE / 2 if ch.isascii() else SIZE  # half-width digits and dots
        if ch != " ":
            pc.chars.append(Char(ch, x, y, x + w, y + SIZE, SIZE))
        x += w


def _row(pc: PageContent, y: float, group: str, label: str, nums: tuple[str, ...]) -> None:
    if group:
        _text(pc, group, GROUP_X, y)
    _text(pc, label, LABEL_X, y)
    for x, v in zip(NUM_X, nums):
        _text(pc, v, x, y)


def _pages(tail: list[str]) -> list:
    p1 = PageContent(1, 600, 800)
    _row(p1, 600, "（五）", "1.重复", ("2", "0", "2"))
    _text(p1, "不予处", GROUP_X, 600 + PITCH)
    _text(p1, "申请", LABEL_X, 600 + PITCH)
    _text(p1, "理", GROUP_X, 600 + 2 * PITCH)
    _row(p1, 660, "", "2.其他", ("1", "0", "1"))
    _row(p1, 700, "（六）", "1.申请", ("3", "4", "7"))  # the last line of the page
    p2 = PageContent(2, 600, 800)
    y = 80.0
    for k, piece in enumerate(tail):  # the label's tail opens the next page, beside the group label's
        _text(p2, piece, LABEL_X, y)
        if k < 2:
            _text(p2, ("其他处", "理")[k], GROUP_X, y)
        y += PITCH
    _row(p2, y + 10, "", "2.其他", ("5", "6", "11"))
    _row(p2, y + 40, "（七）总计", "", ("8", "10", "18"))
    return [page_layout(p1), page_layout(p2)]


def _table(blocks) -> Table:
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1, "the continuation joins the table"
    return tables[0]


def test_a_label_wrapped_over_many_lines_after_the_break_stays_with_its_numbers():
    blocks = build_blocks(_pages(TAIL))
    t = _table(blocks)
    assert not any(isinstance(b, Paragraph) and "无正" in b.text for b in blocks)
    label = "1.申请" + "".join(TAIL)
    rows = [r for r in t.rows if label in r]
    assert len(rows) == 1
    r = t.rows.index(rows[0])
    assert rows[0][-3:] == ["3", "4", "7"] and "（六）其他处理" in rows[0]
    assert t.row_pages[r] == 1  # its numbers are on the page before the break
    nxt = t.rows[r + 1]
    assert nxt[-3:] == ["5", "6", "11"] and "2.其他" in nxt and "（六）其他处理" in nxt
    assert t.rows[r - 1][-3:] == ["1", "0", "1"]


def test_a_short_tail_joins_the_same_way():
    t = _table(build_blocks(_pages(TAIL[:2] + ["申请"])))
    assert any("1.申请人无正当理由申请" in r and r[-3:] == ["3", "4", "7"] for r in t.rows)


def _grid(page, rows, region=None):
    from parsers.pdf.grid import GridTable

    n = len(rows[0])
    xs = [50.0 + 40 * i for i in range(n + 1)]
    return GridTable(page, xs, [0.0] * (len(rows) + 1), [list(r) for r in rows],
                     region or [[r * n + c for c in range(n)] for r in range(len(rows))])


def test_a_known_label_completing_a_bare_item_number_is_not_a_new_row():
    """'（六）' cut from its words '其他处理' (a complete label on its own): one row, not two."""
    prev = _grid(3, [["（六）", "1.申请", "3", "4"]])
    nxt = _grid(4, [["其他处理", "人无正当理由", "", ""], ["", "2.其他", "5", "6"]],
                region=[[0, 1, 2, 3], [0, 5, 6, 7]])
    merge_into(prev, nxt)
    assert prev.cells == [["（六）其他处理", "1.申请人无正当理由", "3", "4"], ["（六）其他处理", "2.其他", "5", "6"]]


def test_a_known_label_after_a_complete_label_still_starts_a_row():
    prev = _grid(3, [["（五）不予处理", "2.其他", "3", "4"]])
    nxt = _grid(4, [["其他处理", "", "", ""], ["", "2.其他", "5", "6"]])
    merge_into(prev, nxt)
    assert prev.cells[0] == ["（五）不予处理", "2.其他", "3", "4"] and prev.cells[1][0] == "其他处理"


def test_bare_item_numbers():
    assert is_bare_number("（六）") and is_bare_number("1.") and is_bare_number("六、")
    assert not is_bare_number("（六）其他处理") and not is_bare_number("") and not is_bare_number("其他")
