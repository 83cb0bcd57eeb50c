"""Parse speed: milliseconds per report for text and HTML input (in-process parse_bytes).

    .venv/bin/python bench/bench_parse.py [--repeat N]

Inputs: the text/markdown reports of ../shared/corpus (when present) and the HTML fixtures of
tests/fixtures/html. Writes bench/results/parse.md and its own section of BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsers import PARSER_VERSION, parse_bytes  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def inputs() -> dict[str, list[Path]]:
    text = sorted(list(CORPUS.glob("*/source.txt")) + list(CORPUS.glob("*/source.md"))) if CORPUS.is_dir() else []
    html = sorted((ROOT / "tests" / "fixtures" / "html").glob("*.html"))
    return {"text": text, "html": html}


def measure(paths: list[Path], repeat: int) -> list[float]:
    per_doc = []
    for p in paths:
        data = p.read_bytes()
        parse_bytes(data, filename=p.name)  # warm caches
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            rep = parse_bytes(data, filename=p.name)
            times.append((time.perf_counter() - t0) * 1000)
            assert rep.error is None, (p, rep.error)
        per_doc.append(statistics.median(times))
    return per_doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    lines = [f"# Parse benchmark (parsers {PARSER_VERSION})", "",
             f"Python {platform.python_version()} on {platform.machine()}; median of {args.repeat} runs per "
             "document, in-process `parse_bytes` (no child process).", "",
             "| input | documents | mean ms/report | median ms/report | max ms/report | mean KB |",
             "|---|---|---|---|---|---|"]
    for kind, paths in inputs().items():
        if not paths:
            lines.append(f"| {kind} | 0 | – | – | – | – |")
            continue
        ms = measure(paths, args.repeat)
        kb = statistics.mean(p.stat().st_size for p in paths) / 1024
        lines.append(f"| {kind} | {len(paths)} | {statistics.mean(ms):.1f} | {statistics.median(ms):.1f} | "
                     f"{max(ms):.1f} | {kb:.0f} |")
    out = ROOT / "bench" / "results" / "parse.md"
    out.write_text("\n".join(lines) + "\n", "utf-8")
    update_benchmarks_md(lines[2:])
    print("\n".join(lines))


HEADING = "## Parse: text and HTML reports (bench/bench_parse.py)"


def update_benchmarks_md(body: list[str]) -> None:
    """Replace (or add) this benchmark's own section of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    section = HEADING + "\n\n" + "\n".join(body).strip() + "\n"
    if HEADING in text:
        start = text.index(HEADING)
        nxt = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + (text[nxt:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
