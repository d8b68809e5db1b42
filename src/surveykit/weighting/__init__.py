"""Weighting: design weights, nonresponse, post-stratification, raking, calibration and trimming.

One calibration engine serves every method (post-stratification and raking are calibrations with
indicator variables); every step returns a new design whose variance accounts for it.
"""

from .control_files import load_controls
from .controls import Controls
from .solvers import CalibrationResult, calibrate_g, linear_g, rake_g
from .diagnostics import WeightingReport, effective_n, kish_deff

__all__ = [
    "CalibrationResult",
    "Controls",
    "WeightingReport",
    "calibrate_g",
    "effective_n",
    "kish_deff",
    "linear_g",
    "load_controls",
    "rake_g",
]
