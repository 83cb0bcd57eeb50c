"""Section headings 一 … 六: variants, mid-line headings, markdown marks, tables of contents."""
from __future__ import annotations

from parsers.sections import find_headings, split_sections

ALL = ["overview", "active_disclosure", "applications", "review_litigation", "problems", "other_matters"]


def test_variants_and_spacing() -> None:
    text = ("一 、总 体 情 况\n正文\n二、主动公开政府信息情况\n表\n三、收到和处理政府信息公开申请情况\n表\n"
            "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况\n表\n五、存在的问题和改进措施\n文\n"
            "六、其他需要报告事项\n无")
    assert [h.key for h in find_headings(text)] == ALL


def test_headings_mid_line_and_markdown() -> None:
    inline = ("前言。 一、总体情况 2022年…… 二、主动公开政府信息情况第二十条 三、收到和处理政府信息公开申请情况（本列） "
              "四、政府信息公开行政法复议、行政诉讼情况行政复议 五、存在的主要问题及改进情况 2022年 六、其他需要报告的事项 无")
    assert [h.key for h in find_headings(inline)] == ALL
    md = "**一、总体情况**\n文\n## 二、主动公开政府信息情况\n表\n### 三、收到和处理政府信息公开申请情况\n"
    assert [h.key for h in find_headings(md)] == ALL[:3]


def test_table_of_contents_does_not_hide_the_real_headings() -> None:
    toc = "".join(f"{h}\n" for h in ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                      "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"])
    body = ("一、总体情况\n" + "文" * 500 + "\n二、主动公开政府信息情况\n" + "表" * 800 + "\n三、收到和处理政府信息公开申请情况\n"
            + "x" * 900 + "\n四、政府信息公开行政复议、行政诉讼情况\n" + "y" * 300 + "\n五、存在的主要问题及改进情况\n问题\n"
            "六、其他需要报告的事项\n无")
    heads = find_headings("目录\n" + toc + body)
    assert [h.key for h in heads] == ALL
    assert heads[0].start > len(toc)
    regions = split_sections("目录\n" + toc + body)
    assert set(regions) == set(ALL)


def test_sentence_mentioning_sections_is_not_a_heading() -> None:
    text = "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等。"
    assert find_headings(text) == []


def test_every_spec_heading_and_variant_is_recognised() -> None:
    from parsers import spec
    for kl in spec.sections():
        for label in (kl.label, *kl.variants):
            heads = find_headings(label)
            assert [h.key for h in heads] == [kl.key], label
