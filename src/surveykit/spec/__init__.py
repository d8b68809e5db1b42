"""Deprecated name of :mod:`surveykit.questionnaire` (kept importable for one release).

``surveykit.spec`` and its modules (``surveykit.spec.expression``, ``surveykit.spec.formats.xlsform``,
...) are the same module objects as their ``surveykit.questionnaire`` counterparts.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

from .. import questionnaire as _questionnaire
from ..questionnaire import *  # noqa: F401,F403
from ..questionnaire import __all__  # noqa: F401

warnings.warn(
    "surveykit.spec is now surveykit.questionnaire; the old name goes away in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

for _info in pkgutil.walk_packages(_questionnaire.__path__, "surveykit.questionnaire."):
    _module = importlib.import_module(_info.name)
    sys.modules["surveykit.spec." + _info.name[len("surveykit.questionnaire.") :]] = _module
