"""The estimators a design offers, as methods: each builds its statistics and delegates to estimation.

Point estimates and linearizations come from :mod:`surveykit.estimation`; the variances from the
design itself (:meth:`~surveykit.design.base.BaseDesign.block_variance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..estimation.ci import CIMethod, DeffReference, DegreesOfFreedom, Empty
from ..estimation.qrules import QuantileRule
from ..estimation.quantiles import QuantileInterval, estimate_quantiles, quantile_probabilities
from ..estimation.ratios import estimate_ratios
from ..estimation.statistics import Statistics, as_list, numeric_statistics, proportion_statistics, ratio_statistics

if TYPE_CHECKING:  # pragma: no cover
    from ..variance import Domains

__all__ = ["EstimatorMethods"]

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

_DEFF_OPTION = """deff : {"wor", "replace"}, default "wor"
        Reference of the design effect: simple random sampling of the same size without
        replacement (R's ``deff=TRUE``) or with replacement (R's ``deff="replace"``)."""


def _doc(f):
    f.__doc__ = f.__doc__.replace("{options}", _ESTIMATOR_OPTIONS).replace("{deff}", _DEFF_OPTION)
    return f


class EstimatorMethods:
    """Estimators of :class:`~surveykit.design.base.BaseDesign` (mixed in)."""

    if TYPE_CHECKING:  # provided by BaseDesign

        def domains(self, by: str | Sequence[str] | pd.Series | None) -> Domains: ...

    # --- estimators ----------------------------------------------------------------------------
    @_doc
    def mean(
        self,
        variables: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        ci: CIMethod = "t",
        level: float = 0.95,
        df: DegreesOfFreedom = None,
        labels: bool = False,
        empty: Empty = "error",
        deff: DeffReference = "wor",
    ) -> pd.DataFrame:
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
        {deff}

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
        stats = numeric_statistics(self, variables, "mean", ratio=True)
        # a mean of a 0/1 variable is a proportion: its intervals are allowed
        return estimate_ratios(
            self,
            stats,
            self.domains(by),
            "mean",
            ci=ci,
            level=level,
            df=df,
            labels=labels,
            empty=empty,
            deff=deff,
            proportion=all(stats.binary or [False]),
        )

    @_doc
    def mean_of_means(
        self,
        variables: Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        name: str | None = None,
        ci: CIMethod = "t",
        level: float = 0.95,
        df: DegreesOfFreedom = None,
        labels: bool = False,
        empty: Empty = "error",
    ) -> pd.DataFrame:
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
        stats = numeric_statistics(self, variables, "mean_of_means", ratio=True)
        if stats.k < 2:
            raise EstimationError("mean_of_means() needs at least two variables.")
        label = name or "+".join(stats.variable)
        comb = Statistics([label], None, stats.num, stats.den, stats.present, stats.binary)
        return estimate_ratios(
            self,
            comb,
            self.domains(by),
            "mean_of_means",
            ci=ci,
            level=level,
            df=df,
            labels=labels,
            empty=empty,
            proportion=all(stats.binary or [False]),
            combine=np.full((stats.k, 1), 1.0 / stats.k),
        )

    @_doc
    def total(
        self,
        variables: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        ci: CIMethod = "t",
        level: float = 0.95,
        df: DegreesOfFreedom = None,
        labels: bool = False,
        empty: Empty = "error",
        deff: DeffReference = "wor",
    ) -> pd.DataFrame:
        """Weighted total of one or several numeric variables, by domain.

            Parameters
            ----------
            variables : str or list of str
                Numeric columns.
            by : str or list of str, optional
                Domain columns.
            {options}
        {deff}

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
        stats = numeric_statistics(self, variables, "total", ratio=False)
        return estimate_ratios(
            self, stats, self.domains(by), "total", ci=ci, level=level, df=df, labels=labels, empty=empty, deff=deff
        )

    @_doc
    def proportion(
        self,
        variables: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        ci: CIMethod = "t",
        level: float = 0.95,
        df: DegreesOfFreedom = None,
        labels: bool = False,
        empty: Empty = "error",
        deff: DeffReference = "wor",
    ) -> pd.DataFrame:
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
        {deff}

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
        return estimate_ratios(
            self,
            stats,
            self.domains(by),
            "proportion",
            ci=ci,
            level=level,
            df=df,
            labels=labels,
            empty=empty,
            deff=deff,
            proportion=True,
        )

    @_doc
    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        ci: CIMethod = "t",
        level: float = 0.95,
        df: DegreesOfFreedom = None,
        labels: bool = False,
        empty: Empty = "error",
        deff: DeffReference = "wor",
    ) -> pd.DataFrame:
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
        {deff}

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
        stats = ratio_statistics(self, numerator, denominator)
        return estimate_ratios(
            self, stats, self.domains(by), "ratio", ci=ci, level=level, df=df, labels=labels, empty=empty, deff=deff
        )

    @_doc
    def quantile(
        self,
        variables: str | Sequence[str],
        quantiles: float | Sequence[float] = 0.5,
        by: str | Sequence[str] | None = None,
        *,
        ci: CIMethod = "t",
        level: float = 0.95,
        df: DegreesOfFreedom = None,
        qrule: QuantileRule = "math",
        interval_type: QuantileInterval = "woodruff",
        labels: bool = False,
        empty: Empty = "error",
    ) -> pd.DataFrame:
        """Weighted quantiles with confidence intervals, by domain (R's ``svyquantile``).

        The quantile follows R's rule ``qrule`` (default ``"math"``, the inverse of the weighted
        distribution function). The interval is Woodruff's by default: the interval of the proportion
        below the quantile (``ci`` chooses it) mapped back through the same rule; the SE is the
        interval's width over twice the critical value, as in R.

        Parameters
        ----------
        variables : str or list of str
            Numeric columns.
        quantiles : float or list of float, default 0.5
            Probabilities in [0, 1].
        by : str or list of str, optional
            Domain columns.
        qrule : str, default "math"
            R's quantile rule: ``"math"`` (= ``"hf1"``), ``"school"`` (= ``"hf2"``, averages at an
            exact hit), ``"shahvaish"``, ``"hf3"`` .. ``"hf9"`` (Hyndman and Fan's types with weights).
        interval_type : {"woodruff", "score", "quantile"}, default "woodruff"
            ``"woodruff"``: with ``ci`` ``"t"``/``"normal"`` R's ``interval.type="mean"``, ``"logit"``
            R's ``"xlogit"``, ``"korn-graubard"`` R's ``"beta"``. ``"score"``: Francisco and Fuller's
            score interval (R's ``"score"``; Taylor designs only). ``"quantile"``: the quantile
            recomputed on every replicate's weights, SE from the replicate variance and interval
            ``estimate +/- crit * SE`` (R's ``"quantile"``; replicate designs only). With ``"score"``
            and ``"quantile"``, ``ci`` is ``"t"`` or ``"normal"``.
        {options}

        Returns
        -------
        DataFrame with a ``quantile`` column (the probability); ``deff`` is NaN.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "s": [1, 1, 1, 2, 2, 2], "w": [1.0] * 6})
        >>> d = sk.SurveyDesign(df, weights="w", strata="s")
        >>> float(d.quantile("y", 0.5)["estimate"][0]), float(d.quantile("y", 0.5, qrule="school")["estimate"][0])
        (3.0, 3.5)
        >>> float(d.quantile("y", 0.5, qrule="hf7")["estimate"][0])
        3.5
        """
        probs = quantile_probabilities(quantiles)
        return estimate_quantiles(
            self,
            as_list(variables, "variables"),
            probs,
            self.domains(by),
            ci=ci,
            level=level,
            df=df,
            labels=labels,
            empty=empty,
            qrule=qrule,
            interval_type=interval_type,
        )
