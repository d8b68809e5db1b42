"""Crosstabs, chi-squared tests, t-tests, GLMs, ordinal models and svyvar against R survey.

Fixtures: tests/reference/inference (make_inference_reference.R). Every number within 1e-6 relative
(p-values of svychisq's "lincom"/"saddlepoint" within 1e-6 absolute: R integrates with accuracy 1e-7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ._ref import case_design, cases, coef_key, r_key

RTOL = 1e-6


def close(actual, expected, rtol=RTOL, atol=0.0, what=""):
    if expected is None:
        assert actual is None or np.isnan(actual), what
        return
    assert np.isclose(float(actual), float(expected), rtol=rtol, atol=atol), f"{what}: {actual} vs R {expected}"


@pytest.mark.parametrize("case", cases("crosstab"))
def test_crosstab(case):
    d = case_design("crosstab", case)
    k = case["call"]
    t = d.crosstab(k["row"], k["col"], statistic=k["statistic"], margin=k["margin"], by=k["by"])
    by = k["by"] or []
    keys = [tuple(str(r[b]) for b in by) + (str(r[k["row"]]), str(r[k["col"]])) for _, r in t.iterrows()]
    assert len(t) == len(case["expected"])
    got = dict(zip(keys, t.to_dict("records")))
    for e in case["expected"]:
        key = tuple(str(e["domain"][b]) for b in by) + (str(e["row"]), str(e["col"]))
        r = got[key]
        for f in ("estimate", "se", "ci_low", "ci_high", "deff"):
            close(r[f], e[f], what=f"{key} {f}")
        assert r["n"] == e["n"]


@pytest.mark.parametrize("case", cases("chisq", "chisq"))
def test_chisq(case):
    d = case_design("chisq", case)
    k = case["call"]
    r = d.chisq(k["row"], k["col"], statistic=k["statistic"]).iloc[0]
    e = case["expected"]
    assert r["statistic"] == e["statistic"]
    if k["statistic"] not in ("lincom", "saddlepoint"):
        # (R's replicate-design method leaves the text "Rao & Scott adjustment" for these two; ours names them)
        assert r["method"] == e["method"]
    for f in ("value", "ndf", "ddf"):
        close(r[f], e[f], what=f)
    exact = k["statistic"] in ("lincom", "saddlepoint")
    close(r["p_value"], e["p_value"], rtol=0 if exact else RTOL, atol=1e-6 if exact else 0, what="p_value")


@pytest.mark.parametrize("case", cases("chisq", "gofchisq"))
def test_gof_chisq(case):
    d = case_design("chisq", case)
    k = case["call"]
    r = d.gof_chisq(k["variable"], dict(zip(k["levels"], k["p"]))).iloc[0]
    e = case["expected"]
    close(r["value"], e["value"], what="value")
    if max(e["lambda"]) < 1e-10:
        # the design reproduces the category totals exactly (raked on them): R's eigenvalues are rounding noise
        assert r["p_value"] == pytest.approx(e["p_value"], abs=1e-12)
        return
    for f in ("scale", "df", "p_value"):
        close(r[f], e[f], what=f)


@pytest.mark.parametrize("case", cases("ttest"))
def test_ttest(case):
    d = case_design("ttest", case)
    k = case["call"]
    r = d.ttest(k["variable"], k["group"], mu=k["mu"], reference=(k["levels"] or [None])[0]).iloc[0]
    for f, v in case["expected"].items():
        if f != "full_design_degf":
            close(r[f], v, what=f)


def _glm_order(m, coefs):
    keys = {coef_key(n): i for i, n in enumerate(m.params.index)}
    return [keys[r_key(c)] for c in coefs]


@pytest.mark.parametrize("case", cases("glm"))
def test_glm(case):
    d = case_design("glm", case)
    k = case["call"]
    m = d.glm(k["formula"], k["family"])
    e = case["expected"]
    idx = _glm_order(m, e["coefficients"])
    ci = m.conf_int()
    for j, c in zip(idx, e["coefficients"]):
        close(m.params.iloc[j], c["estimate"], what=f"{c['r_name']} estimate")
        close(m.bse.iloc[j], c["se"], what=f"{c['r_name']} se")
        close(m.tvalues.iloc[j], c["t"], what=f"{c['r_name']} t")
        close(m.pvalues.iloc[j], c["p_value"], what=f"{c['r_name']} p")
        close(ci["lower"].iloc[j], c["ci_low"], what="ci_low")
        close(ci["upper"].iloc[j], c["ci_high"], what="ci_high")
    V = m.cov_params().to_numpy()[np.ix_(idx, idx)]
    R = np.array(e["vcov"])
    assert np.allclose(V, R, rtol=RTOL, atol=RTOL * np.abs(R).max())
    assert m.df_resid == e["df_resid"]
    # R counts the zero-weight rows a calibrated design keeps outside a subpopulation; nobs counts rows in the fit
    assert m.nobs == e["n"] or (case.get("subset") and "rake" in case["design"])
    for w in case.get("wald_tests") or []:
        r = m.wald_test(w["term"]).iloc[0]
        close(r["value"], w["F"], what="F")
        close(r["ndf"], w["ndf"], what="ndf")
        close(r["ddf"], w["ddf"], what="ddf")
        close(r["p_value"], w["p_value"], what="p")
    pred = case.get("predict")
    if pred:
        nd = pd.DataFrame(pred["newdata"])
        for c in nd.columns:  # R's newdata gives integer-coded factors as text
            if pd.api.types.is_numeric_dtype(d.data[c]) and not pd.api.types.is_numeric_dtype(nd[c]):
                nd[c] = pd.to_numeric(nd[c])
        for typ in ("response", "link"):
            got = m.predict(nd, se=True, type=typ)
            assert np.allclose(got["fit"], pred[typ]["fit"], rtol=RTOL)
            # R's predict on a replicate-design glm gives one SE for several rows (the fixture keeps what R
            # returns): compare the rows R gives
            se = pred[typ]["se"]
            assert np.allclose(got["se"].to_numpy()[: len(se)], se, rtol=RTOL)


def _no_missing(d, formula):
    from surveykit.inference.formula import model_frame

    return not model_frame(d.data, formula).missing.any()


@pytest.mark.parametrize("case", [c for c in cases("glm") if c.values[0]["expected"]["dispersion_se"] is not None])
def test_glm_dispersion(case):
    # R's summary.svyglm aligns Pearson residuals of the rows in the fit with the design's rows; with missing
    # values in the model the two differ in length and R's svyvar pairs them up wrongly: those are not compared
    d = case_design("glm", case)
    k = case["call"]
    if not _no_missing(d, k["formula"]):
        pytest.skip("R misaligns residuals with missing values (see the comment)")
    r = d.glm(k["formula"], k["family"]).dispersion().iloc[0]
    close(r["estimate"], case["expected"]["dispersion"], what="dispersion")
    close(r["se"], case["expected"]["dispersion_se"], what="dispersion se")


@pytest.mark.parametrize("case", cases("olr"))
def test_olr(case):
    d = case_design("olr", case)
    k = case["call"]
    m = d.olr(k["formula"], levels=k["outcome_levels"])
    e = case["expected"]
    assert [z["r_name"] for z in e["zeta"]] == list(m.zeta.index)
    keys = {coef_key(n): i for i, n in enumerate(m.coefficients.index)}
    idx = [keys[r_key(c)] for c in e["coefficients"]] + [m.n_beta + i for i in range(len(e["zeta"]))]
    ref = e["coefficients"] + e["zeta"]
    assert np.allclose(m.params.to_numpy()[idx], [c["estimate"] for c in ref], rtol=RTOL)
    assert np.allclose(m.bse.to_numpy()[idx], [c["se"] for c in ref], rtol=RTOL)
    V = m.cov_params().to_numpy()[np.ix_(idx, idx)]
    R = np.array(e["vcov"])
    assert np.allclose(V, R, rtol=RTOL, atol=RTOL * np.abs(R).max())
    assert m.df_resid == e["df_resid"] and m.nobs == e["n"]


@pytest.mark.parametrize("case", cases("svyvar"))
def test_svyvar(case):
    d = case_design("svyvar", case)
    t = d.svyvar(case["call"]["variables"])
    assert len(t) == len(case["expected"])
    for e in case["expected"]:
        r = t[(t["row"] == e["row"]) & (t["col"] == e["col"])].iloc[0]
        close(r["estimate"], e["estimate"], what="estimate")
        close(r["se"], e["se"], what="se")
