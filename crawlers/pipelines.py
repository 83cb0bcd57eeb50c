"""Item pipelines: validate, fold twins, hand report bodies over to the flows' raw store, and keep
per-portal stats (written to <output>.stats.json)."""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from scrapy.exceptions import DropItem

from crawlers.items import REQUIRED
from crawlers.recognition import squash
from crawlers.urls import canonicalize

log = logging.getLogger(__name__)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _CrawlerPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class ValidationPipeline(_CrawlerPipeline):
    """Every item has the contract's fields with the right types; bad items are dropped and counted."""

    def process_item(self, item):
        problems = [f for f in REQUIRED if not item.get(f) and f != "attachment_urls"]
        if not isinstance(item.get("attachment_urls"), list):
            problems.append("attachment_urls")
        if item.get("published") is not None and not _DATE.match(str(item["published"])):
            item["published"] = None
        if item.get("year") is not None and not (1990 <= int(item["year"]) <= 2100):
            item["year"] = None
        if item.get("page_url") and canonicalize(item["page_url"]) != item["page_url"]:
            problems.append("page_url not canonical")
        if problems:
            self.crawler.stats.inc_value("ogi/invalid_items")
            raise DropItem(f"invalid item ({', '.join(problems)}): {item.get('page_url')}")
        return item


