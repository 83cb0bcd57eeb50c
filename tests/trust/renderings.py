"""Hard renderings of the seed reports, made in code, each with its truth (issue 10, item 5).

The seeds (ogi/demo/data/reports/seed_*: source text + truth.json) are rendered the ways that
trip readers up on held-out real reports:
- `md_dropped_*`: a converted-markdown pipe table where the converter dropped a cell in some
  rows (two numbers under three column heads, six under seven, fourteen under fifteen);
- `pdf_long_*`: long reports (narrative repeated) whose applications table crosses pages;
- `pdf_review_split_*`: section 四's two-level header on one page and its data row on the
  next (`_hdr`: the page break after the first header row; `_data`: before the data row);
- `pdf_borderless_*`: the same with no rules at all (rule-less, read by position);
- `scan_*`: the tables page rasterised at 150 / 200 / 300 dpi, with and without rules (OCR).

`build(out)` writes `<name>.<ext>` and `<name>.truth.json` and returns {name: path}; the
truth of a dropped-cell rendering is the seed's truth (cells whose position was lost must come
back null with a reason, never as another cell's number).
"""
from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "ogi" / "demo" / "data" / "reports"
APPLICANTS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
              "legal_service_org", "other_org", "total"]
REVIEW = [(g, c) for g in ("review", "litigation_direct", "litigation_after_review")
          for c in ("upheld", "corrected", "other_result", "pending", "total")]


def make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", REPO / "tests" / "fixtures" / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def seed(rid: str) -> tuple[dict, str]:
    folder = SEEDS / rid
    return json.loads((folder / "truth.json").read_text("utf-8")), (folder / "source.txt").read_text("utf-8")


def generator_files() -> list[Path]:
    """Everything the renderings depend on (their cache key)."""
    return [Path(__file__), REPO / "tests" / "fixtures" / "make_fixtures.py"] + \
        sorted(p for rid in ("seed_001", "seed_002", "seed_004") for p in (SEEDS / rid).glob("*"))


# ---------------------------------------------------------------- markdown with dropped cells
def _fmt(v) -> str:
    return "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))


