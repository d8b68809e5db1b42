"""Invariants of the weighting steps on random problems (hypothesis).

- calibrated weights reproduce every control total (linear, raking, logit; with and without bounds);
- bounds on g hold;
- raking by proportional fitting equals calibrate(method="raking") at convergence;
- post-stratification equals linear calibration on the cells;
- replicate-design calibration reproduces the totals in every replicate;
- the weighting report's diagnostics are what they say.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk

PROPS = settings(max_examples=30, deadline=None)


@st.composite
def problems(draw, numeric: bool = True, n_margins: tuple[int, int] = (1, 3)):
    """A stratified cluster sample with 1-3 categorical margins (every level present in every PSU
    pair), maybe a numeric margin, and targets a re-weighting within [0.8, 1.25] reaches."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_psu = draw(st.integers(6, 12))
    per_psu = draw(st.integers(4, 12))
    k = draw(st.integers(*n_margins))
    levels = [draw(st.integers(2, 4)) for _ in range(k)]
    with_x = numeric and draw(st.booleans())
    rng = np.random.default_rng(seed)
    n = n_psu * per_psu
    cols = {"psu": np.repeat(np.arange(n_psu), per_psu), "stratum": np.repeat(np.arange(n_psu) % 2, per_psu)}
    for j, L in enumerate(levels):
        codes = rng.integers(0, L, n)
        codes[:L] = np.arange(L)
        cols[f"m{j}"] = codes if j % 2 == 0 else np.array([["lo", "mid", "hi", "top"][c] for c in codes])
    if with_x:
        cols["x"] = np.round(rng.gamma(3.0, 2.0, n), 3)
    cols["w"] = rng.uniform(5.0, 50.0, n)
    cols["y"] = rng.normal(50, 10, n)
    df = pd.DataFrame(cols)
    pop_w = df["w"] * rng.uniform(0.8, 1.25, n)
    margins = {f"m{j}": pop_w.groupby(df[f"m{j}"]).sum().to_dict() for j in range(k)}
    if with_x:
        margins["x"] = float((pop_w * df["x"]).sum())
    return df, margins


def achieved(df: pd.DataFrame, weights: pd.Series, margins: dict) -> dict:
    out = {}
    for m, spec in margins.items():
        if isinstance(spec, dict):
            out[m] = weights.groupby(df[m]).sum().to_dict()
        else:
            out[m] = float((weights * df[m]).sum())
    return out


def assert_reaches(df, weights, margins, rtol):
    got = achieved(df, weights, margins)
    for m, spec in margins.items():
        if isinstance(spec, dict):
            for lv, t in spec.items():
                assert got[m][lv] == pytest.approx(t, rel=rtol), (m, lv)
        else:
            assert got[m] == pytest.approx(spec, rel=rtol), m


def design(df):
    return sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")


@PROPS
@given(
    problems(),
    st.sampled_from(
        [
            ("linear", None),
            ("raking", None),
            ("linear", (0.7, 1.4)),
            ("raking", (0.7, 1.4)),
            ("logit", (0.7, 1.4)),
            ("logit", (0.5, 3.0)),
            ("linear", (0.9, 1.12)),
            ("raking", (0.9, 1.12)),
            ("logit", (0.9, 1.12)),
        ]
    ),
)
def test_calibrated_weights_reproduce_every_total_and_bounds_hold(problem, spec):
    df, margins = problem
    method, bounds = spec
    d = design(df)
    try:
        new = d.calibrate(margins, method=method, bounds=bounds, epsilon=1e-11, maxit=200)
    except sk.InfeasibleBoundsError as exc:
        # (0.9, 1.12) binds on a quarter of these problems and is infeasible on about a tenth
        assert bounds == (0.9, 1.12) and exc.context["margin"] in margins
        return
    assert_reaches(df, new.weights, margins, 1e-9)
    g = new.weights / d.weights
    assert np.allclose(new.weighting_report.g, g, rtol=1e-12)
    if bounds is not None:
        lo, hi = bounds
        assert g.min() >= lo - 1e-9 and g.max() <= hi + 1e-9
        if method == "logit":  # logit stays strictly inside
            assert g.min() > lo and g.max() < hi
    rep = new.weighting_report.margins
    assert rep["rel_gap"].abs().max() < 1e-9
    assert rep["target"].tolist() == pytest.approx(
        [v for spec_ in margins.values() for v in (spec_.values() if isinstance(spec_, dict) else [spec_])]
    )


@PROPS
@given(problems(numeric=False, n_margins=(2, 3)))
def test_raking_equals_calibrate_raking_at_convergence(problem):
    df, margins = problem
    d = design(df)
    ipf = d.rake(margins, epsilon=1e-13, maxit=5000)
    newton = d.calibrate(margins, method="raking", epsilon=1e-13, maxit=200)
    assert np.allclose(ipf.weights, newton.weights, rtol=1e-9, atol=0)
    assert_reaches(df, ipf.weights, margins, 1e-11)
    # and so is the variance: rake's linearization is calibrate(raking)'s
    a, b = ipf.mean("y", by="m0"), newton.mean("y", by="m0")
    assert np.allclose(a["se"], b["se"], rtol=1e-7)
    assert ipf.weighting_report.converged and ipf.weighting_report.iterations >= 2


