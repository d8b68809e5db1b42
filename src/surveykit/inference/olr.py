"""Proportional-odds models of ordered responses (R's ``svyolr``).

``logit P(Y <= k | x) = zeta_k - x'beta`` for the ordered categories ``k = 1..K-1``. The weighted
likelihood is maximised by Newton's method with the analytic Hessian (to 1e-10 in the score, well
past R's ``optim``, whose estimates stop 1e-5 short); the variance is the design's, from influence
values ``w_i s_i (-H)^-1`` (Taylor, with calibration residuals) or refits on every replicate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..errors import EstimationError
from .formula import model_frame
from .glm import replicate_fits
from .results import ModelResults

__all__ = ["OLRResults", "fit_olr"]


class OLRResults(ModelResults):
    """A design-based proportional-odds model: ``params`` holds the coefficients then the cut points
    (``"a|b"``); ``coefficients`` and ``zeta`` split them."""

    kind = "olr"

    def __init__(self, *args, n_beta: int, levels: list, **kw) -> None:
        super().__init__(*args, **kw)
        self.n_beta = n_beta
        self.levels = levels

    @property
    def coefficients(self) -> pd.Series:
        return self.params.iloc[: self.n_beta]

    @property
    def zeta(self) -> pd.Series:
        return self.params.iloc[self.n_beta :]

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(beta) with intervals: the odds ratio of a higher category (of ``Y > k``) per unit of x."""
        out = self.to_frame(exponentiate=True, level=level).iloc[: self.n_beta]
        return out.rename(columns={"estimate": "odds_ratio"})[["term", "odds_ratio", "ci_low", "ci_high", "p_value"]]


def _parts(theta: np.ndarray, X: np.ndarray, code: np.ndarray, K: int):
    """Per-row derivatives of the cut-point arguments (da, db), densities and probabilities."""
    p = X.shape[1]
    beta, zeta = theta[:p], theta[p:]
    eta = X @ beta
    ext = np.concatenate([[-np.inf], zeta, [np.inf]])
    a = ext[code + 1] - eta
    b = ext[code] - eta
    Fa, Fb = special.expit(a), special.expit(b)
    fa, fb = Fa * (1 - Fa), Fb * (1 - Fb)
    ga, gb = fa * (1 - 2 * Fa), fb * (1 - 2 * Fb)
    prob = Fa - Fb
    n = len(code)
    da = np.zeros((n, p + K - 1))
    db = np.zeros((n, p + K - 1))
    da[:, :p] = -X
    db[:, :p] = -X
    rows = np.arange(n)
    up = code < K - 1
    da[rows[up], p + code[up]] = 1.0
    lo = code > 0
    db[rows[lo], p + code[lo] - 1] = 1.0
    return prob, fa, fb, ga, gb, da, db


