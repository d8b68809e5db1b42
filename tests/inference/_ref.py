"""Shared loading of the R reference fixtures of tests/reference/inference (designs and cases)."""

from __future__ import annotations

import json
import re
import warnings
from functools import lru_cache
from pathlib import Path

import pandas as pd

import surveykit as sk

REF = Path(__file__).resolve().parents[1] / "reference"
FIX = REF / "inference" / "fixtures"


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text())


def _margins(ms: list[dict]) -> dict:
    out = {}
    for m in ms:
        out[m["name"]] = m["total"] if "total" in m else dict(zip(m["levels"], m["counts"]))
    return out


def _step(d, step: dict):
    kind = step["kind"]
    if kind == "poststratify":
        m = step["margins"][0]
        if "cells" in m:
            return d.poststratify(step["variables"], pd.DataFrame(m["cells"]))
        return d.poststratify(step["variables"][0] if len(step["variables"]) == 1 else step["variables"],
                              dict(zip(m["levels"], m["counts"])))
    if kind == "rake":
        return d.rake(_margins(step["margins"]))
    if kind == "calibrate":
        kw = {k: step[k] for k in ("method", "maxit", "epsilon") if step.get(k) is not None}
        if step.get("bounds") is not None:
            kw["bounds"] = tuple(step["bounds"])
        return d.calibrate(_margins(step["margins"]), **kw)
    raise AssertionError(kind)


@lru_cache(maxsize=None)
def design(fixture: str, name: str):
    spec = load(fixture)["designs"][name]
    df = pd.read_csv(REF / spec["data"])
    if spec.get("replicate_data"):
        df = pd.concat([df, pd.read_csv(REF / spec["replicate_data"])], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec["kind"] == "replicate":
            d = sk.ReplicateDesign(df, **spec["replicate"])
        else:
            d = sk.SurveyDesign(df, **spec["design"])
            if spec["kind"] == "to_replicate":
                d = d.to_replicate(**spec["replicate"])
        for step in spec.get("steps") or []:
            d = _step(d, step)
    return d


def case_design(fixture: str, case: dict):
    d = design(fixture, case["design"])
    sub = case.get("subset")
    if not sub:
        return d
    col = d.data[sub["column"]]
    op, v = sub["op"], sub["value"]
    mask = {"==": col == v, "!=": col != v, ">": col > v, ">=": col >= v, "<": col < v, "<=": col <= v,
            "in": col.isin(v if isinstance(v, list) else [v])}[op]
    return d.subset(mask)


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
    return tuple(sorted((p["variable"], str(p["level"])) if "level" in p else (p["variable"],)
                        for p in coef["parts"]))
