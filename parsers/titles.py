"""Report titles, statistics years and issuing agencies — the one place for the rule.

Pure functions on text. The crawler (crawlers/recognition.py: which links and pages are reports) and
the parsers (parsers/metadata.py: the title, year and agency of a parsed document) both use them.

A title is a 政府信息公开工作年度报告 in any real wording (matched after folding whitespace, full-width
forms and traditional characters — 政府資訊公開/年度報告):

    示范县财政局2023年政府信息公开工作年度报告        year before the phrase
    2009年度下管镇政府信息公开年度报告                year before the agency
    2025湖口县大垅乡2025年度政府信息公开工作年度报告   a year on both sides
    示范县信息公开工作2023年度报告                    year inside the phrase
    示范县财政局2023年度政府信息公开年报              年报 ending
    洪山区政府信息公开工作年度报告（2023年度）         year after the name
    关于2023年度政府信息公开工作情况的报告

Look-alikes are NEGATIVE: 政府工作报告, 统计公报, 预决算, …年度报告公布情况(的通报), 关于…年度报告的说明,
解读, 一图读懂, 图解, notices about compiling reports. A phrase without any year is a column name
(AMBIGUOUS), and so is a bare "2023年政府信息公开年报" (year columns are named like that).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

# longer "titles" are running text (an MHT's raw dump, a listing row), not titles (the readers' cap too)
from .safety import MAX_TITLE_CHARS

REPORT = "report"
NEGATIVE = "negative"
AMBIGUOUS = "ambiguous"
OTHER = "other"

_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")

# traditional → simplified, one character for one (positions survive folding), only what titles,
# look-alike words and agency names need
_TRAD = ("開开 報报 資资 訊讯 務务 會会 區区 縣县 鎮镇 辦办 處处 廳厅 門门 機机 關关 構构 號号 書书 總总 體体 於于 "
         "與与 單单 廣广 東东 華华 國国 內内 況况 際际 計计 統统 請请 復复 訟讼 議议 審审 財财 監监 測测 環环 衛卫 執执 "
         "轉转 發发 佈布 陽阳 龍龙 灣湾 雲云 臺台 屆届 產产 業业 為为 圖图 讀读 說说 們们 個个 這这 來来 時时 間间 問问 "
         "題题 經经 濟济 歷历 編编 製制 寫写 績绩 預预 決决 網网 徵征 評评 職职 責责 藝艺 裡里 園园 場场 車车 稅税 "
         "聯联 險险 醫医 藥药 養养 勞劳 動动 戶户 農农 農农 貿贸 醫医 鄉乡 莊庄 蘇苏 滿满 漢汉 嶺岭 寧宁 遼辽 黑黑 "
         "貴贵 廣广 陝陕 甘甘 軍军 黨党 組组 織织 導导 辭辞 態态 據据 規规 劃划 設设 備备 條条 例例 實实 進进 數数 "
         "據据 級级 紀纪 錄录 檔档 案案 館馆 體体 習习 學学 隊队 員员 簡简 稱称 點点 讚赞 無无 線线 談谈 訪访 壓压 "
         "電电 熱热 氣气 礦矿 鐵铁 運运 郵邮 號号 聽听 視视 頻频 戲戏 樂乐 護护 權权 證证 質质 購购 價价 標标 準准 "
         "並并 後后 裏里 週周 準准 億亿 萬万 兩两 厲厉 參参 雙双 發发 變变 綜综 合合 團团 圍围 壹壹 專专 屬属 層层 "
         "歲岁 盡尽 擔担 據据 攝摄 擴扩 昇升 暢畅 樣样 橋桥 檢检 權权 歸归 殘残 氣气 溝沟 滬沪 濱滨 灘滩 災灾 "
         "爾尔 牆墙 獎奖 現现 璽玺 畫画 當当 盤盘 礎础 確确 禮礼 種种 穩稳 窮穷 競竞 築筑 範范 糧粮 紅红 約约 級级 "
         "純纯 紙纸 細细 終终 結结 給给 絡络 統统 維维 綱纲 緊紧 縮缩 績绩 續续 總总 織织 繫系 羅罗 義义 習习 "
         "聖圣 聲声 脅胁 腦脑 興兴 舉举 艱艰 華华 葉叶 蘭兰 號号 蝕蚀 裝装 補补 製制 複复 覆覆 見见 規规 視视 "
         "覺觉 覽览 觀观 訂订 認认 討讨 訓训 記记 設设 許许 診诊 詢询 試试 詳详 誠诚 誤误 調调 談谈 謀谋 識识 "
         "護护 豐丰 貝贝 負负 貨货 貼贴 費费 資资 賓宾 賣卖 質质 購购 贊赞 趨趋 跡迹 踐践 軟软 較较 輔辅 輕轻 "
         "輸输 辦办 農农 邊边 遠远 選选 遺遗 邁迈 還还 醫医 釋释 針针 銀银 銷销 鋼钢 錢钱 錯错 鍵键 長长 閉闭 "
         "開开 閱阅 隨随 險险 隱隐 雜杂 離离 難难 電电 靈灵 響响 順顺 須须 領领 頒颁 頭头 額额 顏颜 類类 顯显 "
         "風风 飛飞 養养 餘余 驗验 體体 髮发 鬥斗 魚鱼 鳥鸟 鹽盐 麗丽 黃黄 齊齐 龍龙")
_FOLD = {ord(p[0]): p[1] for p in _TRAD.split() if len(p) == 2}
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})   # full-width ASCII (（）：０-９ …)
_FOLD.update({0x3000: " ", 0xA0: " "})
# str.translate looks every character up in the table (~65 ns a character on report text); a
# character class finds the few that fold (~12 ns): the same result, 5x faster on a page of text
_FOLD_CHARS = re.compile("[" + "".join(re.escape(chr(k)) for k in sorted(_FOLD)) + "]")
_FOLD_TO = {chr(k): v if isinstance(v, str) else chr(v) for k, v in _FOLD.items()}.__getitem__


def _fold_chars(text: str) -> str:
    return _FOLD_CHARS.sub(lambda m: _FOLD_TO(m.group()), text)


def squash(text: str | None) -> str:
    """Remove all whitespace (titles break lines and pad with &nbsp;)."""
    return _SPACE.sub("", text or "")


def fold_spaced(text: str) -> str:
    """`fold` that keeps whitespace (a delimiter in running text)."""
    return _fold_chars(text).replace("资讯", "信息")


def fold(text: str | None) -> str:
    """The comparable form of a title: no whitespace, half-width forms, simplified characters,
    资讯 read as 信息. One character for one, so spans found in it are spans of `squash(text)`."""
    return _fold_chars(squash(text)).replace("资讯", "信息")


_YEAR = r"(?:19|20)\d{2}"
_PHRASE = (
    # (政府|政务)信息公开 … 年度报告 / 工作报告 / 年报 / 报告, the year before it, after it or inside it
    r"(?:(?:政府|政务)?信息公开(?:工作)?(?:开展)?(?:情况)?(?:的)?(?:年度)?(?:工作)?"
    r"(?:年度工作报告|年度报告|工作报告|年报|报告))"
    r"|(?:(?:政府|政务)?信息公开(?:工作)?" + _YEAR + r"年?度?(?:年度)?(?:工作)?(?:报告|年报))")
_PHRASE_RE = re.compile(_PHRASE)
# a bare "信息公开…报告" must be a disclosure report: 政府/政务 in the phrase, or a year right before it
_REPORT_RE = re.compile(
    r"(?:政府|政务)信息公开|" + _YEAR + r"年?度?(?:部门|本机关|本单位)?信息公开|信息公开(?:工作)?" + _YEAR)
_YEAR_SUFFIX = re.compile(r"\(" + _YEAR + r"年?度?\)")
_YEAR_ANY = re.compile(_YEAR)
_YEAR_WORD = re.compile(r"(" + _YEAR + r")年")

_NEGATIVE = [
    "政府工作报告", "统计公报", "国民经济和社会发展", "三公", "法治政府", "法治建设", "依法行政",
    "网站工作年度报表", "网站年度报表", "工作年度报表", "年度报表", "公开指南", "公开制度", "报告制度", "编写",
    "报送", "做好", "通知", "通报", "图解", "一图", "读懂", "解读", "问答", "答记者问", "企业年度报告", "年报公示",
    "年度报告公示", "法人年度报告", "报告说明", "的说明", "公布情况", "发布情况", "发布的第", "征求意见",
    "审计工作报告", "执行情况的报告", "述职", "评估报告", "社会责任", "工作要点", "实施方案", "工作方案", "整改",
    "自查", "考评", "测评", "排名", "抽查",
]
# words that also occur in agency names (县委机构编制委员会办公室, 环境监测站, 预算评审中心 …):
# negative only after the title's year, where the subject of the document is named
_NEGATIVE_AFTER_YEAR = ["编制", "监测", "考核", "绩效", "预算", "决算"]
# after the report phrase, the subject is something done to the report: "…年度报告的更正说明",
# "…年度报告公布情况", "…年度报告新闻发布会"
_NEGATIVE_AFTER_PHRASE = ["说明", "情况", "发布会", "意见", "批复", "答复", "回复", "核查", "检查", "评议", "目录"]
_AMBIGUOUS = re.compile(r"年报|年度报告|公开报告|工作报告")


def _phrase(f: str):
    """The last report phrase in a folded title (the subject is named last: "…关于…报告")."""
    last = None
    for m in _PHRASE_RE.finditer(f):
        last = m
    return last


@lru_cache(maxsize=16384)   # pure; the same chrome and listing titles recur on every page
def classify_title(title: str | None) -> str:
    """REPORT, NEGATIVE (a look-alike, never a target), AMBIGUOUS (says 年报/年度报告 but not of
    what, or has no year: decide by the page itself) or OTHER."""
    f = fold(title).replace("《", "").replace("》", "")
    if not f:
        return OTHER
    if any(word in f for word in _NEGATIVE):
        return NEGATIVE
    year = _YEAR_ANY.search(f)
    subject = f[year.end():] if year else f
    if any(word in subject for word in _NEGATIVE_AFTER_YEAR):
        return NEGATIVE
    m = _phrase(f)
    if m and any(word in f[m.end():] for word in _NEGATIVE_AFTER_PHRASE):
        return NEGATIVE
    if len(f) > MAX_TITLE_CHARS:
        return AMBIGUOUS if (m or _AMBIGUOUS.search(f)) else OTHER
    if m and year and _REPORT_RE.search(f):
        if m.group(0).endswith("年报") and not title_agency(title) and m.start() <= 6:
            return AMBIGUOUS   # "2023年政府信息公开年报": a year column as often as a report
        return REPORT
    if _AMBIGUOUS.search(f):
        return AMBIGUOUS
    return OTHER


def is_report_title(text: str | None) -> bool:
    """Does the text name one annual report (a wording of the phrase, with its year, no look-alike)?"""
    return classify_title(_strip_label(text)) == REPORT


def sane_title(text: str | None) -> str | None:
    """A title for storage: whitespace squashed, at most MAX_TITLE_CHARS characters (running text that
    found its way into a title slot — a page's whole raw text — is cut, never stored whole)."""
    t = squash(text)
    if not t:
        return None
    return t if len(t) <= MAX_TITLE_CHARS else t[:MAX_TITLE_CHARS - 1] + "…"


# --- titles in running text ---------------------------------------------------------------------

# "标题：…", and the "Page 4 - …" of flip-book page titles
_LABEL = re.compile(r"^(?:(?:标题|题目|title)\s*[:：]\s*|page\s*\d+\s*[-–—:|]\s*)", re.I)
# the phrase with up to 60 characters of its own clause before it and a year suffix after it
_IN_TEXT = re.compile(r"[^\s。；;，,:!?！？、|>»›→]{0,60}?(?:" + _PHRASE + r")(?:\(" + _YEAR + r"年?度?\))?")
_CLAUSE_END = re.compile(r"[\s。；;，,!?！？|]")
_SPACED_YEAR = re.compile(r"\s+(?=(?:19|20)\d{2}\s*年)|(?<=\d)\s+(?=年)|(?<=年)\s+(?=度)")
# a clause that announces the report, not its title: "特编制本机关2023年度…", "现公布…", "根据…规定,现将…"
_VERB = re.compile(r".*(?:现将|现予|予以|现|特|兹|向社会|并)?(?:公布|发布|印发|编写|(?<!机构)编制|形成|制作|报送|公开如下)"
                   r"(?:了|完成)?(?:的)?|.*(?:根据|依据|按照)[^\d]*?(?:规定|要求|条例|通知)(?:的要求)?")
_SELF = re.compile(r"^(?:本机关|本单位|本部门|本局|本委|本办|我局|我委|我办|我单位|我部门|我镇|我乡|我街道|我区|我县|我市)")


def _strip_label(text: str | None) -> str:
    return _LABEL.sub("", (text or "").strip())


def title_in_text(text: str | None) -> str | None:
    """The first report title written in a line of running text (the part of the clause that names
    the report: "特编制本机关2023年度政府信息公开工作年度报告" gives "2023年度政府信息公开工作年度报告")."""
    s = _SPACED_YEAR.sub("", _strip_label(text)).lstrip("#*")
    if not s:
        return None
    f = fold_spaced(s)
    for m in _IN_TEXT.finditer(f):
        start, end = m.span()
        stop = _CLAUSE_END.search(f, end, end + 30)
        if classify_title(f[start:stop.start() if stop else end + 30]) == NEGATIVE:
            continue   # "一图读懂《…报告》", "…年度报告的说明", "…报告公布情况的通报"
        part = f[start:end]
        if "《" in part:   # a quoted title: "现将《X县2023年…报告》予以公布"
            start += part.rindex("《") + 1
        v = _VERB.match(f, start, end)
        if v and v.end() < end and _PHRASE_RE.search(f, v.end(), end):
            start = v.end()
        s_m = _SELF.match(f[start:end])
        if s_m:
            start += s_m.end()
        title = s[start:end].strip("“”\"《》【】[]<>·-_ ")
        if 4 <= len(title) <= MAX_TITLE_CHARS and classify_title(title) == REPORT:
            return title
    return None


def find_title(lines: list[str], hint: str | None = None) -> str | None:
    """The report title: the hint (HTML <title>, PDF Title) when it names a report, else the first
    line that does; an agency name on the line above a title starting with the year is joined to it
    (titles are often set on two lines). A hint naming no report keeps its article part (the column
    and site names a CMS appends after "_" are not the title), capped to a sane length."""
    cands = ([hint] if hint else []) + lines[:60]
    for i, cand in enumerate(cands):
        if not cand:
            continue
        c = squash(_strip_label(cand)).lstrip("#*")
        if len(c) > 2 * MAX_TITLE_CHARS:
            continue
        title = title_in_text(c)
        if not title:
            continue
        if re.match(r"^" + _YEAR, title) and i > 0 and (hint is None or i > 1):
            prev = squash(cands[i - 1]).lstrip("#*")
            if 2 <= len(prev) <= 30 and not re.search(r"[\d。，,：:；;、]", prev) and is_agency(prev):
                title = prev + title
        return title
    if hint and hint.strip():
        # running text in the title slot (an MHT's raw dump, a whole paragraph) is no title at all
        if len(squash(hint)) > MAX_TITLE_CHARS:
            return None
        return _without_site_suffix(hint.strip())
    return None


# "<article title>_<column>_<site name>" (also "|", "｜", " - "): CMS <title> elements
_SITE_SUFFIX = re.compile(r"^(.{4,}?报告[^_|｜]{0,20}?)\s*(?:[_|｜]|\s-{1,2}\s)\s*\S.{0,60}$")


def _without_site_suffix(hint: str) -> str:
    m = _SITE_SUFFIX.match(hint)
    return m.group(1).strip() if m else hint


# --- the statistics year --------------------------------------------------------------------------

_PERIOD = re.compile(
    r"(?:统计|数据)[^。；;]{0,30}?(" + _YEAR + r")年1月1日[^。；;]{0,8}?(?:至|到|—|-|~|－)(?:(" + _YEAR + r")年)?12月31日")
_PERIOD_LOOSE = re.compile(r"(" + _YEAR + r")年1月1日[^。；;]{0,8}?(?:至|到|—|-|~|－)(" + _YEAR + r")年12月31日")
_PERIOD_START = re.compile(
    r"(?:统计期限|统计时限|统计时间|统计期|时间范围|统计区间|数据统计)[^。]{0,30}?(" + _YEAR + r")年1月1日")


def title_year(title: str | None) -> int | None:
    """The year a title names: the one next to the report phrase ("2025X乡2025年度…", "…报告（2023年度）"),
    else the first YYYY年, else the first four-digit year."""
    f = fold(title)
    if not f:
        return None
    m = _YEAR_SUFFIX.search(f)
    if m:
        return int(_YEAR_ANY.search(m.group(0)).group(0))
    p = _phrase(f)
    if p:
        inside = _YEAR_ANY.search(p.group(0))
        if inside:
            return int(inside.group(0))
        before = list(_YEAR_WORD.finditer(f, 0, p.start())) or list(_YEAR_ANY.finditer(f, 0, p.start()))
        if before:
            return int(before[-1].group(1) if before[-1].re is _YEAR_WORD else before[-1].group(0))
    m = _YEAR_WORD.search(f) or _YEAR_ANY.search(f)
    return int(m.group(1) if m.re is _YEAR_WORD else m.group(0)) if m else None


def report_year(title: str | None, text: str | None = None, *, text_fallback: bool = False) -> int | None:
    """The statistics year: the 统计期限 sentence first ("自2022年1月1日起至2022年12月31日止"), then the
    title's year; with `text_fallback` the year named most often in the opening text. Never the
    publication date."""
    if text:
        t = fold(text)
        for pat in (_PERIOD, _PERIOD_LOOSE):
            m = pat.search(t)
            if m and m.group(2) in (None, m.group(1)):
                return int(m.group(1))
        m = _PERIOD_START.search(t)
        if m:
            return int(m.group(1))
    year = title_year(title)
    if year is not None:
        return year
    if text and text_fallback:
        years = [int(y) for y in _YEAR_WORD.findall(fold(text[:3000]))]
        if years:
            return Counter(years).most_common(1)[0][0]
    return None


# --- the issuing agency ---------------------------------------------------------------------------

ORG_SUFFIX = re.compile(
    r"(?:镇|乡|街道|街道办事处|办事处|苏木|嘎查|局|委|办|办公室|中心|管委会|委员会|区|县|市|州|盟|旗|站|所|队|府|院|会|"
    r"厅|室|处|馆|社|部|署|团|场|园|校|台|行|司|公司|集团|政府|人民政府|工委|党委|支队|大队|中队|分局|监狱)$")
# chrome and service names that end like organisations
_NOT_ORG = {"新闻中心", "办事中心", "服务中心", "互动中心", "下载中心", "帮助中心", "个人中心", "用户中心", "会员中心",
            "消息中心", "资讯中心", "媒体中心", "图片中心", "视频中心", "数据中心", "本站", "网站", "首页", "返回首页",
            "关于本站", "政府", "政务", "人民政府", "本级", "部门", "单位", "机构", "全县", "全市", "全区", "办",
            "县", "市", "区", "乡", "镇", "乡镇", "街道", "镇街", "镇办", "乡镇街道", "镇街道", "各乡镇", "社区", "部门",
            "县直部门", "市直部门", "区直部门", "县直单位", "市直单位", "区直单位", "直属单位", "政府部门", "工作部门",
            "所属部门", "区县", "县区", "县市区", "各区", "各县", "管委会", "委员会", "办公室"}
_AGENCY_VERB = re.compile(r"^(?:关于|现(?:将|予|就|把|对|公布|发布)|特(?:编制|制定|发布|公布|此)|兹|予以|向社会|根据|依据|"
                          r"按照|本报告|本年度|年度|度)|公布|发布|印发|编写|(?<!机构)编制|报送|形成|如下|规定|要求|条例")
_GENERIC_AGENCY = re.compile(r"^(?:本机关|本单位|本部门|本局|我局|我单位|政府|政务|部门|单位|机关|本级|全县|全市|全区)$")


def is_org_name(text: str | None) -> bool:
    """Does the text name an organisation (镇/乡/街道办事处/…局/…厅/…室/…中心, any length up to 40)?"""
    t = fold(text)
    return 2 <= len(t) <= 40 and t not in _NOT_ORG and bool(ORG_SUFFIX.search(t)) and not _YEAR_ANY.search(t)


def is_agency(name: str | None) -> bool:
    """A usable agency: not a year, not a verb phrase (现公布/特编制/根据…), not a generic word."""
    t = fold(name)
    if not (2 <= len(t) <= 40):
        return False
    if re.search(r"\d", t) or _AGENCY_VERB.search(t) or _GENERIC_AGENCY.match(t):
        return False
    return not re.search(r"[，。；;：:！？!?、|<>]", t)


_LEAD = re.compile(r"^(?:关于)?(?:" + _YEAR + r"年?度?)?")


def title_agency(title: str | None) -> str | None:
    """The agency a title names: what precedes the year or the report phrase, after a leading year
    ("2009年度下管镇…", "2025湖口县大垅乡2025年度…") and 关于."""
    s = squash(_strip_label(title)).strip("《》“”\"【】")
    f = fold(s)
    if not f:
        return None
    f = _YEAR_SUFFIX.sub(lambda m: "#" * len(m.group(0)), f)   # "（2023年度）" names no agency
    lead = _LEAD.match(f)
    start = lead.end() if lead else 0
    if f.startswith("关于", start):
        start += 2
    p = _PHRASE_RE.search(f, start)
    stop = p.start() if p else len(f)
    y = _YEAR_ANY.search(f, start, stop)
    if y:
        stop = y.start()
    if not p and not y:
        return None
    name = s[start:stop].strip("《》“”\"-_·— ")
    name = re.sub(r"(?:关于|的)$", "", name)
    return name if is_agency(name) else None


_AGENCY_META = re.compile(r"(?:发布机构|发文机关|信息来源|(?<!数据)(?<!资料)来源|发布单位)\s*[:：]\s*([^\s|｜:：<>]{2,40})([:：]?)")
# labels of the 信息公开 metadata block (索引号 | 发布机构 | 主题分类 | 成文日期 …): in a page's text the
# cells run together ("发布机构：示范县正阳街道主题分类：…"), so the next label follows the value
_FIELD_LABELS = sorted(("主题分类", "体裁分类", "组配分类", "服务对象分类", "信息分类", "公文种类", "文种", "分类",
                        "发布日期", "成文日期", "生效日期", "废止日期", "印发日期", "发文日期", "公开日期", "日期",
                        "发布时间", "成文时间", "时间", "发文字号", "文号", "字号", "索引号", "编号", "有效性", "效力状态",
                        "公开方式", "公开范围", "公开时限", "公开形式", "关键词", "主题词", "标题", "名称", "文件名称",
                        "发文机关", "发布机构", "所属机构", "责任部门", "来源", "浏览次数", "访问量", "点击数", "作者"),
                       key=len, reverse=True)
_BODY_AGENCY = [
    re.compile(r"本报告(?:是)?由\s*([^\s，,。；（(]{2,40}?)\s*(?:根据|依据|按照|编制)"),
    re.compile(r"请与\s*([^\s，,。；（(]{2,40}?)\s*(?:联系|咨询)"),
    re.compile(r"在\s*[“\"]([^”\"]{2,30})[”\"]\s*(?:门户)?网站"),
]


def _strip_next_label(value: str) -> str | None:
    """`发布机构：X局主题分类：…` captured "X局主题分类": drop the next field's label (a known one,
    else what follows the last organisation suffix); None when no agency is left."""
    for label in _FIELD_LABELS:
        if value.endswith(label) and len(value) - len(label) >= 2:
            return value[: -len(label)]
    for end in range(len(value) - 2, 1, -1):   # the label is at least two characters
        if ORG_SUFFIX.search(value[:end]) and len(value) - end <= 6:
            return value[:end]
    return None


def text_agency(text: str | None) -> str | None:
    """The agency named in a report's or page's text: the 发布机构/来源 cell, "本报告由X根据…",
    "请与X联系", "在“X”网站", else the agency of the first report title written in the text."""
    if not text:
        return None
    head = text[:5000]
    for m in _AGENCY_META.finditer(head):
        value = _strip_next_label(m.group(1)) if m.group(2) else m.group(1)
        if value and is_agency(value) and is_org_name(value):
            return value
    for pat in _BODY_AGENCY:
        m = pat.search(text)
        if m and is_agency(m.group(1)):
            return m.group(1)
    title = title_in_text(head[:1000])
    agency = title_agency(title) if title else None
    if agency:
        return agency
    m = _SIGNATURE.search(text[-400:])   # the signature under the report: "X人民政府办公室 2024年1月20日"
    return m.group(1) if m and is_agency(m.group(1)) and is_org_name(m.group(1)) else None


_SIGNATURE = re.compile(r"([^\s，,。；;：:、]{2,40}?)\s*(?:" + _YEAR + r")\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")


def report_agency(title: str | None, text: str | None = None) -> str | None:
    """The issuing agency: from the title, else from the text; never a verb phrase or a year."""
    return title_agency(title) or text_agency(text)
