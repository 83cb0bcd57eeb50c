"""Content-addressed raw store under the data directory — nothing is fetched or parsed twice.

Layout (all writes are atomic: temp file + rename, so a killed run leaves no torn file):

    <data_dir>/raw/<sha[:2]>/<sha>              the bytes, named by their SHA-256
    <data_dir>/raw/<sha[:2]>/<sha>.json         {sha256, bytes, format, first_url, stored_at}
    <data_dir>/raw/urls/<key[:2]>/<key>.json    per URL: sha256, etag, last_modified, status …
                                                (its mtime: the last check; flows.fetched.record_fetch)
    <data_dir>/raw/reports/<report_id>.json     per report: the crawl item + its documents

`key` is the SHA-1 of the canonical URL (`crawlers.urls.canonicalize`). The URL index is what
makes conditional GETs possible; the report manifests are what `reparse` works from.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from crawlers.urls import canonicalize


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_TMP_NAMES = itertools.count()
_HOST = socket.gethostname().replace("/", "_")


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a temporary file beside it, then a rename. The temporary
    name is unique to this host, process, thread and write (workers on several machines share a
    data directory), without mkstemp's random names or a directory check unless the directory is
    missing: a night writes several small files per report."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = f"{path.parent}/.tmp-{_HOST}-{os.getpid()}-{threading.get_ident()}-{next(_TMP_NAMES)}{path.suffix}"
        try:
            fd = os.open(tmp, flags, 0o644)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            continue
        except FileExistsError:  # left behind by a killed process that had the same pid
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_json(path: Path, obj: Any) -> None:
    _atomic_write(path, json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"))


def _read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, OSError):
        return None  # a damaged index entry is treated as absent: the document is fetched again


@functools.lru_cache(maxsize=65536)  # a fetch looks its URL up, then records it
def url_key(url: str) -> str:
    try:
        canon = canonicalize(url)
    except Exception:
        canon = url.strip()
    return hashlib.sha1(canon.encode("utf-8")).hexdigest()


class RawStore:
    def __init__(self, data_dir: str | os.PathLike[str]):
        self.root = Path(data_dir) / "raw"

    # -- blobs --------------------------------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def has(self, sha: str | None) -> bool:
        return bool(sha) and self.blob_path(sha).is_file()

    def get(self, sha: str) -> bytes:
        return self.blob_path(sha).read_bytes()

    def put(self, data: bytes, *, fmt: str | None = None, url: str | None = None) -> str:
        """Store bytes (idempotent) and return their SHA-256."""
        sha = sha256_of(data)
        path = self.blob_path(sha)
        if not path.is_file() or path.stat().st_size != len(data):
            _atomic_write(path, data)
        meta_path = path.with_name(sha + ".json")
        if not meta_path.is_file():
            _write_json(meta_path, {"sha256": sha, "bytes": len(data), "format": fmt,
                                    "first_url": url, "stored_at": utc_now()})
        return sha

    def blob_meta(self, sha: str) -> dict | None:
        return _read_json(self.blob_path(sha).with_name(sha + ".json"))

    # -- URL index ----------------------------------------------------------------------------
    def url_path(self, url: str) -> Path:
        key = url_key(url)
        return self.root / "urls" / key[:2] / f"{key}.json"

    def lookup(self, url: str) -> dict | None:
        return _read_json(self.url_path(url))

    def remember(self, url: str, meta: dict) -> None:
        _write_json(self.url_path(url), {**meta, "url": url})

    def touch(self, url: str) -> None:
        """Mark the URL's record as checked now (its modification time) without rewriting it."""
        try:
            os.utime(self.url_path(url))
        except FileNotFoundError:
            pass

    def iter_urls(self) -> Iterator[dict]:
        for p in sorted((self.root / "urls").glob("*/*.json")):
            meta = _read_json(p)
            if meta:
                yield meta

    # -- report manifests ---------------------------------------------------------------------
    def _report_path(self, report_id: str) -> Path:
        safe = "".join(c for c in report_id if c.isalnum() or c in "-_.") or url_key(report_id)
        return self.root / "reports" / f"{safe}.json"

    def save_report(self, report_id: str, manifest: dict) -> None:
        _write_json(self._report_path(report_id), manifest)

    def load_report(self, report_id: str) -> dict | None:
        return _read_json(self._report_path(report_id))

    def iter_reports(self) -> Iterator[dict]:
        for p in sorted((self.root / "reports").glob("*.json")):
            m = _read_json(p)
            if m:
                yield m
