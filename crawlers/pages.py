"""Reading a fetched page: links (with full titles), page title, text, date, attachments.

Works on `parsel.Selector`s so it is testable on saved HTML without a crawl.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from parsel import Selector

from crawlers.recognition import squash

ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|rtf|ofd|zip|rar|jpe?g|png)$", re.IGNORECASE)
DOWNLOAD_HINT = re.compile(r"(downfile|download|DownloadAttach|getfile|attach|fujian|/P0\d{10,})", re.IGNORECASE)
_JS_URL = re.compile(r"""(?:window\.open|location\.href\s*=|location\s*=|openFile|downLoad\w*|download\w*)\s*\(?\s*['"]([^'"]+)['"]""",
                     re.IGNORECASE)
_DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_DATE_LABEL = re.compile(r"(?:发布时间|发布日期|公开日期|成文日期|日期|时间)\s*[:：]?\s*((?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2})")
_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/|/((?:19|20)\d{2})(\d{2})(\d{2})/")


@dataclass(frozen=True)
class Link:
    url: str     # absolute, not yet canonical
    text: str    # the fullest title available (title= attribute over cut-off anchor text)


def anchor_text(a: Selector) -> str:
    text = squash(" ".join(a.xpath(".//text()").getall()))
    title = squash(a.attrib.get("title", ""))
    if title and (len(title) >= len(text) or text.endswith(("…", "...", "..")) or not text):
        return title
    return text


def extract_links(sel: Selector, base_url: str) -> list[Link]:
    out = []
    for a in sel.xpath("//a[@href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:")):
            continue
        if href.lower().startswith("javascript"):
            m = _JS_URL.search(href + " " + a.attrib.get("onclick", ""))
            if not m:
                continue
            href = m.group(1)
        out.append(Link(urljoin(base_url, href), anchor_text(a)))
    return out


def page_title(sel: Selector, hint: str | None = None) -> str:
    for xp in ("//meta[@name='ArticleTitle']/@content", "//meta[@name='articletitle']/@content",
               "//h1//text()", "//*[contains(@class,'article-title') or contains(@class,'content-title')]//text()"):
        got = squash(" ".join(sel.xpath(xp).getall()))
        if got:
            return got
    if hint:
        return hint
    title = squash(" ".join(sel.xpath("//title//text()").getall()))
    return re.split(r"[_|｜]|-{1,2}", title)[0] if title else ""


def page_text(sel: Selector) -> str:
    parts = sel.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return " ".join(p.strip() for p in parts if p.strip())


def published_date(sel: Selector, text: str, url: str) -> str | None:
    for xp in ("//meta[@name='PubDate']/@content", "//meta[@name='pubdate']/@content",
               "//meta[@name='firstpublishedtime']/@content"):
        m = _DATE.search(sel.xpath(xp).get() or "")
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
        if not raw:
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

    for a in sel.xpath("//a"):
        consider(a.attrib.get("href"))
        m = _JS_URL.search(a.attrib.get("onclick", ""))
        if m:
            consider(m.group(1))
    for el in sel.xpath("//*[@onclick][not(self::a)]"):
        m = _JS_URL.search(el.attrib.get("onclick", ""))
        if m:
            consider(m.group(1))
    for xp in ("//iframe/@src", "//embed/@src", "//object/@data", "//object/param[@name='src' or @name='movie']/@value"):
        for raw in sel.xpath(xp).getall():
            consider(raw)
    return found
