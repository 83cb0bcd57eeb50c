"""Synthetic `ParsedReport.to_dict()` payloads built from the spec keys (tests and benchmarks).

Numbers are random but consistent (applicant totals add up, the balance rule holds), some
cells are blank (None), and section texts are Chinese sentences with a few marker words so
full-text search has something to find.
"""
from __future__ import annotations

import random
from typing import Any

from parsers import spec

_PHRASES = [
    "本机关认真贯彻落实政府信息公开条例", "持续深化重点领域信息公开", "依申请公开办理规范高效",
    "政府网站和政务新媒体建设", "行政复议和行政诉讼案件办理", "信息公开工作人员培训",
    "存在的主要问题是公开内容不够全面", "下一步将加强政策解读", "主动回应社会关切",
    "优化营商环境信息公开", "财政预决算公开", "乡村振兴信息发布",
]


def make_report(rng: random.Random | int = 0, *, template: str = "2021", year: int | None = None,
                agency: str | None = None, status: str = "ok", parser_version: str = "0.1.0",
                blank_rate: float = 0.02, section_words: int = 6, extra_text: str = "",
                provenance: bool = False) -> dict[str, Any]:
    """provenance=True adds per-cell provenance (grid, or ocr on page 3 for section 四) and
    null_reasons for a few blank cells, as the parsers record them."""
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    year = year or (rng.choice([2019, 2020]) if template == "2019" else rng.choice([2021, 2022, 2023, 2024]))
    agency = agency or f"某某县人民政府{rng.randrange(1000)}"
    if status in ("failed", "needs_ocr"):
        return {"source": f"{agency}.pdf", "source_format": "pdf", "parser_version": parser_version,
                "status": status, "template": None, "templates": {}, "year": year, "agency": agency,
                "title": f"{agency}{year}年政府信息公开工作年度报告", "active_disclosure": {}, "applications": {},
                "review_litigation": {}, "sections": {}, "checks": [], "warnings": [],
                "error": "PDFSyntaxError: no objects found" if status == "failed" else "image-only pages"}

    def cell(v: Any) -> Any:
        return None if rng.random() < blank_rate else v

    t = spec.template(template)
    active = {}
    for tb in t.active_tables:
        for r in tb.rows:
            active[r.key] = {c.key: cell(round(rng.uniform(0, 500), 2) if c.key == "amount_10k_yuan"
                                         else rng.randrange(0, 300)) for c in tb.columns}
    cols = [c.key for c in spec.applicant_columns()]
    parts = [c for c in cols if c != "total"]
    row_keys = [r.key for r in t.application_rows]
    apps: dict[str, dict[str, Any]] = {}
    for rk in row_keys:
        vals = {c: rng.randrange(0, 20) if c == "natural_person" else rng.randrange(0, 3) for c in parts}
        vals["total"] = sum(vals.values())
        apps[rk] = {c: cell(v) for c, v in vals.items()}
    review = {}
    for g in spec.review_groups():
        vals = {c.key: rng.randrange(0, 5) for c in spec.review_columns() if c.key != "total"}
        vals["total"] = sum(vals.values())
        review[g.key] = {k: cell(v) for k, v in vals.items()}
    sections = {s.key: "".join(rng.choice(_PHRASES) + "，" for _ in range(section_words)) + extra_text
                for s in spec.sections()}
    checks = [
        {"rule": "row_total", "passed": True, "scope": "new_received", "detail": "", "values": {}},
        {"rule": "review_total", "passed": rng.random() > 0.2, "scope": "review",
         "detail": "总计与分项之和不一致", "values": {"sum_of_parts": 3, "stated_total": 4}},
        {"rule": "applications_balance", "passed": rng.random() > 0.1, "scope": "natural_person",
         "detail": "", "values": {}},
    ]
    extra: dict[str, Any] = {}
    if provenance:
        prov: dict[str, Any] = {}
        side = random.Random(f"{agency}|{year}")  # leaves the main draws (and old outputs) alone
        reasons: dict[str, Any] = {}
        for name, table in (("active_disclosure", active), ("applications", apps), ("review_litigation", review)):
            for rk, cols in table.items():
                for ck, v in cols.items():
                    if v is None and side.random() < 0.5:
                        reasons.setdefault(name, {}).setdefault(rk, {})[ck] = "several splits fit the totals"
                    else:
                        prov.setdefault(name, {}).setdefault(rk, {})[ck] = (
                            {"method": "ocr", "page": 3} if name == "review_litigation"
                            else {"method": "grid", "page": 1 if name == "active_disclosure" else 2})
        extra = {"provenance": prov, "null_reasons": reasons}
    return {**extra, "source": f"{agency}.html", "source_format": rng.choice(["html", "pdf", "docx"]),
            "parser_version": parser_version, "status": status, "template": template,
            "templates": {"active_disclosure": template, "applications": template}, "year": year,
            "agency": agency, "title": f"{agency}{year}年政府信息公开工作年度报告",
            "active_disclosure": active, "applications": apps, "review_litigation": review,
            "sections": sections, "checks": checks, "warnings": [], "error": None}


def cell_count(report: dict[str, Any]) -> int:
    """Number of cells (blank or not) in the three tables of a report."""
    return sum(len(cols) for t in ("active_disclosure", "applications", "review_litigation")
               for cols in report.get(t, {}).values())


__all__ = ["make_report", "cell_count"]
