"""Estimators: totals, means, proportions, ratios and quantiles, with their linearized scores.

Totals, means, proportions and ratios are all ratios of weighted totals ``T(y) / T(x)`` (a total has
no denominator, a mean has ``x = 1``, a proportion ``y = 1(level)``), computed for all variables and
all domains at once. The design supplies the variance of each (domain, statistic) through one kernel
(Taylor or replicate); the estimator supplies the point estimate, the scores and the SRS variance for
the design effect. Quantiles use Woodruff's interval: the CI of the proportion below the quantile,
transformed back through the weighted distribution function (R's ``svyquantile``, ``qrule="math"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import EmptyDomainError, EstimationError, VariableTypeError, format_rows
from ..metadata import label_values, value_labels
from .ci import check_ci, confidence_interval, critical_value
from .domains import Domains
from .kernel import segment_sums

if TYPE_CHECKING:  # pragma: no cover
    from ..design.base import BaseDesign

__all__ = ["Statistics", "estimate_ratios", "estimate_quantiles", "numeric_column", "as_list"]


def as_list(value: str | Sequence[str] | None, what: str) -> list[str]:
    """A column name or list of names as a list (``None`` -> empty)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise EstimationError(f"{what} must be a column name or a list of column names, not {value!r}.")
    for v in out:
        if not isinstance(v, str):
            raise EstimationError(f"{what} must name columns by their (string) names; got {v!r}.")
    return out


@dataclass
class Statistics:
    """The statistics of one estimator call, one column ``j`` each: ``T(num_j) / T(den_j)``.

    ``den`` is ``None`` for totals. ``present[i, j]``: row ``i`` counts for column ``j`` (non-missing
    and in a domain). ``variable`` and ``level`` label the columns.
    """

    variable: list[str]
    level: list[Any] | None
    num: np.ndarray
    den: np.ndarray | None
    present: np.ndarray


def numeric_column(design: BaseDesign, column: str, estimator: str) -> tuple[np.ndarray, np.ndarray]:
    """The values of a numeric analysis column as float64 and its non-missing mask.

    Text and categorical columns raise :class:`VariableTypeError` naming the column and rows.
    """
    s = design._column(column)
    if isinstance(s.dtype, pd.CategoricalDtype):
        raise VariableTypeError(
            f"column '{column}' is categorical; {estimator}() needs numbers. Use proportion('{column}') "
            "for the share of each category.", column=column)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64), np.ones(len(s), dtype=bool)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna()
        rows = list(s.index[bad.to_numpy()])
        example = s[bad].iloc[0] if bad.any() else None
        raise VariableTypeError(
            f"column '{column}' holds text (e.g. {example!r} in rows {format_rows(rows)}); {estimator}() "
            f"needs numbers. Convert the column, or use proportion('{column}') for shares of categories.",
            column=column, rows=rows)
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    notna = ~np.isnan(values)
    if np.isinf(values).any():
        rows = list(s.index[np.isinf(values)])
        raise VariableTypeError(f"column '{column}' has infinite values in rows {format_rows(rows)}.",
                                column=column, rows=rows)
    return values, notna


def _restrict(present: np.ndarray, dom: Domains) -> np.ndarray:
    return present if dom.inside is None else present & dom.inside[:, None]


def check_empty(design: BaseDesign, stats: Statistics, dom: Domains, n_obs: np.ndarray,
                empty: str) -> None:
    """Raise :class:`EmptyDomainError` naming the (variable, domain) cells without observations."""
    if empty not in ("error", "nan"):
        raise EstimationError(f"empty={empty!r}: use 'error' (default) or 'nan'.")
    if empty == "nan":
        return
    gi, ji = np.nonzero(n_obs == 0)
    if len(gi) == 0:
        return
    cells = []
    for g, j in list(zip(gi, ji))[:10]:
        where = ", ".join(f"{c}={dom.table.iloc[g][c]!r}" for c in dom.by) or "the whole sample"
        cells.append(f"'{stats.variable[j]}' in {where}")
    more = f" (and {len(gi) - 10} more)" if len(gi) > 10 else ""
    raise EmptyDomainError(
        f"no observations for {'; '.join(cells)}{more}: every row there is missing or outside the domain. "
        "Check the domain definition, or pass empty='nan' to report these cells as NaN.",
        column=stats.variable[ji[0]])


