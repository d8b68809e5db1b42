"""docs/worked-example.md runs as written and prints what it shows."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_worked_example(monkeypatch):
    monkeypatch.chdir(ROOT)  # the page's paths are relative to the checkout
    result = doctest.testfile(
        str(ROOT / "docs" / "worked-example.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.attempted > 20
    assert result.failed == 0
