"""Random draws of fixed-size samples, vectorised over replicates: the engines behind :func:`select`.

Each returns an integer array ``(reps, n)`` of unit positions (sorted within a draw), so tests and
simulation studies can check the designs over tens of thousands of draws at numpy speed.

* ``srs`` — the ``n`` smallest of ``N`` uniform keys (every ``n``-subset equally likely).
* ``systematic`` — fixed frame order, one uniform start ``u``: unit ``k`` is selected when an integer
  lies in ``(V_{k−1} − u, V_k − u]``, ``V_k = π₁ + … + π_k`` (Madow 1949; R ``UPsystematic``).
* ``sampford`` — Sampford's (1967) rejective method: the first unit drawn with probabilities ``πₖ/n``,
  ``n − 1`` more with replacement with probabilities ∝ ``πₖ/(1 − πₖ)``; the draw is kept only when all
  ``n`` are distinct. Its inclusion probabilities are exactly ``π`` and its joint probabilities are
  :func:`joint_inclusion_probabilities`. (R ``UPsampford`` does the same.)
* ``brewer`` — Brewer's (1975) draw-by-draw method: at draw ``i`` unit ``k`` is chosen with probability
  ∝ ``πₖ (n − a − πₖ) / (n − a − πₖ(n − i + 1))``, ``a`` the sum of ``π`` already drawn (R ``UPbrewer``);
  inclusion probabilities exactly ``π``.

Certainty units (π = 1) are in every draw and take no part in the random mechanism.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SamplingError

__all__ = ["draw_samples", "DRAW_METHODS"]

DRAW_METHODS = ("srs", "systematic", "sampford", "brewer")


def _rng(seed: Any) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _systematic(pik: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
    v = np.concatenate([[0.0], np.cumsum(pik)])
    u = rng.random((reps, 1))
    hit = np.diff(np.floor(v[None, :] - u), axis=1) >= 1
    return hit


def _sampford(pik: np.ndarray, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    if n == 1:  # one draw from π: nothing to reject
        c = np.cumsum(pik)
        idx = np.minimum(np.searchsorted(c / c[-1], rng.random(reps), side="right"), len(pik) - 1)
        return idx[:, None]
    c1 = np.cumsum(pik / n)
    lam = pik / (1 - pik)
    c2 = np.cumsum(lam)
    c1, c2 = c1 / c1[-1], c2 / c2[-1]
    out = np.empty((reps, n), dtype=np.int64)
    done, tries, accept = 0, 0, 0.5
    while done < reps:
        batch = int(min(max((reps - done) / max(accept, 1e-3) * 1.2, 256), 2_000_000 // n + 1))
        first = np.searchsorted(c1, rng.random(batch), side="right")
        rest = np.searchsorted(c2, rng.random((batch, n - 1)), side="right")
        s = np.sort(np.minimum(np.column_stack([first, rest]), len(pik) - 1), axis=1)
        ok = np.all(np.diff(s, axis=1) > 0, axis=1)
        good = s[ok][: reps - done]
        out[done : done + len(good)] = good
        done += len(good)
        accept = max(ok.mean(), 1e-4)
        tries += 1
        if tries > 10_000:
            raise SamplingError(
                "Sampford's rejective method accepts almost no draws for these probabilities "
                "(some are close to 1); use method='brewer' or 'pps_systematic'."
            )
    return out


def _brewer(pik: np.ndarray, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    taken = np.zeros((reps, len(pik)), dtype=bool)
    a = np.zeros((reps, 1))
    for i in range(1, n + 1):  # n draws, each vectorised over replicates and units
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(taken, 0.0, pik * ((n - a) - pik) / ((n - a) - pik * (n - i + 1)))
        p = np.maximum(np.nan_to_num(p, nan=0.0), 0.0)
        c = np.cumsum(p, axis=1)
        k = np.minimum((c < rng.random((reps, 1)) * c[:, -1:]).sum(axis=1), len(pik) - 1)
        taken[np.arange(reps), k] = True
        a += pik[k][:, None]
    return taken


def draw_samples(pik: Any, method: str = "sampford", reps: int = 1, seed: Any = None) -> np.ndarray:
    """Draw ``reps`` independent samples with inclusion probabilities ``pik`` (fixed size ``n = Σπ``).

    Parameters
    ----------
    pik : array of float
        Inclusion probabilities in (0, 1] adding up to a whole number (equal for ``"srs"``).
    method : {"srs", "systematic", "sampford", "brewer"}
        See the module notes.
    reps : int, default 1
    seed : int or numpy Generator, optional

    Returns
    -------
    numpy.ndarray of int, shape (reps, n)
        Positions of the selected units, increasing within each row.

    Examples
    --------
    >>> s = draw_samples([0.2, 0.4, 0.6, 0.8, 1.0], "sampford", reps=4, seed=1)
    >>> s.shape, bool((s[:, -1] == 4).all())
    ((4, 3), True)
    """
    p = np.asarray(pik, dtype=float).ravel()
    if method not in DRAW_METHODS:
        raise SamplingError(f"method={method!r}: use one of {', '.join(DRAW_METHODS)}.")
    if np.any(~(p >= 0)) or np.any(p > 1 + 1e-9):
        raise SamplingError("pik must hold inclusion probabilities in [0, 1].")
    total = p.sum()
    n = int(round(total))
    if abs(total - n) > 1e-6:
        raise SamplingError(f"pik adds up to {total:.6g}; a fixed-size sample needs a whole number.")
    rng = _rng(seed)
    certain = p >= 1 - 1e-12
    inner = np.flatnonzero((p > 0) & ~certain)
    m = n - int(certain.sum())
    sel = np.zeros((reps, len(p)), dtype=bool)
    sel[:, certain] = True
    if m > 0:
        q = p[inner]
        if method == "srs":
            if not np.allclose(q, q[0]):
                raise SamplingError("method='srs' needs equal inclusion probabilities.")
            keys = rng.random((reps, len(q)))
            part = np.argpartition(keys, m - 1, axis=1)[:, :m] if m < len(q) else np.tile(np.arange(len(q)), (reps, 1))
            sub = np.zeros((reps, len(q)), dtype=bool)
            np.put_along_axis(sub, part, True, axis=1)
        elif method == "systematic":
            sub = _systematic(q, reps, rng)
        elif method == "brewer":
            sub = _brewer(q, m, reps, rng)
        else:
            idx = _sampford(q, m, reps, rng)
            sub = np.zeros((reps, len(q)), dtype=bool)
            np.put_along_axis(sub, idx, True, axis=1)
        sel[:, inner] = sub
    counts = sel.sum(axis=1)
    if np.any(counts != n):  # floating-point edge of the systematic start
        raise SamplingError("internal: a draw did not have n units; please report this.")
    return np.nonzero(sel)[1].reshape(reps, n)
