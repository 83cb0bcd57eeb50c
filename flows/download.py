"""Polite document download into the raw store.

One rule set for every document URL:
- only hosts the registry allows for the portal; private/loopback addresses only when the
  registry entry itself is local (tests, demo) — checked on every redirect hop too;
- robots.txt respected (per host, cached; 4xx = allow all, unreachable = disallow this run);
- per-host concurrency limit and a minimum delay between requests to one host;
- conditional GET with the ETag/Last-Modified remembered in the raw store's URL index, and a
  200 whose bytes hash to the stored SHA-256 counts as unchanged;
- a size cap (`parsers.safety.MAX_DOCUMENT_BYTES` unless told otherwise), the format sniffed
  from the content (`parsers.sniff`), never from the extension;
- redirect loops, timeouts, connection errors, 4xx/5xx become a recorded error on that
  document (transient ones are retried a few times first); nothing here raises for a bad URL.
- paths with Chinese characters that 404 in UTF-8 are retried once percent-encoded as GBK
  (old IIS portals), and Content-Disposition filenames are decoded as UTF-8 or GBK.
- a report page the crawler fetched during this run (`Politeness.fresh_since`: the shard's crawl
  start) is not asked for again: the crawler stored its body and URL record the same way
  (`flows.fetched`), and that record answers for it (`FetchResult.handed_over`).
"""
from __future__ import annotations

import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import httpx

from crawlers import settings as _crawler_settings
from crawlers.registry import host_allowed
from crawlers.urls import destination_problem, host_of
from parsers.safety import MAX_DOCUMENT_BYTES

from .fetched import FetchResult, fresh_result, record_fetch, store_body  # FetchResult: re-exported
from .hostpools import PerOriginTransport
from .rawstore import RawStore

# one identity for crawl and download: the crawler's User-Agent and its robots.txt agent token
USER_AGENT = _crawler_settings.USER_AGENT
ROBOTS_AGENT = getattr(_crawler_settings, "ROBOTSTXT_USER_AGENT", None) or USER_AGENT
TRANSIENT_STATUS = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5


@dataclass
class Politeness:
    per_host: int = 2  # concurrent requests to one host
    delay_s: float = 0.5  # minimum seconds between request starts to one host
    timeout_s: float = 30.0
    max_bytes: int = MAX_DOCUMENT_BYTES
    retries: int = 2  # extra attempts on timeouts / connection errors / 5xx
    backoff_s: float = 1.0
    obey_robots: bool = True
    honor_crawl_delay: bool = True  # robots.txt Crawl-delay raises delay_s for that host (max 30 s)
    user_agent: str = USER_AGENT
    prefect_host_limits: bool = False  # also take a slot of the Prefect global concurrency limit
                                       # `ogi-host-<host>` per request (flows.hostqueue), if it exists
    fresh_since: str | None = None  # UTC ISO time (the shard's crawl start): a URL whose record was
                                    # made since (the crawler fetched the page, flows.fetched) is not
                                    # asked for again

    @classmethod
    def from_dict(cls, d: dict | None) -> "Politeness":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (d or {}).items() if k in known})


class Refused(Exception):
    """The URL is outside what the registry allows (host, private address, robots.txt)."""


# -- per-process politeness state (shared by every task thread) ------------------------------
_lock = threading.Lock()
_host_sems: dict[str, threading.BoundedSemaphore] = {}
_host_next: dict[str, float] = {}
_robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
_robots_locks: dict[str, threading.Lock] = {}


def _host_slot(host: str, pol: Politeness) -> threading.BoundedSemaphore:
    with _lock:
        sem = _host_sems.get(host)
        if sem is None:
            sem = _host_sems[host] = threading.BoundedSemaphore(max(1, int(pol.per_host)))
        return sem


