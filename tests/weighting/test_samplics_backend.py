"""backend="samplics": samplics 0.6.1 computes the same weights as surveykit where it is right.

Property tests on random problems (hypothesis): linear calibration without bounds, raking and
post-stratification give the same weights from both backends to 1e-8 (relative); the variance is
always surveykit's. What samplics gets wrong (bounds, logit, raking with numeric totals) raises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk
from surveykit.variance.calmatrix import CalMatrix
from surveykit.weighting.margins import build_margins
from surveykit.weighting.samplics_backend import MAX_ROWS, samplics_solver

pytest.importorskip("samplics")

PROPS = settings(max_examples=25, deadline=None)


@st.composite
def problems(draw, numeric: bool = True):
    """A sample with 1-3 categorical margins (every level present), maybe a numeric one, and targets
    that a positive re-weighting reaches (the sample totals under perturbed weights)."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(30, 160))
    n_margins = draw(st.integers(1, 3))
    levels = [draw(st.integers(2, 4)) for _ in range(n_margins)]
    with_x = numeric and draw(st.booleans())
    rng = np.random.default_rng(seed)
    cols = {}
    for j, L in enumerate(levels):
        codes = np.concatenate([np.arange(L), rng.integers(0, L, n - L)])
        rng.shuffle(codes)
        cols[f"m{j}"] = codes if j % 2 == 0 else np.array(["abcd"[c] for c in codes])
    if with_x:
        cols["x"] = np.round(rng.gamma(3.0, 2.0, n), 3)
    cols["w"] = rng.uniform(1.0, 10.0, n)
    cols["y"] = rng.normal(50, 10, n)
    df = pd.DataFrame(cols)
    pop_w = df["w"] * rng.uniform(0.8, 1.25, n) * 3.0
    margins = {f"m{j}": pop_w.groupby(df[f"m{j}"]).sum().to_dict() for j in range(n_margins)}
    if with_x:
        margins["x"] = float((pop_w * df["x"]).sum())
    return df, margins


def rel(a: pd.Series, b: pd.Series) -> float:
    return float(np.max(np.abs(a.to_numpy() - b.to_numpy()) / np.abs(b.to_numpy())))


@PROPS
@given(problems())
def test_linear_calibration_same_weights(problem):
    df, margins = problem
    d = sk.SurveyDesign(df, weights="w")
    ours = d.calibrate(margins)
    theirs = d.calibrate(margins, backend="samplics")
    assert rel(theirs.weights, ours.weights) < 1e-8
    # the variance is surveykit's either way: the same design, the same SE
    assert theirs.mean("y")["se"].iloc[0] == pytest.approx(ours.mean("y")["se"].iloc[0], rel=1e-8)
    assert theirs.weighting_report.details["backend"] == "samplics"


@PROPS
@given(problems(numeric=False))
def test_raking_same_weights(problem):
    df, margins = problem
    d = sk.SurveyDesign(df, weights="w")
    ours = d.rake(margins, epsilon=1e-12, maxit=2000)
    theirs = d.rake(margins, epsilon=1e-12, maxit=2000, backend="samplics")
    assert rel(theirs.weights, ours.weights) < 1e-8
    # calibrate(method="raking") through samplics rakes too; tight Newton tolerance on our side
    cal = d.calibrate(margins, method="raking", epsilon=1e-13, maxit=100)
    cal_s = d.calibrate(margins, method="raking", backend="samplics")
    assert rel(cal_s.weights, cal.weights) < 1e-8


@PROPS
@given(problems(numeric=False))
def test_poststratification_same_weights(problem):
    df, margins = problem
    d = sk.SurveyDesign(df, weights="w")
    ours = d.poststratify("m0", margins["m0"])
    theirs = d.poststratify("m0", margins["m0"], backend="samplics")
    assert rel(theirs.weights, ours.weights) < 1e-8


@settings(max_examples=8, deadline=None)
@given(problems())
def test_replicate_designs_same_weights_in_every_replicate(problem):
    df, margins = problem
    df = df.assign(psu=np.arange(len(df)) % 10)
    r = sk.SurveyDesign(df, weights="w", psu="psu").to_replicate("jk1")
    cat = {k: v for k, v in margins.items() if isinstance(v, dict)}
    try:
        ours, theirs = r.calibrate(margins), r.calibrate(margins, backend="samplics")
    except sk.WeightingError:
        return  # a replicate without a level or with negative g
    assert rel(theirs.weights, ours.weights) < 1e-8
    assert theirs.mean("y")["se"].iloc[0] == pytest.approx(ours.mean("y")["se"].iloc[0], rel=1e-7)
    ours, theirs = r.rake(cat, epsilon=1e-12, maxit=2000), r.rake(cat, epsilon=1e-12, maxit=2000, backend="samplics")
    assert theirs.mean("y")["se"].iloc[0] == pytest.approx(ours.mean("y")["se"].iloc[0], rel=1e-7)


