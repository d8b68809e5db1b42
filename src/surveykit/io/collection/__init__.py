"""Field data in: KoboToolbox, ODK Central and Survey Solutions exports read against the questionnaire.

:func:`read_collection` turns an export into the questionnaire's units (the main table and one per
repeat/roster) with its names, codes and labels, keys linking repeats to parents and collection
metadata in named columns; :func:`paradata_summary` gives what an office monitors during fieldwork.
See ``docs/field-data.md``.

>>> import surveykit as sk
>>> callable(sk.read_collection)
True
"""

from .common import PROBLEM_KINDS
from .paradata import paradata_summary
from .read import TOOLS, Collection, detect_tool, read_collection
from .rules import COLLECTION_RULES

__all__ = [
    "read_collection",
    "Collection",
    "detect_tool",
    "paradata_summary",
    "TOOLS",
    "PROBLEM_KINDS",
    "COLLECTION_RULES",
]
