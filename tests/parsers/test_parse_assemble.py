"""Assembly from generic Documents, as the PDF/DOCX readers produce them: grids with repeated
merged-cell text (with and without origins), label cells split over columns, empty cells,
review tables as three small tables, as a 16-cell row, or with groups as rows."""
from __future__ import annotations

from parsers.assemble import assemble
from parsers.model import Document, Paragraph, Table

HEAD = [Paragraph("某局2022年政府信息公开工作年度报告"),
        Paragraph("本报告所列数据统计期限自2022年1月1日起至2022年12月31日止。"),
        Paragraph("一、总体情况"), Paragraph("2022年，我局认真贯彻落实《条例》。"),
        Paragraph("二、主动公开政府信息情况")]
APP_ROWS = [
    ("一、本年新收政府信息公开申请数量", [5, 1, 0, 0, 0, 0, 6]),
    ("二、上年结转政府信息公开申请数量", [1, 0, 0, 0, 0, 0, 1]),
    ("（一）予以公开", [3, 1, 0, 0, 0, 0, 4]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [1, 0, 0, 0, 0, 0, 1]),
    ("1.属于国家秘密", [0] * 7), ("2.其他法律行政法规禁止公开", [0] * 7), ("3.危及“三安全一稳定”", [0] * 7),
    ("4.保护第三方合法权益", [0] * 7), ("5.属于三类内部事务信息", [0] * 7), ("6.属于四类过程性信息", [0] * 7),
    ("7.属于行政执法案卷", [0] * 7), ("8.属于行政查询事项", [0] * 7),
    ("1.本机关不掌握相关政府信息", [1, 0, 0, 0, 0, 0, 1]), ("2.没有现成信息需要另行制作", [0] * 7),
    ("3.补正后申请内容仍不明确", [0] * 7), ("1.信访举报投诉类申请", [0] * 7), ("2.重复申请", [0] * 7),
    ("3.要求提供公开出版物", [0] * 7), ("4.无正当理由大量反复申请", [0] * 7),
    ("5.要求行政机关确认或重新出具已获取信息", [0] * 7),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [0] * 7),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0] * 7),
    ("3.其他", [0] * 7), ("（七）总计", [5, 1, 0, 0, 0, 0, 6]), ("四、结转下年度继续办理", [1, 0, 0, 0, 0, 0, 1]),
]
ACTIVE = Table(rows=[["第二十条第（一）项", "第二十条第（一）项", "第二十条第（一）项", "第二十条第（一）项"],
                     ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                     ["规章", "0", "0", "0"], ["行政规范性文件", "2", "", "9"],
                     ["第二十条第（五）项"] * 4, ["信息内容", "本年处理决定数量", "本年处理决定数量", "本年处理决定数量"],
                     ["行政许可", "120", "120", "120"]])


