"""Sitemaps: reports filed outside any 年报 column (under 政策文件, 公告公示, a topical column) are reached
through the site's own sitemap — pure functions, no I/O (the spider fetches, crawlers/spiders/base/core.py).

Where sitemaps come from: `Sitemap:` lines of robots.txt, else `/sitemap.xml` on the start host. What is
read: XML `<urlset>` and `<sitemapindex>` (sitemaps.org, also gzip-compressed), plain-text sitemaps (one
URL a line); `<news:title>`/`<title>`-like children when a sitemap carries titles. Bounded: the caller caps
files, entries and pages per portal, and only URLs the portal's allow-list admits are ever requested.

Which entries are fetched (`judge_entry`): a title that names a report (REPORT: must end as a report or an
error) or might (AMBIGUOUS), else — no title — a URL under a report column (`…/xxgknb/…`, `…ndbg…`), else a
page dated (lastmod or the URL's date) in January–March, when annual reports are due (the 条例: by 31 January).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawlers.recognition import AMBIGUOUS, REPORT, link_kind

MAX_ENTRIES = 50_000   # sitemaps.org: at most 50,000 URLs per file


@dataclass(frozen=True)
class Entry:
    loc: str
    title: str = ""
    lastmod: str = ""


def robots_sitemaps(robots_txt: str, base_url: str) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt (any case, any place in the file)."""
    out = []
    for line in robots_txt.splitlines()[:5000]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base_url, value.strip().split("#", 1)[0].strip())
            if url.startswith(("http://", "https://")) and url not in out:
                out.append(url)
    return out


_PARSER = dict(resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_comments=True,
               remove_pis=True, load_dtd=False)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def read_sitemap(body: bytes, max_entries: int = MAX_ENTRIES) -> tuple[str, list[Entry]]:
    """("index", sitemap entries) | ("urlset", page entries) | ("text", page entries) | ("", [])."""
    head = body[:512].lstrip()
    if head.startswith(b"<"):
        try:
            root = etree.fromstring(body, etree.XMLParser(**_PARSER))
        except (etree.XMLSyntaxError, ValueError):
            return "", []
        if root is None:
            return "", []
        kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(root.tag), "")
        if not kind:
            return "", []
        entries = []
        for child in root:
            if len(entries) >= max_entries:
                break
            loc = title = lastmod = ""
            for el in child.iter():
                name = _local(el.tag)
                text = (el.text or "").strip()
                if name == "loc" and not loc and el.getparent() is child:
                    loc = text
                elif name == "title" and not title:
                    title = text
                elif name == "lastmod" and not lastmod:
                    lastmod = text
            if loc.startswith(("http://", "https://")):
                entries.append(Entry(loc, title[:300], lastmod[:40]))
        return kind, entries
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "", []
    urls = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(("http://", "https://"))]
    return ("text", [Entry(u) for u in urls[:max_entries]]) if urls else ("", [])


_REPORT_COLUMN = re.compile(r"/(?:\w*nb|\w*ndbg|\w*gknb\w*)(?:_\d+)?/|ndbg|xxgknb|gknb", re.IGNORECASE)
_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})\d{2}_|/art/((?:19|20)\d{2})/(\d{1,2})/|/((?:19|20)\d{2})-?(\d{2})/")
_LASTMOD = re.compile(r"^((?:19|20)\d{2})-(\d{2})")


def entry_month(entry: Entry) -> tuple[int, int] | None:
    """(year, month) the entry was published or last changed: <lastmod>, else the URL's date."""
    m = _LASTMOD.match(entry.lastmod)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _URL_DATE.search(urlsplit(entry.loc).path)
    if m:
        y, mth = [g for g in m.groups() if g][:2]
        return int(y), int(mth)
    return None


def judge_entry(entry: Entry) -> str | None:
    """'report' (the title names one), 'candidate' (fetch and judge the page), or None (not fetched)."""
    if entry.title:
        kind = link_kind(entry.title)
        return "report" if kind == REPORT else ("candidate" if kind == AMBIGUOUS else None)
    path = urlsplit(entry.loc).path
    if _REPORT_COLUMN.search(path):
        return "candidate"
    month = entry_month(entry)
    if month and 1 <= month[1] <= 3:
        return "candidate"
    return None


def sitemap_candidates(entries: list[Entry], allows, limit: int) -> list[tuple[Entry, str]]:
    """The entries to fetch, at most `limit`: named reports first, then report columns, then the
    newest dated pages; only URLs `allows(url)` admits."""
    picked = []
    for e in entries:
        if not allows(e.loc):
            continue
        verdict = judge_entry(e)
        if verdict:
            rank = 0 if verdict == "report" else (1 if (e.title or _REPORT_COLUMN.search(urlsplit(e.loc).path)) else 2)
            month = entry_month(e) or (0, 0)
            picked.append((rank, (-month[0], -month[1]), e.loc, e, verdict))
    picked.sort(key=lambda t: t[:3])
    return [(e, verdict) for *_, e, verdict in picked[:limit]]