def _wait_turn(host: str, pol: Politeness, delay_s: float | None = None) -> None:
    delay = max(0.0, pol.delay_s if delay_s is None else delay_s)
    while True:
        with _lock:
            now = time.monotonic()
            ready = _host_next.get(host, 0.0)
            if now >= ready:
                _host_next[host] = now + delay
                return
        time.sleep(min(ready - now, 1.0))


def reset_politeness_state() -> None:
    """Forget per-host state (robots.txt cache, delays) — between runs in one process."""
    with _lock:
        _host_sems.clear()
        _host_next.clear()
        _robots.clear()
        _robots_locks.clear()


# -- network safety --------------------------------------------------------------------------
_DESTINATION_REASONS = {
    "scheme": "the scheme is not http(s)",
    "no_host": "the URL has no host",
    "private_host": "it is a private/loopback address and the portal is not local",
    "private_address": "it resolves to a private/loopback address",
    "dns": "it does not resolve",
}


def check_url(url: str, allowed_hosts: list[str], allow_private: bool) -> None:
    """Raise Refused unless the registry allows this URL's host (rule: crawlers.registry) and the
    destination is safe to connect to (rule: crawlers.urls.destination_problem — the same one the
    crawler applies). Local hosts pass only for a local registry entry that lists them exactly."""
    host = host_of(url)
    if urlsplit(url).scheme in ("http", "https") and not host_allowed(host, frozenset(h.lower() for h in allowed_hosts)):
        raise Refused(f"refused: host {host} is not allowed for this portal")
    local = frozenset(h.lower() for h in allowed_hosts) if allow_private else frozenset()
    problem = destination_problem(url, local)
    if problem is not None:
        raise Refused(f"refused: {host or url}: {_DESTINATION_REASONS.get(problem, problem)}")


# -- robots.txt ------------------------------------------------------------------------------
def _robots_for(client: httpx.Client, url: str, pol: Politeness) -> urllib.robotparser.RobotFileParser | None:
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    with _lock:
        lk = _robots_locks.setdefault(base, threading.Lock())
    with lk:
        if base in _robots:
            return _robots[base]
        rp = urllib.robotparser.RobotFileParser(base + "/robots.txt")
        try:
            resp = client.get(base + "/robots.txt", follow_redirects=True, timeout=min(pol.timeout_s, 15.0))
            if resp.status_code >= 500:
                rp = None  # unreachable robots.txt: treat the host as closed for this run
            elif resp.status_code >= 400:
                rp.allow_all = True
            else:
                rp.parse(resp.text.splitlines())
        except httpx.HTTPError:
            rp = None
        _robots[base] = rp
        return rp


def host_delay(url: str, pol: Politeness) -> float:
    """The delay for this URL's host: ours, or robots.txt Crawl-delay when larger (capped)."""
    if not (pol.obey_robots and pol.honor_crawl_delay):
        return pol.delay_s
    parts = urlsplit(url)
    rp = _robots.get(f"{parts.scheme}://{parts.netloc}")
    try:
        agent = ROBOTS_AGENT if pol.user_agent == USER_AGENT else pol.user_agent
        cd = rp.crawl_delay(agent) if rp is not None else None
    except Exception:
        cd = None
    return max(pol.delay_s, min(float(cd or 0), 30.0))


def robots_allows(client: httpx.Client, url: str, pol: Politeness) -> bool:
    if not pol.obey_robots:
        return True
    rp = _robots_for(client, url, pol)
    if rp is None:
        return False
    return rp.can_fetch(ROBOTS_AGENT if pol.user_agent == USER_AGENT else pol.user_agent, url)


# -- helpers ---------------------------------------------------------------------------------
def _gbk_variant(url: str) -> str | None:
    """The URL with its path percent-encoded as GBK instead of UTF-8, if that differs."""
    parts = urlsplit(url)
    path = unquote(parts.path, encoding="utf-8", errors="strict") if "%" in parts.path else parts.path
    if path.isascii():
        return None
    try:
        gbk_path = quote(path.encode("gbk"), safe="/%:@!$&'()*+,;=-._~")
    except UnicodeEncodeError:
        return None
    return urlunsplit((parts.scheme, parts.netloc, gbk_path, parts.query, ""))


