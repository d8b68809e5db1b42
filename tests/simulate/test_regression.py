"""The same seed gives the same data, bit for bit: fixed simulations against digests recorded before the
simulator's engine was split into plan / draws / assemble (see regression_cases.py)."""

from __future__ import annotations

import json

import pytest

from .regression_cases import CASES, FIXTURE, digest

RECORDED = json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_every_case_is_recorded():
    assert sorted(RECORDED) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seed_same_data_as_recorded(name):
    got, want = digest(CASES[name]()), RECORDED[name]
    assert sorted(got) == sorted(want)
    for table in want:
        if not isinstance(want[table], dict):
            assert got[table] == want[table], table
            continue
        changed = [c for c in want[table]["values"] if got[table]["values"].get(c) != want[table]["values"][c]]
        assert changed == [], f"{name} {table}: columns {changed[:10]} differ from the recorded ones"
        assert got[table] == want[table], f"{name} {table}: shape, column order, index or metadata differ"
