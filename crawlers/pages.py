"""Reading a fetched page: links (with full titles), page title, text, date, attachments.

Works on `parsel.Selector`s so it is testable on saved HTML without a crawl.
"""
from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse
from scrapy.responsetypes import responsetypes

from crawlers.recognition import squash
from parsers.formats.html import bot_challenge, flatten_nesting
from parsers.safety import MAX_HTML_NESTING, UnsafeDocument, inflate_capped
from parsers.titles import is_org_name

ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|rtf|ofd|zip|rar|jpe?g|png)$", re.IGNORECASE)
DOWNLOAD_HINT = re.compile(r"(downfile|download|DownloadAttach|getfile|attach|fujian|/P0\d{10,})", re.IGNORECASE)
_JS_URL = re.compile(r"""(?:window\.open|location\.href\s*=|location\s*=|openFile|downLoad\w*|download\w*)\s*\(?\s*['"]([^'"]+)['"]""",
                     re.IGNORECASE)
_WS = re.compile(r"\s+")
_DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_DATE_LABEL = re.compile(r"(?:发布时间|发布日期|公开日期|成文日期|日期|时间)\s*[:：]?\s*((?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2})")
_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/|/((?:19|20)\d{2})(\d{2})(\d{2})/")


class UnreadablePage(Exception):
    """A fetched page the crawler cannot read (a damaged or oversized gzip body …); the message says why."""


GZIP_MAGIC = b"\x1f\x8b"


def readable_response(response):
    """The response as the crawler reads it — the same markup `ogi parse` reads:

    * a gzip body served without Content-Encoding is inflated (under the parsers' size cap) and
      typed again from its own bytes;
    * HTML nested deeper than lxml reads (libxml2 stops at depth 256, 2048 with huge_tree, and the
      rest of the page — its links, its title — is lost: 100k unclosed <font> from a Word paste,
      100k nested <div>) is flattened (`flatten_wrappers`) to the depth the parsers read it at.
    Unchanged pages come back as the same object."""
    body = response.body
    if body[:2] == GZIP_MAGIC:
        try:
            data = inflate_capped(body)
        except UnsafeDocument as exc:
            raise UnreadablePage(f"gzip body served without Content-Encoding: {exc}") from exc
        except (zlib.error, EOFError, ValueError) as exc:
            raise UnreadablePage(f"damaged gzip body served without Content-Encoding: {exc}") from exc
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        headers = None if ("gzip" in ctype or "octet-stream" in ctype or not ctype) else response.headers
        cls = responsetypes.from_args(headers=headers, url=response.url, body=data)
        extra = {"encoding": None} if issubclass(cls, TextResponse) else {}   # decode the inflated bytes afresh
        response = response.replace(cls=cls, body=data, **extra)
    if isinstance(response, HtmlResponse) and _deep(response):
        text = response.text
        flat = flatten_wrappers(text)
        if flat is not text:
            response = response.replace(body=flat.encode("utf-8"), encoding="utf-8")
    return response


_DEEP = "boolean(" + "/*" * 200 + ")"   # one C-level walk, level by level: ~1 ms on a 5,000-row listing


def _deep(response) -> bool:
    """Does lxml's tree of the page reach a depth where its reading may have stopped? (the tree is
    the one the crawler reads anyway: `response.selector` is cached)"""
    if response.body.count(b"<") < 200:
        return False
    root = response.selector.root
    try:
        return bool(xpath(root, _DEEP))
    except Exception:  # noqa: BLE001 — a root without elements
        return False


# links and forms are what the crawler reads: never dropped when a deep page is flattened
_CRAWLER_KEEPS = frozenset({"a", "form"})


def flatten_wrappers(text: str, limit: int = MAX_HTML_NESTING) -> str:
    """Wrapper tags nested deeper than `limit` removed in one linear pass — the parsers' rule
    (parsers.formats.html.flatten_nesting), keeping links and forms. Returns `text` itself when
    nothing nests that deep."""
    return flatten_nesting(text, limit, keep=_CRAWLER_KEEPS, tables=False)


_DOCUMENT_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"{\\rtf")


def is_document(response) -> bool:
    """A fetched file (PDF, DOC/XLS/WPS, DOCX/XLSX/OFD, RTF) rather than a page: by its bytes, whatever
    its URL or Content-Type say (download.jsp?id=7 serving a PDF as application/octet-stream)."""
    return response.body[:1024].lstrip()[:8].startswith(_DOCUMENT_MAGIC)


def challenge_of(response, text: str) -> str | None:
    """The anti-bot challenge this page is instead of the page asked for (the parsers' markers), or None."""
    if not isinstance(response, TextResponse):
        return None
    return bot_challenge(response.text, text)


@dataclass(frozen=True)
class Link:
    url: str     # absolute, not yet canonical
    text: str    # the fullest title available (title= attribute over cut-off anchor text)
    menu: bool = False   # an <option> of an organisation drop-down


def _root(sel):
    """The lxml element under a parsel Selector (plain lxml is ~10x cheaper than parsel wrappers)."""
    return sel.root if isinstance(sel, Selector) else sel


