"""Sample design: sample sizes, allocation to strata and selection from a frame.

>>> import surveykit.sampling as sks
>>> sks.sample_size(0.10, cv=0.15).n
400
"""

from .allocation import METHODS, allocate, anticipated_cv
from .probabilities import inclusion_probabilities, joint_inclusion_probabilities
from .size import SampleSize, TwoSampleSize, design_effect, power_difference, sample_size, two_sample_size

__all__ = [
    "sample_size",
    "two_sample_size",
    "power_difference",
    "design_effect",
    "SampleSize",
    "TwoSampleSize",
    "allocate",
    "anticipated_cv",
    "METHODS",
    "inclusion_probabilities",
    "joint_inclusion_probabilities",
]
from .draws import DRAW_METHODS, draw_samples  # noqa: E402
from .selection import SELECT_METHODS, select  # noqa: E402

__all__ += ["select", "SELECT_METHODS", "draw_samples", "DRAW_METHODS"]
from .frame import el_salvador_segments, list_units  # noqa: E402

__all__ += ["el_salvador_segments", "list_units"]
