"""DOCX reader: raw OOXML (no entity expansion, zip-bomb limits) -> paragraphs and table grids.

Merged cells: `w:gridSpan` (horizontal) and `w:vMerge` (vertical) become repeated text over
the covered grid positions; `w:gridBefore`/`w:gridAfter` shift cells to their grid columns.
Nested tables are flattened into their cell's text. Text boxes are read once (the
`mc:Fallback` copy is skipped)."""
from __future__ import annotations

import threading
import warnings

from ..model import Document, Paragraph, Table
from ..pdf.lines import join_lines
from ..safety import MAX_SPAN, MAX_TABLE_COLUMNS, MAX_TITLE_CHARS, UnsafeDocument, check_image_pixels, open_zip_checked, parse_xml, read_member
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
        numbering = None
        if "word/numbering.xml" in names:
            styles = parse_xml(read_member(zf, "word/styles.xml")) if "word/styles.xml" in names else None
            numbering = Numbering(parse_xml(read_member(zf, "word/numbering.xml")), styles)
    except UnsafeDocument as exc:
        raise UnreadableDocument(f"unsafe DOCX: {exc}") from exc
    body = root.find(f"{{{W}}}body")
    if body is None:
        raise UnreadableDocument("DOCX has no body")
    blocks: list[Paragraph | Table] = []
    images = _ImageReader(zf, names, ocr)
    _CTX.numbering, _CTX.images = numbering, images
    try:
        _walk_body(body, blocks)
    finally:
        _CTX.numbering, _CTX.images = None, None
    doc = Document(blocks=blocks, source_format="docx", title_hint=title,
                   meta={"ocr_images": images.ocr_count, "large_images": images.large})
    if getattr(zf, "repaired", 0):
        doc.warnings.append(f"damaged DOCX: zip central directory unreadable; {zf.repaired} parts "
                            f"recovered from their local file headers")
    if images.unread:
        doc.warnings.extend(images.unread)
        if not any(isinstance(b, Table) for b in blocks):
            doc.needs_ocr = True
    return doc


A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BLIP = f"{{{A}}}blip"
_VML_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
MIN_OCR_PIXELS = 300_000  # smaller pictures are logos, seals, icons


class _ImageReader:
    """Pictures in the body (tables pasted as screenshots): OCR them in place when possible."""

    def __init__(self, zf, names, ocr: bool) -> None:
        self.zf, self.names, self.ocr = zf, names, ocr
        self.rels: dict[str, str] = {}
        self.ocr_count = 0
        self.large = 0
        self.unread: list[str] = []
        if "word/_rels/document.xml.rels" in names:
            try:
                root = parse_xml(read_member(zf, "word/_rels/document.xml.rels"))
                for rel in root:
                    target = rel.get("Target") or ""
                    if rel.get("TargetMode") == "External":
                        continue
                    path = target.lstrip("/") if target.startswith("/") else "word/" + target
                    self.rels[rel.get("Id")] = _normpath(path)
            except Exception:
                pass

    def blocks_for(self, p) -> list:
        out: list = []
        ids = [b.get(f"{{{R}}}embed") for b in p.iter(_BLIP)] + [v.get(f"{{{R}}}id") for v in p.iter(_VML_IMAGEDATA)]
        for rid in ids:
            path = self.rels.get(rid or "")
            if not path or path not in self.names:
                continue
            try:
                out.extend(self._read(path))
            except Exception as exc:  # one unreadable picture must not lose the document
                self.unread.append(f"picture {path}: {type(exc).__name__}: {exc}")
        return out

    def _read(self, path: str) -> list:
        import io as _io

        from PIL import Image

        from ..safety import MAX_IMAGE_PIXELS

        data = read_member(self.zf, path)
        Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
        try:
            with warnings.catch_warnings():  # an oversized picture is refused just below, with its size
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im = Image.open(_io.BytesIO(data))
            w, h = im.size
        except Exception:
            return []  # EMF/WMF and other vector pictures: nothing to OCR
        check_image_pixels(w, h, what=f"picture {path}")  # from the header, before decoding
        if w * h < MIN_OCR_PIXELS:
            return []
        self.large += 1
        from .. import ocr as ocr_mod

        if not (self.ocr and ocr_mod.available()):
            self.unread.append(f"picture {path} ({w}x{h}) not read: OCR {'disabled' if not self.ocr else 'unavailable'}")
            return []
        import numpy as np

        from ..pdf.document import build_blocks
        from ..pdf.layout import page_layout

        gray = np.array(im.convert("L"))
        pc = ocr_mod.ocr_image(gray, points_per_px=595.0 / max(w, 1), number=1)
        self.ocr_count += 1
        return build_blocks([page_layout(pc)])


