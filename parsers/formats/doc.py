"""DOC and WPS reader (Word 97-2003 binary; WPS Office .wps files are the same format).

First choice: a pure-Python reader on olefile — the piece table gives the text, the paragraph
properties (PAPX FKPs) mark table cells and rows (sprmPFInTable/sprmPFTtp/sprmPItap), and
sprmTDefTable/sprmTVertMerge give each row's cell boundaries and merges, so tables come out as
faithful grids. Fallback: LibreOffice headless `--convert-to docx`, then the DOCX reader, when
the binary reader fails (encrypted, pre-97, no text) and soffice is installed.
"""
from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field

from ..model import Document, Paragraph, Table
from ..pdf.lines import join_lines
from . import UnreadableDocument
from .ooxml_table import RawCell, build_grid

SOFFICE_TIMEOUT_S = 90


class Word97Error(Exception):
    pass


def read(data: bytes, *, ocr: bool = True) -> Document:
    try:
        return read_word97(data)
    except Word97Error as exc:
        first_error = str(exc)
    except Exception as exc:  # a malformed binary: try LibreOffice before giving up
        first_error = f"{type(exc).__name__}: {exc}"
    doc = convert_with_libreoffice(data)
    if doc is None:
        try:  # last resort: the binary reader's text without table structure
            doc = read_word97(data, strict=False)
            doc.warnings.append(f"table structure not read ({first_error}); LibreOffice unavailable")
            return doc
        except Exception:
            pass
        raise UnreadableDocument(f"unreadable DOC/WPS ({first_error}); LibreOffice fallback unavailable or failed")
    doc.warnings.append(f"binary Word reader failed ({first_error}); read via LibreOffice")
    return doc


# ---------------------------------------------------------------- Word 97 binary
@dataclass
class _Para:
    text: str
    end: str  # "\r", "\x07", "\x0c"
    in_table: bool = False
    ttp: bool = False
    itap: int = 0
    tdef: tuple[list[int], list[tuple[int, int]]] | None = None  # centres, (horz, vert) merge per cell
    vmerge: dict[int, int] = field(default_factory=dict)


def read_word97(data: bytes, *, strict: bool = True) -> Document:
    import olefile

    if not olefile.isOleFile(io.BytesIO(data)):
        raise Word97Error("not an OLE2 compound file")
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        if not ole.exists("WordDocument"):
            raise Word97Error("no WordDocument stream (not a Word 97 file)")
        wd = ole.openstream("WordDocument").read()
        if len(wd) < 0x1AA:
            raise Word97Error("WordDocument stream too short")
        ident, nfib = struct.unpack_from("<HH", wd, 0)
        if ident != 0xA5EC:
            raise Word97Error(f"unknown Word signature 0x{ident:04X}")
        flags = struct.unpack_from("<H", wd, 0x0A)[0]
        if flags & 0x0100:
            raise Word97Error("encrypted document")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise Word97Error(f"missing {table_name} stream")
        tbl = ole.openstream(table_name).read()
        data_stream = ole.openstream("Data").read() if ole.exists("Data") else b""
    finally:
        ole.close()
    paras = _paragraphs(wd, tbl, data_stream)
    if strict and any(p.end == "\x07" for p in paras) and not any(p.in_table or p.itap for p in paras):
        raise Word97Error("table cell marks without table properties")
    blocks = _blocks(paras)
    if not blocks:
        raise Word97Error("no text found")
    return Document(blocks=blocks, source_format="doc", meta={"nfib": nfib})


def _fib_pair(wd: bytes, index: int) -> tuple[int, int]:
    csw = struct.unpack_from("<H", wd, 32)[0]
    pos = 34 + csw * 2
    cslw = struct.unpack_from("<H", wd, pos)[0]
    pos += 2 + cslw * 4
    cb = struct.unpack_from("<H", wd, pos)[0]
    if index >= cb:
        raise Word97Error("FIB too short")
    return struct.unpack_from("<II", wd, pos + 2 + index * 8)


def _ccp_text(wd: bytes) -> int:
    csw = struct.unpack_from("<H", wd, 32)[0]
    pos = 34 + csw * 2 + 2
    return struct.unpack_from("<i", wd, pos + 3 * 4)[0]


