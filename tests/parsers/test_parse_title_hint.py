"""A page <title> used as the report title keeps its article part, not the CMS's column/site suffix."""
from __future__ import annotations

import pytest

from parsers.metadata import find_agency, find_title


@pytest.mark.parametrize("hint, title", [
    # a wording the report-title pattern does not know (政务信息公开工作开展年度报告): the hint is used
    ("示范区人民政府办公室2020年政务信息公开工作开展年度报告_示范市示范区人民政府",
     "示范区人民政府办公室2020年政务信息公开工作开展年度报告"),
    ("某局2021年度工作报告｜某县人民政府", "某局2021年度工作报告"),
    ("关于某县2022年度政务公开工作的报告 - 某县人民政府网", "关于某县2022年度政务公开工作的报告"),
    ("某县_报告", "某县_报告"),                 # no article part before the separator: unchanged
    ("年度报告", "年度报告"),
])
def test_site_suffix_is_not_part_of_the_title(hint, title):
    assert find_title([], hint) == title


def test_agency_of_a_suffixed_hint():
    title = find_title(["一、总体情况"], "示范区人民政府办公室2020年政务信息公开工作开展年度报告_示范市示范区人民政府")
    assert find_agency(title, "") == "示范区人民政府办公室"


def test_title_with_the_year_after_the_name():
    from parsers.metadata import find_agency, find_title, find_year

    title = find_title(["首页 > 政务公开", "上海市人民政府办公厅政府信息公开工作年度报告（2022年度）", "一、总体情况"])
    assert title == "上海市人民政府办公厅政府信息公开工作年度报告（2022年度）"
    assert find_agency(title, "") == "上海市人民政府办公厅"
    assert find_year("", title) == 2022
