"""Estimators: point estimates and their linearization, intervals, quality flags, contrasts.

Estimators never compute a variance themselves: they describe their statistics as a
:class:`~surveykit.variance.Linearization` and the design supplies variances and covariances.
"""

from .ci import CI_METHODS
from .contrasts import contrast_table, covariance_table, difference_table, estimate_table, linearize

__all__ = ["CI_METHODS", "contrast_table", "covariance_table", "difference_table", "estimate_table", "linearize"]
