"""Report titles, years and agencies (parsers/titles.py — the rule the crawler and the parsers share)."""
from __future__ import annotations

import pytest

from crawlers.recognition import classify_title as crawler_classify
from crawlers.recognition import guess_agency, guess_year, report_title_in_text
from parsers.metadata import find_agency, find_title, find_year, is_report_title
from parsers.titles import (AMBIGUOUS, MAX_TITLE_CHARS, NEGATIVE, OTHER, REPORT, classify_title, is_agency,
                            is_org_name, report_agency, sane_title, title_agency, title_in_text, title_year)

# (title, year, agency) — real wordings seen on portals
REPORTS = [
    ("示范县人民政府2023年政府信息公开工作年度报告", 2023, "示范县人民政府"),
    ("2023年度政府信息公开工作年度报告", 2023, None),
    ("天津港保税区2022年度政府信息公开工作报告", 2022, "天津港保税区"),
    ("南县2022年政府信息公开年度报告", 2022, "南县"),
    ("舒兰市2016年政务信息公开年度报告", 2016, "舒兰市"),
    ("西藏自治区审计厅2025年政务信息公开工作开展年度报告", 2025, "西藏自治区审计厅"),
    ("永宁县2023年政府信息公开工作年度报告（文字版）", 2023, "永宁县"),
    ("关于2023年度政府信息公开工作情况的报告", 2023, None),
    ("关于示范县2021年度政府信息公开工作情况的报告", 2021, "示范县"),
    ("示范县人民政府办公室关于2023年度政府信息公开工作情况的报告", 2023, "示范县人民政府办公室"),
    # year before the agency (and again before the phrase)
    ("2009年度下管镇政府信息公开年度报告", 2009, "下管镇"),
    ("2025湖口县大垅乡2025年度政府信息公开工作年度报告", 2025, "湖口县大垅乡"),
    ("2022年某某局政府信息公开工作年度报告", 2022, "某某局"),
    # year inside the phrase
    ("示范县信息公开工作2023年度报告", 2023, "示范县"),
    ("示范县政府信息公开2023年工作报告", 2023, "示范县"),
    ("示范县财政局政府信息公开工作2022年度报告", 2022, "示范县财政局"),
    # 年报 endings (with an agency: one report)
    ("示范县财政局2023年度政府信息公开年报", 2023, "示范县财政局"),
    ("示范县水利局2022年政府信息公开工作年报", 2022, "示范县水利局"),
    # year after the name
    ("洪山区政府信息公开工作年度报告（2023年度）", 2023, "洪山区"),
    ("上海市人民政府办公厅政府信息公开工作年度报告（2022年度）", 2022, "上海市人民政府办公厅"),
    ("示范县政府信息公开工作年度报告(2021年)", 2021, "示范县"),
    # traditional characters, full-width digits, spaces and line breaks
    ("示范縣人民政府2023年政府信息公開工作年度報告", 2023, "示范縣人民政府"),
    ("臺北市政府資訊公開2023年度報告", 2023, "臺北市"),
    ("示范县政府信息公開工作年度報告（２０２２年度）", 2022, "示范县"),
    ("示范县 2023 年度政府信息公开工作年度报告", 2023, "示范县"),
    ("重庆市九龙坡区二郎街道办事处2023年度政府\n信息公开工作年度报告", 2023, "重庆市九龙坡区二郎街道办事处"),
    # organisation names with words that are noise elsewhere, and long ones
    ("示范县政务服务管理局2022年政府信息公开工作年度报告", 2022, "示范县政务服务管理局"),
    ("示范县行政审批服务局2023年政府信息公开工作年度报告", 2023, "示范县行政审批服务局"),
    ("示范县委机构编制委员会办公室2023年政府信息公开工作年度报告", 2023, "示范县委机构编制委员会办公室"),
    ("示范县环境监测站2023年政府信息公开工作年度报告", 2023, "示范县环境监测站"),
    ("示范市示范区人民政府国有资产监督管理委员会2023年度政府信息公开工作年度报告", 2023,
     "示范市示范区人民政府国有资产监督管理委员会"),
    ("将乐县2023年政府信息公开工作年度报告", 2023, "将乐县"),
    ("经济技术开发区管委会2023年政府信息公开工作年度报告", 2023, "经济技术开发区管委会"),
    ("《示范县农业农村局2023年政府信息公开工作年度报告》", 2023, "示范县农业农村局"),
    ("示范县2023年度政府信息公开工作年度报告（更正版）", 2023, "示范县"),
    ("示范县商务局2023年度政府信息公开工作年度报告.pdf", 2023, "示范县商务局"),
    ("政府信息公开年度报告2022", 2022, None),
]

