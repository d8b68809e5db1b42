"""A level code of thousands of digits in a control file is a named error, not Python's int() limit."""

from __future__ import annotations

import json

import pytest

import surveykit as sk


def _controls(code: str) -> str:
    return json.dumps(
        {
            "surveykit_controls": 1,
            "metadata": {
                "title": "t",
                "source": "s",
                "year": 2024,
                "universe": "persons",
                "unit": "persons",
                "status": "illustrative",
            },
            "margins": {"sexo": {"levels": {code: {"total": 10}, "2": {"total": 20}}}},
        }
    )


def test_huge_level_code_is_refused_by_name(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(_controls("1" * 5000))
    with pytest.raises(sk.ControlTotalsError, match="5000 digits"):
        sk.load_controls(p)
    p.write_text(_controls("1"))
    assert sk.load_controls(p).margins["sexo"] == {1: 10.0, 2: 20.0}
