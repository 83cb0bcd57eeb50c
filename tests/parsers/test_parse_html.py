"""HTML reports: our own portal-like fixtures (tests/fixtures/html, written by
make_html_fixtures.py) for the 2019 and 2021 templates, rowspan/colspan layouts, Word-pasted
markup, GBK pages and mislabelled charsets. Parsed cells must equal the numbers put in."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse_bytes
from parsers.formats.html import decode_html, read, table_grid
from parsers.model import Table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
PAGES = sorted(p.stem for p in FIXTURES.glob("*.html"))


def _load(name: str) -> tuple[dict, dict]:
    exp = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    data = (FIXTURES / f"{name}.html").read_bytes()
    rep = parse_bytes(data, filename=f"{name}.html", content_type=exp.get("content_type")).to_dict()
    return rep, exp


def test_fixture_set_is_complete() -> None:
    assert len(PAGES) >= 5


@pytest.mark.parametrize("name", PAGES)
def test_cells_equal_the_numbers_put_in(name: str) -> None:
    rep, exp = _load(name)
    assert rep["error"] is None, rep["error"]
    for table in ("active_disclosure", "applications", "review_litigation"):
        assert rep[table] == exp[table], table
    assert rep["status"] == "ok"


@pytest.mark.parametrize("name", PAGES)
def test_metadata_and_checks(name: str) -> None:
    rep, exp = _load(name)
    assert rep["year"] == exp["year"]
    assert rep["template"] == exp["template"]
    assert rep["title"] == exp["title"]
    assert rep["agency"] == exp["agency"]
    failed = sorted([c["rule"], c["scope"]] for c in rep["checks"] if not c["passed"])
    assert failed == sorted(exp["failed_checks"])
    assert len(rep["sections"]) == 6
    # navigation, sidebars and footers are outside the content container
    text = "\n".join(rep["sections"].values())
    assert "ICP备" not in text and "首页" not in text


def test_2019_single_other_handling_row_and_signed_changes() -> None:
    rep, _ = _load("trs_2019_msonormal")
    assert rep["templates"] == {"active_disclosure": "2019", "applications": "2019"}
    assert rep["active_disclosure"]["administrative_licensing"]["change"] == -4
    assert rep["active_disclosure"]["regulations"]["new_made"] is None  # '/' is blank, not 0


def test_failed_check_keeps_the_numbers() -> None:
    rep, _ = _load("gkmlpt_2021_rowspan")
    row = rep["applications"]["partially_granted"]
    assert row["total"] == 11 and sum(v for k, v in row.items() if k != "total") == 10
    check = next(c for c in rep["checks"] if c["rule"] == "row_total" and not c["passed"])
    assert check["values"] == {"sum_of_columns": 10, "stated_total": 11}


def test_charset_gbk_meta_and_mislabels() -> None:
    gbk = (FIXTURES / "trs_2021_gbk.html").read_bytes()
    text, cs = decode_html(gbk)
    assert cs == "gb18030" and "收到和处理政府信息公开申请情况" in text
    utf = (FIXTURES / "trs_2021_utf8_labelled_gbk.html").read_bytes()
    text, cs = decode_html(utf)
    assert cs == "utf-8" and "收到和处理政府信息公开申请情况" in text
    wrong_meta = (FIXTURES / "trs_2019_gbk_meta_utf8.html").read_bytes()
    text, cs = decode_html(wrong_meta, "text/html; charset=GBK")
    assert cs == "gbk" or cs == "gb18030"
    assert "总体情况" in text
    # no header, no usable meta: gb18030 fallback
    text, cs = decode_html("<html><body><p>一、总体情况</p></body></html>".encode("gbk"))
    assert cs == "gb18030" and "总体情况" in text


def test_grid_honours_rowspan_and_colspan() -> None:
    from bs4 import BeautifulSoup
    html = ("<table><tr><td rowspan=2 colspan=2>A</td><td colspan=2>B</td></tr>"
            "<tr><td>c</td><td>d</td></tr>"
            "<tr><td>e</td><td colspan=2>f</td><td>g</td></tr></table>")
    t = table_grid(BeautifulSoup(html, "lxml").table)
    assert isinstance(t, Table)
    assert t.rows == [["A", "A", "B", "B"], ["A", "A", "c", "d"], ["e", "f", "f", "g"]]
    assert t.origins[1][1] == (0, 0) and t.origins[2][2] == (2, 1) and t.origins[2][3] == (2, 3)


def test_word_pasted_digits_and_nbsp() -> None:
    html = ("<html><body><div><p>三、收到和处理政府信息公开申请情况</p><table><tr><td>"
            "<p><span lang=EN-US>1</span><font><span>2</span></font><span>3</span></p></td>"
            "<td>&nbsp;</td><td>自然<br>人</td></tr></table></div></body></html>").encode()
    doc = read(html)
    t = next(b for b in doc.blocks if isinstance(b, Table))
    assert t.rows[0][0] == "123"
    assert t.rows[0][1] == ""
    assert t.rows[0][2] == "自然\n人"


@pytest.mark.parametrize("name", PAGES[:3])
def test_to_dict_is_asdict(name: str) -> None:
    """ParsedReport.to_dict walks the report by hand: the same value, key order and copies as asdict."""
    from dataclasses import asdict

    from parsers.model import CheckResult, ParsedReport

    rep = parse_bytes((FIXTURES / f"{name}.html").read_bytes(), filename=f"{name}.html")
    rep.checks.append(CheckResult("row_total", False, "x", "1+1≠3", {"parts": [1, 1], "nested": {"a": (1, 2)}}))
    rep.provenance = {"applications": {"row": {"col": {"method": "grid", "page": 1}}}}
    d = rep.to_dict()
    assert d == asdict(rep) and list(d) == list(asdict(rep)) and rep.checks[-1].values["nested"]["a"] == (1, 2)
    assert d["checks"][-1]["values"]["nested"]["a"] == (1, 2)  # a tuple stays a tuple, as in asdict
    d["sections"]["overview"] = "changed"
    d["provenance"]["applications"]["row"]["col"]["page"] = 9
    assert rep.sections.get("overview") != "changed" and rep.provenance["applications"]["row"]["col"]["page"] == 1
    assert ParsedReport.from_dict(d).to_dict() == d