def estimate_ratios(design: BaseDesign, stats: Statistics, dom: Domains, statistic: str, *,
                    ci: str, level: float, df: float | None, labels: bool, empty: str,
                    proportion: bool = False) -> pd.DataFrame:
    """Point estimates, variances and the result table for ``T(num)/T(den)`` in every domain."""
    check_ci(ci, level, proportion)
    present = _restrict(stats.present, dom)
    num = np.where(present, stats.num, 0.0)
    den = None if stats.den is None else np.where(present, stats.den, 0.0)
    g, G = dom.group, dom.n_groups
    gcodes = np.zeros(num.shape[0], dtype=np.int64) if g is None else g
    w = design._w
    n_obs = segment_sums(present.astype(np.float64), gcodes, G)
    check_empty(design, stats, dom, n_obs, empty)
    Ty = segment_sums(w[:, None] * num, gcodes, G)
    with np.errstate(divide="ignore", invalid="ignore"):
        if den is None:
            Tx = None
            theta = Ty
            lin = num
        else:
            Tx = segment_sums(w[:, None] * den, gcodes, G)
            theta = Ty / Tx
            lin = (num - theta[gcodes] * den) / Tx[gcodes]
        var = design._ratio_variance(num, den, present, dom, theta, Tx)
        vsrs = _srs_variance(w, lin, present, gcodes, G, n_obs)
        deff = var / vsrs
    se = np.sqrt(var)
    dfv = design.degf if df is None else df
    n_rows = n_obs if not proportion else _rows_in_domain(dom, G, num.shape[0])[:, None] * np.ones_like(n_obs)
    lo, hi = confidence_interval(theta, se, dfv, level, ci, n_rows=n_rows)
    return _table(design, stats, dom, statistic, theta, se, lo, hi, deff, n_obs, labels,
                  dict(ci=ci, level=level, df=dfv))


def _rows_in_domain(dom: Domains, G: int, n: int) -> np.ndarray:
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    inside = np.ones(n) if dom.inside is None else dom.inside.astype(np.float64)
    return np.bincount(g, weights=inside, minlength=G)


def _srs_variance(w: np.ndarray, lin: np.ndarray, present: np.ndarray, g: np.ndarray, G: int,
                  n_obs: np.ndarray) -> np.ndarray:
    """Variance under simple random sampling without replacement of the same size (R's deff)."""
    wp = np.where(present, w[:, None], 0.0)
    W = segment_sums(wp, g, G)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = segment_sums(wp * lin, g, G) / W
        dev = lin - m[g]
        s2 = n_obs / (n_obs - 1) * segment_sums(wp * dev * dev, g, G) / W
        out = s2 * W * W * (W - n_obs) / (W * n_obs)
    # R reports NA when the weights sum to less than the sample size (weights not scaled to N)
    return np.where(W < n_obs, np.nan, out)


def _table(design: BaseDesign, stats: Statistics, dom: Domains, statistic: str, est, se, lo, hi,
           deff, n_obs, labels: bool, info: dict) -> pd.DataFrame:
    """Assemble the tidy result: one row per (variable, domain, level)."""
    G, k = est.shape
    # order: variable (first appearance), domain, level
    var_order = {v: i for i, v in enumerate(dict.fromkeys(stats.variable))}
    vj = np.array([var_order[v] for v in stats.variable])
    jj = np.arange(k)
    gg, jgrid = np.meshgrid(np.arange(G), jj, indexing="ij")
    order = np.lexsort((jgrid.ravel(), gg.ravel(), vj[jgrid.ravel()]))
    gsel = gg.ravel()[order]
    jsel = jgrid.ravel()[order]
    cols: dict[str, Any] = {"variable": np.asarray(stats.variable, dtype=object)[jsel]}
    for c in dom.by:
        vals = dom.table[c].iloc[gsel].reset_index(drop=True)
        cols[c] = label_values(vals, design._labels_for(c)) if labels else vals.to_numpy()
    if stats.level is not None:
        lv = pd.Series(np.asarray(stats.level, dtype=object)[jsel])
        if labels:
            lv = pd.concat([label_values(lv[np.asarray(stats.variable)[jsel] == v], design._labels_for(v))
                            for v in var_order]).sort_index()
        cols["level"] = lv.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(est)
    for name, arr in (("estimate", est), ("se", se), ("ci_low", lo), ("ci_high", hi), ("cv", cv),
                      ("deff", deff)):
        cols[name] = np.asarray(arr, dtype=np.float64)[gsel, jsel]
    cols["n"] = np.asarray(n_obs)[gsel, jsel].astype(np.int64)
    out = pd.DataFrame(cols)
    out.attrs.update({"statistic": statistic, **info})
    return out


