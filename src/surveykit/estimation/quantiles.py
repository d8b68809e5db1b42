"""Quantiles with their intervals (R's ``svyquantile``).

The quantile follows one of R's rules (``qrule=``, :mod:`surveykit.estimation.qrules`; default
``"math"``, the inverse of the weighted distribution function). Its interval is Woodruff's by default:
the interval of the proportion below the quantile (a ratio estimate, so any design's variance applies)
mapped back through the same rule; or the score interval (Taylor designs) or the replicate quantiles'
interval (replicate designs), :mod:`surveykit.estimation.quantile_intervals`. The SE is the
interval's width over twice the critical value, as in R.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..metadata import label_categories
from ..variance import Domains
from .ci import check_ci, confidence_interval, critical_value
from .qrules import check_qrule, domain_quantiles
from .quantile_intervals import replicate_quantile_variance, score_limits
from .ratios import ratio_core, resolve_df, result_table, rows_in_domain
from .statistics import Statistics, check_empty, label_of, numeric_column

__all__ = ["INTERVAL_TYPES", "QuantileInterval", "check_interval_type", "estimate_quantiles", "quantile_probabilities"]


def quantile_probabilities(quantiles: Any) -> list[float]:
    """The probabilities asked for, checked: one number or a non-empty list, each in [0, 1].

    >>> quantile_probabilities(0.5), quantile_probabilities([0.25, 0.75])
    ([0.5], [0.25, 0.75])
    """
    items = [quantiles] if isinstance(quantiles, (int, float, np.number, str)) else quantiles
    try:
        items = list(items)
    except TypeError:
        raise EstimationError(
            f"quantiles={quantiles!r}: give a probability or a list of them, e.g. [0.25, 0.5]."
        ) from None
    if not items:
        raise EstimationError("quantiles=[]: give at least one probability, e.g. 0.5.")
    out = []
    for q in items:
        if isinstance(q, bool) or not isinstance(q, (int, float, np.number)) or not 0.0 <= float(q) <= 1.0:
            raise EstimationError(f"quantile probability {q!r} is not a number in [0, 1].")
        out.append(float(q))
    return out


INTERVAL_TYPES = ("woodruff", "score", "quantile")
#: quantile intervals (``interval_type=``)
QuantileInterval = Literal["woodruff", "score", "quantile"]


def check_interval_type(interval_type: str, ci: str, level: float, replicate: bool) -> None:
    """Reject an unknown interval type, or one the design or ``ci`` cannot give, naming the choices."""
    if not isinstance(interval_type, str) or interval_type not in INTERVAL_TYPES:
        raise EstimationError(
            f"interval_type={interval_type!r} is not a quantile interval; use one of {', '.join(INTERVAL_TYPES)}."
        )
    if interval_type == "score" and replicate:
        raise EstimationError(
            "interval_type='score' (Francisco-Fuller) needs a Taylor design; on a replicate "
            "design use interval_type='quantile' (replicate quantiles) or 'woodruff'."
        )
    if interval_type == "quantile" and not replicate:
        raise EstimationError(
            "interval_type='quantile' recomputes the quantile on replicate weights and needs a "
            "replicate design (to_replicate() or ReplicateDesign); on a Taylor design use "
            "interval_type='woodruff' or 'score'."
        )
    check_ci(ci, level, True)  # Woodruff's interval is one for the proportion below the quantile
    if interval_type != "woodruff" and ci not in ("t", "normal"):
        raise EstimationError(
            f"ci={ci!r} chooses the proportion interval of Woodruff's method; with "
            f"interval_type={interval_type!r} use ci='t' or 'normal'."
        )


def estimate_quantiles(
    design: Any,
    variables: list[str],
    probs: list[float],
    dom: Domains,
    *,
    ci: str,
    level: float,
    df: float | str | None,
    labels: bool,
    empty: str,
    qrule: str = "math",
    interval_type: str = "woodruff",
) -> pd.DataFrame:
    """Quantiles with their intervals for each variable, probability and domain."""
    rule = check_qrule(qrule)
    replicate = bool(design.is_replicate)
    check_interval_type(interval_type, ci, level, replicate)
    for p in probs:
        if not (0.0 <= float(p) <= 1.0):
            raise EstimationError(f"quantile probability {p!r} is outside [0, 1].")
    w = design.weight_array
    n = len(w)
    G = dom.n_groups
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    frames = []
    P = len(probs)
    grid = np.tile(np.asarray(probs, dtype=np.float64), (G, 1))
    for col in variables:
        values, notna = numeric_column(design, col, "quantile")
        v = label_of(col)
        present = notna if dom.inside is None else (dom.inside if notna is None else notna & dom.inside)
        pres = np.ones(n, dtype=bool) if present is None else present
        n_obs = np.bincount(g, weights=pres, minlength=G).astype(np.float64)
        check_empty(design, Statistics([v], None, [values], None, [present]), dom, n_obs[:, None], empty)
        vals = np.where(pres, values, 0.0)
        qhat = domain_quantiles(rule, vals, w, pres, g, G, grid)  # (G, P)
        masks = [present] * P
        dfv = resolve_df(design, df, "design", dom, masks)
        crit = critical_value(level, dfv, "normal" if ci == "normal" else "t")
        below = [(values <= qhat[g, j]).view(np.int8) for j in range(P)]
        if interval_type == "woodruff":
            lo, hi = _woodruff(design, v, vals, pres, present, g, G, dom, below, rule, ci, level, df, dfv)
        elif interval_type == "score":
            lo, hi = score_limits(design, v, vals, present, g, G, dom, probs, rule, crit)
        else:
            half = np.sqrt(replicate_quantile_variance(design, v, vals, present, g, G, probs, rule, qhat)) * crit
            lo, hi = qhat - half, qhat + half
        se = (hi - lo) / (2 * crit)  # as R, for every interval
        stats_out = Statistics([v] * P, list(probs), below, None, [present] * P)
        t = result_table(
            design,
            stats_out,
            dom,
            "quantile",
            qhat,
            se,
            lo,
            hi,
            np.full_like(qhat, np.nan),
            np.repeat(n_obs[:, None], P, axis=1),
            False,
            dict(ci=ci, level=level),
            dfv,
        )
        t = t.rename(columns={"level": "quantile"})
        if labels:
            for c in dom.by:
                t[c] = label_categories(t[c], design.labels_for(c))
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    uniform = np.unique(out["df"])
    out.attrs.update(
        {
            "statistic": "quantile",
            "ci": ci,
            "level": level,
            "qrule": qrule,
            "interval_type": interval_type,
            "df": float(uniform[0]) if len(uniform) == 1 else "by domain",
        }
    )
    return out


def _woodruff(
    design: Any,
    v: str,
    vals: np.ndarray,
    pres: np.ndarray,
    present: np.ndarray | None,
    g: np.ndarray,
    G: int,
    dom: Domains,
    below: list,
    rule: str,
    ci: str,
    level: float,
    df: float | str | None,
    dfv: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Woodruff's limits: the proportion's interval mapped back through the quantile rule (R's woodruffCI)."""
    P = len(below)
    # R's woodruffCI takes the logit interval by the delta method, replicate designs included
    r = ratio_core(design, Statistics([v] * P, None, below, [None] * P, [present] * P, [True] * P), dom, "nan")
    phat = r.theta
    pse = np.sqrt(r.var)
    kg_df = resolve_df(design, df, "domain", dom, r.masks) if ci == "korn-graubard" else None
    n_rows = rows_in_domain(dom, len(vals))[:, None] * np.ones_like(phat)
    plo, phi = confidence_interval(phat, pse, dfv, level, ci, n_rows=n_rows, kg_df=kg_df)
    if ci in ("logit", "korn-graubard"):
        # every row at or below the quantile (its maximum): R's logit is infinite and its effective
        # sample size 0/0, so both give no interval
        plo = np.where(phat >= 1, np.nan, plo)
        phi = np.where(phat >= 1, np.nan, phi)
    # a limit outside [0, 1] (or NaN) has no quantile, as in R
    plo = np.where(np.isnan(plo) | (plo < 0), np.nan, plo)
    phi = np.where(np.isnan(phi) | (phi > 1), np.nan, phi)
    w = design.weight_array
    return (domain_quantiles(rule, vals, w, pres, g, G, plo), domain_quantiles(rule, vals, w, pres, g, G, phi))
