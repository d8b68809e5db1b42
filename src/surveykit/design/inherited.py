"""A child table's design whose variance carries its parent design's calibration residuals.

:func:`inherit_calibration` makes a child table's design from its calibrated parent's; with
``variance="calibrated"`` it returns an :class:`InheritedDesign`. Its
estimates are those of the child rows with weights ``w * g``; its variance sums the child's influence
values to their parent rows (one column per domain and statistic, zero outside the domain) and hands
them to the parent's Taylor kernel with the parent's calibration residuals. Because a child statistic
is a function of totals ``sum_p g_p (sum_{i in p} w_i y_i)``, that is the linearization of the
calibrated estimator itself: the SE of a child total equals that of the parent design's total of the
child variable summed to the parent rows (R: aggregate, then ``svytotal`` on the calibrated design).
"""

from __future__ import annotations

from typing import Any, Literal, NoReturn

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, DesignError, WeightingError, format_rows
from ..variance import Block, Linearization, Scores, Transform
from ..weighting.methods import CalibrationPlan, NonresponsePlan
from ..variance.calibration import calibration_corrections
from ..variance.kernel import segment_sums, taylor_covariance, taylor_variance
from ..variance.structure import LonelyPSU
from .survey_design import SurveyDesign

__all__ = ["InheritedDesign", "inherit_calibration"]


