"""Properties of covariances, differences and contrasts on random samples (Taylor, calibrated, replicate).

* a covariance matrix is symmetric and positive semi-definite, and its diagonal is the estimator's se²;
* the SE² of a difference is var1 + var2 - 2 cov12;
* a domain against the total is the explicit contrast of the two estimates (the domain is part of
  the total, so their covariance counts);
* an own statistic given by its influence values has the SE of the built-in estimator.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import surveykit as sk
from .test_properties import SETTINGS, observed_in_every_domain, samples


def _designs(df, args, kind: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        d = sk.SurveyDesign(df, **args)
        if kind == "calibrated":
            counts = df.groupby("dom")["w"].sum() * 1.1
            return d.calibrate({"dom": counts.to_dict()})
        if kind == "replicate":
            return d.to_replicate("bootstrap", replicates=20, seed=3)
        return d


KINDS = ["taylor", "calibrated", "replicate"]


@SETTINGS
@given(samples(), st.sampled_from(KINDS), st.sampled_from(["mean", "total", "proportion"]))
def test_covariance_is_symmetric_psd_with_se_squared_on_the_diagonal(sample, kind, statistic):
    df, args = sample
    assume(observed_in_every_domain(df))
    d = _designs(df, args, kind)
    var = "cat" if statistic == "proportion" else "y"
    V = d.covariance(statistic, var, by="dom")
    M = V.to_numpy()
    # a bootstrap replicate without rows in a domain has no estimate there (NaN, as in R)
    assume(np.isfinite(M).all())
    table = getattr(d, statistic)(var, by="dom")
    assert M.shape == (len(table), len(table))
    np.testing.assert_allclose(M, M.T, rtol=0, atol=1e-12 * max(1.0, np.abs(M).max()))
    assert np.linalg.eigvalsh((M + M.T) / 2).min() >= -1e-9 * max(1.0, np.abs(M).max())
    np.testing.assert_allclose(
        np.sqrt(np.clip(np.diag(M), 0, None)),
        table["se"].to_numpy(),
        rtol=1e-9,
        atol=1e-12 * max(1.0, table["se"].max()),
    )


@SETTINGS
@given(samples(), st.sampled_from(KINDS))
def test_difference_se_from_variances_and_covariance(sample, kind):
    df, args = sample
    assume(observed_in_every_domain(df) and df["dom"].nunique() > 1)
    d = _designs(df, args, kind)
    V = d.covariance("mean", "y", by="dom").to_numpy()
    assume(np.isfinite(V).all())
    t = d.difference("y", by="dom", pairs="all")
    cats = sorted(df["dom"].unique())
    for row in t.itertuples():
        i, j = cats.index(row.reference), cats.index(row.group)
        expected = V[i, i] + V[j, j] - 2 * V[i, j]
        assert row.se == pytest.approx(np.sqrt(max(expected, 0.0)), rel=1e-9, abs=1e-12)
        est = d.mean("y", by="dom").set_index("dom")["estimate"]
        assert row.estimate == pytest.approx(est[row.group] - est[row.reference], rel=1e-12, abs=1e-12)


@SETTINGS
@given(samples(), st.sampled_from(KINDS))
def test_domain_against_total_is_the_explicit_contrast(sample, kind):
    df, args = sample
    assume(observed_in_every_domain(df))
    d = _designs(df, args, kind)
    t = d.difference("y", by="dom", reference="total")
    assume(np.isfinite(t["se"]).all())
    joint = sk.Linearization.stack([d.linearize("mean", "y", by="dom"), d.linearize("mean", "y")])
    m = joint.size
    for i, row in enumerate(t.itertuples()):
        a = np.zeros(m)
        a[i], a[m - 1] = 1.0, -1.0
        c = d.contrast(joint, {"d": a})
        assert row.estimate == pytest.approx(c["estimate"][0], rel=1e-12, abs=1e-12)
        assert row.se == pytest.approx(c["se"][0], rel=1e-9, abs=1e-12)
        # ignoring the overlap would be wrong: the domain and the total are correlated
        V = d.covariance_matrix(joint)
        assert row.se**2 == pytest.approx(V[i, i] + V[m - 1, m - 1] - 2 * V[i, m - 1], rel=1e-9, abs=1e-12)


@SETTINGS
@given(samples(missing=False), st.sampled_from(["taylor", "calibrated"]))
def test_own_statistic_from_influence_values_has_the_estimator_se(sample, kind):
    df, args = sample
    d = _designs(df, args, kind)
    w, y = d.weight_array, df["y"].to_numpy()
    m = (w * y).sum() / w.sum()
    lin = d.linearization(m, w * (y - m) / w.sum(), names=["mean"])
    got = d.estimate(lin)
    ref = d.mean("y")
    assert got["estimate"][0] == pytest.approx(ref["estimate"][0], rel=1e-12)
    assert got["se"][0] == pytest.approx(ref["se"][0], rel=1e-9)


def test_replicate_design_needs_a_replicate_function_for_influence_values():
    import pandas as pd

    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "p": [1, 2, 3, 4]})
    r = sk.SurveyDesign(df, weights="w", psu="p").to_replicate("jk1")
    lin = r.linearization(2.0, np.zeros(4))
    with pytest.raises(sk.EstimationError, match="replicate="):
        r.estimate(lin)
    lin = r.linearization(
        float(np.average(df["y"], weights=df["w"])),
        np.zeros(4),
        replicate=lambda W: (W * df["y"].to_numpy()[:, None]).sum(0) / W.sum(0),
    )
    np.testing.assert_allclose(r.estimate(lin)["se"], r.mean("y")["se"], rtol=1e-12)
