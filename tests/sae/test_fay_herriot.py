"""Fay-Herriot model: identities, non-sampled areas, batch fitting, bootstrap MSE, benchmarking."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surveykit.sae as sae
from surveykit.sae import mse as sae_mse


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_eblup_is_the_gamma_combination(synthetic, method):
    y, v, cov = synthetic
    t = sae.fay_herriot(y, v, cov, method=method).table
    gamma = t["gamma"].to_numpy()
    assert ((gamma > 0) & (gamma < 1)).all()
    np.testing.assert_allclose(t["eblup"], gamma * t["direct"] + (1 - gamma) * t["synthetic"], rtol=1e-12)
    # the EBLUP's MSE is below the direct variance in every area of this set
    assert (t["mse"] < t["direct_se"] ** 2).all()
    np.testing.assert_allclose(t["rmse"], np.sqrt(t["mse"]))
    np.testing.assert_allclose(t["cv"], t["rmse"] / t["eblup"].abs())


def test_non_sampled_areas_get_synthetic_estimate_and_its_mse(synthetic):
    y, v, cov = synthetic
    y = y.copy()
    y.iloc[[3, 17, 40]] = np.nan  # three areas without sample
    fit = sae.fay_herriot(y, v, cov, method="ML")
    t = fit.table
    out = ~t["sampled"]
    assert out.sum() == 3 and (t.loc[out, "gamma"] == 0).all()
    np.testing.assert_allclose(t.loc[out, "eblup"], t.loc[out, "synthetic"])
    # sigma2_u + x'Qx - b, with Q and b from the sampled areas only
    keep = t["sampled"].to_numpy()
    X = np.column_stack([np.ones(len(cov)), cov.to_numpy(float)])
    an = sae_mse.analytic_mse(X[keep], v.to_numpy()[keep], fit.sigma2_u, "ML")
    expected = fit.sigma2_u + np.einsum("ij,jk,ik->i", X[~keep], an["Q"], X[~keep]) - an["bias"]
    np.testing.assert_allclose(t.loc[out, "mse"], expected, rtol=1e-12)
    assert an["bias"] < 0  # ML underestimates sigma2_u: the MSE is raised
    # same sampled-area results as a fit without those rows
    fit2 = sae.fay_herriot(y.dropna(), v[y.notna()], cov[y.notna()], method="ML")
    np.testing.assert_allclose(t.loc[keep, "eblup"], fit2.table["eblup"], rtol=1e-12)


def test_batched_fisher_scoring_equals_one_at_a_time(synthetic):
    y, v, cov = synthetic
    X = np.column_stack([np.ones(len(cov)), cov.to_numpy(float)])
    rng = np.random.default_rng(5)
    Y = y.to_numpy()[None, :] + rng.normal(size=(6, len(y)))
    for method in ("REML", "ML", "FH"):
        A, k, ok = sae_mse.fisher_scoring(Y, X, v.to_numpy(), method, 1e-10)
        single = [sae_mse.fisher_scoring(Y[b], X, v.to_numpy(), method, 1e-10) for b in range(6)]
        np.testing.assert_allclose(A, [s[0][0] for s in single], rtol=1e-12)
        assert k.tolist() == [int(s[1][0]) for s in single]


def test_bootstrap_mse_agrees_with_analytic_on_milk(milk):
    y, v, cov = milk
    fit = sae.fay_herriot(y, v, cov, method="REML")
    boot = fit.bootstrap(3000, seed=11)
    ratio = boot.mse() / fit.table["mse"].to_numpy()
    # second-order correct estimators of the same MSE: close on average, area by area within 25%
    assert abs(ratio.mean() - 1) < 0.05
    assert np.abs(ratio - 1).max() < 0.25
    fb = sae.fay_herriot(y, v, cov, method="REML", mse="bootstrap", B=300, seed=3)
    assert fb.table["mse_method"].iloc[0] == "parametric bootstrap (B=300)"
    np.testing.assert_allclose(fb.table["eblup"], fit.table["eblup"])
    lo_ok = (fb.table["ci_low"] < fb.table["eblup"]) & (fb.table["eblup"] < fb.table["ci_high"])
    assert lo_ok.all()


def test_bootstrap_is_seeded(milk):
    y, v, cov = milk
    fit = sae.fay_herriot(y, v, cov)
    a, b = fit.bootstrap(50, seed=4), fit.bootstrap(50, seed=4)
    np.testing.assert_array_equal(a.estimate, b.estimate)
    assert a.truth.shape == (50, 43)


def test_summary_and_diagnostics(milk):
    y, v, cov = milk
    fit = sae.fay_herriot(y, v, cov, method="FH")
    text = fit.summary()
    assert "FH" in text and "MajorArea=2" in text
    d = fit.diagnostics
    assert d["converged"] and not d["truncated"] and 0 < d["shapiro_std_residuals_p"] <= 1
    assert list(fit.beta.columns) == ["term", "estimate", "se", "z", "p_value"]
    assert list(fit.beta["term"]) == ["(Intercept)", "MajorArea=2", "MajorArea=3", "MajorArea=4"]


# --- arcsine ---------------------------------------------------------------------------------------
def test_arcsin_fit_uses_effective_sample_size():
    rng = np.random.default_rng(2)
    m = 40
    cov = pd.DataFrame({"x": rng.normal(size=m)}, index=[f"a{i}" for i in range(m)])
    p = 1 / (1 + np.exp(-(-1 + 0.5 * cov["x"] + rng.normal(0, 0.3, m))))
    n = rng.integers(15, 200, m)
    direct = pd.Series(rng.binomial(n, p) / n, index=cov.index)
    var = direct * (1 - direct) / n
    ne = pd.Series(n.astype(float), index=cov.index)
    fit = sae.fay_herriot(direct, var, cov, transform="arcsin", n_eff=ne, B=100, seed=1)
    t = fit.table
    assert ((t["eblup"] > 0) & (t["eblup"] < 1)).all()
    assert t["mse_method"].iloc[0].startswith("parametric bootstrap")
    # on the transformed scale the sampling variance is 1/(4 n_eff)
    np.testing.assert_allclose(fit._model["psi"], 1 / (4 * n))
    # the bias correction integrates sin^2 over N(eta, sigma2_u (1 - gamma))
    from surveykit.sae.transform import arcsin_back

    eta = fit._model["eta"]
    np.testing.assert_allclose(t["eblup"], arcsin_back(eta, fit.sigma2_u * (1 - t["gamma"].to_numpy())))
    # without n_eff it is p(1-p)/variance = n here
    fit2 = sae.fay_herriot(direct, var, cov, transform="arcsin", B=20, seed=1)
    np.testing.assert_allclose(fit2._model["psi"], 1 / (4 * n), rtol=1e-9)


# --- benchmarking ----------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    est=st.lists(st.floats(0.05, 0.95), min_size=4, max_size=12),
    target=st.floats(0.1, 0.9),
    method=st.sampled_from(["ratio", "difference"]),
)
def test_benchmark_adds_up_to_the_target_within_each_group(est, target, method):
    m = len(est)
    areas = [f"d{i}" for i in range(m)]
    table = pd.DataFrame({"area": areas, "eblup": est})
    group = pd.Series(np.arange(m) % 2, index=areas)
    size = pd.Series(np.arange(1, m + 1, dtype=float), index=areas)
    shares = size / size.groupby(group).transform("sum")
    targets = pd.Series({0: target, 1: target / 2})
    out = sae.benchmark(table, targets, shares, by=group, method=method)
    sums = (shares * out.set_index("area")["eblup_bench"]).groupby(group).sum()
    np.testing.assert_allclose(sums.sort_index().to_numpy(), [target, target / 2], rtol=1e-10)
    if method == "ratio":  # ratio benchmarking keeps the ordering within a group
        r = out["eblup_bench"] / out["eblup"]
        assert np.allclose(r.groupby(group.to_numpy()).std().fillna(0), 0)


def test_fit_benchmark_method(milk):
    y, v, cov = milk
    fit = sae.fay_herriot(y, v, cov)
    shares = pd.Series(1 / 43, index=cov.index)
    out = fit.benchmark(float(y.mean()), shares, method="difference")
    assert abs(out["eblup_bench"].mean() - y.mean()) < 1e-12


def test_no_truncation_warning_on_regular_data(milk):
    y, v, cov = milk
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sae.fay_herriot(y, v, cov, method="ML")


# --- invariants ------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 100), shift=st.floats(-50, 50), method=st.sampled_from(["REML", "ML", "FH"]))
def test_equivariance_under_change_of_units(synthetic, scale, shift, method):
    """Measuring the variable in other units (y -> c y + k, psi -> c^2 psi) changes the EBLUP the same way
    and the MSE by c^2: the estimator does not depend on the units (the iterations start at median(psi)
    and stop on a relative change, both scale-free)."""
    y, v, cov = synthetic
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = sae.fay_herriot(y, v, cov, method=method, tol=1e-12).table
        moved = sae.fay_herriot(scale * y + shift, scale**2 * v, cov, method=method, tol=1e-12).table
    np.testing.assert_allclose(moved["eblup"], scale * base["eblup"] + shift, rtol=1e-7, atol=1e-9 * (1 + abs(shift)))
    np.testing.assert_allclose(moved["mse"], scale**2 * base["mse"], rtol=1e-7)
    np.testing.assert_allclose(moved["gamma"], base["gamma"], rtol=1e-7)
