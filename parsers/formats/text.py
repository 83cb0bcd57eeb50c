"""Plain text and markdown -> Document.

Lines become table rows when they look tabular:
- tab-separated cells (text extractions of Word/HTML tables);
- pipe tables (`| a | b |`, markdown), separator lines `|---|` dropped;
- whitespace-aligned columns (pdftotext -layout): cells split at runs of 2+ spaces, and
  space-separated numbers split into cells.
Everything else is a paragraph (markdown heading marks removed). Consecutive tabular lines
form one Table; blank lines between them do not end it. Text tables carry no `origins`:
their column positions are not reliable (rows are shifted, cells are missing).
"""
from __future__ import annotations

import re

from ..model import Document, Paragraph, Table
from . import UnreadableDocument

_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_GAP = re.compile(r"[ \u3000\u00a0]{2,}")
_NUM_TOKENS = re.compile(r"^(?P<head>.*?\S)?\s*(?P<nums>(?:(?<=\s)|^)[-+]?\d[\d.,]*(?:\s+[-+]?\d[\d.,]*)*)\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _pipe_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _aligned_cells(line: str) -> tuple[list[str], list[int]] | None:
    """Cells of a whitespace-aligned line with the column where each ends, or None when the
    line is running text."""
    if not line.strip() or len(line.strip()) > 400:
        return None
    cells: list[str] = []
    ends: list[int] = []
    for pm in re.finditer(r"\S+(?:[ \u3000\u00a0]\S+)*", line):
        p, base = pm.group(0), pm.start()
        toks = list(re.finditer(r"\S+", p))
        if len(toks) > 1 and all(re.fullmatch(r"[-+]?\d[\d.,]*", t.group(0)) for t in toks):
            cells.extend(t.group(0) for t in toks)
            ends.extend(base + t.end() for t in toks)
            continue
        m = re.fullmatch(r"(.*?[^\d\s.,+-])\s+((?:[-+]?\d[\d.,]*\s*)+)", p)
        if m and len(m.group(1)) <= 60:
            cells.append(m.group(1))
            ends.append(base + m.end(1))
            for t in re.finditer(r"\S+", m.group(2)):
                cells.append(t.group(0))
                ends.append(base + m.start(2) + t.end())
            continue
        cells.append(p)
        ends.append(pm.end())
    if len(cells) < 2:
        return None
    # running text with a double space is not a table row: require a number cell or short cells
    if not any(re.fullmatch(r"[-+]?\d[\d.,]*", c) for c in cells) and max(len(c) for c in cells) > 40:
        return None
    return cells, ends


def _html_table_spans(text: str):
    """(start, end) of each `<table …>…</table>` fragment, in one forward scan (a regex with a
    lazy `.*?` rescans to the end of the text for every unclosed `<table`: quadratic)."""
    low = text.lower()
    pos = 0
    while True:
        i = low.find("<table", pos)
        if i < 0:
            return
        nxt = low[i + 6:i + 7]
        if nxt and not (nxt.isspace() or nxt in ">/"):
            pos = i + 6
            continue
        j = low.find("</table", i)
        if j < 0:
            return  # no closer anywhere after: no more complete tables
        k = low.find(">", j)
        end = len(text) if k < 0 else k + 1
        yield i, end
        pos = end


def read(data: bytes, *, ocr: bool = True, markdown: bool = False) -> Document:
    if not data or not data.strip():
        raise UnreadableDocument("empty text file")
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if "<table" in text.lower():
        # PDF-to-markdown converters write complex tables as HTML: read those as grids
        blocks: list[Paragraph | Table] = []
        pos = 0
        for start, end in _html_table_spans(text):
            blocks.extend(_read_lines(text[pos:start], markdown))
            blocks.extend(_html_tables(text[start:end]))
            pos = end
        blocks.extend(_read_lines(text[pos:], markdown))
        return Document(blocks=blocks, source_format="markdown" if markdown else "text")
    return Document(blocks=_read_lines(text, markdown), source_format="markdown" if markdown else "text")


def _html_tables(fragment: str) -> list[Table]:
    from bs4 import BeautifulSoup

    from .html import table_grid

    soup = BeautifulSoup(fragment, "lxml")
    out = []
    for t in soup.find_all("table"):
        if t.find("table"):
            continue
        grid = table_grid(t)
        if grid is not None:
            out.append(grid)
    return out


def _read_lines(text: str, markdown: bool) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    table: list[list[str]] = []
    ends: list[list[int] | None] = []

    def flush() -> None:
        nonlocal table, ends
        if table:
            blocks.append(Table(rows=table, ends=ends if any(e is not None for e in ends) else None))
            table, ends = [], []

    blank_run = 0
    for raw in text.split("\n"):
        line = raw.rstrip(" \u3000\r")
        if not line.strip():
            blank_run += 1
            if blank_run > 3:
                flush()
            continue
        blank_run = 0
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 2:
            if _PIPE_SEP.match(stripped):
                continue
            table.append(_pipe_cells(stripped))
            ends.append(None)
            continue
        if "\t" in line:
            table.append([c.strip() for c in line.split("\t")])
            ends.append(None)
            continue
        aligned = _aligned_cells(line)
        if aligned is not None:
            table.append(aligned[0])
            ends.append(aligned[1])
            continue
        flush()
        if markdown or _MD_HEADING.match(line):
            line = _MD_HEADING.sub("", line)
            line = _MD_EMPH.sub(r"\2", line)
        blocks.append(Paragraph(line.strip()))
    flush()
    return blocks
