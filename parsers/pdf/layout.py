"""One page -> ruled tables plus text lines outside them, in reading order."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .grid import GridTable, build_table
from .lines import Line, group_lines, line_text, split_chunks
from .page import Char, PageContent
from .rules import frames, normalize

_PAGE_NO = re.compile(r"^[\s\-—–_·•.]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[\s\-—–_·•.]*$"
                      r"|^[\s\-—–]*[-—–]\s*[ivxlcIVXLC\d]{1,6}\s*[-—–][\s\-—–]*$")


@dataclass
class TextLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    chunks: list[tuple[float, float, str]]  # (x0, x1, text) pieces separated by wide gaps
    chunk_chars: list[list[Char]] = field(default_factory=list)  # the characters of each chunk


@dataclass
class PageLayout:
    number: int
    width: float
    height: float
    items: list[GridTable | TextLine]  # reading order (top to bottom)


# glyphs this much smaller than the page's body text (and under MICROPRINT_MAX_PT) are
# sub-legible microprint — security patterns, hidden marks — never content
MICROPRINT_RATIO = 0.3
MICROPRINT_MAX_PT = 3.5


def legible_chars(chars: list[Char]) -> list[Char]:
    """The characters without sub-legible microprint: a digit or Latin letter far below the
    size of the page's text (median glyph size of legible glyphs) is dropped, so tiny digits
    sprinkled over a table are never glued into its numbers."""
    if not chars:
        return chars
    legible = sorted(c.size for c in chars if c.size >= MICROPRINT_MAX_PT)
    if len(legible) < 20:
        return chars  # a page set in tiny type all over (or nearly empty): nothing to compare
    floor = min(MICROPRINT_RATIO * legible[len(legible) // 2], MICROPRINT_MAX_PT)
    if min(c.size for c in chars) >= floor:
        return chars
    # only letters and digits: punctuation (、 . ,) can have a tiny ink box (vertical writing)
    return [c for c in chars if c.size >= floor or not (c.text.isascii() and c.text.isalnum())]


def page_layout(pc: PageContent) -> PageLayout:
    kept = legible_chars(pc.chars)
    if len(kept) != len(pc.chars):
        pc.skipped_chars += len(pc.chars) - len(kept)
        pc.chars = kept
    segs = normalize(pc.segs)
    tables: list[GridTable] = []
    used: set[int] = set()
    for fr in frames(segs):
        t, u = build_table(fr, pc.chars, pc.number, used)
        if t is None:
            continue
        used |= u
        tables.append(t)
    free = [c for i, c in enumerate(pc.chars) if i not in used]
    lines = [_text_line(ln) for ln in group_lines(free)]
    lines = [ln for ln in lines if ln.text.strip() and not _is_page_furniture(ln, pc)]
    items: list[GridTable | TextLine] = [*tables, *lines]
    items.sort(key=lambda it: (it.top, it.x0))
    return PageLayout(pc.number, pc.width, pc.height, items)


def _text_line(ln: Line) -> TextLine:
    parts = split_chunks(ln)
    chunks = [(ch[0].x0, max(c.x1 for c in ch), line_text(Line(ch, ln.top, ln.bottom))) for ch in parts]
    text = " ".join(t for _, _, t in chunks) if len(chunks) > 1 else (chunks[0][2] if chunks else "")
    return TextLine(text, ln.x0, ln.x1, ln.top, ln.bottom, ln.size, chunks, parts)


def _is_page_furniture(ln: TextLine, pc: PageContent) -> bool:
    """Page numbers in the top or bottom margin ('-3-', '第 3 页', '3 / 6')."""
    in_margin = ln.top > pc.height * 0.85 or ln.bottom < pc.height * 0.12
    return in_margin and bool(_PAGE_NO.match(ln.text))
