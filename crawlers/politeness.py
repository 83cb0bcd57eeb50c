"""Per-host politeness beyond Scrapy's defaults: robots.txt `Crawl-delay` honoured per host.

`CrawlDelayRobotsTxtMiddleware` (replaces Scrapy's RobotsTxtMiddleware) reads `Crawl-delay` for our
user agent from each host's robots.txt and makes it the minimum delay of that host's download slot
(no jitter below it, capped at OGI_MAX_CRAWL_DELAY). `CrawlDelayAutoThrottle` (replaces AutoThrottle)
never lowers a slot's delay under that floor. Both are off with OGI_OBEY_CRAWL_DELAY=False (the
FAST_SETTINGS for loopback) or ROBOTSTXT_OBEY=False.
"""
from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.httpobj import urlparse_cached

log = logging.getLogger(__name__)
FLOOR_KEY = "ogi_crawl_delay"   # kept in the downloader's per-slot settings (survive slot GC)


def slot_floor(crawler, slot_key: str | None) -> float:
    if not slot_key or crawler.engine is None:
        return 0.0
    return float(crawler.engine.downloader.per_slot_settings.get(slot_key, {}).get(FLOOR_KEY, 0.0))


def apply_crawl_delay(crawler, request, delay: float) -> str:
    """Make `delay` the minimum delay of the request's download slot (created or not yet)."""
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    conf = downloader.per_slot_settings.setdefault(key, {})
    if conf.get(FLOOR_KEY) != delay:
        conf.update({FLOOR_KEY: delay, "delay": max(float(conf.get("delay", downloader._delay)), delay),
                     "jitter": 0.0})   # a floor: never below DOWNLOAD_DELAY / the AutoThrottle start delay
        crawler.stats.set_value(f"ogi/crawl_delay/{key}", delay)
        log.info("robots.txt Crawl-delay %.2f s for %s", delay, key)
    slot = downloader.slots.get(key)
    if slot is not None and (slot.delay < delay or slot.jitter):
        slot.delay = max(slot.delay, delay)
        slot.jitter = 0.0
    return key


class CrawlDelayRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        s = crawler.settings
        self.obey_delay = s.getbool("OGI_OBEY_CRAWL_DELAY", True)
        self.max_delay = s.getfloat("OGI_MAX_CRAWL_DELAY", 60.0)
        self._delays: dict[str, float | None] = {}

    def crawl_delay(self, rp, netloc: str) -> float | None:
        if netloc not in self._delays:
            ua = self._robotstxt_useragent or self._default_useragent
            try:
                delay = rp.crawl_delay(ua)
            except Exception:  # noqa: BLE001 — a parser without crawl_delay or a garbled value
                delay = None
            self._delays[netloc] = min(float(delay), self.max_delay) if delay and delay > 0 else None
        return self._delays[netloc]

    def process_request_2(self, rp, request) -> None:
        super().process_request_2(rp, request)   # raises IgnoreRequest when disallowed
        if rp is None or not self.obey_delay or self.crawler.engine is None:
            return
        delay = self.crawl_delay(rp, urlparse_cached(request).netloc)
        if delay:
            apply_crawl_delay(self.crawler, request, delay)


class CrawlDelayAutoThrottle(AutoThrottle):
    """AutoThrottle that keeps each slot at or above its robots.txt Crawl-delay."""

    def _response_downloaded(self, response, request, spider=None):
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        floor = slot_floor(self.crawler, key)
        if slot is not None and slot.delay < floor:
            slot.delay = floor
