"""Analyst views, generated from the spec keys (`warehouse.keys`), never hand-typed.

- `v_report_regions`        report -> portal -> GB/T 2260 region (province, prefecture city)
- `v_applications_wide`     one row per report, every applications cell a column `<row>__<applicant>`
- `v_active_disclosure_wide` one row per report, every section-二 cell a column `<row>__<column>`
- `v_review_litigation_wide` one row per report, the 15 section-四 cells `<group>__<column>`
- `v_report_summary`        one row per report: key totals and checks passed/failed
- `v_check_failures`        every failed consistency check with its report
- `v_yearly_totals_province`, `v_yearly_totals_city`  yearly sums by province / prefecture city
- `v_report_quality`        per report: cells filled / blank / null with a reason, read methods, checks
- `v_panel`                 agency × year (one identity per agency): headline cells, completeness, checks
- `v_report_urls`           every URL a report was found at (the same report on several portals)

The wide views read `wide_applications`, `wide_active_disclosure`, `wide_review_litigation`:
tables holding the pivoted cells, re-pivoted by the loader for every report it writes (in the
same transaction) and rebuilt whole when the generated SQL changes.

Column names of the wide views are the canonical keys joined by a double underscore, e.g.
`new_received__natural_person`, `review__total`, `regulations__in_force`.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from parsers import spec

from . import keys
from .load import CELL_METHODS


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def wide_column(row: str, col: str) -> str:
    return f"{row}__{col}"


REPORT_COLUMNS = ("report_id", "portal_id", "agency", "year", "template", "parse_status", "sha256",
                  "parser_version", "loaded_at")


@dataclass(frozen=True)
class Wide:
    """A wide view and the table that materialises its cells (kept current by the loader)."""

    view: str
    cache: str
    source: str
    row_col: str
    col_col: str
    cells: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> list[str]:
        return [wide_column(r, c) for r, c in self.cells]


def wides() -> list[Wide]:
    return [
        Wide("v_applications_wide", "wide_applications", "applications", "row_key", "applicant_key",
             tuple((c.row, c.column) for c in keys.application_cells())),
        Wide("v_active_disclosure_wide", "wide_active_disclosure", "active_disclosure", "row_key", "column_key",
             tuple((c.row, c.column) for _, c in keys.active_disclosure_cells())),
        Wide("v_review_litigation_wide", "wide_review_litigation", "review_litigation", "group_key", "column_key",
             tuple((c.row, c.column) for c in keys.review_cells())),
    ]


def cache_tables() -> tuple[str, ...]:
    return tuple(w.cache for w in wides())


def pivot_sql(w: Wide, where: str = "") -> str:
    """Static PIVOT (explicit IN list) of the long table into one row per report."""
    in_list = ", ".join(_lit(n) for n in w.columns)
    return (f"PIVOT (SELECT report_id, {w.row_col} || '__' || {w.col_col} AS cell, value FROM {w.source} {where})\n"
            f"  ON cell IN ({in_list}) USING max(value) GROUP BY report_id")


def cache_sql(w: Wide) -> str:
    """(Re)build a cache table from its long table: (report_id, cells) where cells[k] is the
    k-th column of the view (1-based, in `Wide.columns` order). One list column keeps loads
    cheap (no 200-column statements) and the view's per-cell extraction is trivial."""
    packed = ", ".join(_q(n) for n in w.columns)
    return (f"CREATE OR REPLACE TABLE {w.cache} AS SELECT report_id, [{packed}] AS cells "
            f"FROM ({pivot_sql(w)})")


