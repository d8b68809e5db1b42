"""Microdata in and out: SPSS, Stata, Excel, CSV and Parquet files with their labels and missing codes.

>>> import surveykit as sk
>>> callable(sk.read_microdata) and callable(sk.write_microdata)
True
"""

from ..metadata import empty_metadata
from ._progress import Progress, progress_wanted
from .check import check_microdata
from .check_rules import CHECK_RULES
from .collection import Collection, paradata_summary, read_collection
from .draft import questionnaire_from_metadata
from .read import MicrodataChunks, read_metadata, read_microdata
from .write import write_microdata

__all__ = [
    "read_microdata",
    "read_metadata",
    "write_microdata",
    "check_microdata",
    "questionnaire_from_metadata",
    "MicrodataChunks",
    "read_collection",
    "Collection",
    "paradata_summary",
    "Progress",
    "progress_wanted",
    "empty_metadata",
    "CHECK_RULES",
]
