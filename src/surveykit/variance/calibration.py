"""Calibration in the variance: each calibration step's residual linearization (Deville-Särndal).

A calibrated estimator's influence values are the residuals of their weighted regression on the
calibration variables (R's ``svyrecvar`` on ``postStratify``/``calibrate``/``rake`` designs). A
:class:`CalibrationStep` keeps what a step needs (its ``X``, weights before, g-weights and the
pseudo-inverse of ``X' diag(w0) X``); :func:`calibration_corrections` turns scores into the dense
corrections ``- C @ B`` the kernel adds, and :func:`calibrated_cell_variance` /
:func:`calibrated_unit_totals` do the same from cell totals when a step's variables are categorical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calmatrix import CalMatrix
from .kernel import Scores, _centred_unit_totals, segment_sums
from .structure import DesignStructure, Stage

__all__ = [
    "CalibrationStep",
    "Correction",
    "calibration_corrections",
    "calibrated_cell_variance",
    "calibrated_unit_totals",
]


# ------------------------------------------------------------------------------------------------
# Calibration: residual linearization
# ------------------------------------------------------------------------------------------------
@dataclass
class CalibrationStep:
    """One calibration of the weights, kept for the variance.

    ``X`` are the calibration variables, ``w0`` the weights before and ``g`` the g-weights of the
    step (weights after = ``w0 * g``), ``Minv`` the pseudo-inverse of ``X' diag(w0) X``.
    """

    X: CalMatrix
    w0: np.ndarray
    g: np.ndarray
    Minv: np.ndarray
    #: categorical margins only: the calibration cell of each row and the variables on cells (rows of
    #: a cell share their x and their g), which lets estimators work on (unit, cell, domain) totals
    cells: tuple[np.ndarray, CalMatrix] | None = None
    # unit sums of w0 g X per stage (keyed by the stage's cluster array), kept between estimates
    _unit_sums: dict = field(default_factory=dict, repr=False, compare=False)

    def unit_cells(self, stage: Stage) -> np.ndarray:
        """``unit * n_cells + calibration cell`` of each row, computed once per stage."""
        assert self.cells is not None
        key = ("unit_cells", id(stage.cluster))
        hit = self._unit_sums.get(key)
        if hit is None or hit[0] is not stage.cluster:
            hit = (stage.cluster, stage.cluster * self.cells[1].n + self.cells[0])
            self._unit_sums[key] = hit
        return hit[1]

    @property
    def g_cells(self) -> np.ndarray:
        """The g-weight of each calibration cell (``cells`` must be set)."""
        assert self.cells is not None
        hit = self._unit_sums.get("g_cells")
        if hit is None:
            cell, Xc = self.cells
            hit = np.empty(Xc.n)
            hit[cell] = self.g
            self._unit_sums["g_cells"] = hit
        return hit

    def unit_sums(self, stage: Stage) -> np.ndarray:
        """``sum_{i in u} w0_i g_i x_i`` per unit of ``stage``: (units, p), computed once."""
        key = id(stage.cluster)
        hit = self._unit_sums.get(key)
        if hit is None or hit[0] is not stage.cluster:
            hit = (stage.cluster, self.X.unit_sums(stage.cluster, stage.n_clusters, self.w0 * self.g))
            self._unit_sums[key] = hit
        return hit[1]


@dataclass
class Correction:
    """A calibration residual term: the score of domain ``g``, statistic ``j`` loses
    ``rowscale * X @ B[:, g, j]``."""

    X: CalMatrix
    rowscale: np.ndarray
    B: np.ndarray
    step: CalibrationStep

    def unit_sums(self, stage: Stage) -> np.ndarray:
        return self.step.unit_sums(stage)


def calibrated_cell_variance(
    structure: DesignStructure, step: CalibrationStep, PT: np.ndarray, used: np.ndarray, G: int
) -> np.ndarray:
    """Variance of calibration residuals from (first-stage unit, calibration cell, domain) totals: (G, k).

    For one calibration on categorical margins and a first-stage-only variance: the rows of a
    calibration cell share x and g, so ``X' (z / g)`` per domain is a sum over cells, and the unit
    totals of the corrections are ``(unit x calibration column) sums @ B`` -- nothing runs over rows.
    ``used`` are the cells as ``(unit * n_cells + cell) * G + domain``; ``PT`` their score totals.
    """
    T = calibrated_unit_totals(structure, step, PT, used, G)
    return _between_units_dense(structure.stages[0], structure.stratum_mult[0], structure.lonely_psu, T).reshape(
        G, PT.shape[1]
    )


def calibrated_unit_totals(
    structure: DesignStructure, step: CalibrationStep, PT: np.ndarray, used: np.ndarray, G: int
) -> np.ndarray:
    """First-stage unit totals of calibration residuals, every (domain, statistic) a column: (units, G * k).

    From the (unit, calibration cell, domain) totals ``PT`` of the scores (see
    :func:`calibrated_cell_variance`); the covariance of several blocks stacks these side by side.
    """
    stage = structure.stages[0]
    assert step.cells is not None
    Xc = step.cells[1]
    ncal, C, k = Xc.n, stage.n_clusters, PT.shape[1]
    uc = used // G
    g = used % G
    unit, cal = uc // ncal, uc % ncal
    S = segment_sums(PT / step.g_cells[cal][:, None], cal * G + g, ncal * G).reshape(ncal, G, k)
    P = np.einsum("cp,cgk->pgk", Xc.dense(), S, optimize=True)
    B = np.einsum("pq,qgk->pgk", step.Minv, P, optimize=True)
    T = segment_sums(PT, unit * G + g, C * G).reshape(C, G * k)
    T -= step.unit_sums(stage) @ B.reshape(B.shape[0], G * k)
    return T


def _between_units_dense(stage: Stage, mult: np.ndarray, lonely_psu: str, T: np.ndarray) -> np.ndarray:
    """Stratified between-unit variance of dense unit totals ``T`` (every unit, every column): (columns,).

    The diagonal of :func:`_between_units_cov`, without forming the covariance.
    """
    dev, wu = _centred_unit_totals(stage, mult, lonely_psu, T)
    return wu @ (dev * dev)


def calibration_corrections(steps: list[CalibrationStep], scores: Scores) -> list[Correction]:
    """Corrections that turn scores into calibration residuals, step after step.

    R (``svyrecvar`` with ``greg_calibration``) replaces a score ``z`` by
    ``z - w0 g X (X' W0 X)^- X' (z / g)``: the residual of the weighted regression of ``z/(w0 g)`` on
    the calibration variables. Post-stratification and raking are the same with indicator variables.
    Every domain gets its own regression coefficients, computed here by segment sums.
    """
    U = scores.values
    n, k = U.shape
    G = scores.n_groups
    garr = np.zeros(n, dtype=np.int64) if scores.group is None else scores.group
    out: list[Correction] = []
    for step in steps:
        P = step.X.tdot_grouped(U / step.g[:, None], garr, G)
        for c in out:
            P -= np.einsum("pq,qgk->pgk", step.X.cross(c.X, c.rowscale / step.g), c.B, optimize=True)
        B = np.einsum("pq,qgk->pgk", step.Minv, P, optimize=True)
        out.append(Correction(step.X, step.w0 * step.g, B, step))
    return out
