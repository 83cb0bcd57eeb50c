"""Chinese word segmentation for the full-text index (jieba's dictionary and search mode, run by
jieba-rs through `rjieba`), with no DuckDB import.

The index (warehouse.fts) stores each section's text as space-separated tokens. The flows segment
where the parse happens — in the warm parser workers, side by side with other documents
(flows.parsepool) — and hand the tokens to the loader with the report (`section_tokens`); the
index step then only segments what came without them. SEGMENTER names the rule: tokens made under
another one are not reused (the parse cache keys them by it, and the index re-segments rows made
under another rule).

The text is cut into runs of word characters (ASCII letters and digits, CJK ideographs) first,
and each run is segmented on its own: punctuation never reaches the segmenter, so no token holds
one (jieba-rs would keep `www.gov.cn` or `0356-2039067` whole, where the index splits them), and
the index's terms are the same as with Python jieba 0.42.1 (same dictionary, same search mode and
HMM) at about a tenth of the CPU (measured: 20 ms → 1.5 ms per real-size report).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_INDEXED_CHARS = 20_000  # per section: a 30 MB text report must not stall or bloat the index
SEGMENTER = "jieba-rs-search-runs-1"  # change when segment() changes: cached tokens are keyed by it
_RUN = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+")


def _cut_for_search():
    from rjieba import cut_for_search

    return cut_for_search


def segment(text: str | None, limit: int | None = MAX_INDEXED_CHARS) -> str:
    """Space-separated search-mode tokens (punctuation and whitespace dropped) of the first
    `limit` characters (a section's searchable words are at its start; real sections are far shorter)."""
    if not text:
        return ""
    if limit is not None and len(text) > limit:
        text = text[:limit]
    cut = _cut_for_search()
    out: list[str] = []
    for run in _RUN.findall(text):
        out.extend(cut(run, True))
    return " ".join(out)


def section_tokens(sections: Mapping[str, Any] | None) -> dict[str, str]:
    """{section key: tokens} of a parsed report's sections (the keys the loader stores)."""
    if not isinstance(sections, Mapping):
        return {}
    return {str(k): segment(None if v is None else str(v)) for k, v in sections.items()}
