"""Microdata in and out: SPSS, Stata, Excel, CSV and Parquet files with their labels and missing codes.

>>> import surveykit as sk
>>> callable(sk.read_microdata) and callable(sk.write_microdata)
True
"""

from ._meta import empty_metadata
from .check import check_microdata
from .draft import questionnaire_from_metadata
from .read import MicrodataChunks, read_metadata, read_microdata
from .write import write_microdata

__all__ = ["read_microdata", "read_metadata", "write_microdata", "check_microdata", "questionnaire_from_metadata",
           "MicrodataChunks", "empty_metadata"]