def _score_hessian(theta, X, code, K, w):
    prob, fa, fb, ga, gb, da, db = _parts(theta, X, code, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (fa[:, None] * da - fb[:, None] * db) / prob[:, None]
        H = (da.T * (w * ga / prob)) @ da - (db.T * (w * gb / prob)) @ db - (s.T * w) @ s
        ll = float(np.sum(w * np.log(prob)))
    return s, H, ll


def _newton(X, code, K, w, theta, tol=1e-10, maxit=200):
    use = w > 0
    X, code, w = X[use], code[use], w[use] / w[use].mean()
    s, H, ll = _score_hessian(theta, X, code, K, w)
    for _ in range(maxit):
        U = s.T @ w
        try:
            step = np.linalg.solve(H, U)
        except np.linalg.LinAlgError:
            raise EstimationError(
                "the ordinal model's information matrix is singular (collinear terms, or an "
                "outcome category with no rows?)."
            ) from None
        t = 1.0
        while True:
            new = theta - t * step
            ok = np.all(np.diff(new[X.shape[1] :]) > 0)
            if ok:
                s2, H2, ll2 = _score_hessian(new, X, code, K, w)
                if np.isfinite(ll2) and ll2 >= ll - 1e-12 * abs(ll):
                    break
            t /= 2
            if t < 1e-10:
                raise EstimationError("the ordinal model did not converge (separation?).")
        theta, s, H, ll = new, s2, H2, ll2
        if np.max(np.abs(t * step) / (1 + np.abs(theta))) < tol:
            return theta
    raise EstimationError(f"the ordinal model did not converge in {maxit} Newton steps.")


def fit_olr(design: Any, formula: str, levels: list | None = None) -> OLRResults:
    """See :meth:`surveykit.SurveyDesign.olr`."""
    if not isinstance(formula, str) or "~" not in formula:
        raise EstimationError(f"an ordinal model formula reads 'y ~ x1 + x2'; got {formula!r}.")
    lhs, rhs = (s.strip() for s in formula.split("~", 1))
    ycol = design.column(lhs)
    sub = design.subpopulation
    in_sub = ycol.notna().to_numpy() if sub is None else (ycol.notna().to_numpy() & sub)
    if levels is not None:
        levels = list(levels)
        observed = pd.unique(ycol[in_sub])
        unknown = [v for v in observed if v not in levels]
        if unknown:
            raise EstimationError(f"'{lhs}' has values {unknown[:10]} that are not in levels={levels}.", column=lhs)
        code = _level_codes(ycol, levels)
    elif isinstance(ycol.dtype, pd.CategoricalDtype):
        levels = [c for c in ycol.cat.categories if (ycol[in_sub] == c).any()]
        code = _level_codes(ycol, levels)
    else:
        # the categories observed in the subpopulation, sorted
        levels = sorted(
            pd.unique(ycol[in_sub]).tolist(),
            key=lambda v: (0, v) if isinstance(v, (int, float, np.number)) else (1, str(v)),
        )
        code = _level_codes(ycol, levels)
    K = len(levels)
    if K < 3:
        raise EstimationError(
            f"a proportional-odds model needs an outcome with at least 3 ordered categories; "
            f"'{lhs}' has {K}. Use glm(family='binomial') for two.",
            column=lhs,
        )
    mf = model_frame(design.analysis_frame(), rhs, response=False)
    keep = [i for i, nm in enumerate(mf.names) if nm != "Intercept"]
    X = np.asfortranarray(mf.X[:, keep])
    names = [mf.names[i] for i in keep]
    terms = {t: s for t, s in mf.terms.items() if t != "1"}
    shift = 1 if len(keep) < len(mf.names) else 0
    terms = {t: slice(s.start - shift, s.stop - shift) for t, s in terms.items()}
    inside = ~mf.missing & (code >= 0)
    if sub is not None:
        inside &= sub
    code = np.where(inside, code, 0)
    present = np.bincount(code[inside], minlength=K)
    if (present == 0).any():
        empty = [levels[i] for i in np.flatnonzero(present == 0)]
        raise EstimationError(
            f"outcome categories {empty} of '{lhs}' have no rows in the fit; drop them first.", column=lhs
        )
    p = X.shape[1]
    w = np.where(inside, design.weight_array, 0.0)
    cum = np.cumsum(np.bincount(code, weights=w, minlength=K))[:-1] / w.sum()
    start = np.concatenate([np.zeros(p), np.log(cum / (1 - cum))])
    theta = _newton(X, code, K, w, start)
    s, H, _ = _score_hessian(theta, X, code, K, w)
    s = np.where(inside[:, None], s, 0.0)
    Z = np.asfortranarray(np.linalg.solve(-H, (s * w[:, None]).T).T)

    def refit(W: np.ndarray) -> np.ndarray:
        return replicate_fits(lambda wr: _newton(X, code, K, wr, theta), W, inside, len(theta))

    zeta_names = [f"{levels[k]}|{levels[k + 1]}" for k in range(K - 1)]
    all_names = names + zeta_names
    lin = design.linearization(theta, Z, names=all_names, replicate=refit)
    cov = design.covariance_matrix(lin)
    df_resid = float(np.asarray(design.domain_df(None, 1, [inside]))[0, 0]) - p
    return OLRResults(
        theta,
        cov,
        all_names,
        df_resid,
        int(inside.sum()),
        terms,
        lin,
        "design-based proportional-odds model (cumulative logit)",
        formula,
        n_beta=p,
        levels=levels,
    )


def _level_codes(ycol: pd.Series, levels: list) -> np.ndarray:
    """Each row's position in ``levels`` (-1: missing, or a value outside the subpopulation's levels)."""
    return pd.Index(levels).get_indexer(np.asarray(ycol, dtype=object)).astype(np.int64)
