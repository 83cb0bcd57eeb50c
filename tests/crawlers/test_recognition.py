import pytest

from crawlers.recognition import (AMBIGUOUS, NEGATIVE, OTHER, REPORT, classify_title, guess_agency, guess_year,
                                  is_report_text, nav_score)

POSITIVE = [
    "示范县人民政府2023年政府信息公开工作年度报告",
    "2023年度政府信息公开工作年度报告",
    "天津港保税区2022年度政府信息公开工作报告",
    "红桥区2022年政府信息公开工作报告",
    "南县2022年政府信息公开年度报告",
    "忻府区2022年度政府信息公开年度报告",
    "洪山区政府信息公开工作年度报告（2023年度）",
    "2009年度下管镇政府信息公开年度报告",
    "舒兰市2016年政务信息公开年度报告",
    "西藏自治区审计厅2025年政务信息公开工作开展年度报告",
    "永宁县2023年政府信息公开工作年度报告（文字版）",
    "重庆市九龙坡区二郎街道办事处2023年度政府\n信息公开工作年度报告",
    "2022年政府信息公开工作年度报告",
    "关于2023年度政府信息公开工作情况的报告",
    "示范县委机构编制委员会办公室2023年政府信息公开工作年度报告",   # 编制 in the agency name
    "示范县环境监测站2023年政府信息公开工作年度报告",
]
NEGATIVES = [
    "示范县2024年政府工作报告",
    "示范县2023年国民经济和社会发展统计公报",
    "示范县2024年部门预算", "示范县2023年财政决算", "示范县2023年“三公”经费决算",
    "示范县2023年法治政府建设年度报告",
    "示范县政府网站工作年度报表（2023年度）",
    "示范县政府信息公开指南", "示范县政府信息公开制度", "示范县政府信息公开工作年度报告制度",
    "关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知",
    "一图读懂《示范县2023年政府信息公开工作年度报告》",
    "图解：示范县2023年政府信息公开工作年度报告",
    "《示范县2023年政府信息公开工作年度报告》解读",
    "企业年度报告公示", "2022年政府信息公开工作年度报告报告说明",
]


@pytest.mark.parametrize("title", POSITIVE)
def test_report_titles(title):
    assert classify_title(title) == REPORT


@pytest.mark.parametrize("title", NEGATIVES)
def test_negative_titles(title):
    assert classify_title(title) == NEGATIVE


def test_ambiguous_and_other():
    assert classify_title("档案馆2022年度报告") == AMBIGUOUS
    assert classify_title("2020年报_审计局") == AMBIGUOUS
    assert classify_title("政府信息公开年报") == AMBIGUOUS   # a column name, not a report
    assert classify_title("政府信息公开工作年度报告") == AMBIGUOUS   # gusu's column name
    assert classify_title("2023年政府信息公开年报") == AMBIGUOUS   # a year column as often as a report
    assert classify_title("新闻中心") == OTHER


def test_guesses():
    assert guess_agency("示范县财政局2022年政府信息公开工作年度报告") == "示范县财政局"
    assert guess_agency("洪山区政府信息公开工作年度报告（2023年度）") == "洪山区"
    assert guess_agency("2009年度下管镇政府信息公开年度报告") == "下管镇"
    assert guess_agency("2023年政府信息公开工作年度报告", "索引号：1 发布机构： 河包镇人民政府 ") == "河包镇人民政府"


