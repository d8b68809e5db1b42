"""Sample sizes for a proportion or a mean, and for a difference between two groups or rounds.

Every formula is the one of R PracTools (Valliant, Dever & Kreuter, *Practical Tools for Designing and
Weighting Survey Samples*, 2nd ed., 2018), written out in the docstrings; the fixtures in
``tests/reference/sampling/`` were made by running PracTools' R sources and agree to 1e-9.

A design effect enters as an inflation of the unit variance (``S² → deff·S²``) inside the formula, so the
finite population correction applies to the clustered design's size, not the SRS size; response and
eligibility rates then inflate the size to the number of units to *select*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri  # Φ and Φ⁻¹ (scipy.stats is slow to import)

from ..errors import InfeasibleTargetError, SamplingError

__all__ = ["sample_size", "two_sample_size", "power_difference", "design_effect", "SampleSize", "TwoSampleSize"]

_TARGETS = ("moe", "rel_moe", "cv", "se")


@dataclass(frozen=True)
class SampleSize:
    """A sample size and how it was reached.

    ``n_srs``: simple random sample size (with fpc) meeting the target; ``n_design``: the same with the
    unit variance inflated by ``deff``; ``n_gross``: ``n_design / (response_rate × eligibility_rate)``,
    the units to select; ``n``: ``n_gross`` rounded up.
    """

    n: int
    n_srs: float
    n_design: float
    n_gross: float
    deff: float


@dataclass(frozen=True)
class TwoSampleSize:
    """Sizes of two samples for detecting a difference: ``n1`` and ``n2`` (rounded up, PracTools) and
    ``n1_exact`` (before rounding); ``n2 = n1 / ratio``."""

    n1: int
    n2: int
    n1_exact: float


def design_effect(icc: Any, take: Any) -> Any:
    """Kish's design effect of a cluster sample: ``deff = 1 + (m − 1)·ρ``.

    Parameters
    ----------
    icc : float or array
        Intra-cluster correlation ρ of the variable, in [0, 1].
    take : float or array
        Units sampled per cluster ``m`` (≥ 1).

    Examples
    --------
    >>> design_effect(0.05, 12)
    1.55
    """
    icc_a, take_a = np.asarray(icc, dtype=float), np.asarray(take, dtype=float)
    if np.any(~(icc_a >= 0) | ~(icc_a <= 1)):
        raise SamplingError(f"icc={icc!r}: the intra-cluster correlation must lie in [0, 1].")
    if np.any(~(take_a >= 1)):
        raise SamplingError(f"take={take!r}: the units sampled per cluster must be at least 1.")
    out = 1.0 + (take_a - 1.0) * icc_a
    return float(out) if out.ndim == 0 else out


def _arg(value: Any, name: str, table: pd.DataFrame | None) -> Any:
    """A parameter: a number, an array, or (with ``table``) the name of one of its columns."""
    if isinstance(value, str):
        if table is None:
            raise SamplingError(f"{name}={value!r}: a column name needs table=<DataFrame>.")
        if value not in table.columns:
            raise SamplingError(
                f"{name}={value!r} is not a column of the table; columns are {list(table.columns)}.", column=value
            )
        col = pd.to_numeric(table[value], errors="coerce")
        if col.isna().any():
            rows = list(table.index[col.isna()])
            raise SamplingError(
                f"column {value!r} ({name}) is missing or not numeric in rows {rows[:10]}.", column=value, rows=rows
            )
        return col.to_numpy(dtype=float)
    if value is None:
        return None
    return np.asarray(value, dtype=float)


def _check(x: Any, name: str, low: float, high: float, low_open: bool = True, high_open: bool = True) -> None:
    if x is None:
        return
    a = np.asarray(x, dtype=float)
    ok = (a > low if low_open else a >= low) & (a < high if high_open else a <= high)
    if not np.all(ok):
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise InfeasibleTargetError(f"{name}={x!r} must lie in {lo}{low:g}, {high:g}{hi}.")


def sample_size(
    p: Any = None,
    *,
    mean: Any = None,
    sd: Any = None,
    cv_pop: Any = None,
    moe: Any = None,
    rel_moe: Any = None,
    cv: Any = None,
    se: Any = None,
    confidence: float = 0.95,
    N: Any = None,
    deff: Any = None,
    icc: Any = None,
    take: Any = None,
    response_rate: Any = 1.0,
    eligibility_rate: Any = 1.0,
    scale: str = "linear",
    table: pd.DataFrame | None = None,
) -> SampleSize | pd.DataFrame:
    r"""Sample size for estimating a proportion ``p`` or a mean (``sd`` with ``mean``, or ``cv_pop``).

    Give exactly one target: ``moe`` (absolute margin of error, half-width of the ``confidence``
    interval), ``rel_moe`` (margin relative to the estimate), ``cv`` (coefficient of variation) or
    ``se`` (standard error). With ``z = Φ⁻¹(1 − α/2)``, ``a = N/(N − 1)`` (1 without ``N``) and the unit
    variance ``V = deff·p(1 − p)`` for a proportion, ``S² = deff·sd²`` and ``CV²ₚ = deff·(sd/mean)²`` (or
    ``deff·cv_pop²``) for a mean:

    ====================  ===============================================  =====================
    target                size                                             PracTools
    ====================  ===============================================  =====================
    proportion, moe e     ``a z² V / (e² + z² V/(N − 1))``                 ``nPropMoe(1, ...)``
    proportion, rel_moe   same with ``V/p²`` for ``V``                     ``nPropMoe(2, ...)``
    proportion, cv        ``a (V/p²) / (cv² + (V/p²)/(N − 1))``            ``nProp(CV0=...)``
    proportion, se        ``a V / (se² + V/(N − 1))``                      ``nProp(V0=se²)``
    proportion, moe,      ``1 / (a·p(1 − p)·ln²x / (z²·deff) + 1/N)`` with ``nLogOdds``
    ``scale="logodds"``   ``k = (1 − p)/p``, ``x = (e(1 + k²) + √(e²(1 + k²)² + k²(1 − 4e²))) / (k(1 − 2e))``
                          (``e`` is ``rel_moe·p`` for a relative margin)
    mean, moe e           ``z² S² / (e² + z² S²/N)``                       ``nContMoe(1, ...)``
    mean, rel_moe         ``z² CV²ₚ / (e² + z² CV²ₚ/N)``                   ``nContMoe(2, ...)``
    mean, cv              ``CV²ₚ / (cv² + CV²ₚ/N)``                        ``nCont(CV0=...)``
    mean, se              ``S² / (se² + S²/N)``                            ``nCont(V0=se²)``
    ====================  ===============================================  =====================

    The log-odds form makes the interval of ``logit(p)``, back-transformed, no wider than ``p ± e``: it
    suits small proportions. ``deff`` (or ``icc`` and ``take``: ``deff = 1 + (take − 1)·icc``) inflates
    the variance; ``n_gross = n_design / (response_rate × eligibility_rate)`` is what to select.

    Parameters
    ----------
    p : float or array, optional
        Anticipated proportion, in (0, 1).
    mean, sd, cv_pop : float or array, optional
        Anticipated mean and unit standard deviation of the variable, or its unit CV ``sd/mean``.
    moe, rel_moe, cv, se : float or array
        The precision target (exactly one).
    confidence : float, default 0.95
        Confidence level of the margin of error.
    N : float or array, optional
        Population size (finite population correction); ``None`` for an infinite population.
    deff : float or array, optional
        Design effect (default 1); or give ``icc`` and ``take`` instead.
    response_rate, eligibility_rate : float or array, default 1
        Expected shares of selected units that are eligible and respond.
    scale : {"linear", "logodds"}
        ``"logodds"`` for a proportion's margin of error on the log-odds scale (PracTools ``nLogOdds``).
    table : DataFrame, optional
        One row per domain or stratum; any argument above given as a string names a column of it. The
        result is then the table with ``n_srs, deff, n_design, n_gross, n`` added.

    Returns
    -------
    SampleSize, or DataFrame (with ``table`` or array arguments)

    Raises
    ------
    InfeasibleTargetError
        A target or rate outside its range (a margin of error of 1 or more for a proportion, ...).
    SamplingError
        Missing or contradictory parameters.

    Examples
    --------
    CV ≤ 15% on a 10% prevalence, deff 1.8, 85% response:

    >>> s = sample_size(0.10, cv=0.15, deff=1.8, response_rate=0.85)
    >>> s.n, round(s.n_srs, 2), round(s.n_gross, 2)
    (848, 400.0, 847.06)
    >>> sample_size(0.5, moe=0.03, N=10_000).n
    965
    >>> sample_size(mean=250, sd=100, rel_moe=0.05, icc=0.05, take=12).n
    382
    """
    if scale not in ("linear", "logodds"):
        raise SamplingError(f"scale={scale!r}: use 'linear' or 'logodds'.")
    given = {k: v for k, v in dict(moe=moe, rel_moe=rel_moe, cv=cv, se=se).items() if v is not None}
    if len(given) != 1:
        raise SamplingError(
            "give exactly one precision target: moe, rel_moe, cv or se"
            + (f" (got {', '.join(given)})." if given else ".")
        )
    target, value = next(iter(given.items()))
    e = _arg(value, target, table)
    _check(e, target, 0.0, math.inf)
    if not 0 < confidence < 1:
        raise SamplingError(f"confidence={confidence!r} must lie in (0, 1), e.g. 0.95.")
    z = ndtri(1 - (1 - confidence) / 2)
    p, mean, sd, cv_pop = (_arg(v, k, table) for k, v in (("p", p), ("mean", mean), ("sd", sd), ("cv_pop", cv_pop)))
    pop = _arg(N, "N", table)
    if pop is None:
        pop = np.asarray(np.inf)
    if np.any(~(pop > 1)):
        raise SamplingError(f"N={N!r}: the population size must be more than 1.")
    if deff is not None and (icc is not None or take is not None):
        raise SamplingError("give deff, or icc and take, not both.")
    if (icc is None) != (take is None):
        raise SamplingError("icc needs take (units per cluster), and take needs icc.")
    d = (
        design_effect(_arg(icc, "icc", table), _arg(take, "take", table))
        if icc is not None
        else (_arg(deff, "deff", table) if deff is not None else np.asarray(1.0))
    )
    if np.any(~(np.asarray(d) > 0)):
        raise SamplingError(f"deff={deff!r} must be positive.")
    rr, er = _arg(response_rate, "response_rate", table), _arg(eligibility_rate, "eligibility_rate", table)
    _check(rr, "response_rate", 0.0, 1.0, high_open=False)
    _check(er, "eligibility_rate", 0.0, 1.0, high_open=False)
    a = np.where(np.isinf(pop), 1.0, pop / np.where(np.isinf(pop), 1.0, pop - 1))

    def size(deff_: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            inv_n1 = np.where(np.isinf(pop), 0.0, 1.0 / (pop - 1))
            inv_n = np.where(np.isinf(pop), 0.0, 1.0 / pop)
        if p is not None:
            if mean is not None or sd is not None or cv_pop is not None:
                raise SamplingError("give p (a proportion) or mean/sd/cv_pop (a mean), not both.")
            _check(p, "p", 0.0, 1.0)
            v = deff_ * p * (1 - p)
            if scale == "logodds":
                if target not in ("moe", "rel_moe"):
                    raise SamplingError("scale='logodds' takes a margin of error (moe or rel_moe).")
                ee = e * p if target == "rel_moe" else e
                _check(ee, "moe on the log-odds scale (moe, or rel_moe × p)", 0.0, 0.5)
                k = (1 - p) / p
                x = (ee * (1 + k**2) + np.sqrt(ee**2 * (1 + k**2) ** 2 + k**2 * (1 - 2 * ee) * (1 + 2 * ee))) / (
                    k * (1 - 2 * ee)
                )
                return 1.0 / (a * p * (1 - p) * np.log(x) ** 2 / (z**2 * deff_) + inv_n)
            if target == "moe":
                _check(e, "moe", 0.0, 1.0)
                return a * z**2 * v / (e**2 + z**2 * v * inv_n1)
            if target == "rel_moe":
                return a * z**2 * (v / p**2) / (e**2 + z**2 * (v / p**2) * inv_n1)
            if target == "cv":
                return a * (v / p**2) / (e**2 + (v / p**2) * inv_n1)
            return a * v / (e**2 + v * inv_n1)
        if scale == "logodds":
            raise SamplingError("scale='logodds' is for a proportion p.")
        if sd is not None:
            _check(sd, "sd", 0.0, math.inf)
        if target in ("moe", "se"):
            if sd is None:
                raise SamplingError(f"a target {target} for a mean needs sd (the unit standard deviation).")
            s2 = deff_ * sd**2
            return z**2 * s2 / (e**2 + z**2 * s2 * inv_n) if target == "moe" else s2 / (e**2 + s2 * inv_n)
        if cv_pop is not None:
            _check(cv_pop, "cv_pop", 0.0, math.inf)
            cv2 = deff_ * cv_pop**2
        elif sd is not None and mean is not None:
            _check(mean, "mean", 0.0, math.inf)
            cv2 = deff_ * (sd / mean) ** 2
        else:
            raise SamplingError(f"a target {target} for a mean needs cv_pop, or sd and mean; for a proportion give p.")
        if target == "rel_moe":
            return z**2 * cv2 / (e**2 + z**2 * cv2 * inv_n)
        return cv2 / (e**2 + cv2 * inv_n)

    n_srs = np.asarray(size(1.0), dtype=float)
    n_design = np.asarray(size(d), dtype=float)
    n_gross = n_design / (rr * er)
    n = np.ceil(n_gross - 1e-9).astype(np.int64)  # 400.0000000001 is 400, not 401
    if table is None and n.ndim == 0:
        return SampleSize(n=int(n), n_srs=float(n_srs), n_design=float(n_design), n_gross=float(n_gross), deff=float(d))
    out = table.copy() if table is not None else pd.DataFrame(index=range(n.size))
    shape = (len(out),)
    out["n_srs"] = np.broadcast_to(n_srs, shape)
    out["deff"] = np.broadcast_to(np.asarray(d, dtype=float), shape)
    out["n_design"] = np.broadcast_to(n_design, shape)
    out["n_gross"] = np.broadcast_to(n_gross, shape)
    out["n"] = np.broadcast_to(n, shape)
    return out


def _two_sample_variance(
    p1: Any, p2: Any, p12: Any, mean_difference: Any, sd1: Any, sd2: Any, rho: float, overlap: float, ratio: float
) -> tuple[float, float]:
    """(difference δ, ``V = s²₁ + r s²₂ − 2 γ r s₁₂``) of PracTools' two-sample formulas."""
    if not 0 <= overlap <= 1:
        raise SamplingError(f"overlap={overlap!r}: the share of sample units in both samples must lie in [0, 1].")
    if not ratio > 0:
        raise SamplingError(f"ratio={ratio!r}: n1/n2 must be positive.")
    if p1 is not None:
        if p2 is None or mean_difference is not None:
            raise SamplingError("a difference of proportions needs p1 and p2 (and no mean_difference).")
        _check(p1, "p1", 0.0, 1.0)
        _check(p2, "p2", 0.0, 1.0)
        s2x, s2y = p1 * (1 - p1), p2 * (1 - p2)
        if p12 is None:
            p12 = p1 * p2  # independent answers in the overlap
        sxy = p12 - p1 * p2
        if not (p12 <= p1 * p2 + math.sqrt(s2x * s2y) and p12 >= p1 * p2 - math.sqrt(s2x * s2y) and p12 <= min(p1, p2)):
            raise SamplingError(f"p12={p12!r} is impossible with p1={p1!r}, p2={p2!r}.")
        delta = p1 - p2
    else:
        if mean_difference is None or sd1 is None:
            raise SamplingError("give p1 and p2, or mean_difference and sd1 (and sd2).")
        sd2 = sd1 if sd2 is None else sd2
        if not 0 <= rho <= 1:
            raise SamplingError(f"rho={rho!r} must lie in [0, 1].")
        s2x, s2y, sxy, delta = sd1**2, sd2**2, rho * sd1 * sd2, mean_difference
    if delta == 0:
        raise InfeasibleTargetError("a difference of 0 cannot be detected; give the smallest difference that matters.")
    return float(delta), float(s2x + ratio * s2y - 2 * overlap * ratio * sxy)


