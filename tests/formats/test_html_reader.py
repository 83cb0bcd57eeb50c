"""The HTML reader on lxml: the content container is found in linear time, the bot-wall check
costs nothing on a report page, tables read the same from lxml and bs4, and markup that is
not text (comments, a <!DOCTYPE>) never becomes a paragraph."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from parsers.formats import UnreadableDocument
from parsers.formats import html
from parsers.model import Paragraph, Table

SECTIONS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def _report_body(words: int = 40) -> str:
    rows = "".join(f"<tr><td>第{i}项</td><td>{i}</td><td>{i * 2}</td></tr>" for i in range(12))
    return "".join(f"<p>{h}</p><p>{'本年度工作稳步推进。' * words}</p><table>{rows}</table>" for h in SECTIONS)


def test_container_search_reads_each_text_once(monkeypatch) -> None:
    """60 wrappers around the report: the headings are counted once per distinct text (the
    body, then the wrapper chain that holds the same strings), not once per level."""
    calls: list[int] = []
    real = html.find_headings

    def counting(text: str):
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(html, "find_headings", counting)
    page = ("<html><body><div class=nav>首页 政务公开</div>" + "<div class=wrap>" * 60 + _report_body()
            + "</div>" * 60 + "<div class=footer>版权所有</div></body></html>")
    doc = html.read(page.encode())
    assert sum(isinstance(b, Table) for b in doc.blocks) == 6
    assert not any("首页" in b.text or "版权所有" in b.text for b in doc.blocks if isinstance(b, Paragraph))
    assert len(calls) <= 3, calls


class _Untouchable(str):
    def __getitem__(self, item):  # the markup must not be searched
        raise AssertionError("the markup of a long page was searched for bot-wall markers")


def test_bot_wall_judged_on_short_pages_only() -> None:
    long_text = "本年度工作稳步推进。" * 200
    assert html.bot_challenge(_Untouchable("<script>__jsl_clearance</script>"), long_text) is None
    wall = "<script>document.cookie='__jsl_clearance=1'</script><div>安全验证</div>"
    assert html.bot_challenge(wall, "安全验证") == "__jsl_clearance"
    assert html.bot_challenge(wall, "一、总体情况 二、主动公开政府信息情况") is None  # a report's headings
    assert html.bot_challenge("<p>年报</p>", "年报") is None
    assert html.bot_challenge(wall) == "__jsl_clearance"  # no visible text given: the markers decide
    # markers are matched whatever their case (the marker is named in lower case)
    assert html.bot_challenge("<h1>Checking Your BROWSER</h1><script>var $_TS = {}</script>",
                              "Checking Your BROWSER") == "checking your browser"
    assert html.bot_challenge("<p>请开启 JavaScript</p>", "请开启 JavaScript") == "请开启 javascript"
    # the length counts visible characters, not whitespace
    assert html.bot_challenge(wall, " \n\u3000" * 5000 + "安全验证") == "__jsl_clearance"


def test_a_report_that_mentions_a_marker_is_read() -> None:
    page = f"<html><body><div>{_report_body()}<p>开展安全验证培训。</p></div></body></html>"
    doc = html.read(page.encode())
    assert any(isinstance(b, Paragraph) and "安全验证" in b.text for b in doc.blocks)


TABLE = ("<table><tr><th rowspan=2>项目</th><th colspan=2>数量<br>（件）</th></tr>"
         "<tr><td><p><span>1</span><font>2</font></p></td><td>&nbsp;3 <!-- c -->4</td></tr>"
         "<tr><td>合计</td><td colspan=\"２\">x</td><td>9</td></tr>"
         "<tr><td><table><tr><td>内</td></tr></table></td></tr></table>")


def test_table_grid_reads_lxml_and_bs4_alike() -> None:
    parser = etree.HTMLParser(recover=True)
    parser.feed(TABLE)
    ours = html.table_grid(parser.close().find(".//table"))
    theirs = html.table_grid(BeautifulSoup(TABLE, "lxml").table)
    assert ours == theirs
    assert ours.rows[:3] == [["项目", "数量\n（件）", "数量\n（件）", ""], ["项目", "12", "3 4", ""],
                             ["合计", "x", "x", "9"]]  # a full-width digit span counts as written
    assert ours.origins[1][0] == (0, 0) and ours.origins[2][2] == (2, 1)


def test_comments_doctype_and_head_are_not_text() -> None:
    page = ("<!DOCTYPE html><html><head><title>某县2023年政府信息公开工作年度报告</title></head><body>"
            "<div><p>第一段<!-- 注释 -->续</p><!DOCTYPE html><p>第二段</p></div></body></html>")
    doc = html.read(page.encode())
    assert [b.text for b in doc.blocks] == ["第一段续", "第二段"]
    assert doc.title_hint == "某县2023年政府信息公开工作年度报告"
    # a page cut after its <head>: no text (the <!DOCTYPE> is not a paragraph "html")
    with pytest.raises(UnreadableDocument, match="without text"):
        html.read(b"<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>x</title>")


def test_text_of_an_inline_container_keeps_bs4_spacing() -> None:
    """The text of a container that is not a block (here a <span>) is read without a block
    break at its end: a whitespace-only string in it stays one space, as bs4 kept it."""
    page = ("<html><body><span><b>一、总体情况</b>  \n  <b>二、主动公开政府信息情况</b>"
            "<b>三、收到和处理政府信息公开申请情况</b></span></body></html>")
    doc = html.read(page.encode())
    assert doc.blocks == [Paragraph("一、总体情况 二、主动公开政府信息情况三、收到和处理政府信息公开申请情况")]
