"""`ogi parse FILE... [--json] [--no-ocr]`: parse report files into the canonical tables.

With --json: JSON Lines, one object per file (ParsedReport.to_dict(): source, source_format,
template, year, agency, title, active_disclosure, applications, review_litigation, checks,
warnings, error …). A file that cannot be read or parsed still gives an object, with `error`
set; the exit status is 0 unless the tool itself failed. Without --json: a readable summary
per file with its checks.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from parsers import PARSER_VERSION, ParsedReport


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "parse",
        help="parse report files (HTML, text, PDF, DOC/DOCX …) into the State Council tables",
        description="Parse 政府信息公开工作年度报告 files into the canonical tables of the State Council "
                    "templates (2019/2021): section 二 主动公开, section 三 依申请 (7 applicant columns), "
                    "section 四 复议/诉讼 (15 cells), with metadata and consistency checks. Each document "
                    "is parsed in an isolated child process with time and memory limits.",
        epilog="examples:\n  ogi parse report.html\n  ogi parse *.pdf --json > parsed.jsonl\n"
               "exit status: 0 even when some files fail (their objects carry `error`); 2 on usage errors.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="report files to parse")
    p.add_argument("--json", action="store_true", help="print one JSON object per file (JSON Lines)")
    p.add_argument("--no-ocr", action="store_true", help="do not OCR image-only pages (faster)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="time limit per document (default: the isolated parser's default)")
    p.set_defaults(func=run)


def _parse_one(path: Path, *, ocr: bool, timeout: float | None) -> ParsedReport:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ParsedReport.failure(str(path), "unknown", PARSER_VERSION, f"cannot read file: {exc}")
    try:
        from parsers.safe import parse_isolated
    except ImportError:
        from parsers import parse_bytes
        return parse_bytes(data, filename=path.name, source=str(path), ocr=ocr)
    kwargs: dict[str, Any] = {"filename": path.name, "source": str(path), "ocr": ocr}
    if timeout is not None:
        kwargs["timeout_s"] = timeout
    return parse_isolated(data, **kwargs)


def _summary(rep: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    status_style = {"ok": "green", "partial": "yellow", "needs_ocr": "yellow", "failed": "red"}.get(rep["status"], "")
    console.rule(f"[bold]{rep['source']}")
    console.print(f"status [{status_style}]{rep['status']}[/]  format {rep['source_format']}  "
                  f"template {rep['template']}  year {rep['year']}")
    console.print(f"title  {rep['title']}\nagency {rep['agency']}")
    if rep.get("error"):
        console.print(f"[red]error[/] {rep['error']}")
    n_act = sum(len(v) for v in rep["active_disclosure"].values())
    n_app = sum(len(v) for v in rep["applications"].values())
    n_rev = sum(len(v) for v in rep["review_litigation"].values())
    console.print(f"cells: 主动公开 {n_act} · 依申请 {n_app} ({len(rep['applications'])} rows) · 复议诉讼 {n_rev}")
    if rep["applications"]:
        t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        t.add_column("applications row")
        cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                "legal_service_org", "other_org", "total"]
        for c in ["自然人", "商业企业", "科研机构", "社会公益", "法律服务", "其他", "总计"]:
            t.add_column(c, justify="right")
        for row, cells in rep["applications"].items():
            t.add_row(row, *("" if cells.get(c) is None else str(cells.get(c)) for c in cols))
        console.print(t)
    if rep["review_litigation"]:
        console.print("review/litigation: " + "; ".join(
            f"{g}: " + " ".join("·" if v is None else str(v) for v in cells.values())
            for g, cells in rep["review_litigation"].items()))
    failed = [c for c in rep["checks"] if not c["passed"]]
    console.print(f"checks: {len(rep['checks']) - len(failed)} passed, "
                  f"[{'red' if failed else 'green'}]{len(failed)} failed[/]")
    for c in failed:
        console.print(f"  [red]✗[/] {c['rule']} ({c['scope']}): {c['detail']}")
    for w in rep["warnings"]:
        console.print(f"  [yellow]![/] {w}")


def run(args: argparse.Namespace) -> int:
    ocr = not args.no_ocr
    for name in args.files:
        path = Path(name)
        try:
            rep = _parse_one(path, ocr=ocr, timeout=args.timeout)
        except Exception as exc:  # one bad file never stops the run
            rep = ParsedReport.failure(str(path), "unknown", PARSER_VERSION, f"{type(exc).__name__}: {exc}")
        d = rep.to_dict()
        if args.json:
            sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            _summary(d)
    return 0
