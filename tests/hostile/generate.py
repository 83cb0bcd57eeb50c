"""Hostile and broken documents of the kinds portals really serve, generated in code.

Every builder returns bytes (nothing is downloaded, nothing large is committed). Realistic
content comes from the project's own seed reports (ogi/demo/data/reports/seed_*): their
narrative and truth.json rendered as a Word-pasted HTML page (ogi.demo.reports), a DOCX
(tests/fixtures/make_fixtures.build_docx) and a PDF (that DOCX through LibreOffice); the
hostile variants are made from those, so a readable variant must give the source's cells.
"""
from __future__ import annotations

import gzip
import importlib.util
import io
import os
import struct
import subprocess
import tempfile
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED = "seed_000"


# ----------------------------------------------------------------------------- sources
@lru_cache(maxsize=None)
def source(seed: str = SEED):
    from ogi.demo.reports import load_source

    return load_source(seed)


def truth(seed: str = SEED) -> dict:
    return source(seed).truth


def report_html(seed: str = SEED, *, charset: str = "utf-8", head_extra: str = "") -> str:
    """The seed report as a portal article page (Word-pasted body, TRS-like wrapper)."""
    from ogi.demo.reports import article_html

    src = source(seed)
    title = f"{src.agency}{src.year}年政府信息公开工作年度报告"
    return (f"<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">"
            f"<title>{title}</title>{head_extra}</head><body><div class=\"main\"><h1 class=\"title\">{title}</h1>"
            f"{article_html(src)}</div></body></html>")


def _make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", REPO / "tests" / "fixtures" / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def report_docx(seed: str = SEED) -> bytes:
    mf = _make_fixtures()
    src = source(seed)
    title, s1, tail = mf.narrative(src.text)
    with tempfile.TemporaryDirectory(prefix="ogi-hostile-") as tmp:
        path = Path(tmp) / "report.docx"
        mf.build_docx(path, title, s1, tail, src.truth)
        return path.read_bytes()


def soffice() -> str | None:
    return _make_fixtures().soffice()


def report_pdf(seed: str = SEED) -> bytes:
    """The seed report's DOCX converted to PDF by LibreOffice (callers skip without it)."""
    mf = _make_fixtures()
    with tempfile.TemporaryDirectory(prefix="ogi-hostile-") as tmp:
        path = Path(tmp) / "report.docx"
        path.write_bytes(report_docx(seed))
        mf.convert([path], "pdf", Path(tmp))
        return (Path(tmp) / "report.pdf").read_bytes()