# --------------------------------------------------------------------------------------------------
def small():
    df = pd.DataFrame({"sex": [1, 1, 2, 2, 2, 1], "x": [1.0, 2, 3, 4, 5, 6], "w": [2.0, 3, 4, 5, 6, 7]})
    return sk.SurveyDesign(df, weights="w"), {"sex": {1: 15, 2: 20}, "x": 120.0}


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(method="logit", bounds=(0.5, 2.0)), "no logit distance"),
        (dict(bounds=(0.5, 2.0)), "ignores it"),
        (dict(method="raking"), r"no raking distance for numeric margins \('x'\)"),
    ],
)
def test_what_samplics_gets_wrong_raises(kwargs, pattern):
    d, margins = small()
    with pytest.raises(sk.WeightingError, match=pattern):
        d.calibrate(margins, backend="samplics", **kwargs)


def test_unknown_backend_and_kind():
    d, margins = small()
    with pytest.raises(sk.WeightingError, match="backend='spss'"):
        d.calibrate(margins, backend="spss")
    with pytest.raises(sk.WeightingError, match="cannot do trim"):
        samplics_solver("trim", "linear", (-np.inf, np.inf), None)


def test_samplics_numbers_on_a_small_problem():
    d, margins = small()
    new = d.calibrate(margins, backend="samplics")
    # GREG weights of this problem (closed form, checked by hand with numpy)
    X = np.column_stack([[1, 1, 0, 0, 0, 1], [0, 0, 1, 1, 1, 0], [1.0, 2, 3, 4, 5, 6]])
    w = np.array([2.0, 3, 4, 5, 6, 7])
    lam = np.linalg.solve(X.T @ (w[:, None] * X), np.array([15, 20, 120.0]) - X.T @ w)
    assert new.weights.to_numpy() == pytest.approx(w * (1 + X @ lam), rel=1e-12)
    assert new.weighting_report.iterations == 1 and new.weighting_report.converged


def test_redundant_columns_are_dropped_for_samplics():
    # two categorical margins and an intercept: X'WX is singular, samplics inverts it
    d, _ = small()
    df = d.data.assign(area=["U", "R", "U", "R", "U", "U"])
    d = sk.SurveyDesign(df, weights="w")
    margins = {"sex": {1: 15, 2: 20}, "area": {"R": 12, "U": 23}, "x": 120.0}
    ours = d.calibrate(margins, population_size=35)
    theirs = d.calibrate(margins, population_size=35, backend="samplics")
    assert rel(theirs.weights, ours.weights) < 1e-10


def test_rows_limit_for_numeric_margins():
    X = CalMatrix(MAX_ROWS + 1, [], np.ones((MAX_ROWS + 1, 1)), [("x", None)])
    solve = samplics_solver("calibrate", "linear", (-np.inf, np.inf), None)
    with pytest.raises(sk.WeightingError, match="backend='surveykit'"):
        solve(X, np.ones(MAX_ROWS + 1), np.array([1.0]))


def test_ipf_reports_non_convergence_through_surveykit():
    df = pd.DataFrame({"a": [1, 1, 2, 2, 1], "b": [1, 2, 1, 2, 2], "w": [1.0, 2, 3, 4, 5]})
    d = sk.SurveyDesign(df, weights="w")
    with pytest.raises(sk.ConvergenceError, match="did not converge in 1 iterations; worst: margin"):
        d.rake({"a": {1: 40, 2: 60}, "b": {1: 30, 2: 70}}, maxit=1, backend="samplics")
    m = build_margins(df, {"a": {1: 40, 2: 60}, "b": {1: 30, 2: 70}})
    res = samplics_solver("rake", "raking", (-np.inf, np.inf), m, maxit=500, epsilon=1e-12)(
        m.X, df["w"].to_numpy(), m.targets
    )
    assert res.converged and res.iterations > 1 and res.history[-1] < 1e-12
