"""Deprecated: the design file moved to :mod:`surveykit.design.files` and the ``surveykit indicators``
command to :mod:`surveykit.commands.indicators` (above the report layer it drives).

``load_design_file`` and ``build_designs`` stay importable from here for one release, with a
``DeprecationWarning``; import them from ``surveykit`` or ``surveykit.design``.
"""

from __future__ import annotations

import warnings

from ..design import build_designs, load_design_file

__all__ = ["load_design_file", "build_designs"]

warnings.warn("surveykit.indicators.cli is deprecated: load_design_file and build_designs are in surveykit.design "
              "(and surveykit); the command line is surveykit.commands.indicators.", DeprecationWarning, stacklevel=2)
