"""Writing into the warehouse: parsed reports, fetched documents, portals, runs.

Public functions (stable; flows and commands call them):

    load_report(con, report, *, report_id, portal_id, page_url, document_url, sha256, loaded_at=None)
    load_reports(con, items)            # many reports, one transaction (bulk path, same semantics)
    record_document(con, *, url, sha256, http_status, content_type, bytes, fetched_at, error, ...)
    record_documents(con, [dict(url=..., ...), ...])   # many, one transaction (bulk path)
    load_portals(con, registry_csv_path)
    record_run(con, run_id, started_at, finished_at, stats, *, status=None, flow=None, error=None)
    record_portal_runs(con, run_id, per_portal)   # {portal_id: {pages, reports_found, new, ...}}

`report` is `ParsedReport.to_dict()`. Semantics of a report load:
- all rows of that report (reports, active_disclosure, applications, review_litigation,
  check_results, report_sections) are replaced in ONE transaction;
- idempotent: the load fingerprint (sha256 of the canonical JSON of the report and its
  metadata, loaded_at excluded) is stored on `reports`; loading the same input again changes
  nothing, not even loaded_at, and returns "unchanged";
- a re-parse (e.g. a new parser_version) has a new fingerprint and replaces every row;
- provenance (sha256, parser_version, loaded_at) is on every row; blank cells are NULL;
- a failed/needs_ocr report still gets its `reports` row with `error` (so does a payload that
  is not a dict: parse_status failed, with the reason);
- cell values that are not numbers become NULL with a warning on the report; nothing raises
  for bad data (only a missing report_id is a ValueError);
- per-cell provenance (`report["provenance"]`: table -> row -> column -> {method, page}) fills
  the `method` / `page` columns, `report["null_reasons"]` the `null_reason` column of NULL cells
  (a cell with a reason but missing from the table still gets its row); JSON without them
  loads with NULLs; malformed entries are ignored with a warning;
- `reports.cells_fingerprint` (SHA-256 of the non-blank cells) lets warehouse.agencies tell the
  same report found on two portals.
Every function here manages its own transaction: do not call them inside an open one.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from collections.abc import Iterable, Mapping  # not typing's: isinstance on those is ~2x slower
from typing import Any

import duckdb

from . import keys
from .queries import among

PARSE_STATUSES = ("ok", "partial", "failed", "needs_ocr")
# Cell texts that mean "blank" (format spec: blank/'—'/'-'/'/' cells are stored as null).
BLANK_TEXTS = {"", "-", "—", "——", "–", "－", "/", "／", "\\", "无", "null", "none", "n/a"}
_NUM = re.compile(r"^[+-]?\d+(\.\d+)?$")


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after an error without masking it (a failed COMMIT has already ended the
    transaction, and ROLLBACK would raise "no transaction is active")."""
    try:
        con.rollback()
    except duckdb.Error:
        pass


def utcnow() -> datetime:
    """Naive UTC timestamp (the warehouse stores TIMESTAMP in UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_timestamp(value: Any) -> datetime | None:
    """datetime/date/ISO string/epoch seconds -> naive UTC datetime (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)):
        dt = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, str):
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise TypeError(f"not a timestamp: {value!r}")
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


