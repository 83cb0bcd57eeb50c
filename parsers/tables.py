"""Canonical cells of the three State Council tables, from rows (parsers/rows.py).

Two readers per table:
- row mode: a row's label cells are matched to a key (keymatch), the value cells after the
  label are that row's values; labels wrapped over several lines or split by a page break
  are joined from the text-only rows before a value row; grids use header column positions;
- stream mode, for text where the cells of a row are run together (text dumps of HTML
  pages): labels are found in the running text in template order and the digits between two
  labels are that row's values.

Digits run together without separators are split only when exactly one split satisfies the
row and column totals; otherwise the cells are null and a warning says so. Nothing here ever
changes a number to make totals agree.

Blank cells: a labelled row whose cells are all blank gives null cells (grid: empty cells
after the label; text: the label alone on its line between two value rows). In
whitespace-aligned text a row with fewer values than columns has its values placed under the
columns by character position (rows that carry every value, or the header cells); when that
is not clear-cut the values are read in order and a warning says some are missing.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from . import keymatch, spec
from .labels import normalize_label
from .numbers import Number, classify, is_digit_run, parse_value, split_digit_run
from .rows import Row

APPLICANT_KEYS = tuple(c.key for c in spec.applicant_columns())
PART_KEYS = APPLICANT_KEYS[:-1]
REVIEW_CELLS = spec.review_cell_order()
RESULT_KEYS_COMMON = tuple(kl.key for kl in spec.template("2019").application_rows
                           if kl.key not in ("new_received", "carried_over", "total_processed",
                                             "carried_forward", "other_handling"))


@dataclass
class Extracted:
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    template: str | None = None
    warnings: list[str] = field(default_factory=list)
    found: int = 0  # rows/cells found, to compare row mode with stream mode
    # per cell: {"method", "page"} (parsers/model.py Provenance), and the reason of a cell
    # left null on purpose (the source has something there that could not be read for certain)
    prov: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    null_reasons: dict[str, dict[str, str]] = field(default_factory=dict)

    def put(self, row: str, values: dict[str, Any], method: str, page: int | None,
            reason: str | None = None, *, update: bool = False) -> None:
        """Set a row's cells with how they were read; `reason` explains its null cells."""
        if update:
            self.cells.setdefault(row, {}).update(values)
        else:
            self.cells[row] = dict(values)
            self.prov.pop(row, None)
            self.null_reasons.pop(row, None)
        for c, v in values.items():
            self.prov.setdefault(row, {})[c] = {"method": method, "page": page}
            if v is None and reason:
                self.null_reasons.setdefault(row, {})[c] = reason
            elif row in self.null_reasons:
                self.null_reasons[row].pop(c, None)
        if row in self.null_reasons and not self.null_reasons[row]:
            del self.null_reasons[row]

    def take_row(self, other: "Extracted", row: str) -> None:
        """Row `row` of another reading, with its provenance and null reasons."""
        self.cells[row] = other.cells[row]
        self.prov[row] = other.prov.get(row, {})
        if row in other.null_reasons:
            self.null_reasons[row] = other.null_reasons[row]
        else:
            self.null_reasons.pop(row, None)


def short_row_reason(n: int, cols: int) -> str:
    return (f"the row carries {n} value{'s' if n != 1 else ''} for {cols} columns and their positions do not "
            f"show which columns they belong to")


# ------------------------------------------------------------------------- helpers

def _value_span(row: Row) -> tuple[int, int, int] | None:
    """(label_end, start, end): value cells row.cells[start:end] follow the last text cell
    before the first value cell; None when the row has no value cell."""
    kinds = row.kinds
    first = next((i for i, k in enumerate(kinds) if k in ("number", "null")), None)
    if first is None:
        return None
    last_text = max((i for i in range(first) if kinds[i] == "text"), default=-1)
    end = next((i for i in range(first, len(kinds)) if kinds[i] == "text"), len(kinds))
    return last_text, last_text + 1, end


def _fit(seq: list[str], n: int, grid: bool) -> list[str]:
    """Trim blanks at the ends of a row's value cells towards n cells."""
    seq = list(seq)
    while len(seq) > n and not seq[0].strip():
        seq.pop(0)
    while len(seq) > n and not seq[-1].strip():
        seq.pop()
    if not grid:
        while seq and not seq[0].strip() and len([s for s in seq if s.strip()]) >= n:
            seq.pop(0)
    return seq


def _digits_only(seq: list[str]) -> str | None:
    filled = [s for s in seq if s.strip()]
    if len(filled) == 1 and is_digit_run(filled[0]):
        return re.sub(r"\D", "", filled[0])
    return None


def _label_only(cell: str) -> bool:
    """A cell that can be a whole row label standing alone (no figures, not running text)."""
    t = keymatch.strip_numbering(keymatch.norm(cell))
    return 2 <= len(t) <= 45 and not re.search(r"\d", t)


def _text_of(row: Row, upto: int) -> list[str]:
    return [c for c, k in zip(row.cells[:upto], row.kinds[:upto]) if k == "text"]


# ---- whitespace-aligned text: place the values of a row with blank cells under their columns

def _center(row: Row, i: int) -> float:
    return row.ends[i] - len(row.cells[i]) / 2  # type: ignore[index]


def _value_idx(row: Row, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if row.kinds[i] in ("number", "null")]


