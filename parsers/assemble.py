"""Document -> ParsedReport: the format-neutral half of every parser.

    rows (parsers/rows.py) -> sections (parsers/sections.py) -> the three tables
    (parsers/tables.py) -> metadata (parsers/metadata.py) -> checks (parsers/checks.py)

Assembly never looks at bytes and never changes a number to make totals agree.
"""
from __future__ import annotations

import re

from . import metadata, tables, trust
from .checks import check_narrative, run_checks
from .labels import fold_chars
from .model import Document, ParsedReport
from .rows import Row, flatten
from .sections import split_sections

MIN_APP_ROWS = 12  # below this, row mode is judged to have missed the table


def _rows_between(rows: list[Row], start: int, end: int) -> list[Row]:
    return [r for r in rows if start <= r.offset < end]


def _region(heads: dict[str, tuple[int, int]], key: str, default: tuple[int, int]) -> tuple[int, int]:
    return heads.get(key, default)


def _fill_missing(primary: tables.Extracted, other: tables.Extracted, *, blanks: bool = False) -> None:
    """Rows the primary reader missed, taken from the other reader: rows with values, and
    with `blanks` also rows whose cells are all blank. A blank row of the primary reader is
    replaced by a row with values."""
    from .spec import OTHER_HANDLING_2019, OTHER_HANDLING_2021

    for key, cells in other.cells.items():
        if key in OTHER_HANDLING_2021 and OTHER_HANDLING_2019 in primary.cells:
            continue
        if key == OTHER_HANDLING_2019 and any(k in primary.cells for k in OTHER_HANDLING_2021):
            continue
        blank = key in primary.cells and all(v is None for v in primary.cells[key].values())
        if key not in primary.cells and blanks and all(v is None for v in cells.values()):
            primary.take_row(other, key)
            continue
        if (key not in primary.cells or blank) and any(v is not None for v in cells.values()):
            primary.take_row(other, key)
            primary.found += 1
            primary.warnings.append(f"{key}: taken from the second reading of the table (the first found no values)")


# words that only a State Council table carries (captions, the corner note, header cells)
_TABLE_WORDS = re.compile(r"第\s*二\s*十\s*条\s*第|勾\s*稽\s*关\s*系|尚\s*未\s*审\s*结|结\s*果\s*维\s*持")


def _table_anchors(rows: list[Row], text: str) -> list[int]:
    """Where tables are: table rows, and table words in running text (text without table
    structure, one cell per line). Section headings are chosen to hold them."""
    return sorted({r.offset for r in rows if r.table is not None} | {m.start() for m in _TABLE_WORDS.finditer(text)})


# two groups' header cells, up to the last header word of the table
_REVIEW_HEADER = re.compile(r"尚\s*未\s*审\s*结[\s\S]{0,400}尚\s*未\s*审\s*结(?:[\s\S]{0,8}?总\s*计)?")


def _review_keys() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for g, c in tables.REVIEW_CELLS:
        out.setdefault(g, []).append(c)
    return out


def _text_method(rows: list[Row], region: tuple[int, int]) -> str:
    """How running text in a region was read: OCR when any of it came from OCR."""
    return "ocr" if any(r.method == "ocr" for r in _rows_between(rows, *region)) else "stream"


def _template_by_year(year: int | None) -> str | None:
    if year is None:
        return None
    if year >= 2021:
        return "2021"
    if year >= 2019:
        return "2019"
    return "pre2019"


def _null_impossible_counts(rep: ParsedReport) -> None:
    """A value that cannot be a count (negative, fractional, absurdly large) is never published: the
    failed count_valid check keeps the value as read; the cell becomes null with a reason and a warning."""
    for chk in rep.checks:
        if chk.rule != "count_valid" or chk.passed:
            continue
        table, row, col = chk.values["table"], chk.values["row"], chk.values["column"]
        cells = getattr(rep, table)
        if cells.get(row, {}).get(col) is None:
            continue
        cells[row][col] = None
        why = chk.detail.split(": ", 1)[-1]
        rep.null_reasons.setdefault(table, {}).setdefault(row, {})[col] = f"read as {chk.values['value']}: {why}"
        rep.warnings.append(f"{table}.{row}.{col}: null — read as {chk.values['value']}, {why}")


