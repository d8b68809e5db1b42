"""The files surveykit ships: questionnaires and control totals, found in an installed package too.

The repository's ``questionnaires/`` and ``weights/`` folders are their source; the package reaches
them as package data (``surveykit/data/``, installed with the wheel), through
:mod:`importlib.resources`, so a ``pip install surveykit`` user has them without a checkout.

>>> sorted(questionnaires())[:2]
['design-example', 'discrimination']
>>> questionnaire_file("sdg16").name
'sdg16.yaml'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import SurveykitError

__all__ = ["questionnaires", "questionnaire_file", "controls", "controls_file"]


def _folder(name: str) -> Path:
    return Path(str(files("surveykit").joinpath("data", name)))


def questionnaires() -> list[str]:
    """Names of the shipped questionnaire specs (YAML), e.g. ``"sdg16"``."""
    return sorted(p.stem for p in _folder("questionnaires").glob("*.yaml"))


def questionnaire_file(name: str) -> Path:
    """The path of a shipped questionnaire spec, for :func:`surveykit.load_questionnaire`."""
    return _shipped(_folder("questionnaires"), name, questionnaires(), "questionnaire")


def controls() -> list[str]:
    """Names of the shipped control-total files (YAML), e.g. ``"el_salvador_2024_adults_illustrative"``."""
    return sorted(p.stem for p in _folder("weights").glob("*.yaml"))


def controls_file(name: str) -> Path:
    """The path of a shipped control-total file, for :func:`surveykit.load_controls`."""
    return _shipped(_folder("weights"), name, controls(), "control-total file")


def _shipped(folder: Path, name: str, names: list[str], what: str) -> Path:
    stem = name[:-5] if name.endswith(".yaml") else name
    path = folder / f"{stem}.yaml"
    if not path.is_file():
        raise SurveykitError(
            f"no shipped {what} named {name!r}; surveykit ships {', '.join(names) or 'none'} (folder {folder}).",
            file=str(path),
        )
    return path
