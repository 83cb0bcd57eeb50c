"""Cross-year reconciliation: one agency's report of year y against its report of year y−1.

Rules (ids from `consistency_rules.implicit` of parsers/data/format-spec.yaml):
- `cross_year_carry`: applications carried_over[c] (y) == carried_forward[c] (y−1), for every
  applicant column c that both reports fill;
- `normative_stock_2021`: section 二 (2021 template) in_force (y) == in_force (y−1) + issued (y)
  − repealed (y), for regulations and normative_documents, when all four cells are filled.

Reports are compared by agency (`report_identity.agency_id`), one canonical report row per
document (duplicates found on several portals are compared once), parse_status ok or partial.
Results are rows of `check_results` with scope `cross_year` on the year-y report, check_no
after the report's own checks, both report ids in `detail` and `check_values`. Numbers are
never changed. `refresh_cross_year(con, now, agencies)` replaces the cross_year rows of the
given agencies (all when None; re-running converges); call it in a transaction, after
`agencies.refresh_identity`, which says which agencies changed.
"""
from __future__ import annotations

import json
from functools import lru_cache

import duckdb

from parsers import spec

SCOPE = "cross_year"
CARRY_RULE = "cross_year_carry"
STOCK_RULE = "normative_stock_2021"
CARRIED_OVER, CARRIED_FORWARD = "carried_over", "carried_forward"
STOCK_TABLE = "art20_1"
ISSUED, REPEALED, IN_FORCE = "issued", "repealed", "in_force"


@lru_cache(maxsize=1)
def checked_keys() -> None:
    """Fail loudly when the spec no longer has the rules or keys compared here."""
    rules = {r["id"] for r in spec.raw()["consistency_rules"]["implicit"]}
    missing = {CARRY_RULE, STOCK_RULE} - rules
    rows = {r.key for t in spec.TEMPLATES for r in spec.template(t).application_rows}
    missing |= {CARRIED_OVER, CARRIED_FORWARD} - rows
    t21 = {tb.key: tb for tb in spec.template("2021").active_tables}
    missing |= {ISSUED, REPEALED, IN_FORCE} - {c.key for c in t21[STOCK_TABLE].columns}
    if missing:
        raise RuntimeError(f"format spec lacks {sorted(missing)} used by the cross-year checks")


def stock_rows() -> list[str]:
    return [r.key for tb in spec.template("2021").active_tables if tb.key == STOCK_TABLE for r in tb.rows]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _num(expr: str) -> str:
    """SQL text of a number: 12 rather than 12.0."""
    return (f"CASE WHEN {expr} = round({expr}) THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({expr} AS VARCHAR) END")


def pairs_sql(agencies_param: str | None = None) -> str:
    """SELECT of every cross-year comparison:
    (report_id, prev_report_id, agency_id, year, rule, cell, value, expected, check_values JSON text).
    agencies_param: a SQL parameter holding a JSON list of the agency ids to compare (all when None)."""
    checked_keys()
    rows = ", ".join(_lit(r) for r in stock_rows())
    only = ("" if agencies_param is None else
            f"\n    AND i.agency_id IN (SELECT unnest(from_json({agencies_param}, '[\"VARCHAR\"]')))")
    return f"""
WITH canon AS (
  SELECT r.report_id, i.agency_id, r.year
  FROM reports r JOIN report_identity i ON i.report_id = r.report_id AND i.canonical_report_id = r.report_id
  WHERE i.agency_id IS NOT NULL AND r.year IS NOT NULL AND r.parse_status IN ('ok', 'partial'){only}
),
app AS (
  SELECT c.report_id, c.agency_id, c.year, a.row_key, a.applicant_key AS col, a.value
  FROM canon c JOIN applications a ON a.report_id = c.report_id
  WHERE a.row_key IN ({_lit(CARRIED_OVER)}, {_lit(CARRIED_FORWARD)}) AND a.value IS NOT NULL
),
carry AS (
  SELECT cur.report_id, prev.report_id AS prev_report_id, cur.agency_id, cur.year,
         {_lit(CARRY_RULE)} AS rule, {_lit(CARRIED_OVER)} || '.' || cur.col AS cell,
         CAST(cur.value AS DOUBLE) AS value, CAST(prev.value AS DOUBLE) AS expected,
         json_object('cell', {_lit(CARRIED_OVER)} || '.' || cur.col, 'year', cur.year, 'value', cur.value,
                     'report_id', cur.report_id, 'prev_year', prev.year,
                     'prev_cell', {_lit(CARRIED_FORWARD)} || '.' || prev.col, 'prev_value', prev.value,
                     'prev_report_id', prev.report_id) AS check_values
  FROM app cur JOIN app prev
    ON prev.agency_id = cur.agency_id AND prev.year = cur.year - 1 AND prev.col = cur.col
  WHERE cur.row_key = {_lit(CARRIED_OVER)} AND prev.row_key = {_lit(CARRIED_FORWARD)}
),
ad AS (
  SELECT c.report_id, c.agency_id, c.year, a.row_key,
         max(a.value) FILTER (WHERE a.column_key = {_lit(IN_FORCE)}) AS in_force,
         max(a.value) FILTER (WHERE a.column_key = {_lit(ISSUED)}) AS issued,
         max(a.value) FILTER (WHERE a.column_key = {_lit(REPEALED)}) AS repealed
  FROM canon c JOIN active_disclosure a ON a.report_id = c.report_id
  WHERE a.table_key = {_lit(STOCK_TABLE)} AND a.row_key IN ({rows})
    AND a.column_key IN ({_lit(IN_FORCE)}, {_lit(ISSUED)}, {_lit(REPEALED)})
  GROUP BY ALL
),
stock AS (
  SELECT cur.report_id, prev.report_id AS prev_report_id, cur.agency_id, cur.year,
         {_lit(STOCK_RULE)} AS rule, cur.row_key || '.' || {_lit(IN_FORCE)} AS cell,
         cur.in_force AS value, prev.in_force + cur.issued - cur.repealed AS expected,
         json_object('cell', cur.row_key || '.' || {_lit(IN_FORCE)}, 'year', cur.year, 'value', cur.in_force,
                     'issued', cur.issued, 'repealed', cur.repealed, 'report_id', cur.report_id,
                     'prev_year', prev.year, 'prev_value', prev.in_force, 'prev_report_id', prev.report_id,
                     'expected', prev.in_force + cur.issued - cur.repealed) AS check_values
  FROM ad cur JOIN ad prev
    ON prev.agency_id = cur.agency_id AND prev.year = cur.year - 1 AND prev.row_key = cur.row_key
  WHERE cur.in_force IS NOT NULL AND cur.issued IS NOT NULL AND cur.repealed IS NOT NULL
    AND prev.in_force IS NOT NULL
)
SELECT * FROM carry UNION ALL SELECT * FROM stock"""