def _normpath(path: str) -> str:
    parts: list[str] = []
    for seg in path.split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg and seg != ".":
            parts.append(seg)
    return "/".join(parts)


def _core_title(zf, names) -> str | None:
    if "docProps/core.xml" not in names:
        return None
    try:
        core = parse_xml(read_member(zf, "docProps/core.xml"))
    except Exception:
        return None
    for el in core.iter("{http://purl.org/dc/elements/1.1/}title"):
        t = (el.text or "").strip()
        return t if t and len(t) <= MAX_TITLE_CHARS else None
    return None


def _walk_body(container, blocks: list) -> None:
    for el in container:
        tag = el.tag
        if tag == _P:
            text = paragraph_text(el)
            if text.strip():
                blocks.append(Paragraph(text.strip()))
            images = getattr(_CTX, "images", None)
            if images is not None:
                blocks.extend(images.blocks_for(el))
        elif tag == _TBL:
            t = table_grid(el)
            if t is not None and any(any(x.strip() for x in row) for row in t.rows):
                blocks.append(t)
        elif tag in (_SDT, _SDTC) or tag.endswith("}customXml"):
            _walk_body(el if tag != _SDT else (el.find(_SDTC) if el.find(_SDTC) is not None else []), blocks)


def paragraph_text(p) -> str:
    out: list[str] = []
    numbering = getattr(_CTX, "numbering", None)
    if numbering is not None:
        out.append(numbering.label(p))
    _collect(p, out)
    return "".join(out)


