"""Indicators: a sourced catalogue of victimization, discrimination and SDG 16 indicators.

>>> import surveykit as sk
>>> sorted(sk.indicators.catalog().columns)[:3]
['code', 'denominator', 'disaggregations']
"""

from .compute import catalog, compute, compute_breakdowns, evaluate_indicator, get_indicator, load_catalog
from .model import Component, Indicator

__all__ = [
    "Component",
    "Indicator",
    "catalog",
    "compute",
    "compute_breakdowns",
    "evaluate_indicator",
    "get_indicator",
    "load_catalog",
]
