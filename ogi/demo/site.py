"""Building blocks of an imitation portal: pages, dynamic endpoints, ground truth, HTML chrome."""
from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from crawlers.urls import canonicalize

# when the demo sites were "last edited": the Last-Modified of every page not dated otherwise
DEMO_EPOCH = datetime(2025, 3, 1, tzinfo=timezone.utc).timestamp()


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    fail_first: int = 0      # answer 503 to the first N requests
    delay: float = 0.0       # seconds to wait before answering (the "slow page")
    headers: dict = field(default_factory=dict)
    hits: int = 0
    modified: float = DEMO_EPOCH   # Last-Modified (POSIX seconds); `DemoPortals.mutate` moves it on


def body_etag(body: bytes) -> str:
    """A strong validator (the server's ETag): the hash of the bytes served."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def published_at(date: str) -> float:
    """A page published on YYYY-MM-DD (09:30 Beijing time) as POSIX seconds."""
    day = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=timezone(timedelta(hours=8)))
    return (day + timedelta(hours=9, minutes=30)).timestamp()


Handler = Callable[[str, dict, bytes], "Page | None"]   # (method, query, body) -> Page


def request_key(path_qs: str) -> tuple[str, tuple]:
    """Path + query normalised the same way for stored pages and incoming requests."""
    parts = urlsplit(path_qs)
    return unquote(parts.path or "/"), tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


@dataclass
class Report:
    url: str                 # canonical page URL
    title: str
    source: str              # ogi/demo/data/reports/<source>
    attachments: set[str] = field(default_factory=set)
    agency: str = ""         # the publishing agency the page names (发布机构)
    year: int | None = None  # the report year its title states (the narrative is moved to it)


class Site:
    """One portal: its hosts (label -> base URL), pages, endpoints, robots.txt and ground truth."""

    def __init__(self, portal_id: str, name: str, province: str, level: str, division_code: str,
                 bases: dict[str, str]):
        self.portal_id, self.name, self.province = portal_id, name, province
        self.level, self.division_code = level, division_code
        self.bases = bases
        self.pages: dict[tuple[str, tuple[str, tuple]], Page] = {}
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.robots: dict[str, str] = {}
        self.reports: dict[str, Report] = {}
        self.start_urls: list[str] = []
        self.forbidden_paths: list[tuple[str, str]] = []   # (label, path prefix) never to be requested
        self.dead_links: list[str] = []    # linked paths that answer 404 (each costs one crawl error)

    def url(self, label: str, path: str) -> str:
        return self.bases[label] + path

    def add(self, label: str, path: str, page: Page) -> Page:
        self.pages[(label, request_key(path))] = page
        return page

    def add_html(self, label: str, path: str, text: str, *, charset: str = "utf-8", header_charset: bool = True,
                 **kw) -> Page:
        ctype = f"text/html; charset={charset}" if header_charset else "text/html"
        return self.add(label, path, Page(text.encode(charset, errors="xmlcharrefreplace"), ctype, **kw))

    def handle(self, label: str, path: str, handler: Handler) -> None:
        self.handlers[(label, path)] = handler

    def add_report(self, label: str, path: str, title: str, source: str, attachments=(), *, agency: str = "",
                   year: int | None = None) -> Report:
        url = canonicalize(self.url(label, path))
        report = Report(url, title, source, {canonicalize(a) for a in attachments}, agency, year)
        self.reports[url] = report
        return report

    def lookup(self, label: str, method: str, path_qs: str, body: bytes) -> Page | None:
        key = request_key(path_qs)
        handler = self.handlers.get((label, key[0]))
        if handler is not None:
            return handler(method, dict(key[1]), body)
        if method != "GET" and method != "HEAD":
            return None
        return self.pages.get((label, key))

    @property
    def hosts(self) -> list[str]:
        return [urlsplit(b).netloc for b in self.bases.values()]


# --- HTML chrome -------------------------------------------------------------------------------

def esc(text: str) -> str:
    return html.escape(text, quote=True)


def chrome(site_name: str, title: str, body: str, *, crumbs: list[tuple[str, str]] | None = None,
           charset: str = "utf-8", head: str = "", home: str = "/", nav: list[tuple[str, str]] | None = None) -> str:
    nav = nav if nav is not None else [("/", "首页"), ("/xwzx/", "新闻中心"), ("/hdjl/", "互动交流"),
                                       ("/bsfw/", "办事服务"), ("/search/?q=", "站内搜索")]
    nav_html = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for h, t in nav)
    crumb_html = ""
    if crumbs:
        crumb_html = '<div class="position">当前位置：' + " &gt; ".join(
            f'<a href="{esc(h)}">{esc(t)}</a>' for h, t in crumbs) + "</div>"
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="SiteName" content="{esc(site_name)}">
<title>{esc(title)}_{esc(site_name)}</title>{head}
<link rel="stylesheet" href="/images/style.css"></head>
<body><div class="top"><a href="{esc(home)}">{esc(site_name)}</a> <a href="/wza/">无障碍</a> <a href="/zzb/">长者版</a></div>
<ul class="nav">{nav_html}</ul>
{crumb_html}
<div class="main">{body}</div>
<div class="footer"><a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a>
 主办：{esc(site_name)}办公室 ICP备00000000号-1 <a href="/jiucuo/">我要纠错</a></div></body></html>"""


def ul_list(items: list[tuple[str, str, str]], *, truncate: int | None = None) -> str:
    """`<ul><li><a title=…>` listing; items are (href, title, date)."""
    out = []
    for href, title, date in items:
        shown = title if not truncate or len(title) <= truncate else title[:truncate] + "…"
        out.append(f'<li><a href="{esc(href)}" title="{esc(title)}" target="_blank">{esc(shown)}</a>'
                   f'<span>{esc(date)}</span></li>')
    return '<ul class="list">' + "".join(out) + "</ul>"


def table_list(items: list[tuple[str, str, str]], *, truncate: int = 14, detail_links: bool = False) -> str:
    """序号 | 标题 | 发布日期 table listing; anchor text is cut short, the full title only in `title=`
    (or, with detail_links, the title is plain cell text and the link just says 详情)."""
    rows = ['<tr><th>序号</th><th>标题</th><th>发文字号</th><th>发布日期</th><th>操作</th></tr>']
    for i, (href, title, date) in enumerate(items, 1):
        shown = title if len(title) <= truncate else title[:truncate] + "..."
        if detail_links:
            rows.append(f'<tr><td>{i}</td><td>{esc(title)}</td><td></td><td>{esc(date)}</td>'
                        f'<td><a href="{esc(href)}">详情</a></td></tr>')
            continue
        rows.append(f'<tr><td>{i}</td><td><a href="{esc(href)}" title="{esc(title)}">{esc(shown)}</a></td>'
                    f'<td></td><td>{esc(date)}</td><td></td></tr>')
    return '<table class="xxgk_list">' + "".join(rows) + "</table>"


def links(items: list[tuple[str, str]], cls: str = "subnav") -> str:
    return f'<ul class="{cls}">' + "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for h, t in items) + "</ul>"
