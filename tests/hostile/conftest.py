"""Fixtures of the hostile-input suite: the seed report rendered once per session (HTML,
DOCX and — when LibreOffice is installed — PDF); every hostile file is made from them in
tmp_path by tests/hostile/generate.py."""
from __future__ import annotations

import pytest

from . import generate


@pytest.fixture(scope="session")
def truth() -> dict:
    return generate.truth()


@pytest.fixture(scope="session")
def report_docx() -> bytes:
    return generate.report_docx()


@pytest.fixture(scope="session")
def report_pdf(tmp_path_factory) -> bytes:
    if not generate.soffice():
        pytest.skip("LibreOffice (soffice) is not installed: the PDF rendering of the seed report needs it")
    data = generate.report_pdf()
    (tmp_path_factory.mktemp("hostile") / "report.pdf").write_bytes(data)
    return data