def markdown(truth: dict, source: str, drops: dict[str, int]) -> str:
    """The report as a converter's markdown: narrative lines, then pipe tables built from the
    truth; `drops` maps "table.row" to the index of the value cell the converter lost."""
    mf = make_fixtures()
    title, s1, tail = mf.narrative(source)
    from parsers import spec

    lines = [*title, "一、总体情况", *s1, "二、主动公开政府信息情况"]
    labels = {r.key: r.label for t in ("2021",) for r in spec.template(t).application_rows}
    for tb in spec.template("2021").active_tables:
        cols = [c for c in tb.columns]
        lines.append("| 信息内容 | " + " | ".join(c.label for c in cols) + " |")
        lines.append("|" + " --- |" * (len(cols) + 1))
        for r in tb.rows:
            vals = [_fmt(truth["active_disclosure"][r.key][c.key]) for c in cols]
            if f"active_disclosure.{r.key}" in drops:
                del vals[drops[f"active_disclosure.{r.key}"]]
            lines.append(f"| {r.label} | " + " | ".join(vals) + " |")
    lines.append("三、收到和处理政府信息公开申请情况")
    lines.append("| 本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和 | 自然人 | 商业企业 | 科研机构 | "
                 "社会公益组织 | 法律服务机构 | 其他 | 总计 |")
    lines.append("|" + " --- |" * 8)
    for key, cols in truth["applications"].items():
        vals = [_fmt(cols[c]) for c in APPLICANTS]
        if f"applications.{key}" in drops:
            del vals[drops[f"applications.{key}"]]
        lines.append(f"| {labels[key]} | " + " | ".join(vals) + " |")
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines.append("| 行政复议 |  |  |  |  | 行政诉讼 |" + "  |" * 9)
    lines.append("| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 |  |  |  |  | 复议后起诉 |  |  |  |  |")
    lines.append("| " + " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3) + " |")
    vals = [_fmt(truth["review_litigation"][g][c]) for g, c in REVIEW]
    if "review_litigation" in drops:
        del vals[drops["review_litigation"]]
    lines.append("| " + " | ".join(vals) + " |")
    lines += tail
    return "\n".join(lines) + "\n"


MD_CASES = {  # name -> (seed, dropped cells)
    "md_dropped_active": ("seed_001", {"active_disclosure.normative_documents": 0,
                                       "active_disclosure.regulations": 2}),
    "md_dropped_applications": ("seed_002", {"applications.granted": 0, "applications.total_processed": 6,
                                             "applications.new_received": 3}),
    "md_dropped_review": ("seed_004", {"review_litigation": 7}),
    "md_intact": ("seed_001", {}),
}


def dropped_cells(drops: dict[str, int]) -> set[str]:
    """The rows whose cells may only come back null (their positions were lost)."""
    return set(drops)


# ---------------------------------------------------------------- PDFs through LibreOffice
def _split_table_to_next_page(docx: Path, table_index: int, row: int) -> None:
    """Cut a table before `row` and start its rest on a new page (a table whose header sits on
    one page and the rest on the next, as a long report's converter lays it out)."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    doc = Document(str(docx))
    tbl = doc.tables[table_index]._tbl
    rest = copy.deepcopy(tbl)
    for tr in tbl.tr_lst[row:]:
        tbl.remove(tr)
    for tr in rest.tr_lst[:row]:
        rest.remove(tr)
    for tc in rest.tr_lst[0].tc_lst:  # a vertical merge cannot continue into a new table
        pr = tc.tcPr
        if pr is not None and pr.vMerge is not None:
            pr.remove(pr.vMerge)
    brk = doc.add_paragraph()
    brk.add_run().add_break(WD_BREAK.PAGE)
    tbl.addnext(brk._p)
    brk._p.addnext(rest)
    doc.save(str(docx))


# section 四 with figures in every group (the seeds' are all 0): consistent, each cell distinct
# enough that a shift by one or more cells cannot pass
REVIEW_VALUES = [3, 1, 0, 2, 6, 1, 0, 4, 0, 5, 0, 2, 1, 0, 3]


def with_review(truth: dict) -> dict:
    t = copy.deepcopy(truth)
    for (g, c), v in zip(REVIEW, REVIEW_VALUES):
        t["review_litigation"][g][c] = v
    return t


PDF_CASES = {  # name -> (seed, build_docx kwargs, review row that starts a new page or None, rules)
    "pdf_long_seed_001": ("seed_001", {"narrow": True, "repeat_narrative": 3}, None, True),
    "pdf_long_seed_004": ("seed_004", {"narrow": True, "repeat_narrative": 2, "font_pt": 11}, None, True),
    "pdf_review_split_hdr": ("seed_002", {"repeat_narrative": 2}, 1, True),
    "pdf_review_split_data": ("seed_004", {}, 3, True),
    "pdf_borderless_review_split": ("seed_002", {"repeat_narrative": 2}, 2, False),
    "pdf_borderless_long": ("seed_001", {"narrow": True, "repeat_narrative": 3}, None, False),
}
SCAN_CASES = {  # name -> (seed, dpi, rules): the compact layout, its last page rasterised
    "scan_150_ruled": ("seed_002", 150, True),
    "scan_300_ruled": ("seed_004", 300, True),
    "scan_200_rule_less": ("seed_001", 200, False),
}


def _docx(mf, path: Path, rid: str, kwargs: dict, rules: bool) -> dict:
    truth, src = seed(rid)
    truth = with_review(truth)
    title, s1, tail = mf.narrative(src)
    mf.BORDERS["on"] = rules
    try:
        mf.build_docx(path, title, s1, tail, truth, **kwargs)
    finally:
        mf.BORDERS["on"] = True
    return truth


def _last_page_scan(pdf: Path, out: Path, dpi: int) -> None:
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="ogi-trust-scan-") as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{tmp}/p"], check=True, timeout=120)
        pngs = sorted(Path(tmp).glob("p-*.png"))
        Image.open(pngs[-1]).convert("L").save(out, "PDF", resolution=dpi)


def build(out: Path, *, scans: bool = True) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    for name, (rid, drops) in MD_CASES.items():
        truth, src = seed(rid)
        truth = with_review(truth)
        p = out / f"{name}.md"
        p.write_text(markdown(truth, src, drops), "utf-8")
        t = copy.deepcopy(truth)
        t["dropped"] = sorted(dropped_cells(drops))
        (out / f"{name}.truth.json").write_text(json.dumps(t, ensure_ascii=False), "utf-8")
        made[name] = p
    mf = make_fixtures()
    if not (mf.soffice() and shutil.which("pdftoppm")):
        return made
    docs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ogi-trust-") as tmp:
        tmpd = Path(tmp)
        for name, (rid, kwargs, brk, rules) in PDF_CASES.items():
            d = tmpd / f"{name}.docx"
            truth = _docx(mf, d, rid, kwargs, rules)
            if brk is not None:
                _split_table_to_next_page(d, 2, brk)
            (out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
            docs.append(d)
        if scans:
            for name, (rid, _dpi, rules) in SCAN_CASES.items():
                d = tmpd / f"{name}.docx"
                truth = _docx(mf, d, rid, {"font_pt": 7.5}, rules)
                (out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
                docs.append(d)
        mf.convert(docs, "pdf:writer_pdf_Export", tmpd)
        for name in PDF_CASES:
            shutil.copy(tmpd / f"{name}.pdf", out / f"{name}.pdf")
            made[name] = out / f"{name}.pdf"
        if scans:
            for name, (_rid, dpi, _rules) in SCAN_CASES.items():
                _last_page_scan(tmpd / f"{name}.pdf", out / f"{name}.pdf", dpi)
                made[name] = out / f"{name}.pdf"
    return made


def truth_of(path: Path) -> dict:
    return json.loads(path.with_name(re.sub(r"\.[a-z]+$", "", path.name) + ".truth.json").read_text("utf-8"))
