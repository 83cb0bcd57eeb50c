"""Chinese word segmentation for the full-text index (jieba, search mode), with no DuckDB import.

The index (warehouse.fts) stores each section's text as space-separated tokens. Segmenting is
pure Python (~2 µs per character), so the flows do it where the parse happens — in the warm
parser workers, side by side with other documents (flows.parsepool) — and hand the tokens to the
loader with the report (`section_tokens`); the index step then only segments what came without
them. SEGMENTER names the rule: tokens made under another one are not reused.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

MAX_INDEXED_CHARS = 20_000  # per section: a 30 MB text report must not stall or bloat the index
SEGMENTER = "jieba-search-1"  # change when segment() changes: cached tokens are keyed by it
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def segment(text: str | None, limit: int | None = MAX_INDEXED_CHARS) -> str:
    """Space-separated jieba search-mode tokens (punctuation and whitespace dropped) of the first
    `limit` characters (a section's searchable words are at its start; real sections are far shorter)."""
    if not text:
        return ""
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return " ".join(t for t in _jieba().cut_for_search(text) if _WORD.search(t))


def section_tokens(sections: Mapping[str, Any] | None) -> dict[str, str]:
    """{section key: tokens} of a parsed report's sections (the keys the loader stores)."""
    if not isinstance(sections, Mapping):
        return {}
    return {str(k): segment(None if v is None else str(v)) for k, v in sections.items()}
