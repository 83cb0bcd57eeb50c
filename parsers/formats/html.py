"""HTML report pages -> Document.

- charset: the HTTP Content-Type header (when given), then <meta charset> / http-equiv, then
  gb18030; bytes that are valid UTF-8 are read as UTF-8 even when labelled GBK/GB2312 (a
  common portal mislabel), and a declared charset that fails to decode falls back to gb18030;
- content container: the smallest element holding the report's section headings (一 … 六)
  and its tables, so navigation, footers and sidebars are left out;
- tables -> grids honouring rowspan/colspan (header and data rows may span differently):
  a merged cell's text is repeated in every position it covers, `origins` says which is real;
  layout tables (tables holding tables) are walked through, not read as data;
- Word-pasted markup: &nbsp;, nested <span>/<font> that split digits or labels, <br>/<p>
  inside cells (kept as line breaks in the cell text; labels are compared without them);
- the page is read from lxml's tree with a text index built in one pass (html_tree), so a
  page costs a few milliseconds and the container search is linear in the page; the reader
  was first written on BeautifulSoup and reads every page as it did (same tree, same strings),
  except that a <!DOCTYPE> is never text. `table_grid` also takes a BeautifulSoup tag.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from lxml import etree

from ..model import Document, Paragraph, Table
from ..metadata import is_report_title
from ..safety import MAX_HTML_NESTING, MAX_SPAN, MAX_TABLE_CELLS, MAX_TABLE_COLUMNS, MAX_TITLE_CHARS
from ..sections import find_headings
from . import UnreadableDocument
from .html_tree import (DROP as _DROP, PRESERVE_WHITESPACE, REMOVED, STRING_CONTAINERS, Page, collapse, context,
                        element_strings, is_element, parse_page)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
            "cp936": "gb18030", "utf8": "utf-8", "unicode": "utf-8", "big5": "big5hkscs"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "blockquote", "pre", "center", "dd", "dt", "dl", "form", "header", "footer", "tr", "caption",
          "body", "html", "main", "nav", "aside", "address", "hr", "figure"}
# wrapper tags that nest (an unclosed one stays open to the end of the page) and carry nothing
# the reader needs beyond their text; block wrappers also break lines
_INLINE_WRAPPERS = frozenset({"font", "span", "b", "i", "u", "em", "strong", "small", "big", "sup", "sub", "a",
                              "s", "strike", "ins", "del", "label", "abbr", "code", "o:p", "st1:chsdate"})
_BLOCK_WRAPPERS = frozenset({"div", "section", "article", "center", "blockquote", "main", "aside", "nav",
                             "header", "footer", "form"})
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]*)[^>]*>")


_TABLE_PARTS = frozenset({"tr", "td", "th", "tbody", "thead", "tfoot", "caption", "colgroup"})
_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.I)
MAX_TABLE_NESTING = 16  # layout tables nest a few levels; the data tables are the innermost


def _table_heights(text: str) -> dict[int, int]:
    """{offset of a <table> tag: how many levels of tables nest inside it}, in one pass."""
    heights: dict[int, int] = {}
    stack: list[list[int]] = []  # [offset, height so far]

    def close() -> None:
        start, h = stack.pop()
        heights[start] = h
        if stack:
            stack[-1][1] = max(stack[-1][1], h + 1)

    for m in _TABLE_TAG.finditer(text):
        if not m.group(1):
            stack.append([m.start(), 0])
        elif stack:
            close()
    while stack:  # tables never closed end with the page
        close()
    return heights


_TAG_PARTS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]*)([^>]*)>")  # _TAG, its attributes a group
_WRAPPERS = _INLINE_WRAPPERS | _BLOCK_WRAPPERS


def _wrappers_reach(text: str, limit: int, keep: frozenset[str]) -> bool:
    """Does a wrapper tag open `limit` wrappers deep? (flatten_nesting's count, tables aside)"""
    depth = 0
    opened: dict[str, int] = {}
    for closing, name, rest in _TAG_PARTS.findall(text):
        name = name.lower()
        if name not in _WRAPPERS or name in keep or rest.endswith("/"):
            continue
        if closing:
            if opened.get(name):
                opened[name] -= 1
                depth -= 1
        elif depth >= limit:
            return True
        else:
            opened[name] = opened.get(name, 0) + 1
            depth += 1
    return False


def flatten_nesting(text: str, limit: int = MAX_HTML_NESTING, *, keep: frozenset[str] = frozenset(),
                    tables: bool = True) -> str:
    """Excess nesting removed in one linear pass over the markup; the rest is untouched:

    - wrapper tags (<font>, <span>, <div> …) nested deeper than `limit` are dropped (a dropped
      block wrapper becomes a <br>, so its lines stay apart);
    - tables with more than MAX_TABLE_NESTING levels of tables inside them are dropped with
      their rows and cells (a row becomes a <br>): the outer layout levels go, the inner data
      tables stay.

    Pages with 100k unclosed <font> tags (Word pastes), 100k nested <div> or thousands of nested
    layout tables then build a shallow tree, and everything after parsing is linear in the page
    size. A page that never nests past the limits is returned as is.

    `keep`: wrapper tags never dropped (the crawler keeps <a> and <form>: it reads links, not text);
    `tables=False` leaves nested tables alone. The crawler reads deep pages through this function
    too (crawlers.pages), so both see the page at the same depth."""
    if text.count("<") < limit:
        return text
    heights = (_table_heights(text) if tables and text.count("<table") + text.count("<TABLE") > MAX_TABLE_NESTING
               else {})
    if not heights and not _wrappers_reach(text, limit, keep):
        return text  # nothing to drop (the common case: checked without building the output)
    depth = 0
    stacks: dict[str, list[bool]] = {}
    tables: list[bool] = []  # kept flags of the open tables
    out: list[str] = []
    pos = 0
    changed = broke = False
    for m in _TAG.finditer(text):
        name = m.group(2).lower()
        closing = bool(m.group(1))
        if name == "table" or name in _TABLE_PARTS:
            if not heights:
                continue
            if name == "table":
                if closing:
                    if not tables:
                        continue
                    kept = tables.pop()
                else:
                    kept = heights.get(m.start(), 0) < MAX_TABLE_NESTING
                    tables.append(kept)
            else:
                kept = tables[-1] if tables else True
            block = name in ("table", "tr")
        else:
            block = name in _BLOCK_WRAPPERS
            if (not block and name not in _INLINE_WRAPPERS) or name in keep:
                continue
            if m.group(0).endswith("/>"):
                continue
            stack = stacks.setdefault(name, [])
            if closing:
                if not stack:
                    continue
                kept = stack.pop()
                depth -= 1
            else:
                kept = depth < limit
                stack.append(kept)
                depth += 1
        if kept:
            continue
        between = text[pos:m.start()]
        out.append(between)
        if block and (between.strip() or not broke):
            out.append("<br>")  # one line break for a run of dropped block tags
            broke = True
        elif between.strip():
            broke = False
        if name in ("td", "th") and not closing:
            out.append(" ")
        pos = m.end()
        changed = True
    if not changed:
        return text
    out.append(text[pos:])
    return "".join(out)


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().lower()
    n = _ALIASES.get(n, n)
    try:
        "".encode(n)
    except LookupError:
        return None
    return n


# anti-bot walls served instead of the page: JS cookie challenges (加速乐 __jsl_clearance, 瑞数,
# 安全狗, 云锁, Cloudflare, 阿里云 WAF) and "verify you are human" pages
_BOT_MARKERS = re.compile(
    r"__jsl_clearance|_waf_|acw_sc__v2|yunsuo_session|safedog|cf-browser-verification|cf_chl_|challenge-platform"
    r"|checking your browser|verify you are human|请开启\s*javascript|请启用\s*javascript|安全验证|人机验证|滑动验证"
    r"|访问验证|浏览器安全检查|正在进行安全检测|\$_ts\s*=|请完成验证")   # lower case: searched in html.lower()
BOT_PAGE_MAX_TEXT = 1500  # a bot wall shows a line or two; a report page has thousands of characters


def bot_challenge(html: str, visible_text: str | None = None) -> str | None:
    """The marker of an anti-bot challenge page, or None. Judged on a short page only (a report
    that merely mentions 安全验证 is not a wall): the visible text is measured first, so a report
    page costs no search of its markup."""
    if visible_text is not None and _visible_chars_exceed(visible_text, BOT_PAGE_MAX_TEXT):
        return None
    m = _BOT_MARKERS.search(html[:200_000].lower())   # 7x faster than re.I on a page of markup
    if not m:
        return None
    if find_headings(visible_text or ""):
        return None
    return m.group(0)


def _visible_chars_exceed(text: str, limit: int) -> bool:
    """len(re.sub(r"\\s+", "", text)) > limit, reading the text only as far as it takes."""
    n = 0
    for i in range(0, len(text), 4096):
        n += len("".join(text[i:i + 4096].split()))
        if n > limit:
            return True
    return False


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, charset used)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    declared: list[str] = []
    if content_type:
        m = _CT_CHARSET.search(content_type)
        if m and _norm_charset(m.group(1)):
            declared.append(_norm_charset(m.group(1)))  # type: ignore[arg-type]
    m = _META_CHARSET.search(data[:4096])
    if m and _norm_charset(m.group(1).decode("ascii", "ignore")):
        declared.append(_norm_charset(m.group(1).decode("ascii", "ignore")))  # type: ignore[arg-type]
    # valid UTF-8 with multibyte sequences is UTF-8 whatever the label says
    try:
        text = data.decode("utf-8")
        if not data.isascii():
            return text, "utf-8"
    except UnicodeDecodeError:
        pass
    for cs in declared:
        if cs == "utf-8":
            continue
        try:
            return data.decode(cs), cs
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return data.decode(declared[0] if declared else "gb18030", errors="replace"), (declared[0] if declared else "gb18030")


