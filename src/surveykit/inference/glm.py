"""Design-based generalized linear models (R's ``svyglm``).

Point estimates solve the weighted score equations ``sum_i w_i x_i (y_i - mu_i) mu'_i / V(mu_i) = 0``
by iteratively reweighted least squares (numpy). The variance is always the design's: the model
hands the design a linearization whose weighted influence values are

    z_i = w_i x_i (y_i - mu_i) mu'_i / V(mu_i) @ (X' W X)^-1     (R: estfun %*% cov.unscaled)

so a Taylor design gives the sandwich variance with its strata, stages, fpc and calibration
residuals, and a replicate design refits the model on every replicate's weights (warm start from the
full-sample fit), as R's ``svyglm`` on ``svrepdesign``. Rows outside the subpopulation or with a
missing value in the model have weight 0 and influence 0; the design stays whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy.linalg import blas

from ..errors import EstimationError
from .formula import ModelFrame, model_frame, new_matrix
from .results import ModelResults

__all__ = [
    "Family",
    "FAMILIES",
    "fit_glm",
    "fit_irls",
    "GLMResults",
    "glm_influence",
    "irls",
    "warm_irls",
    "replicate_fits",
]


@dataclass(frozen=True)
class Family:
    """Link, inverse link, its derivative and the variance function of a GLM family."""

    name: str
    link: str
    linkfun: Callable[[np.ndarray], np.ndarray]
    linkinv: Callable[[np.ndarray], np.ndarray]
    mu_eta: Callable[[np.ndarray], np.ndarray]
    variance: Callable[[np.ndarray], np.ndarray]
    mustart: Callable[[np.ndarray], np.ndarray]
    #: ``(eta, y, w) -> (working weights, score weights)`` when the family computes them itself (faster or
    #: more precisely than from the link functions); None: from ``linkinv``, ``mu_eta`` and ``variance``
    working: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None


def _logit_working(eta: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical logit link (mu' = V(mu)): one exp for both, mu(1 - mu) as e / (1 + e)^2 with
    e = exp(-|eta|) so that it keeps its digits where mu is within 1e-8 of 0 or 1."""
    e = np.exp(-np.abs(eta))
    inv = 1.0 / (1.0 + e)
    mu = np.where(eta >= 0, inv, e * inv)
    return w * (e * inv * inv), w * (y - mu)


def _expit(eta):
    return 1.0 / (1.0 + np.exp(-eta))


def _dexpit(eta):
    e = np.exp(-np.abs(eta))
    return e / (1.0 + e) ** 2


FAMILIES = {
    "gaussian": Family("gaussian", "identity", lambda m: m, lambda e: e, np.ones_like, np.ones_like, lambda y: y),
    "binomial": Family(
        "binomial",
        "logit",
        lambda m: np.log(m / (1 - m)),
        _expit,
        _dexpit,
        lambda m: m * (1 - m),
        lambda y: (y + 0.5) / 2.0,
        _logit_working,
    ),
    "poisson": Family("poisson", "log", np.log, np.exp, np.exp, lambda m: m, lambda y: y + 0.1),
}


# rows per block of a pass over the model matrix: a block of X (p columns) and its working values stay
# in cache while they are used, so each IRLS iteration reads X from memory once (blocked BLAS, as a
# QR or Cholesky solver does; the loop is over fixed-size blocks, not over rows or strata)
_BLOCK = 32768


# influence values come from the last IRLS pass (at the previous iterate) when that iterate is within this
# relative distance of the solution (Newton's quadratic convergence usually ends ~1e-13 away), else from a
# pass at the solution
_EXACT = 1e-11


def _blocks(n: int) -> range:
    return range(0, n, _BLOCK)


def _syrk(Xs: np.ndarray) -> np.ndarray:
    """X'X of a block (upper triangle: the symmetric product does half the work of a general one)."""
    if Xs.flags.f_contiguous:
        return blas.dsyrk(1.0, Xs, trans=1)
    return Xs.T @ Xs


def _symmetric(A: np.ndarray) -> np.ndarray:
    return np.triu(A) + np.triu(A, 1).T


def _working(eta: np.ndarray, y: np.ndarray, w: np.ndarray, family: Family) -> tuple[np.ndarray, np.ndarray]:
    """IRLS working weights ``w mu'^2 / V(mu)`` and score weights ``w (y - mu) mu' / V(mu)`` at ``eta``."""
    if family.working is not None:
        return family.working(eta, y, w)
    mu = family.linkinv(eta)
    d = family.mu_eta(eta)
    dv = d / family.variance(mu)
    return w * d * dv, w * (y - mu) * dv


