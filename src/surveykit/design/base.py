"""What every design offers: data, weights, domains, subpopulations, the estimators and weighting steps.

:class:`~surveykit.SurveyDesign` (Taylor linearization) and :class:`~surveykit.ReplicateDesign`
(replicate weights) differ only in how they turn a linearization into variances
(:meth:`BaseDesign.block_variance`, :meth:`BaseDesign.covariance_matrix`) and how they apply a
weighting step; everything a user calls lives here once and delegates to the estimation, inference
and weighting layers, which never import a design.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, DesignError, EmptyDomainError, EstimationError, SurveykitError
from ..estimation.statistics import as_list, label_of
from ..metadata import value_labels, variable_label
from ..variance import Block, Domains, Linearization, Transform, make_domains
from ..weighting.methods import CalibrationPlan, NonresponsePlan
from ..weighting.diagnostics import WeightingReport
from .contrast_methods import ContrastMethods
from .estimates import EstimatorMethods
from .inference_methods import InferenceMethods
from .weighting import WeightingMethods

__all__ = ["BaseDesign"]


class BaseDesign(EstimatorMethods, ContrastMethods, InferenceMethods, WeightingMethods):
    """Shared machinery; use :class:`~surveykit.SurveyDesign` or :class:`~surveykit.ReplicateDesign`."""

    _data: pd.DataFrame
    _w: np.ndarray
    _subset: np.ndarray | None
    #: what the last weighting step did (:class:`~surveykit.weighting.WeightingReport`), or None
    weighting_report: WeightingReport | None = None
    #: True for designs whose variance comes from replicate weights
    is_replicate: bool = False

    # --- to be provided by each design: its variance and how it applies weighting steps -----------
    def block_variance(self, block: Block, transform: Transform | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Variance of each (domain, statistic) of a linearization block: (G, k), and, with ``transform``,
        the variance of the transformed estimates (delta method or transformed replicates)."""
        raise NotImplementedError

    def covariance_matrix(self, lin: Linearization) -> np.ndarray:
        """Covariance of the estimates of ``lin`` in its row order: (m, m)."""
        raise NotImplementedError

    def variance_cells(self, group: np.ndarray | None, n_groups: int, cache: dict | None = None):
        """Cells of rows (``(cell of each row, cells used)``) whose totals are all the variance needs, or None."""
        return None

    def function_covariance(self, lin: Linearization, fn: Callable, J: np.ndarray | None = None):
        """Value and covariance of ``fn(estimates of lin)`` (``J``: its Jacobian when known, for linear ``fn``)."""
        raise NotImplementedError

    def domain_df(self, group: np.ndarray | None, n_groups: int, masks: list) -> np.ndarray:
        """Degrees of freedom of each (domain, statistic) restricted to its rows: (G, k)."""
        raise NotImplementedError

    @property
    def degf(self) -> float:
        """Design degrees of freedom used by t intervals."""
        raise NotImplementedError

    def _with_calibration(self, plan: CalibrationPlan) -> Self:
        raise NotImplementedError

    def _with_trim(self, w: np.ndarray, report) -> Self:
        raise NotImplementedError

    def _with_nonresponse(self, plan: NonresponsePlan) -> Self:
        raise NotImplementedError

    # --- data access ---------------------------------------------------------------------------
    @staticmethod
    def _check_frame(df: Any, what: str) -> None:
        """The survey data must be a non-empty DataFrame with unique column names."""
        if not isinstance(df, pd.DataFrame):
            raise DesignError(f"{what} needs a pandas DataFrame, not {type(df).__name__}.")
        if len(df) == 0:
            raise DesignError("the data has no rows; a design needs at least one sampled element.")
        if df.columns.duplicated().any():
            dup = list(df.columns[df.columns.duplicated()])
            raise DesignError(f"column names {dup} appear more than once; rename them first.")

    @property
    def data(self) -> pd.DataFrame:
        """The survey data (not copied: do not modify it in place)."""
        return self._data

    @property
    def weights(self) -> pd.Series:
        """The current analysis weights, one per row, indexed like the data."""
        return pd.Series(self._w, index=self._data.index, name="weight", copy=True)

    @property
    def n(self) -> int:
        """Number of rows (sampled elements) in the design."""
        return len(self._w)

    @property
    def weight_array(self) -> np.ndarray:
        """The current weights as a read-only float64 array (for estimators; not copied)."""
        view = self._w.view()
        view.flags.writeable = False
        return view

    @property
    def subpopulation(self) -> np.ndarray | None:
        """Rows of the subpopulation set by :meth:`subset` (``None``: the whole sample)."""
        return self._subset

    def column(self, name: str | pd.Series) -> pd.Series:
        if isinstance(name, pd.Series):
            # a derived variable: must line up with the data row for row
            if len(name) != self.n or not name.index.equals(self._data.index):
                raise EstimationError(
                    f"the Series {name.name!r} does not line up with the data ({len(name)} values); build it "
                    "from the design's data so that it has the same index.",
                    column=str(name.name),
                )
            return name
        if not isinstance(name, str):
            raise EstimationError(f"columns are named by strings; got {name!r}.")
        if name not in self._data.columns:
            raise ColumnNotFoundError(_unknown_column_message(name, self._data.columns), column=name)
        col = self._data[name]
        if isinstance(col, pd.DataFrame):
            raise SurveykitError(
                f"column name '{name}' appears more than once in the data; rename the "
                "duplicates before building the design.",
                column=name,
            )
        return col

    def analysis_frame(self) -> pd.DataFrame:
        """The data as it is now, without ``attrs``: pandas deep-copies ``attrs`` (labels metadata set
        by hand as a plain dict) into every column and result derived from a frame, which costs more
        than the arithmetic when many steps run (expressions, margins)."""
        frame = self._data.copy(deep=False)
        frame.attrs = {}
        return frame

    def labels_for(self, column: str) -> dict | None:
        """Value labels of a column (``{code: label}``) or None."""
        return value_labels(self._data, column)

    def variable_label_for(self, column: str) -> str | None:
        """The variable label of a column (from ``df.attrs["surveykit"]``) or None."""
        return variable_label(self._data, column) if isinstance(column, str) else None

    def domains(self, by: str | Sequence[str] | None) -> Domains:
        """The domains of the ``by`` columns within the current subpopulation (cached per design)."""
        by_cols = as_list(by, "by")
        series = [self.column(c) for c in by_cols]
        names = [label_of(c) for c in by_cols]
        if any(not isinstance(c, str) for c in by_cols):  # derived domains are not cached
            return make_domains(series, names, self._subset, self._data.index)
        cache = self.__dict__.setdefault("_domain_cache", {})
        key = tuple(names)
        if key not in cache:
            cache[key] = make_domains(series, names, self._subset, self._data.index)
        return cache[key]

    # --- subpopulations ------------------------------------------------------------------------
    def subset(self, mask: Sequence[bool] | np.ndarray | pd.Series) -> Self:
        """The design restricted to a subpopulation, keeping every PSU and stratum.

        Rows outside ``mask`` stay in the design with zero scores, so standard errors are those of a
        domain (R's ``subset()`` of a design), never those of a subset file.

        Parameters
        ----------
        mask : boolean array or Series
            One value per row (a Series is aligned on the data's index). Missing counts as False.

        Returns
        -------
        A design of the same type.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 2.0, 2.0], "s": [1, 1, 2, 2]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> round(float(d.subset(df["y"] > 1).mean("y")["estimate"][0]), 4)
        3.2
        """
        m = self._mask(mask)
        if not m.any():
            raise EmptyDomainError("the subpopulation mask selects no rows; check the condition.")
        new = copy.copy(self)
        new.__dict__.pop("_domain_cache", None)
        new._subset = m if self._subset is None else (self._subset & m)
        if not new._subset.any():
            raise EmptyDomainError("the subpopulation selects no rows within the current subpopulation.")
        return new

    def _mask(self, mask) -> np.ndarray:
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self._data.index):
                mask = mask.reindex(self._data.index)
            arr = mask.to_numpy()
        else:
            arr = np.asarray(mask)
        if arr.shape != (self.n,):
            raise EstimationError(f"the mask has {arr.shape[0] if arr.ndim else 0} values; the data has {self.n} rows.")
        if arr.dtype == object:
            # nullable booleans (pd.NA) count as False, as the docs say; other objects are refused below
            filled = pd.Series(arr).fillna(False)
            if filled.map(lambda v: isinstance(v, (bool, np.bool_))).all():
                arr = filled.to_numpy(dtype=bool)
            else:
                arr = filled.to_numpy()
        if arr.dtype.kind == "f":
            arr = np.nan_to_num(arr, nan=0.0)
        if arr.dtype.kind not in "biuf":
            raise EstimationError("the mask must be boolean (True for rows in the subpopulation).")
        return arr.astype(bool)


def _unknown_column_message(name: str, columns: pd.Index) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), [str(c) for c in columns], n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"column '{name}' is not in the data.{hint}"
