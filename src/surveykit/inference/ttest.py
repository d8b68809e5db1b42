"""Design-based t-tests (R's ``svyttest``): one mean against ``mu``, or two groups' means.

One sample: the mean of ``y - mu`` and its design SE, df = the design's degrees of freedom minus 1.
Two groups: the gaussian model ``y ~ group`` (:mod:`.glm`), whose slope is the difference of the
group means; df = its ``df_resid``. On a subpopulation the degrees of freedom are those of the rows
in it, as R's subset design.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..errors import EstimationError
from ..estimation.statistics import numeric_column
from .glm import FAMILIES, glm_influence, irls, replicate_fits, warm_irls

__all__ = ["ttest"]


def ttest(
    design: Any, variable: str, group: str | None = None, *, mu: float = 0.0, level: float = 0.95, reference: Any = None
) -> pd.DataFrame:
    """See :meth:`surveykit.SurveyDesign.ttest`."""
    y, ok = numeric_column(design, variable, "ttest")
    y = np.asarray(y, dtype=np.float64)
    n = design.n
    sub = design.subpopulation
    inside_design = np.ones(n, dtype=bool) if sub is None else sub.copy()
    inside = inside_design & (np.ones(n, dtype=bool) if ok is None else ok)
    if group is None:
        est, se = _mean_se(design, y, inside)
        df = float(np.asarray(design.domain_df(None, 1, [inside_design]))[0, 0]) - 1.0
        diff = est - mu
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.float64(diff) / se
        q = _tq(level, df)
        return _table(
            variable, None, est, diff, se, t, df, est - q * se, est + q * se, "Design-based one-sample t-test", mu
        )
    g = design.column(group)
    gok = g.notna().to_numpy()
    inside &= gok
    if isinstance(g.dtype, pd.CategoricalDtype):
        cats = [c for c in g.cat.categories if (g[inside] == c).any()]
    else:
        cats = sorted(
            pd.unique(g[inside]).tolist(), key=lambda v: (0, v) if isinstance(v, (int, float)) else (1, str(v))
        )
    if len(cats) != 2:
        raise EstimationError(
            f"ttest(group='{group}') needs exactly two groups; '{group}' has {len(cats)} "
            f"({cats[:10]}) among the rows used.",
            column=group,
        )
    if reference is not None:
        hit = [c for c in cats if c == reference or str(c) == str(reference)]
        if not hit:
            raise EstimationError(f"reference={reference!r} is not a group of '{group}' ({cats}).", column=group)
        cats = [hit[0]] + [c for c in cats if c is not hit[0]]
    x = (g == cats[1]).to_numpy().astype(np.float64)
    X = np.column_stack([np.ones(n), x])
    w = np.where(inside, design.weight_array, 0.0)
    yy = np.where(inside, y, 0.0)
    fam = FAMILIES["gaussian"]
    beta, _ = irls(X, yy, w, fam)
    Z = glm_influence(X, yy, w, beta, fam)

    def refit(W: np.ndarray) -> np.ndarray:
        return replicate_fits(lambda wr: warm_irls(X, yy, wr, fam, beta), W, inside, 2)

    lin = design.linearization(beta, Z, names=["(Intercept)", "difference"], replicate=refit)
    V = design.covariance_matrix(lin)
    est, se = float(beta[1]), float(np.sqrt(V[1, 1]))
    df = float(np.asarray(design.domain_df(None, 1, [inside]))[0, 0]) - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.float64(est) / se
    q = _tq(level, df)
    out = _table(variable, group, est, est, se, t, df, est - q * se, est + q * se, "Design-based t-test", 0.0)
    out.insert(2, "groups", f"{cats[1]} - {cats[0]}")
    return out


def _mean_se(design: Any, y: np.ndarray, inside: np.ndarray) -> tuple[float, float]:
    w = np.where(inside, design.weight_array, 0.0)
    yy = np.where(inside, y, 0.0)
    sw = w.sum()
    if sw <= 0:
        raise EstimationError("no rows to test: every value is missing or outside the subpopulation.")
    m = float((w * yy).sum() / sw)
    z = np.where(inside, w * (yy - m) / sw, 0.0)

    def rep(W: np.ndarray) -> np.ndarray:
        Wi = W * inside[:, None]
        return ((Wi * yy[:, None]).sum(axis=0) / Wi.sum(axis=0))[:, None]

    lin = design.linearization(m, z, names=["mean"], replicate=rep)
    return m, float(np.sqrt(design.covariance_matrix(lin)[0, 0]))


def _tq(level: float, df: float) -> float:
    if not 0 < level < 1:
        raise EstimationError(f"level={level}: give a confidence level between 0 and 1.")
    return float(special.stdtrit(df, 0.5 + level / 2))


def _table(variable, group, est, diff, se, t, df, lo, hi, method, mu) -> pd.DataFrame:
    p = float(2 * special.stdtr(df, -abs(t)))
    return pd.DataFrame(
        {
            "variable": [variable],
            "group": [group],
            "estimate": [est],
            "difference": [diff],
            "se": [se],
            "t": [t],
            "df": [df],
            "p_value": [p],
            "ci_low": [lo],
            "ci_high": [hi],
            "mu": [mu],
            "method": [method],
        }
    )