def _irls_pass(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    family: Family,
    beta: np.ndarray | None,
    scores: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """X'WX and X'Wz at ``beta`` (or at the family's starting values when ``beta`` is None), in one pass;
    with ``scores`` (n, p), also the rows' score contributions ``x_i w_i (y_i - mu_i) mu'_i / V(mu_i)``.

    ``X'Wz = X'W eta + X' w (y - mu) mu'/V``: the working response is never divided by ``mu'`` (which
    underflows to 0 for extreme linear predictors)."""
    p = X.shape[1]
    A = np.zeros((p, p))
    b = np.zeros(p)
    for lo in _blocks(len(y)):
        Xb, yb, wb = X[lo : lo + _BLOCK], y[lo : lo + _BLOCK], w[lo : lo + _BLOCK]
        eta = family.linkfun(family.mustart(yb)) if beta is None else Xb @ beta
        ww, score = _working(eta, yb, wb, family)
        A += _syrk(Xb * np.sqrt(ww)[:, None])
        b += Xb.T @ (ww * eta + score)
        if scores is not None:
            scores[lo : lo + _BLOCK] = Xb * score[:, None]
    return _symmetric(A), b


def irls(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    family: Family,
    beta: np.ndarray | None = None,
    tol: float = 1e-8,
    maxit: int = 100,
) -> tuple[np.ndarray, int]:
    """Weighted IRLS: coefficients solving the weighted score equations, and the iterations used.

    Converged when the largest change of a coefficient is below ``tol`` relative to ``1 + |beta|``.
    The three links are canonical, so IRLS is Newton's method and converges quadratically: after a
    change below 1e-8 the iterate returned is within about 1e-16 of the solution (R's fixtures use
    ``glm.control(epsilon=1e-13)``; the parity tests check 1e-6 and see 1e-12).

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [0.0, 1, 2, 3, 4, 5]])
    >>> beta, _ = irls(X, np.array([0.0, 0, 1, 0, 1, 1]), np.ones(6), FAMILIES["binomial"])
    >>> beta.round(4).tolist()
    [-3.0351, 1.214]
    """
    beta, it, _ = _iterate(X, y, w, family, beta, tol, maxit, influence=False)
    return beta, it


def fit_irls(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, family: Family, tol: float = 1e-8, maxit: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """IRLS coefficients and their weighted influence values (n, p) from the same passes over ``X``.

    The influence values are the last pass's scores times its inverse information (as R's ``svyglm``
    takes ``cov.unscaled`` and the working weights from its last IRLS iteration) when that pass's
    iterate was within 1e-11 of the solution -- the usual end of Newton's quadratic convergence --
    and otherwise come from one more pass at the solution: they agree with :func:`glm_influence` to
    about 1e-11 relative, without a pass of their own. Rows with weight 0 have influence 0.

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [0.0, 1, 2, 3, 4, 5]])
    >>> y, w = np.array([0.0, 0, 1, 0, 1, 1]), np.ones(6)
    >>> beta, Z = fit_irls(X, y, w, FAMILIES["binomial"])
    >>> bool(np.allclose(Z, glm_influence(X, y, w, beta, FAMILIES["binomial"]), rtol=1e-7, atol=1e-12))
    True
    """
    beta, _, Z = _iterate(X, y, w, family, None, tol, maxit, influence=True)
    assert Z is not None
    return beta, Z


def _iterate(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    family: Family,
    beta: np.ndarray | None,
    tol: float,
    maxit: int,
    influence: bool,
) -> tuple[np.ndarray, int, np.ndarray | None]:
    use = w > 0
    if not use.any():
        raise EstimationError("no rows with positive weight to fit the model on.")
    if use.all():
        Xu, yu, wu = X, y, w
    else:
        Xu, yu, wu = X[use], y[use], w[use]
    wu = wu / wu.mean()  # scale-free: only relative weights matter
    start = beta
    change = np.inf
    scores = None
    for it in range(1, maxit + 1):
        # keep the scores once the iterates are close (the next pass is probably the last): the influence
        # values then need no pass of their own
        keep = influence and change < 1e-3
        if keep and scores is None:
            scores = np.empty(Xu.shape, order="F")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            A, b = _irls_pass(Xu, yu, wu, family, beta, scores if keep else None)
        try:
            new = _solve(A, b)
        except EstimationError:
            if it == 1 and start is None:
                raise EstimationError(
                    "the model matrix is rank-deficient (collinear terms, or a category "
                    "with no rows in the fit); drop or merge terms."
                ) from None
            raise
        if not np.all(np.isfinite(new)):
            raise EstimationError(
                "the model fit diverged (separation: a category or covariate predicts the outcome perfectly?)."
            )
        change = np.inf if beta is None else float(np.max(np.abs(new - beta) / (1.0 + np.abs(new))))
        if change < tol:
            if not influence:
                return new, it, None
            if not keep or change > _EXACT:
                # no scores kept (a one-step fit), or the last step still moved the coefficients by more
                # than _EXACT: one more pass for the scores and information at the solution itself
                if scores is None:
                    scores = np.empty(Xu.shape, order="F")
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    A, _ = _irls_pass(Xu, yu, wu, family, new, scores)
            assert scores is not None
            # scores and information both used w / mean(w): the scale cancels in scores @ A^-1
            scores = _times_inverse(scores, A)
            if Xu is X:
                return new, it, scores
            Z = np.zeros(X.shape, order="F")
            Z[use] = scores
            return new, it, Z
        beta = new
    raise EstimationError(
        f"the model did not converge in {maxit} iterations (separation or a badly scaled covariate?)."
    )


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        if not np.all(np.isfinite(A)) or np.linalg.cond(A) > 1e13:
            raise np.linalg.LinAlgError
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "the model matrix is singular (collinear terms, or a category with no rows "
            "in the fit); drop or merge terms."
        ) from None


def warm_irls(X: np.ndarray, y: np.ndarray, w: np.ndarray, family: Family, beta: np.ndarray) -> np.ndarray:
    """IRLS from ``beta`` (a replicate's fit starts at the full sample's), from the usual start if that fails
    (IRLS from a distant start can overshoot on a logit link)."""
    try:
        return irls(X, y, w, family, beta=beta)[0]
    except EstimationError:
        return irls(X, y, w, family)[0]


def replicate_fits(fit: Callable[[np.ndarray], np.ndarray], W: np.ndarray, inside: np.ndarray, k: int) -> np.ndarray:
    """Refit on every replicate's weights (rows outside the fit at 0): (R, k). A replicate on which the model
    cannot be fitted (a category or the outcome's variation dropped out of it) gives NaN, as R's
    replicate estimates of an empty domain do, and so a NaN variance."""
    out = np.full((W.shape[1], k), np.nan)
    for r in range(W.shape[1]):
        wr = W[:, r] * inside
        if not (wr > 0).any():
            continue
        try:
            out[r] = fit(wr)
        except EstimationError:
            pass
    return out


def glm_influence(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray, family: Family) -> np.ndarray:
    """Weighted influence values of the coefficients, (n, p): estfun @ inverse information.

    ``z_i = w_i (y_i - mu_i) mu'_i / V(mu_i) x_i' A^-1`` with ``A = X'WX`` at ``beta``: one pass for the
    scores and ``A``, then each block of scores times ``A^-1`` (column-major, as the kernel sums columns).
    """
    Z = np.empty(X.shape, order="F")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        A, _ = _irls_pass(X, y, w, family, beta, Z)
    return _times_inverse(Z, A)


def _times_inverse(scores: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``scores @ A^-1`` in place, block by block (scores column-major, as the kernel sums columns)."""
    Ainv = np.linalg.inv(A)
    for lo in _blocks(len(scores)):
        scores[lo : lo + _BLOCK] = scores[lo : lo + _BLOCK] @ Ainv
    return scores


class GLMResults(ModelResults):
    """A design-based GLM (see :func:`fit_glm`): statsmodels' names, R's ``svyglm`` numbers."""

    kind = "glm"

    def __init__(
        self,
        *args,
        family: Family,
        frame: ModelFrame,
        design: Any = None,
        inside: Any = None,
        design_rows: int | None = None,
        **kw,
    ) -> None:
        super().__init__(*args, **kw)
        self.family = family
        self._frame = frame
        self._design = design
        self._inside = inside
        self._design_rows = design_rows

    def dispersion(self) -> pd.DataFrame:
        """The dispersion (residual variance of a gaussian model) with its SE, as R's ``summary.svyglm``:
        the design-based variance (:func:`~surveykit.inference.svyvar.svyvar`) of the Pearson residuals
        ``(y - mu) sqrt(w / mean(w)) / sqrt(V(mu))`` of the rows in the fit. Taylor designs only match R
        (R's replicate-design dispersion weights residuals that already carry the weights)."""
        from .svyvar import svyvar

        mf, inside = self._frame, self._inside
        eta = mf.X @ self.params.to_numpy()
        mu = self.family.linkinv(eta)
        w = np.where(inside, self._design.weight_array, 0.0)
        # R: (y - mu) sqrt(prior / sampling weight) / sqrt(V(mu)), the two weights normalised over different
        # rows: the subpopulation's (missing values included) and those in the fit
        sub = self._design.subpopulation
        wd = self._design.weight_array
        c = (wd.sum() if sub is None else wd[sub].sum()) / w.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (mf.y - mu) * np.sqrt(c) / np.sqrt(self.family.variance(mu))
        res = pd.Series(np.where(inside, r, np.nan), index=self._design.data.index, name="pearson_residual")
        out = svyvar(self._design, [res], replicate=hasattr(self._design, "replicates"))
        return out[["estimate", "se"]].rename(index={0: "dispersion"})

    def predict(
        self, newdata: pd.DataFrame | None = None, *, se: bool = False, type: str = "response"
    ) -> pd.Series | pd.DataFrame:
        """Predictions on the link or response scale, with delta-method SEs (R's ``predict.svyglm``).

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows to predict for (default: the design's data).
        se : bool
            Also give standard errors: a DataFrame [fit, se] instead of a Series.
        type : {"response", "link"}
        """
        if type not in ("response", "link"):
            raise EstimationError(f"type={type!r}: use 'response' or 'link'.")
        X = self._frame.X if newdata is None else new_matrix(self._frame, newdata)
        b = self.params.to_numpy()
        eta = X @ b
        fit = eta if type == "link" else self.family.linkinv(eta)
        index = None if newdata is None else newdata.index
        if not se:
            return pd.Series(fit, index=index, name="fit")
        s = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", X, self._cov, X), 0.0, None))
        if type == "response":
            s = s * np.abs(self.family.mu_eta(eta))
        return pd.DataFrame({"fit": fit, "se": s}, index=index)

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(coefficients) with their intervals: odds ratios (binomial) or rate ratios (poisson)."""
        if self.family.name == "gaussian":
            raise EstimationError("ratios of a gaussian (identity link) model are not meaningful; use to_frame().")
        out = self.to_frame(exponentiate=True, level=level)
        name = "odds_ratio" if self.family.name == "binomial" else "rate_ratio"
        return out.rename(columns={"estimate": name})[["term", name, "ci_low", "ci_high", "p_value"]]

    rate_ratios = odds_ratios


def fit_glm(design: Any, formula: str, family: str = "gaussian", design_rows: int | None = None) -> GLMResults:
    """Fit ``formula`` to the design's data with its weights; variance from the design.

    ``design`` is any surveykit design (Taylor or replicate, calibrated or not, subpopulation or
    not): see :meth:`~surveykit.SurveyDesign.glm`.
    """
    if family not in FAMILIES:
        raise EstimationError(f"family={family!r}: use one of {', '.join(FAMILIES)}.")
    fam = FAMILIES[family]
    mf = model_frame(design.analysis_frame(), formula)
    if mf.y is None:
        raise EstimationError(f"the response of {formula!r} must be one numeric column (0/1 for binomial).")
    inside = ~mf.missing
    sub = design.subpopulation
    if sub is not None:
        inside &= sub
    if not inside.any():
        raise EstimationError(
            f"no rows left to fit {formula!r}: every row is missing a model variable or outside the subpopulation."
        )
    y = mf.y
    _check_response(y[inside], fam, mf.response)
    w = np.where(inside, design.weight_array, 0.0)
    X = mf.X
    p = X.shape[1]
    try:
        beta, Z = fit_irls(X, y, w, fam)
    except EstimationError as exc:
        if "rank-deficient" in str(exc):
            raise EstimationError(
                f"the model matrix of {formula!r} is rank-deficient: some terms are collinear or "
                "a category has no rows in the fit; drop or merge them."
            ) from None
        if "singular" in str(exc):
            raise EstimationError(
                f"the fit of {formula!r} became singular: separation (a category or covariate "
                "predicts the outcome perfectly)?"
            ) from None
        raise

    def refit(W: np.ndarray) -> np.ndarray:
        return replicate_fits(lambda wr: warm_irls(X, y, wr, fam, beta), W, inside, p)

    lin = design.linearization(beta, Z, names=mf.names, replicate=refit)
    cov = design.covariance_matrix(lin)
    df_resid = float(np.asarray(design.domain_df(None, 1, [inside]))[0, 0]) + 1.0 - p
    method = f"design-based GLM ({fam.name}, {fam.link} link)"
    return GLMResults(
        beta,
        cov,
        mf.names,
        df_resid,
        int(inside.sum()),
        mf.terms,
        lin,
        method,
        formula,
        family=fam,
        frame=mf,
        design=design,
        inside=inside,
        design_rows=design.n if design_rows is None else design_rows,
    )


def _check_response(y: np.ndarray, fam: Family, name: str | None) -> None:
    if fam.name == "binomial" and ((y < 0) | (y > 1)).any():
        raise EstimationError(
            f"a binomial model needs a response between 0 and 1 (0/1 or a proportion); '{name}' has values outside.",
            column=name,
        )
    if fam.name == "poisson" and (y < 0).any():
        raise EstimationError(
            f"a poisson model needs a non-negative response; '{name}' has negative values.", column=name
        )