_GENERIC = {"详情", "查看", "查看详情", "阅读全文", "全文", "点击查看", "浏览", "more", "更多", "详细", "下载", "点击下载"}


def anchor_text(a) -> str:
    a = _root(a)
    text = squash("".join(a.itertext()))
    title = squash(a.get("title", ""))
    if title and (len(title) >= len(text) or text.endswith(("…", "...", "..")) or not text):
        return title
    if text in _GENERIC:
        # table listings: 标题 in one cell, a 详情 link in another — use the row's text
        row = next((p for p in a.iterancestors() if p.tag in ("tr", "li")), None)
        if row is not None:
            return squash("".join(row.itertext())).replace(text, "")[:120]
    return text


def extract_links(sel: Selector, base_url: str) -> list[Link]:
    out = []
    root = _root(sel)
    if not hasattr(root, "iter"):
        return out
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:")):
            continue
        if href.lower().startswith("javascript"):
            m = _JS_URL.search(href + " " + a.get("onclick", ""))
            if not m:
                continue
            href = m.group(1)
        out.append(Link(urljoin(base_url, href), anchor_text(a)))
    # organisation drop-downs: <select onchange="window.open(this.value)"><option value="/bm/jyj/">县教育局</option>
    for opt in root.iter("option"):
        value = (opt.get("value") or "").strip()
        if value.startswith(("http://", "https://", "/", "./", "../")):
            out.append(Link(urljoin(base_url, value), squash("".join(opt.itertext())), menu=True))
    return out


_SCRIPT_REDIRECT = re.compile(
    r"""(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*['"]([^'"]+)['"]|location\.replace\(\s*['"]([^'"]+)['"]""")


def script_redirects(text: str, base_url: str) -> list[str]:
    """`<script>location.href = '/index.shtml'</script>` entry pages (used when a page has few links)."""
    out = []
    for m in _SCRIPT_REDIRECT.finditer(text[:20000]):
        target = (m.group(1) or m.group(2) or "").strip()
        if target and not target.lower().startswith(("javascript", "#")):
            out.append(urljoin(base_url, target))
    return out


def frame_urls(sel, base_url: str) -> list[str]:
    """Listings embedded with <iframe>/<frame> (part of the page, not a link)."""
    root = _root(sel)
    if not hasattr(root, "xpath"):
        return []
    return [urljoin(base_url, u.strip()) for u in xpath(root, "//iframe/@src | //frame/@src")
            if u.strip() and not u.strip().lower().startswith(("javascript", "about:", "data:"))]


_compiled = threading.local()   # an lxml XPath object is not shared between threads


def xpath(root, expr: str):
    """`root.xpath(expr)` with the expression compiled once (per thread), not once per call: the same
    few expressions run on every page."""
    cache = getattr(_compiled, "cache", None)
    if cache is None:
        cache = _compiled.cache = {}
    compiled = cache.get(expr)
    if compiled is None:
        compiled = cache[expr] = etree.XPath(expr)
    return compiled(root)


def _xp(sel, expr: str) -> list[str]:
    root = _root(sel)
    try:
        return [str(x) for x in xpath(root, expr)]
    except Exception:  # noqa: BLE001 — a non-HTML root (text/plain) has no such nodes
        return []


_last_hrefs: tuple[object, tuple[str, ...]] = (None, ())


def hrefs(response) -> tuple[str, ...]:
    """`response.xpath("//a/@href").getall()`, read once per response (every platform base's detector
    asks for it on every page) and without a parsel Selector per link."""
    global _last_hrefs
    if _last_hrefs[0] is response:
        return _last_hrefs[1]
    root = _root(response.selector)
    try:
        got = tuple(str(x) for x in xpath(root, "//a/@href"))
    except Exception:  # noqa: BLE001 — a non-HTML root has no links
        got = ()
    _last_hrefs = (response, got)
    return got


def column_name(sel) -> str:
    """`<meta name="ColumnName">` (TRS) or the last breadcrumb entry."""
    got = squash(" ".join(_xp(sel, "//meta[@name='ColumnName']/@content")))
    if got:
        return got
    crumbs = _xp(sel, _CRUMBS)
    return squash(crumbs[-1]) if crumbs else ""


_CRUMBS = "//*[contains(@class,'position') or contains(@class,'crumb') or contains(@class,'location')]//a//text()"


def breadcrumb_agency(sel) -> str | None:
    """The last organisation named in the breadcrumb (`首页 > 河包镇 > 政务公开 > 年报`)."""
    for crumb in reversed([squash(c) for c in _xp(sel, _CRUMBS)]):
        if crumb and is_org_name(crumb):
            return crumb
    return None


def page_title(sel, hint: str | None = None) -> str:
    for xp in ("//meta[@name='ArticleTitle']/@content", "//meta[@name='articletitle']/@content",
               "//h1//text()", "//*[contains(@class,'article-title') or contains(@class,'content-title')]//text()"):
        got = squash(" ".join(_xp(sel, xp)))
        if got:
            return got
    if hint:
        return hint
    title = squash(" ".join(_xp(sel, "//title//text()")))
    return re.split(r"[_|｜]|-{1,2}", title)[0] if title else ""


