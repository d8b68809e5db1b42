"""What every microdata writer shares: the format limits, the checks of labels against them, the
classification of a column (numeric, text, dates, Stata letters...) and the atomic write."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FormatCapacityError, MicrodataError
from ..fileio import atomic_write

_STATA_LETTER = re.compile(r"^\.[a-z]$")

#: format limits checked before writing (bytes of UTF-8 for SPSS, characters for Stata)
LIMITS = {
    "sav": {
        "name_bytes": 64,
        "variable_label_bytes": 256,
        "value_label_bytes": 120,
        "file_label_bytes": 64,
        "string_bytes": 32767,
        "missing_values": 3,
        "string_missing_bytes": 8,
    },
    "dta": {
        "name_chars": 32,
        "variable_label_chars": 80,
        "value_label_bytes": 32000,
        "file_label_chars": 80,
        "label_code_min": -2147483647,
        "label_code_max": 2147483620,
    },
    "xlsx": {"rows": 1048575, "columns": 16384, "cell_chars": 32767},
}
_MAX_EXACT = 2**53


def _atomic_write(target: Path, job: Callable[[str], None]) -> Path:
    """:func:`surveykit.fileio.atomic_write` (one mechanism for every writer), with pyreadstat's
    refusals said in words: its errors carry no errno, so a full disk is recognised by the space left."""

    def run(tmp: str) -> None:
        try:
            job(tmp)
        except Exception as exc:
            if not exc.__class__.__module__.startswith("pyreadstat"):
                raise
            free = shutil.disk_usage(target.parent).free
            if free < 1_000_000 or "write" in str(exc).lower():
                raise FormatCapacityError(
                    f"cannot write {target}: the writer stopped ({exc}); {free:,} bytes are free on that disk, "
                    "so it is probably full. Free some space and try again. Nothing was written.",
                    file=str(target),
                ) from exc
            raise FormatCapacityError(
                f"cannot write {target}: the writer refused the data ({exc}). Nothing was written.", file=str(target)
            ) from exc

    return atomic_write(target, run, MicrodataError)


def _kind(s: pd.Series) -> str:
    """numeric | text | datetime | time | letters (numbers with Stata '.a' text) | mixed | bytes"""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _kind(s.astype(dtype.categories.dtype))
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) and not (isinstance(dtype, np.dtype) and dtype.kind == "O"):
        return "text"
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"):
        return "numeric"
    if inferred == "string":
        return "text"
    if inferred in ("datetime", "datetime64", "date"):
        return "datetime"
    if inferred == "time":
        return "time"
    if inferred in ("mixed", "mixed-integer"):
        text = s[s.notna() & pd.to_numeric(s, errors="coerce").isna()]
        if text.map(type).eq(str).all() and text.astype(str).str.match(_STATA_LETTER).all():
            return "letters"
    if inferred == "bytes":
        return "bytes"
    return "mixed"


def _kind_in(s: pd.Series, col: str, meta: dict[str, Any]) -> str:
    """:func:`_kind`, where a column holding nothing but Stata letters ('.a') counts as numeric with
    extended missing values when the metadata declares letters for it (read with user_missing='keep')."""
    kind = _kind(s)
    if kind == "text" and (meta["missing"].get(col) or {}).get("stata"):
        present = s.dropna().astype(str)
        if len(present) and present.str.match(_STATA_LETTER).all():
            return "letters"
    return kind


def _plain(s: pd.Series) -> pd.Series:
    """Categorical -> its values, so what is written is the data, not pandas' internal codes."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype(s.dtype.categories.dtype)
    return s


def _as_float(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _fit(text: str, limit: int, unit: str) -> str:
    if unit == "bytes":
        raw = text.encode("utf-8")[:limit]
        return raw.decode("utf-8", errors="ignore")
    return text[:limit]


def _length(text: str, unit: str) -> int:
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


@dataclass(frozen=True)
class WriteContext:
    """What a format's writer needs besides the data, in one place instead of ten parameters.

    The fields are fixed for one write; ``problems`` and ``cut`` collect what the writer finds (a
    label too long, a name the format refuses...), so that :func:`surveykit.write_microdata` reports
    every problem together before anything is written.

    Attributes
    ----------
    name : str
        The target path as the caller gave it (for messages and the CSV sidecar's name).
    fmt : str
        ``sav``, ``zsav``, ``dta``, ``xlsx``, ``csv`` or ``parquet``.
    meta : dict
        Labels and missing declarations to write (the questionnaire's over ``df.attrs``); a writer may
        complete a column's missing entry (e.g. SPSS codes for Stata letters).
    letters : dict
        Per column: missing code -> Stata letter (``{"p5": {98: ".d"}}``).
    long_labels, cells, encoding
        The options of :func:`surveykit.write_microdata`.
    problems, cut : list of str
        Collected: what the format cannot hold, and the labels cut with ``long_labels="truncate"``.

    Examples
    --------
    >>> ctx = WriteContext(name="v.sav", fmt="sav", meta={"variable_labels": {"p5": "Sí" * 70}})
    >>> ctx.variable_labels(256, "bytes", ".sav")["p5"] == "Sí" * 70
    True
    >>> ctx.label("Sí" * 70, 120, "bytes", "value label of code 1 of 'p5'", ".sav") == "Sí" * 70
    True
    >>> ctx.problems[0][:55]
    "value label of code 1 of 'p5' is 210 bytes; .sav allows"
    >>> cutting = WriteContext(name="v.sav", fmt="sav", meta={}, long_labels="truncate")
    >>> len(cutting.label("Sí" * 70, 120, "bytes", "a label", ".sav").encode()), cutting.cut
    (120, ['a label (210 bytes -> 120)'])
    """

    name: str
    fmt: str
    meta: dict[str, Any]
    letters: dict[str, dict[Any, str]] = field(default_factory=dict)
    long_labels: str = "error"
    cells: str = "codes"
    encoding: str = "utf-8"
    problems: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)

    def label(self, text: str, limit: int, unit: str, what: str, ext: str) -> str:
        """``text`` if it fits in ``limit`` ``unit`` (``"bytes"`` of UTF-8 or ``"chars"``); else cut
        to fit (``long_labels="truncate"``, noted in ``cut``) or kept and noted in ``problems``."""
        n = _length(text, unit)
        if n <= limit:
            return text
        if self.long_labels == "truncate":
            short = _fit(text, limit, unit)
            self.cut.append(f"{what} ({n} {unit} -> {_length(short, unit)})")
            return short
        self.problems.append(
            f"{what} is {n} {unit}; {ext} allows {limit}. Shorten the labels, or pass "
            "long_labels='truncate' to cut them (with a warning)"
        )
        return text

    def variable_labels(self, limit: int, unit: str, ext: str) -> dict[str, str | None]:
        """The variable labels, each checked with :meth:`label`."""
        return {
            c: self.label(str(v), limit, unit, f"variable label of {c!r}", ext)
            for c, v in self.meta["variable_labels"].items()
        }