def assemble(doc: Document, *, source: str) -> ParsedReport:
    from . import PARSER_VERSION

    rows, text = flatten(doc)
    rep = ParsedReport(source=source, source_format=doc.source_format, parser_version=PARSER_VERSION)
    rep.warnings.extend(doc.warnings)
    heads = split_sections(text, _table_anchors(rows, text))
    n = len(text)
    lines = [r.cells[0] if r.paragraph else " ".join(c for c in r.cells if c) for r in rows]
    rep.title = metadata.find_title(lines, fold_chars(doc.title_hint) if doc.title_hint else None)
    rep.year = metadata.find_year(text, rep.title)
    rep.agency = metadata.find_agency(rep.title, text)
    for key, (s, e) in heads.items():
        rep.sections[key] = text[s:e].strip()

    by_year = _template_by_year(rep.year)
    if by_year == "pre2019":
        rep.template = "pre2019"
        rep.status = "ok" if rep.sections else "partial"
        if doc.needs_ocr and not rep.sections:
            rep.status = "needs_ocr"
        return rep

    # ---- regions
    app_region = _region(heads, "applications", (0, n))
    act_default_end = heads["applications"][0] if "applications" in heads else n
    act_region = _region(heads, "active_disclosure", (0, act_default_end))
    if "review_litigation" in heads:
        rev_region = heads["review_litigation"]
    else:
        m = re.search(r"尚\s*未\s*审\s*结|结\s*果\s*维\s*持", text)
        idx = m.start() if m else -1
        after = [s for s, _ in heads.values() if s > idx] if idx >= 0 else []
        rev_region = (max(0, text.rfind("\n", 0, idx)), min(after) if after else n) if idx >= 0 else (n, n)

    default_template = tables.detect_template(text[act_region[0]:act_region[1]]) \
        or tables.detect_template(text) or by_year

    # ---- section 二
    overview = text[heads["overview"][0]:heads["overview"][1]] if "overview" in heads else text[:act_region[0]]
    hints = tables.narrative_hints(overview + "\n" + text[act_region[0]:act_region[1]])
    act = tables.extract_active_rows(_rows_between(rows, *act_region), default_template, hints)
    if act.found < 8:
        st = tables.extract_active_stream(text[act_region[0]:act_region[1]], act.template or default_template, hints,
                                          _text_method(rows, act_region))
        if st.found > act.found and act.found < 4:
            act, st = st, act
            _fill_missing(act, st, blanks=True)  # blank rows only the row reader can see
        else:
            _fill_missing(act, st)
    # ---- section 三
    app = tables.extract_applications_rows(_rows_between(rows, *app_region))
    if app.found < 25:
        st = tables.extract_applications_stream(text[app_region[0]:app_region[1]], _text_method(rows, app_region))
        if st.found > app.found and app.found < MIN_APP_ROWS:
            app = st
        else:
            _fill_missing(app, st)
    # ---- section 四
    rev = tables.extract_review_rows(_rows_between(rows, *rev_region))
    if rev.found == 0:
        st = tables.extract_review_stream(text[rev_region[0]:rev_region[1]], _text_method(rows, rev_region))
        if st.found > rev.found or (st.cells and not rev.cells):
            rev = st

    rev_text = text[rev_region[0]:rev_region[1]]
    hdr = _REVIEW_HEADER.search(rev_text)
    if not rev.cells and hdr and not re.search(r"\d", rev_text[hdr.end():]):
        # the section-四 table is there (its header is) but its data row is blank (no figure
        # at all after the header: a row that could not be read is not taken for a blank one)
        where = next((r for r in _rows_between(rows, *rev_region) if r.table is not None), None)
        for g, cols in _review_keys().items():
            rev.put(g, dict.fromkeys(cols), where.method if where else _text_method(rows, rev_region),
                    where.page if where else None)
        rev.warnings.append("review_litigation: the table's data row is blank in the source; cells are null")
    rep.active_disclosure = act.cells
    rep.applications = app.cells
    rep.review_litigation = rev.cells
    rep.warnings.extend(act.warnings + app.warnings + rev.warnings)
    if act.template:
        rep.templates["active_disclosure"] = act.template
    if app.template:
        rep.templates["applications"] = app.template
    rep.template = act.template or app.template or default_template if (act.cells or app.cells) else None
    if rep.template and app.template and act.template and app.template != act.template:
        rep.warnings.append(f"template: section 二 follows {act.template}, section 三 follows {app.template}")

    for name, ex in (("active_disclosure", act), ("applications", app), ("review_litigation", rev)):
        prov = {r: {c: dict(ex.prov.get(r, {}).get(c) or {"method": None, "page": None}) for c in cols}
                for r, cols in ex.cells.items()}
        if prov:
            rep.provenance[name] = prov
        reasons = {r: {c: why for c, why in cols.items() if ex.cells.get(r, {}).get(c, 0) is None}
                   for r, cols in ex.null_reasons.items() if r in ex.cells}
        reasons = {r: cols for r, cols in reasons.items() if cols}
        if reasons:
            rep.null_reasons[name] = reasons
    rep.checks = run_checks(rep.applications, rep.review_litigation, rep.active_disclosure)
    for rules in trust.RULE_ORDER:  # a stated total disproving OCR'd / positional cells
        if trust.downgrade_failed_totals(rep, rules):
            rep.checks = run_checks(rep.applications, rep.review_litigation, rep.active_disclosure)
    _null_impossible_counts(rep)
    overview = rep.sections.get("overview") or text[:heads["active_disclosure"][0] if "active_disclosure" in heads else 0]
    rep.checks += check_narrative(overview, rep.applications, rep.review_litigation)
    got = [bool(act.cells), app.found >= 20, rev.found > 0 or bool(rev.cells)]
    if all(got):
        rep.status = "ok"
    elif any(got):
        rep.status = "partial"
    elif doc.needs_ocr:
        rep.status = "needs_ocr"
        rep.error = "no text layer to read the tables from; OCR needed"
    else:
        rep.status = "failed"
        rep.error = "no State Council report tables found"
    return rep
