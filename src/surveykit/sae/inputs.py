"""Direct estimates by area from a survey design, and GVF smoothing of their variances.
"""
from __future__ import annotations

def direct_estimates(*a, **k):
    raise NotImplementedError

def gvf(*a, **k):
    raise NotImplementedError
