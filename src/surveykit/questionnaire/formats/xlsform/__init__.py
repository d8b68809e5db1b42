"""XLSForm (ODK, KoboToolbox, SurveyCTO) import and export with openpyxl.

Import reads the ``survey``, ``choices`` and ``settings`` sheets (and surveykit's ``sk_missing``),
normalises header aliases (``relevance``, ``calculate``, ``list name``, ``jr:count`` ...) and
translation columns (``label::Español (es)``), and records the sheet, row and column of every value so
lint points at the cell. Choice names are read as codes: ``1`` (number or text) is the integer 1,
``01`` stays text.

Problems of the workbook itself -- no survey sheet, merged header cells, an unknown question type, an
``end group`` without ``begin group``, a row without a name -- are collected and raised together as
one :class:`~surveykit.SpecFormatError` (its ``context["problems"]`` lists them); ``surveykit lint``
shows them with the rest.

Export writes a workbook pyxform converts. Fields XLSForm has no column for go in ``sk_*`` columns
(ignored by ODK tools): ``sk_min``/``sk_max`` (also written into the constraint, so ODK enforces them),
``sk_missing``, ``sk_universe::…``, ``sk_concept``, ``sk_measure``, ``sk_unit``, ``sk_short_label::…``,
``sk_result_type``; choices get ``sk_missing`` (the kind of a missing code offered as an answer),
``sk_stata`` and ``sk_ordered``; questionnaire-level missing codes go in an ``sk_missing`` sheet.
Reading the export back gives an equal questionnaire.
"""

from __future__ import annotations

from .aliases import LANGUAGE_NAMES, MAX_ROWS
from .read import read_xlsform, read_xlsform_lenient
from .write import write_xlsform

__all__ = ["read_xlsform", "read_xlsform_lenient", "write_xlsform", "LANGUAGE_NAMES", "MAX_ROWS"]
