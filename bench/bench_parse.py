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

from results_file import publish  # noqa: E402

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
    publish("parse", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
