"""Territorial priority ranking with uncertainty.

A ministry ranks municipalities by an indicator (or a weighted composite of several) to target
resources. A ranking of point estimates hides that neighbouring ranks are often indistinguishable.
Here each area's rank gets an interval and the probability of being among the ``k`` highest, from the
parametric bootstrap of each Fay-Herriot model (:func:`surveykit.sae.parametric_bootstrap`):

1. each replicate ``b`` gives plausible true values ``eblup + (theta*_b - eblup*_b)`` for every area
   (the bootstrap distribution of the estimation error, which keeps the error shared through
   ``beta``);
2. a composite score per replicate ``sum_j w_j (value_j - c_j) / s_j`` with ``c_j, s_j`` the mean and
   standard deviation of indicator ``j``'s point estimates across areas (fixed, so every replicate is
   on the same scale); indicators are bootstrapped independently of each other;
3. the areas are ranked within each replicate (1 = highest score, the top priority); the rank interval
   is the ``level`` quantile range of the replicate ranks and ``p_top_k`` the share of replicates in
   which the area ranks ``k`` or better.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import SmallAreaError
from .fayherriot import FayHerriotFit

__all__ = ["priority_ranking"]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = largest (ties broken by position)."""
    return np.argsort(np.argsort(-scores, axis=-1, kind="stable"), axis=-1, kind="stable") + 1


def priority_ranking(
    fits: FayHerriotFit | Mapping[str, FayHerriotFit],
    *,
    weights: Mapping[str, float] | None = None,
    k: int = 10,
    B: int = 1000,
    seed: int | None = None,
    level: float = 0.95,
    higher_is_priority: bool | Mapping[str, bool] = True,
) -> pd.DataFrame:
    """Rank areas by an indicator or a weighted composite, with rank intervals and P(top k).

    Parameters
    ----------
    fits : FayHerriotFit or mapping of name to FayHerriotFit
        One fitted model per indicator, all over the same areas.
    weights : mapping of name to float, optional
        Composite weights (default equal). With a single fit the score is its EBLUP itself.
    k : int, default 10
        Size of the priority list for ``p_top_k``.
    B : int, default 1000
        Bootstrap replicates per indicator.
    seed : int, optional
    level : float, default 0.95
        Level of the rank intervals.
    higher_is_priority : bool or mapping, default True
        Whether a higher value means a higher priority (e.g. victimization: yes; trust in police: no).

    Returns
    -------
    DataFrame
        One row per area, sorted by ``rank``: ``area, score, rank, rank_low, rank_high, p_top_k`` and,
        for a composite, each indicator's EBLUP.

    Examples
    --------
    >>> import numpy as np, pandas as pd, surveykit.sae as sae
    >>> cov = pd.DataFrame({"x": np.arange(12.0)}, index=[f"m{i:02d}" for i in range(12)])
    >>> direct = pd.Series(np.arange(12.0) * 0.5 + np.tile([0.6, -0.6], 6), index=cov.index)
    >>> fit = sae.fay_herriot(direct, pd.Series(0.2, index=cov.index), cov)
    >>> r = sae.priority_ranking(fit, k=3, B=500, seed=2)
    >>> r["area"].head(3).tolist(), bool(r["p_top_k"].iloc[0] > 0.9), bool(r["p_top_k"].iloc[-1] == 0)
    (['m10', 'm11', 'm08'], True, True)
    """
    if isinstance(fits, FayHerriotFit):
        fits = {"indicator": fits}
    if not fits:
        raise SmallAreaError("give at least one fitted model to rank.")
    names = list(fits)
    areas = fits[names[0]].table["area"]
    for nm in names[1:]:
        if not fits[nm].table["area"].reset_index(drop=True).equals(areas.reset_index(drop=True)):
            raise SmallAreaError(
                f"model {nm!r} is fitted on other areas than {names[0]!r}; fit every indicator "
                "on the same covariate table (same areas, same order)."
            )
    w = {nm: 1.0 for nm in names} if weights is None else dict(weights)
    unknown = set(w) - set(names)
    if unknown or set(names) - set(w):
        raise SmallAreaError(f"weights name {sorted(unknown)} and models {names} must match.")
    if not 1 <= k <= len(areas):
        raise SmallAreaError(f"k={k}: give a number between 1 and the number of areas ({len(areas)}).")
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**63 - 1, size=len(names))
    score = np.zeros(len(areas))
    draws = np.zeros((B, len(areas)))
    n_ok = B
    out = pd.DataFrame({"area": areas.to_numpy()})
    for nm, s in zip(names, seeds):
        fit = fits[nm]
        sign = higher_is_priority.get(nm, True) if isinstance(higher_is_priority, Mapping) else higher_is_priority
        point = fit.table["eblup"].to_numpy(float)
        boot = fit.bootstrap(B, seed=int(s))
        d = boot.draws()
        if len(names) > 1:
            c, sd = point.mean(), point.std()
            if sd == 0:
                raise SmallAreaError(f"indicator {nm!r} has the same estimate in every area; it cannot be ranked.")
            point, d = (point - c) / sd, (d - c) / sd
            out[nm] = fit.table["eblup"].to_numpy(float)
        sgn = 1.0 if sign else -1.0
        score = score + w[nm] * sgn * point
        draws[: d.shape[0]] += w[nm] * sgn * d
        n_ok = min(n_ok, d.shape[0])  # replicates that did not converge are left out
    draws = draws[:n_ok]
    ranks = _ranks(draws)
    a = (1 - level) / 2
    out.insert(1, "score", score)
    out.insert(2, "rank", _ranks(score[None, :])[0])
    q = np.quantile(ranks, [a, 1 - a], axis=0, method="inverted_cdf")
    out.insert(3, "rank_low", q[0].astype(int))
    out.insert(4, "rank_high", q[1].astype(int))
    out.insert(5, "p_top_k", (ranks <= k).mean(axis=0))
    return out.sort_values("rank", kind="stable").reset_index(drop=True)
