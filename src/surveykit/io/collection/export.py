"""What a tool's reader hands over: the tables of an export (:class:`Table`) and the export (:class:`Export`).

The tool readers (kobo, odk_central, surveysolutions) build these; :func:`~surveykit.io.read_collection`
consumes them. They live apart from both so that the readers and the driver import them one way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .cells import Cells

__all__ = ["Table", "Export"]


@dataclass
class Table:
    """One table of an export as a tool's reader hands it over."""

    name: str
    where: str
    headers: list[str]
    chunks: Callable[[int], Iterator[pd.DataFrame]]
    n_rows: int | None = None
    first_row: int = 2  # file row/line of the first data row (the header is row 1)


@dataclass
class Export:
    """What a tool's reader found: the main table, one table per repeat, paradata, leftovers."""

    tool: str
    main: Table
    repeats: dict[str, Table] = field(default_factory=dict)
    paradata: dict[str, pd.DataFrame] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    special: dict[str, tuple[str, str]] = field(default_factory=dict)
    classify: Any = None
    cells: Cells = field(default_factory=Cells)
    keys: Any = None  # keys(unit, is_main, links) -> {row_key, parent_ref, instance, interview} arrays
    main_meta: Any = None  # main_meta(meta DataFrame, interview ids) -> meta with columns from paradata
    close: Any = None