# ------------------------------------------------------------------------------------------------
# Quantiles (Woodruff)
# ------------------------------------------------------------------------------------------------
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


def estimate_quantiles(design: BaseDesign, variables: list[str], probs: list[float], dom: Domains, *,
                       ci: str, level: float, df: float | None, labels: bool, empty: str) -> pd.DataFrame:
    """Quantiles with Woodruff intervals for each variable, probability and domain."""
    check_ci(ci, level, True)  # the interval is one for the proportion below the quantile
    for p in probs:
        if not (0.0 <= float(p) <= 1.0):
            raise EstimationError(f"quantile probability {p!r} is outside [0, 1].")
    w = design._w
    n = len(w)
    G = dom.n_groups
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    dfv = design.degf if df is None else df
    crit = float(critical_value(level, dfv, "normal" if ci == "normal" else "t"))
    frames = []
    for v in variables:
        values, notna = numeric_column(design, v, "quantile")
        present = notna if dom.inside is None else notna & dom.inside
        n_obs = np.bincount(g, weights=present.astype(np.float64), minlength=G)
        stats = Statistics([v] * len(probs), None, values[:, None], None, present[:, None])
        check_empty(design, stats, dom, n_obs[:, None], empty)
        xs, gs, cum, base, total, starts, ends = _sorted_cdf(np.where(present, values, 0.0), w, present, g, G)
        qhat = np.column_stack([_qrule_math(xs, cum, base, total, starts, ends, np.full(G, p))
                                for p in probs])                     # (G, P)
        # proportion of the domain at or below its quantile, with its design-based SE
        below = (np.where(present, values, np.inf)[:, None] <= qhat[g]).astype(np.float64)
        pstats = Statistics([v] * len(probs), None, below, np.ones_like(below),
                            np.repeat(present[:, None], len(probs), axis=1))
        pres = pstats.present
        Ty = segment_sums(w[:, None] * np.where(pres, below, 0.0), g, G)
        Tx = segment_sums(w[:, None] * pres, g, G)
        with np.errstate(divide="ignore", invalid="ignore"):
            phat = Ty / Tx
            pvar = design._ratio_variance(np.where(pres, below, 0.0), pres.astype(np.float64), pres, dom,
                                          phat, Tx)
        pse = np.sqrt(pvar)
        n_rows = _rows_in_domain(dom, G, n)[:, None] * np.ones_like(phat)
        plo, phi = confidence_interval(phat, pse, dfv, level, ci, n_rows=n_rows)
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
        stats_out = Statistics([v] * len(probs), list(probs), below, None, pres)
        t = _table(design, stats_out, dom, "quantile", qhat, se, lo, hi,
                   np.full_like(qhat, np.nan), np.repeat(n_obs[:, None], len(probs), axis=1), False,
                   dict(ci=ci, level=level, df=dfv))
        t = t.rename(columns={"level": "quantile"})
        if labels:
            for c in dom.by:
                t[c] = label_values(t[c], design._labels_for(c)).to_numpy()
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update({"statistic": "quantile", "ci": ci, "level": level, "df": dfv})
    return out


def proportion_statistics(design: BaseDesign, variables: list[str]) -> Statistics:
    """Indicator columns ``1(y == level)`` for every level of every variable."""
    names: list[str] = []
    levels: list[Any] = []
    nums = []
    presents = []
    for v in variables:
        s = design._column(v)
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy()
            notna = codes >= 0
            ind = codes[:, None] == np.arange(len(cats))[None, :]
        else:
            notna = s.notna().to_numpy()
            cats = sorted(pd.unique(s[notna]), key=_sort_key)
            codes, uniq = pd.factorize(s, sort=False)
            pos = {u: i for i, u in enumerate(uniq)}
            lv_code = np.array([pos[c] for c in cats], dtype=np.int64)
            ind = codes[:, None] == lv_code[None, :]
        if not cats:
            raise EmptyDomainError(f"column '{v}' has no non-missing values; there is nothing to tabulate.",
                                   column=v)
        names += [v] * len(cats)
        levels += cats
        nums.append(ind.astype(np.float64))
        presents.append(np.repeat(notna[:, None], len(cats), axis=1))
    num = np.hstack(nums)
    return Statistics(names, levels, num, np.ones_like(num), np.hstack(presents))


def _sort_key(v: Any):
    return (0, v) if isinstance(v, (int, float, np.integer, np.floating)) else (1, str(v))


def value_label_lookup(design: BaseDesign, column: str) -> dict | None:
    return value_labels(design._data, column)
