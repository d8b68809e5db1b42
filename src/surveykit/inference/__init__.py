"""Design-based inference: crosstabs, tests of independence and goodness of fit, t-tests, regression.

Every statistic here hands its estimates to the design as a linearization (or refits on replicate
weights); the design computes the variance. Nothing here imports a design.
"""

from .glm import FAMILIES, GLMResults
from .olr import OLRResults
from .results import ModelResults

__all__ = ["FAMILIES", "GLMResults", "OLRResults", "ModelResults"]
