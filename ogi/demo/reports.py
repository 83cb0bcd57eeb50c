"""Real report texts rendered as the Word-pasted HTML articles portals publish.

Sources live in `ogi/demo/data/reports/<id>/`: the five seed reports (`seed_*`: `source.txt` text,
`truth.json` cell values, `meta.json`) and attachments rendered from them by the project's own
generator (`scripts/render_demo_sources.py`: `source.pdf|docx|doc`, a long PDF among them). Nothing
else is copied from real reports. The narrative
comes from the source text; the three State Council tables are rebuilt from `truth.json` in the
official layout (merged cells as rowspan/colspan, MsoNormal paragraphs inside cells), so a parser
run over a demo page can be checked against the truth.

A demo page re-publishes a source under another agency and often another year: `article_html(src,
year=…, agency=…)` moves the narrative's years (the source's report year N and N-1 / N+1, by the
same offset) and puts the page's agency in place of the real one (`names` in meta.json: strings of
the narrative naming the real agency or its place), so a page never contradicts its own title.
The tables (the truth) are never changed.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parsers import spec

DATA = Path(__file__).resolve().parent / "data" / "reports"

# Labels and keys come from the format spec (the one place they live).
APPLICANT_LABELS = [c.label for c in spec.applicant_columns()]
APPLICANT_KEYS = [c.key for c in spec.applicant_columns()]
REVIEW_LABELS = [c.label for c in spec.review_columns()]
REVIEW_KEYS = [c.key for c in spec.review_columns()]

# (key, group label, row label) of the result rows under a group, in the 2021 order; groups become rowspans
APPLICATION_ROWS = [(r.key, r.group, r.label) for r in spec.template("2021").application_rows
                    if r.group and r.group.startswith("（") and r.group != "三、本年度办理结果"]


@dataclass(frozen=True)
class Source:
    id: str
    agency: str
    year: int
    truth: dict
    text: str | None      # narrative text (None for PDF-only sources)
    pdf: bytes | None     # the published PDF, when the source is one
    names: tuple[tuple[str, str], ...] = ()   # (text naming the real agency, "agency" | "place")
    document: tuple[str, bytes] | None = None  # (extension, bytes) of an attachment: pdf, docx or doc

    @property
    def content_type(self) -> str | None:
        return DOCUMENT_TYPES.get(self.document[0]) if self.document else None


DOCUMENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@lru_cache(maxsize=None)
def load_source(source_id: str) -> Source:
    folder = DATA / source_id
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    text = None
    for name in ("source.txt", "source.md"):
        if (folder / name).exists():
            text = (folder / name).read_text(encoding="utf-8")
    document = next(((ext, (folder / f"source.{ext}").read_bytes()) for ext in DOCUMENT_TYPES
                     if (folder / f"source.{ext}").exists()), None)
    pdf = document[1] if document and document[0] == "pdf" else None
    names = tuple(sorted((meta.get("names") or {}).items(), key=lambda kv: -len(kv[0])))
    return Source(source_id, meta.get("agency", ""), int(meta.get("year") or 0), truth, text, pdf, names,
                  document)


def available_sources() -> list[str]:
    return sorted(p.name for p in DATA.iterdir() if (p / "truth.json").exists())


# --- Word-pasted HTML ----------------------------------------------------------------------

def _cell(value, *, colspan: int = 1, rowspan: int = 1, width: int = 60) -> str:
    if isinstance(value, float):   # every digit of the truth (":g" would round 4478.1715 to 4478.17)
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = "" if value is None else str(value)
    span = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
    inner = html.escape(text) if text else "&nbsp;"
    return (f'<td width="{width}"{span} valign="center" style="border:solid windowtext 1.0pt;'
            f'mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt">'
            f'<p class="MsoNormal" align="center" style="text-align:center;mso-line-height-rule:exactly">'
            f'<span lang="EN-US" style="font-size:10.5pt;font-family:宋体;mso-bidi-font-family:宋体">{inner}'
            f'</span></p></td>')


def _table(rows: list[str]) -> str:
    body = "".join(f'<tr style="mso-yfti-irow:{i};height:19.85pt">{r}</tr>' for i, r in enumerate(rows))
    return ('<div align="center"><table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;'
            f'mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt"><tbody>{body}</tbody></table></div>')


def active_disclosure_table(truth: dict) -> str:
    ad = truth.get("active_disclosure", {})
    g = lambda row, col: ad.get(row, {}).get(col)  # noqa: E731
    rows = [
        _cell("第二十条第（一）项", colspan=4),
        _cell("信息内容") + _cell("本年制发件数") + _cell("本年废止件数") + _cell("现行有效件数"),
    ]
    for key, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        rows.append(_cell(label) + "".join(_cell(g(key, c)) for c in ("issued", "repealed", "in_force")))
    rows += [
        _cell("第二十条第（五）项", colspan=4),
        _cell("信息内容") + _cell("本年处理决定数量", colspan=3),
        _cell("行政许可") + _cell(g("administrative_licensing", "decisions"), colspan=3),
        _cell("第二十条第（六）项", colspan=4),
        _cell("信息内容") + _cell("本年处理决定数量", colspan=3),
        _cell("行政处罚") + _cell(g("administrative_penalty", "decisions"), colspan=3),
        _cell("行政强制") + _cell(g("administrative_coercion", "decisions"), colspan=3),
        _cell("第二十条第（八）项", colspan=4),
        _cell("信息内容") + _cell("本年收费金额（单位：万元）", colspan=3),
        _cell("行政事业性收费") + _cell(g("administrative_fees", "amount_10k_yuan"), colspan=3),
    ]
    return _table(rows)


def applications_table(truth: dict) -> str:
    apps = truth.get("applications", {})
    vals = lambda key: "".join(_cell(apps.get(key, {}).get(c)) for c in APPLICANT_KEYS)  # noqa: E731
    rows = [
        _cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3, rowspan=3, width=200)
        + _cell("申请人情况", colspan=7),
        _cell("自然人", rowspan=2) + _cell("法人或其他组织", colspan=5) + _cell("总计", rowspan=2),
        "".join(_cell(label) for label in APPLICANT_LABELS[1:6]),
        _cell("一、本年新收政府信息公开申请数量", colspan=3, width=200) + vals("new_received"),
        _cell("二、上年结转政府信息公开申请数量", colspan=3, width=200) + vals("carried_over"),
    ]
    single_other = "other_handling" in apps
    body_rows = [r for r in APPLICATION_ROWS if not (single_other and r[1] == "（六）其他处理")]
    n_result_rows = 2 + len(body_rows) + (1 if single_other else 0) + 1
    rows.append(_cell("三、本年度办理结果", rowspan=n_result_rows, width=40)
                + _cell("（一）予以公开", colspan=2) + vals("granted"))
    rows.append(_cell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2) + vals("partially_granted"))
    seen_groups: set[str] = set()
    for key, group, label in body_rows:
        lead = ""
        if group not in seen_groups:
            seen_groups.add(group)
            lead = _cell(group, rowspan=sum(1 for r in body_rows if r[1] == group))
        rows.append(lead + _cell(label, width=160) + vals(key))
    if single_other:
        rows.append(_cell("（六）其他处理", colspan=2) + vals("other_handling"))
    rows.append(_cell("（七）总计", colspan=2) + vals("total_processed"))
    rows.append(_cell("四、结转下年度继续办理", colspan=3, width=200) + vals("carried_forward"))
    return _table(rows)


def review_table(truth: dict) -> str:
    rl = truth.get("review_litigation", {})
    rows = [
        _cell("行政复议", colspan=5) + _cell("行政诉讼", colspan=10),
        "".join(_cell(label, rowspan=2) for label in REVIEW_LABELS)
        + _cell("未经复议直接起诉", colspan=5) + _cell("复议后起诉", colspan=5),
        "".join(_cell(label) for label in REVIEW_LABELS) * 2,
        "".join(_cell(rl.get(g, {}).get(c)) for g in ("review", "litigation_direct", "litigation_after_review")
                for c in REVIEW_KEYS),
    ]
    return _table(rows)


_TABLE_LINE = re.compile(r"\t|^\s*\|")
_HEADER_LINE = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录|页面链接).*[:：]|^=+")


def _narrative(text: str) -> tuple[list[str], list[str]]:
    """(paragraphs before section 二, paragraphs from section 五 on), tables dropped."""
    lines = [ln.strip().lstrip("#").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not _TABLE_LINE.search(ln) and not _HEADER_LINE.match(ln)]
    joined = "\n".join(lines)
    start = re.search(r"二\s*[、.]\s*主动公开", joined)
    end = re.search(r"五\s*[、.]\s*(存在|政府信息公开工作存在)", joined)
    head = joined[: start.start()] if start else joined
    tail = joined[end.start():] if end else ""
    split = lambda s: [p for p in re.split(r"\n|(?<=。)\s+(?=[一二三四五六七八九十（(])", s) if p.strip()]  # noqa: E731
    return split(head), split(tail)


def _para(text: str) -> str:
    bold = re.match(r"^[一二三四五六七八九十]+、", text)
    style = "text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt"
    inner = html.escape(text)
    if bold:
        inner = f"<b>{inner}</b>"
    return (f'<p class="MsoNormal" style="{style}"><span style="font-size:16.0pt;font-family:仿宋_GB2312;'
            f'mso-hansi-font-family:宋体">{inner}</span></p>')


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_GOV_SUFFIX = re.compile(r"(?:人民政府办公室|人民政府|管理委员会|管委会|街道办事处|办事处)$")


def title_year(title: str) -> int | None:
    """The report year a page title states (the first "YYYY年")."""
    m = _TITLE_YEAR.search(title or "")
    return int(m.group(1)) if m else None


def shift_years(text: str, source_year: int, year: int) -> str:
    """Move the source's report year N, and N-1 / N+1, by `year - N`; other years stay, and so do
    document numbers (国办公开办函〔2021〕30号) and digits inside longer numbers."""
    delta = year - source_year
    if not delta or not source_year:
        return text
    years = {str(y): str(y + delta) for y in (source_year - 1, source_year, source_year + 1)}
    pat = re.compile(r"(?<![\d〔\[［])(" + "|".join(years) + r")(?![\d〕\]］])")
    return pat.sub(lambda m: years[m.group(1)], text)


def rename_agency(text: str, names: tuple[tuple[str, str], ...], agency: str) -> str:
    """Put the page's agency where the narrative names the real one (longest names first)."""
    if not names or not agency:
        return text
    place = _GOV_SUFFIX.sub("", agency) or agency
    repl = {name: agency if role == "agency" else place for name, role in names}
    pat = re.compile("|".join(re.escape(name) for name, _ in names))
    return pat.sub(lambda m: repl[m.group(0)], text)


def article_html(source: Source, *, year: int | None = None, agency: str | None = None) -> str:
    """The report body as a CMS editor would store it after a Word paste; with `year`/`agency`
    (the page's), the narrative is moved to that year and that agency."""
    text = source.text or ""
    if year:
        text = shift_years(text, source.year, year)
    if agency:
        text = rename_agency(text, source.names, agency)
    head, tail = _narrative(text)
    parts = [_para(p) for p in head]
    parts.append(_para("二、主动公开政府信息情况"))
    parts.append(active_disclosure_table(source.truth))
    parts.append(_para("三、收到和处理政府信息公开申请情况"))
    parts.append(applications_table(source.truth))
    parts.append(_para("四、政府信息公开行政复议、行政诉讼情况"))
    parts.append(review_table(source.truth))
    parts.extend(_para(p) for p in tail)
    return '<div class="TRS_Editor"><div class="Section0">' + "\n".join(parts) + "</div></div>"