def _pieces(wd: bytes, tbl: bytes) -> list[tuple[int, int, int, bool]]:
    """(cp_start, cp_end, fc, compressed) of the piece table."""
    fc, lcb = _fib_pair(wd, 33)
    clx = tbl[fc:fc + lcb]
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc
        cb = struct.unpack_from("<h", clx, i + 1)[0]
        i += 3 + cb
    if i >= len(clx) or clx[i] != 0x02:
        raise Word97Error("no piece table")
    lcb_pcd = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + lcb_pcd]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    for k in range(n):
        fc_raw = struct.unpack_from("<I", plc, 4 * (n + 1) + k * 8 + 2)[0]
        compressed = bool(fc_raw & 0x40000000)
        fcv = fc_raw & 0x3FFFFFFF
        out.append((cps[k], cps[k + 1], fcv // 2 if compressed else fcv, compressed))
    return out


def _papx_runs(wd: bytes, tbl: bytes) -> list[tuple[int, int, bytes]]:
    """(fc_start, fc_end, grpprl) of every paragraph run in the PAPX FKPs."""
    fc, lcb = _fib_pair(wd, 13)
    plc = tbl[fc:fc + lcb]
    if len(plc) < 12:
        return []
    n = (len(plc) - 4) // 8
    pns = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1))
    runs = []
    for pn in pns:
        page = wd[(pn & 0x3FFFFF) * 512:(pn & 0x3FFFFF) * 512 + 512]
        if len(page) < 512:
            continue
        crun = page[511]
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for k in range(crun):
            boff = page[4 * (crun + 1) + k * 13] * 2
            grpprl = b""
            if boff:
                cb = page[boff]
                if cb == 0:
                    size = page[boff + 1] * 2
                    start = boff + 2
                else:
                    size = cb * 2 - 1
                    start = boff + 1
                grpprl = page[start + 2:start + size]  # skip istd
            runs.append((fcs[k], fcs[k + 1], grpprl))
    runs.sort()
    return runs


_SPRM_SIZES = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}


def _sprms(grpprl: bytes):
    i = 0
    while i + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, i)[0]
        i += 2
        spra = sprm >> 13
        if spra == 6:
            if sprm in (0xD608, 0xD606):  # sprmTDefTable(10): 2-byte length
                if i + 2 > len(grpprl):
                    return
                cb = struct.unpack_from("<H", grpprl, i)[0]
                operand = grpprl[i + 2:i + 1 + cb]
                i += 1 + cb
            elif sprm == 0xC615:  # sprmPChgTabs
                cb = grpprl[i] if i < len(grpprl) else 0
                operand = grpprl[i + 1:i + 1 + cb]
                i += 1 + cb
            else:
                cb = grpprl[i] if i < len(grpprl) else 0
                operand = grpprl[i + 1:i + 1 + cb]
                i += 1 + cb
        else:
            size = _SPRM_SIZES[spra]
            operand = grpprl[i:i + size]
            i += size
        yield sprm, operand


def _apply_sprms(p: _Para, grpprl: bytes, data_stream: bytes = b"", depth: int = 0) -> None:
    for sprm, op in _sprms(grpprl):
        if sprm == 0x6646 and len(op) >= 4 and depth == 0:  # sprmPHugePapx: grpprl in the Data stream
            off = struct.unpack_from("<I", op, 0)[0]
            if off + 2 <= len(data_stream):
                cb = struct.unpack_from("<H", data_stream, off)[0]
                _apply_sprms(p, data_stream[off + 2:off + 2 + cb], data_stream, depth + 1)
        elif sprm == 0x2416 and op:
            p.in_table = bool(op[0])
        elif sprm == 0x2417 and op:
            p.ttp = bool(op[0])
        elif sprm == 0x6649 and len(op) >= 4:
            p.itap = struct.unpack_from("<i", op, 0)[0]
            p.in_table = p.in_table or p.itap > 0
        elif sprm == 0x244B and op and op[0]:  # sprmPFInnerTtp
            p.ttp = False
            p.itap = max(p.itap, 2)
        elif sprm == 0xD608 and op:
            itc = op[0]
            if len(op) >= 1 + 2 * (itc + 1):
                centres = list(struct.unpack_from(f"<{itc + 1}h", op, 1))
                merges = []
                base = 1 + 2 * (itc + 1)
                for k in range(itc):
                    off = base + 20 * k
                    if off + 2 <= len(op):
                        grf = struct.unpack_from("<H", op, off)[0]
                        merges.append((grf & 0x3, (grf >> 5) & 0x3))
                    else:
                        merges.append((0, 0))
                p.tdef = (centres, merges)
        elif sprm == 0xD62B and len(op) >= 2:
            p.vmerge[op[0]] = op[1]


