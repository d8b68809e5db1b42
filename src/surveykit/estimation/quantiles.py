"""Quantiles with Woodruff intervals (R's ``svyquantile``, ``qrule="math"``).

The quantile inverts the weighted distribution function; its interval is the interval of the
proportion below the quantile (a ratio estimate, so any design's variance applies), mapped back
through the distribution function, and the SE is the interval's width over twice the critical value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..metadata import label_values
from ..variance import Domains
from .ci import check_ci, confidence_interval, critical_value
from .ratios import ratio_core, resolve_df, result_table, rows_in_domain
from .statistics import Statistics, check_empty, label_of, numeric_column

__all__ = ["estimate_quantiles", "quantile_probabilities"]


def quantile_probabilities(quantiles: Any) -> list[float]:
    """The probabilities asked for, checked: one number or a non-empty list, each in [0, 1].

    >>> quantile_probabilities(0.5), quantile_probabilities([0.25, 0.75])
    ([0.5], [0.25, 0.75])
    """
    items = [quantiles] if isinstance(quantiles, (int, float, np.number, str)) else quantiles
    try:
        items = list(items)
    except TypeError:
        raise EstimationError(f"quantiles={quantiles!r}: give a probability or a list of them, e.g. [0.25, 0.5].") \
            from None
    if not items:
        raise EstimationError("quantiles=[]: give at least one probability, e.g. 0.5.")
    out = []
    for q in items:
        if isinstance(q, bool) or not isinstance(q, (int, float, np.number)) or not 0.0 <= float(q) <= 1.0:
            raise EstimationError(f"quantile probability {q!r} is not a number in [0, 1].")
        out.append(float(q))
    return out


def _sorted_cdf(values: np.ndarray, w: np.ndarray, present: np.ndarray, g: np.ndarray, G: int):
    """Rows of each domain sorted by value, with R's long-double cumulative weights per domain."""
    idx = np.flatnonzero(present)
    order = idx[np.lexsort((values[idx], g[idx]))]
    xs = values[order]
    gs = g[order]
    cum = np.cumsum(w[order].astype(np.longdouble))
    starts = np.searchsorted(gs, np.arange(G), side="left")
    ends = np.searchsorted(gs, np.arange(G), side="right")
    zero = np.longdouble(0)
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)] if len(cum) else zero, zero)
    total = np.where(ends > starts, cum[np.maximum(ends - 1, 0)] - base if len(cum) else zero, zero)
    return xs, gs, cum, base, total, starts, ends


def _qrule_math(xs, cum, base, total, starts, ends, p: np.ndarray) -> np.ndarray:
    """R's ``qrule_math`` for each domain (arrays over domains): the p-quantile of the weighted CDF.

    R takes the last sorted value whose cumulative weight is ``<= p * sum(w)`` (the first when there
    is none), and the next value unless the cumulative weight hits ``p * sum(w)`` exactly. The search
    runs on the long-double cumulative sum of all domains; the comparison is then redone in double
    precision on the domain's own cumulative weights, as R computes them.
    """
    W = total.astype(np.float64)
    pW = np.asarray(p, dtype=np.float64) * W
    last = np.maximum(ends - 1, starts)
    raw = np.searchsorted(cum, base + pW.astype(np.longdouble), side="right") - 1
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
        wlow = np.asarray(p, dtype=np.float64) - rel(pos) / W
    q = np.where(wlow == 0, xs[np.clip(pos, 0, len(xs) - 1)], xs[np.clip(nxt, 0, len(xs) - 1)])
    return np.where(ends > starts, q, np.nan)


def estimate_quantiles(design: Any, variables: list[str], probs: list[float], dom: Domains, *,
                       ci: str, level: float, df: float | str | None, labels: bool, empty: str) -> pd.DataFrame:
    """Quantiles with Woodruff intervals for each variable, probability and domain."""
    check_ci(ci, level, True)  # the interval is one for the proportion below the quantile
    for p in probs:
        if not (0.0 <= float(p) <= 1.0):
            raise EstimationError(f"quantile probability {p!r} is outside [0, 1].")
    w = design.weight_array
    n = len(w)
    G = dom.n_groups
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    frames = []
    P = len(probs)
    for col in variables:
        values, notna = numeric_column(design, col, "quantile")
        v = label_of(col)
        present = notna if dom.inside is None else (dom.inside if notna is None else notna & dom.inside)
        pres = np.ones(n, dtype=bool) if present is None else present
        n_obs = np.bincount(g, weights=pres, minlength=G).astype(np.float64)
        check_empty(design, Statistics([v], None, [values], None, [present]), dom, n_obs[:, None], empty)
        xs, gs, cum, base, total, starts, ends = _sorted_cdf(np.where(pres, values, 0.0), w, pres, g, G)
        qhat = np.column_stack([_qrule_math(xs, cum, base, total, starts, ends, np.full(G, p))
                                for p in probs])                     # (G, P)
        # proportion of the domain at or below its quantile, with its design-based SE
        below = [(values <= qhat[g, j]).view(np.int8) for j in range(P)]
        # R's woodruffCI takes the logit interval by the delta method, replicate designs included
        r = ratio_core(design, Statistics([v] * P, None, below, [None] * P, [present] * P, [True] * P), dom, "nan")
        phat = r.theta
        pse = np.sqrt(r.var)
        dfv = resolve_df(design, df, "design", dom, r.masks)
        crit = critical_value(level, dfv, "normal" if ci == "normal" else "t")
        kg_df = resolve_df(design, df, "domain", dom, r.masks) if ci == "korn-graubard" else None
        n_rows = rows_in_domain(dom, n)[:, None] * np.ones_like(phat)
        plo, phi = confidence_interval(phat, pse, dfv, level, ci, n_rows=n_rows, kg_df=kg_df)
        lo = np.full_like(phat, np.nan)
        hi = np.full_like(phat, np.nan)
        for j in range(len(probs)):
            okl = ~(np.isnan(plo[:, j]) | (plo[:, j] < 0))
            okh = ~(np.isnan(phi[:, j]) | (phi[:, j] > 1))
            lo[:, j] = np.where(okl, _qrule_math(xs, cum, base, total, starts, ends,
                                                 np.where(okl, plo[:, j], 0.0)), np.nan)
            hi[:, j] = np.where(okh, _qrule_math(xs, cum, base, total, starts, ends,
                                                 np.where(okh, phi[:, j], 1.0)), np.nan)
        se = (hi - lo) / (2 * crit)
        stats_out = Statistics([v] * P, list(probs), below, None, [present] * P)
        t = result_table(design, stats_out, dom, "quantile", qhat, se, lo, hi,
                   np.full_like(qhat, np.nan), np.repeat(n_obs[:, None], P, axis=1), False,
                   dict(ci=ci, level=level), dfv)
        t = t.rename(columns={"level": "quantile"})
        if labels:
            for c in dom.by:
                t[c] = label_values(t[c], design.labels_for(c)).to_numpy()
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    uniform = np.unique(out["df"])
    out.attrs.update({"statistic": "quantile", "ci": ci, "level": level,
                      "df": float(uniform[0]) if len(uniform) == 1 else "by domain"})
    return out
