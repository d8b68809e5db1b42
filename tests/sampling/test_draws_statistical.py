"""Seeded statistical checks of the random selection methods over 20,000+ draws: selection frequencies
match inclusion probabilities, joint frequencies match joint probabilities, every draw has n units, and
Sampford's method produces Sampford's design p(s) ∝ (n − Σ_s π) Π_s π/(1 − π) (not an imitation)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

import surveykit.sampling as sks

REPS = 20_000
PIK = sks.inclusion_probabilities([5, 9, 12, 40, 3, 7, 22, 15, 18, 30, 60, 4], 5)  # one certainty unit


def _indicator(s: np.ndarray, n_units: int) -> np.ndarray:
    x = np.zeros((len(s), n_units))
    np.put_along_axis(x, s, 1.0, axis=1)
    return x


def _chi2_marginal(x: np.ndarray, pik: np.ndarray) -> tuple[float, int]:
    inner = (pik > 0) & (pik < 1)
    obs = x.sum(axis=0)[inner]
    exp = len(x) * pik[inner]
    return float(np.sum((obs - exp) ** 2 / (exp * (1 - pik[inner])))), int(inner.sum())


@pytest.mark.parametrize("method", ["sampford", "brewer", "systematic"])
def test_selection_frequencies_match_inclusion_probabilities(method):
    assert PIK.max() == 1.0 and PIK.sum() == pytest.approx(5)
    s = sks.draw_samples(PIK, method, reps=REPS, seed=20241201)
    assert s.shape == (REPS, 5)  # exactly n units in every draw
    assert np.all(np.diff(s, axis=1) > 0)  # distinct units
    x = _indicator(s, len(PIK))
    assert np.all(x[:, PIK == 1] == 1)  # the certainty unit in every draw
    stat, df = _chi2_marginal(x, PIK)
    assert stat < chi2.ppf(0.999, df), (method, stat)
    z = (x.mean(axis=0) - PIK) / np.sqrt(np.maximum(PIK * (1 - PIK), 1e-300) / REPS)
    assert np.abs(z[(PIK > 0) & (PIK < 1)]).max() < 4.0


def test_srs_frequencies_are_n_over_N():
    pik = np.full(9, 3 / 9)
    x = _indicator(sks.draw_samples(pik, "srs", reps=REPS, seed=5), 9)
    stat, df = _chi2_marginal(x, pik)
    assert x.sum(axis=1).min() == x.sum(axis=1).max() == 3
    assert stat < chi2.ppf(0.999, df)
    # every pair equally likely: n(n − 1)/(N(N − 1))
    pair = (x.T @ x / REPS)[np.triu_indices(9, 1)]
    expected = 3 * 2 / (9 * 8)
    assert np.sum((pair - expected) ** 2 / (expected * (1 - expected) / REPS)) < chi2.ppf(0.999, pair.size)


@pytest.mark.parametrize("method", ["sampford", "systematic"])
def test_joint_frequencies_match_joint_probabilities(method):
    pik = PIK
    x = _indicator(sks.draw_samples(pik, method, reps=REPS, seed=77), len(pik))
    freq = x.T @ x / REPS
    pi2 = sks.joint_inclusion_probabilities(pik, method)
    iu = np.triu_indices(len(pik), 1)
    p, f = pi2[iu], freq[iu]
    random_pairs = (p > 0) & (p < 1) & (pik[iu[0]] < 1) & (pik[iu[1]] < 1)
    stat = np.sum((f - p)[random_pairs] ** 2 / (p * (1 - p) / REPS)[random_pairs])
    assert stat < chi2.ppf(0.999, int(random_pairs.sum())), stat
    assert np.all(f[p == 0] == 0)  # systematic: impossible pairs never occur
    np.testing.assert_allclose(pi2.sum(axis=1), 5 * pik)  # Σ_j π_ij = n π_i (diagonal π_i)


def test_sampford_draws_follow_sampford_design():
    pik = sks.inclusion_probabilities([1, 2, 3, 4, 6], 2)
    lam = pik / (1 - pik)
    samples = list(itertools.combinations(range(5), 2))
    p = np.array([(2 - pik[list(s)].sum()) * np.prod(lam[list(s)]) for s in samples])
    p /= p.sum()
    draws = sks.draw_samples(pik, "sampford", reps=40_000, seed=3)
    key = pd.Series(draws[:, 0] * 5 + draws[:, 1]).value_counts()
    obs = np.array([key.get(i * 5 + j, 0) for i, j in samples])
    stat = np.sum((obs - 40_000 * p) ** 2 / (40_000 * p))
    assert stat < chi2.ppf(0.999, len(samples) - 1), stat
    # and an imitation (successive draws proportional to size, without replacement) is rejected
    rng = np.random.default_rng(3)
    first = rng.choice(5, 40_000, p=pik / 2)
    w = np.tile(pik, (40_000, 1))
    w[np.arange(40_000), first] = 0
    second = (w.cumsum(1) < rng.random((40_000, 1)) * w.sum(1, keepdims=True)).sum(1)
    fake = np.sort(np.column_stack([first, second]), axis=1)
    key = pd.Series(fake[:, 0] * 5 + fake[:, 1]).value_counts()
    obs = np.array([key.get(i * 5 + j, 0) for i, j in samples])
    assert np.sum((obs - 40_000 * p) ** 2 / (40_000 * p)) > chi2.ppf(0.999, len(samples) - 1)


def test_draws_reproducible_with_seed():
    a = sks.draw_samples(PIK, "sampford", reps=50, seed=11)
    b = sks.draw_samples(PIK, "sampford", reps=50, seed=11)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, sks.draw_samples(PIK, "sampford", reps=50, seed=12))


def test_two_stage_select_frequencies():
    """Household selection frequency over repeated two-stage selections = π₁ · take/Mᵢ."""
    frame = pd.DataFrame({"seg": [1, 2, 3, 4, 5, 6], "h": [1, 1, 1, 2, 2, 2], "size": [4, 8, 12, 5, 5, 10]})
    units = sks.list_units(frame, "seg", "size", "hh")
    pi1 = sks.inclusion_probabilities(frame["size"], {1: 2, 2: 1}, strata=frame["h"])
    expected = pi1[units["seg"].to_numpy() - 1] * 2 / units["seg"].map(frame.set_index("seg")["size"]).to_numpy()
    reps = 400
    hits = np.zeros(len(units))
    for r in range(reps):
        s = sks.select(
            frame,
            {1: 2, 2: 1},
            method="pps_systematic",
            size="size",
            strata="h",
            seed=r,
            units=units,
            psu="seg",
            take=2,
            unit_method="systematic",
        )
        assert len(s) == 6
        hits[s.index.to_numpy()] += 1
    stat = np.sum((hits - reps * expected) ** 2 / (reps * expected * (1 - expected)))
    assert stat < chi2.ppf(0.999, len(units))
    np.testing.assert_allclose(s["design_weight"], 1 / expected[s.index.to_numpy()])
