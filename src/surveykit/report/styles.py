"""Cell styles of the publication workbook, made once each (openpyxl is imported when a workbook is written).

openpyxl costs about 75 ms to import, so ``import surveykit`` does not load it: each factory
imports it on first use and :func:`functools.cache` keeps every distinct style, which cells share
(openpyxl copies a style into the workbook's style table by value when a cell takes it).

>>> font(bold=True) is font(bold=True), fill(HEADER_FILL).fgColor.rgb
(True, '001F4E78')
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - openpyxl is imported when a workbook is written
    from openpyxl.styles import Alignment, Border, Font, PatternFill

__all__ = [
    "FLAG_FILLS",
    "SEVERITY",
    "TITLE_FILL",
    "HEADER_FILL",
    "font",
    "alignment",
    "fill",
    "bottom_border",
    "column_letter",
]

#: Fill colours: published with a warning (by severity) and suppressed.
FLAG_FILLS: dict[int | str, str] = {1: "FFF2CC", 2: "F8CBAD", "suppressed": "D9D9D9"}
#: Severity of the agencies' flags (1 warning, 2 strong warning) for the fills and the charts' hatching.
SEVERITY = {"moderada": 1, "E": 1, "review": 1, "baja": 2}
TITLE_FILL = "DDEBF7"
HEADER_FILL = "1F4E78"


@cache
def font(**kwargs: Any) -> Font:
    """An openpyxl ``Font`` (``bold=``, ``italic=``, ``size=``, ``color=``, ``underline=``)."""
    from openpyxl.styles import Font

    return Font(**kwargs)


@cache
def alignment(**kwargs: Any) -> Alignment:
    """An openpyxl ``Alignment`` (``horizontal=``, ``vertical=``, ``wrap_text=``)."""
    from openpyxl.styles import Alignment

    return Alignment(**kwargs)


@cache
def fill(colour: str) -> PatternFill:
    """A solid fill of ``colour`` (RGB hex)."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=colour)


@cache
def bottom_border() -> Border:
    """The thin grey rule under each table row."""
    from openpyxl.styles import Border, Side

    return Border(bottom=Side(style="thin", color="A6A6A6"))


def column_letter(j: int) -> str:
    """Excel's letter of column ``j`` (1 -> "A")."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(j))
