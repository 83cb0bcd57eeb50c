"""Characters -> text lines -> strings, for table cells and running text."""
from __future__ import annotations

import re
from operator import attrgetter
from dataclasses import dataclass, field

from .page import Char

_X0 = attrgetter("x0")
_ASCII_WORD = re.compile(r"[A-Za-z0-9%.,:/()\-+]")


@dataclass
class Line:
    chars: list[Char] = field(default_factory=list)
    top: float = 0.0
    bottom: float = 0.0

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @property
    def size(self) -> float:
        sizes = sorted(c.size for c in self.chars)
        return sizes[len(sizes) // 2]

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def group_lines(chars: list[Char]) -> list[Line]:
    """Cluster characters into lines by vertical centre; each line sorted left to right.
    (A character joins the current line when its centre is within max(1, 0.45 h) of the
    line's centre, h the smaller of the two heights, or inside the line and within 0.6 h.)"""
    if not chars:
        return []
    lines: list[Line] = []
    cur: list[Char] | None = None
    top = bottom = mid = 0.0
    # (top + bottom) orders exactly like the centre (halving is exact)
    for ch in sorted(chars, key=lambda c: (c.top + c.bottom, c.x0)):
        ctop, cbot = ch.top, ch.bottom
        cy = (ctop + cbot) / 2
        if cur is not None:
            h = bottom - top
            if cbot - ctop < h:
                h = cbot - ctop
            d = cy - mid if cy >= mid else mid - cy
            lim = 0.45 * h
            if d <= (lim if lim > 1.0 else 1.0) or (top <= cy <= bottom and d <= 0.6 * h):
                cur.append(ch)
                if ctop < top:
                    top = ctop
                if cbot > bottom:
                    bottom = cbot
                mid = (top + bottom) / 2
                continue
            lines.append(Line(cur, top, bottom))
        cur = [ch]
        top, bottom, mid = ctop, cbot, cy
    lines.append(Line(cur, top, bottom))  # type: ignore[arg-type]
    for ln in lines:
        ln.chars.sort(key=_X0)
        _dedupe_overprint(ln)
    return lines


def _dedupe_overprint(ln: Line) -> None:
    """Drop glyphs drawn twice at the same place (fake bold)."""
    out: list[Char] = []
    for c in ln.chars:
        if out and out[-1].text == c.text and abs(out[-1].x0 - c.x0) < 0.3 * c.size and abs(out[-1].top - c.top) < 0.3 * c.size:
            continue
        out.append(c)
    ln.chars = out


def line_text(ln: Line, *, space_ratio: float = 0.3) -> str:
    """Text of one line; a space only between ASCII word characters separated by a visible gap."""
    out: list[str] = []
    prev: Char | None = None
    for c in ln.chars:
        if prev is not None:
            gap = c.x0 - prev.x1
            if gap > space_ratio * (c.size if c.size > prev.size else prev.size) \
                    and _ASCII_WORD.match(prev.text[-1]) and _ASCII_WORD.match(c.text[0]):
                out.append(" ")
        out.append(c.text)
        prev = c
    return "".join(out)


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines of one cell or paragraph: no separator in CJK text or a wrapped
    number, a space between Latin words."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and p[0].isascii() and p[0].isalpha():
            out += " "
        out += p
    return out


def cell_text(chars: list[Char]) -> str:
    if len(chars) <= 12:  # fast path: one line (most cells hold a number or a short label)
        cys = [(c.top + c.bottom) / 2 for c in chars]
        h = min([c.bottom - c.top for c in chars])
        if max(cys) - min(cys) <= max(1.0, 0.45 * h):
            ln = Line(sorted(chars, key=_X0), min([c.top for c in chars]), max([c.bottom for c in chars]))
            _dedupe_overprint(ln)
            return line_text(ln).strip()
    return join_lines([line_text(ln) for ln in group_lines(chars)])


def split_chunks(ln: Line, gap_ratio: float = 1.5) -> list[list[Char]]:
    """Split a line where the horizontal gap exceeds `gap_ratio` × the font size."""
    chunks: list[list[Char]] = []
    prev: Char | None = None
    for c in ln.chars:
        if prev is not None:
            gap = c.x0 - prev.x1
            size = c.size if c.size > 1.0 else 1.0
            numbers_apart = gap > 0.4 * size and prev.text[-1:].isdigit() and c.text[:1].isdigit()
            if gap <= gap_ratio * size and not numbers_apart:
                chunks[-1].append(c)
                prev = c
                continue
        chunks.append([c])
        prev = c
    return chunks
