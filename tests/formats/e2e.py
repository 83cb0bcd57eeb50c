"""End-to-end comparison: `parsers.parse_bytes` output against a truth.json, cell by cell."""
from __future__ import annotations


def _same(a, b) -> bool:
    if a == b:
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return False


def cell_errors(report, truth: dict) -> list[str]:
    d = report.to_dict()
    errs = []
    for part in ("active_disclosure", "applications", "review_litigation"):
        for row, cols in truth[part].items():
            for col, want in cols.items():
                got = d[part].get(row, {}).get(col, "<missing>")
                if not _same(got, want):
                    errs.append(f"{part}.{row}.{col}: got {got!r}, want {want!r}")
    return errs
