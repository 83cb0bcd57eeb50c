"""Render the demo's document attachments from the seed reports (run by hand; outputs committed).

    .venv/bin/python scripts/render_demo_sources.py            # writes ogi/demo/data/reports/<seed>_<kind>/

The demo portals publish reports as HTML pages and as PDF / DOCX / DOC attachments. Every one of
them is made here, by the project's own generator (tests/fixtures/make_fixtures.py: python-docx
with the official table layout and real merged cells, then LibreOffice headless), from a seed the
project ships (ogi/demo/data/reports/seed_*: the five original example reports). Nothing is
copied from the shared research corpus. Each rendering gets its own folder with the seed's truth.json (the
tables are built from it, so it is the truth of the rendering too) and a meta.json naming its origin.

Needs LibreOffice (`soffice`), as scripts/setup.sh installs it.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fixtures import make_fixtures as mf  # noqa: E402  (the project's renderer)

REPORTS = ROOT / "ogi" / "demo" / "data" / "reports"

# demo source id -> (seed, file kind, (agency, year) the attachment is published as, build_docx options).
# The demo page that links an attachment names an agency and a year; the rendering moves the seed's
# narrative to them (ogi.demo.reports.shift_years / rename_agency, as the HTML pages do), so a page
# never contradicts its attachment. The tables (the truth) are never changed.
RENDERINGS: dict[str, tuple[str, str, tuple[str, int], dict]] = {
    "seed_001_pdf": ("seed_001", "pdf", ("淮安市洪泽区人民政府", 2024), {}),
    "seed_004_pdf": ("seed_004", "pdf", ("淮安市人民政府", 2024), {}),
    # a long report: narrative repeated, narrow label columns, tables crossing page breaks
    "seed_000_long_pdf": ("seed_000", "pdf", ("淮安市洪泽区人民政府", 2023), {"narrow": True, "repeat_narrative": 4}),
    "seed_002_docx": ("seed_002", "docx", ("示范县人民政府", 2023), {}),
    "seed_003_doc": ("seed_003", "doc", ("示范县人民政府", 2022), {}),
}


def render(source_id: str, seed: str, kind: str, published_as: tuple[str, int], options: dict, work: Path) -> Path:
    from ogi.demo.reports import load_source, rename_agency, shift_years

    folder = REPORTS / seed
    src = load_source(seed)
    agency, year = published_as
    text = rename_agency(shift_years(src.text or "", src.year, year), src.names, agency)
    truth = json.loads((folder / "truth.json").read_text("utf-8"))
    title, s1, tail = mf.narrative(text)
    docx = work / f"{source_id}.docx"
    mf.build_docx(docx, title, s1, tail, truth, **options)
    if kind == "docx":
        return docx
    mf.convert([docx], "pdf:writer_pdf_Export" if kind == "pdf" else "doc:MS Word 97", work)
    out = work / f"{source_id}.{kind}"
    if not out.exists():
        raise SystemExit(f"LibreOffice did not produce {out.name} (is soffice installed?)")
    return out


def main() -> int:
    if not mf.soffice():
        print("render_demo_sources: LibreOffice (soffice) is required", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ogi-render-") as tmp:
        for source_id, (seed, kind, (agency, year), options) in RENDERINGS.items():
            made = render(source_id, seed, kind, (agency, year), options, Path(tmp))
            dest = REPORTS / source_id
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            shutil.copy(made, dest / f"source.{kind}")
            shutil.copy(REPORTS / seed / "truth.json", dest / "truth.json")
            meta = json.loads((REPORTS / seed / "meta.json").read_text("utf-8"))
            meta.update({
                "origin": f"rendered from {seed} by scripts/render_demo_sources.py "
                          f"(python-docx, official table layout{', ' + ', '.join(f'{k}={v}' for k, v in options.items()) if options else ''}"
                          f"{'' if kind == 'docx' else '; LibreOffice → ' + kind})",
                "format": kind,
                "seed": seed,
                "agency": agency,
                "year": year,
                "names": {},  # already published as `agency`: nothing to rename on a demo page
            })
            meta.pop("notes", None)  # the seed's notes describe its text dump, not this rendering
            meta.pop("region", None)  # the seed's place; the rendering is published as `agency`
            (dest / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
            print(f"{source_id}: {dest / f'source.{kind}'} ({(dest / f'source.{kind}').stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