def _raw_header(resp: httpx.Response, name: bytes) -> bytes | None:
    return next((v for k, v in resp.headers.raw if k.lower() == name), None)


def _http_date_ok(value: str | None) -> bool:
    if not value:
        return False
    try:
        parsedate_to_datetime(value)
        return True
    except (TypeError, ValueError):
        return False


class TooLarge(Exception):
    pass


DRAIN_BYTES = 64 * 1024


def _drain(resp: httpx.Response) -> None:
    """Read the small declared body of an answer we do not keep (redirect, error page), so its
    connection goes back to the pool instead of being closed; a large or undeclared one is left
    unread (the connection is dropped: cheaper than reading it)."""
    try:
        if int(resp.headers.get("content-length", "x")) <= DRAIN_BYTES:
            resp.read()
    except (ValueError, httpx.HTTPError, OSError):
        pass


def _read_capped(resp: httpx.Response, max_bytes: int) -> bytes:
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"document is {int(declared)} bytes (Content-Length), over the {max_bytes}-byte cap")
    buf = bytearray()
    for chunk in resp.iter_bytes():
        buf.extend(chunk)
        if len(buf) > max_bytes:
            raise TooLarge(f"document exceeds the {max_bytes}-byte cap")
    return bytes(buf)


# -- the download ----------------------------------------------------------------------------
class Downloader:
    def __init__(self, store: RawStore, politeness: Politeness | None = None, connections: int = 128):
        """`connections`: the most connections to one origin, at least the fetch threads sharing the
        client (flows.hostqueue passes its thread count); each origin has its own pool
        (flows.hostpools: httpcore scans its whole pool on every request)."""
        self.store = store
        self.pol = politeness or Politeness()
        self.client = httpx.Client(
            headers={"User-Agent": self.pol.user_agent, "Accept": "*/*"},
            timeout=httpx.Timeout(self.pol.timeout_s, connect=min(self.pol.timeout_s, 10.0)),
            transport=PerOriginTransport(limits=httpx.Limits(max_connections=connections,
                                                             max_keepalive_connections=connections)),
            follow_redirects=False, trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Downloader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def fetch(self, url: str, *, allowed_hosts: list[str], allow_private: bool = False) -> FetchResult:
        """Fetch one document; never raises for network/HTTP trouble (see FetchResult.error).

        A URL the crawler already fetched during this run (its record checked at/after
        `Politeness.fresh_since`, the bytes in the store) is answered from that record, unasked."""
        prior = self.store.lookup(url) or {}
        if self.pol.fresh_since and host_allowed(host_of(url), frozenset(h.lower() for h in allowed_hosts)):
            fresh = fresh_result(self.store, url, prior, self.pol.fresh_since)
            if fresh is not None and (fresh.bytes or 0) <= self.pol.max_bytes:
                return fresh
        try:
            check_url(url, allowed_hosts, allow_private)
            if not robots_allows(self.client, url, self.pol):
                raise Refused("refused: disallowed by robots.txt (or robots.txt unreachable)")
        except Refused as exc:
            return self._record(url, FetchResult(url=url, status="skipped", error=str(exc)), prior)
        res = self._fetch_with_retries(url, prior, allowed_hosts, allow_private)
        if res.http_status == 404 and res.error:
            alt = _gbk_variant(url)
            if alt:
                alt_res = self._fetch_with_retries(alt, prior, allowed_hosts, allow_private)
                if not alt_res.error:
                    alt_res.url = url
                    res = alt_res
        return self._record(url, res, prior)

    def _record(self, url: str, res: FetchResult, prior: dict) -> FetchResult:
        return record_fetch(self.store, url, res, prior)

    def _fetch_with_retries(self, url: str, prior: dict, allowed_hosts: list[str], allow_private: bool) -> FetchResult:
        attempt = 0
        while True:
            res = self._fetch_once(url, prior, allowed_hosts, allow_private)
            transient = res.error and (res.http_status in TRANSIENT_STATUS or res.http_status is None) \
                and not res.error.startswith(("refused", "redirect", "document"))
            if not transient or attempt >= self.pol.retries:
                return res
            attempt += 1
            time.sleep(self.pol.backoff_s * attempt)

    def _fetch_once(self, url: str, prior: dict, allowed_hosts: list[str], allow_private: bool) -> FetchResult:
        headers: dict[str, str] = {}
        prior_sha = prior.get("sha256")
        if prior_sha and self.store.has(prior_sha):
            if prior.get("etag"):
                headers["If-None-Match"] = prior["etag"]
            if _http_date_ok(prior.get("last_modified")):
                headers["If-Modified-Since"] = prior["last_modified"]
        seen: list[str] = []
        current = url
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                if current in seen:
                    return FetchResult(url=url, status="failed", final_url=current,
                                       error=f"redirect loop: {' -> '.join(seen + [current])}")
                seen.append(current)
                check_url(current, allowed_hosts, allow_private)
                if current != url and not robots_allows(self.client, current, self.pol):
                    raise Refused("refused: disallowed by robots.txt")
                host = host_of(current)
                sem = _host_slot(host, self.pol)
                with sem:
                    _wait_turn(host, self.pol, host_delay(current, self.pol))
                    with self.client.stream("GET", current, headers=headers) as resp:
                        if resp.status_code in (301, 302, 303, 307, 308) and resp.headers.get("location"):
                            current = urljoin(current, resp.headers["location"])
                            _drain(resp)
                            continue
                        return self._handle(url, current, resp, prior)
            return FetchResult(url=url, status="failed", final_url=current,
                               error=f"redirect: more than {MAX_REDIRECTS} redirects")
        except Refused as exc:
            return FetchResult(url=url, status="skipped", final_url=current, error=f"{exc} (redirect target)")
        except httpx.TimeoutException as exc:
            return FetchResult(url=url, status="failed", final_url=current,
                               error=f"timeout after {self.pol.timeout_s:g} s ({type(exc).__name__})")
        except TooLarge as exc:
            return FetchResult(url=url, status="failed", final_url=current, error=str(exc))
        except (httpx.HTTPError, OSError, UnicodeError, ValueError) as exc:
            return FetchResult(url=url, status="failed", final_url=current,
                               error=f"network error: {type(exc).__name__}: {exc}"[:500])

    def _handle(self, url: str, final_url: str, resp: httpx.Response, prior: dict) -> FetchResult:
        ctype = resp.headers.get("content-type")
        if resp.status_code == 304 and prior.get("sha256"):
            resp.read()  # no body: reading it ends the exchange, so the connection is kept alive (not closed)
            return FetchResult(url=url, status="unchanged", sha256=prior["sha256"], http_status=304,
                               content_type=prior.get("content_type"), format=prior.get("format"),
                               bytes=prior.get("bytes"), final_url=final_url,
                               filename=prior.get("filename"),
                               etag=resp.headers.get("etag") or prior.get("etag"),
                               last_modified=resp.headers.get("last-modified") or prior.get("last_modified"))
        if resp.status_code != 200:
            _drain(resp)
            return FetchResult(url=url, status="failed", http_status=resp.status_code, content_type=ctype,
                               final_url=final_url, error=f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
        data = _read_capped(resp, self.pol.max_bytes)
        return store_body(self.store, url, data, final_url=final_url, content_type=ctype,
                          disposition=_raw_header(resp, b"content-disposition"), etag=resp.headers.get("etag"),
                          last_modified=resp.headers.get("last-modified"), prior=prior)
