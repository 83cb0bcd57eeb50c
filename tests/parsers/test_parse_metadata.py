"""Title, agency and statistics year."""
from __future__ import annotations

from parsers.metadata import find_agency, find_title, find_year


def test_year_prefers_the_statistics_period() -> None:
    text = "2023年2月发布。本年度报告中所列数据的统计期限自 2022 年 1 月 1 日起至 2022 年 12 月 31 日止。"
    assert find_year(text, "某县2023年政府信息公开工作年度报告") == 2022
    assert find_year("数据统计期限为2021年1月1日至12月31日。", None) == 2021
    assert find_year("无统计期限", "某县2020年度政府信息公开工作年度报告") == 2020


def test_title_joined_from_two_lines_and_prefixes() -> None:
    assert find_title(["淮安市人民政府", "2024 年政府信息公开工作年度报告", "本报告由……"]) == \
        "淮安市人民政府2024年政府信息公开工作年度报告"
    assert find_title(["标题: 某区2022年度政府信息公开工作年度报告"]) == "某区2022年度政府信息公开工作年度报告"
    assert find_title([], "某县2019年政府信息公开工作年度报告_政府信息公开年报_某县人民政府") == \
        "某县2019年政府信息公开工作年度报告"


def test_agency() -> None:
    assert find_agency("某县人民政府2019年政府信息公开工作年度报告", "") == "某县人民政府"
    assert find_agency("2022年某某局政府信息公开工作年度报告", "") == "某某局"
    assert find_agency("2022年政府信息公开工作年度报告", "本报告由某市某局办公室根据《条例》编制") == "某市某局办公室"
    assert find_agency(None, "如有疑问，请与某县人民政府办公室联系（电话…）") == "某县人民政府办公室"
