"""Direct estimates from a design, and GVF smoothing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk
import surveykit.sae as sae
from surveykit.simulate import el_salvador_municipalities, simulate_municipal_survey


@pytest.fixture(scope="module")
def survey():
    s = simulate_municipal_survey(seed=3)
    d = sk.SurveyDesign(s.data, weights="weight", strata="departamento", psu="psu", fpc="segments")
    return s, d


def test_direct_estimates_are_the_designs_own(survey):
    s, d = survey
    t = el_salvador_municipalities()
    de = sae.direct_estimates(d, "victima", "municipio", areas=t.index, psu="psu")
    ref = d.mean("victima", by="municipio").set_index("municipio")
    np.testing.assert_allclose(de.loc[ref.index, "direct"], ref["estimate"])
    np.testing.assert_allclose(de.loc[ref.index, "direct_variance"], ref["se"] ** 2)
    assert len(de) == 262
    out = de["n"] == 0
    assert out.sum() == 262 - len(ref) and de.loc[out, "direct"].isna().all()
    assert (de.loc[out, "variance_source"] == "none").all()
    # PSU counts and the instability rule
    psus = s.data.groupby("municipio")["psu"].nunique()
    np.testing.assert_array_equal(de.loc[psus.index, "psus"], psus)
    gvf_rows = de["variance_source"] == "gvf"
    assert (de.loc[gvf_rows, "psus"] < 5).all() and (de.loc[de["variance_source"] == "direct", "psus"] >= 5).all()
    np.testing.assert_allclose(de.loc[gvf_rows, "variance"], de.attrs["gvf"].predict(de.loc[gvf_rows, "n"]))
    assert (de.loc[~out, "variance"] > 0).all()
    # proportion of a level equals the mean of the 0/1 variable
    dp = sae.direct_estimates(d, "victima", "municipio", level=1, smooth="none")
    np.testing.assert_allclose(dp["direct"], ref["estimate"])


def test_unlisted_area_and_bad_options(survey):
    _, d = survey
    with pytest.raises(sk.SmallAreaError, match="not in `areas`"):
        sae.direct_estimates(d, "victima", "municipio", areas=[101, 102])
    with pytest.raises(sk.SmallAreaError, match="smooth"):
        sae.direct_estimates(d, "victima", "municipio", smooth="some")
    with pytest.raises(sk.SmallAreaError, match="category"):
        sae.direct_estimates(d, "victima", "municipio", level=7)


@settings(max_examples=30, deadline=None)
@given(a=st.floats(-3, 3), b=st.floats(-1.5, -0.3), noise=st.floats(0.0, 0.3), seed=st.integers(0, 1000))
def test_gvf_recovers_a_power_law(a, b, noise, seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(5, 500, 60).astype(float)
    e = rng.normal(0, noise, 60)
    v = np.exp(a + b * np.log(n) + e)
    g = sae.gvf(n, v)
    # with residual noise the fit is unbiased for log var; smearing makes exp unbiased for var. The slope's
    # sampling error is noise / sqrt(Sxx): six standard errors is a bound a fixed seed cannot cross by chance
    logn = np.log(n)
    se = noise / np.sqrt(((logn - logn.mean()) ** 2).sum())
    assert abs(g.slope - b) < 6 * se + 1e-9
    if noise == 0:
        assert g.smearing == pytest.approx(1.0)
        np.testing.assert_allclose(g.predict(n), v, rtol=1e-8)


def test_gvf_needs_stable_areas():
    with pytest.raises(sk.SmallAreaError, match="3 stable"):
        sae.gvf(np.array([10.0, 20.0]), np.array([0.1, 0.05]))