_CTX = threading.local()  # per-thread reading context: list numbering and pictures of the document
_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographTraditional",
               "japaneseCounting", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(ch) + 0xFEE0) for ch in str(n))
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt in ("upperRoman", "lowerRoman"):
        vals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
        out, k = "", n
        for v, r in vals:
            while k >= v:
                out, k = out + r, k - v
        return out if fmt == "upperRoman" else out.lower()
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class Numbering:
    """Automatic list numbers (w:numPr) rendered as text: '一、', '（一）', '1.' are often
    list numbering in Word rather than typed characters."""

    def __init__(self, root, styles=None) -> None:
        self.style_numpr: dict[str, tuple[str | None, str | None]] = {}
        based: dict[str, str] = {}
        if styles is not None:
            for st in styles.findall(f"{{{W}}}style"):
                sid = st.get(f"{{{W}}}styleId")
                numpr = st.find(f"{{{W}}}pPr/{{{W}}}numPr")
                if numpr is not None:
                    nid = numpr.find(f"{{{W}}}numId")
                    il = numpr.find(f"{{{W}}}ilvl")
                    self.style_numpr[sid] = (nid.get(_VAL) if nid is not None else None,
                                             il.get(_VAL) if il is not None else None)
                b = st.find(f"{{{W}}}basedOn")
                if b is not None:
                    based[sid] = b.get(_VAL)
            for sid in list(based):  # inherit numbering through basedOn (a few levels)
                cur, seen = sid, set()
                while cur not in self.style_numpr and cur in based and cur not in seen:
                    seen.add(cur)
                    cur = based[cur]
                if cur in self.style_numpr and sid not in self.style_numpr:
                    self.style_numpr[sid] = self.style_numpr[cur]
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.num_to_abs: dict[str, str] = {}
        self.overrides: dict[tuple[str, int], int] = {}
        self.counters: dict[str, dict[int, int]] = {}
        for ab in root.findall(f"{{{W}}}abstractNum"):
            aid = ab.get(f"{{{W}}}abstractNumId")
            lv: dict[int, tuple[int, str, str]] = {}
            for lvl in ab.findall(f"{{{W}}}lvl"):
                try:
                    il = int(lvl.get(f"{{{W}}}ilvl", "0"))
                except ValueError:
                    continue
                start = lvl.find(f"{{{W}}}start")
                fmt = lvl.find(f"{{{W}}}numFmt")
                text = lvl.find(f"{{{W}}}lvlText")
                lv[il] = (int(start.get(_VAL, "1")) if start is not None and (start.get(_VAL) or "").isdigit() else 1,
                          fmt.get(_VAL, "decimal") if fmt is not None else "decimal",
                          text.get(_VAL, "") if text is not None else "")
            self.levels[aid] = lv
        for num in root.findall(f"{{{W}}}num"):
            nid = num.get(f"{{{W}}}numId")
            ab = num.find(f"{{{W}}}abstractNumId")
            if ab is not None:
                self.num_to_abs[nid] = ab.get(_VAL)
            for ov in num.findall(f"{{{W}}}lvlOverride"):
                so = ov.find(f"{{{W}}}startOverride")
                if so is not None and (so.get(_VAL) or "").isdigit():
                    self.overrides[(nid, int(ov.get(f"{{{W}}}ilvl", "0")))] = int(so.get(_VAL))

    def label(self, p) -> str:
        numpr = p.find(f"{{{W}}}pPr/{{{W}}}numPr")
        nid = ilvl_s = None
        if numpr is not None:
            nid_el, ilvl_el = numpr.find(f"{{{W}}}numId"), numpr.find(f"{{{W}}}ilvl")
            nid = nid_el.get(_VAL) if nid_el is not None else None
            ilvl_s = ilvl_el.get(_VAL) if ilvl_el is not None else None
        style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
        if style is not None and style.get(_VAL) in self.style_numpr:
            s_nid, s_ilvl = self.style_numpr[style.get(_VAL)]
            nid = nid or s_nid
            ilvl_s = ilvl_s or s_ilvl
        if nid in (None, "0"):
            return ""
        ilvl = int(ilvl_s) if ilvl_s and ilvl_s.isdigit() else 0
        aid = self.num_to_abs.get(nid)
        levels = self.levels.get(aid or "", {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(nid, {})
        start = self.overrides.get((nid, ilvl), levels[ilvl][0])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        text = levels[ilvl][2]
        for k in range(9):
            token = f"%{k + 1}"
            if token in text:
                st, fmt, _ = levels.get(k, (1, "decimal", ""))
                n = counters.get(k, self.overrides.get((nid, k), st))
                text = text.replace(token, _format_number(n, fmt if k == ilvl or fmt != "bullet" else "decimal"))
        if levels[ilvl][1] in ("bullet", "none"):
            return ""
        return text


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


def _children(el, tag: str):
    """Child elements with `tag`, looking through content controls and custom XML wrappers."""
    for ch in el:
        if ch.tag == tag:
            yield ch
        elif ch.tag == _SDT or (isinstance(ch.tag, str) and ch.tag.endswith("}customXml")):
            content = ch.find(_SDTC) if ch.tag == _SDT else ch
            if content is not None:
                yield from _children(content, tag)


def table_grid(tbl) -> Table | None:
    rows: list[list[RawCell]] = []
    for tr in _children(tbl, _TR):
        col = min(max(0, _int_attr(tr, f"{{{W}}}trPr/{{{W}}}gridBefore", 0)), MAX_SPAN)
        row: list[RawCell] = []
        for tc in _children(tr, _TC):
            if col >= MAX_TABLE_COLUMNS:
                break
            # spans capped while reading, before the grid is allocated
            span = min(max(1, _int_attr(tc, f"{{{W}}}tcPr/{{{W}}}gridSpan", 1)), MAX_SPAN, MAX_TABLE_COLUMNS - col)
            hm = tc.find(f"{{{W}}}tcPr/{{{W}}}hMerge")  # legacy horizontal merge
            if hm is not None and hm.get(_VAL) != "restart" and row:
                row[-1].span += span
                text = cell_text(tc)
                if text:
                    row[-1].text = join_lines([row[-1].text, text])
                col += span
                continue
            vm = tc.find(f"{{{W}}}tcPr/{{{W}}}vMerge")
            state = None
            if vm is not None:
                state = "restart" if vm.get(_VAL) == "restart" else "continue"
            row.append(RawCell(col, span, cell_text(tc), state))
            col += span
        rows.append(row)
    return build_grid(rows)
