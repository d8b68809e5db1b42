"""The Fay-Herriot area-level model: :func:`fay_herriot` and its result :class:`FayHerriotFit`.

For each area ``d`` with a direct estimate, the EBLUP is the weighted combination

    eblup_d = gamma_d * direct_d + (1 - gamma_d) * x_d' beta,   gamma_d = sigma2_u / (sigma2_u + psi_d)

of the direct estimate and the regression-synthetic estimate; an area without sample gets the
synthetic ``x_d' beta``. See :mod:`surveykit.sae.mse` for the estimation of ``sigma2_u`` and the MSE,
:mod:`surveykit.sae.transform` for the arcsine variant and :mod:`surveykit.sae.bootstrap` for the
parametric bootstrap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from ..errors import (
    CollinearityError,
    CovariateError,
    DirectVarianceError,
    ModelConvergenceError,
    SmallAreaError,
    VarianceComponentWarning,
    format_rows,
)
from . import mse as _mse
from .transform import arcsin, arcsin_back, arcsin_variance

__all__ = ["fay_herriot", "FayHerriotFit"]

TABLE_COLUMNS = [
    "area",
    "n",
    "direct",
    "direct_se",
    "eblup",
    "mse",
    "rmse",
    "cv",
    "gamma",
    "method",
    "sampled",
    "synthetic",
    "ci_low",
    "ci_high",
    "mse_method",
]


@dataclass
class FayHerriotFit:
    """A fitted Fay-Herriot model.

    Attributes
    ----------
    table : DataFrame
        One row per area: ``area, n, direct, direct_se, eblup, mse, rmse, cv, gamma, method`` and
        ``sampled`` (has a direct estimate), ``synthetic`` (the regression-synthetic ``x'beta``),
        ``ci_low, ci_high`` (interval at ``level``) and ``mse_method``.
    sigma2_u : float
        Variance of the area effects (on the transformed scale for ``transform="arcsin"``), after
        truncation at 0.
    beta : DataFrame
        Regression coefficients: ``term, estimate, se, z, p_value``.
    method, transform : str
        As given to :func:`fay_herriot`.
    diagnostics : dict
        ``loglike, AIC, BIC, KIC`` (as ``sae::eblupFH``), ``sigma2_u_raw`` (before truncation),
        ``sigma2_u_se``, ``iterations``, ``converged``, ``truncated``, and residual checks:
        ``shapiro_std_residuals_p`` / ``shapiro_random_effects_p`` (Shapiro-Wilk p-values of the
        standardised residuals and of the predicted area effects), ``share_abs_std_residual_gt_2``.
    """

    table: pd.DataFrame
    sigma2_u: float
    beta: pd.DataFrame
    method: str
    transform: str | None
    diagnostics: dict
    level: float
    _model: dict = field(repr=False, default_factory=dict)

    def __repr__(self) -> str:
        t = self.table
        return (
            f"<FayHerriotFit {self.method}{', ' + self.transform if self.transform else ''}: {len(t)} areas "
            f"({int(t['sampled'].sum())} sampled), sigma2_u={self.sigma2_u:.6g}, MSE {t['mse_method'].iloc[0]}>"
        )

    def summary(self) -> str:
        """A short text summary of the model (variance component, coefficients, fit, shrinkage).

        Examples
        --------
        >>> import pandas as pd, surveykit.sae as sae
        >>> cov = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6]}, index=list("abcdef"))
        >>> fit = sae.fay_herriot(pd.Series([1.9, 1.1, 3.9, 3.2, 6.4, 5.1], index=cov.index),
        ...                       pd.Series(0.2, index=cov.index), cov)
        >>> print(fit.summary().splitlines()[0])
        Fay-Herriot model, REML, 6 areas (6 with direct estimates)
        """
        t = self.table
        d = self.diagnostics
        lines = [
            f"Fay-Herriot model, {self.method}, {len(t)} areas ({int(t['sampled'].sum())} with direct "
            f"estimates)" + (f", {self.transform} transformation" if self.transform else ""),
            f"sigma2_u = {self.sigma2_u:.6g} (se {d['sigma2_u_se']:.3g})"
            + (" -- truncated at 0: EBLUP = synthetic estimate" if d["truncated"] else ""),
            f"loglike = {d['loglike']:.4f}, AIC = {d['AIC']:.4f}, BIC = {d['BIC']:.4f}",
            "coefficients:",
            self.beta.to_string(index=False),
        ]
        s = t[t["sampled"]]
        lines.append(
            f"sampled areas: median gamma = {s['gamma'].median():.3f}; median CV direct = "
            f"{(s['direct_se'] / s['direct'].abs()).median():.3f}, EBLUP = {s['cv'].median():.3f}"
        )
        return "\n".join(lines)

    def benchmark(
        self, target: float | pd.Series, shares: pd.Series, *, by: pd.Series | None = None, method: str = "ratio"
    ) -> pd.DataFrame:
        """Benchmark the EBLUPs so their population-weighted sum equals a direct estimate.

        See :func:`surveykit.sae.benchmark` (this passes ``self.table``).
        """
        from .benchmark import benchmark

        return benchmark(self.table, target, shares, by=by, method=method)

    def bootstrap(self, B: int = 500, *, seed: int | None = None):
        """Parametric bootstrap of the model (all replicates at once): :func:`surveykit.sae.parametric_bootstrap`."""
        from .bootstrap import parametric_bootstrap

        return parametric_bootstrap(self, B, seed=seed)


# --- input checks ----------------------------------------------------------------------------------
def _as_series(x: Any, name: str, index: pd.Index | None) -> pd.Series:
    if isinstance(x, pd.Series):
        return x
    arr = np.asarray(x)
    if index is None or len(arr) != len(index):
        raise CovariateError(
            f"{name} has {len(arr)} values: give a pandas Series indexed by area, or as many "
            f"values as covariate rows ({0 if index is None else len(index)}).",
            column=name,
        )
    return pd.Series(arr, index=index, name=name)


def _design_matrix(covariates: pd.DataFrame, intercept: bool) -> tuple[np.ndarray, list[str]]:
    """Numeric columns as they are; text/categorical ones as treatment dummies (first level dropped)."""
    if covariates.index.duplicated().any():
        dup = covariates.index[covariates.index.duplicated()].unique()
        raise CovariateError(f"covariate rows repeat areas {format_rows(dup)}; give one row per area.", rows=list(dup))
    na = covariates.isna()
    if na.any().any():
        cols = list(covariates.columns[na.any()])
        rows = list(covariates.index[na.any(axis=1)])
        raise CovariateError(
            f"covariates {cols} are missing for areas {format_rows(rows)}; a Fay-Herriot model "
            "needs every covariate for every area (impute them or drop the covariate).",
            column=cols[0],
            rows=rows,
        )
    frames = []
    for c in covariates.columns:
        col = covariates[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            frames.append(col.astype(float).rename(str(c)).to_frame())
        else:
            frames.append(
                pd.get_dummies(col.astype("category"), prefix=str(c), prefix_sep="=", drop_first=True, dtype=float)
            )
    X = pd.concat(frames, axis=1) if frames else pd.DataFrame(index=covariates.index)
    if intercept:
        X.insert(0, "(Intercept)", 1.0)
    if X.shape[1] == 0:
        raise CovariateError("no covariates and no intercept: the model has no regression part.")
    values = X.to_numpy(float)
    if not np.isfinite(values).all():
        raise CovariateError("covariates contain infinite values; check the covariate table.")
    return values, [str(c) for c in X.columns]


def _check_rank(X: np.ndarray, terms: list[str]) -> None:
    _, R, piv = linalg.qr(X, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    rank = int((d > d.max() * max(X.shape) * np.finfo(float).eps * 100).sum()) if d.size else 0
    if rank < X.shape[1]:
        bad = [terms[i] for i in piv[rank:]]
        raise CollinearityError(
            f"covariates are collinear on the sampled areas: {bad} are linear combinations of the other "
            f"terms ({', '.join(terms)}); drop them or merge categories.",
            column=bad[0],
        )


# --- the model ---------------------------------------------------------------------------------------
def fay_herriot(
    direct: pd.Series | np.ndarray,
    variance: pd.Series | np.ndarray,
    covariates: pd.DataFrame,
    *,
    method: str = "REML",
    transform: str | None = None,
    n: pd.Series | None = None,
    n_eff: pd.Series | None = None,
    intercept: bool = True,
    mse: str | None = None,
    B: int = 200,
    seed: int | None = None,
    level: float = 0.95,
    tol: float = 1e-4,
    max_iter: int = 100,
) -> FayHerriotFit:
    """Fit the Fay-Herriot area-level model and return EBLUPs with their MSE.

    Parameters
    ----------
    direct : Series
        Direct (design-based) estimates indexed by area; NaN or an area absent from ``direct`` but
        present in ``covariates`` is a non-sampled area (it gets the synthetic estimate).
    variance : Series
        Design variances of the direct estimates (``se**2``), same index; each must be > 0 where there
        is a direct estimate (smooth zero or unstable variances first: :func:`surveykit.sae.gvf`). With
        ``transform="arcsin"`` and ``n_eff`` given it is only reported (``direct_se``) and may be 0 or NaN.
    covariates : DataFrame
        Area covariates indexed by area, one row per area including the non-sampled ones; numeric
        columns enter as they are, text or categorical ones as dummies (first level is the reference).
    method : {"REML", "ML", "FH"}
        Estimator of the area-effect variance ``sigma2_u``: restricted or full maximum likelihood
        (Fisher scoring) or the Fay-Herriot moment estimator, as ``sae::eblupFH``. A negative
        estimate is set to 0 as R does, with a :class:`~surveykit.VarianceComponentWarning`.
    transform : {None, "arcsin"}
        ``"arcsin"`` for proportions: the model is fitted to ``asin(sqrt(direct))`` with sampling
        variance ``1/(4 n_eff)``, back-transformed with a bias correction; its MSE is bootstrapped.
        See :mod:`surveykit.sae.transform`.
    n : Series, optional
        Sample size of each area (reported in the table).
    n_eff : Series, optional
        Effective sample sizes for ``transform="arcsin"``; default ``p (1 - p) / variance``.
    intercept : bool, default True
        Add an intercept.
    mse : {"analytic", "bootstrap"}, optional
        Default ``"analytic"`` (Prasad-Rao for REML, Datta-Lahiri for ML, Datta-Rao-Smith for FH);
        ``"bootstrap"`` (always for ``"arcsin"``) uses ``B`` parametric bootstrap replicates.
    B, seed : int
        Bootstrap replicates and seed.
    level : float, default 0.95
        Level of the intervals ``ci_low, ci_high`` (normal with the analytic MSE; bootstrap
        percentiles of the estimation error with the bootstrap MSE).
    tol, max_iter
        Stopping rule of the variance-component iterations: relative change at most ``tol``, as
        ``sae::eblupFH``'s ``PRECISION=1e-4, MAXITER=100``.

    Returns
    -------
    FayHerriotFit

    Raises
    ------
    DirectVarianceError
        A direct estimate has a missing, zero or negative variance.
    CovariateError, CollinearityError
        Covariates missing, not aligned with the areas, or linearly dependent.
    ModelConvergenceError
        The variance component did not converge in ``max_iter`` iterations.

    Examples
    --------
    >>> import pandas as pd, surveykit.sae as sae
    >>> cov = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7]}, index=list("abcdefg"))
    >>> direct = pd.Series([1.9, 1.1, 3.9, 3.2, 6.4, 5.1], index=list("abcdef"))   # g not sampled
    >>> fit = sae.fay_herriot(direct, pd.Series(0.2, index=direct.index), cov)
    >>> fit
    <FayHerriotFit REML: 7 areas (6 sampled), sigma2_u=1.19343, MSE prasad-rao>
    >>> fit.table[["area", "eblup", "mse", "gamma"]].round(3).tail(2).values.tolist()
    [['f', 5.205, 0.205, 0.856], ['g', 6.72, 2.401, 0.0]]
    """
    if method not in _mse.METHODS:
        raise SmallAreaError(f"method={method!r}: use 'REML', 'ML' or 'FH'.")
    if transform not in (None, "arcsin"):
        raise SmallAreaError(f"transform={transform!r}: use None or 'arcsin'.")
    mse = mse or ("bootstrap" if transform else "analytic")
    if mse not in ("analytic", "bootstrap"):
        raise SmallAreaError(f"mse={mse!r}: use 'analytic' or 'bootstrap'.")
    if transform and mse == "analytic":
        raise SmallAreaError("transform='arcsin' has no analytic MSE on the proportion scale; use mse='bootstrap'.")
    if not isinstance(covariates, pd.DataFrame):
        raise CovariateError("covariates must be a pandas DataFrame indexed by area.")
    direct = _as_series(direct, "direct", covariates.index)
    variance = _as_series(variance, "variance", covariates.index)
    missing = direct.index.difference(covariates.index)
    if len(missing):
        raise CovariateError(
            f"areas {format_rows(list(missing))} have direct estimates but no covariates.", rows=list(missing)
        )
    X_all, terms = _design_matrix(covariates, intercept)
    areas = covariates.index
    y_all = pd.to_numeric(direct.reindex(areas), errors="coerce").to_numpy(float)
    v_all = pd.to_numeric(variance.reindex(areas), errors="coerce").to_numpy(float)
    sampled = np.isfinite(y_all)
    # a variance that is 0 up to rounding (a one-PSU domain) is as bad as 0: it would give gamma = 1
    tiny = np.sqrt(np.where(np.isfinite(v_all) & (v_all > 0), v_all, 0.0)) <= 1e-9 * np.maximum(np.abs(y_all), 1.0)
    bad = sampled & (~np.isfinite(v_all) | tiny)
    if transform == "arcsin" and n_eff is not None:
        bad[:] = False  # the arcsine variance comes from n_eff; 0 (a proportion of 0 or 1) is fine
    if bad.any():
        rows = list(areas[bad])
        raise DirectVarianceError(
            f"areas {format_rows(rows)} have a direct estimate but a missing, zero or negative variance; the "
            "model treats variances as known and positive. Smooth them with surveykit.sae.gvf, or set the "
            "direct estimate to NaN to use the synthetic estimate.",
            rows=rows,
            column="variance",
        )
    y, psi_raw, X = y_all[sampled], v_all[sampled], X_all[sampled]
    if transform == "arcsin":
        if ((y < 0) | (y > 1)).any():
            raise SmallAreaError("transform='arcsin' needs proportions between 0 and 1.", column="direct")
        if n_eff is None:
            ne = y * (1 - y) / psi_raw
            if (ne <= 0).any():
                rows = list(areas[sampled][ne <= 0])
                raise SmallAreaError(
                    f"areas {format_rows(rows)} have a direct proportion of 0 or 1: give n_eff "
                    "(sample size / design effect) for the arcsine variance.",
                    rows=rows,
                )
        else:
            ne = pd.to_numeric(_as_series(n_eff, "n_eff", areas).reindex(areas), errors="coerce").to_numpy(float)
            ne = ne[sampled]
            if not (np.isfinite(ne) & (ne > 0)).all():
                raise SmallAreaError("n_eff must be positive for every sampled area.", column="n_eff")
        y_fit, psi = arcsin(y), arcsin_variance(ne)
    else:
        y_fit, psi = y, psi_raw
    m, p = X.shape
    if m <= p:
        raise SmallAreaError(
            f"{m} areas with direct estimates for {p} regression terms: the model needs more sampled areas than terms."
        )
    _check_rank(X, terms)

    A_raw, iters, ok = _mse.fisher_scoring(y_fit[None, :], X, psi, method, tol, max_iter)
    if not ok[0]:
        raise ModelConvergenceError(
            f"the {method} iterations for sigma2_u did not converge in {max_iter} "
            "iterations; try method='FH' or a larger max_iter."
        )
    A = max(float(A_raw[0]), 0.0)
    if A_raw[0] < 0:
        warnings.warn(
            f"the {method} estimate of sigma2_u was negative ({A_raw[0]:.4g}) and is set to 0, as R's "
            "sae::eblupFH does: the EBLUP is the synthetic estimate x'beta in every area.",
            VarianceComponentWarning,
            stacklevel=2,
        )
    v, Q, beta, r = _mse.gls(y_fit[None, :], X, psi, np.array([A]))
    v, Q, beta, r = v[0], Q[0], beta[0], r[0]
    gamma = A * v
    synth_all = X_all @ beta
    eta_all = synth_all.copy()
    eta_all[sampled] = synth_all[sampled] + gamma * r

    se_beta = np.sqrt(np.diag(Q))
    z = beta / se_beta
    beta_df = pd.DataFrame(
        {"term": terms, "estimate": beta, "se": se_beta, "z": z, "p_value": 2 * stats.norm.sf(np.abs(z))}
    )
    loglike = -0.5 * float(np.sum(np.log(2 * np.pi * (A + psi)) + r**2 / (A + psi)))
    an = _mse.analytic_mse(X, psi, A, method)
    std_res = r * np.sqrt(v)
    u_hat = gamma * r
    diagnostics = dict(
        loglike=loglike,
        AIC=-2 * loglike + 2 * (p + 1),
        BIC=-2 * loglike + (p + 1) * np.log(m),
        KIC=-2 * loglike + 3 * (p + 1),
        sigma2_u_raw=float(A_raw[0]),
        sigma2_u_se=float(np.sqrt(an["var_sigma2"])),
        iterations=int(iters[0]),
        converged=True,
        truncated=bool(A_raw[0] < 0),
        shapiro_std_residuals_p=float(stats.shapiro(std_res).pvalue) if m >= 3 else np.nan,
        shapiro_random_effects_p=(float(stats.shapiro(u_hat).pvalue) if m >= 3 and np.ptp(u_hat) > 0 else np.nan),
        share_abs_std_residual_gt_2=float(np.mean(np.abs(std_res) > 2)),
    )
    model = dict(
        X=X_all,
        terms=terms,
        sampled=sampled,
        y=y_fit,
        psi=psi,
        beta=beta,
        Q=Q,
        A=A,
        method=method,
        transform=transform,
        tol=tol,
        max_iter=max_iter,
        areas=areas,
        eta=eta_all,
        synthetic=synth_all,
        gamma_s=gamma,
        bias=an["bias"],
    )

    M = len(areas)
    gamma_all = np.zeros(M)
    gamma_all[sampled] = gamma
    n_all = (
        pd.to_numeric(_as_series(n, "n", areas).reindex(areas), errors="coerce").to_numpy(float)
        if n is not None
        else np.where(sampled, np.nan, 0.0)
    )
    table = pd.DataFrame(
        {
            "area": areas,
            "n": n_all,
            "direct": y_all,
            "direct_se": np.where(sampled, np.sqrt(np.where(sampled, v_all, 1.0)), np.nan),
        }
    )
    fit = FayHerriotFit(
        table=table,
        sigma2_u=A,
        beta=beta_df,
        method=method,
        transform=transform,
        diagnostics=diagnostics,
        level=level,
        _model=model,
    )
    zq = stats.norm.ppf(0.5 + level / 2)
    if transform == "arcsin":
        var_all = np.full(M, A)  # non-sampled: theta ~ N(x'beta, sigma2_u)
        var_all[sampled] = A * (1 - gamma)
        estimate = arcsin_back(eta_all, var_all)
        table["synthetic"] = arcsin_back(synth_all, np.full(M, A))
    else:
        estimate = eta_all
        table["synthetic"] = synth_all
    table["eblup"] = estimate
    if mse == "analytic":
        mse_all = np.empty(M)
        mse_all[sampled] = an["mse"]
        mse_all[~sampled] = _mse.synthetic_mse(X_all[~sampled], Q, A, an["bias"])
        mse_name = {"REML": "prasad-rao", "ML": "datta-lahiri", "FH": "datta-rao-smith"}[method]
        lo, hi = estimate - zq * np.sqrt(mse_all), estimate + zq * np.sqrt(mse_all)
    else:
        boot = fit.bootstrap(B, seed=seed)
        mse_all = boot.mse()
        lo, hi = boot.intervals(level)
        mse_name = f"parametric bootstrap (B={B})"
        model["boot"] = boot
    table["mse"] = mse_all
    table["rmse"] = np.sqrt(mse_all)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["cv"] = table["rmse"] / np.abs(estimate)
    table["gamma"] = gamma_all
    table["method"] = method
    table["sampled"] = sampled
    table["ci_low"], table["ci_high"] = lo, hi
    table["mse_method"] = mse_name
    fit.table = table[TABLE_COLUMNS]
    return fit
