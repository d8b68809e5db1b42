"""``backend="samplics"``: g-weights computed by samplics 0.6.1, for what it computes correctly.

samplics' ``SampleWeight`` gets linear calibration without bounds, raking by proportional fitting and
post-stratification right; it silently ignores ``bounded=True`` and has no logit distance (nor a
raking distance with numeric totals), so those raise :class:`~surveykit.WeightingError` here. Only the
weights come from samplics: the variance is always surveykit's (calibration residuals for Taylor
designs, every replicate re-weighted for replicate designs), because samplics reports the naive SE.

surveykit prepares the problem so that samplics' arithmetic is well posed, without changing the
solution: rows that share every categorical level are solved as one cell (as the surveykit engine
does), redundant calibration columns (the levels of a second categorical margin repeat the
intercept) are dropped, and columns are scaled to unit size. samplics inverts ``X' W X`` (not a
generalized inverse) and forms an ``n x n`` diagonal matrix, so a problem with numeric margins on
more than :data:`MAX_ROWS` rows is refused with a clear error instead of exhausting memory.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from ..errors import WeightingError
from ..variance.calmatrix import CalMatrix
from .solvers import CalibrationResult, rake_g

__all__ = ["samplics_solver", "MAX_ROWS"]

#: samplics' calibrate builds a dense ``n x n`` matrix: 8000 rows are 512 MB.
MAX_ROWS = 8000

Solver = Callable[[CalMatrix, np.ndarray, np.ndarray], CalibrationResult]


def _sample_weight():
    try:
        with warnings.catch_warnings():
            # samplics announces on import that it is archived; the user chose it knowingly
            warnings.simplefilter("ignore")
            from samplics.weighting import SampleWeight
    except ImportError:
        raise WeightingError(
            "backend='samplics' needs samplics 0.6.1: pip install 'surveykit[samplics]', or use backend='surveykit'."
        ) from None
    return SampleWeight()


def samplics_solver(
    kind: str, method: str, bounds: tuple[float, float], margins: Any, *, maxit: int = 100, epsilon: float = 1e-10
) -> Solver:
    """A solver ``(X, w, targets) -> CalibrationResult`` whose g-weights samplics computes.

    Parameters
    ----------
    kind : {"calibrate", "rake", "poststratify"}
        The weighting step asking.
    method : {"linear", "raking", "logit"}
        Distance function (``calibrate``); ``rake`` and ``poststratify`` pass ``"raking"`` / ``"linear"``.
    bounds : (lower, upper)
        Bounds on g; samplics cannot honour finite ones.
    margins : Margins
        The calibration variables (:func:`surveykit.weighting.margins.build_margins`): names its margins
        in messages and tells categorical from numeric ones.
    maxit, epsilon : int, float
        Raking by proportional fitting: at most ``maxit`` passes, converged when every margin level is
        within ``epsilon`` (relative) of its target at the end of a pass.

    Returns
    -------
    callable
        ``solver(X, w, targets)`` returning a :class:`~surveykit.weighting.CalibrationResult`.

    Raises
    ------
    WeightingError
        For bounds (samplics ignores them), the logit distance (samplics has none), the raking distance
        with numeric margins, or an unknown ``kind``/``method``.

    Examples
    --------
    >>> import numpy as np
    >>> from surveykit.variance.calmatrix import CalMatrix
    >>> X = CalMatrix(4, [(np.array([0, 0, 1, 1]), 2)], None, [("sex", 1), ("sex", 2)])
    >>> solve = samplics_solver("poststratify", "linear", (-np.inf, np.inf), None)
    >>> solve(X, np.ones(4), np.array([4.0, 6.0])).g.tolist()
    [2.0, 2.0, 3.0, 3.0]
    """
    lo, hi = bounds
    numeric = list(getattr(margins, "numeric", []) or [])
    if kind == "calibrate" and method == "logit":
        raise WeightingError("backend='samplics' has no logit distance; use backend='surveykit' for logit calibration.")
    if np.isfinite(lo) or np.isfinite(hi):
        raise WeightingError(
            f"backend='samplics' cannot bound g-weights (bounds={bounds}): samplics 0.6.1 accepts bounded=True and "
            "ignores it. Use backend='surveykit' for bounded calibration."
        )
    if kind == "poststratify":
        return _poststratify
    if kind == "rake" or (kind == "calibrate" and method == "raking"):
        if numeric:
            raise WeightingError(
                f"backend='samplics' has no raking distance for numeric margins ({', '.join(map(repr, numeric))}); "
                "samplics rakes categorical margins only. Use backend='surveykit'.",
                margin=numeric[0],
            )
        return _ipf(int(maxit), float(epsilon))
    if kind == "calibrate" and method == "linear":
        return _linear
    raise WeightingError(f"backend='samplics' cannot do {kind}(method={method!r}); use backend='surveykit'.")


# ------------------------------------------------------------------------------------------------
def _g_of(new_w: np.ndarray, w: np.ndarray) -> np.ndarray:
    # rows/cells without weight (a replicate that drops them) keep g = 1: their weight stays 0
    return np.divide(new_w, w, out=np.ones_like(new_w, dtype=np.float64), where=w != 0)


def _gap(X: CalMatrix, w: np.ndarray, g: np.ndarray, targets: np.ndarray) -> float:
    achieved = X.tdot(w * g)[:, 0]
    with np.errstate(invalid="ignore"):
        gaps = np.abs(achieved - targets) / (1.0 + np.abs(targets))
    return float(np.max(gaps)) if np.all(np.isfinite(gaps)) else np.inf


def _poststratify(X: CalMatrix, w: np.ndarray, targets: np.ndarray) -> CalibrationResult:
    codes, L = X.blocks[0]
    sw = _sample_weight()
    with np.errstate(divide="ignore", invalid="ignore"):
        new_w = sw.poststratify(w, control={int(j): float(targets[j]) for j in range(L)}, domain=codes)
    g = _g_of(np.asarray(new_w, dtype=np.float64), w)
    gap = _gap(X, w, g, targets)
    return CalibrationResult(g, 1, bool(gap < 1e-7), gap, "poststratify")


def _ipf(maxit: int, epsilon: float) -> Solver:
    def solve(X: CalMatrix, w: np.ndarray, targets: np.ndarray) -> CalibrationResult:
        sw = _sample_weight()
        offsets = np.cumsum([0] + [L for _, L in X.blocks])
        domains = {f"m{b}": codes for b, (codes, _) in enumerate(X.blocks)}
        control = {
            f"m{b}": {int(j): float(targets[offsets[b] + j]) for j in range(L)} for b, (_, L) in enumerate(X.blocks)
        }

        def one_pass(wc: np.ndarray) -> np.ndarray:
            # one samplics pass (each margin post-stratified in turn); surveykit's loop and stopping rule
            return np.asarray(sw.rake(wc, domains, control=control, max_iter=1), dtype=np.float64)

        return rake_g(X, w, targets, maxit=maxit, epsilon=epsilon, one_pass=one_pass)

    return solve


def _independent_columns(A: np.ndarray) -> np.ndarray:
    """Columns of ``A`` (already scaled to unit norm) that span its column space, in order."""
    import scipy.linalg

    if A.shape[1] == 0:
        return np.arange(0)
    _, R, piv = scipy.linalg.qr(A, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    rank = int(np.sum(d > max(A.shape) * np.finfo(float).eps * d[0])) if d.size and d[0] > 0 else 0
    return np.sort(piv[:rank])


def _linear(X: CalMatrix, w: np.ndarray, targets: np.ndarray) -> CalibrationResult:
    if X.n > MAX_ROWS:
        raise WeightingError(
            f"backend='samplics' would build a {X.n:,} x {X.n:,} matrix (its calibrate forms diag(w)) for "
            f"{X.n:,} rows with numeric margins; use backend='surveykit' (same weights, no such matrix)."
        )
    w = np.asarray(w, dtype=np.float64)
    D = X.dense()
    # unit-size columns, redundant ones dropped: the same constraints, a well-posed X'WX for samplics
    scale = np.sqrt(np.maximum((D * D * np.abs(w)[:, None]).sum(axis=0), 0.0))
    scale[scale == 0] = 1.0
    Ds = D / scale
    keep = _independent_columns(Ds * np.sqrt(np.abs(w))[:, None])
    if keep.size == 0:
        raise WeightingError(
            "backend='samplics': the calibration variables are all zero where the weights are positive."
        )
    Xk = Ds[:, keep]
    tk = targets[keep] / scale[keep]
    pos = w > 0
    sw = _sample_weight()
    try:
        new_w = np.zeros_like(w)
        new_w[pos] = sw.calibrate(w[pos], Xk[pos], control={int(j): float(v) for j, v in enumerate(tk)}, scale=1)
    except np.linalg.LinAlgError as exc:
        raise WeightingError(
            f"backend='samplics' could not solve the calibration equations ({exc}); use backend='surveykit'."
        ) from None
    g = _g_of(new_w, w)
    gap = _gap(X, w, g, targets)
    return CalibrationResult(g, 1, bool(gap < 1e-7), gap, "linear")
