"""Quantile intervals besides Woodruff's: the score interval and replicate quantiles.

* ``"score"`` (Francisco and Fuller 1991; R's ``ffullerCI``, Taylor designs): the limits are the
  values ``theta`` where the design-based z statistic of the mean of ``1(x > theta) - (1 - p)`` equals
  the critical value. As in R, each limit is the root of that step function found by Brent's method
  on ``[min + IQR/100, max - IQR/100]`` with tolerance ``1 / (100 sqrt(n))`` (``n`` rows of the domain),
  then mapped through the quantile rule at the *unweighted* share of the domain's rows at or below it.
* ``"quantile"`` (R's ``repCI``, replicate designs): the quantile is recomputed with every replicate's
  weights (rows of zero weight left out), its variance is the design's replicate variance and the
  interval ``estimate +/- crit * SE``.

Brent's root finder runs on all domains and limits at once (one variance computation per step for
every domain), so nothing loops over rows; the replicate interval loops over the replicates.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import SurveykitWarning
from ..variance import replicate_variance
from .qrules import domain_quantiles
from .ratios import ratio_core
from .statistics import Statistics

__all__ = ["zeroin", "score_limits", "replicate_quantile_variance"]

_EPS = np.finfo(np.float64).eps
_BIG = np.finfo(np.float64).max


def zeroin(
    f,
    lower: np.ndarray,
    upper: np.ndarray,
    f_lower: np.ndarray,
    f_upper: np.ndarray,
    tol: np.ndarray,
    maxiter: int = 1000,
) -> np.ndarray:
    """Brent's root finder (the ``zeroin`` form R's ``uniroot`` uses), on many problems at once.

    ``f`` maps an array of points (one per problem) to the function values; each problem stops when
    its bracket is within ``2 eps |b| + tol / 2`` or ``f(b) == 0``, returning ``b``, the end with the
    smaller ``|f|``. Problems whose ends do not bracket a root (or NaN) give NaN.

    >>> r = zeroin(lambda x: x * x - 2, np.array([0.0]), np.array([2.0]), np.array([-2.0]),
    ...            np.array([2.0]), np.array([1e-10]))
    >>> round(float(r[0]), 8)
    1.41421356
    """
    a = np.asarray(lower, dtype=np.float64).copy()
    b = np.asarray(upper, dtype=np.float64).copy()
    fa = np.asarray(f_lower, dtype=np.float64).copy()
    fb = np.asarray(f_upper, dtype=np.float64).copy()
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), a.shape)
    c, fc = a.copy(), fa.copy()
    root = np.full(a.shape, np.nan)
    active = ~(np.isnan(fa) | np.isnan(fb) | (fa * fb > 0) | ~(a < b))
    at_a = active & (fa == 0)
    root[at_a] = a[at_a]
    at_b = active & ~at_a & (fb == 0)
    root[at_b] = b[at_b]
    active &= ~(at_a | at_b)
    for _ in range(maxiter + 1):
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            prev = b - a
            swap = np.abs(fc) < np.abs(fb)  # b is the best approximation, c the other end
            a, b, c = np.where(swap, b, a), np.where(swap, c, b), np.where(swap, b, c)
            fa, fb, fc = np.where(swap, fb, fa), np.where(swap, fc, fb), np.where(swap, fb, fc)
            tol_act = 2 * _EPS * np.abs(b) + tol / 2
            step = (c - b) / 2
            done = active & ((np.abs(step) <= tol_act) | (fb == 0))
            root[done] = b[done]
            active &= ~done
            # interpolation: secant when only two points are known, inverse quadratic otherwise
            cb = c - b
            secant = a == c
            t1 = fb / fa
            q_ = fa / fc
            t1q = fb / fc
            p = np.where(secant, cb * t1, t1 * (cb * q_ * (q_ - t1q) - (b - a) * (t1q - 1.0)))
            q = np.where(secant, 1.0 - t1, (q_ - 1.0) * (t1q - 1.0) * (t1 - 1.0))
            q = np.where(p > 0, -q, q)
            p = np.abs(p)
            accept = (
                (np.abs(prev) >= tol_act)
                & (np.abs(fa) > np.abs(fb))
                & (p < 0.75 * cb * q - np.abs(tol_act * q) / 2)
                & (p < np.abs(prev * q / 2))
            )
            step = np.where(accept, p / q, step)
            step = np.where(np.abs(step) < tol_act, np.where(step > 0, tol_act, -tol_act), step)
        a = np.where(active, b, a)
        fa = np.where(active, fb, fa)
        b = np.where(active, b + step, b)
        if not active.any():
            break
        fnew = np.asarray(f(b), dtype=np.float64)
        bad = active & np.isnan(fnew)
        root[bad] = np.nan
        active &= ~bad
        # R's root finder replaces infinite values by the largest double
        fnew = np.clip(np.nan_to_num(fnew, nan=0.0, posinf=_BIG, neginf=-_BIG), -_BIG, _BIG)
        fb = np.where(active, fnew, fb)
        same = active & (((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0)))
        c = np.where(same, a, c)
        fc = np.where(same, fa, fc)
    root[active] = b[active]  # out of iterations: R warns and returns b
    return root


def _type7(xs: np.ndarray, prob: float) -> float:
    """R's ``quantile(x, prob, type = 7)`` of sorted values."""
    n = len(xs)
    index = 1 + (n - 1) * prob
    lo = int(np.floor(index))
    hi = int(np.ceil(index))
    q = xs[lo - 1]
    h = index - lo
    if index > lo and xs[hi - 1] != q:
        q = (1 - h) * q + h * xs[hi - 1]
    return float(q)


