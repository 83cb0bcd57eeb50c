"""A Document as a flat list of rows with character offsets into its linear text.

Every block becomes rows: a table row is its cells; a paragraph line is a one-cell row. The
linear text (rows joined by newlines, cells by tabs) is what section headings and the
stream readers search; `Row.offset` ties a row to that text.

Merged cells: in a grid with `origins`, a position covered by a merged cell is blanked (its
text lives at the origin), so columns keep their positions. Without origins (text tables,
grids from extractors that only repeat text), adjacent repeated label text is collapsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .labels import fold_chars
from .model import Document, Paragraph
from .numbers import classify

_MULTI_NUM = re.compile(r"^\s*[-+]?\d[\d.,]*(?:[\s\u00a0\u3000]+[-+]?\d[\d.,]*)+\s*$")


@dataclass
class Row:
    cells: list[str]
    offset: int  # offset of this row's line in the linear text
    grid: bool = False  # column positions are reliable (a grid with origins)
    paragraph: bool = False
    table: int | None = None  # index of the table block
    owner: list[bool] | None = None  # grid only: True where the cell is a merged cell's origin
    ends: list[int] | None = None  # aligned text only: character column where each cell ends
    # how the row's cells were read (parsers/model.py CellMethod) and its 1-based page
    method: str = "stream"
    page: int | None = None

    def owned(self, start: int, end: int) -> list[str]:
        """Cells start..end that are real cells (not copies of a merged cell)."""
        if self.owner is None:
            return self.cells[start:end]
        return [c for c, o in zip(self.cells[start:end], self.owner[start:end]) if o]

    @property
    def kinds(self) -> list[str]:
        k = getattr(self, "_kinds", None)
        if k is None:
            k = [classify(c) for c in self.cells]
            self._kinds = k
        return k


def _expand_numbers(cells: list[str]) -> list[str]:
    out: list[str] = []
    for c in cells:
        if _MULTI_NUM.match(c):
            out.extend(re.split(r"[\s\u00a0\u3000]+", c.strip()))
        else:
            out.append(c)
    return out


def _collapse_repeats(cells: list[str]) -> list[str]:
    out: list[str] = []
    for c in cells:
        if out and c.strip() and c == out[-1] and classify(c) == "text":
            out.append("")
        else:
            out.append(c)
    return out


def _table_method(doc: Document, block, page: int | None) -> str:
    ocr_pages = set(doc.meta.get("ocr_pages") or [])
    if doc.source_format == "image" or (page is not None and page in ocr_pages):
        return "ocr"
    if block.method:
        return block.method
    return "grid" if block.origins is not None else "stream"


def flatten(doc: Document) -> tuple[list[Row], str]:
    rows: list[Row] = []
    lines: list[str] = []
    offset = 0
    pages = doc.meta.get("pages")
    ocr_pages = doc.meta.get("ocr_pages") or []
    # running text of a document read wholly by OCR is OCR text
    para_method = "ocr" if doc.source_format == "image" or (ocr_pages and len(ocr_pages) == pages) else "stream"
    for bi, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            for line in fold_chars(block.text or "").splitlines():
                if not line.strip():
                    continue
                rows.append(Row([line], offset, paragraph=True, method=para_method))
                lines.append(line)
                offset += len(line) + 1
            continue
        origins = block.origins
        grid = origins is not None
        for r, cells in enumerate(block.rows):
            texts = []
            owner: list[bool] = []
            for c, txt in enumerate(cells):
                txt = fold_chars(txt or "")
                own = True
                if grid:
                    try:
                        if tuple(origins[r][c]) != (r, c):  # type: ignore[index]
                            txt, own = "", False
                    except (IndexError, TypeError):
                        pass
                texts.append(txt.replace("\n", " ").strip())
                owner.append(own)
            ends = None
            if not grid:
                n = len(texts)
                texts = _collapse_repeats(_expand_numbers(texts))
                e = block.ends[r] if block.ends and r < len(block.ends) else None
                ends = list(e) if e is not None and len(e) == n == len(texts) else None
            line = "\t".join(texts)
            if not line.strip():
                continue
            rp = block.row_pages
            page = rp[r] if rp is not None and r < len(rp) else block.page
            rows.append(Row(texts, offset, grid=grid, table=bi, owner=owner if grid else None, ends=ends,
                            method=_table_method(doc, block, page), page=page))
            lines.append(line)
            offset += len(line) + 1
    return rows, "\n".join(lines)