def refresh_caches(con: duckdb.DuckDBPyConnection, report_ids: list[str],
                   cells: dict[str, list[tuple[int, str, str, object]]], value_types: dict[str, str], *,
                   replace: bool) -> None:
    """Write the cache rows of the given reports; call inside the loader's transaction.

    `cells[source]` holds (report index, row key, column key, value) for each long table, as the
    loader staged them; `value_types[source]` is the value column's SQL type. The rows equal
    what `pivot_sql` computes from the long table (a report without cells gets no row), without
    scanning the long tables. replace=False skips the DELETE (all ids are new)."""
    import json

    ids_json = json.dumps(report_ids, ensure_ascii=False)
    for w in wides():
        if replace:
            con.execute(f"DELETE FROM {w.cache} WHERE report_id IN (SELECT unnest(from_json($1, '[\"VARCHAR\"]')))",
                        [ids_json])
        pos = {name: k for k, name in enumerate(w.columns)}
        rows: dict[int, list] = {}
        for i, r, c, v in cells.get(w.source, ()):
            k = pos.get(wide_column(r, c))
            if k is None:
                continue
            row = rows.get(i)
            if row is None:
                row = rows[i] = [None] * len(w.columns)
            row[k] = v
        if not rows:
            continue
        order = sorted(rows)
        staged = {"report_id": [report_ids[i] for i in order], "cells": [rows[i] for i in order]}
        json_type = json.dumps({"report_id": ["VARCHAR"], "cells": [[value_types[w.source]]]})
        con.execute(f"INSERT INTO {w.cache} (report_id, cells) SELECT unnest(x.report_id), unnest(x.cells) "
                    f"FROM (SELECT from_json($1, {_lit(json_type)}) AS x)", [json.dumps(staged, ensure_ascii=False)])


def _wide(w: Wide) -> str:
    # Reading a materialised table lets a filter on report_id reach the scan; a PIVOT in the
    # view would re-aggregate every report on each query (seconds at 10,000 reports).
    meta = ", ".join(f"r.{c}" for c in REPORT_COLUMNS)
    cols = ", ".join(f"w.cells[{k}] AS {_q(n)}" for k, n in enumerate(w.columns, 1))
    return (f"CREATE OR REPLACE VIEW {w.view} AS\nSELECT {meta},\n  {cols}\nFROM reports r\n"
            f"LEFT JOIN {w.cache} w ON w.report_id = r.report_id")


def view_sql() -> list[str]:
    """CREATE OR REPLACE VIEW statements, in dependency order."""
    out = [
        """CREATE OR REPLACE VIEW v_report_regions AS
SELECT r.report_id, r.year, r.portal_id, r.agency,
       p.division_code,
       g.name AS region_name,
       g.level AS region_level,
       coalesce(g.province_code, pr2.code) AS province_code,
       coalesce(g.province_name, pr2.name, p.province) AS province_name,
       CASE WHEN g.city_code IS NOT NULL THEN g.city_code
            WHEN pr.type = '直辖市' AND g.level = 'county' THEN pr.code END AS city_code,
       CASE WHEN g.city_code IS NOT NULL THEN g.city_name
            WHEN pr.type = '直辖市' AND g.level = 'county' THEN pr.name END AS city_name
FROM reports r
LEFT JOIN portals p ON p.portal_id = r.portal_id
LEFT JOIN regions g ON g.code = p.division_code
LEFT JOIN regions pr ON pr.code = g.province_code
LEFT JOIN regions pr2 ON g.code IS NULL AND pr2.level = 'province'
     AND (pr2.name = p.province OR pr2.name LIKE p.province || '%')""",
        *(_wide(w) for w in wides()),
        """CREATE OR REPLACE VIEW v_report_summary AS
SELECT r.report_id, r.portal_id, r.agency, r.year, r.title, r.template, r.parse_status, r.error,
       a.new_received, a.carried_over, a.granted, a.total_processed, a.carried_forward,
       l.review_total, l.litigation_total,
       coalesce(c.checks_passed, 0) AS checks_passed,
       coalesce(c.checks_failed, 0) AS checks_failed,
       r.sha256, r.parser_version, r.loaded_at
FROM reports r
LEFT JOIN (
  SELECT report_id,
         max(value) FILTER (WHERE row_key = 'new_received') AS new_received,
         max(value) FILTER (WHERE row_key = 'carried_over') AS carried_over,
         max(value) FILTER (WHERE row_key = 'granted') AS granted,
         max(value) FILTER (WHERE row_key = 'total_processed') AS total_processed,
         max(value) FILTER (WHERE row_key = 'carried_forward') AS carried_forward
  FROM applications WHERE applicant_key = 'total' GROUP BY report_id
) a ON a.report_id = r.report_id
LEFT JOIN (
  SELECT report_id,
         max(value) FILTER (WHERE group_key = 'review') AS review_total,
         CAST(sum(value) FILTER (WHERE group_key IN ('litigation_direct', 'litigation_after_review')) AS BIGINT) AS litigation_total
  FROM review_litigation WHERE column_key = 'total' GROUP BY report_id
) l ON l.report_id = r.report_id
LEFT JOIN (
  SELECT report_id, count(*) FILTER (WHERE passed) AS checks_passed,
         count(*) FILTER (WHERE NOT passed) AS checks_failed
  FROM check_results GROUP BY report_id
) c ON c.report_id = r.report_id""",
        """CREATE OR REPLACE VIEW v_check_failures AS
SELECT c.report_id, r.portal_id, r.agency, r.year, r.template, c.check_no, c.rule, c.scope, c.detail,
       c.check_values, c.parser_version, c.loaded_at
FROM check_results c JOIN reports r ON r.report_id = c.report_id
WHERE NOT c.passed""",
    ]
    metrics = """count(*) AS reports,
       count(*) FILTER (WHERE s.parse_status = 'ok') AS reports_ok,
       CAST(sum(s.new_received) AS BIGINT) AS new_received,
       CAST(sum(s.carried_over) AS BIGINT) AS carried_over,
       CAST(sum(s.total_processed) AS BIGINT) AS total_processed,
       CAST(sum(s.granted) AS BIGINT) AS granted,
       CAST(sum(s.carried_forward) AS BIGINT) AS carried_forward,
       CAST(sum(s.review_total) AS BIGINT) AS review_total,
       CAST(sum(s.litigation_total) AS BIGINT) AS litigation_total,
       CAST(sum(s.checks_failed) AS BIGINT) AS checks_failed"""
    out.append(f"""CREATE OR REPLACE VIEW v_yearly_totals_province AS
SELECT s.year, g.province_code, g.province_name,
       {metrics}
FROM v_report_summary s JOIN v_report_regions g ON g.report_id = s.report_id
GROUP BY s.year, g.province_code, g.province_name""")
    out.append(f"""CREATE OR REPLACE VIEW v_yearly_totals_city AS
SELECT s.year, g.province_code, g.province_name, g.city_code, g.city_name,
       {metrics}
FROM v_report_summary s JOIN v_report_regions g ON g.report_id = s.report_id
GROUP BY s.year, g.province_code, g.province_name, g.city_code, g.city_name""")
    return out + trust_view_sql()


