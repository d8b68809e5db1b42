"""Frames: the shipped ILLUSTRATIVE El Salvador segment frame, and household listings made from counts.

The segment frame (``el_salvador_segments()``) is **illustrative**: its household total is the census
2024 count (1,920,668 private households, BCR/ONEC first results as reported by the press); its
department × area split and every segment are invented to be plausible. It is derived by
``frames/derive_el_salvador_segments.py`` (see ``frames/README.md``); use ONEC's real cartographic frame
for a real sample.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, FrameError

__all__ = ["el_salvador_segments", "list_units"]

_DATA = "el_salvador_segments_illustrative.csv.gz"


def el_salvador_segments() -> pd.DataFrame:
    """The ILLUSTRATIVE El Salvador census-segment frame: 19,999 segments in 28 strata.

    Returns
    -------
    DataFrame
        ``segmento`` (id: ``estrato × 10000 +`` number), ``estrato`` (``departamento × 10 + area``),
        ``departamento`` (1 Ahuachapán … 14 La Unión), ``area`` (1 urbano, 2 rural), ``hogares``
        (households). ``attrs["status"]`` is ``"illustrative"``.

    Examples
    --------
    >>> f = el_salvador_segments()
    >>> len(f), int(f["hogares"].sum()), f.attrs["status"]
    (19999, 1920668, 'illustrative')
    """
    with resources.files("surveykit.sampling").joinpath("data", _DATA).open("rb") as fh:
        frame = pd.read_csv(fh, compression="gzip")
    frame.attrs["status"] = "illustrative"
    frame.attrs["source"] = (
        "households: census 2024 total (BCR/ONEC first results, as reported by the press); "
        "department × area split and segments invented (frames/derive_el_salvador_segments.py)"
    )
    return frame


def list_units(frame: pd.DataFrame, psu: str, count: str, name: str = "unit") -> pd.DataFrame:
    """A listing with one row per unit of each PSU, from the PSUs' unit counts (``np.repeat``, no loop).

    Parameters
    ----------
    frame : DataFrame
        One row per PSU.
    psu : str
        PSU id column (copied to the listing).
    count : str
        Column with the number of units in each PSU (whole numbers ≥ 0).
    name : str, default "unit"
        Name of the unit number column (1, 2, … within the PSU).

    Examples
    --------
    >>> list_units(pd.DataFrame({"seg": [7, 9], "hh": [2, 3]}), "seg", "hh", "hogar").values.tolist()
    [[7, 1], [7, 2], [9, 1], [9, 2], [9, 3]]
    """
    for c in (psu, count):
        if c not in frame.columns:
            raise ColumnNotFoundError(f"column {c!r} is not in the frame.", column=c)
    m = pd.to_numeric(frame[count], errors="coerce").to_numpy(dtype=float)
    bad = ~(m >= 0) | (m != np.round(m))
    if bad.any():
        rows = list(frame.index[bad])
        raise FrameError(
            f"column {count!r} must hold whole numbers ≥ 0; rows {rows[:10]} do not.", column=count, rows=rows
        )
    m = m.astype(np.int64)
    ids = np.repeat(frame[psu].to_numpy(), m)
    within = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m) + 1
    return pd.DataFrame({psu: ids, name: within})
