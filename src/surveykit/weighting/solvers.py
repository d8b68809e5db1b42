"""The calibration solvers: g-weights that reproduce control totals.

One solver serves every method. :func:`calibrate_g` is R's ``grake`` (Deville-Särndal calibration by
Newton's method on the Lagrange multipliers, with R's distance functions, bounds, step halving,
rescaling and stopping rule), so that its iterates — not only its limit — are R's. The closed forms
are R's too: linear calibration without bounds (``regcalibrate``) and post-stratification. Raking by
iterative proportional fitting (:func:`rake_g`) reaches the same weights as ``method="raking"``.

All computations run on *cells* when every margin is categorical: rows that share every level share
their g-weight, so a million rows raked to 2 x 14 x 5 margins are 140 cells.
"""

from __future__ import annotations

from collections.abc import Callable

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError, InfeasibleBoundsError, WeightingError
from ..variance.calmatrix import CalMatrix

__all__ = ["CalibrationResult", "calibrate_g", "linear_g", "rake_g", "METHODS", "distance"]

METHODS = ("linear", "raking", "logit")


@dataclass
class CalibrationResult:
    """g-weights and how they were found."""

    g: np.ndarray
    iterations: int
    converged: bool
    worst_gap: float
    method: str
    history: list[float] = field(default_factory=list)


def distance(method: str, bounds: tuple[float, float]):
    """R's calibration functions ``(Fm1, dF)``: g - 1 and its derivative as functions of ``x'eta``."""
    L, U = bounds
    if method == "linear":

        def Fm1(u):
            return np.minimum(np.maximum(u + 1, L), U) - 1

        def dF(u):
            return ((u < U - 1) & (u > L - 1)).astype(np.float64)
    elif method == "raking":

        def Fm1(u):
            with np.errstate(over="ignore"):
                return np.minimum(np.maximum(np.exp(u), L), U) - 1

        def dF(u):
            with np.errstate(over="ignore"):
                return np.where((u < U - 1) & (u > L - 1), np.exp(u), 0.0)
    elif method == "logit":
        if not (np.isfinite(L) and np.isfinite(U)):
            raise WeightingError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2.0).")
        if not (L < 1 < U):
            raise InfeasibleBoundsError(f"logit bounds {bounds} must satisfy lower < 1 < upper.")
        A = (U - L) / ((U - 1) * (1 - L))

        def Fm1(u):
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(A * u)
                return (L * (U - 1) + U * (1 - L) * e) / (U - 1 + (1 - L) * e) - 1

        def dF(u):
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(A * u)
                den = U - 1 + (1 - L) * e
                return U * (1 - L) * e * A / den - ((L * (U - 1) + U * (1 - L) * e) * ((1 - L) * e * A)) / den**2
    else:
        raise WeightingError(f"method={method!r}: use one of {', '.join(METHODS)}.")
    return Fm1, dF


def _ginv(M: np.ndarray) -> np.ndarray:
    """MASS::ginv with tol = 256 * machine epsilon (R's grake), on the equilibrated matrix.

    Scaling rows and columns by sqrt(diag) first keeps a numeric margin in large units (income)
    from swamping the indicator columns (which the tolerance would otherwise zero out).
    """
    d = np.sqrt(np.abs(np.diag(M)))
    d[d == 0] = 1.0
    return np.linalg.pinv(M / np.outer(d, d), rcond=256 * np.finfo(float).eps, hermitian=True) / np.outer(d, d)


