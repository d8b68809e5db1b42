"""Replicate weights formed by surveykit: structure and the variances theory promises.

R parity of the variance from given replicate weights is in tests/estimation (fixtures); here the
generators themselves are checked: Hadamard matrices, BRR balance, the jackknives, the Rao-Wu
bootstrap and successive differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.design.hadamard import hadamard, hadamard_order


def _paired(n_strata: int = 12, per_psu: int = 6, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(n_strata):
        for k in range(2):
            psu = 2 * h + k
            eff = rng.normal(0, 1)
            for _ in range(per_psu):
                rows.append((h, psu, rng.uniform(5, 15), 10 + eff + rng.normal(0, 2), rng.integers(0, 3)))
    return pd.DataFrame(rows, columns=["stratum", "psu", "w", "y", "dom"])


def _clustered(n_strata: int = 5, psus=(3, 4, 5, 6, 7), per_psu: int = 5, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    psu = 0
    for h in range(n_strata):
        for _ in range(psus[h % len(psus)]):
            eff = rng.normal(0, 1)
            for _ in range(per_psu):
                rows.append((h, psu, rng.uniform(5, 15), 10 + eff + rng.normal(0, 2), 200 + 10 * h))
            psu += 1
    return pd.DataFrame(rows, columns=["stratum", "psu", "w", "y", "N"])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 11, 12, 13, 27, 36, 52, 79, 100, 160, 250])
def test_hadamard_is_orthogonal_with_a_row_of_ones(n):
    H = hadamard(n)
    order = H.shape[0]
    assert order >= n and order == hadamard_order(n)
    assert set(np.unique(H)) <= {-1, 1}
    assert np.array_equal(H @ H.T, order * np.eye(order, dtype=int))
    assert (H[0] == 1).all()
    if order > 1:
        assert (H[1:].sum(axis=1) == 0).all()  # balanced rows: half +1, half -1


def test_brr_variance_of_a_total_equals_taylor_with_replacement():
    # with full orthogonal balance and 2 PSUs per stratum, BRR is exact for linear statistics
    df = _paired()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    brr = d.to_replicate("brr")
    assert brr.replicates == hadamard_order(12 + 1)
    t = d.total("y", by="dom")
    r = brr.total("y", by="dom")
    np.testing.assert_allclose(r["se"], t["se"], rtol=1e-12)
    np.testing.assert_allclose(r["estimate"], t["estimate"], rtol=1e-14)
    # every replicate keeps exactly one PSU of each pair, with factor 2
    F = brr.factors
    assert set(np.unique(F)) == {0.0, 2.0}
    strat = d.structure.stages[0].cluster_stratum
    assert np.allclose(np.bincount(strat, weights=F[:, 0]), 2.0)
    assert brr.degf == 12.0


def test_fay_variance_of_a_total_equals_taylor_and_keeps_rho():
    df = _paired()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    fay = d.to_replicate("fay", rho=0.3)
    assert set(np.unique(fay.factors)) == {0.3, 1.7}
    assert fay.scale == pytest.approx(1 / (fay.replicates * 0.7**2))
    np.testing.assert_allclose(fay.total("y")["se"], d.total("y")["se"], rtol=1e-12)


def test_brr_refuses_strata_without_exactly_two_psus():
    d = sk.SurveyDesign(_clustered(), weights="w", strata="stratum", psu="psu")
    with pytest.raises(sk.DesignError, match="exactly 2 PSUs"):
        d.to_replicate("brr")


def test_jkn_with_fpc_matches_taylor_for_a_total():
    # delete-one jackknife with rscales (1 - f_h)(n_h - 1)/n_h is exact for a total
    df = _clustered()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu", fpc="N")
    jk = d.to_replicate("jkn")
    np.testing.assert_allclose(jk.total("y")["se"], d.total("y")["se"], rtol=1e-12)
    assert jk.degf == d.degf
    st = d.structure.stages[0]
    nh = st.stratum_n[st.cluster_stratum]
    f = st.stratum_f[st.cluster_stratum]
    np.testing.assert_allclose(np.sort(jk.rscales), np.sort(f * (nh - 1) / nh))


def test_jk1_is_for_unstratified_designs():
    d = sk.SurveyDesign(_clustered(), weights="w", strata="stratum", psu="psu")
    with pytest.raises(sk.DesignError, match="jkn"):
        d.to_replicate("jk1")


def test_bootstrap_factors_are_rao_wu():
    df = _clustered()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    b = d.to_replicate("bootstrap", replicates=40, seed=11)
    F = b.factors
    st = d.structure.stages[0]
    nh = st.stratum_n
    # n_h - 1 draws rescaled by n_h/(n_h - 1): each stratum's factors add up to n_h in every replicate
    sums = np.stack([np.bincount(st.cluster_stratum, weights=F[:, r], minlength=st.n_strata) for r in range(40)])
    np.testing.assert_allclose(sums, np.broadcast_to(nh, sums.shape), rtol=1e-12)
    assert b.scale == pytest.approx(1 / 39)
    # reproducible with the seed, different without
    again = d.to_replicate("bootstrap", replicates=40, seed=11)
    assert np.array_equal(again.factors, F)
    assert not np.array_equal(d.to_replicate("bootstrap", replicates=40, seed=12).factors, F)


@pytest.mark.parametrize("fpc", [None, "N"])
def test_bootstrap_variance_approaches_taylor(fpc):
    # E[v_boot] = v_Taylor for a total (Rao-Wu; with the fpc shrinkage, the fpc-corrected variance)
    df = _clustered(n_strata=5, psus=(4, 5, 6, 8, 10), per_psu=4)
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu", fpc=fpc)
    b = d.to_replicate("bootstrap", replicates=4000, seed=5)
    ratio = b.total("y")["se"][0] / d.total("y")["se"][0]
    assert ratio == pytest.approx(1.0, abs=0.06)


def test_sdr_factors_and_scale():
    df = _clustered()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    s = d.to_replicate("sdr")
    C = d.structure.stages[0].n_clusters
    assert s.replicates == hadamard_order(C + 1)
    assert s.scale == pytest.approx(4 / s.replicates)
    # factors are 1 + 2^(-3/2) (h_a - h_b) in {1 - 2^(-1/2), 1, 1 + 2^(-1/2)}
    vals = np.unique(np.round(s.factors, 12))
    assert np.allclose(vals, [1 - 2**-0.5, 1.0, 1 + 2**-0.5])
    # rows of the Hadamard matrix are balanced, so the factors average to 1 over replicates
    np.testing.assert_allclose(s.factors.mean(axis=1), 1.0, atol=1e-12)


def test_user_replicate_weights_are_compressed_to_units_and_give_the_same_answers():
    df = _clustered()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    jk = d.to_replicate("jkn")
    rw = jk.replicate_weights
    data = pd.concat([df, rw], axis=1)
    given = sk.ReplicateDesign(data, weights="w", replicate_weights=list(rw.columns), method="jkn", rscales=jk.rscales)
    assert given.units is not None and given.factors.shape[0] == d.structure.stages[0].n_clusters
    a = jk.mean("y", by="stratum")
    b = given.mean("y", by="stratum")
    np.testing.assert_allclose(b["se"], a["se"], rtol=1e-12)
    assert given.degf == jk.degf


def test_replicate_design_rejects_bad_weights():
    df = pd.DataFrame({"y": [1.0, 2.0], "w": [1.0, 1.0], "r1": [0.0, np.nan], "r2": [1.0, 1.0]})
    with pytest.raises(sk.WeightError, match="r1"):
        sk.ReplicateDesign(df, weights="w", replicate_weights=["r1", "r2"])
    with pytest.raises(sk.DesignError, match="rscales"):
        sk.ReplicateDesign(df.fillna(1.0), weights="w", replicate_weights=["r1", "r2"], method="jkn")
    with pytest.raises(sk.DesignError, match="pattern"):
        sk.ReplicateDesign(df, weights="w", replicate_weights="zz*")


def test_to_replicate_after_calibration_or_on_a_subset_is_refused():
    df = _clustered()
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    with pytest.raises(sk.DesignError, match="before calibrating"):
        d.poststratify("stratum", {h: 1000.0 for h in range(5)}).to_replicate("jkn")
    with pytest.raises(sk.DesignError, match="whole design"):
        d.subset(df["y"] > 10).to_replicate("jkn")
