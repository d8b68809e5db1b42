"""Inference a design offers as methods: crosstabs, tests of independence, t-tests, models.

The statistics are computed in :mod:`surveykit.inference`; their variances come from the design
itself through linearizations (no second variance path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..inference import chisq as _chisq
from ..inference import crosstab as _crosstab
from ..inference import glm as _glm
from ..inference import olr as _olr
from ..inference import ttest as _ttest
from ..inference import svyvar as _svyvar

__all__ = ["InferenceMethods"]


class InferenceMethods:
    """Inference methods of :class:`~surveykit.design.base.BaseDesign` (mixed in)."""

    if TYPE_CHECKING:  # provided by BaseDesign

        def subset(self, mask: Any) -> Any: ...

    def crosstab(
        self,
        row: str,
        col: str,
        *,
        by: str | Sequence[str] | None = None,
        statistic: str = "proportion",
        margin: str = "cell",
        ci: str = "t",
        level: float = 0.95,
        labels: bool = False,
    ) -> pd.DataFrame:
        """Two-way table of weighted proportions or totals with SEs (R's ``svymean(~interaction())``,
        ``svytotal``, ``svyby``).

        Parameters
        ----------
        row, col : str
            Categorical columns (any type; missing values are left out as a domain).
        by : str or list of str, optional
            Domains: one table per domain (the full design kept).
        statistic : {"proportion", "total"}
        margin : {"cell", "row", "col"}
            Proportions of the whole table (``"cell"``), of each row (``"row"``: P(col | row)) or of
            each column (``"col"``: P(row | col)).
        ci, level : as for :meth:`proportion` (the logit, Korn-Graubard and Wilson intervals too).
        labels : bool
            Value labels instead of codes.

        Returns
        -------
        DataFrame [*by, row, col, estimate, se, ci_low, ci_high, cv, deff, n, df]; ``n`` is the
        sample rows in the cell.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"a": ["x", "x", "y", "y", "x", "y"], "b": [0, 1, 0, 1, 1, 1],
        ...                    "w": [1.0, 2, 1, 1, 2, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> t = sk.SurveyDesign(df, weights="w", strata="s").crosstab("a", "b", margin="row")
        >>> t[["a", "b", "estimate"]].round(3).values.tolist()
        [['x', 0, 0.2], ['x', 1, 0.8], ['y', 0, 0.333], ['y', 1, 0.667]]
        """
        return _crosstab.crosstab(
            self, row, col, by=by, statistic=statistic, margin=margin, ci=ci, level=level, labels=labels
        )

    def chisq(self, row: str, col: str, *, statistic: str = "F") -> pd.DataFrame:
        """Design-based test of independence of two categorical variables (R's ``svychisq``).

        Parameters
        ----------
        row, col : str
        statistic : {"F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"}
            ``"F"``: Pearson's X^2 with Rao and Scott's second-order correction, as an F (R's
            default); ``"Chisq"``: first-order correction; ``"Wald"``/``"adjWald"``: Wald test of the
            interaction of cell totals (adjusted: Fellegi's F); ``"lincom"``/``"saddlepoint"``: the
            exact asymptotic distribution of X^2 (a linear combination of chi-squares; numerical
            integration or saddlepoint approximation).

        Returns
        -------
        One-row DataFrame [statistic, value, ndf, ddf, p_value, method].

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"a": list("xxyyxyxy"), "b": [0, 1, 0, 1, 1, 1, 0, 0],
        ...                    "w": [1.0, 2, 1, 1, 2, 1, 1, 3], "s": [1, 1, 2, 2, 3, 3, 4, 4]})
        >>> r = sk.SurveyDesign(df, weights="w", strata="s").chisq("a", "b")
        >>> list(r.columns)
        ['statistic', 'value', 'ndf', 'ddf', 'p_value', 'method']
        """
        return _chisq.chisq(self, row, col, statistic=statistic, sizes=_chisq_sizes(self))

    def gof_chisq(self, variable: str, p: Any) -> pd.DataFrame:
        """Design-based goodness-of-fit test of a categorical variable (R's ``svygofchisq``).

        Parameters
        ----------
        variable : str
        p : mapping of category to probability, or a sequence in the order of the sorted categories
            Hypothesised population shares (rescaled to sum to 1).

        Returns
        -------
        One-row DataFrame [statistic, value, scale, df, p_value, method]: Pearson's X^2 of the estimated
        totals, referred to ``scale * chi2(df)`` (Satterthwaite).
        """
        return _chisq.gof_chisq(self, variable, p)

    def ttest(
        self, variable: str, group: str | None = None, *, mu: float = 0.0, level: float = 0.95, reference: Any = None
    ) -> pd.DataFrame:
        """Design-based t-test of a mean (against ``mu``) or of the difference of two groups (R's
        ``svyttest``).

        Returns
        -------
        One-row DataFrame [variable, group, estimate, difference, se, t, df, p_value, ci_low, ci_high,
        method]; two groups: ``estimate`` = mean(second) - mean(first category); df = the design's
        degrees of freedom (of the rows used) minus 1, as R. ``reference`` chooses the first group
        (default: the first category in sorted order, as R's factor levels).

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "w": [1.0, 1, 2, 2, 1, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> r = sk.SurveyDesign(df, weights="w", strata="s").ttest("y", mu=3)
        >>> round(float(r["difference"][0]), 4)
        0.625
        """
        return _ttest.ttest(self, variable, group, mu=mu, level=level, reference=reference)

    def glm(self, formula: str, family: str = "gaussian", *, subset: Any = None) -> _glm.GLMResults:
        """Design-based generalized linear model (R's ``svyglm``).

        Parameters
        ----------
        formula : str
            ``"y ~ C(sex) + age + C(area, Treatment(reference='urban'))"`` (formulaic syntax: factors,
            interactions ``a:b``, ``a*b``, transformations).
        family : {"gaussian", "binomial", "poisson"}
            Identity, logit and log links (quasi-likelihood: binomial responses may be proportions).
        subset : boolean mask, optional
            A subpopulation (the full design is kept, as R's ``subset(design, ...)``).

        Returns
        -------
        :class:`~surveykit.inference.glm.GLMResults` with ``params``, ``bse``, ``cov_params()``,
        ``conf_int()``, ``tvalues``, ``pvalues``, ``df_resid``, ``summary()``, ``predict()``,
        ``wald_test()``, ``odds_ratios()`` and ``to_frame()``.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "x": [0, 1, 0, 1, 0, 1],
        ...                    "w": [1.0, 1, 2, 2, 1, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> m = sk.SurveyDesign(df, weights="w", strata="s").glm("y ~ x")
        >>> m.params.round(4).tolist()
        [3.0, 1.25]
        """
        d = self if subset is None else self.subset(subset)
        return _glm.fit_glm(d, formula, family, design_rows=_chisq_sizes(d)[0])

    def olr(self, formula: str, *, levels: Sequence[Any] | None = None, subset: Any = None) -> _olr.OLRResults:
        """Proportional-odds (cumulative logit) model of an ordered response (R's ``svyolr``).

        ``logit P(Y <= k) = zeta_k - x'beta``; the response's categories are ordered by ``levels``
        (lowest first), else as its pandas categories, else sorted. Parameters: ``formula`` as for
        :meth:`glm` (the intercept is absorbed by the cut points), ``subset`` a subpopulation mask.
        Returns :class:`~surveykit.inference.olr.OLRResults` (``coefficients``, ``zeta``, the
        statsmodels names of :meth:`glm`, ``odds_ratios()``).

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": [0, 0, 1, 1, 0, 1, 1, 0, 1, 0],
        ...                    "w": [1.0] * 10, "s": [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]})
        >>> m = sk.SurveyDesign(df, weights="w", strata="s").olr("y ~ x")
        >>> list(m.params.index)
        ['x', '1|2', '2|3']
        """
        d = self if subset is None else self.subset(subset)
        return _olr.fit_olr(d, formula, None if levels is None else list(levels))

    def svyvar(self, variables: str | Sequence[str]) -> pd.DataFrame:
        """Population variance and covariances of numeric variables with SEs (R's ``svyvar``).

        Returns
        -------
        DataFrame [row, col, estimate, se] over the p x p matrix (rows missing any variable left out).

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "w": [1.0, 1, 2, 2, 1, 1], "s": [1, 1, 2, 2, 3, 3]})
        >>> round(float(sk.SurveyDesign(df, weights="w", strata="s").svyvar("y")["estimate"][0]), 4)
        3.5812
        """
        return _svyvar.svyvar(self, variables, replicate=hasattr(self, "replicates"))


def _chisq_sizes(design: Any) -> tuple[int, float]:
    """R's N (rows of the design's data) and nu (its PSUs minus strata) in ``svychisq``: a subpopulation of
    an uncalibrated Taylor design or of a replicate design drops the other rows, a calibrated Taylor
    design keeps them with weight 0 (tests/reference/inference/README.md)."""
    sub = design.subpopulation
    calibrated = bool(getattr(design, "_calibrations", None))
    if sub is None or (calibrated and not hasattr(design, "replicates")):
        n = design.n
        mask = None
    else:
        n = int(sub.sum())
        mask = sub
    nu = float(np.asarray(design.domain_df(None, 1, [mask]))[0, 0])
    return n, nu
