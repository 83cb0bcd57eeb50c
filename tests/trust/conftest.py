"""Hard renderings of the seeds (tests/trust/renderings.py), built once and cached in
tests/fixtures/trust_generated until the generator or a seed changes; each parsed once per
session."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from . import renderings

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "trust_generated"


def _stamp() -> str:
    h = hashlib.sha256()
    for p in renderings.generator_files():
        h.update(p.name.encode() + p.read_bytes())
    h.update(b"soffice" if renderings.make_fixtures().soffice() and shutil.which("pdftoppm") else b"-")
    return h.hexdigest()


@pytest.fixture(scope="session")
def rendered() -> dict[str, Path]:
    stamp_file = OUT / ".stamp"
    stamp = _stamp()
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        for p in OUT.glob("*"):
            if p.name != ".gitignore":
                p.unlink()
        renderings.build(OUT)
        stamp_file.write_text(stamp)
    return {p.name.rsplit(".", 1)[0]: p for p in OUT.glob("*.*")
            if not p.name.endswith(".json") and p.name != ".gitignore" and p.name != ".stamp"}


@pytest.fixture(scope="session")
def parsed(rendered):
    """name -> ParsedReport.to_dict(), parsed at most once per session (OCR is slow)."""
    from parsers import parse_bytes

    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in rendered:
            pytest.skip(f"{name} not rendered (LibreOffice/pdftoppm missing?)")
        if name not in cache:
            p = rendered[name]
            cache[name] = parse_bytes(p.read_bytes(), filename=p.name, ocr=name.startswith("scan_")).to_dict()
        return cache[name]

    return get
