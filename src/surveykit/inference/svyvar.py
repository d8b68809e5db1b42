"""Population variances and covariances with design SEs (R's ``svyvar``).

The estimate is the weighted mean of ``n/(n-1) (x_a - xbar_a)(x_b - xbar_b)`` over the rows without
missing values; its Taylor SE treats the means as fixed (R), a replicate design re-estimates the
whole statistic (means included) on every replicate. R's ``n`` differs by design type: rows with
non-zero weight for Taylor designs (missing values included), rows used for replicate designs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..estimation.statistics import as_list, numeric_column

__all__ = ["svyvar"]


def svyvar(design: Any, variables: Any, *, replicate: bool = False) -> pd.DataFrame:
    """See :meth:`surveykit.SurveyDesign.svyvar`."""
    names = as_list(variables, "variables")
    if not names:
        raise EstimationError("svyvar() needs at least one variable.")
    n = design.n
    sub = design.subpopulation
    in_design = np.ones(n, dtype=bool) if sub is None else sub.copy()
    inside = in_design.copy()
    cols = []
    for v in names:
        y, ok = numeric_column(design, v, "svyvar")
        cols.append(np.asarray(y, dtype=np.float64))
        if ok is not None:
            inside &= ok
    if inside.sum() < 2:
        raise EstimationError("svyvar() needs at least two rows without missing values.")
    Xm = np.column_stack([np.where(inside, c, 0.0) for c in cols])
    p = Xm.shape[1]
    nn = float(inside.sum() if replicate else in_design.sum())
    w = np.where(inside, design.weight_array, 0.0)

    def stat(wv: np.ndarray) -> np.ndarray:
        sw = wv.sum(axis=0)
        xbar = (wv.T @ Xm) / sw[:, None]  # (R, p)
        out = np.empty((wv.shape[1], p * p))
        for r in range(wv.shape[1]):
            D = Xm - xbar[r]
            out[r] = ((D * wv[:, r, None]).T @ D).ravel(order="F") / sw[r] * nn / (nn - 1)
        return out

    est = stat(w[:, None])[0]
    xbar = (w @ Xm) / w.sum()
    D = np.where(inside[:, None], Xm - xbar, 0.0)
    prod = np.column_stack([D[:, a] * D[:, b] for b in range(p) for a in range(p)]) * nn / (nn - 1)
    Z = np.where(inside[:, None], w[:, None] * (prod - est) / w.sum(), 0.0)

    def rep(W: np.ndarray) -> np.ndarray:
        return stat(W * inside[:, None])

    labels = [f"{names[a]}:{names[b]}" for b in range(p) for a in range(p)]
    lin = design.linearization(est, Z, names=labels, replicate=rep)
    se = np.sqrt(np.clip(np.diag(design.covariance_matrix(lin)), 0.0, None))
    return pd.DataFrame(
        {
            "row": [names[a] for b in range(p) for a in range(p)],
            "col": [names[b] for b in range(p) for a in range(p)],
            "estimate": est,
            "se": se,
        }
    )
