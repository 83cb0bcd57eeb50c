"""DOCX reader: raw OOXML (no entity expansion, zip-bomb limits) -> paragraphs and table grids.

Merged cells: `w:gridSpan` (horizontal) and `w:vMerge` (vertical) become repeated text over
the covered grid positions; `w:gridBefore`/`w:gridAfter` shift cells to their grid columns.
Nested tables are flattened into their cell's text. Text boxes are read once (the
`mc:Fallback` copy is skipped)."""
from __future__ import annotations

from ..model import Document, Paragraph, Table
from ..pdf.lines import join_lines
from ..safety import UnsafeDocument, open_zip_checked, parse_xml, read_member
from . import UnreadableDocument
from .ooxml_table import RawCell, build_grid

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _T, _TAB, _BR, _CR = (f"{{{W}}}{n}" for n in ("p", "tbl", "tr", "tc", "t", "tab", "br", "cr"))
_SDT, _SDTC, _FALLBACK = f"{{{W}}}sdt", f"{{{W}}}sdtContent", f"{{{MC}}}Fallback"
_VAL = f"{{{W}}}val"


def read(data: bytes, *, ocr: bool = True) -> Document:
    try:
        zf = open_zip_checked(data)
        names = set(zf.namelist())
        main = "word/document.xml"
        if main not in names:
            cand = [n for n in names if n.startswith("word/document") and n.endswith(".xml")]
            if not cand:
                raise UnreadableDocument("DOCX has no word/document.xml")
            main = cand[0]
        root = parse_xml(read_member(zf, main))
        title = _core_title(zf, names)
    except UnsafeDocument as exc:
        raise UnreadableDocument(f"unsafe DOCX: {exc}") from exc
    body = root.find(f"{{{W}}}body")
    if body is None:
        raise UnreadableDocument("DOCX has no body")
    blocks: list[Paragraph | Table] = []
    _walk_body(body, blocks)
    return Document(blocks=blocks, source_format="docx", title_hint=title, meta={})


def _core_title(zf, names) -> str | None:
    if "docProps/core.xml" not in names:
        return None
    try:
        core = parse_xml(read_member(zf, "docProps/core.xml"))
    except Exception:
        return None
    for el in core.iter("{http://purl.org/dc/elements/1.1/}title"):
        t = (el.text or "").strip()
        return t or None
    return None


def _walk_body(container, blocks: list) -> None:
    for el in container:
        tag = el.tag
        if tag == _P:
            text = paragraph_text(el)
            if text.strip():
                blocks.append(Paragraph(text.strip()))
        elif tag == _TBL:
            t = table_grid(el)
            if t is not None and any(any(x.strip() for x in row) for row in t.rows):
                blocks.append(t)
        elif tag in (_SDT, _SDTC) or tag.endswith("}customXml"):
            _walk_body(el if tag != _SDT else (el.find(_SDTC) if el.find(_SDTC) is not None else []), blocks)


def paragraph_text(p) -> str:
    out: list[str] = []
    _collect(p, out)
    return "".join(out)


def _collect(el, out: list[str]) -> None:
    for ch in el:
        tag = ch.tag
        if not isinstance(tag, str):
            continue
        if tag == _T:
            out.append(ch.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag in (_BR, _CR):
            out.append("\n")
        elif tag == _FALLBACK or tag.endswith("}delText") or tag.endswith("}instrText"):
            continue
        elif tag == _P and out:
            out.append("\n")
            _collect(ch, out)
        else:
            _collect(ch, out)


def cell_text(tc) -> str:
    parts: list[str] = []
    for el in tc:
        if el.tag == _P:
            parts.append(paragraph_text(el))
        elif el.tag == _TBL:
            t = table_grid(el)
            if t is not None:
                parts.extend(" ".join(dict.fromkeys(x for x in row if x)) for row in t.rows)
        elif el.tag in (_SDT, _SDTC):
            parts.append(cell_text(el.find(_SDTC) if el.tag == _SDT and el.find(_SDTC) is not None else el))
    return join_lines([p.replace("\n", "") for p in parts])


def _int_attr(el, path: str, default: int) -> int:
    node = el.find(path)
    if node is None:
        return default
    try:
        return int(node.get(_VAL, default))
    except (TypeError, ValueError):
        return default


def _cells_of(tr):
    for el in tr:
        if el.tag == _TC:
            yield el
        elif el.tag == _SDT or el.tag.endswith("}customXml"):
            content = el.find(_SDTC) if el.tag == _SDT else el
            if content is not None:
                yield from _cells_of(content)


def _rows_of(tbl):
    for el in tbl:
        if el.tag == _TR:
            yield el
        elif el.tag == _SDT or el.tag.endswith("}customXml"):
            content = el.find(_SDTC) if el.tag == _SDT else el
            if content is not None:
                yield from _rows_of(content)


def table_grid(tbl) -> Table | None:
    rows: list[list[RawCell]] = []
    for tr in _rows_of(tbl):
        col = _int_attr(tr, f"{{{W}}}trPr/{{{W}}}gridBefore", 0)
        row: list[RawCell] = []
        for tc in _cells_of(tr):
            span = max(1, _int_attr(tc, f"{{{W}}}tcPr/{{{W}}}gridSpan", 1))
            vm = tc.find(f"{{{W}}}tcPr/{{{W}}}vMerge")
            state = None
            if vm is not None:
                state = "restart" if vm.get(_VAL) == "restart" else "continue"
            row.append(RawCell(col, span, cell_text(tc), state))
            col += span
        rows.append(row)
    return build_grid(rows)
