"""One place that writes benchmark results: `bench/results/<name>.md`, then BENCHMARKS.md rebuilt
from every results file (in pipeline order), so no benchmark edits another's section."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
ORDER = ["crawl", "crawl_national", "crawl_national_fast", "crawler_pages", "download_hosts", "parse", "pdf", "hostile", "warehouse", "lake", "demo",
         "pipeline", "workers"]  # registry -> crawl -> parse -> load -> end to end

HEADER = """# Benchmarks

Measured on this project's machines (x86_64, 2 cores, 24 GiB), usually shared with other jobs: each
section states the load average it ran under. Re-run one with `.venv/bin/python bench/bench_<name>.py`
or all with `make bench`; each run rewrites `bench/results/<name>.md` and this file.
"""


def _section(text: str) -> str:
    """A results file as a level-2 section of BENCHMARKS.md (its first heading demoted/promoted to ##)."""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("#"):
        lines[0] = "## " + lines[0].lstrip("#").strip()
        rest = ["#" + ln if ln.startswith("## ") else ln for ln in lines[1:]]
        lines = [lines[0], *rest]
    return "\n".join(lines)


def rebuild_benchmarks_md() -> Path:
    names = sorted(p.stem for p in RESULTS.glob("*.md"))
    names = [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]
    body = "\n\n".join(_section((RESULTS / f"{n}.md").read_text("utf-8")) for n in names)
    out = ROOT / "BENCHMARKS.md"
    out.write_text(HEADER + "\n" + body + "\n", "utf-8")
    return out


def publish(name: str, markdown: str) -> Path:
    """Write this benchmark's results and rebuild BENCHMARKS.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(markdown.rstrip() + "\n", "utf-8")
    rebuild_benchmarks_md()
    return path


if __name__ == "__main__":
    print(rebuild_benchmarks_md())
