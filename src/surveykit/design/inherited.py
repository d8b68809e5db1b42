"""A child table's design whose variance carries its parent design's calibration residuals.

:meth:`~surveykit.SurveyDesign.inherit_calibration` with ``variance="calibrated"`` returns it. Its
estimates are those of the child rows with weights ``w * g``; its variance sums the child's influence
values to their parent rows (one column per domain and statistic, zero outside the domain) and hands
them to the parent's Taylor kernel with the parent's calibration residuals. Because a child statistic
is a function of totals ``sum_p g_p (sum_{i in p} w_i y_i)``, that is the linearization of the
calibrated estimator itself: the SE of a child total equals that of the parent design's total of the
child variable summed to the parent rows (R: aggregate, then ``svytotal`` on the calibrated design).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import WeightingError
from ..variance import Block, Linearization, Scores, Transform
from ..weighting.methods import CalibrationPlan, NonresponsePlan
from ..variance.kernel import calibration_corrections, segment_sums, taylor_covariance, taylor_variance
from .survey_design import SurveyDesign

__all__ = ["InheritedDesign"]


class InheritedDesign(SurveyDesign):
    """A :class:`SurveyDesign` on a child table whose variance is computed on its parent's design.

    Built by :meth:`SurveyDesign.inherit_calibration` (``variance="calibrated"``); not constructed
    directly. Weighting steps and replicate conversion are refused: weight the parent, then inherit.
    """

    _parent: SurveyDesign
    _parent_row: np.ndarray

    @classmethod
    def from_child(cls, child: SurveyDesign, parent: SurveyDesign, parent_row: np.ndarray) -> InheritedDesign:
        new = cls.__new__(cls)
        new.__dict__.update(child.__dict__)
        new._parent = parent
        new._parent_row = np.asarray(parent_row, dtype=np.int64)
        return new

    # --- variance on the parent's rows ---------------------------------------------------------
    def _parent_scores(self, block: Block) -> Scores:
        """The block's influence values summed to parent rows, one column per (domain, statistic)."""
        U = block.scores(self._w)
        G, k = block.n_groups, block.k
        n_parent = self._parent.n
        key = self._parent_row if block.group is None else self._parent_row * G + block.group
        Z = segment_sums(U, key, n_parent * G).reshape(n_parent, G * k)
        scores = Scores(values=Z)
        scores.corrections = calibration_corrections(self._parent._calibrations, scores)
        return scores

    def block_variance(self, block: Block, transform: Transform | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Variance of each (domain, statistic) of ``block`` under the parent's calibrated design: (G, k)."""
        var = taylor_variance(self._parent._structure, self._parent_scores(block)).reshape(block.n_groups, block.k)
        if transform is None:
            return var, None
        return var, var * transform.deriv(block.estimate) ** 2

    def covariance_matrix(self, lin: Linearization) -> np.ndarray:
        """Covariance of the estimates of ``lin`` under the parent's calibrated design."""
        V = taylor_covariance(self._parent._structure, [self._parent_scores(b) for b in lin.blocks])
        pos = lin.positions
        return V[np.ix_(pos, pos)]

    def variance_cells(self, group: np.ndarray | None, n_groups: int, cache: dict | None = None) -> None:
        # the variance runs on the parent's rows: no (unit x domain) cells of the child's own
        return None

    def _needs_present(self) -> bool:
        return False

    @property
    def degf(self) -> float:
        """The parent design's degrees of freedom (the variance uses every parent PSU)."""
        return self._parent.degf

    # --- the calibration belongs to the parent -------------------------------------------------
    def _refuse(self, step: str) -> WeightingError:
        return WeightingError(f"{step} on a design that inherits its parent's calibration: weight the parent design "
                              "first, then call inherit_calibration().")

    def _with_calibration(self, plan: CalibrationPlan) -> SurveyDesign:
        raise self._refuse("calibration")

    def _with_trim(self, w: np.ndarray, report: Any) -> SurveyDesign:
        raise self._refuse("trimming")

    def _with_nonresponse(self, plan: NonresponsePlan) -> SurveyDesign:
        raise self._refuse("a nonresponse adjustment")

    def to_replicate(self, method: str = "jkn", replicates: int | None = None, rho: float | None = None,
                     seed: int | None = None, mse: bool = False) -> Any:
        """Refused: replicate the parent design instead (its replicates recalibrate)."""
        raise WeightingError("to_replicate() of a design that inherits its parent's calibration: convert the parent "
                             "design to replicates and compute the child's statistics there, or use "
                             "variance='fixed'.")
