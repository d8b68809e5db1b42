"""Covariances, contrasts and differences a design offers, as methods (mixed into every design).

Each turns estimator calls into one :class:`~surveykit.variance.Linearization` and hands it to
:mod:`surveykit.estimation.contrasts`; the covariance comes from the design itself
(:meth:`~surveykit.design.base.BaseDesign.covariance_matrix`). Users' own statistics enter through
:meth:`ContrastMethods.linearization` and come back as tables through :meth:`ContrastMethods.estimate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..estimation import contrasts as _contrasts
from ..estimation.ci import Empty
from ..variance import Linearization

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = ["ContrastMethods"]


class ContrastMethods:
    """Covariances, contrasts, differences and users' own statistics of
    :class:`~surveykit.design.base.BaseDesign` (mixed in)."""

    # --- covariance, contrasts and differences ---------------------------------------------------
    def linearize(
        self,
        statistic: str,
        variables: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        denominator: str | Sequence[str] | None = None,
        labels: bool = False,
        empty: Empty = "error",
    ) -> Linearization:
        """The estimates of ``statistic`` with their linearization, for covariances and contrasts.

        Parameters
        ----------
        statistic : {"mean", "total", "proportion", "ratio"}
        variables, by : as for the estimator (``denominator=`` for ratios).
        labels, empty : as for the estimator.

        Returns
        -------
        :class:`~surveykit.variance.Linearization` whose ``rows`` are the estimator's result rows;
        several stack with ``Linearization.stack([...])`` for the joint covariance of different
        statistics (a mean and a proportion).

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "s": [1, 1, 2, 2]})
        >>> lin = sk.SurveyDesign(df, weights="w", strata="s").linearize("mean", "y")
        >>> lin.estimate.round(4).tolist()
        [2.8333]
        """
        return _contrasts.linearize(self, statistic, variables, by, denominator=denominator, labels=labels, empty=empty)

    def covariance(
        self,
        statistic: str | Linearization,
        variables: str | Sequence[str] | None = None,
        by: str | Sequence[str] | None = None,
        *,
        denominator: str | Sequence[str] | None = None,
        labels: bool = False,
        empty: Empty = "error",
    ) -> pd.DataFrame:
        """Covariance matrix of the estimates of one estimator call (R's ``vcov``, ``svyby(covmat=TRUE)``).

        Taylor designs: the stratified cross-products of the linearized estimates' unit totals, with
        calibration residuals; replicate designs: the cross-products of the replicate estimates. Its
        diagonal is the square of the estimator's ``se`` (except with ``lonely_psu="average"`` by domain,
        where R's ``svyby`` also differs, see docs/parity.md).

        Parameters
        ----------
        statistic : {"mean", "total", "proportion", "ratio"} or Linearization
        variables, by, denominator, labels, empty : as for the estimator.

        Returns
        -------
        Square DataFrame whose index and columns are the estimator's result rows, in its order
        (labelled by the key columns that vary: variable, domain values, level).

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "g": ["a", "b", "a", "b", "a", "b"],
        ...                    "w": [1.0, 1, 2, 2, 1, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> V = d.covariance("mean", "y", by="g")
        >>> list(V.index), bool(abs(V.loc["a", "a"] - d.mean("y", by="g")["se"][0] ** 2) < 1e-12)
        (['a', 'b'], True)
        """
        lin = self._linearization(statistic, variables, by, denominator, labels, empty)
        return _contrasts.covariance_table(self, lin)

    def contrast(
        self,
        statistic: str | Linearization,
        contrasts: Mapping[str, Any] | Sequence[Any],
        variables: str | Sequence[str] | None = None,
        by: str | Sequence[str] | None = None,
        *,
        denominator: str | Sequence[str] | None = None,
        labels: bool = False,
        level: float = 0.95,
        df: float | None = None,
    ) -> pd.DataFrame:
        """Linear and nonlinear functions of estimates with standard errors (R's ``svycontrast``).

        Parameters
        ----------
        statistic : {"mean", "total", "proportion", "ratio"} or Linearization
            The estimates the contrasts combine (a Linearization may stack several calls).
        contrasts : mapping of name to coefficients or function
            Coefficients: ``{key: coefficient}`` over the estimates' keys (the index of
            :meth:`covariance`), or a vector in row order. Function: takes the estimates as a Series
            indexed by their keys and returns a number (e.g. ``lambda e: np.log(e["F"] / e["M"])``);
            its derivative is taken numerically (complex step, exact to rounding with numpy
            arithmetic and ``np.log``/``np.exp``). Taylor designs use the delta method; replicate
            designs apply the function to every replicate's estimates.
        variables, by, denominator, labels : as for the estimator.
        level : float
        df : float, optional
            Degrees of freedom of t intervals and p-values (default: the design's).

        Returns
        -------
        DataFrame [contrast, estimate, se, ci_low, ci_high, t, df, p_value].

        Examples
        --------
        >>> import numpy as np, pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"v": [1, 0, 1, 1, 0, 1], "sex": ["F", "M", "F", "M", "F", "M"],
        ...                    "w": [1.0, 1, 2, 2, 1, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> c = d.contrast("mean", {"F - M": {"F": 1, "M": -1}, "F / M": lambda e: e["F"] / e["M"]},
        ...                "v", by="sex")
        >>> c[["contrast", "estimate"]].round(4).values.tolist()
        [['F - M', 0.0], ['F / M', 1.0]]
        """
        lin = self._linearization(statistic, variables, by, denominator, labels, "error")
        return _contrasts.contrast_table(self, lin, contrasts, level=level, df=df)

    def difference(
        self,
        variable: str | Sequence[str],
        by: str | Sequence[str],
        *,
        statistic: str = "mean",
        reference: Any = None,
        pairs: str = "reference",
        denominator: str | Sequence[str] | None = None,
        level: float = 0.95,
        labels: bool = False,
        df: float | None = None,
    ) -> pd.DataFrame:
        """Differences between domain categories with t tests (women - men; a department - the country).

        The last ``by`` column is compared; earlier ``by`` columns define cells within which the
        comparison is made (``by=["depto", "sexo"]``: women - men in each department). Each difference
        has the SE from the covariance of the two estimates (so a domain against the total, of which it
        is part, is right), a t interval and a two-sided p-value with the design's degrees of freedom.

        Parameters
        ----------
        variable : str or list of str
        by : str or list of str
        statistic : {"mean", "proportion", "total", "ratio"}, default "mean"
        reference : category, "total" or None
            None: the first category; a category: every other against it; ``"total"``: every category
            against the whole population (or the cell of the earlier ``by`` columns).
        pairs : {"reference", "all"}
            ``"all"``: every pair (later category minus earlier).
        denominator, level, labels, df : as for the estimators and :meth:`contrast`.

        Returns
        -------
        DataFrame [variable, <earlier by columns>, by, group, reference, <level>, estimate, se, ci_low,
        ci_high, t, df, p_value]; ``estimate`` is group minus reference.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "sex": ["F", "M", "F", "M", "F", "M"],
        ...                    "w": [1.0, 1, 2, 2, 1, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> t = sk.SurveyDesign(df, weights="w", strata="s").difference("y", by="sex")
        >>> t[["group", "reference", "estimate"]].values.tolist()
        [['M', 'F', 1.25]]
        """
        return _contrasts.difference_table(
            self,
            variable,
            by,
            statistic=statistic,
            reference=reference,
            pairs=pairs,
            denominator=denominator,
            level=level,
            labels=labels,
            df=df,
        )

    def linearization(
        self,
        estimate: Any,
        influence: Any,
        *,
        names: Sequence[str] | None = None,
        replicate: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> Linearization:
        """Your own statistic: estimates and influence values in, a linearization the design can use.

        The design then gives its SEs (:meth:`estimate`), covariance (:meth:`covariance`) and
        contrasts (:meth:`contrast`), Taylor or replicate, calibrated or not: calibration residuals
        are applied to the influence values as to any built-in statistic.

        Parameters
        ----------
        estimate : float or sequence of float
            The statistics' point estimates (k).
        influence : array (n, k), DataFrame or Series
            Weighted influence values ``z_i`` of each row: the estimate's first-order change when row
            ``i``'s weight grows by one unit times its weight (for a total of ``y``: ``w_i y_i``; for a
            mean: ``w_i (y_i - mean) / sum(w)``). Rows outside a domain hold 0.
        names : list of str, optional
            Labels of the estimates (the ``variable`` column).
        replicate : callable, optional
            For replicate designs: ``(n, R)`` replicate weights -> ``(R, k)`` re-estimates (required
            there; R's ``withReplicates``).

        Examples
        --------
        >>> import numpy as np, pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "s": [1, 1, 2, 2]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> w, y = d.weight_array, df["y"].to_numpy()
        >>> m = (w * y).sum() / w.sum()
        >>> lin = d.linearization(m, w * (y - m) / w.sum(), names=["my mean"])
        >>> bool(np.isclose(d.estimate(lin)["se"][0], d.mean("y")["se"][0]))
        True
        """
        return _contrasts.influence_linearization(self, estimate, influence, names=names, replicate=replicate)

    def estimate(self, linearization: Linearization, *, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Estimates, SEs, t intervals, CVs and t tests (against 0) of any linearization.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "s": [1, 1, 2, 2]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> d.estimate(d.linearize("total", "y"))[["variable", "estimate"]].values.tolist()
        [['y', 17.0]]
        """
        if not isinstance(linearization, Linearization):
            raise EstimationError("estimate() takes a Linearization (from linearize() or linearization()).")
        return _contrasts.estimate_table(self, linearization, level=level, df=df)

    def _linearization(self, statistic, variables, by, denominator, labels, empty) -> Linearization:
        if isinstance(statistic, Linearization):
            if variables is not None or by is not None:
                raise EstimationError("a Linearization already names its estimates; leave variables and by out.")
            return statistic
        if variables is None:
            raise EstimationError(f"{statistic}: give the variables (or a Linearization).")
        return _contrasts.linearize(self, statistic, variables, by, denominator=denominator, labels=labels, empty=empty)
