"""The variance core: sampling structure, domains, calibration matrices, linearizations and the kernel.

The bottom layer of the estimation machinery; it imports nothing of surveykit but its errors. A
design codes its structure here (:class:`DesignStructure`), an estimator describes its statistics as
a :class:`Linearization`, and the kernel turns influence values into variances and covariances:
Taylor (:func:`taylor_variance`, :func:`taylor_covariance`, R's ``svyrecvar``) or replicate
(:func:`replicate_variance`, :func:`replicate_covariance`, R's ``svrVar``).
"""

from .calmatrix import CalMatrix
from .domains import Domains, make_domains
from .calibration import CalibrationStep, calibration_corrections
from .kernel import Scores, replicate_covariance, replicate_variance, taylor_covariance, taylor_variance
from .linearization import LOGIT, Block, Linearization, Transform, ratio_block
from .structure import LONELY_PSU_OPTIONS, DesignStructure, Stage

__all__ = [
    "CalMatrix",
    "Domains",
    "make_domains",
    "CalibrationStep",
    "Scores",
    "calibration_corrections",
    "replicate_covariance",
    "replicate_variance",
    "taylor_covariance",
    "taylor_variance",
    "LOGIT",
    "Block",
    "Linearization",
    "Transform",
    "ratio_block",
    "LONELY_PSU_OPTIONS",
    "DesignStructure",
    "Stage",
]
