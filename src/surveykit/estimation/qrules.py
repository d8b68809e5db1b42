"""Quantile rules of R's ``svyquantile`` (``qrule=``), for every domain.

Each rule turns the weighted sample of a domain into its ``p``-quantile. R (survey 4.1-1) defines:

* ``"math"`` = ``"hf1"``: the inverse of the weighted distribution function, the lowest value whose
  cumulative weight reaches ``p * W``; ``"school"`` = ``"hf2"``: the same, averaging the two values
  when the cumulative weight hits ``p * W`` exactly;
* ``"hf3"``: on the distinct values (weights summed), the lower value at an exact hit when its rank
  is even, else the next;
* ``"hf4"``: linear interpolation between the two values around ``p * W``;
* ``"hf5"`` .. ``"hf9"``: linear interpolation of the sorted values against plotting positions
  ``pk`` built from the cumulative weights (Hyndman and Fan's types with weights);
* ``"shahvaish"``: Shah and Vaish's step function with ``pk = (S_k + 1/2 - w_k/2) / (n + 1)``, where
  ``S_k`` is the cumulative weight scaled to mean 1 (R subtracts the *unscaled* weight; kept).

Rows with zero weight are left out first (as R does). Cumulative sums accumulate in extended
precision and sums use R's long-double ``sum``/two-pass ``mean``, so exact hits of ``p * W`` come
out as in R. ``"math"`` runs vectorised over all domains; the other rules loop over the domains
(never over rows).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import EstimationError

__all__ = ["QRULES", "QuantileRule", "check_qrule", "domain_quantiles", "qrule_value"]

QRULES = ("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")
#: R's quantile rules (``qrule=``)
QuantileRule = Literal["math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9"]
_ALIAS = {"hf1": "math", "hf2": "school"}
_LD = np.longdouble


def check_qrule(qrule: str) -> str:
    """The rule's canonical name, or :class:`EstimationError` naming the choices.

    >>> check_qrule("hf1"), check_qrule("hf7")
    ('math', 'hf7')
    """
    if not isinstance(qrule, str) or qrule not in QRULES:
        raise EstimationError(f"qrule={qrule!r} is not a quantile rule; use one of {', '.join(QRULES)}.")
    return _ALIAS.get(qrule, qrule)


def _cumsum(w: np.ndarray) -> np.ndarray:
    """R's ``cumsum``: accumulated in long double, each partial sum stored as a double."""
    return np.cumsum(w.astype(_LD)).astype(np.float64)


def _rmean(w: np.ndarray) -> float:
    """R's ``mean`` of doubles: long-double sum over n, then one correction pass."""
    n = len(w)
    s = w.astype(_LD).sum() / _LD(n)
    s = s + (w.astype(_LD) - s).sum() / _LD(n)
    return float(s)


def _approx(pk: np.ndarray, y: np.ndarray, p: float, constant: bool) -> float:
    """R's ``approx(pk, y, p, rule=2)`` (``method="constant", f=0`` when ``constant``).

    Unsorted ``pk`` are sorted (stably) and tied ``pk`` averaged, as R's ``regularize.values``.
    """
    if np.any(np.diff(pk) < 0):
        o = np.argsort(pk, kind="stable")
        pk, y = pk[o], y[o]
    if np.any(np.diff(pk) == 0):
        ux, inv = np.unique(pk, return_inverse=True)
        y = np.bincount(inv, weights=y) / np.bincount(inv)
        pk = ux
    n = len(pk)
    if n == 0 or np.isnan(p):
        return np.nan
    if p < pk[0]:
        return float(y[0])
    if p > pk[-1]:
        return float(y[-1])
    if n == 1:
        return float(y[0])
    i = min(int(np.searchsorted(pk, p, side="right")) - 1, n - 2)
    j = i + 1
    if p == pk[j]:
        return float(y[j])
    if p == pk[i]:
        return float(y[i])
    if constant:
        return float(y[i])
    return float(y[i] + (y[j] - y[i]) * ((p - pk[i]) / (pk[j] - pk[i])))


def _qs(x: np.ndarray, cumw: np.ndarray, W: float, p: float):
    """R's ``qs``: the last position whose cumulative weight is ``<= p W`` (the first if none)."""
    n = len(x)
    hits = np.flatnonzero(cumw <= p * W)
    pos = int(hits[-1]) if len(hits) else 0
    nxt = pos if pos == n - 1 else pos + 1
    return x[pos], x[nxt], pos + 1, p - cumw[pos] / W, cumw[nxt] / W - p