@PROPS
@given(problems(numeric=False, n_margins=(2, 2)))
def test_poststratification_equals_linear_calibration_on_the_cells(problem):
    df, margins = problem
    d = design(df)
    pop = df["w"] * np.linspace(0.9, 1.1, len(df))
    cells = pop.groupby([df["m0"], df["m1"]]).sum()
    ps = d.poststratify(["m0", "m1"], {k: v for k, v in cells.items()})
    cell_col = df["m0"].astype(str) + "|" + df["m1"].astype(str)
    d2 = design(df.assign(cell=cell_col))
    lin = d2.calibrate({"cell": {f"{a}|{b}": v for (a, b), v in cells.items()}})
    assert np.allclose(ps.weights, lin.weights, rtol=1e-12)
    for by in (None, "m0"):
        a = ps.mean("y", by=by) if by else ps.mean("y")
        b = lin.mean("y", by=by) if by else lin.mean("y")
        assert np.allclose(a["estimate"], b["estimate"], rtol=1e-12)
        assert np.allclose(a["se"], b["se"], rtol=1e-9)
    # one variable: the cell ratio N_c / W_c
    one = d.poststratify("m0", margins["m0"])
    ratio = df["m0"].map(margins["m0"]) / d.weights.groupby(df["m0"]).transform("sum")
    assert np.allclose(one.weights, df["w"] * ratio, rtol=1e-13)


def loses_rank(df: pd.DataFrame, margins: dict, W: pd.DataFrame) -> bool:
    """Whether some replicate's weighted calibration matrix has lower rank than the full sample's."""
    from surveykit.weighting.margins import build_margins

    X = build_margins(df, margins).X.dense()
    X = X / np.abs(X).max(axis=0)

    def rank(w):
        return np.linalg.matrix_rank(np.sqrt(w)[:, None] * X, tol=1e-9)

    full = rank(df["w"].to_numpy())
    return any(rank(W[c].to_numpy()) < full for c in W.columns)


@settings(max_examples=15, deadline=None)
@given(
    problems(),
    st.sampled_from(["jkn", "bootstrap"]),
    st.sampled_from(["poststratify", "rake", "linear", "raking", "logit"]),
)
def test_replicate_calibration_reproduces_totals_in_every_replicate(problem, rep_method, step):
    df, margins = problem
    cat = {k: v for k, v in margins.items() if isinstance(v, dict)}
    r = design(df).to_replicate(rep_method, replicates=20 if rep_method == "bootstrap" else None, seed=3)
    if step in ("linear", "poststratify") and loses_rank(
        df, margins if step == "linear" else {"m0": cat["m0"]}, r.replicate_weights
    ):
        # a replicate without a level (or a combination the margins need) cannot reach the totals; the
        # closed forms do not say so yet (strict xfails in test_weighting_errors.py, findings #5 and #7)
        return
    try:
        if step == "poststratify":
            new, margins = r.poststratify("m0", cat["m0"]), {"m0": cat["m0"]}
        elif step == "rake":
            new, margins = r.rake(cat, epsilon=1e-12, maxit=5000), cat
        else:
            bounds = (0.05, 20.0) if step == "logit" else None
            new = r.calibrate(margins, method=step, bounds=bounds, epsilon=1e-11, maxit=200)
    except sk.WeightingError as exc:
        # a replicate whose units cannot reach the totals (a level or combination missing): said so,
        # naming the replicate, margin and level
        assert "replicate" in str(exc) and exc.context["margin"] in margins
        return
    assert_reaches(df, new.weights, margins, 1e-8)
    W = new.replicate_weights
    assert W.shape[1] == new.replicates
    for col in W.columns:
        assert_reaches(df, W[col], margins, 1e-8)
    assert new.weighting_report.details["replicates_calibrated"] == new.replicates


@PROPS
@given(problems(numeric=False, n_margins=(1, 2)))
def test_report_diagnostics(problem):
    df, margins = problem
    d = design(df)
    new = d.rake(margins)
    rep = new.weighting_report
    w = new.weights.to_numpy()
    s = rep.summary()
    assert s["kish_deff"] == pytest.approx(len(w) * np.sum(w**2) / np.sum(w) ** 2)
    assert s["effective_n"] == pytest.approx(np.sum(w) ** 2 / np.sum(w**2))
    assert s["sum_weights"] == pytest.approx(sum(margins["m0"].values()))
    g = w / df["w"].to_numpy()
    gs = rep.g_summary()
    assert (gs["min"], gs["max"]) == pytest.approx((g.min(), g.max()))
    table = rep.margins
    assert table["before"].tolist() == pytest.approx(
        [df["w"].groupby(df[m]).sum()[lv] for m, spec in margins.items() for lv in spec]
    )


def test_trim_redistributes_and_keeps_the_total():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"w": rng.lognormal(3, 0.8, 400), "psu": np.arange(400) % 20, "y": rng.normal(size=400)})
    d = sk.SurveyDesign(df, weights="w", psu="psu")
    t = d.trim(upper=60.0, strict=True)
    assert t.weights.max() <= 60.0 + 1e-9
    assert t.weights.sum() == pytest.approx(df["w"].sum(), rel=1e-12)
    untouched = df["w"] < 60
    # R's trimWeights: the trimmed amount is shared equally by the untrimmed weights
    shift = (t.weights - df["w"])[untouched]
    assert np.ptp(shift[t.weights[untouched] < 60.0 - 1e-9]) < 1e-9


def test_nonresponse_adjustment_keeps_class_totals():
    rng = np.random.default_rng(11)
    n = 300
    df = pd.DataFrame(
        {
            "cls": rng.integers(0, 4, n),
            "r": rng.uniform(size=n) < 0.7,
            "w": rng.uniform(10, 30, n),
            "psu": np.arange(n) % 15,
            "y": rng.normal(size=n),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        adj = sk.SurveyDesign(df, weights="w", psu="psu").adjust_nonresponse("r", by="cls")
    assert adj.n == int(df["r"].sum())
    resp = df[df["r"]]
    got = adj.weights.groupby(resp["cls"]).sum()
    want = df.groupby("cls")["w"].sum()
    assert np.allclose(got.sort_index(), want.sort_index(), rtol=1e-12)
