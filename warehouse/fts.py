"""Full-text search over report section texts (DuckDB `fts` extension from its pinned wheel).

DuckDB's fts tokenizer splits on whitespace only, so Chinese text is segmented (warehouse.segment:
jieba's search mode, which also emits the sub-words of long words) into `section_search.tokens`, and
that column is indexed with stemmer/stopwords off and an `ignore` regex that keeps CJK
characters. The index is not updated by later INSERTs: `refresh_index(con)` segments new or
changed sections (by MD5 of the segmenter's name and the text, so a new segmenter re-segments
every row once) and rebuilds the index; the flows run it once per run,
after the last load and before publishing (never per load round). The flows' loads hand over
tokens made by the parser workers (`stage_tokens`, warehouse.segment), so at the end of a run
only sections that came without them are segmented here. Only the first MAX_INDEXED_CHARS of a
section are indexed. Queries are segmented the same way (`search`).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from .load import rollback_quietly

from .extensions import load_extension
from .segment import MAX_INDEXED_CHARS, SEGMENTER, segment  # noqa: F401  (re-exported: the index's rule)

INDEX_SCHEMA = "fts_main_section_search"
# Characters the fts tokenizer drops (everything but ASCII letters/digits and CJK ideographs).
IGNORE = r"(\.|[^a-z0-9\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}])+"


PARALLEL_MIN_TEXTS = 50_000  # below this (~1 s of segmenting), spawning workers does not pay off
# what `section_search.text_md5` holds: the MD5 of the segmenter's name and the section text, so
# rows segmented under another rule count as stale (SEGMENTER is a constant of ours: no quoting)
TEXT_KEY = f"md5('{SEGMENTER}' || chr(10) || coalesce(s.text, ''))"


def _segment_many(texts: list[str | None], workers: int | None = None) -> list[str]:
    """Segment many texts; very large batches are spread over processes."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(texts) < PARALLEL_MIN_TEXTS:
        return [segment(t) for t in texts]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent holds a DuckDB connection and its threads
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(segment, texts, chunksize=max(1, len(texts) // (workers * 8))))


def query_terms(query: str) -> list[str]:
    seen: dict[str, None] = {}
    for t in segment(query).split():
        seen.setdefault(t.lower(), None)
    return list(seen)


def index_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ? "
                            "AND database_name = current_database()", [INDEX_SCHEMA]).fetchone()[0])


