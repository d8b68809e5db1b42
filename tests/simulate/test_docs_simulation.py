"""docs/simulation.md runs as written: its ``>>>`` examples are doctests (run from the repository root)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_simulation_guide_examples(monkeypatch):
    if not (ROOT / "questionnaires" / "victimization.yaml").is_file():
        pytest.skip("the shipped questionnaires are not there")
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(
        str(ROOT / "docs" / "simulation.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.attempted >= 30
    assert result.failed == 0