def _full_row_anchors(rows: list[Row], n: int) -> list[float] | None:
    """Column centres (median over rows) from the aligned rows that carry exactly n values."""
    cols: list[list[float]] = [[] for _ in range(n)]
    for r in rows:
        span = _value_span(r) if r.ends is not None else None
        if span is None:
            continue
        idx = _value_idx(r, span[1], span[2])
        if len(idx) == n:
            for c, i in enumerate(idx):
                cols[c].append(_center(r, i))
    if not all(cols):
        return None
    return [sorted(c)[len(c) // 2] for c in cols]


def _placed(row: Row, start: int, end: int, anchors: list[float] | None) -> list[str] | None:
    """The value cells of an aligned-text row with fewer values than columns, each put under
    the nearest column centre; None unless every value lands clearly in a column of its own."""
    if row.ends is None or not anchors or len(anchors) < 2:
        return None
    idx = _value_idx(row, start, end)
    if not idx or len(idx) >= len(anchors):
        return None
    tol = min(b - a for a, b in zip(anchors, anchors[1:])) / 2
    if tol <= 0:
        return None
    out = [""] * len(anchors)
    for i in idx:
        pos = _center(row, i)
        j = min(range(len(anchors)), key=lambda k: abs(anchors[k] - pos))
        if abs(anchors[j] - pos) >= tol or out[j]:
            return None
        out[j] = row.cells[i]
    return out


# ------------------------------------------------------------------------- applications (三)

@dataclass
class _AppRow:
    key: str
    values: list[Number | None] | None  # None while ambiguous
    candidates: list[list[int]] = field(default_factory=list)
    method: str = "stream"
    page: int | None = None
    reason: str | None = None  # why the row's null cells are null (None: blank in the source)


def _header_positions(rows: list[Row]) -> dict[str, int]:
    """Applicant column key -> grid column, from the text-only rows of a grid header."""
    pos: dict[str, int] = {}
    for row in rows:
        for i, c in enumerate(row.cells):
            key = keymatch.match_applicant_column(c) if row.kinds[i] == "text" else None
            if key and key not in pos:
                pos[key] = i
    return pos


def _row_values_7(row: Row, span: tuple[int, int, int], header: dict[str, int],
                  anchors: list[float] | None = None) -> tuple[list[str], bool]:
    label_end, start, end = span
    seq = row.cells[start:end]
    placed = _placed(row, start, end, anchors)
    if placed is not None:
        return placed, True
    if row.grid:
        own = row.owned(start, end)
        while len(own) > 7 and not own[-1].strip():
            own.pop()
        if len(own) == 7:  # one real cell per column, whatever the spans
            return own, True
    if row.grid and len(header) == 7 and min(header.values()) > label_end:
        absolute = [row.cells[header[k]] if header[k] < len(row.cells) else "" for k in APPLICANT_KEYS]
        nums_abs = sum(1 for c in absolute if classify(c) in ("number", "null"))
        nums_seq = sum(1 for c in seq if classify(c) in ("number", "null"))
        if nums_abs >= nums_seq:
            return absolute, True
    return _fit(seq, 7, row.grid), False


def _header_anchors(header_row: Row | None, positions: list[int], n: int) -> list[float] | None:
    """Column centres from the header cells of an aligned-text header row."""
    if header_row is None or header_row.ends is None or len(positions) != n:
        return None
    anchors = [_center(header_row, p) for p in positions]
    return anchors if anchors == sorted(anchors) else None


def _nearby_anchors(rows: list[Row], at: int, n: int, reach: int = 6) -> list[float] | None:
    """Column centres of the aligned row nearest to rows[at] (same table) with n values."""
    for d in range(1, reach + 1):
        for j in (at - d, at + d):
            if 0 <= j < len(rows) and rows[j].table == rows[at].table and rows[j].ends is not None:
                span = _value_span(rows[j])
                if span is not None:
                    idx = _value_idx(rows[j], span[1], span[2])
                    if len(idx) == n:
                        return [_center(rows[j], i) for i in idx]
    return None


def _applicant_anchors(rows: list[Row]) -> dict[int | None, list[float]]:
    """Aligned text: per table, the centres of the seven applicant columns — from the rows
    that carry all seven values, else from the header cells (自然人 … 总计)."""
    out: dict[int | None, list[float]] = {}
    tables = {r.table for r in rows if r.ends is not None}
    if tables:  # one table per section: a group label alone on its line splits the text table
        trs = [r for r in rows if r.ends is not None]
        full = _full_row_anchors(trs, 7)
        if full is None:
            pos: dict[str, float] = {}
            for r in trs:
                if r.ends is None or _value_span(r) is not None:
                    continue
                for i, c in enumerate(r.cells):
                    key = keymatch.match_applicant_column(c)
                    if key and key not in pos:
                        pos[key] = _center(r, i)
            if len(pos) == 7:
                full = [pos[k] for k in APPLICANT_KEYS]
                if full != sorted(full):
                    full = None
        if full is not None:
            out.update((t, full) for t in tables)
    return out


def _choose7(texts: list[str], warnings: list[str], key: str,
             reasons: dict[str, str]) -> list[Number | None] | list[list[int]]:
    """Seven values from a row's value cells; a list of candidate splits for a digit run.
    A row left null on purpose gets its reason in `reasons`."""
    digits = _digits_only(texts)
    if digits is not None and len(texts) < 7 and len(digits) == 7:
        return [int(d) for d in digits]  # the only possible cut: one digit per cell
    if digits is not None and len(texts) < 7 and len(digits) > 7:
        cands = list(split_digit_run(digits, 7, lambda c: sum(c[:6]) == c[6]))
        return [cands] if cands else [[]]  # wrapped: a list of candidates
    vals = [parse_value(t) for t in texts]
    if len(vals) > 7:
        windows = [vals[i:i + 7] for i in range(len(vals) - 6)]
        good = [w for w in windows if None not in w and sum(w[:6]) == w[6]]
        if len(good) >= 1 and all(g == good[0] for g in good):
            choice = good[0]
            warnings.append(f"applications.{key}: {len(vals)} values in the row, kept {choice}")
            return choice
        reason = (f"the row carries {len(vals)} values for 7 columns and no single run of 7 adds up to "
                  f"its total")
        warnings.append(f"applications.{key}: {reason}; the row's cells are left null")
        reasons[key] = reason
        return [None] * 7
    if len(vals) < 7:
        reason = short_row_reason(len(vals), 7)
        warnings.append(f"applications.{key}: {reason}; the row's cells are left null")
        reasons[key] = reason
        vals = [None] * 7
    return vals


def _app_row_order(template: str) -> list[str]:
    return [kl.key for kl in spec.template(template).application_rows]


def extract_applications_rows(rows: list[Row]) -> Extracted:
    out = Extracted()
    pending: list[str] = []
    header_rows: list[Row] = []
    header: dict[str, int] = {}
    found: dict[str, _AppRow] = {}
    blank: dict[str, bool] = {}  # labelled rows whose cells are all empty
    blank_src: dict[str, tuple[str, int | None]] = {}  # their read method and page
    maybe_blank: list[str] = []  # text: label-only lines between two keyed value rows
    header_table: int | None = None
    last_key: str | None = None
    anchors = _applicant_anchors(rows)
    for row in rows:
        span = _value_span(row)
        if span is None:
            texts = [c for c, k in zip(row.cells, row.kinds) if k == "text"]
            if row.grid and not found:
                header_rows = [r for r in header_rows if r.table == row.table] + [row]
                header = _header_positions(header_rows)
                header_table = row.table
            if texts:
                pending.append("".join(texts))
                pending = pending[-4:]
                last = max(i for i, k in enumerate(row.kinds) if k == "text")
                if len(row.cells) - last - 1 >= 7 or (not row.grid and _label_only(row.cells[last])):
                    # a labelled row whose cells are all blank (grid: 7 empty cells after the
                    # label; text: the label alone on its line, between two value rows of the
                    # table). Null cells, unless the label turns out to be the first line of a
                    # wrapped label (its row is found later)
                    bkey = keymatch.match_application_row(row.cells[last],
                                                          after_unpaid_fee=last_key == "other_unpaid_fee")
                    if bkey and bkey not in found:
                        blank_src[bkey] = (row.method, row.page)
                        if row.grid or len(row.cells) - last - 1 >= 7:
                            blank[bkey] = True
                        elif last_key is not None:
                            maybe_blank.append(bkey)
            continue
        has_num = any(k == "number" for k in row.kinds)
        label_end, start, end = span
        labels = _text_of(row, start)
        after_fee = last_key == "other_unpaid_fee"
        key = None
        if labels:
            key = keymatch.match_application_row(labels[-1], after_unpaid_fee=after_fee) \
                or keymatch.match_application_row("".join(labels), after_unpaid_fee=after_fee)
            if key is None and has_num:
                for k in range(1, len(pending) + 1):
                    key = keymatch.match_application_row("".join(pending[-k:]) + "".join(labels),
                                                         after_unpaid_fee=after_fee)
                    if key:
                        break
        if key is None and pending and has_num:
            n_vals = sum(1 for k in row.kinds[start:end] if k in ("number", "null"))
            run = _digits_only(row.cells[start:end])
            if n_vals < 5 and (run is None or len(run) < 7):
                continue  # a stray number (page number, one cell per line): not a table row
            for k in range(1, len(pending) + 1):
                key = keymatch.match_application_row("".join(pending[-k:]), after_unpaid_fee=after_fee)
                if key:
                    break
        if has_num or key:
            pending = []
        if key is None:
            continue
        if key in found:
            out.warnings.append(f"applications.{key}: a second row with this label was ignored")
            continue
        texts, _ = _row_values_7(row, span, header if row.table == header_table else {}, anchors.get(row.table))
        reasons: dict[str, str] = {}
        vals = _choose7(texts, out.warnings, key, reasons)
        if len(vals) == 1 and isinstance(vals[0], list):
            found[key] = _AppRow(key, None, vals[0], method=row.method, page=row.page)  # type: ignore[arg-type]
        else:
            found[key] = _AppRow(key, vals, method=row.method, page=row.page,  # type: ignore[arg-type]
                                 reason=reasons.get(key))
        last_key = key
        blank.update((b, True) for b in maybe_blank if b != key)
        blank_src.update((b, (row.method, row.page)) for b in maybe_blank if b != key)
        maybe_blank = []
    has21 = any(k in found for k in spec.OTHER_HANDLING_2021)
    for bkey in blank:
        if bkey == spec.OTHER_HANDLING_2019 and has21:
            continue  # （六）其他处理 is the group label of the 2021 sub-rows
        if bkey in spec.OTHER_HANDLING_2021 and spec.OTHER_HANDLING_2019 in found:
            continue
        if bkey not in found:
            method, page = blank_src.get(bkey, ("stream", None))
            found[bkey] = _AppRow(bkey, [None] * 7, method=method, page=page)
            out.warnings.append(f"applications.{bkey}: the row is blank in the source")
    _finish_applications(found, out)
    return out


def _finish_applications(found: dict[str, _AppRow], out: Extracted) -> None:
    if spec.OTHER_HANDLING_2019 in found and any(k in found for k in spec.OTHER_HANDLING_2021):
        # the template has no subtotal rows: a （六）其他处理 row beside its 2021 sub-rows is a
        # subtotal some reports add (like （三）不予公开小计), not a cell of the template
        dropped = found.pop(spec.OTHER_HANDLING_2019)
        out.warnings.append(f"applications: （六）其他处理 row {dropped.values} beside its sub-rows read as a "
                            f"subtotal and left out")
    _resolve_runs(found, out.warnings)
    for key, ar in found.items():
        vals = ar.values if ar.values is not None else [None] * 7
        out.put(key, dict(zip(APPLICANT_KEYS, vals)), ar.method, ar.page, ar.reason)
    has21 = any(k in found for k in spec.OTHER_HANDLING_2021)
    has19 = spec.OTHER_HANDLING_2019 in found
    out.template = "2021" if has21 else ("2019" if has19 else None)
    out.found = len(found)


def _resolve_runs(found: dict[str, _AppRow], warnings: list[str]) -> None:
    """Pick the one split of each run-together row that satisfies the column totals."""
    amb = [k for k, r in found.items() if r.values is None]
    if not amb:
        return
    for k in amb:
        if len(found[k].candidates) == 1:
            found[k].values = list(found[k].candidates[0])
    amb = [k for k, r in found.items() if r.values is None and r.candidates]
    if amb:
        sizes = [len(found[k].candidates) for k in amb]
        total = 1
        for s in sizes:
            total *= s
        solutions = []
        if total <= 200000:
            for combo in itertools.product(*(found[k].candidates for k in amb)):
                trial = {k: r.values for k, r in found.items() if r.values is not None}
                trial.update(dict(zip(amb, combo)))
                if _columns_consistent(trial):
                    solutions.append(combo)
                    if len(solutions) > 1:
                        break
        if len(solutions) == 1:
            for k, vals in zip(amb, solutions[0]):
                found[k].values = list(vals)
    for k, r in found.items():
        if r.values is None:
            n = len(r.candidates)
            r.reason = f"digits run together; {n} possible splits satisfy the totals"
            warnings.append(f"applications.{k}: digits run together; {n} possible splits satisfy the "
                            f"totals, so the cells are left null")


def _columns_consistent(trial: dict[str, list]) -> bool:
    """Column checks that hold for the trial values (unknown rows are skipped)."""
    results = [k for k in trial if k in RESULT_KEYS_COMMON or k in spec.OTHER_HANDLING_2021
               or k == spec.OTHER_HANDLING_2019]
    tp = trial.get("total_processed")
    for ci in range(7):
        if tp is not None and results:
            vals = [trial[k][ci] for k in results]
            if None not in vals and tp[ci] is not None and sum(vals) != tp[ci]:
                return False
        nr, co, cf = trial.get("new_received"), trial.get("carried_over"), trial.get("carried_forward")
        if nr and co and cf and tp:
            v = (nr[ci], co[ci], cf[ci], tp[ci])
            if None not in v and v[0] + v[1] != v[3] + v[2]:
                return False
    return True


# ------------------------------------------------------------------------- stream mode

_CHAR_MAP_CACHE: dict[str, str] = {}


def stream_text(text: str) -> str:
    """Per-character normalisation that keeps offsets: labels compare, whitespace stays."""
    out = []
    for ch in text:
        m = _CHAR_MAP_CACHE.get(ch)
        if m is None:
            if ch.isspace():
                m = " "
            else:
                n = normalize_label(ch)
                m = (n[:1] if n else " ")
                if m == '"':
                    m = " "
            _CHAR_MAP_CACHE[ch] = m
        out.append(m)
    return "".join(out)


def _label_regex(raw_label: str, forms: tuple[str, ...]) -> re.Pattern[str]:
    num = keymatch.numbering(keymatch.norm(raw_label))
    num_re = r"\s*".join(re.escape(c) for c in num) if num else ""
    alts = sorted({f for f in forms if f}, key=len, reverse=True)
    body = "|".join(r"\s*".join(re.escape(c) for c in f) for f in alts)
    return re.compile((f"(?:{num_re}\\s*)?" if num_re else "") + f"(?:{body})")


_LEAD_NUM = re.compile(r"^[\s\d.,]*")


def _stream_values(text: str, start: int, stop: int) -> list[str]:
    """The value tokens right after a label: whitespace-separated numbers (with signs, units,
    notes), and the leading digits of a token where the next label follows without a gap."""
    toks: list[str] = []
    for tok in text[start:stop].split():
        if classify(tok) in ("number", "null"):
            toks.append(tok)
            continue
        m = _LEAD_NUM.match(tok)
        if m and m.group(0).strip(" .,"):
            rest = tok[m.end():]
            # digits followed by more value syntax (减4, -18, 元 …) cannot be cut safely
            toks.append(m.group(0).rstrip(".,") if not re.match(r"[-+减增元万%]", rest) else UNSPLITTABLE)
        break
    return toks


UNSPLITTABLE = "?"


def extract_applications_stream(text: str, method: str = "stream") -> Extracted:
    """Applications rows from running text (cells run together or space separated)."""
    out = Extracted()
    t = stream_text(text)
    rows21 = {kl.key: kl for kl in spec.template("2021").application_rows}
    rows19 = {kl.key: kl for kl in spec.template("2019").application_rows}
    forms = {kf.key: kf.cores for kf in keymatch.application_forms()}
    forms["other_other"] = ("其他",)
    forms["total_processed"] = ("总计", "合计")
    order = _app_row_order("2021")
    hits: list[tuple[str, int, int]] = []
    pos = 0
    for key in order:
        kl = rows21[key]
        m = _label_regex(kl.label, forms[key]).search(t, pos)
        if key == "other_no_correction" and not m:
            m19 = _label_regex(rows19["other_handling"].label, forms["other_handling"]).search(t, pos)
            if m19:
                hits.append(("other_handling", m19.start(), m19.end()))
                pos = m19.end()
            continue
        if key in ("other_unpaid_fee", "other_other") and any(h[0] == "other_handling" for h in hits):
            continue
        if m:
            hits.append((key, m.start(), m.end()))
            pos = m.end()
    found: dict[str, _AppRow] = {}
    for i, (key, s, e) in enumerate(hits):
        stop = hits[i + 1][1] if i + 1 < len(hits) else len(t)
        toks = _stream_values(t, e, stop)
        if not toks:
            continue
        if UNSPLITTABLE in toks or (len(toks) != 7 and _digits_only(toks) is None):
            out.warnings.append(f"applications.{key}: {len(toks)} values in running text where 7 were "
                                f"expected; cells left null")
            found[key] = _AppRow(key, [None] * 7, method=method,
                                 reason=f"{len(toks)} values in running text where 7 were expected"
                                 if UNSPLITTABLE not in toks else "values run together with signs or units")
            continue
        reasons: dict[str, str] = {}
        vals = _choose7(toks, out.warnings, key, reasons)
        if len(vals) == 1 and isinstance(vals[0], list):
            found[key] = _AppRow(key, None, vals[0], method=method)  # type: ignore[arg-type]
        else:
            found[key] = _AppRow(key, vals, method=method, reason=reasons.get(key))  # type: ignore[arg-type]
    _finish_applications(found, out)
    return out


# ------------------------------------------------------------------------- active disclosure (二)

def detect_template(text: str) -> str | None:
    """2019 or 2021 from the template markers anywhere in the text (normalised)."""
    t = keymatch.norm(text)
    score = {}
    for name in spec.TEMPLATES:
        score[name] = sum(1 for m in spec.template(name).detect_any_of if keymatch.norm(m) in t)
    if score["2021"] > score["2019"]:
        return "2021"
    if score["2019"] > score["2021"]:
        return "2019"
    return None


def _columns_for(table: str, template: str) -> list[str]:
    for tb in spec.template(template).active_tables:
        if tb.key == table:
            return [c.key for c in tb.columns]
    return []


def _has_row(table: str, row: str, template: str) -> bool:
    return any(tb.key == table and any(r.key == row for r in tb.rows)
               for tb in spec.template(template).active_tables)


def _has_table(table: str, template: str) -> bool:
    return any(tb.key == table for tb in spec.template(template).active_tables)


def settle_split(digits: str, row: str, cols: list[str],
                 hints: dict[tuple[str, str], int]) -> tuple[list[int] | None, int, bool]:
    """The one split of a digit run over `cols` (one cut only, or the one that agrees with
    every figure the report's text states for this row): (split or None, number of candidates,
    whether the text's figures were used)."""
    cands = list(split_digit_run(digits, len(cols)))
    if len(cands) == 1:
        return list(cands[0]), 1, False
    known = {c: hints[(row, c)] for c in cols if (row, c) in hints}
    if known:
        cands = [cd for cd in cands if all(cd[cols.index(c)] == v for c, v in known.items())]
    return (list(cands[0]) if len(cands) == 1 and known else None), len(cands), bool(known)


def extract_active_rows(rows: list[Row], default_template: str | None,
                        hints: dict[tuple[str, str], int] | None = None) -> Extracted:
    out = Extracted()
    header: list[tuple[int, list[keymatch.ActiveColumn]]] = []
    header_age = 99
    header_row: Row | None = None
    tpl_votes: dict[str, int] = {}
    blank_keys: set[str] = set()
    for ri, row in enumerate(rows):
        span = _value_span(row)
        texts = [(i, c) for i, (c, k) in enumerate(zip(row.cells, row.kinds)) if k == "text"]
        hdr = [(i, keymatch.match_active_columns(c)) for i, c in texts]
        hdr = [(i, r) for i, r in hdr if r]
        if hdr and span is None:
            header, header_age, header_row = hdr, 0, row
            continue
        header_age += 1
        blank_row = False
        if span is None:
            # a labelled row whose value cells are all empty: null cells (unless found later)
            last = max((i for i, _ in texts), default=None)
            if last is None or len(texts) > 1:
                continue
            if last == len(row.cells) - 1 and (row.grid or header_age > 3):
                continue  # text: a label alone on its line right under a header row is blank
            span = (last, last + 1, len(row.cells))
            blank_row = True
        label_end, start, end = span
        ar = None
        for c in reversed(_text_of(row, start)):
            ar = keymatch.match_active_row(c)
            if ar:
                break
        if ar is None or (ar.key in out.cells and ar.key not in blank_keys):
            continue
        if blank_row:
            blank_keys.add(ar.key)
        else:
            blank_keys.discard(ar.key)
        seq = row.cells[start:end]
        cols: list[str] = []
        positions: list[int] = []
        template = None
        if header and header_age <= 4:
            for i, readings in header:
                rs = [r for r in readings if r.table == ar.table]
                if default_template:
                    rs = sorted(rs, key=lambda r: r.template != default_template)
                if rs and rs[0].key not in cols:
                    cols.append(rs[0].key)
                    positions.append(i)
                    template = template or rs[0].template
        filled = [s for s in _fit(seq, 99, row.grid) if s.strip()]
        if cols and len(cols) < len(filled) and template and \
                len(_columns_for(ar.table, template)) == len(filled):
            cols, positions = _columns_for(ar.table, template), []  # header split over lines
        if not cols:
            options = [t for t in ([default_template] if default_template else []) + list(spec.TEMPLATES)
                       if t and _has_table(ar.table, t)]
            template = next((t for t in options if len(_columns_for(ar.table, t)) == len(filled)), None) \
                or (options[0] if options else None)
            cols = _columns_for(ar.table, template) if template else []
        if not cols:
            continue
        if template and not blank_row:
            tpl_votes[template] = tpl_votes.get(template, 0) + 1
        own = row.owned(start, end) if row.grid else []
        while len(own) > len(cols) and not own[-1].strip():
            own.pop()
        if row.grid and len(own) == len(cols):  # one real cell per column, whatever the spans
            texts_v = own
        elif row.grid and positions and len(positions) == len(cols) and min(positions) > label_end:
            texts_v = [row.cells[p] if p < len(row.cells) else "" for p in positions]
        elif not blank_row and (placed := _placed(row, start, end, _header_anchors(header_row, positions, len(cols))
                                                  or _nearby_anchors(rows, ri, len(cols)))) is not None:
            texts_v = placed
        else:
            texts_v = _fit(seq, len(cols), row.grid)
        extra = [x for x in texts_v[len(cols):] if x.strip()]
        if extra and not all(x == texts_v[len(cols) - 1] for x in extra):
            out.warnings.append(f"active_disclosure.{ar.key}: {len(texts_v)} values for {len(cols)} columns")
        vals = [parse_value(x) for x in texts_v[:len(cols)]]
        reason = None
        run = _digits_only(texts_v)
        how = row.method
        if run is not None and len(cols) > 1 and len(vals) < len(cols) and len(run) >= len(cols):
            # digits run together in one cell: only the report's own figures can split them
            split, n, used_text = settle_split(run, ar.key, cols, hints or {})
            if split is not None:
                vals = list(split)
                if used_text:
                    how = "narrative"
                    out.warnings.append(f"active_disclosure.{ar.key}: digits {run!r} run together; split {vals} "
                                        f"fixed by the figures stated in the report's text")
            else:
                why = f"{n} splits agree with the figures in the text" if used_text else \
                    f"{n} possible splits and no figure in the text settles them"
                reason = f"digits {run!r} run together; {why}"
                out.warnings.append(f"active_disclosure.{ar.key}: {reason}; the row's cells are left null")
                vals = []
        if reason is None and len(vals) < len(cols) and not blank_row:
            reason = short_row_reason(len(vals), len(cols))
            out.warnings.append(f"active_disclosure.{ar.key}: {reason}; the row's cells are left null")
            vals = []
        vals += [None] * (len(cols) - len(vals))
        out.put(ar.key, dict(zip(cols, vals)), how, row.page, reason)
    if tpl_votes:
        out.template = max(tpl_votes, key=lambda k: tpl_votes[k])
    out.found = len(out.cells) - len(blank_keys)  # rows with values (blank rows may be misread)
    return out


_NARRATIVE_HINTS = {
    # (row, column) -> regexes over the report's text whose group(1) states that cell
    ("regulations", "in_force"): [r"现行有效的?(?:政府)?规章(?:共|共计|合计)?(\d+)(?:件|部|个)",
                                  r"(?:政府)?规章现行有效(?:的)?(?:共|共计)?(\d+)(?:件|部|个)"],
    ("regulations", "issued"): [r"制(?:发|定)的?(?:政府)?规章(?:共|共计)?(\d+)(?:件|部|个)",
                                r"(?:政府)?规章(?:本年度?)?制(?:发|定)(?:共|共计)?(\d+)(?:件|部|个)"],
    ("regulations", "repealed"): [r"废止的?(?:政府)?规章(?:共|共计)?(\d+)(?:件|部|个)"],
    ("normative_documents", "in_force"): [r"现行有效的?(?:行政)?规范性文件(?:共|共计|合计)?(\d+)(?:件|个)",
                                          r"(?:行政)?规范性文件现行有效(?:的)?(?:共|共计)?(\d+)(?:件|个)"],
    ("normative_documents", "issued"): [r"制发的?(?:行政)?规范性文件(?:共|共计)?(\d+)(?:件|个)",
                                        r"(?:行政)?规范性文件(?:本年度?)?制发(?:共|共计)?(\d+)(?:件|个)"],
    ("normative_documents", "repealed"): [r"废止的?(?:行政)?规范性文件(?:共|共计)?(\d+)(?:件|个)"],
}


def narrative_hints(text: str) -> dict[tuple[str, str], int]:
    t = re.sub(r"\s+", "", text)
    hints: dict[tuple[str, str], int] = {}
    for cell, pats in _NARRATIVE_HINTS.items():
        for p in pats:
            m = re.search(p, t)
            if m:
                hints[cell] = int(m.group(1))
                break
    return hints


def extract_active_stream(text: str, default_template: str | None, hints: dict[tuple[str, str], int],
                          method: str = "stream") -> Extracted:
    out = Extracted()
    t = stream_text(text)
    template = default_template or detect_template(text) or "2021"
    hits: list[tuple[keymatch.ActiveRow, int, int]] = []
    pos = 0
    for ar in keymatch.active_rows():
        if not _has_row(ar.table, ar.key, template):
            continue
        m = _label_regex(ar.cores[0], ar.cores).search(t, pos)
        if m:
            hits.append((ar, m.start(), m.end()))
            pos = m.end()
    for i, (ar, s, e) in enumerate(hits):
        stop = hits[i + 1][1] if i + 1 < len(hits) else len(t)
        toks = _stream_values(t, e, stop)
        cols = _columns_for(ar.table, template)
        if not toks or not cols:
            continue
        how, reason = method, None
        if UNSPLITTABLE in toks:
            out.warnings.append(f"active_disclosure.{ar.key}: values run together with signs or units; "
                                f"cells left null")
            reason = "values run together with signs or units"
            vals = [None] * len(cols)
        elif len(toks) == len(cols):
            vals: list[Number | None] = [parse_value(x) for x in toks]
        elif len(toks) == 1 and is_digit_run(toks[0]):
            cands = list(split_digit_run(toks[0], len(cols)))
            known = {c: hints[(ar.key, c)] for c in cols if (ar.key, c) in hints}
            if known:
                cands = [cd for cd in cands if all(cd[cols.index(c)] == v for c, v in known.items())]
            if len(cands) == 1:
                vals = list(cands[0])
                if known:
                    how = "narrative"
                    out.warnings.append(f"active_disclosure.{ar.key}: digits run together; split "
                                        f"{vals} fixed by the figures stated in the report's text")
            else:
                out.warnings.append(f"active_disclosure.{ar.key}: digits {toks[0]!r} run together; "
                                    f"{len(cands)} possible splits, cells left null")
                reason = f"digits {toks[0]!r} run together; {len(cands)} possible splits"
                vals = [None] * len(cols)
        else:
            out.warnings.append(f"active_disclosure.{ar.key}: {len(toks)} values in running text for "
                                f"{len(cols)} columns; cells left null")
            reason = f"{len(toks)} values in running text for {len(cols)} columns"
            vals = [None] * len(cols)
        out.put(ar.key, dict(zip(cols, vals)), how, None, reason)
    out.template = template if out.cells else None
    out.found = len(out.cells)
    return out


# ------------------------------------------------------------------------- review / litigation (四)

def _review_from_flat(values: list[str], out: Extracted,
                      src: list[tuple[str, int | None]] | None = None) -> None:
    """The 15 cells from the values of the data row(s) in reading order; `src` gives the
    read method and page of every value."""
    vals = list(values)
    src = list(src) if src is not None and len(src) == len(vals) else [("stream", None)] * len(vals)
    while len(vals) > 15 and not vals[0].strip():
        vals.pop(0)
        src.pop(0)
    while len(vals) > 15 and not vals[-1].strip():
        vals.pop()
        src.pop()
    digits = _digits_only(vals)
    reason = None
    if digits is not None and len(vals) < 15 and len(digits) >= 15:
        def ok(c: list[int]) -> bool:
            return all(sum(c[g * 5:g * 5 + 4]) == c[g * 5 + 4] for g in range(3))
        cands = [[int(d) for d in digits]] if len(digits) == 15 else list(split_digit_run(digits, 15, ok))
        where = next(s for v, s in zip(vals, src) if v.strip())
        src = [where] * 15
        if len(cands) == 1:
            parsed: list[Number | None] = list(cands[0])
        else:
            out.warnings.append(f"review_litigation.review, review_litigation.litigation_direct, "
                                f"review_litigation.litigation_after_review: digits run together; "
                                f"{len(cands)} possible splits, cells left null")
            reason = f"digits run together; {len(cands)} possible splits"
            parsed = [None] * 15
    else:
        if len(vals) > 15:
            out.warnings.append(f"review_litigation: {len(vals)} values in the data row; the first 15 are kept")
        if len(vals) < 15:
            reason = short_row_reason(len(vals), 15)
            out.warnings.append(f"review_litigation.review, review_litigation.litigation_direct, "
                                f"review_litigation.litigation_after_review: {reason}; the table's cells are left null")
            parsed = [None] * 15
            src = (src + [src[-1] if src else ("stream", None)] * 15)[:15]
        else:
            parsed = [parse_value(v) for v in vals[:15]]
    for ((g, c), v), (method, page) in zip(zip(REVIEW_CELLS, parsed), src):
        out.put(g, {c: v}, method, page, reason, update=True)
    out.found = sum(1 for v in parsed if v is not None)


def extract_review_rows(rows: list[Row]) -> Extracted:
    out = Extracted()
    flat: list[str] = []
    chunks: list[list[str]] = []
    chunk_rows: list[Row] = []
    by_group: dict[str, list[str]] = {}
    group_rows: dict[str, Row] = {}
    leaf: list[float] = []  # aligned text: centres of the header's 结果维持 … 总计 cells
    for row in rows:
        span = _value_span(row)
        if span is None or not any(k == "number" for k in row.kinds):
            if row.ends is not None:
                leaf += [_center(row, i) for i, c in enumerate(row.cells)
                         if row.kinds[i] == "text" and keymatch.match_review_column(c)]
            continue
        label_end, start, end = span
        labels = _text_of(row, start)
        group = keymatch.match_review_group(labels[-1]) if labels else None
        placed = _placed(row, start, end, sorted(leaf)) if not group and len(leaf) == 15 else None
        if placed is not None:
            chunks.append(placed)
            chunk_rows.append(row)
            continue
        seq = row.owned(start, end)
        if not row.grid and not (row.ends is None and len(seq) == 15):  # delimited 15 cells: blanks are real
            while seq and not seq[0].strip():
                seq.pop(0)
            while seq and not seq[-1].strip():
                seq.pop()
        if group:
            by_group[group] = _fit(seq, 5, row.grid)
            group_rows[group] = row
        elif row.paragraph:
            continue
        else:
            chunks.append(seq)
            chunk_rows.append(row)
    wide = [(c, r) for c, r in zip(chunks, chunk_rows) if sum(1 for x in c if x.strip()) >= 3]
    if sum(len(c) for c, _ in wide) >= 15:
        # ignore stray single numbers (page numbers) next to the data row
        chunks, chunk_rows = [c for c, _ in wide], [r for _, r in wide]
    src: list[tuple[str, int | None]] = []
    for c, r in zip(chunks, chunk_rows):
        flat.extend(c)
        src.extend([(r.method, r.page)] * len(c))
    if by_group and not flat:
        for g in ("review", "litigation_direct", "litigation_after_review"):
            vals = by_group.get(g, [])
            r = group_rows.get(g)
            keys = [c for gg, c in REVIEW_CELLS if gg == g]
            reason = None
            if r is None:
                reason = "no data row for this group was found"
                out.warnings.append(f"review_litigation.{g}: {reason}; the group's cells are null")
            elif len(vals) < 5:
                reason = short_row_reason(len(vals), 5)
                out.warnings.append(f"review_litigation.{g}: {reason}; the group's cells are left null")
                vals = []
            out.put(g, {c: parse_value(v) for c, v in zip(keys, vals + [""] * 5)},
                    r.method if r is not None else "stream", r.page if r is not None else None, reason)
        out.found = sum(1 for g in out.cells.values() for v in g.values() if v is not None)
        return out
    if flat:
        _review_from_flat(flat, out, src)
    return out


_REVIEW_HEADER_END = re.compile(r"(?:审\s*结|总\s*计)(?!.*(?:审\s*结|总\s*计))", re.S)


def _value_runs(t: str, start: int) -> list[tuple[str, list[str]]]:
    """Maximal runs of whitespace-separated value tokens after `start`, each with the text
    between it and the previous run (where captions and header words are)."""
    runs: list[tuple[str, list[str]]] = []
    seg: list[str] = []
    cur: list[str] = []
    for m in re.finditer(r"\S+", t[start:]):
        tok = m.group(0)
        if classify(tok) in ("number", "null"):
            cur.append(tok)
            continue
        if cur:
            runs.append(("".join(seg), cur))
            seg, cur = [], []
        seg.append(tok)
    if cur:
        runs.append(("".join(seg), cur))
    return runs


def extract_review_stream(text: str, method: str = "stream") -> Extracted:
    """Section 四 from running text: the values after the header (one run of 15, a label such
    as 件数 may sit between), or three runs of 5, one per small table, each named by the
    caption before it (行政复议 / 未经复议直接起诉 / 复议后起诉)."""
    out = Extracted()
    t = stream_text(text)
    m = _REVIEW_HEADER_END.search(t)
    if not m:
        return out
    toks = _stream_values(t, m.end(), len(t))
    if len(toks) < 15:
        after = [r for _, r in _value_runs(t, m.end()) if len(r) >= 5]
        if after and len(after[0]) >= 15:
            toks = after[0]
    if len(toks) < 15:
        runs = [(seg, r) for seg, r in _value_runs(t, 0) if len(r) >= 5]
        groups = [keymatch.match_review_group_in(seg) for seg, _ in runs]
        if len(runs) == 3 and all(len(r) == 5 for _, r in runs) and sorted(map(str, groups)) == \
                ["litigation_after_review", "litigation_direct", "review"]:
            by_group = dict(zip(groups, (r for _, r in runs)))
            toks = [v for g in ("review", "litigation_direct", "litigation_after_review") for v in by_group[g]]
    if toks:
        _review_from_flat(toks, out, [(method, None)] * len(toks))
    return out