def qrule_value(rule: str, x: np.ndarray, w: np.ndarray, p: float) -> float:
    """The ``p``-quantile of one domain under ``rule``; ``x`` sorted (stably), ``w`` positive.

    >>> x = np.array([1.0, 2.0, 3.0, 4.0]); w = np.ones(4)
    >>> [qrule_value(r, x, w, 0.5) for r in ("math", "school", "hf4", "hf7")]
    [2.0, 2.5, 2.0, 2.5]
    """
    rule = _ALIAS.get(rule, rule)
    n = len(x)
    if n == 0 or np.isnan(p):
        return np.nan
    if rule in ("math", "school", "hf4"):
        cumw = _cumsum(w)
        qlow, qup, _, wlow, wup = _qs(x, cumw, cumw[-1], p)
        if rule == "hf4":
            with np.errstate(divide="ignore", invalid="ignore"):
                gamma = wlow / (wup + wlow)  # 0/0 at p = 1: NaN, as in R
                return float(qlow * (1 - gamma) + qup * gamma)
        if wlow == 0:
            return float((qlow + qup) / 2) if rule == "school" else float(qlow)
        return float(qup)
    if rule == "hf3":
        ux, first, inv = np.unique(x, return_index=True, return_inverse=True)
        wu = np.zeros(len(ux))
        np.add.at(wu, inv, w)  # R's rowsum: plain double sums in row order
        cumw = _cumsum(wu)
        qlow, qup, ilow, wlow, _ = _qs(ux, cumw, cumw[-1], p)
        return float(qlow if (wlow == 0 and ilow % 2 == 0) else qup)
    cumw = _cumsum(w)
    prev = np.concatenate([[0.0], cumw[:-1]])
    if rule == "shahvaish":
        S = _cumsum(w / _rmean(w))
        return _approx((S + 0.5 - w / 2) / (n + 1), x, p, constant=True)
    if rule == "hf5":
        pk = (cumw - w / 2) / cumw[-1]
    elif rule == "hf6":
        pk = cumw / (cumw[-1] + w[-1])
    elif rule == "hf7":
        if n == 1:
            return float(x[0])
        pk = prev / cumw[-2]  # R divides by the next-to-last cumulative weight
    elif rule == "hf8":
        pk = (prev * 1 / 3 + cumw * 2 / 3) / (cumw[-1] + w[-1] / 3)
    elif rule == "hf9":
        pk = (prev * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + w[-1] / 4)
    else:  # pragma: no cover - check_qrule guards
        raise EstimationError(f"qrule={rule!r} is not a quantile rule; use one of {', '.join(QRULES)}.")
    return _approx(pk, x, p, constant=False)


def _sorted_rows(values: np.ndarray, w: np.ndarray, rows: np.ndarray, g: np.ndarray, G: int):
    """Rows used (``rows`` with non-zero weight) sorted by domain, then value (stable), with bounds."""
    idx = np.flatnonzero(rows & (w != 0))
    order = idx[np.lexsort((values[idx], g[idx]))]
    gs = g[order]
    starts = np.searchsorted(gs, np.arange(G), side="left")
    ends = np.searchsorted(gs, np.arange(G), side="right")
    return order, starts, ends


def _math_vectorised(xs, ws, starts, ends, p: np.ndarray) -> np.ndarray:
    """``"math"`` for every domain at once: R's rule on the long-double cumulative weights.

    The search runs on the cumulative sum over all domains; the comparison is then redone in double
    precision on the domain's own cumulative weights, as R computes them.
    """
    cum = np.cumsum(ws.astype(_LD))
    zero = _LD(0)
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)] if len(cum) else zero, zero)
    total = np.where(ends > starts, cum[np.maximum(ends - 1, 0)] - base if len(cum) else zero, zero)
    W = total.astype(np.float64)
    p = np.asarray(p, dtype=np.float64)
    pW = p * W
    last = np.maximum(ends - 1, starts)
    raw = np.searchsorted(cum, base + pW.astype(_LD), side="right") - 1
    raw = np.clip(raw, starts - 1, last)

    def rel(i):
        return (cum[np.clip(i, 0, len(cum) - 1)] - base).astype(np.float64)

    # one step either way so that the comparison is R's: double cumw <= double p * W
    up = (raw + 1 <= last) & (rel(raw + 1) <= pW)
    raw = np.where(up, raw + 1, raw)
    down = (raw >= starts) & (rel(raw) > pW)
    raw = np.where(down, raw - 1, raw)
    pos = np.where(raw < starts, starts, raw)
    nxt = np.minimum(pos + 1, last)
    with np.errstate(divide="ignore", invalid="ignore"):
        wlow = p - rel(pos) / W
    top = max(len(xs) - 1, 0)
    q = np.where(
        wlow == 0, xs[np.clip(pos, 0, top)] if len(xs) else np.nan, xs[np.clip(nxt, 0, top)] if len(xs) else np.nan
    )
    return np.where((ends > starts) & ~np.isnan(p), q, np.nan)


def domain_quantiles(
    rule: str, values: np.ndarray, w: np.ndarray, rows: np.ndarray, g: np.ndarray, G: int, probs: np.ndarray
) -> np.ndarray:
    """The quantile of every domain for each column of ``probs`` (G, P): (G, P), NaN where p is NaN.

    ``rows`` are the rows of the domains (missing values out); ``g`` their domain codes.

    >>> v = np.array([3.0, 1.0, 2.0, 5.0]); w = np.ones(4); g = np.array([0, 0, 1, 1])
    >>> domain_quantiles("school", v, w, np.ones(4, bool), g, 2, np.full((2, 1), 0.5)).ravel().tolist()
    [2.0, 3.5]
    """
    rule = _ALIAS.get(rule, rule)
    probs = np.asarray(probs, dtype=np.float64)
    order, starts, ends = _sorted_rows(values, w, rows, g, G)
    xs, ws = values[order], w[order]
    out = np.full(probs.shape, np.nan)
    if rule == "math":
        for j in range(probs.shape[1]):
            out[:, j] = _math_vectorised(xs, ws, starts, ends, probs[:, j])
        return out
    for d in range(G):
        x_d, w_d = xs[starts[d] : ends[d]], ws[starts[d] : ends[d]]
        for j in range(probs.shape[1]):
            out[d, j] = qrule_value(rule, x_d, w_d, probs[d, j])
    return out
