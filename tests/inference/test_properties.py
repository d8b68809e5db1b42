"""Properties of the inference layer on random samples (Taylor, calibrated, replicate designs).

* a glm with only an intercept is the mean, with the mean's SE (and df_resid = design df);
* a binomial glm on one binary factor is the logit difference of the two domain proportions, and its
  SE the delta-method SE of that contrast;
* a gaussian glm on one binary factor is the difference of domain means (ttest and difference agree);
* the crosstab's cells are the proportions of the interaction, and each row margin sums to 1;
* under independence the Rao-Scott F test rejects at about the nominal rate (seeded simulation).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import surveykit as sk
from estimation.test_properties import SETTINGS, observed_in_every_domain, samples

KINDS = ["taylor", "calibrated", "replicate"]


def assert_same_se(actual, desired, rtol=1e-7):
    """SEs agree, compared as variances: a zero SE computed two ways is ~1e-16 in variance
    (cancellation) and so ~1e-8 once square-rooted, which an SE tolerance would call a mismatch."""
    np.testing.assert_allclose(np.square(actual), np.square(desired), rtol=2 * rtol, atol=1e-12)


def _design(df, args, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        d = sk.SurveyDesign(df, **args)
        if kind == "calibrated":
            return d.calibrate({"dom": (df.groupby("dom")["w"].sum() * 1.1).to_dict()})
        if kind == "replicate":
            return d.to_replicate("bootstrap", replicates=20, seed=3)
        return d


@SETTINGS
@given(samples(), st.sampled_from(KINDS))
def test_intercept_only_glm_is_the_mean(sample, kind):
    df, args = sample
    assume(df["y"].notna().sum() >= 2)
    d = _design(df, args, kind)
    m = d.glm("y ~ 1")
    r = d.mean("y")
    np.testing.assert_allclose(m.params.iloc[0], r["estimate"].iloc[0], rtol=1e-10)
    assert_same_se(m.bse.iloc[0], r["se"].iloc[0], rtol=1e-8)


@SETTINGS
@given(samples(), st.sampled_from(KINDS))
def test_binomial_glm_on_a_binary_factor_is_the_logit_difference(sample, kind):
    df, args = sample
    df = df.assign(v=(df["y"] > 10).astype(float).where(df["y"].notna()), g=np.where(df["dom"] == "a", "a", "b"))
    p = df.groupby("g")["v"].agg(["mean", "count"])
    assume(len(p) == 2 and ((p["mean"] > 0) & (p["mean"] < 1)).all())
    d = _design(df, args, kind)
    m = d.glm("v ~ C(g)", family="binomial")
    with np.errstate(divide="ignore", invalid="ignore"):  # a replicate without one group: NaN, as R
        logit = d.contrast(
            "mean",
            {"logit(b) - logit(a)": lambda e: np.log(e["b"] / (1 - e["b"])) - np.log(e["a"] / (1 - e["a"]))},
            "v",
            by="g",
        )
    assume(np.isfinite(logit["se"]).all())
    np.testing.assert_allclose(m.params.iloc[1], logit["estimate"].iloc[0], rtol=1e-9, atol=1e-10)
    # Taylor: the same influence values; replicate: each refit is that replicate's logit difference
    assert_same_se(m.bse.iloc[1], logit["se"].iloc[0])


@SETTINGS
@given(samples(), st.sampled_from(KINDS))
def test_gaussian_glm_on_a_binary_factor_is_the_difference_of_means(sample, kind):
    df, args = sample
    df = df.assign(g=np.where(df["dom"] == "a", "a", "b"))
    assume((df.dropna(subset=["y"]).groupby("g").size() > 0).sum() == 2)
    d = _design(df, args, kind)
    diff = d.difference("y", by="g")
    m = d.glm("y ~ C(g)")
    t = d.ttest("y", "g")
    np.testing.assert_allclose([m.params.iloc[1], t["estimate"].iloc[0]], diff["estimate"].iloc[0], rtol=1e-9)
    assert_same_se([m.bse.iloc[1], t["se"].iloc[0]], diff["se"].iloc[0])


@SETTINGS
@given(samples(), st.sampled_from(KINDS))
def test_crosstab_cells_are_interaction_proportions_and_margins_sum_to_one(sample, kind):
    df, args = sample
    assume(observed_in_every_domain(df, ("cat",)))
    d = _design(df, args, kind)
    cell = d.crosstab("dom", "cat")
    ok = df.dropna(subset=["cat"])
    inter = ok["dom"] + "|" + ok["cat"]
    w = d.weights[ok.index]
    direct = w.groupby(inter).sum() / w.sum()
    got = pd.Series(cell["estimate"].to_numpy(), index=cell["dom"] + "|" + cell["cat"])
    np.testing.assert_allclose(got.reindex(direct.index).to_numpy(), direct.to_numpy(), rtol=1e-10)
    assert abs(cell["estimate"].sum() - 1) < 1e-10
    rows = d.crosstab("dom", "cat", margin="row")
    np.testing.assert_allclose(rows.groupby("dom")["estimate"].sum().to_numpy(), 1.0, rtol=1e-10)


def test_rao_scott_rejects_at_about_the_nominal_rate_under_independence():
    """400 seeded two-stage cluster samples with independent row and column variables (each clustered,
    so Pearson's X^2 alone over-rejects): the F test's rejection rate at 5% is within the binomial band."""
    rng = np.random.default_rng(20261201)
    n_sim, H, psus, m = 400, 6, 8, 12
    rej_f = rej_naive = 0
    stratum = np.repeat(np.arange(H), psus * m)
    psu = np.repeat(np.arange(H * psus), m)
    for _ in range(n_sim):
        # cluster effects on both variables, independently: correlation within PSUs, independence across
        a_eff = rng.normal(0, 0.8, H * psus)[psu]
        b_eff = rng.normal(0, 0.8, H * psus)[psu]
        a = np.digitize(a_eff + rng.normal(0, 1, len(psu)), [-0.5, 0.6])
        b = np.digitize(b_eff + rng.normal(0, 1, len(psu)), [0.0])
        w = rng.uniform(1, 3, len(psu))
        df = pd.DataFrame({"s": stratum, "p": psu, "w": w, "a": a, "b": b})
        d = sk.SurveyDesign(df, weights="w", strata="s", psu="p")
        rej_f += d.chisq("a", "b")["p_value"].iloc[0] < 0.05
        rej_naive += d.chisq("a", "b", statistic="Chisq")["value"].iloc[0] > 5.991
    rate = rej_f / n_sim
    # 5% +- 3 binomial SEs (0.011) plus a little for the F approximation
    assert 0.015 <= rate <= 0.09, rate
    assert rej_naive / n_sim > rate + 0.05  # the unadjusted X^2 over-rejects on clustered data


def test_chisq_lincom_and_f_agree_with_a_2x2_table():
    """With one degree of freedom the exact distribution is delta * chi2_1: lincom's p is the F test's."""
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame(
        {
            "s": np.repeat(np.arange(4), n // 4),
            "p": np.repeat(np.arange(40), n // 40),
            "w": rng.uniform(1, 5, n),
            "a": rng.integers(0, 2, n),
            "b": rng.integers(0, 2, n),
        }
    )
    d = sk.SurveyDesign(df, weights="w", strata="s", psu="p")
    f = d.chisq("a", "b")["p_value"].iloc[0]
    lin = d.chisq("a", "b", statistic="lincom")["p_value"].iloc[0]
    assert lin == pytest.approx(f, rel=1e-9)