def _paragraphs(wd: bytes, tbl: bytes, data_stream: bytes = b"") -> list[_Para]:
    ccp = _ccp_text(wd)
    chars: list[str] = []
    fcs: list[int] = []
    for cp0, cp1, fc, compressed in _pieces(wd, tbl):
        if cp0 >= ccp:
            break
        cp1 = min(cp1, ccp)
        n = cp1 - cp0
        if compressed:
            raw = wd[fc:fc + n]
            chars.extend(raw.decode("cp1252", "replace"))
            fcs.extend(range(fc, fc + len(raw)))
        else:
            raw = wd[fc:fc + 2 * n]
            chars.extend(raw.decode("utf-16-le", "replace"))
            fcs.extend(range(fc, fc + len(raw), 2))
    runs = _papx_runs(wd, tbl)
    starts = [r[0] for r in runs]
    import bisect

    paras: list[_Para] = []
    buf: list[str] = []
    field_stack: list[str] = []  # "instr" | "result"
    for ch, fc in zip(chars, fcs):
        if ch == "\x13":
            field_stack.append("instr")
            continue
        if ch == "\x14":
            if field_stack:
                field_stack[-1] = "result"
            continue
        if ch == "\x15":
            if field_stack:
                field_stack.pop()
            continue
        if field_stack and field_stack[-1] == "instr":
            continue
        if ch in "\r\x07\x0c":
            p = _Para(_clean("".join(buf)), ch)
            k = bisect.bisect_right(starts, fc) - 1
            if 0 <= k < len(runs) and runs[k][0] <= fc < runs[k][1]:
                _apply_sprms(p, runs[k][2], data_stream)
            paras.append(p)
            buf = []
            continue
        buf.append(ch)
    if buf:
        paras.append(_Para(_clean("".join(buf)), "\r"))
    return paras


_DROP = dict.fromkeys(map(ord, "\x01\x02\x03\x04\x05\x06\x08\x1f"), None)


def _clean(text: str) -> str:
    return text.translate(_DROP).replace("\x0b", "\n").replace("\x1e", "-").replace("\xa0", " ")


def _blocks(paras: list[_Para]) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    rows: list[tuple[list[str], _Para]] = []
    cells: list[str] = []
    cell_parts: list[str] = []

    def flush_table() -> None:
        nonlocal rows
        if rows:
            t = _grid(rows)
            if t is not None:
                blocks.append(t)
        rows = []

    for p in paras:
        if p.in_table or p.itap > 0:
            if p.itap > 1:  # nested table: its text joins the outer cell
                if p.text.strip():
                    cell_parts.append(p.text)
                continue
            if p.ttp:
                rows.append((cells, p))
                cells, cell_parts = [], []
                continue
            cell_parts.append(p.text)
            if p.end == "\x07":
                cells.append(join_lines([x.replace("\n", "") for x in cell_parts]))
                cell_parts = []
            continue
        if cells or cell_parts:  # a row without its row-end mark
            if cell_parts:
                cells.append(join_lines(cell_parts))
            rows.append((cells, _Para("", "\x07")))
            cells, cell_parts = [], []
        flush_table()
        if p.text.strip():
            blocks.append(Paragraph(p.text.strip()))
    if cells:
        rows.append((cells, _Para("", "\x07")))
    flush_table()
    return blocks


def _grid(rows: list[tuple[list[str], _Para]]) -> Table | None:
    """Rows of cell texts + each row's table definition -> grid with merged cells."""
    bounds = sorted({x for _c, p in rows if p.tdef for x in p.tdef[0]})
    cols: list[int] = []
    for x in bounds:  # cluster boundaries closer than 30 twips
        if cols and x - cols[-1] < 30:
            continue
        cols.append(x)

    def col_of(x: int) -> int:
        return min(range(len(cols)), key=lambda i: abs(cols[i] - x))

    raw_rows: list[list[RawCell]] = []
    for texts, p in rows:
        row: list[RawCell] = []
        if p.tdef and len(cols) > 1:
            centres, merges = p.tdef
            for i, text in enumerate(texts):
                if i + 1 >= len(centres):
                    row.append(RawCell(row[-1].col + row[-1].span if row else 0, 1, text))
                    continue
                c0, c1 = col_of(centres[i]), col_of(centres[i + 1])
                horz, vert = merges[i] if i < len(merges) else (0, 0)
                vert = p.vmerge.get(i, vert)
                if horz in (2, 3) and row:  # merged into the previous cell
                    prev = row[-1]
                    prev.span = max(prev.span, c1 - prev.col)
                    if text.strip():
                        prev.text = join_lines([prev.text, text])
                    continue
                state = "restart" if vert == 3 else ("continue" if vert == 1 else None)
                row.append(RawCell(c0, max(1, c1 - c0), text, state))
        else:
            for i, text in enumerate(texts):
                row.append(RawCell(i, 1, text))
        raw_rows.append(row)
    return build_grid(raw_rows)


# ---------------------------------------------------------------- LibreOffice fallback
def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(data: bytes, timeout_s: int = SOFFICE_TIMEOUT_S) -> Document | None:
    exe = soffice_path()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ogi-doc-") as tmp:
        src = os.path.join(tmp, "in.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        env = dict(os.environ, HOME=tmp)
        try:
            subprocess.run([exe, "--headless", "--norestore", "--nologo", f"-env:UserInstallation=file://{tmp}/u",
                            "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, src],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout_s, check=False, start_new_session=True)
        except (subprocess.TimeoutExpired, OSError):
            return None
        out = os.path.join(tmp, "in.docx")
        if not os.path.exists(out):
            return None
        from . import docx

        with open(out, "rb") as fh:
            doc = docx.read(fh.read())
    doc.source_format = "doc"
    return doc