class InheritedDesign(SurveyDesign):
    """A :class:`SurveyDesign` on a child table whose variance is computed on its parent's design.

    Built by :func:`inherit_calibration` (``variance="calibrated"``); not constructed
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
        return WeightingError(
            f"{step} on a design that inherits its parent's calibration: weight the parent design "
            "first, then call inherit_calibration()."
        )

    def _with_calibration(self, plan: CalibrationPlan) -> NoReturn:
        raise self._refuse("calibration")

    def _with_trim(self, w: np.ndarray, report: Any) -> NoReturn:
        raise self._refuse("trimming")

    def _with_nonresponse(self, plan: NonresponsePlan) -> NoReturn:
        raise self._refuse("a nonresponse adjustment")

    def to_replicate(
        self,
        method: str = "jkn",
        replicates: int | None = None,
        rho: float | None = None,
        seed: int | None = None,
        mse: bool = False,
    ) -> Any:
        """Refused: replicate the parent design instead (its replicates recalibrate)."""
        raise WeightingError(
            "to_replicate() of a design that inherits its parent's calibration: convert the parent "
            "design to replicates and compute the child's statistics there, or use "
            "variance='fixed'."
        )


def inherit_calibration(
    parent: SurveyDesign,
    child: pd.DataFrame,
    key: str,
    *,
    weights: str | np.ndarray | pd.Series | None = None,
    lonely_psu: LonelyPSU | None = None,
    variance: Literal["fixed", "calibrated"] = "fixed",
) -> SurveyDesign:
    """The design of a child table (incidents, household members) carrying ``parent``'s calibration.

    Every child row belongs to one row of this (calibrated) design through ``key``; it gets that
    row's calibration factor ``g`` (the product of this design's calibrations' g-weights), its
    strata, PSUs and fpc. The child's weights are ``w * g``, where ``w`` is ``weights`` (a column of
    ``child`` or an array) or, by default, the parent row's weight divided by its ``g`` (its
    weight before calibration).

    **Variance.** Point estimates are the calibrated ones either way.

    * ``variance="fixed"`` (default; the design file's ``inherit_calibration: true``): the
      calibration is treated as fixed. The child design is a plain Taylor design with weights
      ``w * g`` (R: ``svydesign(weights = ~I(w * g))`` on the child table), so its standard errors
      are those of the child sample with those weights and ignore the variance reduction (or
      increase) the calibration brings.
    * ``variance="calibrated"``: the calibration residuals are carried. The child's influence
      values are summed to their parent rows (per domain and statistic) and their variance is the
      parent design's, calibration residuals included: the SE of a child total is that of the
      parent design's total of the child variable summed to the parent rows, and a child mean is
      the ratio of two such totals. Its degrees of freedom are the parent's. Weighting steps and
      ``to_replicate`` are refused on it (weight the parent, then inherit).

    Parameters
    ----------
    child : DataFrame
        The child table; its ``key`` column names the parent row of each child row.
    key : str
        Column that identifies the rows of this design's data (unique there) and links the child
        rows to them.
    weights : str, array or Series, optional
        The child's weights before calibration (default: the parent row's).
    lonely_psu : str, optional
        The child design's lonely-PSU rule (default: this design's); a child table can leave a
        stratum with one PSU where the parent had several. With ``variance="calibrated"`` the
        variance runs on the parent's PSUs, under the parent's rule.
    variance : {"fixed", "calibrated"}, default "fixed"
        Whether the standard errors treat the calibration as fixed or carry its residuals.

    Returns
    -------
    SurveyDesign
        On ``child`` (with this design's strata, PSU and fpc columns added where it lacks them).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> persons = pd.DataFrame({"id": [1, 2, 3, 4], "sexo": [1, 1, 2, 2], "w": [10.0] * 4,
    ...                         "upm": [1, 1, 2, 2]})
    >>> cal = sk.SurveyDesign(persons, weights="w", psu="upm").calibrate({"sexo": {1: 30, 2: 20}})
    >>> incidents = pd.DataFrame({"id": [1, 1, 3], "denuncia": [1, 0, 1]})
    >>> inc = sk.inherit_calibration(cal, incidents, "id")
    >>> inc.weights.tolist(), inc.total("denuncia")["estimate"].tolist()
    ([15.0, 15.0, 10.0], [25.0])
    >>> proper = sk.inherit_calibration(cal, incidents, "id", variance="calibrated")
    >>> per_person = pd.Series([1, 0, 1, 0], index=persons.index, name="denuncia")   # summed to persons
    >>> bool(abs(proper.total("denuncia")["se"][0] - cal.total(per_person)["se"][0]) < 1e-9)
    True
    """
    if variance not in ("fixed", "calibrated"):
        raise WeightingError(
            f"variance={variance!r}: use 'fixed' (the calibration treated as fixed) or "
            "'calibrated' (its residuals carried)."
        )
    if not isinstance(parent, SurveyDesign):
        raise WeightingError(
            "inherit_calibration() makes a Taylor child design from a SurveyDesign; replicate "
            "designs carry their calibration in the replicate weights."
        )
    parent._whole_sample("inherit_calibration")
    if not parent._calibrations:
        raise WeightingError(
            "inherit_calibration(): this design is not calibrated, so there is nothing to "
            "inherit; build the child design with sk.SurveyDesign."
        )
    if not isinstance(child, pd.DataFrame):
        raise DesignError(f"inherit_calibration(child=...) must be a pandas DataFrame, not {type(child).__name__}.")
    if key not in child.columns:
        raise ColumnNotFoundError(
            f"column '{key}' (key) is not in the child table; it links each child row to its parent row.", column=key
        )
    parent_key = parent.column(key)
    repeated = parent_key.duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = list(parent_key.index[repeated])
        raise DesignError(
            f"key '{key}' does not identify the design's rows: it repeats in rows "
            f"{format_rows(rows)}; link the child through the parent's id column.",
            column=key,
            rows=rows,
        )
    pos = pd.Index(parent_key.to_numpy()).get_indexer(child[key].to_numpy())
    orphan = pos < 0
    if orphan.any():
        rows = list(child.index[orphan])
        raise DesignError(
            f"{int(orphan.sum())} child row(s) have no parent row with the same '{key}' (rows "
            f"{format_rows(rows)}); every child row needs its parent in the design's data.",
            column=key,
            rows=rows,
        )
    g = np.prod([step.g for step in parent._calibrations], axis=0)
    spec = parent._spec
    added = {}
    for col in dict.fromkeys([*spec["strata"], *spec["psu"], *spec["fpc"]]):
        values = parent._data[col].to_numpy()[pos]
        if col not in child.columns:
            added[col] = values
            continue
        mine = child[col].to_numpy()
        differ = ~(pd.isna(mine) & pd.isna(values)) & (mine != values)
        if differ.any():
            rows = list(child.index[differ])
            raise DesignError(
                f"column '{col}' of the child table differs from its parent row's in rows "
                f"{format_rows(rows)}: a child row is in its parent's strata and sampling units.",
                column=col,
                rows=rows,
            )
    frame = child.assign(**added) if added else child
    if weights is None:
        w = (parent._w / g)[pos]
    else:
        w = frame[weights] if isinstance(weights, str) and weights in frame.columns else _child_weights(frame, weights)
        w = pd.to_numeric(pd.Series(np.asarray(w).ravel()), errors="coerce").to_numpy(dtype=float)
    out = SurveyDesign(
        frame,
        weights=pd.Series(w * g[pos], index=frame.index),
        strata=spec["strata"] or None,
        psu=spec["psu"] or None,
        fpc=spec["fpc"] or None,
        nest=spec["nest"],
        lonely_psu=lonely_psu or spec["lonely_psu"],
        adjust_domain_lonely=spec["adjust_domain_lonely"],
    )
    if variance == "fixed":
        return out
    return InheritedDesign.from_child(out, parent, pos)


def _child_weights(frame: pd.DataFrame, weights: Any) -> Any:
    if isinstance(weights, str):
        raise ColumnNotFoundError(f"column '{weights}' (weights) is not in the child table.", column=weights)
    if len(weights) != len(frame):
        raise DesignError(f"weights has {len(weights)} values for {len(frame)} child rows.")
    return weights
