"""XLS (xlrd) and XLSX (openpyxl) reader: each sheet -> paragraphs for lone text rows and
table grids for the rest, merged ranges repeated over the cells they cover."""
from __future__ import annotations

import datetime as _dt
import io

from ..model import Document, Paragraph, Table
from ..safety import MAX_SHEET_CELLS, MAX_SHEET_ROWS, UnsafeDocument, open_zip_checked
from . import UnreadableDocument

MAX_CELLS = MAX_SHEET_CELLS


def read(data: bytes, *, ocr: bool = True) -> Document:
    if data[:4] == b"PK\x03\x04":
        sheets = _xlsx_sheets(data)
        fmt = "xlsx"
    else:
        sheets = _xls_sheets(data)
        fmt = "xls"
    blocks: list[Paragraph | Table] = []
    for name, grid, merges in sheets:
        blocks.extend(sheet_blocks(grid, merges))
    return Document(blocks=blocks, source_format=fmt, meta={"sheets": [s[0] for s in sheets]})


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return repr(round(v, 10)).rstrip("0").rstrip(".") if "e" not in repr(v) else str(v)
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return str(v).strip()


def _xlsx_sheets(data: bytes):
    try:
        zf = open_zip_checked(data)
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                check_sheet_size(zf, name)
    except UnsafeDocument as exc:
        raise UnreadableDocument(f"unsafe XLSX: {exc}") from exc
    import openpyxl  # uses defusedxml when installed (it is a dependency)

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except Exception as exc:
        raise UnreadableDocument(f"unreadable XLSX: {type(exc).__name__}: {exc}") from exc
    out = []
    for ws in wb.worksheets:
        if ws.max_row * ws.max_column > MAX_CELLS:
            raise UnreadableDocument(f"sheet {ws.title!r} too large")
        grid = [[_fmt(c.value) for c in row] for row in ws.iter_rows()]
        merges = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges]
        out.append((ws.title, grid, merges))
    return out


def check_sheet_size(zf, name: str) -> tuple[int, int]:
    """(rows, cells) of one worksheet part, counted by streaming its XML in chunks — before
    any spreadsheet library loads it; raises UnsafeDocument past MAX_SHEET_ROWS/MAX_SHEET_CELLS
    (a 1M-row sheet is refused after reading MAX_SHEET_ROWS rows' worth of XML)."""
    rows = cells = 0
    tail = b""
    with zf.open(name) as fh:
        while True:
            chunk = fh.read(1024 * 1024)
            if not chunk:
                break
            buf = tail + chunk
            rows += buf.count(b"<row ") + buf.count(b"<row>")
            cells += buf.count(b"<c ") + buf.count(b"<c>")
            tail = buf[-5:]
            # a tag cut by the chunk boundary is counted in the next round: discount it here
            rows -= tail.count(b"<row ") + tail.count(b"<row>")
            cells -= tail.count(b"<c ") + tail.count(b"<c>")
            if rows > MAX_SHEET_ROWS:
                raise UnsafeDocument(f"sheet part {name!r} has more than {MAX_SHEET_ROWS} rows (a report sheet has a few hundred)")
            if cells > MAX_SHEET_CELLS:
                raise UnsafeDocument(f"sheet part {name!r} has more than {MAX_SHEET_CELLS} cells")
    return rows, cells


# a BIFF workbook is loaded whole by xlrd: refuse one far larger than any report workbook
# (a few hundred KB) before it is loaded; ~16 bytes a cell record
MAX_XLS_BYTES = 16 * MAX_SHEET_CELLS


def _xls_sheets(data: bytes):
    import xlrd

    if len(data) > MAX_XLS_BYTES:
        raise UnreadableDocument(f"unsafe XLS: workbook is {len(data)} bytes (limit {MAX_XLS_BYTES}); "
                                 f"a report workbook is a few hundred KB")

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:
        try:
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
        except Exception as exc:
            raise UnreadableDocument(f"unreadable XLS: {type(exc).__name__}: {exc}") from exc
    out = []
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        if sh.nrows * sh.ncols > MAX_CELLS:
            raise UnreadableDocument(f"sheet {sh.name!r} too large")
        grid = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                v = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                    except Exception:
                        pass
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    v = None
                row.append(_fmt(v))
            grid.append(row)
        out.append((sh.name, grid, list(getattr(sh, "merged_cells", []) or [])))
    return out


def sheet_blocks(grid: list[list[str]], merges) -> list[Paragraph | Table]:
    """Fill merged ranges, trim empty margins, split lone text rows off as paragraphs."""
    if not grid:
        return []
    width = max((len(r) for r in grid), default=0)
    rows = [list(r) + [""] * (width - len(r)) for r in grid]
    origins = [[(r, c) for c in range(width)] for r in range(len(rows))]
    for r0, r1, c0, c1 in merges:
        if r0 >= len(rows) or c0 >= width:
            continue
        text = rows[r0][c0]
        for r in range(r0, min(r1, len(rows))):
            for c in range(c0, min(c1, width)):
                rows[r][c] = text
                origins[r][c] = (r0, c0)
    used_cols = [c for c in range(width) if any(rows[r][c].strip() for r in range(len(rows)))]
    if not used_cols:
        return []
    c_lo, c_hi = used_cols[0], used_cols[-1] + 1
    blocks: list[Paragraph | Table] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            t_rows = [rows[r][c_lo:c_hi] for r in run]
            r_index = {r: i for i, r in enumerate(run)}
            t_orig = []
            for r in run:
                orow = []
                for c in range(c_lo, c_hi):
                    o_r, o_c = origins[r][c]
                    orow.append((r_index.get(o_r, r_index[r]), max(0, o_c - c_lo)))
                t_orig.append(orow)
            blocks.append(Table(rows=t_rows, origins=t_orig))
            run.clear()

    for r in range(len(rows)):
        cells = rows[r][c_lo:c_hi]
        distinct = {origins[r][c] for c in range(c_lo, c_hi) if rows[r][c].strip()}
        if not distinct:
            flush()
            continue
        if len(distinct) == 1 and (c_hi - c_lo > 1):
            only = next(x for x in cells if x.strip())
            spans_all = all(x == only for x in cells)
            if spans_all or len(only) > 20:
                flush()
                blocks.append(Paragraph(only))
                continue
        run.append(r)
    flush()
    return blocks
