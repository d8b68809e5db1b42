"""surveykit: questionnaires, microdata, weighting and design-based estimation for household surveys.

>>> import surveykit as sk
>>> sk.__version__
'0.1.0'
"""

from . import indicators, report, shipped
from .design import ReplicateDesign, SurveyDesign, build_designs, inherit_calibration, load_design_file
from .estimation.quality import QUALITY_RULES, quality_flags
from .errors import *  # noqa: F401,F403  (the SurveykitError hierarchy is public API)
from .errors import __all__ as _error_names
from .io import check_microdata, questionnaire_from_metadata, read_metadata, read_microdata, write_microdata
from .io import Collection, paradata_summary, read_collection
from .estimation.quality import QUALITY_REASONS
from .io import CHECK_RULES
from .io.collection import COLLECTION_RULES
from .questionnaire import *  # noqa: F401,F403  (questionnaire models, lint, expressions)
from .simulate import Simulation, simulate
from .questionnaire import __all__ as _spec_names
from .variance import Linearization
from .weighting import Controls, load_controls

from .version import __version__

__all__ = [
    "ReplicateDesign",
    "SurveyDesign",
    "Linearization",
    "shipped",
    "__version__",
    "indicators",
    "report",
    "quality_flags",
    "QUALITY_RULES",
    *_error_names,
    "read_microdata",
    "read_metadata",
    "write_microdata",
    "check_microdata",
    "simulate",
    "Simulation",
    *_spec_names,
    "Controls",
    "load_controls",
    "questionnaire_from_metadata",
    "read_collection",
    "Collection",
    "paradata_summary",
    "load_design_file",
    "build_designs",
    "inherit_calibration",
    "CHECK_RULES",
    "COLLECTION_RULES",
    "QUALITY_REASONS",
]