def _big_ints(s: pd.Series, col: str, ext: str, problems: list[str]) -> None:
    """Integers beyond 2**53 become equal doubles in formats that store numbers as doubles (ids!)."""
    if not len(s):
        return
    if pd.api.types.is_integer_dtype(s.dtype):
        vals = s.dropna()
        big = vals[(vals > _MAX_EXACT) | (vals < -_MAX_EXACT)]
    elif s.dtype == object:
        ints = s[s.map(lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool))]
        big = ints[ints.map(lambda v: abs(int(v)) > _MAX_EXACT).astype(bool)]
    else:
        return
    if len(big):
        problems.append(
            f"{col!r} holds integers beyond 2**53 (e.g. {big.iloc[0]} at row {big.index[0]}), "
            f"which {ext} stores as doubles and would change. Write it as text (astype(str))"
        )


def _as_ns(s: pd.Series, col: str, ext: str, problems: list[str]) -> pd.Series:
    """Dates in nanoseconds, the only unit pyreadstat reads correctly: a datetime64[s] column (from a
    numpy datetime64[D] array) was written as 1970-01-01 in every row."""
    if getattr(s.dtype, "tz", None) is not None:
        problems.append(
            f"{col!r} has time-zone-aware dates, which {ext} cannot hold; convert them (s.dt.tz_convert(None))"
        )
        return s
    try:
        return pd.to_datetime(s).astype("datetime64[ns]")
    except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime) as exc:
        problems.append(f"{col!r} has dates {ext} cannot hold ({exc}); years must be between 1678 and 2261")
        return s


def _nul(s: pd.Series, col: str, ext: str, problems: list[str]) -> None:
    """Text with a NUL character: SPSS/Stata cut it there, and a CSV with one is read as binary."""
    txt = s[s.map(type).eq(str)]
    bad = txt[txt.str.contains("\x00", regex=False)]
    if len(bad):
        problems.append(
            f"{col!r} has text holding a NUL character (\\x00, row {bad.index[0]!r}), which {ext} "
            "would cut or garble; remove it (s.str.replace('\\x00', ''))"
        )


def _int_format(s: pd.Series) -> str | None:
    """SPSS display format F<w>.0 for a numeric column whose values are all integers."""
    vals = s.dropna().to_numpy(dtype=float)
    if not len(vals) or not np.all(np.isfinite(vals)) or not np.all(vals == np.round(vals)):
        return None
    width = max(len(str(int(v))) for v in (vals.min(), vals.max()))
    return f"F{max(width, 1)}.0"


def _mixed_message(s: pd.Series, col: str, ext: str) -> str:
    num = pd.to_numeric(s, errors="coerce")
    odd = s[s.notna() & num.isna()]
    example = f" (e.g. {odd.iloc[0]!r} at row {odd.index[0]!r})" if len(odd) and num.notna().any() else ""
    return (
        f"{col!r} mixes numbers and text{example}; {ext} columns are either numeric or text. Convert the "
        "column (pd.to_numeric or astype(str)) first"
    )


def _cells_as_labels(df: pd.DataFrame, meta: dict[str, Any], problems: list[str], ext: str) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = _plain(df[col])
        labels = meta["value_labels"].get(col)
        if labels:
            dup = pd.Series(labels).duplicated(keep=False)
            if dup.any():
                problems.append(
                    f"{col!r} gives the label {pd.Series(labels)[dup].iloc[0]!r} to several codes, so "
                    f"labels in cells could not be read back to codes; write {ext} with cells='codes'"
                )
            lookup = {}
            for k, v in labels.items():
                lookup[k] = v
                if isinstance(k, int):
                    lookup[float(k)] = v
            mapped = s.astype(object).map(lookup)
            s = mapped.where(mapped.notna(), s.astype(object))
        out[col] = s
    return pd.DataFrame(out, index=df.index)


def _prepare_plain(df: pd.DataFrame, meta: dict[str, Any], cells: str, problems: list[str], ext: str) -> pd.DataFrame:
    for col in df.columns:
        kind = _kind(_plain(df[col]))
        if kind == "bytes":
            problems.append(f"{col!r} holds bytes; decode it to text first")
    if cells == "labels":
        return _cells_as_labels(df, meta, problems, ext)
    return pd.DataFrame({c: _plain(df[c]) for c in df.columns}, index=df.index)
