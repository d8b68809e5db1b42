"""Priority ranking with uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit.sae as sae


@pytest.fixture(scope="module")
def two_fits(synthetic):
    y, v, cov = synthetic
    rng = np.random.default_rng(8)
    y2 = pd.Series(0.5 * y.to_numpy() + rng.normal(0, 0.6, len(y)), index=y.index)
    return sae.fay_herriot(y, v, cov), sae.fay_herriot(y2, v, cov)


def test_ranks_and_probabilities_are_consistent(two_fits):
    fit, _ = two_fits
    k = 10
    r = sae.priority_ranking(fit, k=k, B=400, seed=1)
    assert sorted(r["rank"]) == list(range(1, 61))
    # each replicate has exactly k areas in its top k
    assert r["p_top_k"].sum() == pytest.approx(k)
    assert (r["rank_low"] <= r["rank_high"]).all()
    # the point ranking orders the EBLUPs
    eb = fit.table.set_index("area")["eblup"]
    assert eb[r["area"]].is_monotonic_decreasing
    # areas far down the list are never top-10; the leader nearly always is
    assert r["p_top_k"].iloc[0] > 0.8 and (r["p_top_k"].iloc[-15:] == 0).all()
    # seeded
    r2 = sae.priority_ranking(fit, k=k, B=400, seed=1)
    pd.testing.assert_frame_equal(r, r2)


def test_lower_is_priority_reverses(two_fits):
    fit, _ = two_fits
    up = sae.priority_ranking(fit, k=5, B=200, seed=3)
    down = sae.priority_ranking(fit, k=5, B=200, seed=3, higher_is_priority=False)
    assert up["area"].iloc[0] == down["area"].iloc[-1]


def test_composite_score(two_fits):
    a, b = two_fits
    r = sae.priority_ranking({"a": a, "b": b}, weights={"a": 2.0, "b": 1.0}, k=5, B=300, seed=4)
    ea, eb = a.table["eblup"].to_numpy(), b.table["eblup"].to_numpy()
    score = 2 * (ea - ea.mean()) / ea.std() + (eb - eb.mean()) / eb.std()
    got = r.set_index("area").loc[a.table["area"], "score"].to_numpy()
    np.testing.assert_allclose(got, score, rtol=1e-12)
    assert {"a", "b"} <= set(r.columns) and r["p_top_k"].sum() == pytest.approx(5)
