"""docs/weighting.md runs as written: its ``>>>`` examples are doctests (run from the repository root)."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_weighting_guide_examples(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples read tests/... and weights/ relatively
    result = doctest.testfile(
        str(ROOT / "docs" / "weighting.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.attempted >= 30
    assert result.failed == 0
