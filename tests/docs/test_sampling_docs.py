"""docs/sampling.md runs as written and prints what it shows."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sampling_page(monkeypatch):
    monkeypatch.chdir(ROOT)  # the page's paths are relative to the checkout
    result = doctest.testfile(
        str(ROOT / "docs" / "sampling.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.attempted > 30
    assert result.failed == 0
