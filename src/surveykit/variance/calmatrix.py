"""Calibration variables as one-hot blocks (categorical margins) plus numeric columns.

A post-stratification on 140 cells of a million rows would be a 1.1 GB dense matrix; as integer codes
it is 8 MB, and every product the calibration and its variance need (``X' v``, ``X' W X``, ``X @ B``)
is a ``bincount`` or a gather.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["CalMatrix"]


@dataclass
class CalMatrix:
    """The matrix ``X = [onehot(codes_1) ... onehot(codes_m) numeric]`` without forming it.

    Attributes
    ----------
    n : int
        Rows.
    blocks : list of (codes, n_levels)
        Categorical margins: each row's level code (0..L-1).
    numeric : (n, q) array or None
        Numeric calibration variables.
    names : list of (margin, level) pairs
        One per column, in column order (level is None for a numeric column).

    Examples
    --------
    >>> X = CalMatrix(3, [(np.array([0, 1, 1]), 2)], np.array([[1.0], [2.0], [3.0]]),
    ...               [("sex", 1), ("sex", 2), ("income", None)])
    >>> X.tdot(np.ones(3)).ravel().tolist()
    [1.0, 2.0, 6.0]
    >>> X.dense().tolist()
    [[1.0, 0.0, 1.0], [0.0, 1.0, 2.0], [0.0, 1.0, 3.0]]
    """

    n: int
    blocks: list[tuple[np.ndarray, int]] = field(default_factory=list)
    numeric: np.ndarray | None = None
    names: list[tuple[str, object]] = field(default_factory=list)

    @property
    def p(self) -> int:
        return sum(L for _, L in self.blocks) + (0 if self.numeric is None else self.numeric.shape[1])

    def _offsets(self) -> list[int]:
        out, o = [], 0
        for _, L in self.blocks:
            out.append(o)
            o += L
        return out

    def dense(self) -> np.ndarray:
        """The full matrix (for small problems and tests)."""
        X = np.zeros((self.n, self.p))
        for off, (codes, _) in zip(self._offsets(), self.blocks):
            X[np.arange(self.n), off + codes] = 1.0
        if self.numeric is not None:
            X[:, self.p - self.numeric.shape[1] :] = self.numeric
        return X

    def tdot(self, v: np.ndarray) -> np.ndarray:
        """``X' v`` for v of shape (n,) or (n, k) -> (p, k)."""
        V = v[:, None] if v.ndim == 1 else v
        k = V.shape[1]
        out = np.empty((self.p, k))
        o = 0
        for codes, L in self.blocks:
            for j in range(k):
                out[o : o + L, j] = np.bincount(codes, weights=V[:, j], minlength=L)
            o += L
        if self.numeric is not None:
            out[o:] = self.numeric.T @ V
        return out

    def tdot_grouped(self, V: np.ndarray, group: np.ndarray, G: int) -> np.ndarray:
        """``sum_i x_i v_ij 1(group_i = g)``: (p, G, k)."""
        n, k = V.shape
        out = np.empty((self.p, G, k))
        o = 0
        for codes, L in self.blocks:
            key = codes * G + group
            for j in range(k):
                out[o : o + L, :, j] = np.bincount(key, weights=V[:, j], minlength=L * G).reshape(L, G)
            o += L
        if self.numeric is not None:
            for j in range(k):
                for q in range(self.numeric.shape[1]):
                    out[o + q, :, j] = np.bincount(group, weights=self.numeric[:, q] * V[:, j], minlength=G)
        return out

    def cross(self, other: CalMatrix, w: np.ndarray) -> np.ndarray:
        """``X' diag(w) Y`` for another calibration matrix ``Y`` on the same rows: (p, p')."""
        out = np.empty((self.p, other.p))
        o = 0
        for codes, L in self.blocks:
            o2 = 0
            for codes2, L2 in other.blocks:
                out[o : o + L, o2 : o2 + L2] = np.bincount(codes * L2 + codes2, weights=w, minlength=L * L2).reshape(
                    L, L2
                )
                o2 += L2
            if other.numeric is not None:
                for q in range(other.numeric.shape[1]):
                    out[o : o + L, o2 + q] = np.bincount(codes, weights=w * other.numeric[:, q], minlength=L)
            o += L
        if self.numeric is not None:
            wn = self.numeric * w[:, None]
            o2 = 0
            for codes2, L2 in other.blocks:
                for q in range(self.numeric.shape[1]):
                    out[o + q, o2 : o2 + L2] = np.bincount(codes2, weights=wn[:, q], minlength=L2)
                o2 += L2
            if other.numeric is not None:
                out[o:, o2:] = wn.T @ other.numeric
        return out

    def gram(self, w: np.ndarray) -> np.ndarray:
        """``X' diag(w) X``: (p, p)."""
        return self.cross(self, w)

    def times(self, B: np.ndarray) -> np.ndarray:
        """``X @ B`` for B of shape (p, ...) -> (n, ...)."""
        out = np.zeros((self.n,) + B.shape[1:])
        o = 0
        for codes, L in self.blocks:
            out += B[o : o + L][codes]
            o += L
        if self.numeric is not None:
            out += np.tensordot(self.numeric, B[o:], axes=(1, 0))
        return out

    def unit_sums(self, unit: np.ndarray, n_units: int, w: np.ndarray) -> np.ndarray:
        """``sum_{i in u} w_i x_i`` for every sampling unit ``u``: (n_units, p).

        With it, the unit totals of ``diag(w) X @ B`` are ``unit_sums @ B``: calibration corrections
        of unit totals cost one product on units instead of a pass over rows per domain.

        >>> X = CalMatrix(3, [(np.array([0, 1, 1]), 2)], None, [("sex", 1), ("sex", 2)])
        >>> X.unit_sums(np.array([0, 0, 1]), 2, np.ones(3)).tolist()
        [[1.0, 1.0], [0.0, 1.0]]
        """
        out = np.empty((n_units, self.p))
        o = 0
        for codes, L in self.blocks:
            out[:, o : o + L] = np.bincount(unit * L + codes, weights=w, minlength=n_units * L).reshape(n_units, L)
            o += L
        if self.numeric is not None:
            for q in range(self.numeric.shape[1]):
                out[:, o + q] = np.bincount(unit, weights=w * self.numeric[:, q], minlength=n_units)
        return out

    def take(self, rows: np.ndarray) -> CalMatrix:
        """The same variables on a subset of rows."""
        return CalMatrix(
            len(rows),
            [(c[rows], L) for c, L in self.blocks],
            None if self.numeric is None else self.numeric[rows],
            list(self.names),
        )
