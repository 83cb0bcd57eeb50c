"""Generated DOCX/DOC/PDF/XLS(X)/scan fixtures, rebuilt when the generator or the seeds change.

The renderings are made by the project's own generator from the seed reports the project ships
(`ogi/demo/data/reports/seed_*`), so they need nothing from ../shared; the real PDFs of
../shared/corpus are read by the corpus tests only (`corpus_dir`, skipped without it)."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
GENERATED = FIXTURES / "generated"
CORPUS = REPO.parent / "shared" / "corpus"
SEED_SOURCES = REPO / "ogi" / "demo" / "data" / "reports"  # seed_*/source.txt + truth.json


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stamp(gen) -> str:
    h = hashlib.sha256((FIXTURES / "make_fixtures.py").read_bytes())
    for rid in gen.TEXT_REPORTS:
        for name in ("truth.json", "source.txt"):
            p = SEED_SOURCES / rid / name
            if p.exists():
                h.update(p.read_bytes())
    h.update(b"soffice" if gen.soffice() else b"-")
    return h.hexdigest()


@pytest.fixture(scope="session")
def generated() -> Path:
    gen = _load_generator()
    stamp_file = GENERATED / ".stamp"
    stamp = _stamp(gen)
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        for p in GENERATED.glob("*"):
            if p.name != ".gitignore":
                p.unlink() if p.is_file() else shutil.rmtree(p)
        gen.generate(GENERATED, SEED_SOURCES)
        stamp_file.write_text(stamp)
    return GENERATED


def fixture_names(generated: Path, ext: str) -> list[Path]:
    """Fixtures with ruled tables (the scan and the rule-less variants have their own tests)."""
    return sorted(p for p in generated.glob(f"*.{ext}") if "_scan" not in p.stem and not p.stem.startswith("borderless"))


BORDERLESS = ("borderless", "borderless_centred")


def truth_for(path: Path) -> dict:
    stem = path.stem.replace("_scan", "")
    return json.loads((path.parent / f"{stem}.truth.json").read_text("utf-8"))


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path.name} not generated (LibreOffice/pdftoppm missing?)")
    return path
