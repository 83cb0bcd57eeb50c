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
  inside cells (kept as line breaks in the cell text; labels are compared without them).
"""
from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ..model import Document, Paragraph, Table
from ..metadata import is_report_title
from ..safety import MAX_HTML_NESTING, MAX_SPAN, MAX_TABLE_CELLS, MAX_TABLE_COLUMNS, MAX_TITLE_CHARS
from ..sections import find_headings
from . import UnreadableDocument

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
            "cp936": "gb18030", "utf8": "utf-8", "unicode": "utf-8", "big5": "big5hkscs"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "blockquote", "pre", "center", "dd", "dt", "dl", "form", "header", "footer", "tr", "caption",
          "body", "html", "main", "nav", "aside", "address", "hr", "figure"}
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "select", "option", "button", "svg",
         "head", "textarea")
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
    r"|访问验证|浏览器安全检查|正在进行安全检测|\$_ts\s*=|请完成验证", re.I)
BOT_PAGE_MAX_TEXT = 1500  # a bot wall shows a line or two; a report page has thousands of characters


def bot_challenge(html: str, visible_text: str | None = None) -> str | None:
    """The marker of an anti-bot challenge page, or None. Judged on a short page only (a report
    that merely mentions 安全验证 is not a wall)."""
    m = _BOT_MARKERS.search(html[:200_000])
    if not m:
        return None
    if visible_text is not None and len(re.sub(r"\s+", "", visible_text)) > BOT_PAGE_MAX_TEXT:
        return None
    if find_headings(visible_text or ""):
        return None
    return m.group(0)


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


def _cell_text(el: Tag) -> str:
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
                block = ch.name in ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6")
                if block:
                    parts.append("\n")
                walk(ch)
                if block:
                    parts.append("\n")

    walk(el)
    text = "".join(parts).replace("\u00a0", " ").replace("&nbsp;", " ")
    lines = [re.sub(r"[ \t\r\f\v\u3000]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _span(el: Tag, name: str) -> int:
    try:
        v = int(re.sub(r"[^\d]", "", str(el.get(name, "1")) or "1") or 1)
    except ValueError:
        v = 1
    return max(1, min(v, MAX_SPAN))


def _own_rows(table: Tag) -> list[Tag]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            rows.append(tr)
    return rows


def table_grid(table: Tag) -> Table | None:
    """A <table> as a grid; rowspan/colspan are expanded, origins kept.

    Spans are capped while reading (each at MAX_SPAN, the grid at MAX_TABLE_COLUMNS columns
    and MAX_TABLE_CELLS positions), so `colspan=1000000 rowspan=65534` costs nothing."""
    trs = _own_rows(table)
    grid: dict[tuple[int, int], tuple[str, tuple[int, int]]] = {}
    width = 0
    max_rows = max(1, min(len(trs), MAX_TABLE_CELLS // MAX_TABLE_COLUMNS * 10))
    trs = trs[:max_rows]
    for r, tr in enumerate(trs):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
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
            text = _cell_text(td)
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


def _find_container(soup: BeautifulSoup) -> Tag:
    """The deepest element that holds most of the section headings (and the tables)."""
    body = soup.body or soup
    best: Tag = body  # type: ignore[assignment]
    best_count = len(find_headings(body.get_text(" ")))
    if best_count < 2:
        return best
    node = best
    while True:
        nxt = None
        size = len(node.get_text(" ", strip=True))
        n_tables = len(node.find_all("table"))
        for ch in node.find_all(True, recursive=False):
            if ch.name in _DROP:
                continue
            text = ch.get_text(" ")
            # the child must hold the headings AND the bulk of the content (not a table of
            # contents that merely lists the headings)
            if len(text.strip()) < 0.5 * size or len(ch.find_all("table")) < n_tables * 0.5:
                continue
            if len(find_headings(text)) >= best_count:
                nxt = ch
                break
        if nxt is None:
            return node
        node = nxt


def _walk(node: Tag, blocks: list[Paragraph | Table], buf: list[str]) -> None:
    def flush() -> None:
        text = "".join(buf)
        buf.clear()
        for line in text.split("\n"):
            line = re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", line).strip()
            if line:
                blocks.append(Paragraph(line))

    for ch in node.children:
        if isinstance(ch, Comment):
            continue
        if isinstance(ch, NavigableString):
            buf.append(re.sub(r"[\r\n]+", " ", str(ch)))
            continue
        if not isinstance(ch, Tag) or ch.name in _DROP:
            continue
        if ch.name == "br":
            buf.append("\n")
            continue
        if ch.name == "table":
            flush()
            t = None if ch.find("table") else table_grid(ch)
            if t is None or _is_layout(t):  # layout table: walk its cells as content
                for td in ch.find_all(["td", "th"]):
                    if td.find_parent("table") is ch:
                        _walk(td, blocks, buf)
                        flush()
                continue
            blocks.append(t)
            continue
        block = ch.name in _BLOCK or ch.name in ("td", "th")
        if block:
            flush()
        _walk(ch, blocks, buf)
        if block:
            flush()
    if node.name in _BLOCK:
        flush()


def read(data: bytes, *, ocr: bool = True, markdown: bool = False, content_type: str | None = None) -> Document:
    if not data or not data.strip():
        raise UnreadableDocument("empty HTML document")
    text, charset = decode_html(data, content_type)
    text = flatten_nesting(text.replace("\x00", ""))
    soup = BeautifulSoup(text, "lxml")
    for el in soup.find_all(_DROP):
        if el.name != "head":
            el.decompose()
    title_hint = None
    for name in ("ArticleTitle", "articletitle", "title", "Title"):
        m = soup.find("meta", attrs={"name": name})
        if m and m.get("content"):
            title_hint = str(m["content"]).strip()
            break
    if not title_hint and soup.title and soup.title.string:
        title_hint = soup.title.string.strip()
    if not is_report_title(title_hint):
        # <title> names the column or site ("政府信息公开年报"): the page heading outside the
        # content container (<h1>, class="title" …) is the report title
        for el in soup.find_all(["h1", "h2", "h3", "div", "p", "span", "td"], limit=4000):
            if el.name in ("div", "p", "span", "td") and not re.search(
                    r"title|tit|bt|head", " ".join(el.get("class") or []) + " " + str(el.get("id") or ""), re.I):
                continue
            cand = el.get_text(" ", strip=True)
            if len(cand) <= 80 and is_report_title(cand):
                title_hint = cand
                break
    if title_hint and len(title_hint) > MAX_TITLE_CHARS:
        title_hint = None  # running text in a <title>/meta, not a title
    meta: dict[str, Any] = {"charset": charset}
    for name in ("PubDate", "pubdate", "firstpublishedtime"):
        m = soup.find("meta", attrs={"name": name})
        if m and m.get("content"):
            meta["published"] = str(m["content"]).strip()
            break
    if soup.head:
        soup.head.decompose()
    marker = bot_challenge(text, soup.get_text(" "))
    if marker:
        raise UnreadableDocument(f"bot challenge page (anti-bot wall, marker {marker!r}) served instead of the report")
    container = _find_container(soup)
    blocks: list[Paragraph | Table] = []
    buf: list[str] = []
    _walk(container, blocks, buf)
    if buf:
        blocks.extend(Paragraph(x.strip()) for x in "".join(buf).split("\n") if x.strip())
    if not blocks:
        raise UnreadableDocument("HTML page without text")
    return Document(blocks=blocks, source_format="html", title_hint=title_hint, meta=meta)