def score_limits(
    design: Any,
    v: str,
    values: np.ndarray,
    present: np.ndarray | None,
    g: np.ndarray,
    G: int,
    dom: Any,
    probs: list[float],
    rule: str,
    crit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Francisco-Fuller limits (G, P) of every domain and probability (R's ``ffullerCI``)."""
    n = len(values)
    pres = np.ones(n, dtype=bool) if present is None else present
    P = len(probs)
    K = 2 * P
    pvec = np.array(list(probs) * 2)
    crit = np.broadcast_to(np.asarray(crit, dtype=np.float64), (G, P))
    qlim = np.concatenate([crit, -crit], axis=1)  # (G, K): z = +crit gives the lower limit
    # the domain's rows (all of them, also zero weights: R's design rows), sorted by value
    idx = np.flatnonzero(pres)
    order = idx[np.lexsort((values[idx], g[idx]))]
    xs = values[order]
    gs = g[order]
    starts = np.searchsorted(gs, np.arange(G), side="left")
    ends = np.searchsorted(gs, np.arange(G), side="right")
    lower = np.full(G, np.nan)
    upper = np.full(G, np.nan)
    tol = np.full(G, np.nan)
    for d in range(G):
        x_d = xs[starts[d] : ends[d]]
        if len(x_d):
            iqr = _type7(x_d, 0.75) - _type7(x_d, 0.25)
            lower[d] = x_d[0] + iqr / 100
            upper[d] = x_d[-1] - iqr / 100
            tol[d] = 1 / (100 * np.sqrt(len(x_d)))

    def f(theta: np.ndarray) -> np.ndarray:
        above = [(values > theta[g, j]).view(np.int8) for j in range(K)]
        r = ratio_core(design, Statistics([v] * K, None, above, [None] * K, [present] * K, [True] * K), dom, "nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            return (r.theta - (1 - pvec)) / np.sqrt(r.var) - qlim

    lo_k = np.repeat(lower[:, None], K, axis=1)
    hi_k = np.repeat(upper[:, None], K, axis=1)
    f_lo = np.where(np.isnan(lo_k), np.nan, f(np.nan_to_num(lo_k)))
    f_hi = np.where(np.isnan(hi_k), np.nan, f(np.nan_to_num(hi_k)))
    roots = zeroin(f, lo_k, hi_k, f_lo, f_hi, np.repeat(tol[:, None], K, axis=1))
    failed = np.isnan(roots) & ~np.isnan(lo_k)
    if failed.any():
        warnings.warn(
            f"{v}: the score interval has no root in {int(failed.sum())} case(s) (the z statistic does "
            "not change sign between min + IQR/100 and max - IQR/100, where R's uniroot stops); "
            "their limits are NaN.",
            SurveykitWarning,
            stacklevel=5,
        )
    # R maps each root through the rule at the unweighted share of the domain's rows at or below it
    share = np.full((G, K), np.nan)
    for d in range(G):
        x_d = xs[starts[d] : ends[d]]
        ok = ~np.isnan(roots[d])
        if len(x_d) and ok.any():
            count = np.searchsorted(x_d, roots[d, ok], side="right")
            share[d, ok] = (count.astype(np.longdouble) / np.longdouble(len(x_d))).astype(np.float64)
    lim = domain_quantiles(rule, np.where(pres, values, 0.0), design.weight_array, pres, g, G, share)
    return lim[:, :P], lim[:, P:]


def replicate_quantile_variance(
    design: Any,
    v: str,
    values: np.ndarray,
    present: np.ndarray | None,
    g: np.ndarray,
    G: int,
    probs: list[float],
    rule: str,
    qhat: np.ndarray,
) -> np.ndarray:
    """Replicate variance (G, P) of the quantiles: every replicate's weights (R's ``repCI``)."""
    n = len(values)
    pres = np.ones(n, dtype=bool) if present is None else present
    if design.method in ("jk1", "jkn"):
        warnings.warn(
            f"{v}: jackknife replicate weights may not give valid standard errors for quantiles "
            "(as R warns); prefer bootstrap or BRR/Fay replicates, or interval_type='woodruff'.",
            SurveykitWarning,
            stacklevel=5,
        )
    W = design.replicate_weights.to_numpy()
    vals = np.where(pres, values, 0.0)
    grid = np.tile(np.asarray(probs, dtype=np.float64), (G, 1))
    thetas = np.stack([domain_quantiles(rule, vals, W[:, r], pres, g, G, grid) for r in range(W.shape[1])])
    scale, rscales, mse = design.scale, np.asarray(design.rscales, dtype=np.float64), design.mse
    with np.errstate(invalid="ignore"):
        var = replicate_variance(thetas, qhat, scale, rscales, mse)
    missing = np.isnan(thetas).any(axis=0) & ~np.isnan(qhat)
    for d, j in zip(*np.nonzero(missing)):
        # R's svrVar drops replicates without a value (a domain with no weight in a replicate) and warns
        keep = ~np.isnan(thetas[:, d, j])
        warnings.warn(
            f"{v}: {int((~keep).sum())} replicates have no rows of the domain with weight and were "
            "dropped from the variance (as R does).",
            SurveykitWarning,
            stacklevel=5,
        )
        if keep.any():
            var[d, j] = replicate_variance(thetas[keep, d, j], qhat[d, j], scale, rscales[keep], mse)
    return var
