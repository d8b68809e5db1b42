"""What every design offers: the estimators, domains, subpopulations and weights.

:class:`~surveykit.SurveyDesign` (Taylor linearization) and :class:`~surveykit.ReplicateDesign`
(replicate weights) differ only in how a variance is computed from an estimator's scores; everything a
user calls lives here once.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, DesignError, EmptyDomainError, EstimationError, SurveykitError, \
    WeightError, format_rows
from ..estimation.domains import Domains, make_domains
from ..estimation.estimators import (Statistics, as_list, estimate_quantiles, estimate_ratios, is_binary,
                                     label_of, numeric_column, proportion_statistics)
from ..metadata import value_labels

__all__ = ["BaseDesign"]

_ESTIMATOR_OPTIONS = """ci : {"t", "normal", "logit", "korn-graubard", "wilson"}, default "t"
        Interval: t with the design degrees of freedom, normal, or (proportions only) logit,
        Korn-Graubard or Wilson with the effective sample size.
    level : float, default 0.95
        Confidence level.
    df : float or {"design", "domain"}, optional
        Degrees of freedom of t quantiles: the whole design's by default, also for domains
        (``confint(..., df = degf(design))``); ``"domain"``: first-stage units minus strata with
        rows in the domain (R's ``degf`` of a subset design). Korn-Graubard's effective-size
        adjustment uses the domain's own by default, as R's ``svyciprop`` does. The ``df`` column
        of the result gives the value used.
    labels : bool, default False
        Show value labels (from ``df.attrs["surveykit"]`` or categorical columns) instead of codes in
        the domain and level columns.
    empty : {"error", "nan"}, default "error"
        What a (variable, domain) cell without observations gives."""


def _doc(f):
    f.__doc__ = f.__doc__.replace("{options}", _ESTIMATOR_OPTIONS)
    return f


class BaseDesign:
    """Shared machinery; use :class:`~surveykit.SurveyDesign` or :class:`~surveykit.ReplicateDesign`."""

    _data: pd.DataFrame
    _w: np.ndarray
    _subset: np.ndarray | None
    #: what the last weighting step did (:class:`~surveykit.weighting.WeightingReport`), or None
    weighting_report = None

    # --- to be provided by each design ---------------------------------------------------------
    #: what the variance needs from an estimator: "scores" (Taylor) or "totals" (replicates)
    _variance_input = "scores"

    def _variance_scores(self, U: np.ndarray, dom: Domains, present: np.ndarray | None) -> np.ndarray:
        """Variance of each (domain, column) total of the linearized scores ``U`` (n, k)."""
        raise NotImplementedError

    def _variance_totals(self, nums: list[np.ndarray], dens: list[np.ndarray], den_of: np.ndarray, dom: Domains,
                         theta: np.ndarray, total: bool, logit: bool = False,
                         combine: np.ndarray | None = None, in_cells: bool = False):
        """Variance from weighted numerators and the distinct weighted denominators (replicates).

        Column ``j`` is ``T(nums[j]) / T(dens[den_of[j]])`` (a total when ``total``). With ``logit``,
        also the replicate variance of logit(estimate); with ``combine`` (k, m), the variances of
        the linear combinations of the columns. ``in_cells``: the columns are already summed into the
        cells of :meth:`_score_cells`."""
        raise NotImplementedError

    def _needs_present(self) -> bool:
        return False

    def _score_cells(self, dom: Domains):
        """``(cell of each row, number of cells, domain of each cell)`` when the variance needs only the
        first-stage (unit x domain) totals of the scores, else None."""
        return None

    def _variance_cells(self, PT: np.ndarray, dom: Domains) -> np.ndarray:
        """Variance from the (unit x domain) cell totals of the scores (see :meth:`_score_cells`)."""
        raise NotImplementedError

    def _domain_df(self, dom: Domains, masks: list) -> np.ndarray:
        """Degrees of freedom of each (domain, column) restricted to its rows: (G, k)."""
        raise NotImplementedError

    @property
    def degf(self) -> float:
        """Design degrees of freedom used by t intervals."""
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

    def _column(self, name: str | pd.Series) -> pd.Series:
        if isinstance(name, pd.Series):
            # a derived variable: must line up with the data row for row
            if len(name) != self.n or not name.index.equals(self._data.index):
                raise EstimationError(
                    f"the Series {name.name!r} does not line up with the data ({len(name)} values); build it "
                    "from the design's data so that it has the same index.", column=str(name.name))
            return name
        if not isinstance(name, str):
            raise EstimationError(f"columns are named by strings; got {name!r}.")
        if name not in self._data.columns:
            raise ColumnNotFoundError(_unknown_column_message(name, self._data.columns), column=name)
        col = self._data[name]
        if isinstance(col, pd.DataFrame):
            raise SurveykitError(f"column name '{name}' appears more than once in the data; rename the "
                                 "duplicates before building the design.", column=name)
        return col

    def _bare(self) -> pd.DataFrame:
        """The data as it is now, without ``attrs``: pandas deep-copies ``attrs`` (labels metadata set
        by hand as a plain dict) into every column and result derived from a frame, which costs more
        than the arithmetic when many steps run (expressions, margins)."""
        frame = self._data.copy(deep=False)
        frame.attrs = {}
        return frame

    def _labels_for(self, column: str) -> dict | None:
        return value_labels(self._data, column)

    def _domains(self, by: str | Sequence[str] | None) -> Domains:
        by_cols = as_list(by, "by")
        series = [self._column(c) for c in by_cols]
        names = [label_of(c) for c in by_cols]
        if any(not isinstance(c, str) for c in by_cols):       # derived domains are not cached
            return make_domains(series, names, self._subset, self._data.index)
        cache = self.__dict__.setdefault("_domain_cache", {})
        key = tuple(names)
        if key not in cache:
            cache[key] = make_domains(series, names, self._subset, self._data.index)
        return cache[key]

    # --- subpopulations ------------------------------------------------------------------------
    def subset(self, mask: Sequence[bool] | np.ndarray | pd.Series) -> BaseDesign:
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
            raise EstimationError(f"the mask has {arr.shape[0] if arr.ndim else 0} values; the data has "
                                  f"{self.n} rows.")
        if arr.dtype == object:
            arr = pd.Series(arr).fillna(False).to_numpy()
        if arr.dtype.kind == "f":
            arr = np.nan_to_num(arr, nan=0.0)
        if arr.dtype.kind not in "biuf":
            raise EstimationError("the mask must be boolean (True for rows in the subpopulation).")
        return arr.astype(bool)

    # --- estimators ----------------------------------------------------------------------------
    @_doc
    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
             ci: str = "t", level: float = 0.95, df: float | None = None, labels: bool = False,
             empty: str = "error") -> pd.DataFrame:
        """Weighted mean of one or several numeric variables, by domain.

        Missing values of a variable are left out as a domain (R's ``na.rm=TRUE``), variable by
        variable; the design is always kept whole.

        Parameters
        ----------
        variables : str or list of str
            Numeric columns.
        by : str or list of str, optional
            Domain columns; one row per observed combination.
        {options}

        Returns
        -------
        DataFrame with columns ``variable``, the ``by`` columns, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``cv``, ``deff`` and ``n``.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 2.0, 2.0], "s": [1, 1, 2, 2]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> float(d.mean("y")["estimate"][0])
        2.8333333333333335
        """
        stats = self._numeric_statistics(variables, "mean", ratio=True)
        # a mean of a 0/1 variable is a proportion: its intervals are allowed
        return estimate_ratios(self, stats, self._domains(by), "mean", ci=ci, level=level, df=df,
                               labels=labels, empty=empty, proportion=all(stats.binary))

    @_doc
    def mean_of_means(self, variables: Sequence[str], by: str | Sequence[str] | None = None, *,
                      name: str | None = None, ci: str = "t", level: float = 0.95, df: float | None = None,
                      labels: bool = False, empty: str = "error") -> pd.DataFrame:
        """The simple average of the means of several variables, with its joint standard error.

        Each mean uses its own non-missing rows (e.g. "don't know" excluded item by item), and the
        SE accounts for the correlation between the items: the average's linearized score is the
        average of the items' scores (replicate designs average the replicate estimates). SDG
        16.6.2 and 16.7.2 are averages of item proportions computed this way.

        Parameters
        ----------
        variables : list of str
            Numeric columns (at least two).
        by : str or list of str, optional
            Domain columns.
        name : str, optional
            The ``variable`` label of the result (default: the names joined by "+").
        {options}

        Returns
        -------
        DataFrame as for :meth:`mean`, one row per domain; ``deff`` is NaN.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"a": [1, 0, 1, 1], "b": [0, 0, 1, None], "w": [1.0, 1, 2, 2], "s": [1, 1, 2, 2]})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> round(float(d.mean_of_means(["a", "b"])["estimate"][0]), 6)
        0.666667
        """
        stats = self._numeric_statistics(variables, "mean_of_means", ratio=True)
        if stats.k < 2:
            raise EstimationError("mean_of_means() needs at least two variables.")
        label = name or "+".join(stats.variable)
        comb = Statistics([label], None, stats.num, stats.den, stats.present, stats.binary)
        return estimate_ratios(self, comb, self._domains(by), "mean_of_means", ci=ci, level=level, df=df,
                               labels=labels, empty=empty, proportion=all(stats.binary),
                               combine=np.full((stats.k, 1), 1.0 / stats.k))

    @_doc
    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
              ci: str = "t", level: float = 0.95, df: float | None = None, labels: bool = False,
              empty: str = "error") -> pd.DataFrame:
        """Weighted total of one or several numeric variables, by domain.

        Parameters
        ----------
        variables : str or list of str
            Numeric columns.
        by : str or list of str, optional
            Domain columns.
        {options}

        Returns
        -------
        DataFrame as for :meth:`mean`.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 2.0, 2.0], "s": [1, 1, 2, 2]})
        >>> float(sk.SurveyDesign(df, weights="w", strata="s").total("y")["estimate"][0])
        17.0
        """
        stats = self._numeric_statistics(variables, "total", ratio=False)
        return estimate_ratios(self, stats, self._domains(by), "total", ci=ci, level=level, df=df,
                               labels=labels, empty=empty)

    @_doc
    def proportion(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                   ci: str = "t", level: float = 0.95, df: float | None = None, labels: bool = False,
                   empty: str = "error") -> pd.DataFrame:
        """Share of each category of one or several variables, by domain (one row per level).

        Levels are the categories of a categorical column, otherwise the sorted distinct values.
        Missing values are left out; the levels of a domain sum to 1.

        Parameters
        ----------
        variables : str or list of str
            Columns of any type.
        by : str or list of str, optional
            Domain columns.
        {options}

        Returns
        -------
        DataFrame with a ``level`` column after the domain columns.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"x": ["a", "b", "b", "b"], "w": [1.0, 1.0, 2.0, 2.0], "s": [1, 1, 2, 2]})
        >>> r = sk.SurveyDesign(df, weights="w", strata="s").proportion("x")
        >>> r[["level", "estimate"]].round(4).values.tolist()
        [['a', 0.1667], ['b', 0.8333]]
        """
        stats = proportion_statistics(self, as_list(variables, "variables"))
        return estimate_ratios(self, stats, self._domains(by), "proportion", ci=ci, level=level, df=df,
                               labels=labels, empty=empty, proportion=True)

    @_doc
    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, ci: str = "t", level: float = 0.95,
              df: float | None = None, labels: bool = False, empty: str = "error") -> pd.DataFrame:
        """Ratio of weighted totals ``T(numerator) / T(denominator)``, by domain.

        Rows where either variable is missing are left out. Several numerators (or denominators)
        pair up element-wise; a single one is repeated.

        Parameters
        ----------
        numerator, denominator : str or list of str
            Numeric columns.
        by : str or list of str, optional
            Domain columns.
        {options}

        Returns
        -------
        DataFrame; ``variable`` reads ``"num/den"``.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [2.0, 2.0, 2.0, 2.0],
        ...                    "w": [1.0, 1.0, 2.0, 2.0], "s": [1, 1, 2, 2]})
        >>> float(sk.SurveyDesign(df, weights="w", strata="s").ratio("y", "x")["estimate"][0])
        1.4166666666666667
        """
        nums = as_list(numerator, "numerator")
        dens = as_list(denominator, "denominator")
        if len(nums) != len(dens) and 1 not in (len(nums), len(dens)):
            raise EstimationError(f"{len(nums)} numerators and {len(dens)} denominators: give one of "
                                  "each, lists of equal length, or a single one to pair with all.")
        m = max(len(nums), len(dens))
        nums = nums * m if len(nums) == 1 else nums
        dens = dens * m if len(dens) == 1 else dens
        names, ys, xs, ps = [], [], [], []
        for a, b in zip(nums, dens):
            y, oky = numeric_column(self, a, "ratio")
            x, okx = numeric_column(self, b, "ratio")
            names.append(f"{label_of(a)}/{label_of(b)}")
            ys.append(y)
            xs.append(x)
            ps.append(oky if okx is None else (okx if oky is None else oky & okx))
        stats = Statistics(names, None, ys, xs, ps)
        return estimate_ratios(self, stats, self._domains(by), "ratio", ci=ci, level=level, df=df,
                               labels=labels, empty=empty)

    @_doc
    def quantile(self, variables: str | Sequence[str], quantiles: float | Sequence[float] = 0.5,
                 by: str | Sequence[str] | None = None, *, ci: str = "t", level: float = 0.95,
                 df: float | None = None, labels: bool = False, empty: str = "error") -> pd.DataFrame:
        """Weighted quantiles with Woodruff confidence intervals, by domain.

        The quantile is R's ``qrule="math"`` (the inverse of the weighted distribution function);
        its interval is the interval of the proportion below the quantile mapped back through the
        distribution function, and the SE is the interval's width over twice the critical value
        (R's ``svyquantile``). ``ci`` chooses the proportion's interval.

        Parameters
        ----------
        variables : str or list of str
            Numeric columns.
        quantiles : float or list of float, default 0.5
            Probabilities in [0, 1].
        by : str or list of str, optional
            Domain columns.
        {options}

        Returns
        -------
        DataFrame with a ``quantile`` column (the probability); ``deff`` is NaN.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "s": [1, 1, 1, 2, 2, 2], "w": [1.0] * 6})
        >>> float(sk.SurveyDesign(df, weights="w", strata="s").quantile("y", 0.5)["estimate"][0])
        3.0
        """
        probs = [float(quantiles)] if np.isscalar(quantiles) else [float(q) for q in quantiles]
        return estimate_quantiles(self, as_list(variables, "variables"), probs, self._domains(by),
                                  ci=ci, level=level, df=df, labels=labels, empty=empty)

    # --- weighting -----------------------------------------------------------------------------
    def calibrate(self, margins: Mapping[str, Any], method: str = "linear",
                  bounds: tuple[float, float] | None = None, maxit: int = 50, epsilon: float = 1e-7,
                  population_size: float | None = None, backend: str = "surveykit") -> BaseDesign:
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
        """
        from ..weighting.methods import calibrate

        return calibrate(self, margins, method=method, bounds=bounds, maxit=maxit, epsilon=epsilon,
                         population_size=population_size, backend=backend)

    def rake(self, margins: Mapping[str, Mapping[Any, float]], maxit: int = 100, epsilon: float = 1e-10,
             backend: str = "surveykit") -> BaseDesign:
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
        from ..weighting.methods import rake

        return rake(self, margins, maxit=maxit, epsilon=epsilon, backend=backend)

    def poststratify(self, variables: str | Sequence[str], totals: Any, backend: str = "surveykit") -> BaseDesign:
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
        from ..weighting.methods import poststratify

        return poststratify(self, variables, totals, backend=backend)

    def trim(self, upper: float | None = None, lower: float | None = None, strict: bool = False) -> BaseDesign:
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
        from ..weighting.methods import trim

        return trim(self, upper=upper, lower=lower, strict=strict)

    def adjust_nonresponse(self, responded: str | Sequence[bool] | np.ndarray | pd.Series,
                           by: str | Sequence[str] | None = None) -> BaseDesign:
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
        from ..weighting.methods import adjust_nonresponse

        return adjust_nonresponse(self, responded, by=by)

    def _numeric_statistics(self, variables, estimator: str, ratio: bool) -> Statistics:
        names = as_list(variables, "variables")
        if not names:
            raise EstimationError(f"{estimator}() needs at least one variable.")
        cols, oks = [], []
        for v in names:
            y, ok = numeric_column(self, v, estimator)
            cols.append(y)
            oks.append(ok)
        return Statistics([label_of(v) for v in names], None, cols, [None] * len(cols) if ratio else None, oks,
                          binary=[is_binary(c) for c in cols])


def _unknown_column_message(name: str, columns: pd.Index) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), [str(c) for c in columns], n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"column '{name}' is not in the data.{hint}"


def check_weights(values: Any, column: str, index: pd.Index) -> np.ndarray:
    """Weights as float64, rejecting missing, non-numeric, negative and zero values (rows named)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, index=index)
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna()
        if bad.any():
            rows = list(index[bad.to_numpy()])
            raise WeightError(f"weights column '{column}' is not numeric (e.g. {s[bad].iloc[0]!r} in rows "
                              f"{format_rows(rows)}).", column=column, rows=rows)
        s = conv
    w = s.to_numpy(dtype=np.float64, na_value=np.nan)
    for cond, what in ((np.isnan(w), "missing"), (np.isinf(w), "infinite"), (w < 0, "negative"),
                       (w == 0, "zero")):
        if cond.any():
            rows = list(index[cond])
            raise WeightError(
                f"weights column '{column}' has {what} values in rows {format_rows(rows)}. Every sampled "
                "row needs a positive weight: fix or drop these rows (a zero-weight row is not part of "
                "the sample), or compute weights with the weighting functions.", column=column, rows=rows)
    return w
