"""PDF table extraction speed, ms per page, side by side (medians of warm passes):

- ogi (pypdfium2, the default back end): `parsers.formats.pdf.read` (chars + rules -> grids ->
  blocks) fed by pypdfium2 characters and paths;
- ogi (pdfminer.six, the reference back end): the same layout code fed by pdfminer.six;
- floor: pdfminer.six page parsing only (PDFPageAggregator, laparams=None), no table code;
- limit: pypdfium2 raw text extraction (get_textpage().get_text_range());
- peer: pdfplumber `page.extract_tables()`.

    .venv/bin/python bench/bench_pdf.py [--passes N] [PDF ...]

Defaults to the corpus PDFs (../shared/corpus/*/source.pdf) and the generated fixtures
(tests/fixtures/generated/*.pdf, text PDFs only, the rule-less ones included). Every pass
times each tool once (round robin) and records both the process CPU time (`time.process_time`:
everything here is single-threaded, and CPU time is what other jobs on a shared machine
disturb least) and the wall time. Writes bench/results/pdf.md and the "PDF tables" section
of BENCHMARKS.md, with the load average before and after.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import publish  # noqa: E402


def default_pdfs() -> list[Path]:
    out = sorted((REPO.parent / "shared" / "corpus").glob("*/source.pdf"))
    out += sorted(p for p in (REPO / "tests" / "fixtures" / "generated").glob("*.pdf") if "scan" not in p.name)
    return out


def ogi_pdfminer(data: bytes) -> None:
    from parsers.formats import pdf
    pdf.read(data, ocr=False, backend="pdfminer")


def ogi_pdfium(data: bytes) -> None:
    from parsers.formats import pdf
    pdf.read(data, ocr=False, backend="pdfium")


def pdfminer_floor(data: bytes) -> None:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    rsrc = PDFResourceManager(caching=True)
    dev = PDFPageAggregator(rsrc, laparams=None)
    interp = PDFPageInterpreter(rsrc, dev)
    for page in PDFPage.get_pages(io.BytesIO(data)):
        interp.process_page(page)
        dev.get_result()


def pdfium_text(data: bytes) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    for page in pdf:
        tp = page.get_textpage()
        tp.get_text_range()
        tp.close()
        page.close()
    pdf.close()


def pdfplumber_tables(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()


TOOLS = [
    ("ogi grids, pypdfium2 (default)", ogi_pdfium),
    ("ogi grids, pdfminer.six (reference)", ogi_pdfminer),
    ("floor: pdfminer.six parse only", pdfminer_floor),
    ("limit: pypdfium2 raw text", pdfium_text),
    ("peer: pdfplumber extract_tables", pdfplumber_tables),
]


def page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    return len(pdfium.PdfDocument(data))


def run(paths: list[Path], passes: int):
    """Round-robin: each pass times every tool once, so load changes on a shared machine hit
    all tools alike."""
    docs = [(p, p.read_bytes()) for p in paths]
    pages = sum(page_count(d) for _, d in docs)
    for _name, fn in TOOLS:  # warm-up (imports, caches)
        for _, d in docs:
            fn(d)
    cpu: dict[str, list[float]] = {name: [] for name, _ in TOOLS}
    wall: dict[str, list[float]] = {name: [] for name, _ in TOOLS}
    for _ in range(passes):
        for name, fn in TOOLS:
            c0, t0 = time.process_time(), time.perf_counter()
            for _, d in docs:
                fn(d)
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    results = []
    for name, _ in TOOLS:
        c_med, c_best = statistics.median(cpu[name]) * 1000 / pages, min(cpu[name]) * 1000 / pages
        w_med = statistics.median(wall[name]) * 1000 / pages
        results.append((name, c_med, c_best, w_med))
        print(f"{name:40s} cpu {c_med:8.2f} ms/page (best {c_best:.2f}), wall {w_med:.2f}", flush=True)
    return results, pages


def write(results, pages: int, files: int, passes: int, load: tuple[str, str]) -> str:
    import os
    import platform

    cpu = {n: v for n, v, _, _ in results}
    wall = {n: v for n, _, _, v in results}
    floor, limit = "floor: pdfminer.six parse only", "limit: pypdfium2 raw text"
    lines = [
        "## PDF tables (bench/bench_pdf.py)",
        "",
        f"{files} text PDFs, {pages} pages (corpus PDFs + generated fixtures, rule-less ones included); "
        f"median of {passes} warm round-robin passes; {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        f"Load average (1/5/15 min) before: {load[0]}; after: {load[1]}. The machine is shared: CPU time "
        "(process_time) is the figure to compare; wall time is given for reference.",
        "",
        "| tool | CPU ms/page (median) | CPU ms/page (best) | wall ms/page (median) | × pdfminer floor (CPU) "
        "| × pypdfium2 text (CPU) | × pypdfium2 text (wall) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, c_med, c_best, w_med in results:
        lines.append(f"| {name} | {c_med:.2f} | {c_best:.2f} | {w_med:.2f} | {c_med / cpu[floor]:.2f} "
                     f"| {c_med / cpu[limit]:.2f} | {w_med / wall[limit]:.2f} |")
    lines += [
        "",
        "- The pypdfium2 path is the default back end (`OGI_PDF_BACKEND=pdfminer` picks the reference); "
        "tests/formats/test_pdf_generated.py::test_pdfium_fast_path_is_cell_identical proves both give "
        "the same blocks (every cell, every paragraph) on every corpus PDF and generated fixture, the "
        "rule-less ones included.",
        "- Fast path = pdfium page load and text page (the same as the raw-text limit) + per-character "
        "loose boxes and Unicode-map checks through plain-address ctypes prototypes + ruling paths + the "
        "shared layout code (grids, lines, rule-less tables, stitching).",
        "",
    ]
    text = "\n".join(lines) + "\n"
    publish("pdf", text)
    return text


def _load() -> str:
    import os

    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--passes", type=int, default=5)
    args = ap.parse_args()
    paths = args.pdfs or default_pdfs()
    before = _load()
    results, pages = run(paths, args.passes)
    print(write(results, pages, len(paths), args.passes, (before, _load())))


if __name__ == "__main__":
    main()
