"""Shared loading of the R reference fixtures of tests/reference/inference (designs and cases)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from refdesigns import build_design, subset

REF = Path(__file__).resolve().parents[1] / "reference"
FIX = REF / "inference" / "fixtures"


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text())


@lru_cache(maxsize=None)
def design(fixture: str, name: str):
    return build_design(load(fixture)["designs"][name])


def case_design(fixture: str, case: dict):
    return subset(design(fixture, case["design"]), case.get("subset"))


def cases(fixture: str, kind: str | None = None) -> list:
    import pytest

    return [pytest.param(c, id=c["id"]) for c in load(fixture)["cases"] if kind is None or c["kind"] == kind]


_COEF = re.compile(r"C\((\w+)[^)]*\)\)?\[T\.([^\]]+)\]|C\((\w+)\)\[T\.([^\]]+)\]")


def coef_key(name: str) -> tuple:
    """A formulaic coefficient name as R's parts: ((variable, level) or (variable,) per factor)."""
    if name == "Intercept":
        return ()
    parts = []
    for piece in name.split(":"):
        m = re.match(r"C\((\w+)(?:,.*)?\)\[T\.(.+)\]$", piece)
        parts.append((m.group(1), m.group(2)) if m else (piece,))
    return tuple(sorted(parts))


def r_key(coef: dict) -> tuple:
    return tuple(sorted((p["variable"], str(p["level"])) if "level" in p else (p["variable"],) for p in coef["parts"]))
