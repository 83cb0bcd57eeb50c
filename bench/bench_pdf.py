"""PDF table extraction speed, ms per page, side by side (medians of warm passes):

- ogi (pdfminer.six): our reader, `parsers.formats.pdf.read` (chars + rules -> grids -> blocks);
- ogi (pypdfium2 fast path): the same layout code fed by pypdfium2 characters and paths;
- floor: pdfminer.six page parsing only (PDFPageAggregator, laparams=None), no table code;
- limit: pypdfium2 raw text extraction (get_textpage().get_text_range());
- peer: pdfplumber `page.extract_tables()`.

    .venv/bin/python bench/bench_pdf.py [--passes N] [PDF ...]

Defaults to the corpus PDFs (../shared/corpus/*/source.pdf) and the generated fixtures
(tests/fixtures/generated/*.pdf, text PDFs only). Writes bench/results/pdf.md and the
"PDF tables" section of BENCHMARKS.md.
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
    ("ogi grids, pdfminer.six", ogi_pdfminer),
    ("ogi grids, pypdfium2 fast path", ogi_pdfium),
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
    times: dict[str, list[float]] = {name: [] for name, _ in TOOLS}
    for _ in range(passes):
        for name, fn in TOOLS:
            t0 = time.perf_counter()
            for _, d in docs:
                fn(d)
            times[name].append(time.perf_counter() - t0)
    results = []
    for name, _ in TOOLS:
        med, best = statistics.median(times[name]), min(times[name])
        results.append((name, med * 1000 / pages, best * 1000 / pages))
        print(f"{name:40s} {med * 1000 / pages:8.1f} ms/page (best {best * 1000 / pages:.1f})", flush=True)
    return results, pages


def write(results, pages: int, files: int, passes: int) -> str:
    import os
    import platform

    base = {n: v for n, v, _ in results}
    floor = base["floor: pdfminer.six parse only"]
    limit = base["limit: pypdfium2 raw text"]
    lines = [
        "## PDF tables (bench/bench_pdf.py)",
        "",
        f"{files} text PDFs, {pages} pages (corpus PDFs + generated fixtures); median of {passes} warm passes; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; the machine is shared, so treat "
        "figures as ±20%.",
        "",
        "| tool | ms/page (median) | ms/page (best) | × pdfminer floor | × pypdfium2 text |",
        "|---|---|---|---|---|",
    ]
    for name, med, best in results:
        lines.append(f"| {name} | {med:.1f} | {best:.1f} | {med / floor:.2f} | {med / limit:.1f} |")
    lines.append("")
    text = "\n".join(lines) + "\n"
    out = REPO / "bench" / "results" / "pdf.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    bm = REPO / "BENCHMARKS.md"
    old = bm.read_text("utf-8") if bm.exists() else "# Benchmarks\n\n"
    start = old.find("## PDF tables (bench/bench_pdf.py)")
    if start >= 0:
        end = old.find("\n## ", start + 5)
        old = old[:start] + (old[end + 1:] if end >= 0 else "")
    bm.write_text(old.rstrip("\n") + "\n\n" + text, "utf-8")
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--passes", type=int, default=5)
    args = ap.parse_args()
    paths = args.pdfs or default_pdfs()
    results, pages = run(paths, args.passes)
    print(write(results, pages, len(paths), args.passes))


if __name__ == "__main__":
    main()
