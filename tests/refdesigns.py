"""Designs of the R reference fixtures (tests/reference/*/fixtures), built the same way for every test.

A fixture's ``designs`` entry names its data (and replicate-weight) CSVs, the ``SurveyDesign`` or
``ReplicateDesign`` arguments and the weighting steps, in surveykit's terms (tests/reference/core/README.md).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

import surveykit as sk

REF = Path(__file__).resolve().parent / "reference"


def margins(ms: list[dict]) -> dict:
    """Fixture margins (``{name, levels, counts}`` or ``{name, total}``) as surveykit margins."""
    return {m["name"]: m["total"] if "total" in m else dict(zip(m["levels"], m["counts"])) for m in ms}


def apply_step(d: Any, step: dict) -> Any:
    """One weighting step of a fixture design."""
    kind = step["kind"]
    if kind == "poststratify":
        m = step["margins"][0]
        if "cells" in m:
            return d.poststratify(step["variables"], pd.DataFrame(m["cells"]))
        return d.poststratify(
            step["variables"][0] if len(step["variables"]) == 1 else step["variables"],
            dict(zip(m["levels"], m["counts"])),
        )
    if kind == "rake":
        return d.rake(margins(step["margins"]))
    if kind == "calibrate":
        kw = {k: step[k] for k in ("method", "maxit", "epsilon") if step.get(k) is not None}
        if step.get("bounds") is not None:
            kw["bounds"] = tuple(step["bounds"])
        return d.calibrate(margins(step["margins"]), **kw)
    raise AssertionError(kind)


def build_design(spec: dict) -> Any:
    """The design a fixture's ``designs`` entry describes, weighting steps applied."""
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
            d = apply_step(d, step)
    return d


def subset(d: Any, sub: dict | None) -> Any:
    """A fixture's ``subset`` (``{column, op, value}``; R's ``subset(design, ...)``)."""
    if not sub:
        return d
    col = d.data[sub["column"]]
    op, v = sub["op"], sub["value"]
    mask = {
        "==": col == v,
        "!=": col != v,
        ">": col > v,
        ">=": col >= v,
        "<": col < v,
        "<=": col <= v,
        "in": col.isin(v if isinstance(v, list) else [v]),
    }[op]
    return d.subset(mask)