def stage_tokens(con: duckdb.DuckDBPyConnection, tokens: dict[str, dict[str, str]]) -> int:
    """Store tokens made elsewhere (report_id -> {section_key: tokens}) for sections just loaded:
    each row carries the MD5 of the section text as stored, so `refresh_index` counts it as up
    to date and segments it no more. Rows of these reports made from older text are replaced.
    Returns the number of section rows staged."""
    rows = [(rid, key, tok) for rid, secs in tokens.items() for key, tok in (secs or {}).items()]
    if not rows:
        return 0
    staged = json.dumps({"report_id": [r[0] for r in rows], "section_key": [r[1] for r in rows],
                         "tokens": [r[2] for r in rows]}, ensure_ascii=False)
    json_type = json.dumps({"report_id": ["VARCHAR"], "section_key": ["VARCHAR"], "tokens": ["VARCHAR"]})
    con.begin()
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE staged_tokens AS
            SELECT unnest(x.report_id) AS report_id, unnest(x.section_key) AS section_key,
                   unnest(x.tokens) AS tokens FROM (SELECT from_json(?, '{json_type}') AS x)""", [staged])
        con.execute("DELETE FROM section_search WHERE report_id IN (SELECT DISTINCT report_id FROM staged_tokens)")
        n = con.execute(f"""
            INSERT INTO section_search (doc_id, report_id, section_key, text_md5, tokens)
            SELECT s.report_id || ':' || s.section_key, s.report_id, s.section_key, {TEXT_KEY}, t.tokens
            FROM report_sections s JOIN staged_tokens t USING (report_id, section_key)""").fetchone()[0]
        con.execute("DROP TABLE staged_tokens")
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return int(n)


def refresh_index(con: duckdb.DuckDBPyConnection, *, force: bool = False,
                  workers: int | None = None) -> dict[str, Any]:
    """Segment new/changed sections, drop removed ones, rebuild the index when anything changed.

    `workers` processes segment large batches (default: one per CPU)."""
    load_extension(con, "fts")
    stale = con.execute(f"""
        SELECT s.report_id, s.section_key, s.text, {TEXT_KEY} AS h
        FROM report_sections s
        LEFT JOIN section_search q ON q.report_id = s.report_id AND q.section_key = s.section_key
        WHERE q.text_md5 IS DISTINCT FROM {TEXT_KEY}""").fetchall()
    staged = {"doc_id": [f"{rid}:{key}" for rid, key, _, _ in stale],
              "report_id": [r[0] for r in stale], "section_key": [r[1] for r in stale],
              "text_md5": [r[3] for r in stale], "tokens": _segment_many([r[2] for r in stale], workers)}
    con.begin()
    try:
        removed = con.execute(f"""
            DELETE FROM section_search q WHERE NOT EXISTS (
              SELECT 1 FROM report_sections s WHERE s.report_id = q.report_id AND s.section_key = q.section_key
                AND {TEXT_KEY} = q.text_md5)""").fetchone()[0]
        if stale:
            json_type = json.dumps({k: ["VARCHAR"] for k in staged})
            con.execute("INSERT INTO section_search (doc_id, report_id, section_key, text_md5, tokens) "
                        "SELECT unnest(x.doc_id), unnest(x.report_id), unnest(x.section_key), "
                        f"unnest(x.text_md5), unnest(x.tokens) FROM (SELECT from_json(?, '{json_type}') AS x)",
                        [json.dumps(staged, ensure_ascii=False)])
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    changed = bool(stale) or bool(removed)
    rebuilt = False
    if changed or force or not index_exists(con):
        ignore = IGNORE.replace("'", "''")
        con.execute(f"PRAGMA create_fts_index('section_search', 'doc_id', 'tokens', stemmer = 'none', "
                    f"stopwords = 'none', ignore = '{ignore}', strip_accents = 0, lower = 1, overwrite = 1)")
        rebuilt = True
    total = con.execute("SELECT count(*) FROM section_search").fetchone()[0]
    return {"segmented": len(stale), "removed": int(removed), "documents": int(total), "rebuilt": rebuilt}


@dataclass(frozen=True)
class Hit:
    report_id: str
    section_key: str
    score: float
    agency: str | None
    year: int | None
    title: str | None
    snippet: str


def _snippet(text: str, terms: list[str], width: int = 40) -> str:
    text = re.sub(r"\s+", " ", text or "")
    pos = min((p for p in (text.lower().find(t) for t in terms) if p >= 0), default=0)
    start = max(0, pos - width // 2)
    return ("…" if start else "") + text[start:start + width * 2] + ("…" if start + width * 2 < len(text) else "")


def search(con: duckdb.DuckDBPyConnection, query: str, *, limit: int = 10, year: int | None = None,
           section: str | None = None, match_all: bool = True) -> list[Hit]:
    """BM25-ranked sections matching the query (segmented as the sections were). Needs `refresh_index` first."""
    terms = query_terms(query)
    if not terms:
        return []
    if not index_exists(con):
        raise RuntimeError("the full-text index is missing: run `ogi db fts` (warehouse.refresh_search) first")
    load_extension(con, "fts")
    where, params = ["score IS NOT NULL"], [" ".join(terms), int(match_all)]
    if year is not None:
        where.append("r.year = ?")
        params.append(year)
    if section:
        where.append("q.section_key = ?")
        params.append(section)
    params.append(limit)
    rows = con.execute(f"""
        SELECT q.report_id, q.section_key, q.score, r.agency, r.year, r.title, s.text
        FROM (SELECT report_id, section_key,
                     {INDEX_SCHEMA}.match_bm25(doc_id, ?, conjunctive := ?) AS score
              FROM section_search) q
        JOIN reports r ON r.report_id = q.report_id
        JOIN report_sections s ON s.report_id = q.report_id AND s.section_key = q.section_key
        WHERE {' AND '.join(where)}
        ORDER BY q.score DESC, q.report_id, q.section_key
        LIMIT ?""", params).fetchall()
    return [Hit(rid, key, float(score), agency, yr, title, _snippet(text, terms))
            for rid, key, score, agency, yr, title, text in rows]
