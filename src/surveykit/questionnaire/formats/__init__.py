"""Questionnaire file formats: YAML/JSON specs, XLSForm, codebooks and DDI-Codebook 2.5."""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import SpecFormatError
from ..questionnaire import Questionnaire

__all__ = ["load_questionnaire", "SPEC_SUFFIXES"]

#: File suffixes :func:`load_questionnaire` reads.
SPEC_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xlsm")


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load a questionnaire from a YAML (``.yaml``/``.yml``), JSON (``.json``) or XLSForm (``.xlsx``) file.

    Every part keeps its place in the file (line, or sheet/row/column), so :meth:`Questionnaire.lint`
    points at it. A malformed file raises :class:`~surveykit.SpecFormatError` whose message lists each
    problem with its location (``e.context["problems"]`` holds them as :class:`~surveykit.Problem` s).

    >>> import surveykit as sk, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "mini.yaml").write_text("id: mini\\nlanguages: [es]\\nitems:\\n  - {type: text, name: obs, label: Obs}\\n")
    >>> q = sk.load_questionnaire(d / "mini.yaml")
    >>> q.question("obs").label
    {'es': 'Obs'}
    """
    if not isinstance(path, (str, os.PathLike)):
        raise SpecFormatError(
            f"load_questionnaire needs the path of a questionnaire file; got {type(path).__name__} {path!r:.60}"
        )
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        hint = " (save it as .xlsx from Excel)" if suffix == ".xls" else ""
        raise SpecFormatError(
            f"{p}: cannot read {suffix or 'a file without suffix'} as a questionnaire{hint}; "
            f"use one of {', '.join(SPEC_SUFFIXES)}",
            file=str(p),
        )
    if not p.is_file():
        what = "is a folder, not a questionnaire file" if p.is_dir() else "no such file"
        raise SpecFormatError(f"{p}: {what}", file=str(p))
    if suffix in (".yaml", ".yml"):
        from .yamljson import load_yaml

        return load_yaml(p)
    if suffix == ".json":
        from .yamljson import load_json

        return load_json(p)
    from .xlsform import read_xlsform

    return read_xlsform(p)
