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
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers import pages, sitemaps
from crawlers.items import ReportItem, report_id
from crawlers.recognition import (AMBIGUOUS, NEGATIVE, OTHER, REPORT, SKELETON_THRESHOLD, TRUNCATED_HINT,
                                  classify_title, column_context, generated_report_year, guess_agency, guess_year,
                                  is_truncated, link_kind, nav_score, report_title_in_text, skeleton_score)
from crawlers.registry import Portal, read_registry
from crawlers.urls import canonicalize
from parsers.titles import sane_title

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
        self._known_emitted: set[tuple[str, str]] = set()
        self._deferred: list[scrapy.Request] = []   # links found on report pages, sitemaps (flush_deferred)
        self._sitemap_files: dict[str, int] = {}
        self._sitemap_roots: set[str] = set()
        self._sitemap_pages: dict[str, int] = {}
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

    def already_emitted(self, url: str) -> bool:
        """Has a GET of this canonical URL already left the spider? (crawlers.dedup.EmittedRequestFilter
        replaces this with its answer when it is enabled)"""
        return False

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

    # -- sitemaps (crawlers/sitemaps.py): reports filed outside any 年报 column ---------------------
    def discover_sitemaps(self, response):
        """Once per start host, after its start page was read (so never behind a wall): the robots.txt
        `Sitemap:` lines (from the robots.txt the robots middleware already fetched — no second request),
        else the conventional /sitemap.xml (a 404 there is no error)."""
        parts = urlsplit(response.url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root in self._sitemap_roots or not self.crawler.settings.getbool("OGI_SITEMAPS", True):
            return
        self._sitemap_roots.add(root)
        declared = self.robots_sitemaps(root)
        for url in declared or [root + "/sitemap.xml"]:
            req = self.sitemap_request(url, response)
            if req is not None:
                yield req

    def robots_sitemaps(self, root: str) -> list[str]:
        """`Sitemap:` lines of the host's robots.txt as the robots middleware parsed it ([] without one)."""
        engine = getattr(self.crawler, "engine", None)
        for mw in getattr(getattr(getattr(engine, "downloader", None), "middleware", None), "middlewares", ()):
            parsers = getattr(mw, "_parsers", None)   # scrapy RobotsTxtMiddleware: netloc -> parser (Protego)
            robots = getattr(parsers.get(urlsplit(root).netloc), "rp", None) if isinstance(parsers, dict) else None
            if robots is not None and hasattr(robots, "sitemaps"):
                return sitemaps.robots_sitemaps("\n".join(f"Sitemap: {u}" for u in robots.sitemaps), root + "/")
        return []

    def sitemap_request(self, url: str, response) -> scrapy.Request | None:
        pid = response.meta["portal"]
        if not self.portals[pid].allows(url):
            self.crawler.stats.inc_value(f"ogi/offsite_links/{pid}")
            return None
        files = self._sitemap_files.get(pid, 0)
        if files >= self.crawler.settings.getint("OGI_SITEMAP_MAX_FILES", 10):
            self.crawler.stats.inc_value(f"ogi/sitemap_capped/{pid}")
            return None
        self._sitemap_files[pid] = files + 1
        return scrapy.Request(canonicalize(url), callback=self.parse_sitemap, errback=self.on_sitemap_error,
                              priority=-10, meta={"portal": pid, "ogi_depth": 0, "ogi_ctx": ""})

    def on_sitemap_error(self, failure):
        """A missing or failing robots.txt/sitemap is no portal error: sitemaps only add to the listings."""
        self.crawler.stats.inc_value(f"ogi/sitemap_errors/{failure.request.meta.get('portal')}")

    def parse_sitemap(self, response):
        pid = response.meta["portal"]
        self.crawler.stats.inc_value(f"ogi/sitemap_files/{pid}")
        try:
            response = pages.readable_response(response)   # .xml.gz, or gzip served without Content-Encoding
        except pages.UnreadablePage as exc:
            self.count_error(response, f"sitemap: {exc}")
            return
        kind, entries = sitemaps.read_sitemap(response.body)
        if kind == "index":
            for entry in entries:
                req = self.sitemap_request(entry.loc, response)
                if req is not None:
                    yield req
            return
        budget = self.crawler.settings.getint("OGI_SITEMAP_MAX_PAGES", 100) - self._sitemap_pages.get(pid, 0)
        picked = sitemaps.sitemap_candidates(entries, self.portals[pid].allows, max(budget, 0))
        self._sitemap_pages[pid] = self._sitemap_pages.get(pid, 0) + len(picked)
        if len(picked) < sum(1 for e in entries if sitemaps.judge_entry(e)):
            self.crawler.stats.inc_value(f"ogi/sitemap_capped/{pid}")
        for entry, verdict in picked:
            if entry.title:   # judged by its title like any link (known reports, files, candidates)
                outs = list(self.consider_link(entry.loc, entry.title, response))
            else:
                url = canonicalize(entry.loc)
                if pages.is_attachment_url(url):
                    continue   # an untitled file: nothing to judge it by
                outs = [scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=-10,
                                       meta=self.child_meta(response, ctx="column", ogi_candidate=True,
                                                            ogi_listing=canonicalize(response.url)))]
            for out in outs:
                if isinstance(out, scrapy.Request):
                    if out.callback != self.parse:
                        continue   # navigation (a gkmlpt column …) is the listings' business
                    out.meta["ogi_report_only"] = True   # read as a report or not at all: never navigated
                    self._deferred.append(out)       # after the listings (see flush_deferred)
                else:
                    yield out

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
            if request.meta.get("ogi_wall"):
                # an anti-bot wall: the portal is `blocked` (crawlers.middlewares.SafetyMiddleware.process_response)
                if request.meta.get("ogi_judged"):
                    yield self.error_item(request, f"bot challenge ({request.meta['ogi_wall']})")
                return
            if status == 404 and request.meta.get("ogi_guess"):
                self.crawler.stats.inc_value(f"ogi/guessed_page_missing/{request.meta.get('portal')}")
                return   # a computed pagination URL that does not exist
            if request.meta.get("ogi_judged"):
                yield self.error_item(request, f"HTTP {status}")   # counted with the portal's errors as an item
            else:
                self.count_error(request, f"HTTP {status}")
            return
        if failure.check(IgnoreRequest):   # robots.txt, allow-list, caps: refusals, not errors …
            if request.meta.get("ogi_judged"):   # … but a link judged a report ends as a report or an error
                if str(failure.value).startswith("blocked:"):
                    yield self.error_item(request, "bot challenge (host walled earlier in this crawl)")
                elif request.meta.get("redirect_urls"):
                    yield self.error_item(request, f"redirect refused: {failure.value}"[:300])
            return
        if request.meta.get("ogi_judged"):
            yield self.error_item(request, f"fetch failed: {type(failure.value).__name__}: {failure.value}"[:300])
        else:
            self.count_error(request, repr(failure.value)[:200])

    def error_item(self, request_or_response, reason: str, *, first: str | None = None) -> ReportItem:
        """A link judged a report that gave no report: an item with `error`, so the flows record a failed
        document for its URL and the portal's stats count it — a report never vanishes without a trace."""
        meta = request_or_response.meta
        pid = meta["portal"]
        url = canonicalize(first or (meta.get("redirect_urls") or [request_or_response.url])[0])   # the link itself
        title = sane_title(meta.get("ogi_hint")) or url
        self.logger.warning("%s: judged a report, none read: %s (%s)", pid, reason, url)
        return ReportItem(
            id=report_id(pid, url), portal_id=pid, page_url=url, attachment_urls=[],
            title=title, agency=guess_agency(title), year=guess_year(title), published=None,
            listing_url=meta.get("ogi_listing"), error=reason,
            discovered_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

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
        judged = response.meta.get("ogi_judged")
        if judged and 300 <= response.status < 400:
            yield self.follow_judged_redirect(response)
            return
        received = response   # the bytes as received (readable_response may inflate or flatten them)
        try:
            response = pages.readable_response(response)
        except pages.UnreadablePage as exc:
            if judged:
                yield self.error_item(response, str(exc))
            else:
                self.count_error(response, str(exc))
            return
        if judged and pages.is_document(response):   # the link named a report and the report is this file
            link = (response.meta.get("redirect_urls") or [response.url])[0]
            item = self.file_item(link, response.meta.get("ogi_hint") or "", response)
            item["listing_url"] = response.meta.get("ogi_listing")
            yield self.hand_over(item, received)
            return
        if not isinstance(response, TextResponse):
            if judged:
                ctype = (response.headers.get("Content-Type") or b"?").decode("latin-1")
                yield self.error_item(response, f"not an HTML page (Content-Type: {ctype})")
            return
        if not judged:
            yield from self.read_page(response, received)
            return
        # a link judged a report ends as a report, leads on to reports, or is recorded as an error
        led = False
        for out in self.read_page(response, received):
            if isinstance(out, scrapy.Request):
                led = led or bool(out.meta.get("ogi_judged"))
            elif not out.get("error"):
                led = True
            yield out
        if not led:
            yield self.error_item(response, self.why_no_report(response))

    MAX_REDIRECTS = 5

    def follow_judged_redirect(self, response):
        """A link judged a report is redirected here, hop by hop, so that no hop can vanish: Scrapy's
        redirect middleware hands the next hop to the duplicate filter, which drops a loop, or a report
        URL now redirected to a page already read, without a word. The chain is the item's history."""
        chain = list(response.meta.get("redirect_urls") or []) + [response.url]
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        if not location:
            return self.error_item(response, f"HTTP {response.status} without a Location", first=chain[0])
        target = canonicalize(urljoin(response.url, location))
        if target in {canonicalize(u) for u in chain}:
            return self.error_item(response, f"redirect loop ({len(chain)} hops)", first=chain[0])
        if len(chain) > self.MAX_REDIRECTS:
            return self.error_item(response, f"more than {self.MAX_REDIRECTS} redirects", first=chain[0])
        meta = {**response.meta, "redirect_urls": chain, "ogi_report_only": True}
        for key in ("download_slot", "download_latency", "download_timeout", "depth", "retry_times"):
            meta.pop(key, None)
        return response.request.replace(url=target, meta=meta, dont_filter=True)   # bounded by the chain above

    def why_no_report(self, response) -> str:
        text = pages.page_text(response.selector)
        wall = pages.challenge_of(response, text)
        if wall:
            return f"bot challenge ({wall})"
        if "redirect_urls" in response.meta:
            return f"redirected to {response.url}, which is no report"
        if not text.strip():
            return "empty page"
        return f"no report on the page (title: {sane_title(pages.page_title(response.selector)) or '-'})"

    def read_page(self, response, received=None):
        """`received`: the response as it came (before `pages.readable_response`), handed over with
        the item when this page is a report (`hand_over`)."""
        hint = response.meta.get("ogi_hint")
        title = pages.page_title(response.selector, hint)
        text = pages.page_text(response.selector)
        base_url = get_base_url(response)
        links = pages.extract_links(response.selector, base_url)
        if self.is_report_page(response, title, hint, text, links):
            yield self.hand_over(self.make_item(response, title, hint, text), received)
            for link in links:   # 历年年报 sidebars, 上一篇/下一篇: other reports, never navigation
                if link_kind(link.text) == REPORT and not pages.is_attachment_url(link.url):
                    for out in self.consider_link(link.url, link.text, response):
                        if isinstance(out, scrapy.Request):
                            self._deferred.append(out)   # after the listings: see flush_deferred
                        else:
                            yield out
            return
        if response.meta.get("ogi_report_only"):
            return   # reached through a sitemap or a redirected report link: a report or nothing, never navigated
        if response.meta.get("ogi_depth", 0) == 0:
            yield from self.discover_sitemaps(response)
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
                self.crawler.stats.inc_value(f"ogi/platform/{platform}/{response.meta['portal']}")
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

    @property
    def hands_over(self) -> bool:
        """Does this crawl hand the report pages it fetched to the flows' raw store (OGI_RAW_STORE)?"""
        crawler = getattr(self, "crawler", None)
        return bool(crawler is not None and crawler.settings.get("OGI_RAW_STORE"))

    def hand_over(self, item: ReportItem, received) -> ReportItem:
        """Attach the response a report was read from (crawlers.pipelines.RawStoreHandoverPipeline
        stores its bytes in the raw store, so the flow's downloader does not fetch the page again,
        and removes it from the item). Only a plain 200 as the server sent it: never a page the
        opt-in browser rendered, nor an anti-bot wall."""
        if received is not None and self.hands_over and received.status == 200 \
                and not received.meta.get("ogi_browser") and not received.meta.get("ogi_wall"):
            item["response"] = received
        return item

    def make_item(self, response, title: str, hint: str | None, text: str) -> ReportItem:
        pid = response.meta["portal"]
        if classify_title(title) != REPORT:
            title = hint if classify_title(hint) == REPORT else (report_title_in_text(text) or title)
        url = canonicalize(response.url)
        portal = self.portals[pid]
        attachments = [canonicalize(a) for a in pages.extract_attachments(response.selector, response.url)]
        attachments = [a for a in dict.fromkeys(attachments) if portal.allows(a) and a != url]
        return ReportItem(
            id=report_id(pid, url), portal_id=pid, page_url=url, attachment_urls=attachments,
            title=sane_title(title) or url,   # a heading holding a whole page's text is cut to a title's length
            agency=guess_agency(title, text) or pages.breadcrumb_agency(response.selector),
            year=generated_report_year(url) or guess_year(title, text),
            published=pages.published_date(response.selector, text, response.url),
            listing_url=response.meta.get("ogi_listing"), error=None,
            discovered_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def file_item(self, url: str, title: str, response) -> ReportItem:
        """A report linked straight to its file (no HTML page)."""
        pid = response.meta["portal"]
        url = canonicalize(url)
        return ReportItem(
            id=report_id(pid, url), portal_id=pid, page_url=url, attachment_urls=[url], title=sane_title(title) or url,
            agency=guess_agency(title), year=guess_year(title), published=None,
            listing_url=canonicalize(response.url), error=None,
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
        judged = kind == REPORT   # the link's own words name a report: it must end as a report or an error
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
            if old is not None and old.get("error"):
                old = None   # last run's failure: fetch again
            if old is not None:
                if (pid, url) in self._known_emitted:
                    return   # linked again (another listing, a sidebar): one item per report, not a twin to fold
                self._known_emitted.add((pid, url))
                self.crawler.stats.inc_value(f"ogi/known/{pid}")
                yield ReportItem(**{"error": None, **old, "listing_url": canonicalize(response.url),
                                    "discovered_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
                return
            if pages.is_attachment_url(url):
                if kind == REPORT:
                    yield self.file_item(url, text, response)
                return
            if self.already_emitted(url):
                return   # the duplicate filter would drop it (crawlers.dedup): not even built
            meta = self.child_meta(response, ctx="column", ogi_hint=text, ogi_candidate=True,
                                   ogi_listing=canonicalize(response.url))
            if judged:   # it must end as a report or an error; its redirects are followed hop by hop
                meta.update(ogi_judged=True, dont_redirect=True, handle_httpstatus_list=[301, 302, 303, 307, 308])
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=20, meta=meta)
            return
        if pages.is_attachment_url(url):
            return
        depth = response.meta.get("ogi_depth", 0) + 1
        if depth > self.max_depth:
            self.crawler.stats.inc_value(f"ogi/depth_capped/{pid}")
            return
        in_column = menu or (bool(ctx) and url not in self._chrome.get(pid, ()))
        score = nav_score(text, url, in_report_column=in_column)
        if score < FOLLOW_SCORE or self.already_emitted(url):
            return
        # a report column is inherited down its tree; a list of organisations only for its own links
        new_ctx = column_context(text, url) or (ctx if ctx == "column" else "")
        yield scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=min(score, 19),
                             meta=self.child_meta(response, ctx=new_ctx))