# ----------------------------------------------------------------------------- zip / OOXML
def zip_bomb_docx(inflated_mb: int = 100) -> bytes:
    """A DOCX whose document part inflates to `inflated_mb` MiB of zeros (ratio ~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                fh.write(chunk)
    return buf.getvalue()


def zip_bomb_xlsx(inflated_mb: int = 100) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                fh.write(chunk)
    return buf.getvalue()


def _docx_with_document(document_xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", document_xml)
    return buf.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def entity_bomb_docx() -> bytes:
    """Billion laughs in word/document.xml."""
    ents = "".join(f'<!ENTITY e{i} "{"&e%d;" % (i - 1) * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e0 "lol">{ents}]>'
           f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&e9;</w:t></w:r></w:p></w:body></w:document>')
    return _docx_with_document(xml.encode())


def xxe_docx() -> bytes:
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>')
    return _docx_with_document(xml.encode())


def damaged_central_directory(docx: bytes) -> bytes:
    """The DOCX with its central directory and end record overwritten (a truncated or
    damaged download): only the local file headers are left intact."""
    cd = docx.rfind(b"PK\x01\x02")
    first_cd = docx.find(b"PK\x01\x02")
    assert first_cd > 0 and cd >= first_cd
    return docx[:first_cd] + b"\x00" * (len(docx) - first_cd)


def spans_docx(span: int = 1_000_000, rows: int = 2000) -> bytes:
    """A Word table whose cells claim gridSpan=`span`, in `rows` rows."""
    cell = f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>'
    row = f"<w:tr>{cell * 3}</w:tr>"
    xml = f'<w:document xmlns:w="{W_NS}"><w:body><w:tbl>{row * rows}</w:tbl></w:body></w:document>'
    return _docx_with_document(xml.encode())


def million_row_xlsx(rows: int = 1_000_000) -> bytes:
    """An XLSX whose one sheet has `rows` rows (written as raw sheet XML, streamed into the
    zip: ~30 MB of XML, ~1-2 MB compressed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    '</Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     f'<dimension ref="A1:B{rows}"/><sheetData>'.encode())
            # a block of 20k rows with varied numbers written again and again (row numbers are
            # optional in the XML): compresses like real data (~5:1), not like a zip bomb
            import random

            rng = random.Random(11)
            block = "".join(f"<row><c><v>{rng.randint(0, 10**9)}</v></c><c><v>{rng.random():.6f}</v></c></row>"
                            for _ in range(20_000)).encode()
            for _ in range(rows // 20_000):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


# ----------------------------------------------------------------------------- images
def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(width: int, height: int, *, rows_to_write: int | None = None) -> bytes:
    """A grayscale PNG of the given size, all white. Only `rows_to_write` rows of pixel data
    are stored (default: all), so a huge-dimension file stays small — a decompression bomb
    header; the deflated data of all-white rows is itself ~1000:1."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = height if rows_to_write is None else rows_to_write
    comp = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * width
    out = []
    for _ in range(rows):
        out.append(comp.compress(row))
    out.append(comp.flush())
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", b"".join(out)) + _png_chunk(b"IEND", b"")


# ----------------------------------------------------------------------------- HTML
def deep_font_html(n: int = 100_000) -> bytes:
    """The report page after a Word paste left `n` unclosed <font> tags before the body."""
    page = report_html()
    return page.replace('<div class="main">', '<div class="main">' + "<font face=宋体>" * n, 1).encode()


def deep_div_html(n: int = 100_000) -> bytes:
    page = report_html()
    return page.replace('<div class="main">', '<div class="main">' + "<div>" * n, 1).replace(
        "</body>", "</div>" * n + "</body>", 1).encode()


def deep_table_html(n: int = 20_000) -> bytes:
    """The report inside `n` nested layout tables (<table><tr><td> … the report … closers)."""
    page = report_html()
    return page.replace('<div class="main">', '<div class="main">' + "<table><tr><td>" * n, 1).replace(
        "</body>", "</td></tr></table>" * n + "</body>", 1).encode()


def span_bomb_html(cells: int = 100_000) -> bytes:
    """The report page followed by a table of `cells` cells (100 a row), every one with
    colspan=1000000 rowspan=65534 (100k cells: a 4 MB page)."""
    page = report_html()
    row = "<tr>" + '<td colspan="1000000" rowspan="65534">9</td>' * 100 + "</tr>"
    bomb = "<table>" + row * max(1, cells // 100) + "</table>"
    return page.replace("</body>", bomb + "</body>", 1).encode()


def gbk_labelled_utf8() -> bytes:
    """GBK bytes on a page whose meta says UTF-8 (charset lie)."""
    return report_html(charset="utf-8").encode("gb18030")


def utf16_html() -> bytes:
    return report_html(charset="utf-16").encode("utf-16")


def nul_bytes_html() -> bytes:
    page = report_html()
    return page.replace("<body>", "<body>\x00\x00\x00", 1).replace("</p>", "</p>\x00").encode()


def gzip_html() -> bytes:
    return gzip.compress(report_html().encode(), 6)


def mht_doc() -> bytes:
    """The report page saved by IE/Word as a web archive (MHT), then renamed .doc."""
    import base64
    import quopri

    body = quopri.encodestring(report_html(charset="gb2312").encode("gb18030")).decode("ascii")
    return ("MIME-Version: 1.0\r\n"
            "Content-Type: multipart/related; boundary=\"----=_NextPart_01D0\"; type=\"text/html\"\r\n\r\n"
            "This is a multi-part message in MIME format.\r\n\r\n"
            "------=_NextPart_01D0\r\n"
            "Content-Location: file:///C:/report.htm\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "Content-Type: text/html; charset=\"gb2312\"\r\n\r\n"
            f"{body}\r\n"
            "------=_NextPart_01D0\r\n"
            "Content-Location: file:///C:/report.files/image001.png\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Type: image/png\r\n\r\n"
            f"{base64.encodebytes(png(4, 4)).decode('ascii')}\r\n"
            "------=_NextPart_01D0--\r\n").encode("ascii")


def bot_challenge_html() -> bytes:
    """A bot-wall challenge page served instead of the report."""
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head><body>"
            "<script>var _0x=function(){document.cookie='__jsl_clearance=1';location.reload()};setTimeout(_0x,1500)</script>"
            "<noscript>请开启JavaScript并刷新该页</noscript><div>正在进行安全验证，请稍候……</div></body></html>").encode()


def counts_html(values: dict[tuple[str, str], int]) -> bytes:
    """The report page with some applications cells replaced (e.g. a negative count)."""
    import copy

    from ogi.demo.reports import article_html

    import dataclasses

    t = copy.deepcopy(source().truth)
    for (row, col), v in values.items():
        t["applications"][row][col] = v
    body = article_html(dataclasses.replace(source(), truth=t))
    page = report_html()
    start = page.index('<div class="TRS_Editor">')
    return (page[:start] + body + "</div></body></html>").encode()


# ----------------------------------------------------------------------------- PDF
def _pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF from object bodies (object i+1 = objects[i]) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, trailer_extra, xref))
    return out.getvalue()


def _stream(body: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    if compress:
        body = zlib.compress(body, 6)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(body), extra) + body + b"\nendstream"


def huge_page_pdf(content_mb: int) -> bytes:
    """One page whose content stream inflates to `content_mb` MiB (text drawn over and over,
    deflated chunk by chunk, so generating it never holds the inflated stream)."""
    comp = zlib.compressobj(9)
    unit = b"BT /F1 12 Tf 72 720 Td (ogi) Tj ET\n" * 1024
    parts = []
    reps = (content_mb * 1024 * 1024) // len(unit) + 1
    for _ in range(reps):
        parts.append(comp.compress(unit))
    parts.append(comp.flush())
    body = b"".join(parts)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                 b"/Resources << /Font << /F1 5 0 R >> >> >>",
                 stream,
                 b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def insert_pages(base: bytes, extra: bytes, at: int, copies: int = 1) -> bytes:
    """`base` with the pages of `extra` inserted before page `at` (0-based), via pdfium."""
    import pypdfium2 as pdfium

    dest = pdfium.PdfDocument(base)
    src = pdfium.PdfDocument(extra)
    try:
        for _ in range(copies):
            dest.import_pages(src, index=at)
        out = io.BytesIO()
        dest.save(out)
        return out.getvalue()
    finally:
        src.close()
        dest.close()


def blank_pages_pdf(base: bytes, n: int = 3000) -> bytes:
    """The report followed by `n` blank pages."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(base)
    try:
        for _ in range(n):
            pdf.new_page(595, 842)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


def broken_xref_pdf(base: bytes) -> bytes:
    """Every xref offset wrong and startxref pointing nowhere (a re-saved, edited file)."""
    data = bytearray(base)
    i = data.rfind(b"startxref")
    data[i:] = b"startxref\n999999999\n%%EOF\n"
    j = data.find(b"\nxref")
    if j > 0:
        k = data.find(b"trailer", j)
        section = bytes(data[j:k])
        data[j:k] = section.replace(b"0000", b"0001")  # every offset off
    return bytes(data)


def ftp_ascii_pdf(base: bytes) -> bytes:
    """What an FTP ASCII-mode transfer to Windows does: every LF becomes CRLF."""
    return base.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if b"\r\n" not in base else base.replace(b"\n", b"\r\n")


def corrupt_streams_pdf(base: bytes) -> bytes:
    """Every compressed stream's data overwritten after its first bytes (a damaged copy)."""
    import re

    out = bytearray(base)
    for m in re.finditer(rb"stream\r?\n", base):
        end = base.find(b"endstream", m.end())
        if end < 0:
            continue
        for k in range(m.end() + 2, end - 2):
            out[k] = (out[k] * 7 + 13) & 0xFF
    return bytes(out)


def password_pdf() -> bytes:
    """A PDF encrypted with the standard security handler and a user password (RC4 40-bit
    dictionary; the /U entry does not match the empty password, so no reader opens it)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            _stream(os.urandom(64), compress=False),
            b"<< /Filter /Standard /V 1 /R 2 /O <" + os.urandom(32).hex().encode() + b"> /U <"
            + os.urandom(32).hex().encode() + b"> /P -44 >>"]
    file_id = os.urandom(16).hex().encode()
    return _pdf(objs, trailer_extra=b"/Encrypt 5 0 R /ID [<" + file_id + b"> <" + file_id + b">] ")


def microprint_pdf(base: bytes, per_page: int = 400, size_pt: float = 1.0) -> bytes:
    """`base` with tiny digits (1 pt Helvetica) sprinkled over every page, table cells included
    — a security microprint pattern."""
    import ctypes
    import random

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    rng = random.Random(7)
    pdf = pdfium.PdfDocument(base)
    try:
        font = c.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
        for i in range(len(pdf)):
            page = pdf[i]
            w, h = page.get_size()
            for _ in range(per_page):
                obj = c.FPDFPageObj_CreateTextObj(pdf.raw, font, size_pt)
                wide = ctypes.create_unicode_buffer(str(rng.randint(0, 9)))  # keeps the buffer alive
                text = (ctypes.c_ushort * 2)(ord(wide.value), 0)
                c.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(c.FPDF_WCHAR)))
                c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, rng.uniform(60, w - 60), rng.uniform(60, h - 60))
                c.FPDFPage_InsertObject(page.raw, obj)
            c.FPDFPage_GenerateContent(page.raw)
            page.close()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


def run_soffice_ok() -> bool:
    exe = soffice()
    if not exe:
        return False
    try:
        subprocess.run([exe, "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
        return True
    except Exception:
        return False