class TwinFoldingPipeline(_CrawlerPipeline):
    """One item per report: same id (canonical URL) or the same titled report at a second URL
    (site revamp, 繁體 copy, mirror column) within a portal. Attachments are merged."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.by_id: dict[str, dict] = {}
        self.by_title: dict[tuple[str, str, str, str], dict] = {}

    def process_item(self, item):
        first = self.by_id.get(item["id"])
        key = None
        if first is None and item.get("agency") and item.get("year") and not item.get("error"):
            key = (item["portal_id"], squash(item["title"]), squash(item["agency"]), str(item.get("published")))
            first = self.by_title.get(key)
        if first is not None:
            for url in item.get("attachment_urls") or []:
                if url not in first["attachment_urls"]:
                    first["attachment_urls"].append(url)
            self.crawler.stats.inc_value("ogi/twins_folded")
            raise DropItem(f"twin of {first['page_url']}: {item['page_url']}")
        self.by_id[item["id"]] = item
        if key:
            self.by_title[key] = item
        return item


class RawStoreHandoverPipeline(_CrawlerPipeline):
    """With `-s OGI_RAW_STORE=<data dir>` (the flows set it): the body of every report page the
    crawler fetched — the exact bytes of the 200 the item came from — goes into the raw store with
    its URL record, as the flow's downloader would have stored it (one implementation:
    flows.fetched), so the download that follows the crawl does not fetch the page again. A body
    over `OGI_RAW_STORE_MAX_BYTES` (the downloader's cap) is not stored: the downloader then
    handles the page as before.

    Always: the response is removed from the item (it never reaches the items feed, and no body
    is kept once the item has passed)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.store = None
        root = crawler.settings.get("OGI_RAW_STORE")
        if root:
            from flows.rawstore import RawStore
            from parsers.safety import MAX_DOCUMENT_BYTES

            self.store = RawStore(root)
            self.max_bytes = crawler.settings.getint("OGI_RAW_STORE_MAX_BYTES") or MAX_DOCUMENT_BYTES

    def process_item(self, item):
        response = item.pop("response", None)
        if response is None or self.store is None or item.get("error"):
            return item
        stats = self.crawler.stats
        if response.status != 200:
            return item
        if len(response.body) > self.max_bytes:
            stats.inc_value("ogi/handover/too_large")
            return item
        try:
            self.store_page(item["page_url"], response)
        except Exception as exc:   # noqa: BLE001 — the downloader fetches it as before; the item stands
            stats.inc_value("ogi/handover/failed")
            log.warning("raw store hand-over failed for %s: %s: %s", item.get("page_url"), type(exc).__name__, exc)
            return item
        stats.inc_value("ogi/handover/stored")
        return item

    def store_page(self, url: str, response) -> None:
        """Store the body the downloader would have received for `url` and record it for `url`."""
        from flows.fetched import header_text, record_fetch, store_body

        headers = response.headers
        prior = self.store.lookup(url) or {}
        # final_url: where the downloader would have ended — the page itself (a report page's
        # page_url is the URL it was read at), or the redirect target of a report linked as a file
        final_url = url if url == canonicalize(response.url) else response.url
        res = store_body(self.store, url, response.body, final_url=final_url,
                         content_type=header_text(headers.get(b"Content-Type")),
                         disposition=headers.get(b"Content-Disposition"),
                         etag=header_text(headers.get(b"ETag")),
                         last_modified=header_text(headers.get(b"Last-Modified")), prior=prior)
        if res.status in ("new", "changed", "unchanged"):
            record_fetch(self.store, url, res, prior)


class PortalStatsPipeline(_CrawlerPipeline):
    """Counts reports per portal and writes `{portal_id: {pages, reports, errors, status, platform, …}}`
    at close.

    status: ok (reports found), blocked (an anti-bot wall answered and no report was found: not the
    portal's fault, not `empty`; `wall` says which), empty (no report: a failure, not silence),
    error (nothing fetched). platform: the platform base detected most often on the portal's pages
    (`generic` when none: plain link following; null when no page could be read).
    """

    def process_item(self, item):
        if item.get("error"):   # a link judged a report that gave none (crawlers/items.py): an error, not a report
            self.crawler.stats.inc_value(f"ogi/report_errors/{item['portal_id']}")
            return item
        self.crawler.stats.inc_value(f"ogi/reports/{item['portal_id']}")
        return item

    def stats_path(self) -> Path | None:
        explicit = self.crawler.settings.get("OGI_STATS_PATH")
        if explicit:
            return Path(explicit)
        feeds = self.crawler.settings.getdict("FEEDS")
        for uri in feeds:
            uri = str(uri)
            if "://" not in uri or uri.startswith("file://"):
                return Path(uri.removeprefix("file://") + ".stats.json")
        return None

    def portal_stats(self) -> dict[str, dict]:
        stats = self.crawler.stats
        family = getattr(self.crawler.spider, "platform_family", {})   # e.g. hanwebpagenum -> hanweb
        # one pass over the stats, grouped by portal (a pass per portal is quadratic: ~10 keys per portal)
        detected_by: dict[str, dict[str, int]] = {}
        refused_by: dict[str, dict[str, int]] = {}
        for k, v in stats.get_stats().items():
            if k.startswith("ogi/platform/") and k.count("/") == 3:
                _, _, name, pid = k.split("/")
                name = family.get(name, name)
                into = detected_by.setdefault(pid, {})
                into[name] = into.get(name, 0) + v
            elif k.startswith("ogi/refused/") and k.count("/") >= 3:
                _, _, reason, pid = k.split("/", 3)
                refused_by.setdefault(pid, {})[reason] = v
        out = {}
        for pid in getattr(self.crawler.spider, "portals", {}):
            pages = stats.get_value(f"ogi/pages/{pid}", 0)
            reports = stats.get_value(f"ogi/reports/{pid}", 0)
            report_errors = stats.get_value(f"ogi/report_errors/{pid}", 0)
            errors = stats.get_value(f"ogi/errors/{pid}", 0) + report_errors
            wall = stats.get_value(f"ogi/blocked/{pid}")
            status = "ok" if reports else ("blocked" if wall else ("error" if pages == 0 else "empty"))
            detected = detected_by.get(pid, {})
            # no page read (a wall, a dead host): the platform is unknown, not generic
            platform = max(sorted(detected), key=lambda name: detected[name]) if detected else (
                "generic" if pages else None)
            out[pid] = {"pages": pages, "reports": reports, "errors": errors, "report_errors": report_errors,
                        "status": status,
                        "platform": platform, "platforms": detected, "wall": wall,
                        "browser_pages": stats.get_value(f"ogi/browser_pages/{pid}", 0),
                        "error": wall if status == "blocked" else None,
                        "refused": refused_by.get(pid, {})}
        return out

    def close_spider(self):
        result = self.portal_stats()
        for pid, s in result.items():
            if s["status"] == "blocked":
                log.error("portal %s: blocked by an anti-bot wall (%s) — not crawled, not empty", pid, s["wall"])
            elif s["status"] != "ok":
                log.error("portal %s: %s (pages=%d, errors=%d) — zero reports is a failure", pid, s["status"],
                          s["pages"], s["errors"])
        path = self.stats_path()
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
