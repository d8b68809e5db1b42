"""Inclusion probabilities proportional to size, with certainty units, and joint inclusion probabilities.

``inclusion_probabilities`` is R ``sampling::inclusionprobabilities`` (Tillé & Matei), vectorised over
strata: ``πᵢ = n·aᵢ / Σa``; units reaching 1 are taken with certainty and the others re-scaled to the
remaining sample size, repeatedly, until no unit exceeds 1.

Joint probabilities ``πᵢⱼ`` (for Sen-Yates-Grundy variances and for testing draws) are exact:

* Sampford's design has ``p(s) = C·(n − Σ_{k∈s} πₖ)·Π_{k∈s} λₖ`` with ``λₖ = πₖ/(1 − πₖ)`` (Sampford
  1967); summing over the samples holding ``i`` and ``j`` with elementary symmetric polynomials of the λ
  gives ``πᵢⱼ`` in ``O(N²n)``. R ``sampling::UPsampfordpi2`` computes the same numbers another way; the
  fixtures agree to 1e-12.
* Systematic PPS (fixed frame order, random start) has ``πᵢⱼ`` = the length of the start values that
  select both, as R ``sampling::UPsystematicpi2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import FrameError, SampleTooLargeError, SamplingError

__all__ = ["inclusion_probabilities", "joint_inclusion_probabilities"]


def _sizes(sizes: Any, name: str = "sizes") -> np.ndarray:
    a = pd.to_numeric(pd.Series(np.asarray(sizes).ravel()), errors="coerce").to_numpy(dtype=float)
    bad = ~(a > 0) | ~np.isfinite(a)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise FrameError(
            f"{name}: measures of size must be positive numbers; rows {rows[:10].tolist()} hold "
            f"{a[rows[:5]].tolist()}. Remove units that cannot be selected from the frame, or give "
            "them a small positive size.",
            rows=rows.tolist(),
        )
    return a


def inclusion_probabilities(sizes: Any, n: Any, strata: Any = None) -> np.ndarray:
    """Inclusion probabilities proportional to ``sizes`` for samples of ``n``, with certainty units.

    ``πᵢ = n·aᵢ/Σa``; every unit with ``πᵢ ≥ 1`` gets ``πᵢ = 1`` and the others share ``n − (certainty
    units)`` in proportion to their sizes, repeated until none exceeds 1 (R
    ``sampling::inclusionprobabilities``; with ``strata``, done within each stratum at once).

    Parameters
    ----------
    sizes : array of float
        Measures of size, all > 0.
    n : int, or array/Mapping of ints per stratum
        Sample size; with ``strata``, one per stratum (a Mapping stratum → n, or an array aligned with
        the sorted unique strata), or a scalar for every stratum.
    strata : array, optional
        Stratum of each unit.

    Returns
    -------
    numpy.ndarray
        ``π`` in (0, 1], summing to ``n`` (per stratum).

    Raises
    ------
    FrameError
        A size is zero, negative or missing.
    SampleTooLargeError
        ``n`` exceeds the number of units (in a stratum).

    Examples
    --------
    >>> inclusion_probabilities([1, 2, 3, 40, 4], 3).round(4).tolist()
    [0.2, 0.4, 0.6, 1.0, 0.8]
    >>> inclusion_probabilities([1, 1, 8, 2, 2, 4], {"a": 2, "b": 1}, strata=list("aaabbb")).tolist()
    [0.5, 0.5, 1.0, 0.25, 0.25, 0.5]
    """
    a = _sizes(sizes)
    if strata is None:
        codes = np.zeros(len(a), dtype=np.int64)
        labels = pd.Index([0])
        n_h = np.atleast_1d(np.asarray(n, dtype=float))
        if n_h.size != 1:
            raise SamplingError("n must be one number without strata.")
    else:
        codes, labels = pd.factorize(pd.Series(np.asarray(strata).ravel()), sort=True)
        labels = pd.Index(labels.tolist(), tupleize_cols=False)
        if len(codes) != len(a):
            raise SamplingError(f"{len(codes)} strata for {len(a)} sizes.")
        if (codes < 0).any():
            raise FrameError(f"strata: missing stratum ids in rows {np.flatnonzero(codes < 0)[:10].tolist()}.")
        n_h = stratum_sizes(n, labels)
    counts = np.bincount(codes, minlength=len(labels))
    if np.any(n_h != np.round(n_h)) or np.any(n_h < 0):
        raise SamplingError(f"n={n!r}: sample sizes must be whole numbers ≥ 0.")
    over = n_h > counts
    if over.any():
        h = int(np.flatnonzero(over)[0])
        where = f" in stratum {labels.tolist()[h]!r}" if strata is not None else ""
        raise SampleTooLargeError(
            f"n={int(n_h[h])} is more than the {counts[h]} units{where}; select at most {counts[h]} (or merge strata).",
            stratum=labels.tolist()[h],
        )
    certain = np.zeros(len(a), dtype=bool)
    while True:
        free = np.bincount(codes, weights=np.where(certain, 0.0, a), minlength=len(labels))
        left = n_h - np.bincount(codes, weights=certain, minlength=len(labels))
        with np.errstate(divide="ignore", invalid="ignore"):
            pi = np.where(certain, 1.0, left[codes] * a / free[codes])
        pi = np.nan_to_num(pi, nan=0.0)
        now = pi >= 1
        if np.array_equal(now, certain):
            return pi
        certain = now


def stratum_sizes(n: Any, labels: pd.Index) -> np.ndarray:
    """Per-stratum sizes aligned with ``labels`` from a scalar, a Mapping/Series or an aligned array."""
    if isinstance(n, (dict, pd.Series)):
        m = dict(n)
        missing = [h for h in labels.tolist() if h not in m]
        if missing:
            raise SamplingError(
                f"n gives no sample size for strata {missing[:10]}; give one for every stratum.", strata=missing
            )
        extra = [h for h in m if h not in set(labels)]
        if extra:
            raise SamplingError(f"n gives sizes for strata {extra[:10]} that are not in the frame.")
        return np.array([m[h] for h in labels], dtype=float)
    arr = np.atleast_1d(np.asarray(n, dtype=float))
    if arr.size == 1:
        return np.full(len(labels), float(arr[0]))
    if arr.size != len(labels):
        raise SamplingError(
            f"{arr.size} sample sizes for {len(labels)} strata; give one per stratum (or a mapping stratum → n)."
        )
    return arr


def _esp(lam: np.ndarray, g: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Elementary symmetric polynomials ``E_m = Σ_{|s|=m} Πλ`` and ``G_m = Σ_{|s|=m} Πλ·Σ_{k∈s} πₖ`` for
    m ≤ degree, by a balanced product tree (vectorised; no loop over units)."""
    e = np.zeros((len(lam), degree + 1))
    gg = np.zeros((len(lam), degree + 1))
    e[:, 0] = 1.0
    if degree >= 1:
        e[:, 1] = lam
        gg[:, 1] = g
    while len(e) > 1:
        if len(e) % 2:
            pad = np.zeros((1, degree + 1))
            pad1 = pad.copy()
            pad1[0, 0] = 1.0
            e, gg = np.vstack([e, pad1]), np.vstack([gg, pad])
        e1, e2, g1, g2 = e[0::2], e[1::2], gg[0::2], gg[1::2]
        ne = np.zeros_like(e1)
        ng = np.zeros_like(g1)
        for k in range(degree + 1):  # truncated polynomial products, vectorised over pairs
            ne[:, k] = np.einsum("ij,ij->i", e1[:, : k + 1], e2[:, k::-1])
            ng[:, k] = np.einsum("ij,ij->i", e1[:, : k + 1], g2[:, k::-1]) + np.einsum(
                "ij,ij->i", g1[:, : k + 1], e2[:, k::-1]
            )
        e, gg = ne, ng
    return e[0], gg[0]


