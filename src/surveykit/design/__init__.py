"""Survey designs: the user's handle on a sample.

A design holds the data, the weights and the sampling structure, and owns its variance: given the
linearization of any estimates (:mod:`surveykit.variance`), a :class:`SurveyDesign` applies the
Taylor kernel (with calibration residuals) and a :class:`ReplicateDesign` re-estimates on replicate
weights. Estimators, weighting steps and tests are offered as methods that delegate to the layers
below (:mod:`surveykit.estimation`, :mod:`surveykit.weighting`).
"""

from .base import BaseDesign
from .files import build_designs, load_design_file
from .inherited import InheritedDesign, inherit_calibration
from .replicate import ReplicateDesign
from .survey_design import SurveyDesign

__all__ = [
    "BaseDesign",
    "ReplicateDesign",
    "SurveyDesign",
    "build_designs",
    "load_design_file",
    "InheritedDesign",
    "inherit_calibration",
]
