"""Totals, means, proportions and ratios: point estimates and their linearization, for every domain.

The estimator computes ``T(num) / T(den)`` for all columns and domains at once (one ``bincount`` per
column) and describes each as a function of domain totals (:func:`~surveykit.variance.ratio_block`).
The design turns that description into variances: Taylor designs sum the influence values
``w (y - theta x) / T(x)`` within sampling units (with calibration residuals), replicate designs
re-estimate the ratios on replicate totals. The estimator also gives the SRS variance for ``deff``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..metadata import label_categories, label_values
from ..variance import LOGIT, Block, Domains, Linearization, ratio_block
from ..variance.linearization import column_registry
from .ci import check_ci, confidence_interval
from .statistics import Statistics, check_empty

__all__ = [
    "RatioResult",
    "ratio_core",
    "ratio_block_of",
    "estimate_ratios",
    "resolve_df",
    "result_order",
    "key_frame",
    "ratio_linearization",
]


@dataclass
class RatioResult:
    """Point estimates and variances of ``T(num)/T(den)`` per (domain, statistic)."""

    theta: np.ndarray
    var: np.ndarray
    vsrs: np.ndarray
    n_obs: np.ndarray
    masks: list
    var_logit: np.ndarray | None = None
    vsrs_replace: np.ndarray | None = None


@dataclass
class _Point:
    block: Block
    vsrs: np.ndarray
    n_obs: np.ndarray
    vsrs_replace: np.ndarray | None = None


def ratio_block_of(
    design: Any, stats: Statistics, dom: Domains, empty: str = "error", combine: np.ndarray | None = None
) -> _Point:
    """Estimates, SRS variances (for deff) and the linearization block of every column and domain.

    ``combine`` (k, m) asks instead for the m linear combinations ``theta @ combine`` (their SRS
    variance is NaN). Denominators and masks shared by columns are computed once.
    """
    w = design.weight_array
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

    theta = np.empty((G, k))
    tx = np.empty((G, k))
    S = np.empty((G, k))
    W_all = np.empty((G, k))
    n_obs = np.empty((G, k))
    # where the design's variance needs only (unit x domain) totals, every column is summed into those
    # cells once; domain totals are sums of cells and the design reuses the cell totals
    cells = design.variance_cells(g, G, dom.cache)
    if cells is not None:
        cell, used = cells
        cell_group = used % G
    columns, col = column_registry()
    cell_sums: dict = {}
    dom_totals: dict = {}

    def total(a):
        """Domain totals of w * a (a None: the weights), registered as a linearization column."""
        t = col(a)
        if t not in dom_totals:
            v = w if a is None else w * a
            if cells is not None:
                cs = np.bincount(cell, weights=v, minlength=len(used))
                cell_sums[t] = cs
                dom_totals[t] = np.bincount(cell_group, weights=cs, minlength=G)
            else:
                dom_totals[t] = gsum(v)
        return dom_totals[t]

    per_mask: dict = {}  # id(present) -> (mask, masked weights, W, n_obs, column of ones)
    masks: list = []
    nums: list = []
    dens: list | None = None if stats.den is None else []
    binary = stats.binary or [False] * k
    for j in range(k):
        p = stats.present[j]
        key = id(p)
        if key not in per_mask:
            mask = inside if p is None else (p if inside is None else p & inside)
            wj = w if mask is None else np.where(mask, w, 0.0)
            ones = None if mask is None else mask.view(np.int8)
            W = total(ones) if dens is not None else gsum(wj)
            if g is None:
                nob = np.array([float(n if mask is None else np.count_nonzero(mask))])
            else:
                nob = np.bincount(g, weights=None if mask is None else mask, minlength=G).astype(np.float64)
            per_mask[key] = (mask, wj, W, nob, ones)
        mask, wj, W, nob, ones = per_mask[key]
        masks.append(mask)
        W_all[:, j] = W
        n_obs[:, j] = nob
        y = stats.num[j]
        yv = y if mask is None else np.where(mask, y, 0)
        nums.append(yv)
        Ty = total(yv)
        if dens is None:  # a total
            theta[:, j] = Ty
            with np.errstate(divide="ignore", invalid="ignore"):
                if binary[j]:
                    S[:, j] = Ty * (1 - Ty / W)  # sum w (y - ybar)^2 of a 0/1 variable
                else:
                    d = yv - at(Ty / W)
                    S[:, j] = gsum(wj * d * d)
            continue
        x = stats.den[j] if stats.den is not None else None
        xv = ones if x is None else (x if mask is None else np.where(mask, x, 0.0))
        Tx = total(xv)
        dens.append(xv)
        tx[:, j] = Tx
        with np.errstate(divide="ignore", invalid="ignore"):
            th = Ty / Tx
            theta[:, j] = th
            if binary[j] and x is None:
                S[:, j] = Ty * (1 - th) / (Tx * Tx)  # sum w (y - mean)^2 / W^2 of a 0/1 variable
            else:
                d = yv - at(th) if x is None else yv - at(th) * xv
                S[:, j] = gsum(wj * d * d) / (Tx * Tx)
    check_empty(design, stats, dom, n_obs, empty)
    block = ratio_block(
        theta, g, G, masks, nums, dens, None if dens is None else tx, cache=dom.cache, column_index=col, columns=columns
    )
    if cells is not None:
        block.cells = (cell, used, np.column_stack([cell_sums[t] for t in range(len(columns))]))
    if combine is not None:
        block = block.combined(combine)
        n_obs = np.column_stack(
            [
                np.full(G, float(n))
                if m is None
                else (np.array([float(m.sum())]) if g is None else np.bincount(g, weights=m, minlength=G))
                for m in block.masks
            ]
        )
        return _Point(block, np.full_like(block.estimate, np.nan), n_obs)
    with np.errstate(divide="ignore", invalid="ignore"):
        # SRS without replacement of the same size: s^2 (W - n) / (W n) scaled to the statistic
        vsrs = np.where(W_all < n_obs, np.nan, S * (W_all - n_obs) / (n_obs - 1))
        # SRS with replacement (R's deff="replace"): s^2 / n scaled to the statistic
        vsrs_replace = S * W_all / (n_obs - 1)
    return _Point(block, vsrs, n_obs, vsrs_replace)


def ratio_core(
    design: Any,
    stats: Statistics,
    dom: Domains,
    empty: str = "error",
    logit: bool = False,
    combine: np.ndarray | None = None,
) -> RatioResult:
    """Estimates, design variances and SRS variances (for deff) of every column in every domain.

    The design computes the variances from the linearization (:meth:`variance` of a design); with
    ``logit`` also the variance of ``logit(estimate)`` (delta method for Taylor designs, replicate
    logits for replicate designs, as R's ``svyciprop``).
    """
    pt = ratio_block_of(design, stats, dom, empty, combine)
    with np.errstate(divide="ignore", invalid="ignore"):
        var, var_logit = design.block_variance(pt.block, LOGIT if logit else None)
    return RatioResult(
        theta=pt.block.estimate,
        var=var,
        vsrs=pt.vsrs,
        n_obs=pt.n_obs,
        masks=pt.block.masks,
        var_logit=var_logit,
        vsrs_replace=pt.vsrs_replace,
    )


def estimate_ratios(
    design: Any,
    stats: Statistics,
    dom: Domains,
    statistic: str,
    *,
    ci: str,
    level: float,
    df: float | str | None,
    labels: bool,
    empty: str,
    proportion: bool = False,
    combine: np.ndarray | None = None,
    deff: str = "wor",
) -> pd.DataFrame:
    """Point estimates, variances and the result table for ``T(num)/T(den)`` in every domain.

    With ``combine`` the table has one column per combination; ``stats.variable`` then names them.
    ``deff`` is the reference of the design effect: SRS without replacement of the same size
    (``"wor"``, R's ``deff=TRUE``) or with replacement (``"replace"``, R's ``deff="replace"``).
    """
    check_ci(ci, level, proportion)
    if deff not in ("wor", "replace"):
        raise EstimationError(
            f"deff={deff!r}: use 'wor' (SRS without replacement, default) or 'replace' (with replacement)."
        )
    r = ratio_core(design, stats, dom, empty, logit=ci == "logit", combine=combine)
    vsrs = r.vsrs if deff == "wor" or r.vsrs_replace is None else r.vsrs_replace
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(r.var)
        deff_value = r.var / vsrs
    dfv = resolve_df(design, df, "design", dom, r.masks)
    n_rows = kg_df = None
    if ci == "korn-graubard":
        n_rows = rows_in_domain(dom, design.n)[:, None] * np.ones_like(r.n_obs)
        # R's svyciprop takes n and df from the domain's rows before missing values are dropped
        kg_df = resolve_df(design, df, "domain", dom, [dom.inside] * len(r.masks))
    lo, hi = confidence_interval(
        r.theta,
        se,
        dfv,
        level,
        ci,
        n_rows=n_rows,
        kg_df=kg_df,
        se_logit=None if r.var_logit is None else np.sqrt(r.var_logit),
    )
    return result_table(
        design, stats, dom, statistic, r.theta, se, lo, hi, deff_value, r.n_obs, labels, dict(ci=ci, level=level), dfv
    )


def resolve_df(design: Any, df: float | str | None, default: str, dom: Domains, masks: list) -> np.ndarray:
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
            return design.domain_df(dom.group, G, masks)
        raise EstimationError(f"df={df!r}: use 'design', 'domain' or a number.")
    try:
        value = float(choice)
    except (TypeError, ValueError):
        raise EstimationError(f"df={df!r}: use 'design', 'domain' or a number.") from None
    if not value > 0:
        raise EstimationError(f"df={df!r}: degrees of freedom must be positive (use np.inf for normal quantiles).")
    return np.full((G, k), value)


def rows_in_domain(dom: Domains, n: int) -> np.ndarray:
    """Rows of each domain (before any variable's missing values are dropped)."""
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    inside = np.ones(n) if dom.inside is None else dom.inside.astype(np.float64)
    return np.bincount(g, weights=inside, minlength=dom.n_groups)


def result_order(stats: Statistics, G: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Domain and column of each result row: variables in order of appearance, then domain, then level."""
    var_order = {v: i for i, v in enumerate(dict.fromkeys(stats.variable))}
    vj = np.array([var_order[v] for v in stats.variable])
    gg, jgrid = np.meshgrid(np.arange(G), np.arange(k), indexing="ij")
    order = np.lexsort((jgrid.ravel(), gg.ravel(), vj[jgrid.ravel()]))
    return gg.ravel()[order], jgrid.ravel()[order]


def key_frame(
    design: Any, stats: Statistics, dom: Domains, gsel: np.ndarray, jsel: np.ndarray, labels: bool
) -> dict[str, Any]:
    """The key columns of the result rows (variable, domain columns, level)."""
    cols: dict[str, Any] = {"variable": np.asarray(stats.variable, dtype=object)[jsel]}
    if labels:
        # the variables' own labels (from the data's metadata), next to their names
        vlab = {v: design.variable_label_for(v) for v in dict.fromkeys(stats.variable)}
        if any(vlab.values()):
            cols["variable_label"] = np.asarray([vlab[v] or v for v in cols["variable"]], dtype=object)
    for c in dom.by:
        vals = dom.table[c].iloc[gsel].reset_index(drop=True)
        # labels as ordered categories in code order, so that sorting or pivoting keeps that order
        cols[c] = label_categories(vals, design.labels_for(c)) if labels else vals.to_numpy()
    if stats.level is not None:
        lv = pd.Series(np.asarray(stats.level, dtype=object)[jsel])
        if labels:
            names = np.asarray(stats.variable)[jsel]
            variables = list(dict.fromkeys(stats.variable))
            if len(variables) == 1:
                lv = label_categories(lv, design.labels_for(variables[0]))
            else:
                lv = pd.concat([label_values(lv[names == v], design.labels_for(v)) for v in variables]).sort_index()
        cols["level"] = lv if isinstance(lv.dtype, pd.CategoricalDtype) else lv.to_numpy()
    return cols


def result_table(
    design: Any,
    stats: Statistics,
    dom: Domains,
    statistic: str,
    est,
    se,
    lo,
    hi,
    deff,
    n_obs,
    labels: bool,
    info: dict,
    df: np.ndarray,
) -> pd.DataFrame:
    """Assemble the tidy result: one row per (variable, domain, level)."""
    G, k = est.shape
    gsel, jsel = result_order(stats, G, k)
    cols = key_frame(design, stats, dom, gsel, jsel, labels)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(est)
    for name, arr in (("estimate", est), ("se", se), ("ci_low", lo), ("ci_high", hi), ("cv", cv), ("deff", deff)):
        cols[name] = np.asarray(arr, dtype=np.float64)[gsel, jsel]
    cols["n"] = np.asarray(n_obs)[gsel, jsel].astype(np.int64)
    cols["df"] = np.asarray(df, dtype=np.float64)[gsel, jsel]
    out = pd.DataFrame(cols)
    uniform = np.unique(cols["df"])
    out.attrs.update({"statistic": statistic, **info, "df": float(uniform[0]) if len(uniform) == 1 else "by domain"})
    vlab = {v: design.variable_label_for(v) for v in dict.fromkeys(stats.variable)}
    if any(vlab.values()):
        out.attrs["variable_labels"] = {v: lab for v, lab in vlab.items() if lab}
    return out


def ratio_linearization(
    design: Any,
    stats: Statistics,
    dom: Domains,
    statistic: str,
    *,
    labels: bool = False,
    empty: str = "error",
    combine: np.ndarray | None = None,
) -> Linearization:
    """The linearization of a ratio-family call, its rows in the order of the estimator's result table."""
    pt = ratio_block_of(design, stats, dom, empty, combine)
    G = dom.n_groups
    gsel, jsel = result_order(stats, G, pt.block.k)
    rows = pd.DataFrame(key_frame(design, stats, dom, gsel, jsel, labels))
    return Linearization([pt.block], rows, statistic, order=gsel * pt.block.k + jsel)