def to_number(value: Any) -> tuple[float | int | None, bool]:
    """Cell value -> (number or None, ok). Blank texts are (None, True); junk is (None, False)."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None, False
        return value, True
    if isinstance(value, str):
        t = value.strip().replace(",", "").replace("，", "")
        if t.lower() in BLANK_TEXTS:
            return None, True
        if _NUM.match(t):
            return (float(t) if "." in t else int(t)), True
    return None, False


def _count(value: Any, where: str, warnings: list[str]) -> int | None:
    if type(value) is int and -(2**63) < value < 2**63:  # the common case, fast
        return value
    num, ok = to_number(value)
    if not ok:
        warnings.append(f"warehouse: {where}: value {value!r} is not a number; stored NULL")
        return None
    if num is None:
        return None
    if isinstance(num, float):
        if num != int(num):
            warnings.append(f"warehouse: {where}: count {value!r} is not an integer; stored NULL")
            return None
        num = int(num)
    if abs(num) >= 2**63:
        warnings.append(f"warehouse: {where}: count {value!r} out of range; stored NULL")
        return None
    return num


def _amount(value: Any, where: str, warnings: list[str]) -> float | None:
    num, ok = to_number(value)
    if not ok:
        warnings.append(f"warehouse: {where}: value {value!r} is not a number; stored NULL")
        return None
    return None if num is None else float(num)


def _cells(table: Any) -> Iterable[tuple[str, str, Any]]:
    if not isinstance(table, Mapping):
        return
    for row, cols in table.items():
        if isinstance(cols, Mapping) and row not in (None, ""):
            row = str(row)
            for col, val in cols.items():
                if col not in (None, ""):
                    yield row, str(col), val


def fingerprint(report: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    blob = json.dumps({"report": report, "meta": meta}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Batch:
    """Row tuples per target table (layout: TABLE_COLUMNS), filled report by report.

    Fact rows carry `i`, the index of their report in the batch; provenance columns are joined
    from the batch's `reports` rows at insert time (so they are never duplicated in Python)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLE_COLUMNS}
        self.n = 0

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def columns(self, table: str) -> dict[str, list[Any]]:
        names = [c for c, _ in TABLE_COLUMNS[table]]
        rows = self.rows[table]
        if not rows:
            return {c: [] for c in names}
        return {c: list(v) for c, v in zip(names, zip(*rows))}


# Per-cell provenance columns of the three cell tables (migration 004): how the cell was read,
# its page, and why a cell the source fills was left NULL.
CELL_META = [("method", "VARCHAR"), ("page", "INTEGER"), ("null_reason", "VARCHAR")]
CELL_TABLES = ("active_disclosure", "applications", "review_litigation")
CELL_METHODS = ("grid", "positional", "stream", "ocr", "narrative")

# Staged columns of each report table, (column, DuckDB type), in insert order. Fact tables start
# with `i` (report index in the batch) instead of the provenance columns.
TABLE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "reports": [
        ("i", "INTEGER"),
        ("report_id", "VARCHAR"), ("portal_id", "VARCHAR"), ("agency", "VARCHAR"), ("year", "INTEGER"),
        ("title", "VARCHAR"), ("page_url", "VARCHAR"), ("document_url", "VARCHAR"), ("source", "VARCHAR"),
        ("source_format", "VARCHAR"), ("template", "VARCHAR"), ("template_active_disclosure", "VARCHAR"),
        ("template_applications", "VARCHAR"), ("parse_status", "VARCHAR"), ("error", "VARCHAR"),
        ("warnings", "VARCHAR[]"), ("n_cells", "INTEGER"), ("n_checks", "INTEGER"),
        ("n_checks_failed", "INTEGER"), ("sha256", "VARCHAR"), ("parser_version", "VARCHAR"),
        ("load_fingerprint", "VARCHAR"), ("loaded_at", "TIMESTAMP"), ("cells_fingerprint", "VARCHAR")],
    "active_disclosure": [
        ("i", "INTEGER"), ("table_key", "VARCHAR"), ("row_key", "VARCHAR"), ("column_key", "VARCHAR"),
        ("value", "DOUBLE"), *CELL_META],
    "applications": [
        ("i", "INTEGER"), ("row_key", "VARCHAR"), ("applicant_key", "VARCHAR"), ("value", "BIGINT"), *CELL_META],
    "review_litigation": [
        ("i", "INTEGER"), ("group_key", "VARCHAR"), ("column_key", "VARCHAR"), ("value", "BIGINT"), *CELL_META],
    "check_results": [
        ("i", "INTEGER"), ("check_no", "INTEGER"), ("rule", "VARCHAR"), ("scope", "VARCHAR"),
        ("passed", "BOOLEAN"), ("detail", "VARCHAR"), ("check_values", "VARCHAR")],
    "report_sections": [
        ("i", "INTEGER"), ("section_key", "VARCHAR"), ("section_no", "INTEGER"), ("text", "VARCHAR")],
}
REPORT_TABLES = tuple(TABLE_COLUMNS)
FACT_TABLES = tuple(t for t in REPORT_TABLES if t != "reports")


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _year(v: Any, warnings: list[str]) -> int | None:
    if v is None or v == "":
        return None
    try:
        y = int(v)
    except (TypeError, ValueError):
        warnings.append(f"warehouse: year {v!r} is not an integer; stored NULL")
        return None
    return y