def linear_g(X: CalMatrix, w: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Linear (GREG) calibration without bounds, closed form (R's ``regcalibrate``)."""
    sample_total = X.tdot(w)[:, 0]
    lam = _ginv(X.gram(w)) @ (targets - sample_total)
    return 1.0 + X.times(lam)


def calibrate_g(
    X: CalMatrix,
    w: np.ndarray,
    targets: np.ndarray,
    method: str = "linear",
    bounds: tuple[float, float] = (-np.inf, np.inf),
    maxit: int = 50,
    epsilon: float = 1e-7,
) -> CalibrationResult:
    """g-weights with ``X' (w g) = targets`` by R's ``grake`` Newton iteration.

    Parameters
    ----------
    X : CalMatrix
        Calibration variables (rows may be cells, ``w`` their summed weights).
    w : array
        Weights before calibration.
    targets : array
        Control totals, one per column of ``X``.
    method : {"linear", "raking", "logit"}
    bounds : (lower, upper)
        Bounds on g (``logit`` needs finite ones).
    maxit, epsilon
        At most ``maxit`` iterations; stop when every ``|misfit| / (1 + |target|) < epsilon``.

    Examples
    --------
    >>> X = CalMatrix(4, [(np.array([0, 0, 1, 1]), 2)], None, [("s", 1), ("s", 2)])
    >>> r = calibrate_g(X, np.ones(4), np.array([4.0, 6.0]), "raking")
    >>> r.g.round(6).tolist(), r.converged
    ([2.0, 2.0, 3.0, 3.0], True)
    """
    Fm1, dF = distance(method, bounds)
    w = np.asarray(w, dtype=np.float64)
    sample_total = X.tdot(w)[:, 0]
    scale = None
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = targets / sample_total
    if np.all(np.isfinite(scales)) and scales.min() > 20:
        # R rescales the weights when they are far from the population scale (bounds then apply to
        # the rescaled weights, as in R)
        scale = float(scales.mean())
        w = w * scale
        sample_total = sample_total * scale
    eta = np.zeros(X.p)
    xeta = np.zeros(X.n)
    g = 1 + Fm1(xeta)
    deriv = dF(xeta)
    it = 1
    history = []
    converged = False
    worst = np.inf
    while True:
        T = X.gram(w * deriv)
        misfit = targets - sample_total - X.tdot(w * Fm1(xeta))[:, 0]
        deta = _ginv(T) @ misfit
        eta = eta + deta
        xeta = X.times(eta)
        g = 1 + Fm1(xeta)
        deriv = dF(xeta)
        while it < maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = X.times(eta)
            g = 1 + Fm1(xeta)
            deriv = dF(xeta)
        misfit = targets - sample_total - X.tdot(w * Fm1(xeta))[:, 0]
        rel = np.abs(misfit) / (1 + np.abs(targets))
        worst = float(rel.max()) if len(rel) else 0.0
        history.append(worst)
        if np.all(rel < epsilon):
            converged = True
            break
        it += 1
        if it > maxit:
            break
    if scale is not None:
        g = g * scale
    return CalibrationResult(g=g, iterations=it, converged=converged, worst_gap=worst, method=method, history=history)


def rake_g(
    X: CalMatrix,
    w: np.ndarray,
    targets: np.ndarray,
    maxit: int = 100,
    epsilon: float = 1e-10,
    one_pass: Callable[[np.ndarray], np.ndarray] | None = None,
) -> CalibrationResult:
    """Raking by iterative proportional fitting on categorical margins.

    Each pass scales the weights to every margin in turn. Converged when, at the end of a pass, every
    margin level is within ``epsilon`` (relative) of its target. ``one_pass`` (weights -> weights after
    one pass) replaces surveykit's own pass: the samplics backend passes samplics' raking, so both
    share this loop, its stopping rule and its report.

    Examples
    --------
    >>> X = CalMatrix(4, [(np.array([0, 0, 1, 1]), 2), (np.array([0, 1, 0, 1]), 2)], None,
    ...               [("a", 0), ("a", 1), ("b", 0), ("b", 1)])
    >>> r = rake_g(X, np.ones(4), np.array([4.0, 6.0, 5.0, 5.0]))
    >>> r.g.round(6).tolist()
    [2.0, 2.0, 3.0, 3.0]
    """
    if X.numeric is not None:
        raise WeightingError(
            "raking by proportional fitting needs categorical margins only; use "
            "calibrate(..., method='raking') for numeric totals."
        )
    offsets = np.cumsum([0] + [L for _, L in X.blocks])
    margins = [(codes, L, targets[offsets[b] : offsets[b + 1]]) for b, (codes, L) in enumerate(X.blocks)]

    def own_pass(wc: np.ndarray) -> np.ndarray:
        for codes, L, tgt in margins:
            cur = np.bincount(codes, weights=wc, minlength=L)
            # a level without weight cannot be scaled: it keeps its (zero) total and the run fails on it
            wc = wc * np.divide(tgt, cur, out=np.ones(L), where=cur > 0)[codes]
        return wc

    step = own_pass if one_pass is None else one_pass
    wc = np.asarray(w, dtype=np.float64).copy()
    history: list[float] = []
    converged = False
    worst = np.inf
    it = 0
    for it in range(1, maxit + 1):
        with np.errstate(divide="ignore", invalid="ignore"):
            wc = np.asarray(step(wc), dtype=np.float64)
            worst = max(
                float(
                    np.max(np.abs(np.bincount(codes, weights=wc, minlength=L) - tgt) / np.maximum(np.abs(tgt), 1e-300))
                )
                for codes, L, tgt in margins
            )
        history.append(worst)
        if worst < epsilon:
            converged = True
            break
    # cells with no weight (a replicate that drops them) keep g = 1: their weight stays 0, as in R
    g = np.divide(wc, w, out=np.ones_like(wc), where=np.asarray(w) != 0)
    return CalibrationResult(g=g, iterations=it, converged=converged, worst_gap=worst, method="raking", history=history)


def check_result(
    result: CalibrationResult,
    names: list,
    targets: np.ndarray,
    achieved: np.ndarray,
    bounds: tuple[float, float],
    what: str,
    weights: np.ndarray | None = None,
    nonpositive: str = "warn",
) -> bool:
    """Raise when calibration failed: non-convergence (worst margin and gap) or infeasible bounds.

    Zero or negative g-weights (possible with unbounded linear calibration, and kept by R) are
    reported as a :class:`~surveykit.SurveykitWarning` (``nonpositive="warn"``) or left to the caller
    (``"ignore"``); only rows with positive weight count. Returns whether some g-weight is not positive.
    """
    g = result.g
    live = np.ones(len(g), dtype=bool) if weights is None else np.asarray(weights) > 0
    finite = bool(np.all(np.isfinite(g[live])))
    bad_sign = bool(np.any(g[live] <= 0))
    if result.converged and finite:
        if bad_sign and nonpositive == "warn":
            import warnings

            from ..errors import SurveykitWarning

            warnings.warn(
                f"{what} gives zero or negative weights (g down to {np.min(g[live]):.4g}), as R would; "
                "set bounds, e.g. bounds=(0.1, 10), or use method='raking' or 'logit' to keep them "
                "positive.",
                SurveykitWarning,
                stacklevel=4,
            )
        return bad_sign
    with np.errstate(divide="ignore", invalid="ignore"):
        gaps = np.abs(achieved - targets) / np.maximum(np.abs(targets), 1.0)
    gaps = np.where(np.isfinite(gaps), gaps, np.inf)  # a total that cannot be formed is the worst
    j = int(np.argmax(gaps)) if len(gaps) else 0
    margin, level = names[j] if names else ("?", None)
    where = f"margin '{margin}'" + (f", level {level!r}" if level is not None else "")
    gap = f"target {targets[j]:,.6g}, achieved {achieved[j]:,.6g}"
    bounded = np.isfinite(bounds[0]) or np.isfinite(bounds[1])
    if bounded:
        raise InfeasibleBoundsError(
            f"{what} did not reach the control totals within bounds {bounds} after {result.iterations} "
            f"iterations; worst: {where} ({gap}). Widen the bounds or collapse sparse levels.",
            margin=margin,
            level=level,
        )
    if not finite or not np.isfinite(achieved[j]):
        raise ConvergenceError(
            f"{what} cannot reach the control totals: {where} has no sample weight to scale ({gap}). Collapse "
            "sparse levels with a neighbour.",
            margin=margin,
            level=level,
        )
    raise ConvergenceError(
        f"{what} did not converge in {result.iterations} iterations; worst: {where} ({gap}, relative gap "
        f"{gaps[j]:.3g}). Raise maxit, loosen epsilon, or collapse sparse levels.",
        margin=margin,
        level=level,
    )