ARTICLE_XPATH = ("//meta[@name='ArticleTitle'] | //h1 | //h2 | //*[@id='zoom' or @id='ivs_content' or "
                 "@id='Zoom' or @id='content' or @id='UCAP-CONTENT'] | //*[contains(@class,'TRS_Editor') or "
                 "contains(@class,'xxgk_content') or contains(@class,'article') or contains(@class,'content')]")


def has_article(sel) -> bool:
    """Does the page look like one article (title heading or CMS body container), not a list?"""
    root = _root(sel)
    return bool(xpath(root, ARTICLE_XPATH)) if hasattr(root, "xpath") else False


def page_text(sel) -> str:
    """Text of the body (one C-level string() call; whitespace runs collapsed)."""
    root = _root(sel)
    if not hasattr(root, "xpath"):
        return ""
    try:
        text = xpath(root, "string(//body)") or xpath(root, "string(/)")
    except Exception:  # noqa: BLE001
        return ""
    return _WS.sub(" ", str(text)).strip()


def published_date(sel, text: str, url: str) -> str | None:
    for xp in ("//meta[@name='PubDate']/@content", "//meta[@name='pubdate']/@content",
               "//meta[@name='firstpublishedtime']/@content"):
        m = _DATE.search(" ".join(_xp(sel, xp)))
        if m:
            return _ymd(m.groups())
    m = _DATE_LABEL.search(text[:5000])
    if m:
        return _ymd(_DATE.search(m.group(1)).groups())
    m = _URL_DATE.search(url)
    if m:
        groups = [g for g in m.groups() if g]
        return _ymd(groups[:3])
    return None


def _ymd(groups) -> str | None:
    y, mth, d = (int(g) for g in groups)
    if 1 <= mth <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mth:02d}-{d:02d}"
    return None


_MAYBE_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|rtf|ofd|zip|rar|jpe?g|png)\b|down|file|attach|fujian|viewer|"
                               r"javascript|%2e(pdf|doc|xls)", re.IGNORECASE)


@lru_cache(maxsize=1 << 14)   # pure; asked several times for every link of every page
def is_attachment_url(url: str) -> bool:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if ATTACHMENT_EXT.search(path):
        return True
    for key, value in parse_qsl(parts.query):
        if key.lower() in {"filename", "file", "name", "fileid", "wbfileid"} and (
                ATTACHMENT_EXT.search(value) or key.lower() == "wbfileid"):
            return True
    return bool(DOWNLOAD_HINT.search(path)) and path.lower().endswith((".jsp", ".do", ".aspx", ".php"))


def _viewer_target(url: str) -> str | None:
    parts = urlsplit(url)
    if "viewer" in parts.path.lower():
        for key, value in parse_qsl(parts.query):
            if key.lower() == "file" and value:
                return urljoin(url, unquote(value) if "%" in value else value)
    return None


def extract_attachments(sel: Selector, base_url: str) -> list[str]:
    """Attachment URLs from a, iframe, embed/object, pdf.js viewer.html?file=, onclick/window.open."""
    found: list[str] = []

    def consider(raw: str | None) -> None:
        if not raw or not _MAYBE_ATTACHMENT.search(raw):   # cheap test first: most links are .html pages
            return
        raw = raw.strip()
        if raw.lower().startswith("javascript"):
            m = _JS_URL.search(raw)
            if not m:
                return
            raw = m.group(1)
        url = urljoin(base_url, raw)
        target = _viewer_target(url)
        if target:
            url = target
        if urlsplit(url).scheme in ("http", "https") and is_attachment_url(url) and url not in found:
            found.append(url)

    root = _root(sel)
    if not hasattr(root, "xpath"):
        return found
    # one C-level pass picks the few elements that can carry an attachment
    elements = list(root.iter("a", "iframe", "frame", "embed", "object", "param"))
    elements += [el for el in xpath(root, "//*[@onclick]") if el.tag not in ("a", "iframe", "frame", "embed",
                                                                             "object", "param")]
    for el in elements:
        tag = el.tag
        if tag == "a":
            consider(el.get("href"))
        elif tag in ("iframe", "frame", "embed"):
            consider(el.get("src"))
        elif tag == "object":
            consider(el.get("data"))
        elif tag == "param":
            consider(el.get("value"))
        m = _JS_URL.search(el.get("onclick") or "")
        if m:
            consider(m.group(1))
    return found
    for a in root.iter("a"):
        consider(a.get("href"))
        m = _JS_URL.search(a.get("onclick", ""))
        if m:
            consider(m.group(1))
    for el in root.xpath("//*[@onclick][not(self::a)]"):
        m = _JS_URL.search(el.get("onclick", ""))
        if m:
            consider(m.group(1))
    for xp in ("//iframe/@src", "//embed/@src", "//object/@data", "//object/param[@name='src' or @name='movie']/@value"):
        for raw in _xp(sel, xp):
            consider(raw)
    return found
