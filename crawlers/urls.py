"""URL canonicalisation — the one place for it (spiders, pipelines, flows and the demo import it).

Rules: lower-case scheme and host, drop default ports and fragments, percent-encode the path
consistently, KEEP the query string (sorted; ids live there on JSP/PHP sites), and fold known
twins of a page onto one URL: TRS mobile twins (`t20230101_1_wap.html`), print views
(`?print=1`, `printContent.jsp` …) and 简体/繁體 toggles (`?lang=big5`).
"""
from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

DEFAULT_PORTS = {"http": 80, "https": 443}

# `t20230118_11520599_wap.html` -> `t20230118_11520599.html` (also _m, _print variants)
_TWIN_SUFFIX = re.compile(r"_(?:wap|m|mobile|print)(\.s?html?)$", re.IGNORECASE)
# query parameters that only select a presentation of the same page
_PRESENTATION = {
    "print": {"", "1", "true", "yes", "y"},
    "isprint": {"", "1", "true", "yes", "y"},
    "printview": {"", "1", "true", "yes", "y"},
    "view": {"print", "wap", "mobile"},
    "type": {"print"},
    "lang": {"big5", "zh-tw", "tw", "ft", "fanti", "zh-hant"},
    "wap": {"1", "true"},
    "mobile": {"1", "true"},
}


@lru_cache(maxsize=16384)   # pure; chrome links recur on every page of a portal
def canonicalize(url: str) -> str:
    """Canonical form of an absolute http(s) URL (see the module docstring)."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = _TWIN_SUFFIX.sub(r"\1", parts.path or "/")
    query = _fold_presentation_query(parts.query)
    rebuilt = urlunsplit((scheme, netloc, path, query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def _fold_presentation_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if value.lower() in _PRESENTATION.get(key.lower(), ()):
            continue
        kept.append((key, value))
    return urlencode(kept)


@lru_cache(maxsize=1 << 14)   # pure; asked for every link of every page
def host_of(url: str) -> str:
    """`host` or `host:port` (non-default ports kept), lower-case — the unit of the allow-list."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"   # IPv6 literal
    port = parts.port
    if port is None or DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        return host
    return f"{host}:{port}"


def _bare_name(host: str) -> str:
    """`name` of a `name[:port]` / `[v6]:port` host, lower-case, without brackets."""
    if host.startswith("["):
        name = host[1:host.find("]")] if "]" in host else host[1:]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.lower()


def is_forbidden_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for any address a crawler must not reach: private, loopback, link-local, multicast,
    reserved, unspecified or otherwise not globally routable (IPv4-mapped IPv6 judged as IPv4)."""
    addr = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(addr, ipaddress.IPv6Address):
        addr = addr.ipv4_mapped or addr.sixtofour or addr
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast or addr.is_reserved
            or addr.is_unspecified or not addr.is_global)


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(_bare_name(host).split("%", 1)[0])
    except ValueError:
        return None


@lru_cache(maxsize=1 << 14)   # pure (by the name alone); asked for every request
def is_private_host(host: str) -> bool:
    """True for non-public IP literals (see `is_forbidden_address`) and `localhost` — by the name
    alone, without resolving it (`destination_problem` also resolves names)."""
    name = _bare_name(host)
    if name == "localhost" or name.endswith(".localhost"):
        return True
    addr = ip_literal(name)
    return addr is not None and is_forbidden_address(addr)


# --- where a request would really go: names are resolved (the one vetting function) ---------

DNS_TIMEOUT = 5.0            # seconds for one resolution (getaddrinfo has no timeout of its own)
DNS_FAILURE_TTL = 10.0       # a failed resolution is tried again after this long (retries back off 2, 4, 8 s)
_dns_cache: dict[str, tuple[str, ...]] = {}
_dns_failures: dict[str, float] = {}
_dns_lock = threading.Lock()
_dns_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ogi-dns")


class ResolutionError(OSError):
    pass


def resolve(name: str, timeout: float = DNS_TIMEOUT) -> tuple[str, ...]:
    """Every address `name` resolves to (cached per name for the process; failures for
    DNS_FAILURE_TTL seconds). Raises ResolutionError when it does not resolve in `timeout`."""
    name = _bare_name(name)
    with _dns_lock:
        hit = _dns_cache.get(name)
        if hit is not None:
            return hit
        failed_at = _dns_failures.get(name)
        if failed_at is not None and time.monotonic() - failed_at < DNS_FAILURE_TTL:
            raise ResolutionError(f"{name} did not resolve (cached failure)")
    try:
        infos = _dns_pool.submit(socket.getaddrinfo, name, None, 0, socket.SOCK_STREAM).result(timeout)
        addrs = tuple(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
        if not addrs:
            raise OSError("no addresses")
    except (OSError, UnicodeError, FutureTimeout) as exc:
        with _dns_lock:
            _dns_failures[name] = time.monotonic()
        raise ResolutionError(f"{name} did not resolve: {exc!r}") from exc
    with _dns_lock:
        _dns_cache[name] = addrs
        _dns_failures.pop(name, None)
    return addrs


def is_resolved(host: str) -> bool:
    """Can `destination_problem` answer for this host without a DNS lookup (literal or cached)?"""
    name = _bare_name(host)
    return ip_literal(name) is not None or name in _dns_cache or name == "localhost" or name.endswith(".localhost")


def clear_dns_cache() -> None:
    with _dns_lock:
        _dns_cache.clear()
        _dns_failures.clear()


def destination_problem(url: str, allowed_local_hosts=frozenset(), *, timeout: float = DNS_TIMEOUT) -> str | None:
    """Why a request to `url` must not be made, or None if it may.

    * `scheme`: not http(s);  * `no_host`;
    * `private_host`: a private/loopback/… IP literal or `localhost`;
    * `private_address`: a name that RESOLVES to such an address (any of its addresses);
    * `dns`: a name that does not resolve within `timeout` seconds.
    Exception: a host that is itself local (private literal or `localhost`) and listed EXACTLY
    (`host[:port]`) in `allowed_local_hosts` (the registry's hosts: demo portals and tests).
    Only the destination is judged here; whether the registry allows the host at all is
    `crawlers.registry.host_allowed`."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "scheme"
    host = host_of(url)
    if not parts.hostname:
        return "no_host"
    if is_private_host(host):
        return None if host in allowed_local_hosts else "private_host"
    if ip_literal(host) is not None:
        return None   # a public literal
    try:
        addrs = resolve(parts.hostname, timeout)
    except ResolutionError:
        return "dns"
    if any(is_forbidden_address(a) for a in addrs):
        return "private_address"
    return None


def is_forbidden_destination(url: str, allowed_local_hosts=frozenset(), *, timeout: float = DNS_TIMEOUT) -> bool:
    """True if `url` must not be fetched (see `destination_problem`; fails closed: an unresolvable
    name is forbidden too). Flows share this rule: pass the portal's registry hosts. A caller that
    then connects should use the address `resolve()` cached (or `crawlers.resolver.vetted_address`),
    not a second lookup that DNS rebinding could answer differently."""
    return destination_problem(url, allowed_local_hosts, timeout=timeout) is not None


def filename_of(url: str) -> str:
    """Last path segment, or a `filename=`-style query value, percent-decoded."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in {"filename", "file", "name"} and value:
            return unquote(value.rsplit("/", 1)[-1])
    return unquote(parts.path.rsplit("/", 1)[-1])