def _sampford_pi2(pik: np.ndarray) -> np.ndarray:
    n = int(round(pik.sum()))
    N = len(pik)
    if n < 2:
        return np.outer(pik, pik) * 0 + np.diag(pik)
    lam = pik / (1 - pik)
    lam = lam / np.exp(np.mean(np.log(lam)))  # p(s) is homogeneous in λ: rescale against overflow
    big_e, big_g = _esp(lam, pik * lam, n)
    inv_c = n * big_e[n] - big_g[n]
    li, lj = lam[:, None], lam[None, :]
    s1, s2 = li + lj, li * lj
    a_ = pik[:, None] * li + pik[None, :] * lj
    b_ = s2 * (pik[:, None] + pik[None, :])
    # E and G of the units other than i and j, degree by degree; only the last two degrees are kept
    e_prev2, e_prev = np.zeros((N, N)), np.ones((N, N))
    g_prev2, g_prev = np.zeros((N, N)), np.zeros((N, N))
    for k in range(1, n - 1):  # divide out (1 + λᵢt)(1 + λⱼt): the samples holding both
        ek = big_e[k] - s1 * e_prev - s2 * e_prev2
        gk = big_g[k] - a_ * e_prev - b_ * e_prev2 - s1 * g_prev - s2 * g_prev2
        e_prev2, e_prev, g_prev2, g_prev = e_prev, ek, g_prev, gk
    pi2 = s2 * ((n - pik[:, None] - pik[None, :]) * e_prev - g_prev) / inv_c
    np.fill_diagonal(pi2, pik)
    return pi2


