"""docs/sae.md runs as written and prints what it shows."""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sae_page(monkeypatch):
    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the page's models fit without warnings
        result = doctest.testfile(
            str(ROOT / "docs" / "sae.md"),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        )
    assert result.attempted > 30
    assert result.failed == 0
