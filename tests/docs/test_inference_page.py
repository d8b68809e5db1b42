"""docs/inference.md runs as written (its statistics are R's: see tests/inference/test_parity_r.py)."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_inference_page(monkeypatch):
    monkeypatch.chdir(ROOT)  # the page's paths are relative to the checkout
    result = doctest.testfile(
        str(ROOT / "docs" / "inference.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.attempted >= 25
    assert result.failed == 0
