"""Bad input to surveykit.sae raises named errors that say which area or column and what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
import surveykit.sae as sae


def test_zero_missing_or_negative_variance(synthetic):
    y, v, cov = synthetic
    for bad in (0.0, np.nan, -0.1, 1e-30):
        vv = v.copy()
        vv.loc["A07"] = bad
        with pytest.raises(sk.DirectVarianceError, match="A07") as e:
            sae.fay_herriot(y, vv, cov)
        assert e.value.rows == ["A07"] and "gvf" in str(e.value)
    # an area without a direct estimate needs no variance
    yy, vv = y.copy(), v.copy()
    yy.loc["A07"], vv.loc["A07"] = np.nan, np.nan
    assert not sae.fay_herriot(yy, vv, cov).table.set_index("area").loc["A07", "sampled"]


def test_covariates_with_missing_values(synthetic):
    y, v, cov = synthetic
    c = cov.copy()
    c.loc["A10", "x2"] = np.nan
    with pytest.raises(sk.CovariateError, match=r"\['x2'\].*A10") as e:
        sae.fay_herriot(y, v, c)
    assert e.value.column == "x2"


def test_collinear_covariates_name_the_column(synthetic):
    y, v, cov = synthetic
    c = cov.assign(x4=2 * cov["x1"] - cov["x2"])
    with pytest.raises(sk.CollinearityError, match="x4|x1|x2"):
        sae.fay_herriot(y, v, c)
    with pytest.raises(sk.CollinearityError):
        sae.fay_herriot(y, v, cov.assign(const=3.0))


def test_areas_without_covariates_and_misaligned_input(synthetic):
    y, v, cov = synthetic
    with pytest.raises(sk.CovariateError, match="A05"):
        sae.fay_herriot(y, v, cov.drop(index="A05"))
    with pytest.raises(sk.CovariateError, match="DataFrame"):
        sae.fay_herriot(y, v, cov.to_numpy())
    with pytest.raises(sk.CovariateError, match="repeat"):
        sae.fay_herriot(y, v, pd.concat([cov, cov.iloc[:1]]))


def test_negative_sigma2_is_truncated_with_a_warning():
    df = pd.read_csv(
        __import__("pathlib").Path(__file__).parents[1] / "reference" / "sae" / "data" / "truncated.csv",
        index_col="area",
    )
    with pytest.warns(sk.VarianceComponentWarning, match="set to 0"):
        fit = sae.fay_herriot(df["y"], df["vardir"], df[["x1"]])
    assert fit.sigma2_u == 0 and fit.diagnostics["truncated"] and fit.diagnostics["sigma2_u_raw"] < 0
    t = fit.table
    assert (t["gamma"] == 0).all()
    np.testing.assert_allclose(t["eblup"], t["synthetic"])
    assert "truncated at 0" in fit.summary()


def test_options_and_sizes(synthetic):
    y, v, cov = synthetic
    with pytest.raises(sk.SmallAreaError, match="REML"):
        sae.fay_herriot(y, v, cov, method="reml")
    with pytest.raises(sk.SmallAreaError, match="arcsin"):
        sae.fay_herriot(y, v, cov, transform="log")
    with pytest.raises(sk.SmallAreaError, match="more sampled areas"):
        sae.fay_herriot(y.iloc[:4], v.iloc[:4], cov.iloc[:4])
    with pytest.raises(sk.ModelConvergenceError):
        sae.fay_herriot(y, v, cov, max_iter=1, tol=1e-14)
    with pytest.raises(sk.SmallAreaError, match="between 0 and 1"):
        sae.fay_herriot(y, v, cov, transform="arcsin")


def test_arcsin_with_zero_proportion_needs_n_eff(synthetic):
    _, v, cov = synthetic
    p = pd.Series(np.linspace(0.05, 0.6, len(cov)), index=cov.index)
    p.iloc[0] = 0.0
    with pytest.raises(sk.SmallAreaError, match="n_eff"):
        sae.fay_herriot(p, v, cov, transform="arcsin")
    fit = sae.fay_herriot(p, v, cov, transform="arcsin", n_eff=pd.Series(50.0, index=cov.index), B=20, seed=1)
    assert fit.table["eblup"].between(0, 1).all()


def test_benchmark_and_ranking_errors(synthetic):
    y, v, cov = synthetic
    fit = sae.fay_herriot(y, v, cov)
    with pytest.raises(sk.SmallAreaError, match="share"):
        fit.benchmark(1.0, pd.Series(0.1, index=cov.index[:5]))
    with pytest.raises(sk.SmallAreaError, match="ratio"):
        fit.benchmark(1.0, pd.Series(1 / 60, index=cov.index), method="raking")
    with pytest.raises(sk.SmallAreaError, match="k="):
        sae.priority_ranking(fit, k=0, B=10)
    other = sae.fay_herriot(y.iloc[:30], v.iloc[:30], cov.iloc[:30])
    with pytest.raises(sk.SmallAreaError, match="same"):
        sae.priority_ranking({"a": fit, "b": other}, B=10)