def _systematic_pi2(pik: np.ndarray) -> np.ndarray:
    v = np.cumsum(pik)
    frac = v % 1.0
    frac[-1] = 0.0
    r = np.append(np.sort(frac), 1.0)
    cent = (r[:-1] + r[1:]) / 2  # a start value inside each segment
    length = np.diff(r)
    a = (np.append(0.0, v)[:, None] - cent[None, :]) % 1.0  # (N + 1) × segments
    m = (a[:-1] > a[1:]).astype(float)  # unit × segment: selected by that start
    return (m * length[None, :]) @ m.T


def joint_inclusion_probabilities(pik: Any, method: str = "sampford") -> np.ndarray:
    """Joint inclusion probabilities ``πᵢⱼ`` of a fixed-size πps design (the diagonal holds ``πᵢ``).

    Parameters
    ----------
    pik : array of float
        Inclusion probabilities in (0, 1], summing to a whole number ``n`` (see
        :func:`inclusion_probabilities`). Certainty units (π = 1) have ``πᵢⱼ = πⱼ``.
    method : {"sampford", "systematic"}
        Sampford's rejective design (exact, R ``UPsampfordpi2``), or systematic PPS in the given order
        (R ``UPsystematicpi2``).

    Returns
    -------
    numpy.ndarray
        ``N × N`` symmetric matrix; each row sums to ``n·πᵢ``.

    Examples
    --------
    >>> pi2 = joint_inclusion_probabilities([0.2, 0.4, 0.6, 0.8], "sampford")
    >>> pi2.round(4)[0].tolist()
    [0.2, 0.0277, 0.0535, 0.1188]
    >>> bool(np.allclose(pi2.sum(axis=1), 2 * np.array([0.2, 0.4, 0.6, 0.8])))
    True
    """
    p = np.asarray(pik, dtype=float).ravel()
    if np.any(~(p >= 0)) or np.any(p > 1 + 1e-12):
        raise SamplingError("pik must hold inclusion probabilities in [0, 1].")
    n = p.sum()
    if abs(n - round(n)) > 1e-6:
        raise SamplingError(f"pik adds up to {n:.6g}; a fixed-size design needs a whole number.")
    if method not in ("sampford", "systematic"):
        raise SamplingError(f"method={method!r}: joint probabilities are known for 'sampford' and 'systematic'.")
    inner = (p > 0) & (p < 1)
    out = np.outer(p, p)  # a certainty (or impossible) unit is independent
    idx = np.flatnonzero(inner)
    if len(idx):
        sub = p[idx]
        if method == "sampford":
            if abs(sub.sum() - round(sub.sum())) > 1e-6:
                raise SamplingError("the probabilities below 1 must add up to a whole number.")
            pi2 = _sampford_pi2(sub)
        else:
            pi2 = _systematic_pi2(sub)
        out[np.ix_(idx, idx)] = pi2
    np.fill_diagonal(out, p)
    return out
