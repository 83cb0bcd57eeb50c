"""Every demo report page is self-consistent: the parser reads from the page the year its title
states, the cells of the source's truth, and no trace of the real agency the text came from."""
from __future__ import annotations

import pytest

from ogi.demo.portals import BUILDERS
from ogi.demo.reports import load_source, shift_years, title_year
from ogi.demo.server import DemoPortals
from parsers import parse_bytes
from parsers.formats.html import decode_html

TABLES = ("active_disclosure", "applications", "review_litigation")


@pytest.fixture(scope="module")
def parsed_pages():
    """(portal_id, Report ground truth, page text, parsed report dict) for every demo report page."""
    out = []
    with DemoPortals(honeypot=False) as demo:
        for pid, site in demo.sites.items():
            for url, rep in site.reports.items():
                page = demo.find_page(url)
                text, _charset = decode_html(page.body, page.content_type)
                parsed = parse_bytes(page.body, filename=url.rsplit("/", 1)[-1], content_type=page.content_type)
                out.append((pid, rep, text, parsed.to_dict()))
    return out


def test_every_portal_has_report_pages(parsed_pages):
    assert {pid for pid, *_ in parsed_pages} == set(BUILDERS)
    assert len(parsed_pages) >= 40


def test_parsed_year_is_the_title_year(parsed_pages):
    wrong = [(rep.url, rep.title, got["year"]) for _pid, rep, _text, got in parsed_pages
             if got["year"] != title_year(rep.title) or rep.year != title_year(rep.title)]
    assert wrong == []
    # the check has teeth: many pages re-publish a source of another year
    assert sum(1 for _p, rep, _t, _g in parsed_pages if rep.year != load_source(rep.source).year) >= 10


def test_cells_are_the_source_truth(parsed_pages):
    checked = 0
    for _pid, rep, _text, got in parsed_pages:
        src = load_source(rep.source)
        if src.text is None:        # attachment-only report: the page says 详见附件
            continue
        for table in TABLES:
            assert got[table] == src.truth.get(table, {}), (rep.url, rep.source, table)
        checked += 1
    assert checked >= 40


def test_no_real_agency_in_the_narrative(parsed_pages):
    for _pid, rep, text, got in parsed_pages:
        src = load_source(rep.source)
        for name, _role in src.names:
            assert name not in text, (rep.url, name)
        if got["agency"]:
            # the parser's agency is the page's (or the title's short form of it: 示范镇 / 示范镇人民政府)
            assert rep.agency.startswith(got["agency"]), (rep.url, got["agency"], rep.agency)


def test_shift_years_moves_the_report_year_and_its_neighbours_only():
    text = ("统计期限为2021年1月1日至2021年12月31日。2022年将继续。2020年以来。2019年修订的《条例》。"
            "国办公开办函〔2021〕30号。电话0591-20215385。")
    assert shift_years(text, 2021, 2023) == (
        "统计期限为2023年1月1日至2023年12月31日。2024年将继续。2022年以来。2019年修订的《条例》。"
        "国办公开办函〔2021〕30号。电话0591-20215385。")
    assert shift_years(text, 2021, 2021) == text
