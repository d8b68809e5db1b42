"""Estimators: totals, means, proportions, ratios and quantiles, with their linearized scores.

Totals, means, proportions and ratios are all ratios of weighted totals ``T(y) / T(x)`` (a total has
no denominator, a mean has ``x = 1``, a proportion ``y = 1(level)``), computed for all variables and
all domains at once. The design supplies the variance of each (domain, statistic) through one kernel
(Taylor or replicate); the estimator supplies the point estimate, the scores and the SRS variance for
the design effect. Quantiles use Woodruff's interval: the CI of the proportion below the quantile,
transformed back through the weighted distribution function (R's ``svyquantile``, ``qrule="math"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import EmptyDomainError, EstimationError, VariableTypeError, format_rows
from ..metadata import label_values
from .ci import check_ci, confidence_interval, critical_value
from .domains import Domains

if TYPE_CHECKING:  # pragma: no cover
    from ..design.base import BaseDesign

__all__ = ["Statistics", "RatioResult", "ratio_core", "estimate_ratios", "estimate_quantiles",
           "numeric_column", "proportion_statistics", "as_list"]


def as_list(value: Any, what: str) -> list:
    """Column names (or named Series aligned with the data) as a list (``None`` -> empty)."""
    if value is None:
        return []
    if isinstance(value, (str, pd.Series)):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise EstimationError(f"{what} must be a column name or a list of column names, not {value!r}.")
    for v in out:
        if not isinstance(v, (str, pd.Series)):
            raise EstimationError(f"{what} must name columns by their (string) names; got {v!r}.")
    return out


def label_of(column: str | pd.Series) -> str:
    """The name a column (or Series) goes by in result tables."""
    if isinstance(column, pd.Series):
        return str(column.name) if column.name is not None else "value"
    return column


@dataclass
class Statistics:
    """The statistics of one estimator call, one column ``j`` each: ``T(num_j) / T(den_j)``.

    Columns are 1-D arrays (one per statistic) so that no (rows x statistics) matrix is built for the
    inputs. ``den`` is ``None`` for totals; an entry ``None`` in ``den`` means 1 (a mean).
    ``present[j]`` marks the rows that count for column ``j`` (``None``: every row); values elsewhere
    are ignored (they may be NaN). ``variable`` and ``level`` label the columns.
    """

    variable: list[str]
    level: list[Any] | None
    num: list[np.ndarray]
    den: list[np.ndarray | None] | None
    present: list[np.ndarray | None]
    binary: list[bool] | None = None

    @property
    def k(self) -> int:
        return len(self.num)


def numeric_column(design: BaseDesign, column: str | pd.Series, estimator: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The values of a numeric analysis column as float64 and its non-missing mask (``None``: complete).

    Text and categorical columns raise :class:`VariableTypeError` naming the column and rows.
    """
    s = design._column(column)
    if isinstance(s.dtype, pd.CategoricalDtype):
        raise VariableTypeError(
            f"column '{column}' is categorical; {estimator}() needs numbers. Use proportion('{column}') "
            "for the share of each category.", column=column)
    if not pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna()
        rows = list(s.index[bad.to_numpy()])
        example = s[bad].iloc[0] if bad.any() else None
        raise VariableTypeError(
            f"column '{column}' holds text (e.g. {example!r} in rows {format_rows(rows)}); {estimator}() "
            f"needs numbers. Convert the column, or use proportion('{column}') for shares of categories.",
            column=column, rows=rows)
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iub":
        # plain integer and boolean columns cannot be missing; arithmetic upcasts them without a copy
        values = s.to_numpy()
        return (values.view(np.int8) if values.dtype == bool else values), None
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    notna = ~np.isnan(values)
    if np.isinf(values).any():
        rows = list(s.index[np.isinf(values)])
        raise VariableTypeError(f"column '{column}' has infinite values in rows {format_rows(rows)}.",
                                column=column, rows=rows)
    return values, (None if notna.all() else notna)


def is_binary(values: np.ndarray) -> bool:
    """A 0/1 column, missing values aside (its weighted sum of squares is its weighted sum)."""
    if values.size == 0:
        return False
    if values.dtype.kind in "iu":
        return bool(values.min() >= 0 and values.max() <= 1)
    if values.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            if np.isnan(values).all() or np.nanmin(values) < 0 or np.nanmax(values) > 1:
                return False
            return not bool(((values > 0) & (values < 1)).any())
    return False


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
    # one message per (variable, domain): a proportion has a column per level of the same variable
    pairs = list(dict.fromkeys((stats.variable[j], g) for g, j in zip(gi, ji)))
    cells = []
    for v, g in pairs[:10]:
        where = ", ".join(f"{c}={dom.table.iloc[g][c]!r}" for c in dom.by) or "the whole sample"
        cells.append(f"'{v}' in {where}")
    more = f" (and {len(pairs) - 10} more)" if len(pairs) > 10 else ""
    raise EmptyDomainError(
        f"no observations for {'; '.join(cells)}{more}: every row there is missing or outside the domain. "
        "Check the domain definition, or pass empty='nan' to report these cells as NaN.",
        column=stats.variable[ji[0]])


