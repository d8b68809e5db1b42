"""Survey designs: sampling structure, weights and the estimators they offer."""

from .base import BaseDesign
from .replicate import ReplicateDesign
from .survey_design import SurveyDesign

__all__ = ["BaseDesign", "ReplicateDesign", "SurveyDesign"]
