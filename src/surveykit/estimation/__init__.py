"""Estimators and the one variance kernel they share."""

from .ci import CI_METHODS
from .kernel import Scores, replicate_variance, taylor_variance

__all__ = ["CI_METHODS", "Scores", "replicate_variance", "taylor_variance"]
