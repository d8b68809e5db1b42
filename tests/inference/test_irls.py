"""The blocked IRLS: the same fit and influence values as a direct solve, across block boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from surveykit.inference import glm as g


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
def test_fit_irls_matches_newton_at_the_solution_over_several_blocks(family, monkeypatch):
    monkeypatch.setattr(g, "_BLOCK", 1000)  # 5 blocks and a partial one
    rng = np.random.default_rng(7)
    n = 5_300
    X = np.asfortranarray(np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=n)]))
    eta = X @ np.array([-0.5, 0.4, 0.3])
    y = {
        "gaussian": eta + rng.normal(size=n),
        "binomial": (rng.random(n) < 1 / (1 + np.exp(-eta))) * 1.0,
        "poisson": rng.poisson(np.exp(eta)) * 1.0,
    }[family]
    w = rng.uniform(0.5, 3, n) * (rng.random(n) > 0.1)  # a tenth of the rows outside the fit
    fam = g.FAMILIES[family]
    beta, Z = g.fit_irls(X, y, w, fam)
    # the weighted score equations hold at the solution
    mu = fam.linkinv(X @ beta)
    score = X.T @ (w * (y - mu) * fam.mu_eta(X @ beta) / fam.variance(mu))
    assert np.abs(score).max() < 1e-9 * np.abs(X.T @ (w * y)).max()
    # influence values: w (y - mu) mu'/V x' (X'WX)^-1 at the solution, zero outside the fit
    ww = w * fam.mu_eta(X @ beta) ** 2 / fam.variance(mu)
    r = w * (y - mu) * fam.mu_eta(X @ beta) / fam.variance(mu)
    direct = (X * r[:, None]) @ np.linalg.inv(X.T @ (X * ww[:, None]))
    np.testing.assert_allclose(Z, direct, rtol=1e-9, atol=1e-14 * np.abs(direct).max())
    assert (Z[w == 0] == 0).all()
    np.testing.assert_allclose(g.glm_influence(X, y, w, beta, fam), direct, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(g.irls(X, y, w, fam)[0], beta, rtol=1e-12)


def test_extreme_linear_predictors_keep_their_weights():
    # mu(1 - mu) from e / (1 + e)^2: where mu is 1 - 1e-15 the weight is ~1e-15, not rounded to 0
    w, _ = g._working(np.array([-35.0, 35.0]), np.array([0.0, 1.0]), np.ones(2), g.FAMILIES["binomial"])
    np.testing.assert_allclose(w, np.exp(-35.0) / (1 + np.exp(-35.0)) ** 2, rtol=1e-12)