@dataclass
class RatioResult:
    """Point estimates and variances of ``T(num)/T(den)`` per (domain, statistic)."""

    theta: np.ndarray
    var: np.ndarray
    vsrs: np.ndarray
    n_obs: np.ndarray
    masks: list
    var_logit: np.ndarray | None = None


def ratio_core(design: BaseDesign, stats: Statistics, dom: Domains, empty: str = "error",
               logit: bool = False, combine: np.ndarray | None = None) -> RatioResult:
    """Estimates, design variances and SRS variances (for deff) of every column in every domain.

    One pass per column over 1-D arrays: weighted totals by domain (``bincount``), the linearized
    score ``w (y - theta x) / T(x)`` for Taylor designs or the weighted data for replicate designs,
    and ``sum w lin^2`` for the design effect. Denominators shared by columns without missing values
    are computed once. ``combine`` (k, m) asks instead for the m linear combinations
    ``theta @ combine`` with their joint variance (scores or replicate estimates combined the same
    way); their SRS variance is NaN.
    """
    w = design._w
    n = len(w)
    G = dom.n_groups
    g = dom.group
    inside = dom.inside
    k = stats.k
    if g is None:
        def gsum(v):
            return np.array([v.sum()])

        def at(t):
            return t[0]
    else:
        def gsum(v):
            return np.bincount(g, weights=v, minlength=G)

        def at(t):
            return t[g]
    mode = design._variance_input
    U = np.empty((n, k), order="F") if mode == "scores" else None
    PT = None
    # when the variance needs only (PSU x domain) totals — Taylor designs without later-stage fpc or
    # calibration, replicate designs with per-PSU factors — sum the weighted data into those cells once
    # and work there (no row-level scores or stacked columns at all)
    cells = design._score_cells(dom)
    if cells is not None:
        cell, ncell, cell_group = cells
        U = None
        PT = np.empty((ncell, k), order="F") if mode == "scores" else None

        def csum(v):
            return np.bincount(cell, weights=v, minlength=ncell)

        def cgsum(a):
            return np.bincount(cell_group, weights=a, minlength=G)
    nums: list[np.ndarray] = []           # replicate designs: weighted numerators ...
    dens: list[np.ndarray] = []           # ... and the distinct weighted denominators
    den_of = np.zeros(k, dtype=np.int64)
    theta = np.empty((G, k))
    S = np.empty((G, k))
    W_all = np.empty((G, k))
    n_obs = np.empty((G, k))
    shared: dict = {}
    masks = []
    binary = stats.binary or [False] * k
    for j in range(k):
        p = stats.present[j]
        mask = inside if p is None else (p if inside is None else p & inside)
        masks.append(mask)
        y = stats.num[j]
        if mask is None:
            wj, yv = w, y
        else:
            wj, yv = np.where(mask, w, 0.0), np.where(mask, y, 0)
        key = "base" if p is None else None
        if key and key in shared:
            W, nob, Aw = shared[key]
        else:
            Aw = csum(wj) if cells is not None else None
            W = cgsum(Aw) if cells is not None else gsum(wj)
            if g is None:
                nob = np.array([float(n if mask is None else np.count_nonzero(mask))])
            else:
                nob = np.bincount(g, weights=None if mask is None else mask, minlength=G).astype(np.float64)
            if key:
                shared[key] = (W, nob, Aw)
        W_all[:, j] = W
        n_obs[:, j] = nob
        wy = wj * yv
        if cells is not None:
            Ay = csum(wy)
            Ty = cgsum(Ay)
        else:
            Ty = gsum(wy)
        if stats.den is None:                                   # a total
            theta[:, j] = Ty
            with np.errstate(divide="ignore", invalid="ignore"):
                if binary[j]:
                    S[:, j] = Ty * (1 - Ty / W)                 # sum w (y - ybar)^2 of a 0/1 variable
                else:
                    d = yv - at(Ty / W)
                    S[:, j] = gsum(wj * d * d)
            if PT is not None:
                PT[:, j] = Ay
            elif U is not None:
                U[:, j] = wy
            else:
                nums.append(wy if cells is None else Ay)
            continue
        x = stats.den[j]
        if x is None:
            Tx = W
            wx = wj
            Ax = Aw
        else:
            xv = x if mask is None else np.where(mask, x, 0.0)
            wx = wj * xv
            Ax = csum(wx) if cells is not None else None
            Tx = cgsum(Ax) if cells is not None else gsum(wx)
        with np.errstate(divide="ignore", invalid="ignore"):
            th = Ty / Tx
            theta[:, j] = th
            quick = binary[j] and x is None
            if quick:
                S[:, j] = Ty * (1 - th) / (Tx * Tx)             # sum w (y - mean)^2 / W^2 of a 0/1 variable
            if PT is not None:
                # cell totals of the score w (y - theta x) / T(x)
                PT[:, j] = (Ay - th[cell_group] * Ax) / Tx[cell_group]
                if not quick:
                    d = yv - at(th) if x is None else yv - at(th) * xv
                    S[:, j] = gsum(wj * d * d) / (Tx * Tx)
                continue
            if U is None:
                nums.append(wy if cells is None else Ay)
                dkey = ("den", key) if key and x is None else None
                if dkey and dkey in shared:
                    den_of[j] = shared[dkey]
                else:
                    den_of[j] = len(dens)
                    dens.append(wx if cells is None else Ax)
                    if dkey:
                        shared[dkey] = den_of[j]
                if not quick:
                    d = yv - at(th) if x is None else yv - at(th) * xv
                    S[:, j] = gsum(wj * d * d) / (Tx * Tx)
                continue
            d = yv - at(th) if x is None else yv - at(th) * xv
            if x is None and mask is None:
                if "w/W" not in shared:
                    shared["w/W"] = w / at(W)
                z = d * shared["w/W"]
            else:
                z = wj * d / at(Tx)
            U[:, j] = z
            if not quick:
                S[:, j] = gsum(z * d) / Tx
    check_empty(design, stats, dom, n_obs, empty)
    if combine is not None:
        C = np.asarray(combine, dtype=np.float64)
        union = [None if all(masks[j] is None for j in np.flatnonzero(C[:, i]))
                 else np.logical_or.reduce([np.ones(n, dtype=bool) if masks[j] is None else masks[j]
                                            for j in np.flatnonzero(C[:, i])]) for i in range(C.shape[1])]
        if U is not None:
            U = np.asfortranarray(U @ C)
        if PT is not None:
            PT = np.asfortranarray(PT @ C)
        masks = union
        theta_in = theta
        theta = theta @ C
        n_obs = np.column_stack([np.full(G, float(n)) if m is None else
                                 (np.array([float(m.sum())]) if g is None else np.bincount(g, weights=m, minlength=G))
                                 for m in union])
        W_all = np.full_like(theta, np.nan)
        S = np.full_like(theta, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        if PT is not None:
            var = design._variance_cells(PT, dom)
        elif U is not None:
            present = None
            if design._needs_present():
                present = np.column_stack([np.ones(n, dtype=bool) if m is None else m for m in masks])
            var = design._variance_scores(U, dom, present)
        else:
            var = design._variance_totals(nums, dens, den_of, dom, theta if combine is None else theta_in,
                                          total=stats.den is None, logit=logit, combine=combine,
                                          in_cells=cells is not None)
            if logit:
                var, var_logit = var
        # SRS without replacement of the same size: s^2 (W - n) / (W n) scaled to the statistic
        vsrs = np.where(W_all < n_obs, np.nan, S * (W_all - n_obs) / (n_obs - 1))
    if logit and (U is not None or PT is not None):
        with np.errstate(divide="ignore", invalid="ignore"):
            var_logit = var / (theta * (1 - theta)) ** 2       # delta method (= R's svyglm sandwich)
    return RatioResult(theta=theta, var=var, vsrs=vsrs, n_obs=n_obs, masks=masks,
                       var_logit=var_logit if logit else None)


def estimate_ratios(design: BaseDesign, stats: Statistics, dom: Domains, statistic: str, *,
                    ci: str, level: float, df: float | None, labels: bool, empty: str,
                    proportion: bool = False, combine: np.ndarray | None = None) -> pd.DataFrame:
    """Point estimates, variances and the result table for ``T(num)/T(den)`` in every domain.

    With ``combine`` the table has one column per combination; ``stats.variable`` then names them.
    """
    check_ci(ci, level, proportion)
    r = ratio_core(design, stats, dom, empty, logit=ci == "logit", combine=combine)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(r.var)
        deff = r.var / r.vsrs
    dfv = resolve_df(design, df, "design", dom, r.masks)
    n_rows = kg_df = None
    if ci == "korn-graubard":
        n_rows = _rows_in_domain(dom, dom.n_groups, len(design._w))[:, None] * np.ones_like(r.n_obs)
        kg_df = resolve_df(design, df, "domain", dom, r.masks)
    lo, hi = confidence_interval(r.theta, se, dfv, level, ci, n_rows=n_rows, kg_df=kg_df,
                                 se_logit=None if r.var_logit is None else np.sqrt(r.var_logit))
    return _table(design, stats, dom, statistic, r.theta, se, lo, hi, deff, r.n_obs, labels,
                  dict(ci=ci, level=level), dfv)


def resolve_df(design: BaseDesign, df: float | str | None, default: str, dom: Domains, masks: list) -> np.ndarray:
    """Degrees of freedom per (domain, column): the design's, the domain's own, or a number.

    ``"design"``: first-stage units minus strata of the whole design. ``"domain"``: the same count
    over the units and strata with rows in the domain (R's ``degf`` of a subset design, which its
    ``svyciprop`` and ``svyquantile`` use inside ``svyby``).
    """
    G, k = dom.n_groups, len(masks)
    choice = default if df is None else df
    if isinstance(choice, str):
        if choice == "design":
            return np.full((G, k), float(design.degf))
        if choice == "domain":
            return design._domain_df(dom, masks)
        raise EstimationError(f"df={df!r}: use 'design', 'domain' or a number.")
    try:
        return np.full((G, k), float(choice))
    except (TypeError, ValueError):
        raise EstimationError(f"df={df!r}: use 'design', 'domain' or a number.") from None


def _rows_in_domain(dom: Domains, G: int, n: int) -> np.ndarray:
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    inside = np.ones(n) if dom.inside is None else dom.inside.astype(np.float64)
    return np.bincount(g, weights=inside, minlength=G)


def _table(design: BaseDesign, stats: Statistics, dom: Domains, statistic: str, est, se, lo, hi,
           deff, n_obs, labels: bool, info: dict, df: np.ndarray) -> pd.DataFrame:
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
    cols["df"] = np.asarray(df, dtype=np.float64)[gsel, jsel]
    out = pd.DataFrame(cols)
    uniform = np.unique(cols["df"])
    out.attrs.update({"statistic": statistic, **info, "df": float(uniform[0]) if len(uniform) == 1 else "by domain"})
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
        n_rows = _rows_in_domain(dom, G, n)[:, None] * np.ones_like(phat)
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
        t = _table(design, stats_out, dom, "quantile", qhat, se, lo, hi,
                   np.full_like(qhat, np.nan), np.repeat(n_obs[:, None], P, axis=1), False,
                   dict(ci=ci, level=level), dfv)
        t = t.rename(columns={"level": "quantile"})
        if labels:
            for c in dom.by:
                t[c] = label_values(t[c], design._labels_for(c)).to_numpy()
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    uniform = np.unique(out["df"])
    out.attrs.update({"statistic": "quantile", "ci": ci, "level": level,
                      "df": float(uniform[0]) if len(uniform) == 1 else "by domain"})
    return out


def proportion_statistics(design: BaseDesign, variables: list[str]) -> Statistics:
    """Indicator columns ``1(y == level)`` for every level of every variable (means of indicators)."""
    names: list[str] = []
    levels: list[Any] = []
    nums: list[np.ndarray] = []
    presents: list[np.ndarray | None] = []
    for col in variables:
        s = design._column(col)
        v = label_of(col)
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy().astype(np.int64)
            lv_code = np.arange(len(cats))
        else:
            codes, uniq = pd.factorize(s, sort=False)
            cats = sorted(uniq.tolist() if hasattr(uniq, "tolist") else list(uniq), key=_sort_key)
            pos = {u: i for i, u in enumerate(uniq)}
            lv_code = np.array([pos[c] for c in cats], dtype=np.int64)
        if not cats:
            raise EmptyDomainError(f"column '{v}' has no non-missing values; there is nothing to tabulate.",
                                   column=v)
        notna = codes >= 0
        present = None if notna.all() else notna
        names += [v] * len(cats)
        levels += cats
        nums += [(codes == c).view(np.int8) for c in lv_code]
        presents += [present] * len(cats)
    return Statistics(names, levels, nums, [None] * len(nums), presents, binary=[True] * len(nums))


def _sort_key(v: Any):
    return (0, v) if isinstance(v, (int, float, np.integer, np.floating)) else (1, str(v))


