"""Parametric bootstrap of a Fay-Herriot model, all replicates at once.

González-Manteiga, Lombardía, Molina, Morales & Santamaría (2008, J. Stat. Comput. Simul. 78); Rao &
Molina (2015, sec. 6.2.4); ``sae::pbmseFH``. For replicate ``b``:

    u*_d ~ N(0, sigma2_u),  theta*_d = x_d' beta + u*_d          (every area, sampled or not)
    e*_d ~ N(0, psi_d),     direct*_d = theta*_d + e*_d           (sampled areas)

the model is refitted to ``direct*`` (same method; sigma2_u truncated at 0) and the bootstrap MSE is
``mean_b (eblup*_d - theta*_d)^2``. With ``transform="arcsin"`` ``theta*`` is back-transformed as
``sin^2(clip(theta*, 0, pi/2))`` and ``eblup*`` with the bias correction, as emdi's ``boot_arcsin_2``
(Schmid et al. 2017; Hadam, Würz & Kreutzmann 2020).

The replicates are refitted together: the Fisher-scoring iterations run on a (B, m) array with batched
p x p solves (:func:`surveykit.sae.mse.fisher_scoring`), so no Python loop over replicates or areas.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import SurveykitWarning
from . import mse as _mse
from .transform import HALF_PI, arcsin_back

__all__ = ["parametric_bootstrap", "BootstrapResult"]


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap truths and estimates, each of shape (B, areas), on the scale of ``fit.table``.

    Attributes
    ----------
    truth, estimate : ndarray
        ``theta*`` and the refitted ``eblup*`` of every replicate and area.
    point : ndarray
        The fitted EBLUPs of the original data (one per area).
    areas : Index
    bounds : (low, high), optional
        Range of the true values ((0, 1) for proportions with the arcsine model): draws are clipped to it.
    """

    truth: np.ndarray
    estimate: np.ndarray
    point: np.ndarray
    areas: object
    bounds: tuple[float, float] | None = None

    @property
    def B(self) -> int:
        """Number of (converged) replicates."""
        return self.truth.shape[0]

    def mse(self) -> np.ndarray:
        """Bootstrap MSE per area: ``mean_b (eblup* - theta*)^2``."""
        return np.mean((self.estimate - self.truth) ** 2, axis=0)

    def draws(self) -> np.ndarray:
        """Plausible true values ``eblup + (theta* - eblup*)`` (B, areas): the bootstrap distribution of
        the estimation error re-centred on the estimates, used for intervals and rankings."""
        d = self.point[None, :] + (self.truth - self.estimate)
        return d if self.bounds is None else np.clip(d, *self.bounds)

    def intervals(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Basic bootstrap intervals: quantiles of :meth:`draws` per area."""
        a = (1 - level) / 2
        q = np.quantile(self.draws(), [a, 1 - a], axis=0)
        return q[0], q[1]


def parametric_bootstrap(fit, B: int = 500, *, seed: int | None = None) -> BootstrapResult:
    """Parametric bootstrap of a fitted Fay-Herriot model (all replicates refitted at once).

    Parameters
    ----------
    fit : FayHerriotFit
    B : int
        Replicates. Replicates whose variance component does not converge are dropped with a warning.
    seed : int, optional

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> import pandas as pd, surveykit.sae as sae
    >>> cov = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8]}, index=list("abcdefgh"))
    >>> direct = pd.Series([1.9, 1.1, 3.9, 3.2, 6.4, 5.1, 7.9, 7.2], index=cov.index)
    >>> fit = sae.fay_herriot(direct, pd.Series(0.3, index=cov.index), cov)
    >>> boot = sae.parametric_bootstrap(fit, 400, seed=1)
    >>> boot.truth.shape, bool(abs(boot.mse().mean() / fit.table["mse"].mean() - 1) < 0.3)
    ((400, 8), True)
    """
    md = fit._model
    if B < 1:
        raise ValueError("B must be at least 1")
    rng = np.random.default_rng(seed)
    X, sampled, psi, A = md["X"], md["sampled"], md["psi"], md["A"]
    M = X.shape[0]
    Xs = X[sampled]
    theta = X @ md["beta"] + rng.standard_normal((B, M)) * np.sqrt(A)
    Y = theta[:, sampled] + rng.standard_normal((B, len(psi))) * np.sqrt(psi)
    A_b, _, ok = _mse.fisher_scoring(Y, Xs, psi, md["method"], md["tol"], md["max_iter"])
    if not ok.all():
        warnings.warn(
            f"{int((~ok).sum())} of {B} bootstrap replicates did not converge and are left out.",
            SurveykitWarning,
            stacklevel=2,
        )
        theta, Y, A_b = theta[ok], Y[ok], A_b[ok]
    A_b = np.maximum(A_b, 0.0)
    v, _, beta_b, r = _mse.gls(Y, Xs, psi, A_b)
    gamma = A_b[:, None] * v
    eta = beta_b @ X.T
    eta[:, sampled] += gamma * r
    if md["transform"] == "arcsin":
        var = np.repeat(A_b[:, None], M, axis=1)
        var[:, sampled] = A_b[:, None] * (1 - gamma)
        estimate = arcsin_back(eta, var)
        truth = np.sin(np.clip(theta, 0.0, HALF_PI)) ** 2
    else:
        estimate, truth = eta, theta
    return BootstrapResult(
        truth=truth,
        estimate=estimate,
        point=fit.table["eblup"].to_numpy(float),
        areas=md["areas"],
        bounds=(0.0, 1.0) if md["transform"] == "arcsin" else None,
    )