@pytest.mark.parametrize("body, agency", [
    # the 信息公开 metadata cells run together in a page's text: the next label is not the agency's
    ("索引号：1发布机构：示范县正阳街道主题分类：政府信息公开年报", "示范县正阳街道"),
    ("发布机构：示范县水利局成文日期：2024-01-15", "示范县水利局"),
    ("发布机构：示范县水利局所属机构：示范县人民政府", "示范县水利局"),
    ("发布机构：示范县人民政府办公室公开属性：主动公开", "示范县人民政府办公室"),   # unknown label: org suffix
    ("来源：示范县人民政府 【打印】", "示范县人民政府"),
    ("发布机构：河包镇人民政府", "河包镇人民政府"),
])
def test_agency_from_metadata_cells_stops_at_the_next_label(body, agency):
    assert guess_agency("2023年政府信息公开工作年度报告", body) == agency
    assert guess_year("元坝镇2023年政府信息公开工作年度报告",
                      "本报告所列数据统计期限自2024年1月1日起至2024年12月31日止。") == 2024
    assert guess_year("洪山区政府信息公开工作年度报告（2023年度）") == 2023


def test_skeleton():
    body = "一、总体情况 … 二、主动公开政府信息情况 … 三、收到和处理政府信息公开申请情况 … 四、政府信息公开行政复议、行政诉讼情况 五、存在的主要问题及改进情况"
    assert is_report_text(body)
    assert not is_report_text("一、2023年工作回顾 二、2024年工作安排")


def test_nav_scores():
    assert nav_score("政务公开", "http://a/zwgk/") >= 5
    assert nav_score("政府信息公开年报", "http://a/zfxxgk/zfxxgknb/") >= 10
    assert nav_score("新闻中心", "http://a/xwzx/") < 5
    assert nav_score("2023年", "http://a/nb/2023n/", in_report_column=True) >= 5
    assert nav_score("2023年", "http://a/x/2023n/", in_report_column=False) < 5
    assert nav_score("河包镇", "http://a/xzjd/hbz/", in_report_column=True) >= 5
    assert nav_score("政府工作报告", "http://a/zfgzbg/") < 0


def test_agency_of_guanyu_title():
    assert guess_agency("关于示范县2021年度政府信息公开工作情况的报告") == "示范县"


def test_generated_report_module_urls():
    from crawlers.recognition import generated_report_year
    base = "http://www.lishui.gov.cn/module/xxgk/xxgkAnnualReport.jsp"
    assert generated_report_year(f"{base}?area=11331100002648510D&fbtime=2025") == 2025
    assert generated_report_year(f"{base}?fbtime=2024&area=11331100002648510D&webid=1") == 2024
    assert generated_report_year(f"{base}?area=11331100002648510D") is None          # no year: the module's form
    assert generated_report_year(f"{base}?area=&fbtime=2025") is None
    assert generated_report_year("http://a.gov.cn/module/xxgk/list.jsp?area=1&fbtime=2025") is None


def test_report_title_in_text():
    from crawlers.recognition import report_title_in_text
    assert report_title_in_text("首页 > 年报 示范区教育局2023年政府信息公开工作年度报告 发布日期：2024-01-20") == \
        "示范区教育局2023年政府信息公开工作年度报告"
    assert report_title_in_text("关于做好2023年度政府信息公开工作年度报告编制工作的通知") is None
    assert report_title_in_text("一、总体情况") is None


@pytest.mark.parametrize("name", [
    "解放碑街道办事处", "示范县政务服务管理局", "示范县行政审批服务局", "二郎街道办事处", "自治区审计厅", "县委政策研究室",
    "示范市示范区人民政府国有资产监督管理委员会",   # over 16 characters
    "示范县新闻出版局", "示范县机关事务服务中心", "示范县12345投诉受理中心",
])
def test_organisation_sub_columns_are_followed_whatever_words_they_contain(name):
    # inside a report column an organisation's name leads to its reports ...
    assert nav_score(name, "http://a/zfxxgknb/bm/x/", in_report_column=True) >= 5
    # ... outside one it is no signal
    assert nav_score(name, "http://a/x/") < 5


@pytest.mark.parametrize("text", ["新闻中心", "办事服务", "网上办事", "政务服务", "互动交流", "联系我们", "网站地图"])
def test_chrome_stays_noise_inside_report_columns(text):
    assert nav_score(text, "http://a/x/", in_report_column=True) < 5