def _add_report(batch: _Batch, report: Mapping[str, Any], *, report_id: str, portal_id: str | None,
                page_url: str | None, document_url: str | None, sha256: str | None,
                loaded_at: datetime, fp: str) -> None:
    warnings = [str(w) for w in (report.get("warnings") or [])]
    pv = _str(report.get("parser_version"))
    status = _str(report.get("status")) or "failed"
    error = _str(report.get("error"))
    if status not in PARSE_STATUSES:
        warnings.append(f"warehouse: unknown parse status {status!r}; stored as failed")
        error = error or f"unknown parse status {status!r}"
        status = "failed"
    i = batch.n
    batch.n += 1
    n_cells = 0

    row_table = keys.active_row_table()
    provenance = _nested(report.get("provenance"), "provenance", warnings)
    reasons = _nested(report.get("null_reasons"), "null_reasons", warnings)
    filled: list[tuple] = []
    for table in CELL_TABLES:
        convert = _amount if table == "active_disclosure" else _count
        prov, why = provenance.get(table) or {}, reasons.get(table) or {}
        seen: set[tuple[str, str]] = set()
        for row, col, val in _cells(report.get(table)):
            seen.add((row, col))
            n_before = len(warnings)
            v = convert(val, f"{table}.{row}.{col}", warnings)
            reason = None
            if v is None:
                reason = _reason(why, row, col)
                if reason is None and len(warnings) > n_before:  # the loader itself nulled it
                    reason = f"not a number in the parsed report: {val!r}"[:200]
            else:
                n_cells += 1
                filled.append((table, row, col, v))
            method, page = _method_page(prov, table, row, col, warnings)
            lead = (i, row_table.get(row)) if table == "active_disclosure" else (i,)
            batch.add(table, (*lead, row, col, v, method, page, reason))
        # a cell left null on purpose may be missing from the table itself: keep its reason
        for row, col, reason in _cells(why):
            if (row, col) not in seen and _str(reason):
                method, page = _method_page(prov, table, row, col, warnings)
                lead = (i, row_table.get(row)) if table == "active_disclosure" else (i,)
                batch.add(table, (*lead, row, col, None, method, page, _str(reason)))

    checks = report.get("checks") or []
    n_failed = 0
    for n, c in enumerate(checks, 1):
        if not isinstance(c, Mapping):
            warnings.append(f"warehouse: check #{n} is not an object; skipped")
            continue
        passed = bool(c.get("passed"))
        n_failed += not passed
        values = c.get("values")
        batch.add("check_results", (
            i, n, _str(c.get("rule")) or "unknown", _str(c.get("scope")), passed, str(c.get("detail") or "") or None,
            json.dumps(values, ensure_ascii=False, default=str) if values not in (None, {}) else None))

    numbers = keys.section_numbers()
    sections = report.get("sections") or {}
    if isinstance(sections, Mapping):
        for key, text in sections.items():
            batch.add("report_sections", (i, str(key), numbers.get(str(key)),
                                          None if text is None else str(text)))

    templates = report.get("templates") or {}
    if not isinstance(templates, Mapping):
        templates = {}
    batch.add("reports", (
        i, report_id, _str(portal_id), _str(report.get("agency")), _year(report.get("year"), warnings),
        _str(report.get("title")), _str(page_url), _str(document_url), _str(report.get("source")),
        _str(report.get("source_format")), _str(report.get("template")),
        _str(templates.get("active_disclosure")), _str(templates.get("applications")),
        status, error, warnings, n_cells, len(checks), n_failed, _str(sha256), pv, fp, loaded_at.isoformat(),
        cells_fingerprint(filled)))


