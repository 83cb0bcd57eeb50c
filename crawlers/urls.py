"""URL canonicalisation — the one place for it (spiders, pipelines, flows and the demo import it).

Rules: lower-case scheme and host, drop default ports and fragments, percent-encode the path
consistently, KEEP the query string (sorted; ids live there on JSP/PHP sites), and fold known
twins of a page onto one URL: TRS mobile twins (`t20230101_1_wap.html`), print views
(`?print=1`, `printContent.jsp` …) and 简体/繁體 toggles (`?lang=big5`).
"""
from __future__ import annotations

import ipaddress
import re
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


def host_of(url: str) -> str:
    """`host` or `host:port` (non-default ports kept), lower-case — the unit of the allow-list."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        return host
    return f"{host}:{port}"


def is_private_host(host: str) -> bool:
    """True for loopback, private, link-local, reserved or unspecified IP literals and `localhost`."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        addr = ipaddress.ip_address(name)
    except ValueError:
        return False
    return addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_unspecified


def filename_of(url: str) -> str:
    """Last path segment, or a `filename=`-style query value, percent-decoded."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in {"filename", "file", "name"} and value:
            return unquote(value.rsplit("/", 1)[-1])
    return unquote(parts.path.rsplit("/", 1)[-1])
