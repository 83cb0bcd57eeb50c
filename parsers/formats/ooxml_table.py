"""Grid building shared by the Word readers: rows of (start column, span, text, vertical-merge
state) -> `Table` with merged cells repeated and origins set."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Table
from ..safety import MAX_TABLE_CELLS


@dataclass
class RawCell:
    col: int  # first grid column
    span: int  # grid columns covered
    text: str
    vmerge: str | None = None  # None | "restart" | "continue"


def build_grid(rows: list[list[RawCell]]) -> Table | None:
    """A faithful grid: a horizontally merged cell repeats its text over its span, a vertically
    merged cell repeats the restart cell's text down the rows it continues into."""
    if not rows:
        return None
    width = max((c.col + c.span for row in rows for c in row), default=0)
    if width == 0:
        return None
    if width * len(rows) > MAX_TABLE_CELLS:
        rows = rows[:max(1, MAX_TABLE_CELLS // width)]  # the grid never grows past the cell cap
    grid: list[list[str]] = []
    origins: list[list[tuple[int, int]]] = []
    for r, row in enumerate(rows):
        g = [""] * width
        o = [(r, c) for c in range(width)]
        for cell in row:
            origin = (r, cell.col)
            text = cell.text
            if cell.vmerge == "continue" and r > 0:
                above = origins[r - 1][cell.col] if cell.col < width else None
                if above is not None:
                    origin = above
                    text = grid[r - 1][cell.col]
            for c in range(cell.col, min(width, cell.col + cell.span)):
                g[c] = text
                o[c] = origin
        grid.append(g)
        origins.append(o)
    return Table(rows=grid, origins=origins)
