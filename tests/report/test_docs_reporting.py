"""docs/reporting.md runs as written: its ``>>>`` examples are doctests (run from the repository root)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_reporting_guide_examples(monkeypatch):
    if not (ROOT / "questionnaires" / "sdg16.yaml").is_file():
        pytest.skip("the shipped questionnaires are not there")
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(
        str(ROOT / "docs" / "reporting.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.attempted >= 25
    assert result.failed == 0
