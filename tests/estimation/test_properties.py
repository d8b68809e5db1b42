"""Properties every design-based estimator must have, on random small stratified cluster samples.

The samples vary in the number of strata, PSUs per stratum, elements per PSU, weights, an optional
first-stage fpc, missing values and domains. Each property is an identity of survey sampling theory,
so it holds to rounding error whatever the data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import surveykit as sk

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw, strata: bool | None = None, fpc: bool | None = None, missing: bool = True):
    """A stratified (or not) one-stage cluster sample as a DataFrame plus its design arguments."""
    has_strata = draw(st.booleans()) if strata is None else strata
    H = draw(st.integers(2, 4)) if has_strata else 1
    psus = [draw(st.integers(2, 4)) for _ in range(H)]
    sizes = [[draw(st.integers(1, 4)) for _ in range(k)] for k in psus]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    stratum = np.concatenate([np.full(sum(s), h) for h, s in enumerate(sizes)])
    psu = np.concatenate([np.repeat(np.arange(len(s)) + 10 * h, s) for h, s in enumerate(sizes)])
    n = len(psu)
    df = pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "w": np.round(rng.uniform(0.5, 50.0, n), 3),
            "y": np.round(rng.normal(10.0, 4.0, n), 3),
            "dom": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
            "cat": rng.choice(["p", "q", "r", "s"], n),
        }
    )
    if missing:
        df.loc[rng.random(n) < 0.15, "y"] = np.nan
        df.loc[rng.random(n) < 0.1, "cat"] = None
    use_fpc = draw(st.booleans()) if fpc is None else fpc
    args = dict(weights="w", psu="psu", strata="stratum" if has_strata else None)
    if use_fpc:
        extra = np.array([draw(st.integers(0, 20)) for _ in range(H)])
        df["N"] = (np.array(psus) + extra)[stratum]
        args["fpc"] = "N"
    return df, args


def close(a, b, rtol=1e-9) -> bool:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return bool(
        np.allclose(a, b, rtol=rtol, atol=1e-12 * max(1.0, float(np.nanmax(np.abs(b), initial=0))), equal_nan=True)
    )


def design(df, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        return sk.SurveyDesign(df, **args)


def observed_in_every_domain(df, cols=("y", "cat")):
    counts = df.groupby("dom")[list(cols)].count()
    return bool((counts > 0).all().all())


@SETTINGS
@given(samples(), st.floats(0.01, 1000.0))
def test_scaling_weights_scales_totals_only(sample, c):
    df, args = sample
    assume(observed_in_every_domain(df))
    d = design(df, args)
    scaled = df.assign(w=df["w"] * c)
    dc = design(scaled, args)
    for by in (None, "dom"):
        m, mc = d.mean("y", by=by), dc.mean("y", by=by)
        assert close(mc["estimate"], m["estimate"]) and close(mc["se"], m["se"])
        t, tc = d.total("y", by=by), dc.total("y", by=by)
        assert close(tc["estimate"], c * t["estimate"]) and close(tc["se"], c * t["se"])
        p, pc = d.proportion("cat", by=by), dc.proportion("cat", by=by)
        assert close(pc["estimate"], p["estimate"]) and close(pc["se"], p["se"])


@SETTINGS
@given(samples())
def test_domain_mean_is_ratio_of_full_design_totals(sample):
    df, args = sample
    assume(observed_in_every_domain(df))
    d = design(df, args)
    means = d.mean("y", by="dom")
    for _, row in means.iterrows():
        inside = (df["dom"] == row["dom"]) & df["y"].notna()
        cols = df.assign(y_dom=np.where(inside, df["y"], 0.0), one_dom=inside.astype(float))
        r = design(cols, args).ratio("y_dom", "one_dom")
        assert close(r["estimate"], row["estimate"]) and close(r["se"], row["se"])


@SETTINGS
@given(samples())
def test_domain_total_is_full_design_total_of_masked_variable(sample):
    df, args = sample
    assume(observed_in_every_domain(df))
    d = design(df, args)
    totals = d.total("y", by="dom")
    for _, row in totals.iterrows():
        cols = df.assign(y_dom=np.where((df["dom"] == row["dom"]) & df["y"].notna(), df["y"], 0.0))
        t = design(cols, args).total("y_dom")
        assert close(t["estimate"], row["estimate"]) and close(t["se"], row["se"])
        # a subpopulation is the same domain
        s = d.subset(df["dom"] == row["dom"]).total("y")
        assert close(s["estimate"], row["estimate"]) and close(s["se"], row["se"])


@SETTINGS
@given(samples())
def test_proportions_sum_to_one_in_every_domain(sample):
    df, args = sample
    assume(df["cat"].notna().groupby(df["dom"]).any().all())
    p = design(df, args).proportion("cat", by="dom")
    sums = p.groupby("dom")["estimate"].sum()
    assert np.allclose(sums, 1.0, rtol=0, atol=1e-12)
    assert set(sums.index) == set(df["dom"])
    # the complement of a level has the level's SE
    levels = p.groupby("dom").size()
    two = levels[levels == 2].index
    for dom in two:
        se = p.loc[p["dom"] == dom, "se"].to_numpy()
        assert close(se[0], se[1])


@SETTINGS
@given(samples(strata=False, fpc=False, missing=False))
def test_jk1_variance_of_total_equals_with_replacement_taylor(sample):
    df, args = sample
    d = design(df, args)
    r = d.to_replicate("jk1")
    for by in (None, "dom"):
        t, tj = d.total("y", by=by), r.total("y", by=by)
        assert close(tj["estimate"], t["estimate"]) and close(tj["se"], t["se"])


@SETTINGS
@given(samples(strata=True, missing=False))
def test_jkn_variance_of_total_equals_stratified_taylor(sample):
    """Delete-one jackknife within strata, rscales (1 - f_h)(n_h - 1)/n_h: exact for totals."""
    df, args = sample
    d = design(df, args)
    r = d.to_replicate("jkn")
    t, tj = d.total("y", by="dom"), r.total("y", by="dom")
    assert close(tj["estimate"], t["estimate"]) and close(tj["se"], t["se"])


def test_properties_are_not_vacuous():
    """The strategies really produce strata, fpc, missing values and several domains."""
    seen = {"strata": 0, "fpc": 0, "missing": 0, "domains": 0}

    @settings(max_examples=40, deadline=None)
    @given(samples())
    def probe(sample):
        df, args = sample
        seen["strata"] += args["strata"] is not None
        seen["fpc"] += "fpc" in args
        seen["missing"] += bool(df["y"].isna().any())
        seen["domains"] += df["dom"].nunique() > 1

    probe()
    assert all(v > 0 for v in seen.values()), seen


@pytest.mark.parametrize("c", [0.5, 3.0])
def test_scaling_example(c):
    """A fixed example of the scaling property, with numbers (R: svytotal on api-like data)."""
    df = pd.DataFrame(
        {"s": [1, 1, 1, 2, 2, 2], "p": [1, 1, 2, 3, 4, 4], "w": [2.0, 2, 3, 1, 4, 4], "y": [1.0, 2, 3, 4, 5, 6]}
    )
    d = sk.SurveyDesign(df, weights="w", strata="s", psu="p")
    dc = sk.SurveyDesign(df.assign(w=df["w"] * c), weights="w", strata="s", psu="p")
    t = d.total("y")
    assert t["estimate"][0] == pytest.approx(2 + 4 + 9 + 4 + 20 + 24)
    assert dc.total("y")["estimate"][0] == pytest.approx(c * 63.0)
    assert dc.mean("y")["se"][0] == pytest.approx(d.mean("y")["se"][0], rel=1e-12)
