"""Seeded simulations: over repeated samples the EBLUP beats the direct estimate and its intervals cover.

Tolerances: 20 samples x ~190 sampled municipalities give ~3,800 intervals; with the correlation of
the areas of one sample (shared beta and sigma2_u errors) the Monte Carlo standard error of a coverage
rate is about 0.01, so a rate within 0.95 +- 0.03 is "about 95%".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
import surveykit.sae as sae
from surveykit.simulate import el_salvador_municipalities, simulate_municipal_survey
from surveykit.sae.transform import HALF_PI


@pytest.fixture(scope="module")
def repeated():
    t = el_salvador_municipalities()
    cov = t[["urban_share", "poverty", "crime_rate", "log_households"]]
    rows = []
    for rep in range(20):
        s = simulate_municipal_survey(seed=rep)
        d = sk.SurveyDesign(s.data, weights="weight", strata="departamento", psu="psu", fpc="segments")
        de = sae.direct_estimates(d, "victima", "municipio", areas=t.index, psu="psu")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sk.VarianceComponentWarning)
            fit = sae.fay_herriot(de["direct"], de["variance"], cov, n=de["n"])
        tab = fit.table.set_index("area")
        tab["truth"] = s.truth["victima"]
        tab["variance"] = de["variance"]
        tab["rep"] = rep
        rows.append(tab)
    return pd.concat(rows)


def test_eblup_mse_below_direct_variance_for_small_areas(repeated):
    x = repeated
    small = x["sampled"] & (x["n"] < 30)  # municipalities with 1-2 PSUs
    assert small.sum() > 1500
    # estimated: the EBLUP's MSE is well below the (smoothed) direct variance ...
    assert x.loc[small, "mse"].mean() < 0.6 * x.loc[small, "variance"].mean()
    # ... and so is the realised squared error against the truth
    emp_eblup = ((x["eblup"] - x["truth"]) ** 2)[small].mean()
    emp_direct = ((x["direct"] - x["truth"]) ** 2)[small].mean()
    assert emp_eblup < 0.5 * emp_direct
    # the estimated MSE is honest on average (within 25% of the realised one)
    assert abs(x.loc[small, "mse"].mean() / emp_eblup - 1) < 0.25


def test_intervals_cover_the_true_municipal_values(repeated):
    x = repeated
    cover = (x["ci_low"] <= x["truth"]) & (x["truth"] <= x["ci_high"])
    samp = x["sampled"]
    assert abs(cover[samp].mean() - 0.95) < 0.03
    assert abs(cover[samp & (x["n"] < 30)].mean() - 0.95) < 0.03
    # non-sampled (small, rural) municipalities: the synthetic MSE is conservative here because the
    # area effects are smaller where prevalence is low (logistic truth); at least nominal
    assert cover[~samp].mean() > 0.93


def test_arcsine_model_by_simulation():
    """Data from the arcsine-scale model itself: the bias-corrected back-transformation is less biased
    than the naive sin^2, and the bootstrap MSE matches the realised squared error."""
    rng = np.random.default_rng(2026)
    m, reps = 50, 30
    x = rng.normal(size=m)
    cov = pd.DataFrame({"x": x}, index=[f"a{i:02d}" for i in range(m)])
    n = rng.integers(8, 120, m)
    beta, s2u = np.array([0.45, 0.12]), 0.02
    bias_bc, bias_naive, boot_mse, emp, cover = [], [], [], [], []
    for r in range(reps):
        theta = np.clip(beta[0] + beta[1] * x + rng.normal(0, np.sqrt(s2u), m), 0, HALF_PI)
        p = np.sin(theta) ** 2
        direct = pd.Series(rng.binomial(n, p) / n, index=cov.index)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sk.VarianceComponentWarning)
            fit = sae.fay_herriot(
                direct,
                pd.Series(np.nan, index=cov.index),
                cov,
                transform="arcsin",
                n_eff=pd.Series(n.astype(float), index=cov.index),
                B=200,
                seed=r,
            )
        t = fit.table
        naive = np.sin(np.clip(fit._model["eta"], 0, HALF_PI)) ** 2
        bias_bc.append(np.mean(t["eblup"] - p))
        bias_naive.append(np.mean(naive - p))
        boot_mse.append(t["mse"].mean())
        emp.append(np.mean((t["eblup"] - p) ** 2))
        cover.append(np.mean((t["ci_low"] <= p) & (p <= t["ci_high"])))
    assert abs(np.mean(bias_bc)) < abs(np.mean(bias_naive))
    assert abs(np.mean(boot_mse) / np.mean(emp) - 1) < 0.2
    assert abs(np.mean(cover) - 0.95) < 0.03