def expected_cells(template: str) -> int:
    """Number of cells of the three tables in a report of this State Council template."""
    t = spec.template(template)
    return (len(t.application_rows) * len(spec.applicant_columns())
            + sum(len(tb.rows) * len(tb.columns) for tb in t.active_tables) + len(spec.review_cell_order()))


def trust_view_sql() -> list[str]:
    """v_report_quality, v_panel, v_report_urls (need migration 004's tables)."""
    expected = " ".join(f"WHEN {_lit(t)} THEN {expected_cells(t)}" for t in spec.TEMPLATES)
    methods = ",\n         ".join(f"count(*) FILTER (WHERE filled AND method = {_lit(m)}) AS cells_{m}"
                                  for m in CELL_METHODS)
    method_cols = ", ".join(f"coalesce(q.cells_{m}, 0) AS cells_{m}" for m in CELL_METHODS)
    quality = f"""CREATE OR REPLACE VIEW v_report_quality AS
WITH cells AS (
  SELECT report_id, value IS NOT NULL AS filled, null_reason, method FROM active_disclosure
  UNION ALL SELECT report_id, value IS NOT NULL, null_reason, method FROM applications
  UNION ALL SELECT report_id, value IS NOT NULL, null_reason, method FROM review_litigation
), q AS (
  SELECT report_id,
         count(*) FILTER (WHERE filled) AS cells_filled,
         count(*) FILTER (WHERE NOT filled AND null_reason IS NULL) AS cells_blank,
         count(*) FILTER (WHERE NOT filled AND null_reason IS NOT NULL) AS cells_null_with_reason,
         {methods},
         count(*) FILTER (WHERE filled AND method IS NULL) AS cells_method_unknown,
         list_sort(list(DISTINCT method) FILTER (WHERE method IS NOT NULL)) AS methods
  FROM cells GROUP BY report_id
), ch AS (
  SELECT report_id,
         count(*) FILTER (WHERE passed AND scope IS DISTINCT FROM 'cross_year') AS checks_passed,
         count(*) FILTER (WHERE NOT passed AND scope IS DISTINCT FROM 'cross_year') AS checks_failed,
         count(*) FILTER (WHERE passed AND scope = 'cross_year') AS cross_year_passed,
         count(*) FILTER (WHERE NOT passed AND scope = 'cross_year') AS cross_year_failed
  FROM check_results GROUP BY report_id
)
SELECT r.report_id, coalesce(i.canonical_report_id, r.report_id) AS canonical_report_id, i.agency_id,
       r.agency, r.year, r.template, r.parse_status, r.source_format,
       coalesce(q.cells_filled, 0) AS cells_filled, coalesce(q.cells_blank, 0) AS cells_blank,
       coalesce(q.cells_null_with_reason, 0) AS cells_null_with_reason,
       CASE r.template {expected} END AS cells_expected,
       round(coalesce(q.cells_filled, 0) / (CASE r.template {expected} END), 4) AS completeness,
       coalesce(q.methods, []) AS methods, {method_cols},
       coalesce(q.cells_method_unknown, 0) AS cells_method_unknown,
       coalesce(ch.checks_passed, 0) AS checks_passed, coalesce(ch.checks_failed, 0) AS checks_failed,
       coalesce(ch.cross_year_passed, 0) AS cross_year_passed,
       coalesce(ch.cross_year_failed, 0) AS cross_year_failed,
       len(coalesce(r.warnings, [])) AS n_warnings, r.parser_version
FROM reports r
LEFT JOIN report_identity i ON i.report_id = r.report_id
LEFT JOIN q ON q.report_id = r.report_id
LEFT JOIN ch ON ch.report_id = r.report_id"""
    panel = """CREATE OR REPLACE VIEW v_panel AS
WITH ranked AS (
  SELECT q.*,
         row_number() OVER (PARTITION BY q.agency_id, q.year ORDER BY
             CASE q.parse_status WHEN 'ok' THEN 3 WHEN 'partial' THEN 2 WHEN 'needs_ocr' THEN 1 ELSE 0 END DESC,
             q.cells_filled DESC, q.report_id) AS pick,
         count(*) OVER (PARTITION BY q.agency_id, q.year) AS reports
  FROM v_report_quality q
  WHERE q.agency_id IS NOT NULL AND q.year IS NOT NULL AND q.report_id = q.canonical_report_id
)
SELECT a.agency_id, a.name AS agency, a.kind, a.division_code, a.division_name, a.parent_agency_id,
       pa.name AS parent_agency, k.year, k.report_id, k.reports, k.template, k.parse_status,
       s.new_received, s.carried_over, s.granted, s.total_processed, s.carried_forward,
       s.review_total, s.litigation_total,
       k.cells_filled, k.cells_expected, k.completeness, k.checks_passed, k.checks_failed,
       k.cross_year_passed, k.cross_year_failed
FROM ranked k
JOIN agencies a ON a.agency_id = k.agency_id
LEFT JOIN agencies pa ON pa.agency_id = a.parent_agency_id
LEFT JOIN v_report_summary s ON s.report_id = k.report_id
WHERE k.pick = 1"""
    urls = """CREATE OR REPLACE VIEW v_report_urls AS
SELECT coalesce(i.canonical_report_id, u.report_id) AS canonical_report_id, u.report_id, u.portal_id, u.url,
       CASE WHEN bool_or(u.kind = 'page') THEN 'page' ELSE 'attachment' END AS kind,
       bool_or(u.parsed) AS parsed
FROM (
  SELECT report_id, portal_id, page_url AS url, 'page' AS kind, page_url = document_url AS parsed
  FROM reports WHERE page_url IS NOT NULL
  UNION ALL
  SELECT report_id, portal_id, document_url, 'attachment', true FROM reports
  WHERE document_url IS NOT NULL AND document_url IS DISTINCT FROM page_url
  UNION ALL
  SELECT d.report_id, d.portal_id, d.url, coalesce(d.kind, 'attachment'), false FROM documents d
  WHERE d.report_id IS NOT NULL
) u
LEFT JOIN report_identity i ON i.report_id = u.report_id
GROUP BY ALL"""
    return [quality, panel, urls]


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the cache tables from the long tables, then every view."""
    for w in wides():
        con.execute(cache_sql(w))
    for sql in view_sql():
        con.execute(sql)