def two_sample_size(
    p1: float | None = None,
    p2: float | None = None,
    *,
    mean_difference: float | None = None,
    sd1: float | None = None,
    sd2: float | None = None,
    rho: float = 0.0,
    p12: float | None = None,
    overlap: float = 0.0,
    ratio: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
    deff: float = 1.0,
) -> TwoSampleSize:
    r"""Sizes of two samples (groups, or survey rounds) to detect a difference with a given power.

    PracTools ``nProp2sam`` (proportions) and ``nDep2sam`` (means), for samples that may overlap (a
    panel share ``overlap`` = γ of units in both rounds):

    ``n1 = deff·(s²₁ + r s²₂ − 2 γ r s₁₂) (z_α + z_β)² / δ²``, ``n2 = n1 / r``

    with ``δ = p1 − p2`` (or ``mean_difference``), ``s²ᵢ = pᵢ(1 − pᵢ)`` (or ``sdᵢ²``), the covariance
    ``s₁₂ = p12 − p1 p2`` (``p12`` the share with the characteristic in both; or ``rho·sd1·sd2``),
    ``r = ratio = n1/n2``, ``z_α = Φ⁻¹(1 − α/2)`` (two-sided) or ``Φ⁻¹(1 − α)`` and ``z_β = Φ⁻¹(power)``.
    Sizes are rounded up as PracTools does.

    Examples
    --------
    Victimization falling from 20% to 16% between rounds, independent samples, 80% power:

    >>> two_sample_size(0.20, 0.16)
    TwoSampleSize(n1=1445, n2=1445, n1_exact=1444.19...)
    >>> two_sample_size(0.20, 0.16, deff=1.8).n1
    2600
    """
    if alternative not in ("two-sided", "one-sided"):
        raise SamplingError(f"alternative={alternative!r}: use 'two-sided' or 'one-sided'.")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise SamplingError("alpha and power must lie in (0, 1).")
    delta, v = _two_sample_variance(p1, p2, p12, mean_difference, sd1, sd2, rho, overlap, ratio)
    za = ndtri(1 - alpha / 2) if alternative == "two-sided" else ndtri(1 - alpha)
    zb = ndtri(1 - power)
    n1 = deff * v / delta**2 * (za - zb) ** 2
    return TwoSampleSize(n1=math.ceil(n1), n2=math.ceil(n1 / ratio), n1_exact=float(n1))