def _app_table_split_labels() -> Table:
    """Labels split over two cells (PDF column boundaries), merged text repeated, no origins."""
    rows = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "申请人情况", "", "", "", "", "", ""],
            ["", "", "自然人", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织", "总计"],
            ["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]]
    for label, vals in APP_ROWS:
        cut = len(label) // 2
        rows.append([label[:cut], label[cut:]] + [str(v) for v in vals])
    return Table(rows=rows)


def _doc(review_blocks: list) -> Document:
    blocks = HEAD + [ACTIVE, Paragraph("三、收到和处理政府信息公开申请情况"), _app_table_split_labels(),
                     Paragraph("四、政府信息公开行政复议、行政诉讼情况")] + review_blocks + [
        Paragraph("五、存在的主要问题及改进情况"), Paragraph("无。"), Paragraph("六、其他需要报告的事项"), Paragraph("无。")]
    return Document(blocks=blocks, source_format="pdf")


REVIEW = [1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]
HDR = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def _check(rep, review=REVIEW) -> None:
    assert rep.error is None
    assert rep.applications["new_received"]["total"] == 6
    assert rep.applications["partially_granted"] == {"natural_person": 1, "commercial_enterprise": 0,
                                                     "research_institution": 0, "social_welfare_org": 0,
                                                     "legal_service_org": 0, "other_org": 0, "total": 1}
    assert len(rep.applications) == 25 and rep.templates["applications"] == "2021"
    assert rep.active_disclosure["normative_documents"] == {"issued": 2, "repealed": None, "in_force": 9}
    assert rep.active_disclosure["administrative_licensing"] == {"decisions": 120}
    got = [rep.review_litigation[g][c] for g in ("review", "litigation_direct", "litigation_after_review")
           for c in ("upheld", "corrected", "other_result", "pending", "total")]
    assert got == review
    assert rep.year == 2022 and rep.template == "2021" and rep.agency == "某局"
    assert all(c.passed for c in rep.checks), [c.detail for c in rep.checks if not c.passed]


def test_review_as_one_row() -> None:
    t = Table(rows=[["行政复议"] * 5 + ["行政诉讼"] * 10, HDR + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
                    HDR + HDR + HDR, [str(v) for v in REVIEW]])
    _check(assemble(_doc([t]), source="t"))


def test_review_as_sixteen_cells() -> None:
    t = Table(rows=[HDR * 3, [str(v) for v in REVIEW] + ["0"]])
    rep = assemble(_doc([t]), source="t")
    _check(rep)
    assert any("16 values" in w for w in rep.warnings)


def test_review_as_three_small_tables() -> None:
    blocks = []
    for g, title in enumerate(["行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"]):
        blocks += [Paragraph(title), Table(rows=[HDR, [str(v) for v in REVIEW[g * 5:g * 5 + 5]]])]
    _check(assemble(_doc(blocks), source="t"))


def test_review_groups_as_rows() -> None:
    t = Table(rows=[["", *HDR], ["行政复议", *map(str, REVIEW[:5])],
                    ["未经复议直接起诉", *map(str, REVIEW[5:10])], ["复议后起诉", *map(str, REVIEW[10:])]])
    _check(assemble(_doc([t]), source="t"))


def test_grid_with_origins_and_blank_cells() -> None:
    """A Word/HTML grid: blanks are null, never 0; merged copies are not values."""
    rows = [["信息内容", "本年处理决定数量", "本年处理决定数量"], ["行政处罚", "", ""], ["行政强制", "7", "7"]]
    origins = [[(0, 0), (0, 1), (0, 1)], [(1, 0), (1, 1), (1, 1)], [(2, 0), (2, 1), (2, 1)]]
    doc = _doc([Table(rows=[HDR * 3, [str(v) for v in REVIEW]])])
    doc.blocks.insert(6, Table(rows=rows, origins=origins))
    rep = assemble(doc, source="t")
    assert rep.active_disclosure["administrative_penalty"] == {"decisions": None}
    assert rep.active_disclosure["administrative_coercion"] == {"decisions": 7}


def test_pre2019_report_keeps_sections_without_cells() -> None:
    doc = Document(blocks=[Paragraph("某县2017年政府信息公开工作年度报告"),
                           Paragraph("本报告中所列数据的统计期限自2017年1月1日起至2017年12月31日止。"),
                           Paragraph("一、概述"), Paragraph("2017年，我县……"),
                           Paragraph("二、主动公开政府信息情况"), Paragraph("全年主动公开政府信息1234条。"),
                           Table(rows=[["指标", "单位", "数量"], ["主动公开政府信息数", "条", "1234"]])],
                   source_format="html")
    rep = assemble(doc, source="t")
    assert rep.template == "pre2019" and rep.year == 2017
    assert not rep.applications and not rep.active_disclosure
    assert "overview" in rep.sections and "1234" in rep.sections["active_disclosure"]


def test_document_without_tables_fails_cleanly() -> None:
    rep = assemble(Document(blocks=[Paragraph("网站地图")], source_format="html"), source="t")
    assert rep.status == "failed" and rep.error
