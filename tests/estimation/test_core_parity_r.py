"""Covariance, differences, contrasts and own statistics against R survey (tests/reference/core).

Every number of R's (vcov, svyby covmat, svycontrast, withReplicates) is matched to 1e-6 relative.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from refdesigns import build_design, subset

REF = Path(__file__).resolve().parents[1] / "reference"
CORE = REF / "core" / "fixtures"
RTOL = 1e-6


def _load(name: str) -> dict:
    return json.loads((CORE / name).read_text())


COV = _load("covariance.json")
CON = _load("contrasts.json")


@lru_cache(maxsize=None)
def design(fixture: str, name: str):
    return build_design((COV if fixture == "cov" else CON)["designs"][name])


_subset = subset


def _key(rec: dict) -> tuple:
    dom = rec.get("domain") or {}
    level = rec.get("level", "")
    return (rec["variable"], *[str(v) for _, v in sorted(dom.items())], "" if level is None else str(level))


def _row_keys(lin, by: list[str]) -> list[tuple]:
    rows = lin.rows
    out = []
    for _, r in rows.iterrows():
        dom = [str(_fmt(r[c])) for c in sorted(by)]
        lv = r["level"] if "level" in rows.columns else None
        out.append((r["variable"], *dom, "" if lv is None or (isinstance(lv, float) and np.isnan(lv)) else str(lv)))
    return out


def _fmt(v):
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    return v


def _linearize(d, call: dict):
    if call["function"] == "covariance_joint":
        # a mean and a proportion (several statistics) in one linearization: their joint covariance
        return sk.Linearization.stack(
            [_linearize(d, {"function": "covariance", **e, "by": call.get("by")}) for e in call["estimates"]]
        )
    by = call.get("by") or None
    stat = call["statistic"]
    variables = call.get("variables") or [call["variable"]]
    den = call.get("denominator")
    if stat == "ratio" and isinstance(den, str):
        den = [den]
    return d.linearize(stat, variables, by, denominator=den)


def _close(a, b, scale):
    return abs(a - b) <= RTOL * max(abs(b), scale)


@pytest.mark.parametrize("case", COV["cases"], ids=[c["id"] for c in COV["cases"]])
def test_covariance_matches_r(case):
    d = _subset(design("cov", case["design"]), case.get("subset"))
    call = case["call"]
    lin = _linearize(d, call)
    by = call.get("by") or []
    keys = _row_keys(lin, by)
    pos = {k: i for i, k in enumerate(keys)}
    order = [pos[_key(r)] for r in case["rows"]]
    V = d.covariance_matrix(lin)[np.ix_(order, order)]
    est = lin.estimate[order]
    R = np.asarray(case["matrix"], dtype=float)
    se = np.asarray(case["se"], dtype=float)
    np.testing.assert_allclose(est, case["estimate"], rtol=RTOL)
    np.testing.assert_allclose(np.sqrt(np.diag(V)), se, rtol=RTOL)
    scale = np.outer(se, se)
    assert np.all(np.abs(V - R) <= RTOL * np.maximum(np.abs(R), scale)), np.max(np.abs(V - R) / scale)
    # the public table is the same matrix
    table = d.covariance(lin)
    np.testing.assert_allclose(table.to_numpy(), d.covariance_matrix(lin), rtol=1e-12, atol=0)


DIFFS = [c for c in CON["cases"] if c["kind"] == "difference"]


@pytest.mark.parametrize("case", DIFFS, ids=[c["id"] for c in DIFFS])
def test_difference_matches_r(case):
    d = _subset(design("con", case["design"]), case.get("subset"))
    call = case["call"]
    den = call.get("denominator")
    t = d.difference(
        call["variable"],
        by=call["by"],
        statistic=call["statistic"],
        reference=call["reference"],
        pairs=call["pairs"],
        denominator=den,
    )
    if call.get("level") is not None:
        t = t[t["level"].astype(str) == str(call["level"])]
    got = {(str(_fmt(g)), str(_fmt(r))): row for g, r, row in zip(t["group"], t["reference"], t.itertuples())}
    assert len(got) == len(case["expected"])
    for e in case["expected"]:
        row = got[(str(e["group"]), str(e["reference"]))]
        assert _close(row.estimate, e["estimate"], e["se"]), (row.estimate, e["estimate"])
        assert _close(row.se, e["se"], 0.0), (row.se, e["se"])
        assert row.df == e["df"]


CONTRASTS = [c for c in CON["cases"] if c["kind"] == "contrast"]


def _contrast_function(spec: dict, keys: list[tuple]):
    pos = {k: i for i, k in enumerate(keys)}
    if spec["kind"] == "linear":
        a = np.zeros(len(keys))
        for c in spec["coefficients"]:
            a[pos[_key(c["row"])]] = c["coef"]
        return a
    ia, ib = (pos[_key(r)] for r in spec["rows"])
    kind = spec["kind"]

    def fn(e):
        A, B = e.iloc[ia], e.iloc[ib]
        if kind == "ratio":
            return A / B
        if kind == "log_ratio":
            return np.log(A / B)
        if kind == "log_odds_ratio":
            return np.log(A / (1 - A)) - np.log(B / (1 - B))
        if kind == "difference":
            return A - B
        raise AssertionError(kind)

    return fn


@pytest.mark.parametrize("case", CONTRASTS, ids=[c["id"] for c in CONTRASTS])
def test_contrast_matches_r(case):
    d = _subset(design("con", case["design"]), case.get("subset"))
    call = case["call"]
    lin = _linearize(d, call)
    keys = _row_keys(lin, call.get("by") or [])
    t = d.contrast(lin, {"c": _contrast_function(call["contrast"], keys)})
    e = case["expected"]
    assert _close(t["estimate"][0], e["estimate"], e["se"])
    assert _close(t["se"][0], e["se"], 0.0), (t["se"][0], e["se"])
    assert t["df"][0] == e["df"]


OWN = [c for c in CON["cases"] if c["kind"] == "own_statistic"]


@pytest.mark.parametrize("case", OWN, ids=[c["id"] for c in OWN])
def test_cv_from_totals_matches_r(case):
    """Your own statistic from totals: the CV of y as a function of the totals of 1, y and y^2."""
    d = _subset(design("con", case["design"]), case.get("subset"))
    y = d.data[case["call"]["variable"]].astype(float)
    frame_cols = pd.DataFrame({"one": np.ones(d.n), "y": y, "y2": y * y}, index=d.data.index)
    lin = d.linearize("total", [frame_cols[c].rename(c) for c in ("one", "y", "y2")])
    t = d.contrast(lin, {"cv": lambda e: np.sqrt(e["y2"] / e["one"] - (e["y"] / e["one"]) ** 2) / (e["y"] / e["one"])})
    e = case["expected"]
    assert _close(t["estimate"][0], e["estimate"], e["se"])
    assert _close(t["se"][0], e["se"], 0.0), (t["se"][0], e["se"])


WITHREP = [c for c in CON["cases"] if c["kind"] == "with_replicates"]


def gini(w: np.ndarray, y: np.ndarray) -> float:
    """Weighted Gini: sum_ij w_i w_j |y_i - y_j| / (2 W^2 mu), by the sorted-order identity."""
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    W = ws.sum()
    C = np.cumsum(ws) - ws
    mu = (ws * ys).sum() / W
    return float(2 * (ws * ys * (C - (W - C - ws))).sum() / (2 * W * W * mu))


@pytest.mark.parametrize("case", WITHREP, ids=[c["id"] for c in WITHREP])
def test_with_replicates_matches_r(case):
    d = _subset(design("con", case["design"]), case.get("subset"))
    v = case["call"]["variable"]
    fn = case["call"]["function"]
    if fn == "gini":
        t = d.with_replicates(lambda w, data: gini(w, data[v].to_numpy(dtype=float)))
    else:
        t = d.with_replicates(lambda w, data: np.average(data[v].to_numpy(dtype=float), weights=w))
    e = case["expected"]
    assert _close(t["estimate"][0], e["estimate"], e["se"])
    assert _close(t["se"][0], e["se"], 0.0), (t["se"][0], e["se"])