def cells_fingerprint(filled: list[tuple]) -> str | None:
    """SHA-256 of a report's non-blank cells [(table, row, column, value)], independent of order
    and of how the cells were read; None when the report has no cell. Two report rows with the
    same agency, year and fingerprint are the same report (see warehouse.agencies)."""
    if not filled:
        return None
    blob = json.dumps(sorted([t, r, c, float(v)] for t, r, c, v in filled), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _nested(value: Any, name: str, warnings: list[str]) -> Mapping[str, Any]:
    """provenance / null_reasons: table -> row -> column -> …; anything else is ignored (old JSON
    has neither)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        warnings.append(f"warehouse: {name} is not an object; ignored")
        return {}
    return value


def _reason(why: Mapping[str, Any], row: str, col: str) -> str | None:
    cols = why.get(row)
    return _str(cols.get(col)) if isinstance(cols, Mapping) else None


def _method_page(prov: Mapping[str, Any], table: str, row: str, col: str,
                 warnings: list[str]) -> tuple[str | None, int | None]:
    cols = prov.get(row) if isinstance(prov, Mapping) else None
    entry = cols.get(col) if isinstance(cols, Mapping) else None
    if entry is None:
        return None, None
    if not isinstance(entry, Mapping):
        warnings.append(f"warehouse: provenance of {table}.{row}.{col} is not an object; ignored")
        return None, None
    method = _str(entry.get("method"))
    if method is not None and method not in CELL_METHODS:
        warnings.append(f"warehouse: provenance of {table}.{row}.{col}: unknown method {method!r}; stored as is")
    page = entry.get("page")
    if page is not None and (type(page) is not int or not 0 < page < 2**31):
        warnings.append(f"warehouse: provenance of {table}.{row}.{col}: page {page!r} is not a page number; "
                        "stored NULL")
        page = None
    return method, page


def _json_type(columns: list[tuple[str, str]]) -> str:
    return json.dumps({c: [t] for c, t in columns})


def _staged(table: str, param: str) -> str:
    """SELECT over one staged table: a JSON text of column lists, unnested in parallel."""
    spec = TABLE_COLUMNS[table]
    cols = ", ".join(f'unnest(x."{c}") AS "{c}"' for c, _ in spec)
    return f"SELECT {cols} FROM (SELECT from_json({param}, {_sql_text(_json_type(spec))}) AS x)"


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


# Tables with many rows of plain scalars travel as CSV (DuckDB's CSV reader is ~4x faster
# than from_json); the others (lists, JSON, long texts) as one JSON text of column lists.
CSV_TABLES = ("active_disclosure", "applications", "review_litigation")


def _write_csv(path: str, rows: list[tuple]) -> None:
    # None is written as an empty field and read back as NULL; keys are never empty (`_cells`
    # skips empty keys), so only the nullable value/table_key columns can be empty.
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _csv_source(table: str, path: str) -> str:
    cols = ", ".join(f"'{c}': '{t}'" for c, t in TABLE_COLUMNS[table])
    return (f"read_csv({_sql_text(path)}, columns = {{{cols}}}, header = false, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', nullstr = '')")


def _insert(con: duckdb.DuckDBPyConnection, batch: _Batch) -> None:
    """Insert every staged table of the batch (inside the caller's transaction).

    Python list parameters are never used for bulk values: DuckDB converts them element by
    element (~100x slower than parsing one JSON text)."""
    meta = json.dumps(batch.columns("reports"), ensure_ascii=False)
    names = [c for c, _ in TABLE_COLUMNS["reports"] if c != "i"]
    con.execute(f"INSERT INTO reports ({', '.join(names)}) SELECT {', '.join(names)} FROM ({_staged('reports', '$1')})",
                [meta])
    tmpdir = None
    try:
        for table in FACT_TABLES:
            rows = batch.rows[table]
            if not rows:
                continue
            own = [c for c, _ in TABLE_COLUMNS[table] if c != "i"]
            target = ", ".join(("report_id", *own, "sha256", "parser_version", "loaded_at"))
            select = ", ".join(("m.report_id", *(f"f.{c}" for c in own), "m.sha256", "m.parser_version",
                                "m.loaded_at"))
            if table in CSV_TABLES:
                tmpdir = tmpdir or tempfile.mkdtemp(prefix="ogi-load-")
                path = os.path.join(tmpdir, f"{table}.csv")
                _write_csv(path, rows)
                source, params = _csv_source(table, path), [meta]
            else:
                source, params = f"({_staged(table, '$2')})", [meta, json.dumps(batch.columns(table),
                                                                             ensure_ascii=False)]
            con.execute(
                f"INSERT INTO {table} ({target}) SELECT {select} FROM {source} f "
                f"JOIN (SELECT i, report_id, sha256, parser_version, loaded_at FROM ({_staged('reports', '$1')})) m "
                f"ON m.i = f.i", params)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def load_report(con: duckdb.DuckDBPyConnection, report: Mapping[str, Any], *, report_id: str,
                portal_id: str | None = None, page_url: str | None = None,
                document_url: str | None = None, sha256: str | None = None,
                loaded_at: Any = None) -> str:
    """Replace one report's rows in one transaction.

    Returns "inserted" (new report_id), "replaced" (rows replaced) or "unchanged" (same input as
    the stored one; nothing written)."""
    return load_reports(con, [dict(report=report, report_id=report_id, portal_id=portal_id,
                                   page_url=page_url, document_url=document_url, sha256=sha256,
                                   loaded_at=loaded_at)])[0]


def load_reports(con: duckdb.DuckDBPyConnection, items: Iterable[Mapping[str, Any]]) -> list[str]:
    """Load many reports in ONE transaction (the bulk path; same per-report semantics as
    `load_report`). Each item: {report, report_id, portal_id, page_url, document_url, sha256,
    loaded_at, load_fingerprint (optional: `fingerprint(report, meta)` as the caller computed it)}.
    Returns one of inserted|replaced|unchanged per item, in order. A later item with
    the same report_id wins."""
    items = list(items)
    prepared: dict[str, tuple[int, Mapping[str, Any], dict[str, Any], str]] = {}
    for i, it in enumerate(items):
        report = it.get("report")
        rid = _str(it.get("report_id"))
        if not rid:
            raise ValueError(f"item {i}: report_id is required")
        if not isinstance(report, Mapping):  # still recorded: a failed row with the reason
            report = {"status": "failed", "error": f"warehouse: report payload is {type(report).__name__}, "
                                                  "not ParsedReport.to_dict()"}
        meta = {k: it.get(k) for k in ("portal_id", "page_url", "document_url", "sha256")}
        # given by a caller that computed it with `fingerprint` already (flows.pipeline.build_report)
        fp = it.get("load_fingerprint") if isinstance(it.get("report"), Mapping) else None
        prepared[rid] = (i, report, meta, fp or fingerprint(report, meta))

    results = ["unchanged"] * len(items)
    if not prepared:
        return results
    ids = list(prepared)
    from .queries import load_fingerprints

    existing = load_fingerprints(con, ids)
    batch = _Batch()
    replace: list[str] = []
    default_ts = utcnow()
    for rid, (i, report, meta, fp) in prepared.items():
        if existing.get(rid) == fp:
            continue
        ts = to_timestamp(items[i].get("loaded_at")) or default_ts
        _add_report(batch, report, report_id=rid, loaded_at=ts, fp=fp, **meta)
        if rid in existing:
            replace.append(rid)
        results[i] = "replaced" if rid in existing else "inserted"
    if not batch.n:
        return results
    from .views import refresh_caches

    con.begin()
    try:
        if replace:
            gone, gone_params = among(replace)
            for table in REPORT_TABLES:
                con.execute(f"DELETE FROM {table} WHERE report_id IN {gone}", gone_params)
        _insert(con, batch)
        refresh_caches(con, [r[1] for r in batch.rows["reports"]], {
            "applications": [row[:4] for row in batch.rows["applications"]],
            "review_litigation": [row[:4] for row in batch.rows["review_litigation"]],
            "active_disclosure": [(i, r, c, v) for i, _, r, c, v, *_ in batch.rows["active_disclosure"]],
        }, {t: dict(TABLE_COLUMNS[t])["value"] for t in CSV_TABLES}, replace=bool(replace))
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return results


def delete_report(con: duckdb.DuckDBPyConnection, report_id: str) -> None:
    """Remove every row of one report (one transaction)."""
    from .views import cache_tables

    con.begin()
    try:
        for table in REPORT_TABLES + cache_tables():
            con.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise


def record_document(con: duckdb.DuckDBPyConnection, *, url: str, sha256: str | None = None,
                    http_status: int | None = None, content_type: str | None = None,
                    bytes: int | None = None, fetched_at: Any = None, error: str | None = None,
                    kind: str | None = None, portal_id: str | None = None, report_id: str | None = None,
                    final_url: str | None = None, run_id: str | None = None) -> None:
    """Upsert the latest fetch of one URL (page or attachment) into `documents`.

    One row per URL: a later fetch of the same URL replaces the earlier row. `error` is the
    fetch/parse error recorded against this document (NULL when fine)."""
    row = _document_row(url=url, sha256=sha256, http_status=http_status, content_type=content_type, bytes=bytes,
                        fetched_at=fetched_at, error=error, kind=kind, portal_id=portal_id, report_id=report_id,
                        final_url=final_url, run_id=run_id, recorded_at=utcnow())
    con.begin()
    try:
        con.execute("DELETE FROM documents WHERE url = ?", [url])
        con.execute(f"INSERT INTO documents ({', '.join(c for c, _ in DOCUMENT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in DOCUMENT_COLUMNS)})", row)
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise


DOCUMENT_COLUMNS = [
    ("url", "VARCHAR"), ("sha256", "VARCHAR"), ("http_status", "INTEGER"), ("content_type", "VARCHAR"),
    ("bytes", "BIGINT"), ("fetched_at", "TIMESTAMP"), ("error", "VARCHAR"), ("kind", "VARCHAR"),
    ("portal_id", "VARCHAR"), ("report_id", "VARCHAR"), ("final_url", "VARCHAR"), ("run_id", "VARCHAR"),
    ("recorded_at", "TIMESTAMP")]


def _document_row(*, url: str, sha256: Any = None, http_status: Any = None, content_type: Any = None,
                  bytes: Any = None, fetched_at: Any = None, error: Any = None, kind: Any = None,
                  portal_id: Any = None, report_id: Any = None, final_url: Any = None, run_id: Any = None,
                  recorded_at: datetime) -> list[Any]:
    """One `documents` row (DOCUMENT_COLUMNS order): the rule shared by the one-by-one and bulk paths."""
    if not url:
        raise ValueError("url is required")
    return [url, _str(sha256), http_status, _str(content_type), bytes, to_timestamp(fetched_at),
            error or None, _str(kind), _str(portal_id), _str(report_id), _str(final_url), _str(run_id), recorded_at]


def record_documents(con: duckdb.DuckDBPyConnection, documents: Iterable[Mapping[str, Any]]) -> int:
    """Bulk `record_document`: many fetches (keyword dicts) upserted in ONE transaction with two
    set statements (a later dict for the same URL wins). Returns the number of URLs written."""
    now = utcnow()
    rows = {}
    for d in documents:
        row = _document_row(**{**d, "recorded_at": now})
        rows[row[0]] = row
    if not rows:
        return 0
    staged = {c: [r[k].isoformat() if isinstance(r[k], datetime) else r[k] for r in rows.values()]
              for k, (c, _) in enumerate(DOCUMENT_COLUMNS)}
    json_type = json.dumps({c: [t] for c, t in DOCUMENT_COLUMNS})
    names = ", ".join(c for c, _ in DOCUMENT_COLUMNS)
    con.begin()
    try:
        sql, params = among(rows)
        con.execute(f"DELETE FROM documents WHERE url IN {sql}", params)
        con.execute(f"INSERT INTO documents ({names}) SELECT {', '.join(f'unnest(x.{c})' for c, _ in DOCUMENT_COLUMNS)} "
                    f"FROM (SELECT from_json(?, {_sql_text(json_type)}) AS x)",
                    [json.dumps(staged, ensure_ascii=False, default=str)])
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return len(rows)


_LIST_SPLIT = re.compile(r"[\s|;]+")


def _split_list(text: str | None) -> list[str]:
    return [p for p in _LIST_SPLIT.split(text or "") if p]


def load_portals(con: duckdb.DuckDBPyConnection, registry_csv_path: str | Path) -> int:
    """Replace `portals` with the registry CSV (header: portal_id,name,province,level,
    division_code,start_urls,allowed_hosts[,status,parent_code,portal_url,…]; list fields separated by
    whitespace, `|` or `;`). Returns the number of portals. Rows without portal_id are skipped.

    One statement for all rows (a national registry has 3,240): the rows travel as one JSON text of
    column lists, as report batches do. The detected platform (from crawls) survives the reload."""
    path = Path(registry_csv_path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"portal_id", "name", "province", "level", "division_code", "start_urls",
                   "allowed_hosts"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: registry CSV lacks columns {sorted(missing)}")
        rows: dict[str, dict[str, Any]] = {}
        for rec in reader:
            pid = _str(rec.get("portal_id"))
            if not pid:
                continue
            rows[pid] = {"portal_id": pid, **{k: _str(rec.get(k)) for k in _PORTAL_TEXT_COLUMNS},
                         "start_urls": _split_list(rec.get("start_urls")),
                         "allowed_hosts": _split_list(rec.get("allowed_hosts"))}
    columns = {c: [r[c] for r in rows.values()] for c in ("portal_id", *_PORTAL_TEXT_COLUMNS, "start_urls",
                                                          "allowed_hosts")}
    types = {c: "VARCHAR[]" for c in columns} | {"start_urls": "VARCHAR[][]", "allowed_hosts": "VARCHAR[][]"}
    names = ", ".join(columns)
    unnested = ", ".join(f'unnest(x."{c}") AS "{c}"' for c in columns)
    con.begin()
    try:
        # the detected platform comes from crawls (record_portal_runs), not the registry: keep it
        platforms = dict(con.execute("SELECT portal_id, platform FROM portals WHERE platform IS NOT NULL").fetchall())
        con.execute("DELETE FROM portals")
        if rows:
            con.execute(f"INSERT INTO portals ({names}, loaded_at) SELECT *, $2 FROM "
                        f"(SELECT {unnested} FROM (SELECT from_json($1, {_sql_text(json.dumps(types))}) AS x))",
                        [json.dumps(columns, ensure_ascii=False), utcnow()])
        if platforms:
            con.execute("UPDATE portals SET platform = p.platform FROM (SELECT unnest(from_json($1, '[\"VARCHAR\"]')) AS "
                        "portal_id, unnest(from_json($2, '[\"VARCHAR\"]')) AS platform) p "
                        "WHERE portals.portal_id = p.portal_id",
                        [json.dumps(list(platforms)), json.dumps(list(platforms.values()))])
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return len(rows)


# registry columns stored as text in `portals` (migrations 001, 007); absent ones load as NULL
_PORTAL_TEXT_COLUMNS = ("name", "province", "level", "division_code", "status", "parent_code", "portal_url")


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: Any, finished_at: Any,
               stats: Mapping[str, Any] | None, *, status: str | None = None, flow: str | None = None,
               error: str | None = None) -> None:
    """Upsert one pipeline run into `runs` (stats stored as JSON)."""
    row = [run_id, flow, to_timestamp(started_at), to_timestamp(finished_at),
           status or (None if finished_at is None else ("failed" if error else "ok")),
           json.dumps(stats or {}, ensure_ascii=False, default=str, sort_keys=True), error, utcnow()]
    con.begin()
    try:
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO runs (run_id, flow, started_at, finished_at, status, stats, error, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise


def record_portal_runs(con: duckdb.DuckDBPyConnection, run_id: str,
                       per_portal: Mapping[str, Mapping[str, Any]]) -> int:
    """Upsert per-portal crawl/load figures of one run into `portal_runs`.

    `per_portal` maps portal_id -> {pages, reports_found (or reports), new, changed, failed
    (or errors), status, error}; the crawler's `<output>.stats.json` can be passed as is.
    A few statements for the whole run, not a few per portal (a DuckLake write per statement
    made 1,000 portals cost ~30 s); a portal's platform is written only when it changed."""
    now = utcnow()
    rows, platforms = [], {}
    for pid, s in per_portal.items():
        s = dict(s or {})
        rows.append([run_id, pid, s.get("pages"), s.get("reports_found", s.get("reports")), s.get("new"),
                     s.get("changed"), s.get("failed", s.get("errors")), s.get("status"),
                     None if s.get("error") is None else str(s.get("error")), now, s.get("platform")])
        if s.get("platform"):   # the portal's platform as last detected (ogi status)
            platforms[str(pid)] = s["platform"]
    if not rows:
        return 0
    con.begin()
    try:
        sql, params = among(per_portal)
        con.execute(f"DELETE FROM portal_runs WHERE run_id = ? AND portal_id IN {sql}", [run_id, *params])
        con.executemany(
            "INSERT INTO portal_runs (run_id, portal_id, pages, reports_found, new, changed, failed, status, "
            "error, recorded_at, platform) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if platforms:
            sql, params = among(platforms)
            known = dict(con.execute(f"SELECT portal_id, platform FROM portals WHERE portal_id IN {sql}",
                                     params).fetchall())
            changed = [[plat, pid] for pid, plat in platforms.items() if pid in known and known[pid] != plat]
            if changed:  # one UPDATE: per-row ones cost a DuckLake ~30 ms each
                con.execute("CREATE OR REPLACE TEMP TABLE _ogi_platforms (platform VARCHAR, portal_id VARCHAR)")
                con.executemany("INSERT INTO temp.main._ogi_platforms VALUES (?, ?)", changed)
                con.execute("UPDATE portals SET platform = t.platform FROM temp.main._ogi_platforms t "
                            "WHERE portals.portal_id = t.portal_id")
                con.execute("DROP TABLE temp.main._ogi_platforms")
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return len(per_portal)
