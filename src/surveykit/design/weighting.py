"""The weighting steps a design offers, as methods: each solves a plan and lets the design apply it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
import pandas as pd

from ..errors import WeightingError
from ..weighting import methods as _plans

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = ["WeightingMethods", "CalibrationMethod", "Backend"]

CalibrationMethod = Literal["linear", "raking", "logit"]
Backend = Literal["surveykit", "samplics"]


class WeightingMethods:
    """Weighting steps of :class:`~surveykit.design.base.BaseDesign` (mixed in)."""

    _w: np.ndarray
    _data: pd.DataFrame
    _subset: np.ndarray | None
    _calibrations: list
    _spec: dict[str, Any]

    if TYPE_CHECKING:  # provided by BaseDesign and each design class

        def analysis_frame(self) -> pd.DataFrame: ...

        def column(self, name: str | pd.Series) -> pd.Series: ...

        def _with_calibration(self, plan: _plans.CalibrationPlan) -> Self: ...

        def _with_trim(self, w: np.ndarray, report: Any) -> Self: ...

        def _with_nonresponse(self, plan: _plans.NonresponsePlan) -> Self: ...

    # --- weighting -----------------------------------------------------------------------------
    def calibrate(
        self,
        margins: Mapping[str, Any],
        *,
        method: CalibrationMethod = "linear",
        bounds: tuple[float, float] | None = None,
        maxit: int = 50,
        epsilon: float = 1e-7,
        population_size: float | None = None,
        backend: Backend = "surveykit",
        aggregate: str | None = None,
    ) -> Self:
        """Calibrate the weights to control totals (Deville-Särndal), as R's ``calibrate()``.

        The new design's variance uses the calibration residuals (Taylor designs) or calibrates every
        replicate again (replicate designs), so standard errors reflect the calibration.

        Parameters
        ----------
        margins : mapping or Controls
            ``{column: {level: count}}`` for categorical margins, ``{column: total}`` for numeric ones.
        method : {"linear", "raking", "logit"}, default "linear"
            Distance function (R's ``calfun``). ``logit`` needs finite ``bounds``.
        bounds : (lower, upper), optional
            Bounds on the g-weights (new weight / old weight).
        maxit, epsilon : int, float
            Newton iterations at most; convergence when every ``|gap| / (1 + |target|) < epsilon``
            (R's rule; R's defaults).
        population_size : float, optional
            Also calibrate the sum of weights (an intercept) to this total.
        backend : {"surveykit", "samplics"}
            Who computes the weights (linear without bounds and raking only for samplics); the
            variance is always surveykit's.
        aggregate : str, optional
            Integrated weighting: a column of group ids (e.g. the household) within which every row
            gets the same g-weight, so one weight per household reproduces person totals. The
            calibration variables and weights are averaged within groups first, and the variance
            uses those averages (R's ``calibrate(aggregate.stage=)`` on Taylor designs and
            ``aggregate.index=`` on replicate designs). Weights should be constant within groups.

        Returns
        -------
        A new design; ``weighting_report`` tells iterations, achieved totals and g-weights.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"sex": [1, 1, 2, 2, 2], "y": [1.0, 2, 3, 4, 5], "w": [10.0] * 5})
        >>> c = sk.SurveyDesign(df, weights="w").calibrate({"sex": {1: 30, 2: 30}})
        >>> c.weights.round(4).tolist()
        [15.0, 15.0, 10.0, 10.0, 10.0]
        >>> hh = df.assign(hogar=[1, 2, 2, 3, 3])            # persons in households
        >>> c = sk.SurveyDesign(hh, weights="w").calibrate({"sex": {1: 30, 2: 30}}, aggregate="hogar")
        >>> c.weights.round(4).tolist()                         # one weight per household
        [17.1429, 12.8571, 12.8571, 8.5714, 8.5714]
        """
        self._whole_sample("calibrate")
        groups = None
        if aggregate is not None:
            col = self.column(aggregate)
            if col.isna().any():
                from ..errors import format_rows

                rows = list(col.index[col.isna().to_numpy()])
                raise WeightingError(
                    f"aggregate column '{aggregate}' is missing in rows {format_rows(rows)}; "
                    "every row needs its group (household) id.",
                    column=str(aggregate),
                    rows=rows,
                )
            groups = pd.factorize(col)[0].astype(np.int64)
        return self._with_calibration(
            _plans.plan_calibration(
                self.analysis_frame(),
                self._w,
                margins,
                method=method,
                bounds=bounds,
                maxit=maxit,
                epsilon=epsilon,
                population_size=population_size,
                backend=backend,
                aggregate=groups,
            )
        )

    def rake(
        self,
        margins: Mapping[str, Mapping[Any, float]],
        *,
        maxit: int = 100,
        epsilon: float = 1e-10,
        backend: Backend = "surveykit",
    ) -> Self:
        """Rake the weights to categorical margins (iterative proportional fitting).

        At convergence the weights are those of ``calibrate(margins, method="raking")``, and so is the
        variance: the calibration residuals of R's ``calibrate(calfun="raking")``. R's ``rake()``
        instead reports an iterated post-stratification approximation, which differs by a few percent
        when design weights vary within margins.

        Parameters
        ----------
        margins : mapping or Controls
            ``{column: {level: count}}`` per margin.
        maxit : int, default 100
            Passes over the margins at most.
        epsilon : float, default 1e-10
            Converged when every level is within this relative gap of its target.
        backend : {"surveykit", "samplics"}

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 2, 1, 2], "w": [1.0] * 4})
        >>> r = sk.SurveyDesign(df, weights="w").rake({"a": {1: 4, 2: 6}, "b": {1: 5, 2: 5}})
        >>> r.weights.round(6).tolist(), r.weighting_report.converged
        ([2.0, 2.0, 3.0, 3.0], True)
        """
        self._whole_sample("rake")
        return self._with_calibration(
            _plans.plan_rake(self.analysis_frame(), self._w, margins, maxit=maxit, epsilon=epsilon, backend=backend)
        )

    def poststratify(self, variables: str | Sequence[str], totals: Any, *, backend: Backend = "surveykit") -> Self:
        """Post-stratify: scale weights so each cell reaches its population count (R's ``postStratify``).

        Parameters
        ----------
        variables : str or list of str
            Post-stratification column(s); cells are their combinations.
        totals : dict, Series or DataFrame
            Population count per cell (``{level: N}``, or tuple keys for several variables, or a table
            with the variables and one count column).
        backend : {"surveykit", "samplics"}

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"area": ["U", "U", "R"], "w": [1.0, 3.0, 2.0]})
        >>> sk.SurveyDesign(df, weights="w").poststratify("area", {"U": 8, "R": 4}).weights.tolist()
        [2.0, 6.0, 4.0]
        """
        self._whole_sample("poststratify")
        return self._with_calibration(
            _plans.plan_poststratify(self.analysis_frame(), self._w, variables, totals, backend=backend)
        )

    def trim(self, *, upper: float | None = None, lower: float | None = None, strict: bool = False) -> Self:
        """Trim weights to ``[lower, upper]`` and share the trimmed amount equally among the others.

        As R's ``trimWeights``; ``strict=True`` repeats until no weight is outside the bounds. Replicate
        designs trim every replicate's weights the same way.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"w": [1.0, 1.0, 10.0]})
        >>> sk.SurveyDesign(df, weights="w").trim(upper=6).weights.tolist()
        [3.0, 3.0, 6.0]
        """
        self._whole_sample("trim")
        w, report = _plans.trim_weights(self._w, upper=upper, lower=lower, strict=strict)
        return self._with_trim(w, report)

    def adjust_nonresponse(
        self, responded: str | Sequence[bool] | np.ndarray | pd.Series, *, by: str | Sequence[str] | None = None
    ) -> Self:
        """Weighting-class nonresponse adjustment; returns the design of the respondents.

        In each class of ``by``, respondents' weights are multiplied by (sum of weights of the class) /
        (sum of weights of its respondents), so they carry the nonrespondents' weight; nonrespondent
        rows leave the design. Replicate designs redo the adjustment in every replicate.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"r": [1, 0, 1, 1], "cls": ["a", "a", "b", "b"], "w": [1.0, 1.0, 2.0, 2.0]})
        >>> sk.SurveyDesign(df, weights="w").adjust_nonresponse("r", by="cls").weights.tolist()
        [2.0, 2.0, 2.0]
        """
        self._whole_sample("adjust_nonresponse")
        if isinstance(responded, str):
            col, name = self.column(responded), responded
        else:
            col, name = pd.Series(np.asarray(responded), index=self._data.index), "responded"
        by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
        return self._with_nonresponse(_plans.plan_nonresponse(self._data, self._w, col, by_cols, name))

    def _whole_sample(self, step: str) -> None:
        if self._subset is not None:
            raise WeightingError(f"{step}() weights the whole sample; call it before subset().")