LOOK_ALIKES = [
    "示范县2024年政府工作报告",
    "示范县2023年国民经济和社会发展统计公报",
    "示范县2024年部门预算", "示范县2023年财政决算", "示范县2023年“三公”经费决算",
    "示范县2023年法治政府建设年度报告",
    "示范县政府网站工作年度报表（2023年度）",
    "示范县政府信息公开指南", "示范县政府信息公开工作年度报告制度",
    "关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知",
    "示范县2023年度政府信息公开工作年度报告公布情况的通报",
    "关于2023年度政府信息公开工作年度报告公布情况的通报",
    "示范市各县区2023年度政府信息公开工作年度报告公布情况",
    "关于示范县2023年度政府信息公开工作年度报告的说明",
    "《示范县2023年政府信息公开工作年度报告》解读",
    "示范县2023年度政府信息公开工作年度报告政策解读",
    "一图读懂《示范县2023年政府信息公开工作年度报告》",
    "一图读懂示范县2023年政府信息公开工作年度报告",
    "图解：示范县2023年政府信息公开工作年度报告",
    "图解2023年度政府信息公开工作年度報告",
    "示范县2023年度政府信息公開工作年度報告解讀",
    "企业年度报告公示", "2022年政府信息公开工作年度报告报告说明",
    "关于2023年度政府信息公开工作年度报告的整改情况",
    "示范县关于2023年度政府信息公开工作年度报告的更正说明",
    "示范县2023年政府信息公开工作年度报告新闻发布会",
    "关于示范县2023年度政府信息公开工作年度报告的核查意见",
]

