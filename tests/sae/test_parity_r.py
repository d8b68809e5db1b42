"""Parity with R's sae::eblupFH and sae::mseFH (fixtures from tests/reference/sae/make_reference.R)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit.sae as sae
from surveykit.sae.transform import arcsin_integral

REF = Path(__file__).resolve().parents[1] / "reference" / "sae"
CASES = json.loads((REF / "fixtures" / "eblupFH.json").read_text())["cases"]
RTOL = 1e-6


def _data(name):
    df = pd.read_csv(REF / "data" / f"{name}.csv")
    if name == "milk":
        df.index = df["SmallArea"].astype(str)
        return df["yi"], df["vardir"], df[["MajorArea"]].astype(str), None
    df.index = df["area"]
    cols = ["x1", "x2", "x3"] if name == "synthetic" else ["x1"]
    return df["y"], df["vardir"], df[cols], None


def _close(ours, theirs, what, case):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    scale = np.maximum(np.abs(theirs), 1e-12)
    worst = float(np.max(np.abs(ours - theirs) / scale))
    assert worst < RTOL, f"{case['data']} {case['method']} {case['precision']}: {what} off by {worst:.2e}"
    return worst


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['data']}-{c['method']}-{c['precision']}")
def test_eblupFH_mseFH(case):
    y, v, cov, _ = _data(case["data"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sae.fay_herriot(y, v, cov, method=case["method"], tol=case["precision"])
    truncated = case["data"] == "truncated"
    assert any(issubclass(w.category, sae_warning()) for w in caught) == truncated
    assert fit.diagnostics["iterations"] == case["iterations"]
    if truncated:
        assert fit.sigma2_u == 0.0 and case["sigma2_u"] == 0
    else:
        _close(fit.sigma2_u, case["sigma2_u"], "sigma2_u", case)
    _close(fit.beta["estimate"], case["beta"], "beta", case)
    _close(fit.beta["se"], case["std_error"], "beta se", case)
    _close(fit.beta["z"], case["tvalue"], "beta z", case)
    _close(fit.beta["p_value"], case["pvalue"], "beta p", case)
    for k in ("loglike", "AIC", "BIC", "KIC"):
        _close(fit.diagnostics[k], case[k], k, case)
    _close(fit.table["eblup"], case["eblup"], "eblup", case)
    _close(fit.table["mse"], case["mse"], "mse", case)


def sae_warning():
    from surveykit import VarianceComponentWarning

    return VarianceComponentWarning


def test_arcsin_integral_matches_emdi_integrand():
    """The closed form equals R's integrate() of emdi's integrand sin(x)^2 dnorm(x, mu, sd) on [0, pi/2]."""
    d = json.loads((REF / "fixtures" / "arcsin.json").read_text())
    got = arcsin_integral(np.array(d["mu"]), np.array(d["var"]))
    np.testing.assert_allclose(got, d["value"], rtol=1e-9)


def test_arcsin_fit_end_to_end_matches_emdis_method():
    """REML on asin(sqrt(p)) with variance 1/(4 n_eff), EBLUP, emdi's bias-corrected back-transformation
    (R: sae::eblupFH + integrate() of emdi's integrand; see make_reference.R)."""
    d = json.loads((REF / "fixtures" / "arcsin.json").read_text())["fit"]
    df = pd.read_csv(REF / "data" / "arcsin.csv", index_col="area")
    fit = sae.fay_herriot(
        df["direct"],
        pd.Series(np.nan, index=df.index),
        df[["x"]],
        transform="arcsin",
        n_eff=df["neff"],
        tol=1e-12,
        B=10,
        seed=0,
    )
    np.testing.assert_allclose(fit.sigma2_u, d["sigma2_u"][0], rtol=RTOL)
    np.testing.assert_allclose(fit.beta["estimate"], d["beta"], rtol=RTOL)
    np.testing.assert_allclose(fit._model["eta"], d["eta"], rtol=RTOL)
    np.testing.assert_allclose(fit.table["gamma"], d["gamma"], rtol=RTOL)
    np.testing.assert_allclose(fit.table["eblup"], d["eblup_bc"], rtol=RTOL)
    # the correction matters: the naive sin^2 differs by more than the tolerance
    assert np.max(np.abs(np.array(d["naive"]) / np.array(d["eblup_bc"]) - 1)) > 1e-3
