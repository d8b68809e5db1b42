"""The surveykit error hierarchy.

Every failure a user can cause raises a subclass of :class:`SurveykitError`. The message names what is
involved (file, row, column, question, margin) and says what to do; the same facts are kept as
attributes so that programs calling surveykit can act on them without parsing text.

Examples
--------
>>> import surveykit as sk
>>> try:
...     raise sk.ColumnNotFoundError("column 'pw' is not in the data", column="pw")
... except sk.SurveykitError as e:
...     print(type(e).__name__, e.column)
ColumnNotFoundError pw
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "SurveykitError",
    "SurveykitWarning",
    "DesignError",
    "ColumnNotFoundError",
    "WeightError",
    "LonelyPSUError",
    "EstimationError",
    "VariableTypeError",
    "EmptyDomainError",
    "WeightingError",
    "ConvergenceError",
    "InfeasibleBoundsError",
    "ControlTotalsError",
    "QuestionnaireError",
    "ExpressionError",
    "SpecFormatError",
    "ExpressionSyntaxError",
    "ExpressionEvaluationError",
    "MicrodataError",
    "FileFormatError",
    "FileEncodingError",
    "FormatCapacityError",
    "IndicatorError",
    "SimulationError",
    "ReportError",
    "SmallAreaError",
    "DirectVarianceError",
    "CovariateError",
    "CollinearityError",
    "ModelConvergenceError",
    "VarianceComponentWarning",
    "SamplingError",
    "FrameError",
    "SampleTooLargeError",
    "InfeasibleTargetError",
    "MissingCostError",
    "format_rows",
]


def format_rows(rows: Sequence[Any], limit: int = 10) -> str:
    """Render offending row labels briefly: the first ``limit`` and how many more.

    >>> format_rows([3, 7, 9])
    '3, 7, 9'
    >>> format_rows(list(range(12)), limit=3)
    '0, 1, 2 (and 9 more)'
    """
    rows = list(rows)
    head = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        head += f" (and {len(rows) - limit} more)"
    return head


class SurveykitError(Exception):
    """Base class of every error surveykit raises on bad input.

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    file, column, question, rows, hint
        Where the problem is; kept as attributes of the same names.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        question: str | None = None,
        rows: Sequence[Any] | None = None,
        hint: str | None = None,
        **context: Any,
    ) -> None:
        self.file = file
        self.column = column
        self.question = question
        self.rows = list(rows) if rows is not None else None
        self.hint = hint
        self.context = context
        full = message
        if hint:
            full = f"{full} {hint}"
        super().__init__(full)


class SurveykitWarning(UserWarning):
    """Something was done that the user should know about (e.g. rows outside every domain)."""


# --- designs and estimation -------------------------------------------------------------------
class DesignError(SurveykitError):
    """The survey design cannot be built from the given columns."""


class ColumnNotFoundError(DesignError, KeyError):
    """A named column is not in the data."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class WeightError(DesignError):
    """Weights are missing, negative, zero or not numeric."""


class LonelyPSUError(DesignError):
    """A stratum has a single PSU and ``lonely_psu="error"``."""


class EstimationError(SurveykitError):
    """An estimate cannot be computed as asked."""


class VariableTypeError(EstimationError):
    """A variable has the wrong type for the estimator (e.g. text in ``mean``)."""


class EmptyDomainError(EstimationError):
    """A requested domain or subpopulation has no sample."""


# --- weighting -------------------------------------------------------------------------------
class WeightingError(SurveykitError):
    """Weights cannot be adjusted as asked."""


class ConvergenceError(WeightingError):
    """An iterative weighting method did not converge."""


class InfeasibleBoundsError(WeightingError):
    """No weights within the given bounds reproduce the control totals."""


class ControlTotalsError(WeightingError):
    """Control totals are inconsistent, negative, missing or do not match the sample."""


# --- questionnaires, microdata, indicators ---------------------------------------------------
class QuestionnaireError(SurveykitError):
    """A questionnaire spec cannot be loaded or is not valid."""


class ExpressionError(QuestionnaireError):
    """A relevance, constraint or calculation expression cannot be parsed or evaluated."""


class SpecFormatError(QuestionnaireError):
    """A questionnaire file (YAML, JSON, XLSForm) is malformed."""


class _ExpressionLocation:
    """``expression`` (the text) and ``offset`` (0-based character where the problem is)."""

    context: dict

    @property
    def expression(self) -> str | None:
        return self.context.get("expression")

    @property
    def offset(self) -> int | None:
        return self.context.get("offset")


class ExpressionSyntaxError(_ExpressionLocation, ExpressionError):
    """An expression does not parse, or is too long or too deeply nested."""


class ExpressionEvaluationError(_ExpressionLocation, ExpressionError):
    """An expression cannot be evaluated on the data (unknown column, type mismatch, ...)."""


class MicrodataError(SurveykitError):
    """A microdata file cannot be read or written."""


class FileFormatError(MicrodataError):
    """A data file is empty, truncated, corrupt, encrypted, of another format than its name says, or
    has a layout surveykit cannot read faithfully (duplicate column names, formulas without values)."""


class FileEncodingError(FileFormatError):
    """Text in a data file cannot be decoded with the given (or default) encoding."""


class FormatCapacityError(MicrodataError):
    """The output format cannot hold something in the data or its labels (a label too long, text value
    labels in Stata, more missing codes than SPSS allows, a name the format rejects)."""


class IndicatorError(SurveykitError):
    """An indicator is unknown or cannot be computed from the data."""


class SimulationError(SurveykitError):
    """Synthetic data cannot be generated as asked (a bad override, frame or unsatisfiable constraint)."""


class ReportError(SurveykitError):
    """A publication workbook or chart cannot be made from the given results."""


# --- small area estimation -------------------------------------------------------------------
class SmallAreaError(SurveykitError):
    """A small area model cannot be fitted from the given direct estimates and covariates."""


class DirectVarianceError(SmallAreaError):
    """A direct estimate has a missing, zero or negative design variance (smooth it with a GVF)."""


class CovariateError(SmallAreaError):
    """Area covariates are missing, not numeric, or do not line up with the areas."""


class CollinearityError(CovariateError):
    """Area covariates are linearly dependent (a column is a combination of others)."""


class ModelConvergenceError(SmallAreaError):
    """The variance component of a small area model did not converge."""


class VarianceComponentWarning(SurveykitWarning):
    """The estimated area-effect variance was negative and set to 0 (the synthetic estimator is used)."""


# --- sample design ---------------------------------------------------------------------------
class SamplingError(SurveykitError):
    """A sample size, allocation or selection cannot be computed as asked."""


class FrameError(SamplingError):
    """A sampling frame or its measures of size are unusable (missing, non-positive, non-numeric sizes)."""


class SampleTooLargeError(SamplingError):
    """More units are asked for than the frame, or a stratum, holds."""


class InfeasibleTargetError(SamplingError):
    """A precision target (CV, margin of error) cannot be met within the bounds, budget or population."""


class MissingCostError(SamplingError):
    """A cost-based allocation lacks the cost of some stratum."""