def power_difference(
    n1: float,
    p1: float | None = None,
    p2: float | None = None,
    *,
    mean_difference: float | None = None,
    sd1: float | None = None,
    sd2: float | None = None,
    rho: float = 0.0,
    p12: float | None = None,
    overlap: float = 0.0,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    deff: float = 1.0,
) -> float:
    r"""Power to detect a difference with samples of ``n1`` and ``n1/ratio``: the inverse of
    :func:`two_sample_size`, ``Φ(|δ|·√(n1 / (deff·V)) − z_α)`` with ``V`` as there.

    Examples
    --------
    >>> round(power_difference(1445, 0.20, 0.16), 4)
    0.8002
    >>> round(power_difference(2000, 0.20, 0.16, deff=1.8), 3)
    0.691
    """
    if alternative not in ("two-sided", "one-sided"):
        raise SamplingError(f"alternative={alternative!r}: use 'two-sided' or 'one-sided'.")
    if not n1 > 0:
        raise SamplingError(f"n1={n1!r} must be positive.")
    delta, v = _two_sample_variance(p1, p2, p12, mean_difference, sd1, sd2, rho, overlap, ratio)
    za = ndtri(1 - alpha / 2) if alternative == "two-sided" else ndtri(1 - alpha)
    return float(ndtr(abs(delta) * math.sqrt(n1 / (deff * v)) - za))
