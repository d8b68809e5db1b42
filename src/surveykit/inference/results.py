"""The results object of design-based models: statsmodels' names, the design's variance.

Coefficients come with the covariance the design computed from their linearization (Taylor with
calibration residuals, or replicate refits); t statistics, p-values and intervals use ``df_resid`` =
the design's degrees of freedom (of the rows in the model) plus one minus the number of
coefficients, as R's ``svyglm``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special  # scipy.stats would add most of a second to `import surveykit`

from ..errors import EstimationError

__all__ = ["ModelResults"]


class ModelResults:
    """Fitted coefficients with design-based standard errors.

    Attributes
    ----------
    params, bse, tvalues, pvalues : Series indexed by coefficient name
    df_resid : float
    nobs : int
        Rows used in the fit (in the subpopulation, without missing values).
    linearization : Linearization
        The coefficients' linearization: ``d.contrast(m.linearization, ...)`` combines them.
    """

    kind = "model"

    def __init__(
        self,
        params: np.ndarray,
        cov: np.ndarray,
        names: list[str],
        df_resid: float,
        nobs: int,
        terms: dict[str, slice],
        linearization: Any,
        method: str,
        formula: str,
    ) -> None:
        self.params = pd.Series(np.asarray(params, dtype=np.float64), index=names, name="estimate")
        self._cov = np.asarray(cov, dtype=np.float64)
        self.df_resid = float(df_resid)
        self.nobs = int(nobs)
        self.terms = dict(terms)
        self.linearization = linearization
        self.method = method
        self.formula = formula

    # --- statsmodels names ---------------------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of the coefficients (R's ``vcov``)."""
        idx = self.params.index
        return pd.DataFrame(self._cov, index=idx, columns=idx)

    @property
    def bse(self) -> pd.Series:
        """Standard errors."""
        return pd.Series(np.sqrt(np.clip(np.diag(self._cov), 0.0, None)), index=self.params.index, name="se")

    @property
    def tvalues(self) -> pd.Series:
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.Series(self.params.to_numpy() / self.bse.to_numpy(), index=self.params.index, name="t")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t with ``df_resid`` degrees of freedom."""
        t = self.tvalues.to_numpy()
        return pd.Series(_p_two_sided(t, self.df_resid), index=self.params.index, name="p_value")

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """t intervals with ``df_resid`` degrees of freedom (R's ``confint.svyglm``)."""
        if not 0 < alpha < 1:
            raise EstimationError(f"alpha={alpha}: give a number between 0 and 1 (0.05 for 95% intervals).")
        q = _t_quantile(1 - alpha / 2, self.df_resid)
        b, se = self.params.to_numpy(), self.bse.to_numpy()
        return pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=self.params.index)

    def to_frame(self, *, exponentiate: bool = False, level: float = 0.95) -> pd.DataFrame:
        """Tidy coefficients: [term, estimate, se, ci_low, ci_high, t, df, p_value].

        ``exponentiate=True`` gives ``exp`` of the estimate and the interval limits (odds ratios of a
        logistic model, rate ratios of a Poisson model); ``se`` stays on the model's scale.
        """
        ci = self.conf_int(1 - level)
        out = pd.DataFrame(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "ci_low": ci["lower"].to_numpy(),
                "ci_high": ci["upper"].to_numpy(),
                "t": self.tvalues.to_numpy(),
                "df": self.df_resid,
                "p_value": self.pvalues.to_numpy(),
            }
        )
        if exponentiate:
            for c in ("estimate", "ci_low", "ci_high"):
                out[c] = np.exp(out[c])
        out.attrs.update(
            {"method": self.method, "formula": self.formula, "level": level, "exponentiated": exponentiate}
        )
        return out

    def wald_test(self, term: str | list[str]) -> pd.DataFrame:
        """Wald F test that every coefficient of a term is 0 (R's ``regTermTest``).

        Parameters
        ----------
        term : str or list of str
            A term as written in the formula (``"C(area)"``, ``"C(sex):C(area)"``; spaces ignored), a
            coefficient name, or a list of them (tested jointly).

        Returns
        -------
        One-row DataFrame [term, statistic, value, ndf, ddf, p_value, method]: F = b'V^-1 b / ndf with
        ddf = ``df_resid``.
        """
        idx = self._term_positions(term)
        b = self.params.to_numpy()[idx]
        V = self._cov[np.ix_(idx, idx)]
        try:
            chi = float(b @ np.linalg.solve(V, b))
        except np.linalg.LinAlgError:
            raise EstimationError(
                f"the covariance of the coefficients of {term!r} is singular; the test is not defined."
            ) from None
        ndf = len(idx)
        F = chi / ndf
        p = (
            float(special.fdtrc(ndf, self.df_resid, F))
            if np.isfinite(self.df_resid)
            else float(special.chdtrc(ndf, chi))
        )
        return pd.DataFrame(
            {
                "term": [term if isinstance(term, str) else "+".join(term)],
                "statistic": ["F"],
                "value": [F],
                "ndf": [float(ndf)],
                "ddf": [self.df_resid],
                "p_value": [p],
                "method": ["Wald test (design-based)"],
            }
        )

    def _term_positions(self, term: str | list[str]) -> np.ndarray:
        names = list(self.params.index)
        if isinstance(term, str):
            if term in self.terms:
                s = self.terms[term]
                return np.arange(s.start, s.stop)
            hits = [t for t in self.terms if t.replace(" ", "") == term.replace(" ", "")]
            if hits:
                s = self.terms[hits[0]]
                return np.arange(s.start, s.stop)
            if term in names:
                return np.array([names.index(term)])
            raise EstimationError(f"{term!r} is not a term of the model; its terms are {list(self.terms)}.")
        out = []
        for t in term:
            out.extend(self._term_positions(t).tolist())
        return np.array(out)

    def summary(self) -> str:
        """A printable table of the coefficients, with the method and degrees of freedom."""
        tab = self.to_frame().set_index("term")[["estimate", "se", "t", "p_value"]]
        head = (
            f"{self.method}\nformula: {self.formula}\nobservations: {self.nobs}   "
            f"residual df (design): {self.df_resid:g}\n"
        )
        return head + tab.to_string(float_format=lambda v: f"{v:.6g}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.formula} ({self.nobs} rows, df_resid {self.df_resid:g})>"


def _p_two_sided(t: np.ndarray, df: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if np.isinf(df):
            return 2 * special.ndtr(-np.abs(t))
        return 2 * special.stdtr(df, -np.abs(t))


def _t_quantile(q: float, df: float) -> float:
    return float(special.ndtri(q)) if np.isinf(df) else float(special.stdtrit(df, q))
