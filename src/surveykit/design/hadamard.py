"""Hadamard matrices for balanced repeated replication and successive-difference replication.

Built from Sylvester doubling and Paley's two constructions (and Kronecker products of them), which
cover every order that is a multiple of 4 up to several hundred except a few; :func:`hadamard` returns
the smallest constructible order at least ``n``. The matrix is normalised so its first row is all +1;
the other rows are balanced (as many +1 as -1) and mutually orthogonal.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import DesignError

__all__ = ["hadamard", "hadamard_order"]

_MAX_ORDER = 4096


def _is_prime(q: int) -> bool:
    if q < 2:
        return False
    i = 2
    while i * i <= q:
        if q % i == 0:
            return False
        i += 1
    return True


def _jacobsthal(q: int) -> np.ndarray:
    """Q[i, j] = quadratic character of (j - i) mod q (q an odd prime)."""
    squares = np.zeros(q, dtype=np.int64)
    squares[(np.arange(1, q) ** 2) % q] = 1
    chi = np.where(squares == 1, 1, -1)
    chi[0] = 0
    idx = (np.arange(q)[None, :] - np.arange(q)[:, None]) % q
    return chi[idx]


def _paley1(q: int) -> np.ndarray:
    """Order q + 1 for a prime q = 3 (mod 4)."""
    Q = _jacobsthal(q)
    S = np.zeros((q + 1, q + 1), dtype=np.int64)
    S[0, 1:] = 1
    S[1:, 0] = -1
    S[1:, 1:] = Q
    return S + np.eye(q + 1, dtype=np.int64)


def _paley2(q: int) -> np.ndarray:
    """Order 2(q + 1) for a prime q = 1 (mod 4)."""
    Q = _jacobsthal(q)
    C = np.zeros((q + 1, q + 1), dtype=np.int64)
    C[0, 1:] = 1
    C[1:, 0] = 1
    C[1:, 1:] = Q
    a = np.array([[1, 1], [1, -1]])
    b = np.array([[1, -1], [-1, -1]])
    return np.kron(C, a) + np.kron(np.eye(q + 1, dtype=np.int64), b)


@lru_cache(maxsize=None)
def _cores() -> dict[int, tuple[str, int]]:
    """Orders obtainable from a Paley construction: order -> (kind, q)."""
    cores: dict[int, tuple[str, int]] = {1: ("one", 0)}
    for q in range(3, _MAX_ORDER):
        if not _is_prime(q):
            continue
        if q % 4 == 3 and q + 1 <= _MAX_ORDER:
            cores.setdefault(q + 1, ("paley1", q))
        if q % 4 == 1 and 2 * (q + 1) <= _MAX_ORDER:
            cores.setdefault(2 * (q + 1), ("paley2", q))
    return cores


def hadamard_order(n: int) -> int:
    """The smallest constructible Hadamard order >= n.

    >>> hadamard_order(5), hadamard_order(13), hadamard_order(33)
    (8, 16, 36)
    """
    best = None
    for core in _cores():
        order = core
        while order < n:
            order *= 2
        if order <= _MAX_ORDER and (best is None or order < best):
            best = order
    if best is None:
        raise DesignError(
            f"no Hadamard matrix of order >= {n} is available (limit {_MAX_ORDER}); "
            "use the jackknife or bootstrap for this many strata."
        )
    return best


@lru_cache(maxsize=64)
def _hadamard_cached(order: int) -> np.ndarray:
    for core, (kind, q) in sorted(_cores().items()):
        m = order // core
        if order % core or m & (m - 1):
            continue
        if kind == "one":
            H = np.ones((1, 1), dtype=np.int64)
        elif kind == "paley1":
            H = _paley1(q)
        else:
            H = _paley2(q)
        while H.shape[0] < order:
            H = np.block([[H, H], [H, -H]])
        # normalise: first row all +1 (flip columns)
        H = H * H[0][None, :]
        H.setflags(write=False)
        return H
    raise DesignError(f"no Hadamard construction of order {order}.")


def hadamard(n: int) -> np.ndarray:
    """A Hadamard matrix (entries +-1, ``H @ H.T == order * I``) of the smallest order >= ``n``.

    The first row is all +1.

    >>> H = hadamard(12)
    >>> H.shape, bool((H @ H.T == 12 * np.eye(12)).all()), bool((H[0] == 1).all())
    ((12, 12), True, True)
    """
    return _hadamard_cached(hadamard_order(n)).copy()