_CELL_BLOCK = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
_CELL_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_LINE_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_NEWLINES = re.compile(r"[\r\n]+")
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "div", "p", "span", "td"})
_TITLE_CLASS = re.compile(r"title|tit|bt|head", re.I)


def _cell_lines(parts: list[str]) -> str:
    text = "".join(parts).replace("\u00a0", " ").replace("&nbsp;", " ")
    lines = [_CELL_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _cell_text(el: etree._Element) -> str:
    """A cell's text: <br> and paragraph-like blocks break lines, runs of spaces collapse."""
    parts: list[str] = []
    _cell_parts(el, parts)
    return _cell_lines(parts)


def _cell_parts(node: etree._Element, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for ch in node:
        tag = ch.tag
        if tag.__class__ is str and tag not in _DROP:  # not a comment, not dropped
            if tag == "br":
                parts.append("\n")
            elif tag in _CELL_BLOCK:
                parts.append("\n")
                _cell_parts(ch, parts)
                parts.append("\n")
            else:
                _cell_parts(ch, parts)
        if ch.tail:
            parts.append(ch.tail)


def _bs4_cell_text(el: Any) -> str:
    """_cell_text of a BeautifulSoup tag (parsers.formats.text reads tables in text files with bs4)."""
    from bs4 import Comment, NavigableString, Tag

    parts: list[str] = []

    def walk(node: Any) -> None:
        for ch in node.children:
            if isinstance(ch, Comment):
                continue
            if isinstance(ch, NavigableString):
                parts.append(str(ch))
            elif isinstance(ch, Tag):
                if ch.name in _DROP:
                    continue
                if ch.name == "br":
                    parts.append("\n")
                    continue
                block = ch.name in _CELL_BLOCK
                if block:
                    parts.append("\n")
                walk(ch)
                if block:
                    parts.append("\n")

    walk(el)
    return _cell_lines(parts)


def _span(el: Any, name: str) -> int:
    v = el.get(name)
    if v is None:
        return 1
    if v.__class__ is str and v.isascii() and v.isdigit():
        return max(1, min(int(v), MAX_SPAN))
    try:
        v = int(re.sub(r"[^\d]", "", str(el.get(name, "1")) or "1") or 1)
    except ValueError:
        v = 1
    return max(1, min(v, MAX_SPAN))


def _own(table: etree._Element, names: tuple[str, ...], skip: frozenset[str]) -> list[etree._Element]:
    """The `names` elements (rows, cells) of `table` itself, not of a table nested in it, in
    document order; none inside a `skip` element."""
    out = []
    for el in table.iter(*names):
        p = el.getparent()
        while p is not table:
            if p.tag == "table" or p.tag in skip:
                break
            p = p.getparent()
        else:
            out.append(el)
    return out


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def table_grid(table: Any) -> Table | None:
    """A <table> (an lxml element, or a BeautifulSoup tag) as a grid; rowspan/colspan are
    expanded, origins kept.

    Spans are capped while reading (each at MAX_SPAN, the grid at MAX_TABLE_COLUMNS columns
    and MAX_TABLE_CELLS positions), so `colspan=1000000 rowspan=65534` costs nothing."""
    if isinstance(table, etree._Element):
        return _grid(_own(table, ("tr",), frozenset()), _cells, _cell_text)
    return _grid([tr for tr in table.find_all("tr") if tr.find_parent("table") is table],
                 lambda tr: tr.find_all(["td", "th"], recursive=False), _bs4_cell_text)


def _grid(trs: list[Any], cells: Callable[[Any], list[Any]], cell_text: Callable[[Any], str]) -> Table | None:
    grid: dict[tuple[int, int], tuple[str, tuple[int, int]]] = {}
    width = 0
    max_rows = max(1, min(len(trs), MAX_TABLE_CELLS // MAX_TABLE_COLUMNS * 10))
    trs = trs[:max_rows]
    for r, tr in enumerate(trs):
        c = 0
        for td in cells(tr):
            while (r, c) in grid:
                c += 1
            if c >= MAX_TABLE_COLUMNS:
                break
            rs, cs = _span(td, "rowspan"), _span(td, "colspan")
            rs = min(rs, len(trs) - r)
            cs = min(cs, MAX_TABLE_COLUMNS - c)
            if len(grid) + rs * cs > MAX_TABLE_CELLS:
                rs = 1
                if len(grid) + cs > MAX_TABLE_CELLS:
                    break
            text = cell_text(td)
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = (text, (r, c))
            c += cs
            width = max(width, c)
        if len(grid) >= MAX_TABLE_CELLS:
            trs = trs[:r + 1]
            break
    if not trs or width == 0 or len(trs) * width > 4 * MAX_TABLE_CELLS:
        return None
    rows: list[list[str]] = []
    origins: list[list[tuple[int, int]]] = []
    for r in range(len(trs)):
        row, orow = [], []
        for c in range(width):
            text, origin = grid.get((r, c), ("", (r, c)))
            row.append(text)
            orow.append(origin)
        rows.append(row)
        origins.append(orow)
    return Table(rows=rows, origins=origins)


def _is_layout(t: Table) -> bool:
    """A table used for page layout, not data: one column, or a cell holding running text
    (a data cell never holds hundreds of characters)."""
    width = max((len(r) for r in t.rows), default=0)
    return width <= 1 or any(len(c) > 400 for r in t.rows for c in r)


def _find_container(page: Page) -> Any:
    """The deepest element that holds most of the section headings (and the tables)."""
    body = page.body if page.body is not None else page.doc
    best_count = page.heading_count(body, find_headings)
    if best_count < 2:
        return body
    node = body
    while True:
        nxt = None
        size = page.stripped_len(node)
        n_tables = page.tables[node]
        for ch in page.children(node):
            if ch.tag in _DROP:
                continue
            # the child must hold the headings AND the bulk of the content (not a table of
            # contents that merely lists the headings)
            if page.text_len(ch) < 0.5 * size or page.tables[ch] < n_tables * 0.5:
                continue
            if page.heading_count(ch, find_headings) >= best_count:
                nxt = ch
                break
        if nxt is None:
            return node
        node = nxt


def _flush(blocks: list[Paragraph | Table], buf: list[str]) -> None:
    text = "".join(buf)
    buf.clear()
    for line in text.split("\n"):
        line = _LINE_SPACES.sub(" ", line).strip()
        if line:
            blocks.append(Paragraph(line))


def _walk(node: Any, blocks: list[Paragraph | Table], buf: list[str], page: Page, pre: bool) -> None:
    pre = pre or node.tag in PRESERVE_WHITESPACE
    if node.text:
        buf.append(_NEWLINES.sub(" ", collapse(node.text, pre)))
    for ch in node:
        tag = ch.tag
        if tag.__class__ is str and tag not in _DROP:  # not a comment, not dropped
            if tag == "br":
                buf.append("\n")
            elif tag == "table":
                _flush(blocks, buf)
                t = None if page.tables[ch] else _grid(_own(ch, ("tr",), REMOVED), _cells, _cell_text)
                if t is None or _is_layout(t):  # layout table: walk its cells as content
                    for td in _own(ch, ("td", "th"), REMOVED):
                        _walk(td, blocks, buf, page, context(td)[0])
                        _flush(blocks, buf)
                else:
                    blocks.append(t)
            else:
                block = tag in _BLOCK or tag in ("td", "th")
                if block:
                    _flush(blocks, buf)
                _walk(ch, blocks, buf, page, pre)
                if block:
                    _flush(blocks, buf)
        if ch.tail:
            buf.append(_NEWLINES.sub(" ", collapse(ch.tail, pre)))
    if node.tag in _BLOCK:
        _flush(blocks, buf)


def _only_string(el: etree._Element, pre: bool) -> str | None:
    """The one string `el` holds, directly or through its one child (bs4's `.string`)."""
    pre = pre or el.tag in PRESERVE_WHITESPACE
    items: list[Any] = [collapse(el.text, pre)] if el.text else []
    for ch in el:
        if is_element(ch):
            if ch.tag not in REMOVED:
                items.append(ch)
        else:  # a comment (or processing instruction) is a string here
            items.append(collapse(ch.text or "" if ch.tag is etree.Comment else f"{ch.target} {ch.text or ''}", pre))
        if ch.tail:
            items.append(collapse(ch.tail, pre))
        if len(items) > 1:
            return None
    if len(items) != 1:
        return None
    return items[0] if isinstance(items[0], str) else _only_string(items[0], pre)


def _stripped_text(page: Page, el: etree._Element) -> str:
    """bs4's `el.get_text(" ", strip=True)`, also for an element inside the <head>."""
    if page.live(el):
        return page.stripped_text(el)
    pre, kind = context(el)
    want = el.tag if el.tag in STRING_CONTAINERS else None
    return " ".join(t for t in (s.strip() for s, k in element_strings(el, pre, kind) if k == want) if t)


def _meta(metas: list[etree._Element], names: tuple[str, ...]) -> str | None:
    for name in names:
        m = next((el for el in metas if el.get("name") == name), None)
        if m is not None and m.get("content"):
            return m.get("content").strip()
    return None


def _title_hint(page: Page, metas: list[etree._Element]) -> str | None:
    title_hint = _meta(metas, ("ArticleTitle", "articletitle", "title", "Title"))
    if not title_hint:
        title = next((el for el in page.elements if el.tag == "title"), None)
        string = _only_string(title, context(title)[0]) if title is not None else None
        if string:
            title_hint = string.strip()
    if not is_report_title(title_hint):
        # <title> names the column or site ("政府信息公开年报"): the page heading outside the
        # content container (<h1>, class="title" …) is the report title
        seen = 0
        for el in page.elements:
            if el.tag not in _TITLE_TAGS:
                continue
            seen += 1
            if seen > 4000:
                break
            if el.tag in ("div", "p", "span", "td") and not _TITLE_CLASS.search(
                    (el.get("class") or "") + " " + (el.get("id") or "")):
                continue
            if page.live(el) and page.stripped_len(el) > 80:
                continue
            cand = _stripped_text(page, el)
            if len(cand) <= 80 and is_report_title(cand):
                title_hint = cand
                break
    if title_hint and len(title_hint) > MAX_TITLE_CHARS:
        title_hint = None  # running text in a <title>/meta, not a title
    return title_hint


def read(data: bytes, *, ocr: bool = True, markdown: bool = False, content_type: str | None = None) -> Document:
    if not data or not data.strip():
        raise UnreadableDocument("empty HTML document")
    text, charset = decode_html(data, content_type)
    text = flatten_nesting(text.replace("\x00", ""))
    page = parse_page(text)
    metas = [el for el in page.elements if el.tag == "meta"]
    title_hint = _title_hint(page, metas)
    meta: dict[str, Any] = {"charset": charset}
    published = _meta(metas, ("PubDate", "pubdate", "firstpublishedtime"))
    if published is not None:
        meta["published"] = published
    # the text without the <head> (page.strings: the head is not indexed)
    marker = bot_challenge(text, page.text(page.doc))
    if marker:
        raise UnreadableDocument(f"bot challenge page (anti-bot wall, marker {marker!r}) served instead of the report")
    container = _find_container(page)
    blocks: list[Paragraph | Table] = []
    buf: list[str] = []
    _walk(container, blocks, buf, page, container is not page.doc and context(container)[0])
    if buf:
        blocks.extend(Paragraph(x.strip()) for x in "".join(buf).split("\n") if x.strip())
    if not blocks:
        raise UnreadableDocument("HTML page without text")
    return Document(blocks=blocks, source_format="html", title_hint=title_hint, meta=meta)
