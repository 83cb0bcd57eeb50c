"""Downloader middlewares: the host allow-list and trap caps, and retries with backoff."""
from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse

from crawlers.registry import host_admission, host_allowed
from crawlers.urls import destination_problem, host_of, is_private_host, is_resolved

log = logging.getLogger(__name__)


class ForbiddenRequest(IgnoreRequest):
    pass


WALL_STATUSES = (412, 468, 521)
_CHALLENGE = re.compile(rb"<script|document\.cookie|location\.(?:reload|href)|setTimeout|\$_ts|eval\(", re.IGNORECASE)


def wall_of(status: int, body: bytes) -> str | None:
    """A description of the anti-bot wall this response is, or None.

    瑞数/Ruishu answers 412 with an obfuscated script that sets a cookie and reloads; 创宇云防御 and
    others 468; Jiasule / Cloudflare-style 521 with a `document.cookie=…; location.href=…` script. A
    scripted client cannot pass them (and the project does not try to defeat them): the portal is
    reported `blocked`, never `empty`."""
    if status not in WALL_STATUSES:
        return None
    if not _CHALLENGE.search(body[:65536]):
        return None
    return f"HTTP {status} script challenge"


class SafetyMiddleware:
    """Refuse every request the registry does not allow, and cap traps.

    * the host (`name[:port]`) must be allowed by the request's portal (or, for requests without a
      portal such as robots.txt, by some portal of the registry);
    * a private, loopback, link-local, multicast, reserved or unspecified address — written as a
      literal OR reached by resolving the name — is fetched only when the registry lists that exact
      local host (tests and the demo run on 127.0.0.x); redirects pass through here again;
    * per portal: at most OGI_MAX_PAGES_PER_PORTAL requests; per path: at most
      OGI_MAX_QUERY_VARIANTS distinct query strings; URLs longer than OGI_MAX_URL_LENGTH refused;
    * anti-bot walls (`wall_of`: 412/468/521 with a script challenge): the host is marked walled,
      its portals `blocked` (stats `ogi/blocked/<portal>`), and no further request goes to it.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.max_pages = s.getint("OGI_MAX_PAGES_PER_PORTAL", 3000)
        self.max_variants = s.getint("OGI_MAX_QUERY_VARIANTS", 25)
        self.max_len = s.getint("OGI_MAX_URL_LENGTH", 512)
        self.dns_timeout = s.getfloat("OGI_DNS_TIMEOUT", 5.0)
        self.pages: dict[str, int] = defaultdict(int)
        self.variants: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.walled: dict[str, str] = {}   # host -> wall description
        self.browser = None   # opt-in (OGI_BROWSER): crawlers.browser.HeadlessBrowser
        if s.get("OGI_BROWSER"):
            from crawlers.browser import HeadlessBrowser
            self.browser = HeadlessBrowser(s.get("OGI_BROWSER"), user_agent=s.get("USER_AGENT"),
                                           timeout=s.getfloat("OGI_BROWSER_TIMEOUT", 30.0))
        self.browser_max = s.getint("OGI_BROWSER_MAX_PAGES", 100)
        self.browser_pages: dict[str, int] = defaultdict(int)

    @classmethod
    def from_crawler(cls, crawler):
        o = cls(crawler)
        crawler.signals.connect(o.close_browser, signal=signals.spider_closed)
        return o

    def _refuse(self, request, reason: str, portal: str | None):
        stats = self.crawler.stats
        stats.inc_value(f"ogi/refused/{reason}")
        if portal:
            stats.inc_value(f"ogi/refused/{reason}/{portal}")
        log.debug("refused (%s): %s", reason, request.url)
        raise ForbiddenRequest(f"{reason}: {request.url}")

    def vet(self, request) -> None:
        """Everything but name resolution: scheme, allow-list, literal private hosts, caps."""
        pid = request.meta.get("portal")
        host = host_of(request.url)
        if urlsplit(request.url).scheme not in ("http", "https"):
            self._refuse(request, "scheme", pid)
        allowed = self.allowed_hosts(request)
        if not host_allowed(host, allowed):
            self._refuse(request, "private_host" if is_private_host(host) else "offsite", pid)
        if pid and host_admission(host, allowed) == "sibling":   # an unlisted host under the portal's gov.cn domain
            self.crawler.stats.inc_value(f"ogi/sibling_host/{pid}/{host}")
        if host in self.walled and not self._browser_may(request):
            self._refuse(request, "blocked", pid)
        if request.meta.get("ogi_robots") or urlsplit(request.url).path == "/robots.txt":
            return
        if len(request.url) > self.max_len:
            self._refuse(request, "url_length", pid)
        if pid and not request.meta.get("ogi_counted"):
            if self.pages[pid] >= self.max_pages:
                self._refuse(request, "page_cap", pid)
            parts = urlsplit(request.url)
            # report candidates (links with a report title) are bounded by their listings, not by the
            # query cap: a JSP site keeps every report at detail.jsp?id=N; nor are the listing pages a
            # platform base computed (`ogi_guess`: ?page=1…N, each base caps N at 500)
            if parts.query and not request.meta.get("ogi_candidate") and not request.meta.get("ogi_guess"):
                seen = self.variants[(pid, parts.netloc + parts.path)]
                if parts.query not in seen and len(seen) >= self.max_variants:
                    self._refuse(request, "query_cap", pid)
                seen.add(parts.query)
            self.pages[pid] += 1
            request.meta["ogi_counted"] = True

    def allowed_hosts(self, request) -> frozenset[str]:
        spider = self.crawler.spider
        portals = getattr(spider, "portals", {}) or {}
        pid = request.meta.get("portal")
        if pid and pid in portals:
            return portals[pid].allowed_hosts
        return getattr(spider, "all_hosts", frozenset())

    async def process_request(self, request):
        """`vet`, then where the host really goes: a name resolving to a private/loopback/…
        address is refused unless the registry lists that exact local host
        (`crawlers.urls.destination_problem`; lookups cached per host, off the event loop)."""
        self.vet(request)
        allowed = self.allowed_hosts(request)
        if is_resolved(host_of(request.url)):
            problem = destination_problem(request.url, allowed, timeout=self.dns_timeout)
        else:
            loop = asyncio.get_running_loop()
            problem = await loop.run_in_executor(None, lambda: destination_problem(
                request.url, allowed, timeout=self.dns_timeout))
        if host_of(request.url) in self.walled and not problem:
            return await self._browser_fetch(request)
        if problem == "dns":
            # unresolvable now: not a refusal but a network error — Scrapy's resolver (the same vetted,
            # cached resolution: crawlers.resolver) fails it, and it is retried and counted as an error
            self.crawler.stats.inc_value("ogi/dns_unresolved")
        elif problem:
            self._refuse(request, problem, request.meta.get("portal"))
        return None


    def _browser_may(self, request) -> bool:
        pid = request.meta.get("portal") or "?"
        return (self.browser is not None and request.method == "GET"
                and self.browser_pages[pid] < self.browser_max)

    async def _browser_fetch(self, request):
        """The page as the opt-in headless browser ends on it (after the wall's script ran)."""
        from crawlers.browser import plain_text_of
        pid = request.meta.get("portal") or "?"
        self.browser_pages[pid] += 1
        self.crawler.stats.inc_value(f"ogi/browser_pages/{pid}")
        loop = asyncio.get_running_loop()
        try:
            dom = await loop.run_in_executor(None, self.browser.dump_dom, request.url)
        except Exception as exc:   # noqa: BLE001 — a browser failure is this page's error, nothing more
            self.crawler.stats.inc_value(f"ogi/browser_failed/{pid}")
            raise IgnoreRequest(f"browser: {exc}") from exc
        if urlsplit(request.url).path == "/robots.txt":
            return TextResponse(request.url, body=plain_text_of(dom).encode("utf-8"), encoding="utf-8",
                                request=request, headers={"Content-Type": "text/plain; charset=utf-8"})
        request.meta["ogi_browser"] = True
        return HtmlResponse(request.url, body=dom.encode("utf-8"), encoding="utf-8", request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})

    async def process_response(self, request, response):
        """Mark an anti-bot wall: its host gets no more plain requests, its portals are `blocked` —
        unless the opt-in browser (OGI_BROWSER) reads the page instead."""
        wall = wall_of(response.status, response.body)
        if wall is None:
            return response
        host = host_of(request.url)
        request.meta["ogi_wall"] = wall
        if host not in self.walled:
            self.walled[host] = wall
            spider = self.crawler.spider
            portals = getattr(spider, "portals", {}) or {}
            pid = request.meta.get("portal")
            hit = [pid] if pid in portals else [p for p, portal in portals.items() if host_allowed(host, portal.allowed_hosts)]
            for p in hit:
                self.crawler.stats.set_value(f"ogi/blocked/{p}", wall)
            log.warning("anti-bot wall at %s (%s): portal(s) %s blocked", host, wall, ", ".join(hit) or "?")
        if self._browser_may(request):
            return await self._browser_fetch(request)
        return response

    def close_browser(self) -> None:
        if self.browser is not None:
            self.browser.close()


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry on 5xx/timeouts, waiting base * 2**(n-1) seconds before attempt n+1."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("OGI_RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("OGI_RETRY_BACKOFF_MAX", 60.0)

    async def _wait(self, request):
        n = request.meta.get("retry_times", 0)
        if n >= request.meta.get("max_retry_times", self.max_retry_times):
            return  # giving up: no point waiting
        delay = min(self.backoff_max, self.backoff_base * (2 ** n))
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        await self._wait(request)
        result = self._retry(request, f"{response.status}")
        return result or response

    async def process_exception(self, request, exception):
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry", False):
            await self._wait(request)
            return self._retry(request, exception)
        return None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*['"]?([a-zA-Z0-9_-]+)""", re.IGNORECASE)
_LATIN = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"}


def sniff_encoding(body: bytes, declared: str | None) -> str | None:
    """The encoding to use instead of a wrong HTTP header, or None to keep it.

    Chinese portals mis-declare: a utf-8 header over a GBK body, an iso-8859-1 error page. Order:
    header (if the body really decodes with it) -> <meta charset> -> utf-8 -> gb18030."""
    declared = (declared or "").lower()
    head = body[:4096]
    meta = _META_CHARSET.search(head)
    meta_enc = meta.group(1).decode("ascii", "replace").lower() if meta else None
    if declared in ("utf-8", "utf8"):
        try:
            body.decode("utf-8")
            return None
        except UnicodeDecodeError:
            pass
    elif declared and declared not in _LATIN:
        return None
    for candidate in (meta_enc, "utf-8", "gb18030"):   # strict utf-8 before the lenient gb18030
        if not candidate or candidate in _LATIN:
            continue
        enc = "gb18030" if candidate in ("gbk", "gb2312", "gb_2312-80") else candidate
        try:
            body.decode(enc)
            return enc
        except (UnicodeDecodeError, LookupError):
            continue
    return None


class EncodingFixMiddleware:
    """Re-decode HTML whose HTTP charset is wrong (see `sniff_encoding`)."""

    @classmethod
    def from_crawler(cls, crawler):
        o = cls()
        o.crawler = crawler
        return o

    def process_response(self, request, response):
        if not isinstance(response, HtmlResponse):
            return response
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        m = re.search(r"charset=([\w-]+)", ctype)
        declared = m.group(1) if m else None
        fixed = sniff_encoding(response.body, declared)
        if fixed and declared:   # with no declared charset Scrapy already reads <meta>
            self.crawler.stats.inc_value("ogi/encoding_fixed")
            return response.replace(encoding=fixed)
        return response
