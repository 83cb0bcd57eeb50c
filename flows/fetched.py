"""One way to record a fetched body in the raw store, whoever fetched it.

The polite downloader (`flows.download`) and the crawler (`crawlers.pipelines.RawStoreHandoverPipeline`,
which keeps the report pages it fetched so the flow need not ask for them again) both:

    res = store_body(store, url, data, final_url=…, content_type=…, disposition=…, etag=…,
                     last_modified=…, prior=store.lookup(url) or {})
    record_fetch(store, url, res, prior)

`store_body` sniffs the format from the bytes, stores them (content-addressed, idempotent) and says
new / changed / unchanged against the URL's prior record; `record_fetch` writes the URL record the
next conditional GET and `reparse` work from. `fresh_result` is the other half of the hand-over:
a record made during this run (the crawler fetched the page after the shard started) answers for
the URL without a request.

Imports stay light (stdlib, `crawlers.urls`, `parsers.sniff`): the crawler process loads this module.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from crawlers.urls import filename_of
from parsers.sniff import sniff_format

from .rawstore import RawStore, sha256_of, utc_now

OK_STATUSES = ("new", "changed", "unchanged")


@dataclass
class FetchResult:
    url: str
    status: str  # new | changed | unchanged | failed | skipped
    sha256: str | None = None
    http_status: int | None = None
    content_type: str | None = None  # header as sent
    format: str | None = None  # sniffed from content
    bytes: int | None = None
    final_url: str | None = None
    filename: str | None = None
    fetched_at: str = field(default_factory=utc_now)
    downloaded: bool = False  # a body was transferred (False for 304, refusals, errors, hand-overs)
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    handed_over: bool = False  # no request: the crawler fetched this body during this run (fresh_result)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- headers ---------------------------------------------------------------------------------
def header_text(raw: bytes | str | None) -> str | None:
    """A header value as httpx reads it: ASCII, else UTF-8, else Latin-1 (so both fetchers agree)."""
    if raw is None or isinstance(raw, str):
        return raw
    for enc in ("ascii", "utf-8"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def disposition_filename(raw: bytes | None) -> str | None:
    """The filename of a raw Content-Disposition header value (decoded as UTF-8 or GBK), or None."""
    if not raw:
        return None
    text = ""
    for enc in ("utf-8", "gb18030", "latin-1"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    low = text.lower()
    if "filename*=" in low:
        val = text[low.index("filename*=") + 10:].split(";", 1)[0].strip().strip('"')
        if "''" in val:
            charset, _, enc_val = val.partition("''")
            try:
                return unquote(enc_val, encoding=charset or "utf-8")
            except LookupError:
                return unquote(enc_val)
    if "filename=" in low:
        val = text[low.index("filename=") + 9:].split(";", 1)[0].strip().strip('"')
        if "%" in val:
            for enc in ("utf-8", "gb18030"):
                try:
                    return unquote(val, encoding=enc, errors="strict")
                except UnicodeDecodeError:
                    continue
        return val or None
    return None


# -- store and record ------------------------------------------------------------------------
def store_body(store: RawStore, url: str, data: bytes, *, final_url: str, content_type: str | None,
               disposition: bytes | None = None, etag: str | None = None, last_modified: str | None = None,
               prior: dict | None = None) -> FetchResult:
    """The body of a 200 answer for `url`: sniff its format, store it unless the URL's prior record
    already holds these bytes, and return the result (new / changed / unchanged; failed when empty)."""
    prior = prior or {}
    filename = disposition_filename(disposition) or filename_of(final_url) or filename_of(url)
    if not data:
        return FetchResult(url=url, status="failed", http_status=200, content_type=content_type, bytes=0,
                           final_url=final_url, downloaded=True, error="document: empty body (0 bytes)")
    fmt = sniff_format(data, filename, content_type)
    sha = sha256_of(data)
    prior_sha = prior.get("sha256")
    if prior_sha == sha and store.has(sha):
        status = "unchanged"
    else:
        store.put(data, fmt=fmt, url=url)
        status = "changed" if prior_sha else "new"
    # etag / last_modified: the validators of the next conditional GET (kept in the URL record)
    return FetchResult(url=url, status=status, sha256=sha, http_status=200, content_type=content_type,
                       format=fmt, bytes=len(data), final_url=final_url, filename=filename, downloaded=True,
                       etag=etag, last_modified=last_modified)


def confirms(prior: dict, res: FetchResult) -> bool:
    """A 304 that says exactly what the URL record already holds: same copy, same validators,
    same final URL, and the record's last check went well."""
    return res.http_status == 304 and res.status == "unchanged" and not res.error \
        and prior.get("last_status") in OK_STATUSES and not prior.get("last_error") \
        and all(prior.get(k) == getattr(res, k) for k in ("sha256", "etag", "last_modified", "final_url"))


def record_fetch(store: RawStore, url: str, res: FetchResult, prior: dict | None = None) -> FetchResult:
    """Write the URL record of a fetch (kept: the prior copy's fields when this one failed).

    A 304 that `confirms` the record does not rewrite it (most of a night's answers: rewriting
    each record costs more than the rest of the check); the record file's modification time is
    set instead, so it still tells when the URL was last checked. The record's own `checked_at`,
    `last_status` and `last_http_status` are those of its last change; each run's documents
    (warehouse `documents`) keep every check."""
    if prior and confirms(prior, res):
        store.touch(url)
        return res
    meta = dict(prior or {})
    meta.update({"checked_at": res.fetched_at, "last_status": res.status, "last_error": res.error,
                 "last_http_status": res.http_status})
    if res.status in OK_STATUSES and res.sha256:
        meta.update({"sha256": res.sha256, "format": res.format, "bytes": res.bytes,
                     "content_type": res.content_type, "final_url": res.final_url,
                     "filename": res.filename, "fetched_at": res.fetched_at,
                     "etag": res.etag, "last_modified": res.last_modified})
    store.remember(url, meta)
    return res


# -- the hand-over ---------------------------------------------------------------------------
def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def fresh_result(store: RawStore, url: str, prior: dict, fresh_since: str | None) -> FetchResult | None:
    """The result a URL record made at/after `fresh_since` stands for — a 200 whose bytes are in the
    store (the crawler fetched the page during this run) — or None: the URL must be fetched."""
    since = _when(fresh_since)
    checked = _when(prior.get("checked_at"))
    if since is None or checked is None or checked.tzinfo is None or since.tzinfo is None or checked < since:
        return None
    if prior.get("last_status") not in OK_STATUSES or prior.get("last_http_status") != 200 \
            or not store.has(prior.get("sha256")):
        return None
    return FetchResult(url=url, status=prior["last_status"], sha256=prior["sha256"], http_status=200,
                       content_type=prior.get("content_type"), format=prior.get("format"),
                       bytes=prior.get("bytes"), final_url=prior.get("final_url"), filename=prior.get("filename"),
                       fetched_at=prior.get("fetched_at") or prior["checked_at"], downloaded=False,
                       etag=prior.get("etag"), last_modified=prior.get("last_modified"), handed_over=True)
