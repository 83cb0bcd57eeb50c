"""HTML reader speed: milliseconds per report page for `parsers.formats.html.read` and for the
whole `parse_bytes`, on the Word-pasted report pages the crawl benchmark serves (~108 KB,
~1,000 tags each). Prints its figures (with the load average); writes no results file.

    .venv/bin/python bench/bench_html_read.py [--rounds N] [--against OLD_HTML_PY]

`--against` times another version of the reader module in the same rounds, interleaved (e.g.
`git show HEAD~1:parsers/formats/html.py > /tmp/html_before.py`), and checks that both read
every page into the same Document.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_crawl import synthetic_builder  # noqa: E402

import parsers.formats.html as reader  # noqa: E402
from parsers import parse_bytes  # noqa: E402


def report_pages(n: int) -> list[bytes]:
    site = synthetic_builder(0, 1, n)({"www": "http://127.0.0.1:1"})
    return [page.body for (_, (path, _q)), page in site.pages.items() if "/t2023" in path]


def load_module(path: str):
    """Another version of the reader, imported inside parsers.formats (its relative imports work)."""
    spec = importlib.util.spec_from_file_location("parsers.formats._html_against", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ms_per_page(read, pages: list[bytes], whole: bool) -> float:
    t0 = time.perf_counter()
    for body in pages:
        if whole:
            original = reader.read
            reader.read = read  # parse_bytes looks the reader up at call time
            try:
                parse_bytes(body, "report.html", "text/html; charset=utf-8")
            finally:
                reader.read = original
        else:
            read(body, content_type="text/html; charset=utf-8")
    return (time.perf_counter() - t0) / len(pages) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--pages", type=int, default=5)
    ap.add_argument("--against", help="another parsers/formats/html.py to time in the same rounds")
    args = ap.parse_args()
    pages = report_pages(args.pages)
    versions = {"current": reader.read}
    if args.against:
        versions["against"] = load_module(args.against).read
        for body in pages:
            a, b = (versions[k](body, content_type="text/html; charset=utf-8") for k in ("current", "against"))
            same = (a.blocks, a.title_hint, a.meta) == (b.blocks, b.title_hint, b.meta)
            print("same Document" if same else "DIFFERENT Document", len(body), "bytes")
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {f"{k} {w}": [] for k in versions for w in ("read", "parse_bytes")}
    for read in versions.values():  # warm up
        ms_per_page(read, pages, False)
    for _ in range(args.rounds):
        for name, read in versions.items():
            times[f"{name} read"].append(ms_per_page(read, pages, False))
            times[f"{name} parse_bytes"].append(ms_per_page(read, pages, True))
    print(f"{len(pages)} report pages, mean {sum(map(len, pages)) / len(pages) / 1024:.0f} KB; {args.rounds} rounds;"
          f" load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    for name, values in times.items():
        print(f"{name:24s} median {statistics.median(values):6.2f} ms/report   min {min(values):6.2f}")


if __name__ == "__main__":
    main()
