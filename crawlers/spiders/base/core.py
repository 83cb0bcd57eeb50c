"""The registry-driven discovery engine every platform base plugs into.

Per page: a report page becomes a ReportItem (and is not navigated further); any other page is
navigated: the platform bases add their pagination/data requests, and every link is judged —
report-like titles are fetched as candidates, negatives are dropped, and other links are followed
only when their anchor text / URL slug scores toward 政务公开 / 政府信息公开 / 年报 columns and
their year, department and township sub-columns (depth- and page-capped per portal).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers import pages
from crawlers.items import ReportItem, report_id
from crawlers.recognition import (AMBIGUOUS, NEGATIVE, OTHER, REPORT, SKELETON_THRESHOLD, TRUNCATED_HINT,
                                  classify_title, column_context, generated_report_year, guess_agency, guess_year,
                                  is_truncated, link_kind, nav_score, report_title_in_text, skeleton_score)
from crawlers.registry import Portal, read_registry
from crawlers.urls import canonicalize

log = logging.getLogger(__name__)
FOLLOW_SCORE = 5


class PortalSpiderBase(scrapy.Spider):
    """Reads the registry (`-a registry=PATH -a portals=ID,ID -a max_depth=N`).

    `-a known=PATH` (a previous run's items.jsonl) makes a crawl incremental: a report link whose
    page is already known is re-emitted from the old item instead of being fetched again."""

    platforms: tuple[str, ...] = ()   # names of detect_<x>/paginate_<x> pairs, in priority order

    def __init__(self, registry: str | None = None, portals: str | None = None, max_depth: str | None = None,
                 known: str | None = None, **kwargs):
        super().__init__(**kwargs)
        wanted = [p for p in (portals or "").split(",") if p.strip()] or None
        self.registry = read_registry(registry, wanted)
        self.portals: dict[str, Portal] = {p.portal_id: p for p in self.registry}
        self.all_hosts = frozenset(h for p in self.registry for h in p.allowed_hosts)
        self._max_depth_arg = int(max_depth) if max_depth else None
        self._chrome: dict[str, set[str]] = {}
        self.known: dict[tuple[str, str], dict] = {}
        self._deferred: list[scrapy.Request] = []   # links found on report pages (flush_deferred)
        if known and Path(known).exists():
            for line in Path(known).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    old = json.loads(line)
                    self.known[(old["portal_id"], old["page_url"])] = old

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.flush_deferred, signal=signals.spider_idle)
        return spider

    def flush_deferred(self) -> None:
        """A report reached both from a listing and from another report's 上一篇/下一篇 or 历年年报
        link is fetched from the listing: sibling links wait until the crawl is otherwise idle (then
        the duplicate filter drops those already fetched), and go out in a fixed order. Otherwise
        the item (its listing_url, and the hint its title/agency may come from) would depend on
        which response happened to arrive first."""
        pending, self._deferred = self._deferred, []
        if not pending:
            return
        order = lambda r: (r.url, r.meta.get("ogi_listing") or "", r.meta.get("ogi_hint") or "")  # noqa: E731
        for request in sorted(pending, key=order):
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    @property
    def max_depth(self) -> int:
        if self._max_depth_arg is not None:
            return self._max_depth_arg
        return self.crawler.settings.getint("OGI_MAX_DEPTH", 10)

    async def start(self):
        for portal in self.registry:
            self.crawler.stats.set_value(f"ogi/pages/{portal.portal_id}", 0)
            for url in portal.start_urls:
                meta = {"portal": portal.portal_id, "ogi_depth": 0, "ogi_ctx": column_context("", url)}
                special = self.gkmlpt_index_request(url, meta=meta) if hasattr(self, "gkmlpt_index_request") else None
                yield special or scrapy.Request(canonicalize(url), callback=self.parse, errback=self.on_error,
                                                meta=meta)

    # -- bookkeeping --------------------------------------------------------------------------
    def count_page(self, response) -> None:
        self.crawler.stats.inc_value(f"ogi/pages/{response.meta['portal']}")

    def count_error(self, response_or_request, reason: str) -> None:
        pid = response_or_request.meta.get("portal", "?")
        self.crawler.stats.inc_value(f"ogi/errors/{pid}")
        self.logger.warning("%s: %s (%s)", pid, reason, response_or_request.url)

    def on_error(self, failure):
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            if status == 404 and request.meta.get("ogi_guess"):
                self.crawler.stats.inc_value(f"ogi/guessed_page_missing/{request.meta.get('portal')}")
                return   # a computed pagination URL that does not exist
            self.count_error(request, f"HTTP {status}")
            return
        if failure.check(IgnoreRequest):   # robots.txt, allow-list, caps: refusals, not errors
            return
        self.count_error(request, repr(failure.value)[:200])

    def child_meta(self, response, *, pagination: bool = False, ctx: str | None = None, **extra) -> dict:
        meta = {"portal": response.meta["portal"],
                "ogi_depth": response.meta.get("ogi_depth", 0) + (0 if pagination else 1),
                "ogi_ctx": response.meta.get("ogi_ctx", "") if ctx is None else ctx}
        meta.update(extra)
        return meta

    def listing_request(self, url: str, response, *, pagination: bool = False) -> scrapy.Request:
        """A listing page; `pagination=True` marks a computed page URL (same depth; a 404 is no error)."""
        meta = self.child_meta(response, pagination=pagination)
        if pagination:
            meta["ogi_guess"] = True
        return scrapy.Request(canonicalize(url), callback=self.parse, errback=self.on_error, priority=5, meta=meta)

    # -- pages ---------------------------------------------------------------------------------
    def parse(self, response):
        self.count_page(response)
        if not isinstance(response, TextResponse):
            return
        hint = response.meta.get("ogi_hint")
        title = pages.page_title(response.selector, hint)
        text = pages.page_text(response.selector)
        base_url = get_base_url(response)
        links = pages.extract_links(response.selector, base_url)
        if self.is_report_page(response, title, hint, text, links):
            yield self.make_item(response, title, hint, text)
            for link in links:   # 历年年报 sidebars, 上一篇/下一篇: other reports, never navigation
                if link_kind(link.text) == REPORT and not pages.is_attachment_url(link.url):
                    for out in self.consider_link(link.url, link.text, response):
                        if isinstance(out, scrapy.Request):
                            self._deferred.append(out)   # after the listings: see flush_deferred
                        else:
                            yield out
            return
        if response.meta.get("ogi_depth", 0) == 0:
            # links of a start page are the site's chrome: they get no sub-column bonus deeper down
            self._chrome.setdefault(response.meta["portal"], set()).update(canonicalize(l.url) for l in links)
        if not response.meta.get("ogi_ctx") == "column":
            column = pages.column_name(response.selector) or title
            if column_context(column, response.url) == "column":
                response.meta["ogi_ctx"] = "column"   # reached a report column by another road
        # outside a report column (a 通知公告 list, say) only the first pages of a listing are read
        limit = None if response.meta.get("ogi_ctx") == "column" else self.crawler.settings.getint(
            "OGI_MAX_PAGES_OUTSIDE_COLUMN", 10)
        for platform in self.platforms:
            if getattr(self, f"detect_{platform}")(response):
                self.crawler.stats.inc_value(f"ogi/platform/{platform}")
                yield from islice(getattr(self, f"paginate_{platform}")(response), limit)
        extra = pages.frame_urls(response.selector, base_url)
        if len(links) < 3:   # an entry page that forwards by script
            extra += pages.script_redirects(response.text, base_url)
        for url in extra:
            if self.portals[response.meta["portal"]].allows(url) and not pages.is_attachment_url(url):
                yield self.listing_request(url, response, pagination=True)
        for link in links:
            yield from self.consider_link(link.url, link.text, response, menu=link.menu)

    def is_report_page(self, response, title: str, hint: str | None, text: str, links) -> bool:
        kinds = {classify_title(title), classify_title(hint)}
        if NEGATIVE in kinds:
            return False
        own = canonicalize(response.url)
        report_links = sum(1 for link in links
                           if classify_title(link.text) == REPORT and canonicalize(link.url) != own
                           and not pages.is_attachment_url(link.url))
        own_title_is_report = classify_title(title) == REPORT
        if skeleton_score(text) >= SKELETON_THRESHOLD and (report_links <= 2 or own_title_is_report):
            return True   # (a report page may carry a 历年年报 sidebar of other reports)
        if own_title_is_report and response.xpath("//meta[@name='ArticleTitle' or @name='articletitle']"):
            return True   # a CMS article page (listings carry no ArticleTitle)
        if urlsplit(response.url).path.rstrip("/") in ("", "/index.html", "/index.htm", "/index.shtml") \
                and "redirect_urls" in response.meta:
            return False   # an old report URL redirected to the home page
        if AMBIGUOUS in kinds and REPORT not in kinds and report_links == 0 and guess_year(title or hint) \
                and response.meta.get("ogi_ctx") == "column" and pages.has_article(response.selector):
            # "县财政局2023年报" in a report column, published as an attachment
            return bool(pages.extract_attachments(response.selector, response.url))
        if REPORT in kinds and report_links <= 2:   # 上一篇/下一篇 links to sibling reports are common
            if report_links == 0 and pages.has_article(response.selector):
                return True
            return bool(pages.extract_attachments(response.selector, response.url)) or (
                pages.has_article(response.selector) and own_title_is_report)
        return False

    def make_item(self, response, title: str, hint: str | None, text: str) -> ReportItem:
        pid = response.meta["portal"]
        if classify_title(title) != REPORT:
            title = hint if classify_title(hint) == REPORT else (report_title_in_text(text) or title)
        url = canonicalize(response.url)
        portal = self.portals[pid]
        attachments = [canonicalize(a) for a in pages.extract_attachments(response.selector, response.url)]
        attachments = [a for a in dict.fromkeys(attachments) if portal.allows(a) and a != url]
        return ReportItem(
            id=report_id(pid, url), portal_id=pid, page_url=url, attachment_urls=attachments, title=title,
            agency=guess_agency(title, text) or pages.breadcrumb_agency(response.selector),
            year=generated_report_year(url) or guess_year(title, text),
            published=pages.published_date(response.selector, text, response.url),
            listing_url=response.meta.get("ogi_listing"),
            discovered_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def file_item(self, url: str, title: str, response) -> ReportItem:
        """A report linked straight to its file (no HTML page)."""
        pid = response.meta["portal"]
        url = canonicalize(url)
        return ReportItem(
            id=report_id(pid, url), portal_id=pid, page_url=url, attachment_urls=[url], title=title,
            agency=guess_agency(title), year=guess_year(title), published=None,
            listing_url=canonicalize(response.url),
            discovered_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    # -- links ---------------------------------------------------------------------------------
    def follow_links(self, selector, response):
        for link in pages.extract_links(selector, response.url):
            yield from self.consider_link(link.url, link.text, response)

    def consider_link(self, url: str, text: str, response, *, menu: bool = False):
        if not url.startswith(("http://", "https://")):
            return
        pid = response.meta["portal"]
        if not self.portals[pid].allows(url):
            self.crawler.stats.inc_value(f"ogi/offsite_links/{pid}")
            return
        kind = link_kind(text)
        if kind == NEGATIVE:
            return
        if generated_report_year(url):
            kind = REPORT   # a report module's agency × year URL: the link text says only 查看 / the agency
        ctx = response.meta.get("ogi_ctx", "")
        if "/gkmlpt/" in url and "#" in url and hasattr(self, "gkmlpt_index_request"):
            if nav_score(text, url, in_report_column=True) >= FOLLOW_SCORE or kind != OTHER:
                req = self.gkmlpt_index_request(url, response)
                if req is not None:
                    yield req
            return
        if kind == OTHER and is_truncated(text) and (ctx == "column" or TRUNCATED_HINT.search(text)):
            kind = AMBIGUOUS   # "示范镇2023年政府信…": fetch and judge the page itself
        url = canonicalize(url)
        if kind in (REPORT, AMBIGUOUS):
            old = self.known.get((pid, url))
            if old is not None:
                self.crawler.stats.inc_value(f"ogi/known/{pid}")
                yield ReportItem(**{**old, "listing_url": canonicalize(response.url),
                                    "discovered_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
                return
            if pages.is_attachment_url(url):
                if kind == REPORT:
                    yield self.file_item(url, text, response)
                return
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=20,
                                 meta=self.child_meta(response, ctx="column", ogi_hint=text, ogi_candidate=True,
                                                      ogi_listing=canonicalize(response.url)))
            return
        if pages.is_attachment_url(url):
            return
        depth = response.meta.get("ogi_depth", 0) + 1
        if depth > self.max_depth:
            self.crawler.stats.inc_value(f"ogi/depth_capped/{pid}")
            return
        in_column = menu or (bool(ctx) and url not in self._chrome.get(pid, ()))
        score = nav_score(text, url, in_report_column=in_column)
        if score < FOLLOW_SCORE:
            return
        # a report column is inherited down its tree; a list of organisations only for its own links
        new_ctx = column_context(text, url) or (ctx if ctx == "column" else "")
        yield scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=min(score, 19),
                             meta=self.child_meta(response, ctx=new_ctx))