def refresh_cross_year(con: duckdb.DuckDBPyConnection, now, agencies: set[str] | None = None) -> dict[str, int]:
    """Replace the `cross_year` rows of check_results (inside the caller's transaction, after
    `agencies.refresh_identity`): of every report, or only of the reports of `agencies`
    (the ones refresh_identity reports changed; a report that left one of them is covered by
    its old agency being in the set)."""
    if agencies is None:
        con.execute("DELETE FROM check_results WHERE scope = ?", [SCOPE])
        params: list = [now]
        pairs = pairs_sql()
    else:
        if not agencies:
            return {"checks": 0, "failed": 0, "agencies": 0}
        ids = json.dumps(sorted(agencies), ensure_ascii=False)
        # reports of those agencies now, and cross-year rows on reports that are no longer theirs
        con.execute("""DELETE FROM check_results WHERE scope = $1 AND (
                         report_id IN (SELECT report_id FROM report_identity
                                       WHERE agency_id IN (SELECT unnest(from_json($2, '["VARCHAR"]'))))
                         OR report_id NOT IN (SELECT report_id FROM report_identity WHERE agency_id IS NOT NULL))""",
                    [SCOPE, ids])
        params = [now, ids]
        pairs = pairs_sql("$2")
    con.execute(f"""
INSERT INTO check_results (report_id, check_no, rule, scope, passed, detail, check_values, sha256,
                           parser_version, loaded_at)
SELECT p.report_id,
       coalesce(r.n_checks, 0) + row_number() OVER (PARTITION BY p.report_id ORDER BY p.rule, p.cell, p.prev_report_id),
       p.rule, {_lit(SCOPE)}, p.value = p.expected,
       CASE WHEN p.rule = {_lit(CARRY_RULE)}
            THEN p.cell || ' ' || p.year || ' = ' || {_num('p.value')} || ' (report ' || p.report_id
                 || ') ' || CASE WHEN p.value = p.expected THEN '=' ELSE '≠' END || ' '
                 || replace(p.cell, {_lit(CARRIED_OVER)}, {_lit(CARRIED_FORWARD)}) || ' ' || (p.year - 1) || ' = '
                 || {_num('p.expected')} || ' (report ' || p.prev_report_id || ')'
            ELSE p.cell || ' ' || p.year || ' = ' || {_num('p.value')} || ' (report ' || p.report_id || ') '
                 || CASE WHEN p.value = p.expected THEN '=' ELSE '≠' END
                 || ' in_force ' || (p.year - 1) || ' + issued − repealed = ' || {_num('p.expected')}
                 || ' (previous report ' || p.prev_report_id || ')'
       END,
       p.check_values, r.sha256, r.parser_version, CAST($1 AS TIMESTAMP)
FROM ({pairs}) p JOIN reports r ON r.report_id = p.report_id""", params)
    out = dict(zip(("checks", "failed"), con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT passed) FROM check_results WHERE scope = ?",
        [SCOPE]).fetchone()))
    out["agencies"] = -1 if agencies is None else len(agencies)
    return out