AMBIGUOUS_TITLES = [
    "档案馆2022年度报告",          # a report of what?
    "2020年报_审计局",
    "政府信息公开年报",            # column names: no year
    "政府信息公开工作年度报告",
    "2023年政府信息公开年报",       # a year column as often as a report
    "示范县" * (MAX_TITLE_CHARS // 3) + "2023年政府信息公开工作年度报告",   # running text, not a title
]


@pytest.mark.parametrize("title, year, agency", REPORTS)
def test_report_titles(title, year, agency):
    assert classify_title(title) == REPORT
    assert crawler_classify(title) == REPORT        # the crawler uses the same rule
    assert is_report_title(title)
    assert title_year(title) == year
    assert find_year("", title) == year
    assert title_agency(title) == agency
    assert guess_agency(title) == agency


@pytest.mark.parametrize("title", LOOK_ALIKES)
def test_look_alikes_are_negative(title):
    assert classify_title(title) == NEGATIVE
    assert not is_report_title(title)


@pytest.mark.parametrize("title", AMBIGUOUS_TITLES)
def test_ambiguous(title):
    assert classify_title(title) == AMBIGUOUS
    assert not is_report_title(title)


@pytest.mark.parametrize("title", ["新闻中心", "示范县人民政府", "政务公开", "2023年", ""])
def test_other(title):
    assert classify_title(title) == OTHER


@pytest.mark.parametrize("text, title", [
    ("首页 > 年报 示范区教育局2023年政府信息公开工作年度报告 发布日期：2024-01-20",
     "示范区教育局2023年政府信息公开工作年度报告"),
    # a clause announcing the report names no agency
    ("根据《条例》规定，特编制本机关2023年度政府信息公开工作年度报告。", "2023年度政府信息公开工作年度报告"),
    ("现公布示范县2023年度政府信息公开工作年度报告如下", "示范县2023年度政府信息公开工作年度报告"),
    ("向社会公布2023年度政府信息公开工作年度报告", "2023年度政府信息公开工作年度报告"),
    ("现将《示范县财政局2023年政府信息公开工作年度报告》予以公布", "示范县财政局2023年政府信息公开工作年度报告"),
    ("示范县 2023 年度政府信息公开工作年度报告", "示范县2023年度政府信息公开工作年度报告"),
    ("示范县政府信息公开工作年度报告（2022年度） 一、总体情况", "示范县政府信息公开工作年度报告（2022年度）"),
    ("一图读懂《示范县2023年政府信息公开工作年度报告》", None),
    ("关于做好2023年度政府信息公开工作年度报告编制工作的通知", None),
    ("示范县2023年度政府信息公开工作年度报告的说明", None),
    ("一、总体情况", None),
])
def test_title_in_running_text(text, title):
    assert title_in_text(text) == title
    assert report_title_in_text(text) == title


@pytest.mark.parametrize("title, body, agency", [
    # the title names no agency: the body does
    ("2023年政府信息公开工作年度报告", "索引号：1 发布机构： 河包镇人民政府 ", "河包镇人民政府"),
    ("2023年政府信息公开工作年度报告", "本报告由示范县财政局根据《条例》编制。", "示范县财政局"),
    ("2023年政府信息公开工作年度报告", "如有疑问，请与示范县人民政府办公室联系。", "示范县人民政府办公室"),
    ("2023年政府信息公开工作年度报告", "一、总体情况 …… 六、其他需要报告的事项 无。\n示范县人民政府办公室\n2024年1月20日",
     "示范县人民政府办公室"),
    ("2023年政府信息公开工作年度报告", "示范县审计局2023年政府信息公开工作年度报告 一、总体情况", "示范县审计局"),
    # never a verb phrase, a year, or a data source
    ("现公布2023年度政府信息公开工作年度报告", "", None),
    ("特编制2023年度政府信息公开工作年度报告", "", None),
    ("2023年度政府信息公开工作年度报告", "根据《条例》要求，现公布2023年度政府信息公开工作年度报告。", None),
    ("2023年度政府信息公开工作年度报告", "向社会公布2023年度政府信息公开工作年度报告", None),
    ("2023年政府信息公开工作年度报告", "数据来源：本机关统计", None),
    ("2023年政府信息公开工作年度报告", "发布机构：2024年1月", None),
])
def test_agency_from_the_body(title, body, agency):
    assert report_agency(title, body) == agency
    assert find_agency(title, body) == agency
    assert guess_agency(title, body) == agency


@pytest.mark.parametrize("name, ok", [
    ("示范县财政局", True), ("河包镇人民政府", True), ("现公布", False), ("特编制", False), ("2023年", False),
    ("根据条例规定", False), ("本机关", False), ("度", False), ("县委机构编制委员会办公室", True),
])
def test_is_agency(name, ok):
    assert is_agency(name) is ok


@pytest.mark.parametrize("name, ok", [
    ("二郎街道办事处", True), ("示范县政务服务管理局", True), ("示范县行政审批服务局", True), ("自治区审计厅", True),
    ("县委政策研究室", True), ("示范市示范区人民政府国有资产监督管理委员会办公室", True), ("示范县档案馆", True),
    ("新闻中心", False), ("服务中心", False), ("乡镇", False), ("部门", False), ("2023年", False), ("政务公开", False),
])
def test_is_org_name(name, ok):
    assert is_org_name(name) is ok


def test_years():
    # the 统计期限 sentence beats the title's year; the publication date never counts
    text = "2024年2月发布。本年度报告中所列数据的统计期限自 2023 年 1 月 1 日起至 2023 年 12 月 31 日止。"
    assert find_year(text, "某县2024年政府信息公开工作年度报告") == 2023
    assert guess_year("元坝镇2023年政府信息公开工作年度报告", "统计期限自2024年1月1日起至2024年12月31日止。") == 2024
    assert guess_year("示范县政府信息公開工作年度報告（2022年度）") == 2022
    assert guess_year("2025湖口县大垅乡2024年度政府信息公开工作年度报告") == 2024   # the year of the phrase


def test_titles_are_capped():
    raw = "MIME-Version: 1.0\nContent-Type: multipart/related; boundary=x\n" + "x" * 5000
    assert find_title([], raw) is None                        # an MHT's raw text is never a title
    assert find_title(["一、总体情况"], "示" * (MAX_TITLE_CHARS + 1)) is None
    assert len(sane_title("示" * 1000)) == MAX_TITLE_CHARS
    assert sane_title(" 示范县 2023年报 ") == "示范县2023年报"
    assert find_title([], "示范县2023年政府信息公开工作年度报告_年报_示范县人民政府") == "示范县2023年政府信息公开工作年度报告"


def test_fold_is_the_table_applied_character_for_character():
    """fold's fast path (a character class, then a lookup per match) gives what str.translate with
    the whole table gives: every folding character, in running text and side by side."""
    from parsers.titles import _FOLD, fold, fold_spaced, squash

    every = "".join(chr(k) for k in sorted(_FOLD))
    samples = [every, every[::-1], "２０２３年度政府資訊公開工作年度報告（縣政府）： 一、總體情況\u3000\xa0",
               "2023年政府信息公开工作年度报告", "", "繁" * 50 + "abc" + "（" * 50]
    for s in samples:
        want = s.translate(_FOLD).replace("资讯", "信息")
        assert fold_spaced(s) == want
        assert fold(s) == squash(s).translate(_FOLD).replace("资讯", "信息")
    assert fold("２０２３年政府資訊公開") == "2023年政府信息公开"
