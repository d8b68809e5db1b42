"""Confidence intervals.

``t`` (default) uses Student's t with the design degrees of freedom, as R's ``confint(..., df =
degf(design))``; ``normal`` the normal quantile (R's ``confint`` default). For proportions there are
three more, as used for publication:

* ``logit`` — Wald interval on the logit scale, back-transformed (R's ``svyciprop(method="logit")``);
* ``korn-graubard`` — Clopper-Pearson with the effective sample size ``p(1-p)/var`` corrected by the
  ratio of t quantiles with ``n - 1`` and design df (R's ``svyciprop(method="beta")``; the NCHS
  presentation standard for proportions);
* ``wilson`` — Wilson score interval with the same effective sample size (Kish), and the t quantile.
"""

from __future__ import annotations

from typing import Literal, Union

import numpy as np
from scipy import special  # scipy.stats would add half a second to `import surveykit`

from ..errors import EstimationError

__all__ = [
    "CI_METHODS",
    "PROPORTION_ONLY",
    "critical_value",
    "confidence_interval",
    "check_ci",
    "CIMethod",
    "DegreesOfFreedom",
    "Empty",
    "DeffReference",
]

CI_METHODS = ("t", "normal", "logit", "korn-graubard", "wilson")
#: interval methods (``ci=``)
CIMethod = Literal["t", "normal", "logit", "korn-graubard", "wilson"]
#: degrees of freedom (``df=``): a number, the whole design's or the domain's own
DegreesOfFreedom = Union[float, Literal["design", "domain"], None]
#: what a cell without observations gives (``empty=``)
Empty = Literal["error", "nan"]
#: reference of the design effect (``deff=``)
DeffReference = Literal["wor", "replace"]
PROPORTION_ONLY = ("logit", "korn-graubard", "wilson")


def check_ci(ci: str, level: float, proportion: bool) -> None:
    """Reject an unknown or inapplicable interval method or level with a clear message."""
    if ci not in CI_METHODS:
        raise EstimationError(f"ci={ci!r} is not an interval method; use one of {', '.join(CI_METHODS)}.")
    if ci in PROPORTION_ONLY and not proportion:
        raise EstimationError(f"ci={ci!r} is for proportions; use ci='t' or 'normal' for this estimator.")
    if not (0.0 < level < 1.0):
        raise EstimationError(f"level={level!r} must be strictly between 0 and 1, e.g. 0.95.")


def critical_value(level: float, df: float | np.ndarray, ci: str) -> np.ndarray:
    """Two-sided critical value: t with ``df`` (normal when ``ci='normal'`` or df is infinite).

    >>> round(float(critical_value(0.95, np.inf, "t")), 6)
    1.959964
    """
    q = 1.0 - (1.0 - level) / 2.0
    if ci == "normal":
        return np.asarray(special.ndtri(q))
    df = np.asarray(df, dtype=np.float64)
    return np.where(np.isinf(df), special.ndtri(q), special.stdtrit(np.where(np.isinf(df), 1.0, df), q))


def confidence_interval(
    estimate: np.ndarray,
    se: np.ndarray,
    df: float | np.ndarray,
    level: float,
    ci: str,
    n_rows: np.ndarray | None = None,
    kg_df: np.ndarray | None = None,
    se_logit: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits for estimates with standard errors ``se``.

    ``korn-graubard`` also needs ``n_rows`` (rows in the domain) and ``kg_df``, the degrees of freedom
    of its effective-size adjustment (R's ``svyciprop`` uses the domain's own ``degf``; default ``df``).
    ``logit`` uses ``se_logit``, the SE of logit(p) (default: delta method ``se / (p (1 - p))``;
    replicate designs give the replicate SE of logit(p), as R's ``svyglm`` does).

    >>> lo, hi = confidence_interval(np.array([0.5]), np.array([0.1]), np.inf, 0.95, "normal")
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.304, 0.696)
    """
    estimate = np.asarray(estimate, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    method = "t" if ci in ("t", "normal") else ci
    crit = critical_value(level, df, "normal" if ci == "normal" else "t")
    if method == "t":
        return estimate - crit * se, estimate + crit * se
    p = estimate
    var = se * se
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "logit":
            edge = (p <= 0) | (p >= 1)
            pc = np.clip(p, 1e-300, 1 - 1e-16)
            eta = special.logit(pc)
            half = crit * (se / (pc * (1 - pc)) if se_logit is None else se_logit)
            lo = np.where(edge, p, special.expit(eta - half))
            hi = np.where(edge, p, special.expit(eta + half))
            return lo, hi
        n = np.asarray(n_rows, dtype=np.float64) if n_rows is not None else np.full_like(p, np.inf)
        n_eff = np.where(var > 0, p * (1 - p) / var, n)
        if method == "korn-graubard":
            alpha = 1.0 - level
            adf = np.asarray(df if kg_df is None else kg_df, dtype=np.float64)
            adj = (special.stdtrit(np.maximum(n - 1, 1), alpha / 2) / _tq(alpha / 2, adf)) ** 2
            n_eff = n_eff * adj
            lo = np.where(p <= 0, 0.0, special.betaincinv(n_eff * p, n_eff * (1 - p) + 1, alpha / 2))
            hi = np.where(p >= 1, 1.0, special.betaincinv(n_eff * p + 1, n_eff * (1 - p), 1 - alpha / 2))
            return lo, hi
        if method == "wilson":
            z2 = crit * crit
            centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
            half = crit / (1 + z2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff))
            return centre - half, centre + half
    raise EstimationError(f"ci={ci!r} is not an interval method; use one of {', '.join(CI_METHODS)}.")


def _tq(q: float, df: np.ndarray) -> np.ndarray:
    return np.where(np.isinf(df), special.ndtri(q), special.stdtrit(np.where(np.isinf(df), 1.0, df), q))
