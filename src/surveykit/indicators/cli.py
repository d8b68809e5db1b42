"""Deprecated: the design file moved to :mod:`surveykit.design.files` and the ``surveykit indicators``
command to :mod:`surveykit.commands.indicators` (above the report layer it drives).

``load_design_file`` and ``build_designs`` stay importable from here for one release, with a
``DeprecationWarning`` when used; import them from ``surveykit`` or ``surveykit.design``.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__: list[str] = []  # nothing new is imported from here
_MOVED = ("load_design_file", "build_designs")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from .. import design

        warnings.warn(
            f"surveykit.indicators.cli.{name} is deprecated: use surveykit.{name} (or surveykit.design); "
            "the command line is surveykit.commands.indicators.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(design, name)
    raise AttributeError(f"module 'surveykit.indicators.cli' has no attribute {name!r}")
