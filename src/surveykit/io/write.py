"""Writing labelled microdata: SPSS, Stata, Excel, CSV (+ JSON sidecar) and Parquet.

Every write goes to a temporary file in the target directory that is renamed over the target only
when complete, so a failed write never leaves a partial or 0-byte file (pyreadstat leaves one behind
when Stata rejects a label). What a format cannot hold is checked *before* writing, and all such
problems are reported together in one :class:`~surveykit.errors.FormatCapacityError`; nothing is
truncated unless asked for with ``long_labels="truncate"``, which warns with every label it cut.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..fileio import atomic_write
from ..errors import FormatCapacityError, MicrodataError, SurveykitWarning, format_rows
from ..metadata import get_metadata
from . import _meta
from ._sniff import EXTENSIONS

__all__ = ["write_microdata", "LIMITS"]

#: format limits checked before writing (bytes of UTF-8 for SPSS, characters for Stata)
LIMITS = {
    "sav": {"name_bytes": 64, "variable_label_bytes": 256, "value_label_bytes": 120, "file_label_bytes": 64,
            "string_bytes": 32767, "missing_values": 3, "string_missing_bytes": 8},
    "dta": {"name_chars": 32, "variable_label_chars": 80, "value_label_bytes": 32000, "file_label_chars": 80,
            "label_code_min": -2147483647, "label_code_max": 2147483620},
    "xlsx": {"rows": 1048575, "columns": 16384, "cell_chars": 32767},
}
_SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
_STATA_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
                   "_N", "_pi", "_pred", "_rc", "_skip", "str", "strL", "using", "with"}
_STATA_LETTER = re.compile(r"^\.[a-z]$")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_EXACT = 2**53

Format = Literal["sav", "zsav", "dta", "xlsx", "csv", "parquet"]


def write_microdata(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    questionnaire: Any = None,
    language: str | None = None,
    format: str | None = None,
    cells: Literal["codes", "labels"] = "codes",
    long_labels: Literal["error", "truncate"] = "error",
    stata_missing: Mapping[Any, Any] | None = None,
    file_label: str | None = None,
    encoding: str = "utf-8",
    overwrite: bool = True,
) -> Path:
    """Write ``df`` with its variable labels, value labels and missing-value declarations.

    Labels come from ``questionnaire`` (for the columns it describes) and otherwise from
    ``df.attrs["surveykit"]`` (as set by :func:`read_microdata`). The file appears only once it is
    completely written; on any error nothing is left at ``path`` (an existing file is untouched).

    Parameters
    ----------
    df : DataFrame
        The data. Its rows and values are written as they are; ``df`` is not modified.
    path : str or path-like
        Target; the extension chooses the format: ``.sav``, ``.zsav`` (compressed SPSS), ``.dta``
        (Stata 15, UTF-8), ``.xlsx``, ``.csv`` (plus ``<name>.csv-metadata.json`` with the labels) or
        ``.parquet`` (labels in the file's key-value metadata).
    questionnaire : Questionnaire, optional
        Labels, missing codes (with their Stata letters) and measure levels from the spec.
    language : str, optional
        Language of the labels taken from the questionnaire (SPSS/Stata hold one language per file).
    format : str, optional
        Override the extension.
    cells : {"codes", "labels"}, default "codes"
        Excel/CSV only: write codes, or the value labels of labelled columns (read back to codes by
        :func:`read_microdata`, which finds the labels in the file's labels sheet or sidecar).
    long_labels : {"error", "truncate"}, default "error"
        A label longer than the format allows (SPSS: 256 bytes for variable labels, 120 for value
        labels; Stata: 80 characters for variable labels) is an error naming it, or with
        ``"truncate"`` is cut to fit (on a character boundary) with a warning listing every cut.
    stata_missing : dict, optional
        Code -> Stata letter (``{98: ".d", 99: ".r"}``), or column -> such a dict. Needed to write
        SPSS-style missing codes present in the data to ``.dta`` (as ``.d``, ``.r``) and Stata
        letters to ``.sav`` (as the codes), unless the questionnaire defines them.
    file_label : str, optional
        File label (default: the one in the metadata).
    encoding : str, default "utf-8"
        CSV only (``"utf-8-sig"`` helps Excel open accented text).
    overwrite : bool, default True
        Replace an existing file; with ``False`` an existing file is an error.

    Returns
    -------
    pathlib.Path
        The file written (as :func:`surveykit.report.write_workbook` returns its path).

    Raises
    ------
    FormatCapacityError
        Something the format cannot hold (every such problem listed together).
    MicrodataError
        Bad arguments, a target that exists with ``overwrite=False``, an unwritable directory.

    Examples
    --------
    >>> import os, tempfile, pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"p5": [1, 2, 98, 1]})
    >>> df.attrs["surveykit"] = {"variable_labels": {"p5": "¿Denunció el delito?"},
    ...     "value_labels": {"p5": {1: "Sí", 2: "No", 98: "No sabe"}}, "missing": {"p5": {"values": [98]}}}
    >>> folder = tempfile.mkdtemp()
    >>> sk.write_microdata(df, os.path.join(folder, "v.sav")).name
    'v.sav'
    >>> _ = sk.write_microdata(df, os.path.join(folder, "v.dta"), stata_missing={98: ".d"})
    >>> sk.read_microdata(os.path.join(folder, "v.dta"), user_missing="keep")["p5"].tolist()
    [1.0, 2.0, '.d', 1.0]
    >>> df.attrs["surveykit"]["value_labels"]["p5"][2] = "N" * 200
    >>> sk.write_microdata(df, os.path.join(folder, "w.sav"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    surveykit.errors.FormatCapacityError: cannot write .../w.sav: value label of code 2 of 'p5' is 200 bytes; .sav allows 120. Shorten the labels, or pass long_labels='truncate' to cut them (with a warning).
    """
    if not isinstance(df, pd.DataFrame):
        raise MicrodataError(f"write_microdata needs a pandas DataFrame; got {type(df).__name__}.")
    if not isinstance(path, (str, os.PathLike)):
        raise MicrodataError(f"write_microdata needs a file path; got {type(path).__name__}.")
    for arg, value in (("format", format), ("file_label", file_label), ("language", language)):
        if value is not None and not isinstance(value, str):
            raise MicrodataError(f"{arg}= must be text; got {type(value).__name__} {value!r:.60}.")
    if not isinstance(encoding, str):
        raise MicrodataError(f"encoding= must be a codec name such as 'utf-8'; got {encoding!r:.60}.")
    try:
        import codecs

        codecs.lookup(encoding)
    except LookupError:
        raise MicrodataError(f"encoding {encoding!r} is unknown; use 'utf-8' (or 'utf-8-sig' for Excel).") from None
    if stata_missing is not None and not isinstance(stata_missing, Mapping):
        raise MicrodataError(f"stata_missing= must map codes to letters ({{98: '.d'}}) or columns to such maps; "
                             f"got {type(stata_missing).__name__}.")
    if questionnaire is not None and not callable(getattr(questionnaire, "label_dictionaries", None)):
        raise MicrodataError(f"questionnaire= must be a Questionnaire (sk.load_questionnaire(path)); got "
                             f"{type(questionnaire).__name__}.")
    if long_labels not in ("error", "truncate"):
        raise MicrodataError(f"long_labels must be 'error' or 'truncate'; got {long_labels!r}.")
    if cells not in ("codes", "labels"):
        raise MicrodataError(f"cells must be 'codes' or 'labels'; got {cells!r}.")
    target = Path(path)
    name = str(path)
    fmt = _target_format(target, format)
    if target.exists() and not overwrite:
        raise MicrodataError(f"{name} exists; pass overwrite=True to replace it or choose another name.", file=name)
    if not target.parent.exists():
        raise MicrodataError(f"cannot write {name}: the folder {target.parent} does not exist. Create it first.",
                             file=name)
    bad_names = [c for c in df.columns if not isinstance(c, str)]
    if bad_names:
        raise MicrodataError(f"cannot write {name}: column names must be text; {bad_names[:5]} are not. "
                             "Rename them (df.columns = df.columns.astype(str)).", file=name)
    dups = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dups:
        raise MicrodataError(f"cannot write {name}: column names {dups} appear more than once. Rename them.",
                             file=name, column=dups[0])
    unsupported = _unsupported_columns(df)
    if unsupported:
        raise FormatCapacityError(f"cannot write {name}: " + "; ".join(unsupported) + ".", file=name,
                                  problems=unsupported)
    try:
        meta = _collect_metadata(df, questionnaire, language)
    except (AttributeError, TypeError, ValueError) as exc:
        raise MicrodataError(f"cannot write {name}: the labels in df.attrs['surveykit'] are malformed ({exc}); "
                             "value_labels must map columns to {code: label}, missing columns to {'values': [...]}, "
                             "variable_labels columns to text.", file=name) from exc
    if file_label is not None:
        meta["file_label"] = file_label
    letters = _letter_map(stata_missing, questionnaire, language, list(df.columns))
    problems: list[str] = []
    cut: list[str] = []
    writer = {"sav": _write_sav, "zsav": _write_sav, "dta": _write_dta, "xlsx": _write_xlsx,
              "csv": _write_csv, "parquet": _write_parquet}[fmt]
    job = writer(df, meta, fmt, letters, problems, cut, long_labels, cells, encoding, name)
    if problems:
        raise FormatCapacityError(f"cannot write {name}: " + "; ".join(problems[:20])
                                  + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "") + ".",
                                  file=name, problems=problems)
    if cut:
        warnings.warn(f"{name}: labels cut to fit the format: " + "; ".join(cut), SurveykitWarning, stacklevel=2)
    return _atomic_write(target, job)


# ============================================================================================
# shared helpers
# ============================================================================================
def _unsupported_columns(df: pd.DataFrame) -> list[str]:
    """Column types no survey format stores: complex numbers (SPSS would keep the real part, Stata
    and CSV the text '(1+2j)'), durations and periods (written as garbage or refused obscurely)."""
    out = []
    for col in df.columns:
        dtype = df[col].dtype
        if pd.api.types.is_complex_dtype(dtype):
            out.append(f"{col!r} holds complex numbers, which no survey format stores; write the real and "
                       "imaginary parts as two columns")
        elif pd.api.types.is_timedelta64_dtype(dtype):
            out.append(f"{col!r} holds durations; convert them to a number (s.dt.total_seconds() / 60 for minutes)")
        elif isinstance(dtype, pd.PeriodDtype):
            out.append(f"{col!r} holds periods; convert them to dates (s.dt.to_timestamp()) or text")
        elif isinstance(dtype, pd.IntervalDtype):
            out.append(f"{col!r} holds intervals; write their bounds as two columns or as text")
    return out


def _target_format(target: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower().lstrip(".")
    else:
        fmt = EXTENSIONS.get(target.suffix.lower(), "")
        if target.suffix.lower() == ".zsav":
            fmt = "zsav"
    if fmt not in ("sav", "zsav", "dta", "xlsx", "csv", "parquet"):
        raise MicrodataError(
            f"cannot write {target}: {'format ' + repr(format) if format else 'the extension ' + repr(target.suffix)}"
            " is not a format surveykit writes; use .sav, .zsav, .dta, .xlsx, .csv or .parquet.", file=str(target))
    return fmt


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
                    file=str(target)) from exc
            raise FormatCapacityError(f"cannot write {target}: the writer refused the data ({exc}). Nothing was "
                                      "written.", file=str(target)) from exc

    return atomic_write(target, run, MicrodataError)


def _collect_metadata(df: pd.DataFrame, q: Any, language: str | None) -> dict[str, Any]:
    src = get_metadata(df)
    meta = _meta.empty_metadata()
    cols = list(df.columns)
    for key in ("variable_labels", "measure", "formats", "display_width"):
        meta[key] = {c: v for c, v in (src.get(key) or {}).items() if c in cols and v not in (None, "")}
    meta["value_labels"] = {c: {_meta.norm_code(k): str(v) for k, v in (d or {}).items()}
                            for c, d in (src.get("value_labels") or {}).items() if c in cols and d}
    meta["missing"] = {}
    for c, e in (src.get("missing") or {}).items():
        if c in cols and e:
            meta["missing"][c] = _meta._missing_entry(e.get("values") or [], e.get("ranges") or [],
                                                      e.get("stata") or [])
    for key in ("file_label", "notes", "file_encoding"):
        if src.get(key):
            meta[key] = src[key]
    if q is not None:
        # the questionnaire wins for the columns it describes
        dicts = _meta.questionnaire_dicts(q, language)
        for key in ("variable_labels", "measure", "value_labels", "missing"):
            for c, v in dicts[key].items():
                if c in cols and v not in (None, ""):
                    meta[key][c] = v
    return meta


def _letter_map(stata_missing: Mapping[Any, Any] | None, q: Any, language: str | None,
                cols: list[str]) -> dict[str, dict[Any, str]]:
    """Per column: code -> Stata letter ('.d')."""
    out: dict[str, dict[Any, str]] = {}
    if q is not None:
        for c, mapping in _meta.questionnaire_dicts(q, language)["stata_codes"].items():
            if c in cols:
                out[c] = {_meta.norm_code(k): _letter(v, c) for k, v in mapping.items()}
    if stata_missing:
        per_column = all(isinstance(v, Mapping) for v in stata_missing.values())
        if per_column:
            for c, mapping in stata_missing.items():
                out[c] = {**out.get(c, {}), **{_meta.norm_code(k): _letter(v, c) for k, v in mapping.items()}}
        else:
            glob = {_meta.norm_code(k): _letter(v, None) for k, v in stata_missing.items()}
            for c in cols:
                out[c] = {**glob, **out.get(c, {})}
    return out


def _letter(v: Any, col: str | None) -> str:
    s = "." + str(v).strip().lstrip(".")
    if not _STATA_LETTER.match(s):
        where = f" for {col!r}" if col else ""
        raise MicrodataError(f"stata_missing{where}: {v!r} is not a Stata extended missing value; use '.a' to '.z'.")
    return s


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


def _check_label(text: str, limit: int, unit: str, what: str, ext: str, problems: list[str], cut: list[str],
                 long_labels: str) -> str:
    n = _length(text, unit)
    if n <= limit:
        return text
    if long_labels == "truncate":
        short = _fit(text, limit, unit)
        cut.append(f"{what} ({n} {unit} -> {_length(short, unit)})")
        return short
    problems.append(f"{what} is {n} {unit}; {ext} allows {limit}. Shorten the labels, or pass "
                    "long_labels='truncate' to cut them (with a warning)")
    return text


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
        problems.append(f"{col!r} holds integers beyond 2**53 (e.g. {big.iloc[0]} at row {big.index[0]}), "
                        f"which {ext} stores as doubles and would change. Write it as text (astype(str))")


def _as_ns(s: pd.Series, col: str, ext: str, problems: list[str]) -> pd.Series:
    """Dates in nanoseconds, the only unit pyreadstat reads correctly: a datetime64[s] column (from a
    numpy datetime64[D] array) was written as 1970-01-01 in every row."""
    if getattr(s.dtype, "tz", None) is not None:
        problems.append(f"{col!r} has time-zone-aware dates, which {ext} cannot hold; convert them "
                        "(s.dt.tz_convert(None))")
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
        problems.append(f"{col!r} has text holding a NUL character (\\x00, row {bad.index[0]!r}), which {ext} "
                        "would cut or garble; remove it (s.str.replace('\\x00', ''))")


def _int_format(s: pd.Series) -> str | None:
    """SPSS display format F<w>.0 for a numeric column whose values are all integers."""
    vals = s.dropna().to_numpy(dtype=float)
    if not len(vals) or not np.all(np.isfinite(vals)) or not np.all(vals == np.round(vals)):
        return None
    width = max(len(str(int(v))) for v in (vals.min(), vals.max()))
    return f"F{max(width, 1)}.0"


# ============================================================================================
# SPSS
# ============================================================================================
def _write_sav(df: pd.DataFrame, meta: dict[str, Any], fmt: str, letters: dict[str, dict[Any, str]],
               problems: list[str], cut: list[str], long_labels: str, cells: str, encoding: str,
               name: str) -> Callable[[str], None]:
    import pyreadstat

    lim = LIMITS["sav"]
    ext = ".sav"
    out: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    for col in df.columns:
        s = _plain(df[col])
        kind = _kind_in(s, col, meta)
        b = len(col.encode("utf-8"))
        if b > lim["name_bytes"]:
            problems.append(f"variable name {col!r} is {b} bytes; {ext} allows {lim['name_bytes']}. Rename it")
        elif not re.match(r"^[^\W\d_]", col) and col[:1] not in "@#$":
            problems.append(f"variable name {col!r} must start with a letter in {ext}. Rename it")
        elif re.search(r"[^\w.@#$]", col) or col.endswith("."):
            problems.append(f"variable name {col!r} has a space or a character {ext} does not allow (or ends "
                            "with '.'). Rename it")
        elif col.upper() in _SPSS_RESERVED:
            problems.append(f"variable name {col!r} is an SPSS reserved word. Rename it")
        if kind == "letters":
            mapping = {v: k for k, v in letters.get(col, {}).items()}
            found = sorted(set(s[s.map(type).eq(str)].astype(str)))
            unmapped = [x for x in found if x not in mapping]
            if unmapped:
                problems.append(f"{col!r} holds Stata missing values {unmapped}, which {ext} cannot hold. Give "
                                f"their codes with stata_missing={{{col!r}: {{98: '{unmapped[0]}'}}}} (code -> letter) "
                                "or a questionnaire with missing codes")
                out[col], kinds[col] = s, "letters"
                continue
            s = pd.to_numeric(s.replace(mapping), errors="coerce").astype("float64")
            entry = meta["missing"].setdefault(col, {"values": [], "ranges": [], "stata": []})
            entry["values"] = sorted(set(entry["values"]) | {mapping[x] for x in found})
            entry["stata"] = []
            kind = "numeric"
        if kind == "numeric":
            _big_ints(s, col, ext, problems)
            s = _as_float(s) if not pd.api.types.is_float_dtype(s.dtype) else s
        elif kind == "text":
            s = s.astype(object).where(s.notna(), "")
            chars = s.str.len()
            maybe = s[chars > lim["string_bytes"] // 4]  # only these can pass the limit in UTF-8 bytes
            if len(maybe):
                nbytes = maybe.map(lambda v: len(v.encode("utf-8")))
                if (nbytes > lim["string_bytes"]).any():
                    problems.append(f"{col!r} has text longer than {lim['string_bytes']} bytes (row "
                                    f"{nbytes.idxmax()!r}), the {ext} limit")
        elif kind == "datetime":
            s = _as_ns(s, col, ext, problems)
        elif kind in ("mixed", "bytes"):
            problems.append(_mixed_message(s, col, ext))
        if kind == "text":
            _nul(s, col, ext, problems)
        kinds[col] = kind
        out[col] = s
    data = pd.DataFrame(out, index=df.index)
    labels = _checked_variable_labels(meta, lim["variable_label_bytes"], "bytes", ext, problems, cut, long_labels)
    value_labels: dict[str, dict[Any, str]] = {}
    for col, d in meta["value_labels"].items():
        kind = kinds.get(col)
        text_codes = [k for k in d if isinstance(k, str)]
        if kind == "text" and len(text_codes) != len(d):
            problems.append(f"{col!r} is text but its value labels have numeric codes "
                            f"({[k for k in d if not isinstance(k, str)][:3]}); give text codes")
            continue
        if kind != "text" and text_codes:
            problems.append(f"{col!r} is numeric but its value labels have text codes ({text_codes[:3]}); "
                            "give numeric codes")
            continue
        value_labels[col] = {k: _check_label(v, lim["value_label_bytes"], "bytes",
                                             f"value label of code {k!r} of {col!r}", ext, problems, cut, long_labels)
                             for k, v in d.items()}
    missing_ranges: dict[str, list[Any]] = {}
    for col, e in meta["missing"].items():
        if e.get("stata") and kinds.get(col) != "letters":
            pass  # letters found in a Stata file that are NaN now: nothing to write in SPSS terms
        values, ranges = list(e.get("values") or []), list(e.get("ranges") or [])
        # a one-value range is a discrete value (and is read back as one)
        values += [lo for lo, hi in ranges if lo == hi and lo not in values]
        ranges = [[lo, hi] for lo, hi in ranges if lo != hi]
        if not values and not ranges:
            continue
        if kinds.get(col) == "text":
            if ranges:
                problems.append(f"{col!r} is text; {ext} allows no missing ranges for text variables")
            long = [v for v in values if len(str(v).encode("utf-8")) > lim["string_missing_bytes"]]
            if long:
                problems.append(f"{col!r}: text missing values must be at most 8 bytes in {ext}; {long[:3]} are longer")
            if any(not isinstance(v, str) for v in values):
                problems.append(f"{col!r} is text but its missing values {values} are not all text")
        elif any(isinstance(v, str) for v in values) or any(isinstance(x, str) for r in ranges for x in r):
            problems.append(f"{col!r} is numeric but its missing values {values or ranges} include text")
        if len(ranges) > 1 or (ranges and len(values) > 1) or len(values) > lim["missing_values"]:
            problems.append(f"{col!r} declares {len(values)} missing value(s) and {len(ranges)} range(s); {ext} allows "
                            "up to 3 values, or 1 range plus 1 value. Merge codes into a range (e.g. 97-99)")
            continue
        missing_ranges[col] = [{"lo": lo, "hi": hi} for lo, hi in ranges] + list(values)
    measure = {}
    for col in data.columns:
        m = meta["measure"].get(col)
        if m not in ("nominal", "ordinal", "scale"):
            m = "nominal" if (kinds[col] == "text" or col in value_labels) else "scale"
        measure[col] = m
    formats = {}
    for col in data.columns:
        f = meta["formats"].get(col)
        if (
            kinds[col] == "numeric"
            and isinstance(f, str)
            and re.match(r"^[A-Z]+\d+(\.\d+)?$", f)
            and not f.startswith("A")
        ):
            formats[col] = f
        elif kinds[col] == "numeric":
            f = _int_format(data[col])
            if f:
                formats[col] = f
    width = {c: int(w) for c, w in meta["display_width"].items() if c in data.columns}
    flabel = meta.get("file_label") or ""
    if flabel:
        flabel = _check_label(flabel, lim["file_label_bytes"], "bytes", "the file label", ext, problems, cut,
                              long_labels)
    notes = meta.get("notes") or None

    def job(tmp: str) -> None:
        pyreadstat.write_sav(data, tmp, file_label=flabel, column_labels=labels or None,
                             variable_value_labels=value_labels or None, missing_ranges=missing_ranges or None,
                             variable_measure=measure, variable_format=formats or None,
                             variable_display_width=width or None, note=notes, compress=(fmt == "zsav"))

    return job


def _checked_variable_labels(meta: dict[str, Any], limit: int, unit: str, ext: str, problems: list[str],
                             cut: list[str], long_labels: str) -> dict[str, str]:
    return {c: _check_label(str(v), limit, unit, f"variable label of {c!r}", ext, problems, cut, long_labels)
            for c, v in meta["variable_labels"].items()}


def _mixed_message(s: pd.Series, col: str, ext: str) -> str:
    num = pd.to_numeric(s, errors="coerce")
    odd = s[s.notna() & num.isna()]
    example = f" (e.g. {odd.iloc[0]!r} at row {odd.index[0]!r})" if len(odd) and num.notna().any() else ""
    return (f"{col!r} mixes numbers and text{example}; {ext} columns are either numeric or text. Convert the "
            "column (pd.to_numeric or astype(str)) first")


# ============================================================================================
# Stata
# ============================================================================================
def _write_dta(df: pd.DataFrame, meta: dict[str, Any], fmt: str, letters: dict[str, dict[Any, str]],
               problems: list[str], cut: list[str], long_labels: str, cells: str, encoding: str,
               name: str) -> Callable[[str], None]:
    import pyreadstat

    lim = LIMITS["dta"]
    ext = ".dta"
    out: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    missing_user: dict[str, list[str]] = {}
    undeclarable: list[str] = []
    for col in df.columns:
        s = _plain(df[col])
        kind = _kind_in(s, col, meta)
        if len(col) > lim["name_chars"]:
            problems.append(f"variable name {col!r} is {len(col)} characters; {ext} allows {lim['name_chars']}. "
                            "Rename it")
        elif not re.match(r"^[^\W\d]\w*$", col):
            problems.append(f"variable name {col!r} may hold only letters, digits and '_' and not start with a "
                            f"digit in {ext}. Rename it")
        elif col in _STATA_RESERVED:
            problems.append(f"variable name {col!r} is a Stata reserved word. Rename it")
        e = meta["missing"].get(col) or {}
        if kind in ("numeric", "letters") and (e.get("values") or e.get("ranges")):
            num = pd.to_numeric(s, errors="coerce")
            mask = _meta.missing_mask(num, e)
            if mask.any():
                mapping = letters.get(col, {})
                present = sorted({_meta.norm_code(v) for v in num[mask].unique()})
                unmapped = [v for v in present if v not in mapping]
                if unmapped:
                    problems.append(
                        f"{col!r} holds the missing codes {unmapped} (declared user-missing), which Stata has no "
                        f"way to declare. Map them to extended missing values with stata_missing="
                        f"{{{unmapped[0]!r}: '.a'}} (or a questionnaire whose missing codes have Stata letters), or "
                        "read the data with user_missing='nan'")
                else:
                    s = s.astype(object).copy()
                    s[mask] = num[mask].map(mapping)
                    kind = "letters"
            elif col not in letters:
                undeclarable.append(col)
        if kind == "letters":
            is_letter = s.map(type).eq(str).to_numpy()
            found = sorted(set(s[is_letter].astype(str)))
            col_out = s.astype(object).copy()
            col_out[is_letter] = [x.lstrip(".") for x in s[is_letter].astype(str)]
            col_out[~is_letter] = _as_float(s[~is_letter])
            missing_user[col] = [x.lstrip(".") for x in found]
            s = col_out
        elif kind == "numeric":
            _big_ints(s, col, ext, problems)
            s = _as_float(s) if pd.api.types.is_bool_dtype(s.dtype) or s.dtype == object or \
                isinstance(s.dtype, pd.api.extensions.ExtensionDtype) else s
            if pd.api.types.is_float_dtype(s.dtype):
                big = s.abs() > 8.988465674311579e307
                if big.any():
                    problems.append(f"{col!r} has values too large for Stata (row {s.index[big.to_numpy()][0]})")
        elif kind == "text":
            s = s.astype(object).where(s.notna(), "")
            _nul(s, col, ext, problems)
        elif kind == "datetime":
            s = _as_ns(s, col, ext, problems)
        elif kind in ("mixed", "bytes"):
            problems.append(_mixed_message(s, col, ext))
        kinds[col] = kind
        out[col] = s
    if undeclarable:
        warnings.warn(f"{name}: Stata has no user-missing declarations; the SPSS-style missing codes declared for "
                      f"{format_rows(undeclarable)} are not written (no such codes occur in the data).",
                      SurveykitWarning, stacklevel=4)
    data = pd.DataFrame(out, index=df.index)
    labels = _checked_variable_labels(meta, lim["variable_label_chars"], "chars", ext, problems, cut, long_labels)
    value_labels: dict[str, dict[int, str]] = {}
    for col, d in meta["value_labels"].items():
        kind = kinds.get(col)
        if kind == "text":
            problems.append(
                f"{col!r} is a text variable with value labels, which Stata cannot hold (labels need integer "
                "codes). Recode it to integer codes (e.g. the questionnaire's choice codes) or write .sav")
            continue
        bad = [k for k in d if not isinstance(k, int) or not lim["label_code_min"] <= k <= lim["label_code_max"]]
        if bad:
            problems.append(f"{col!r} has value labels for {bad[:3]}; Stata labels only integers between "
                            f"{lim['label_code_min']} and {lim['label_code_max']}. Recode those values")
            continue
        value_labels[col] = {k: _check_label(v, lim["value_label_bytes"], "bytes",
                                             f"value label of code {k!r} of {col!r}", ext, problems, cut, long_labels)
                             for k, v in d.items()}
    formats = {c: f for c, f in meta["formats"].items()
               if c in data.columns and isinstance(f, str) and f.startswith("%") and kinds[c] == "numeric"
               and not re.match(r"^%-?\d*s$", f) and not f.startswith("%t")}
    flabel = meta.get("file_label") or ""
    if flabel:
        flabel = _check_label(flabel, lim["file_label_chars"], "chars", "the file label", ext, problems, cut,
                              long_labels)

    def job(tmp: str) -> None:
        pyreadstat.write_dta(data, tmp, file_label=flabel, column_labels=labels or None, version=15,
                             variable_value_labels=value_labels or None,
                             missing_user_values=missing_user or None, variable_format=formats or None)

    return job


# ============================================================================================
# Excel, CSV, Parquet
# ============================================================================================
def _cells_as_labels(df: pd.DataFrame, meta: dict[str, Any], problems: list[str], ext: str) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = _plain(df[col])
        labels = meta["value_labels"].get(col)
        if labels:
            dup = pd.Series(labels).duplicated(keep=False)
            if dup.any():
                problems.append(f"{col!r} gives the label {pd.Series(labels)[dup].iloc[0]!r} to several codes, so "
                                f"labels in cells could not be read back to codes; write {ext} with cells='codes'")
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


def _write_xlsx(df: pd.DataFrame, meta: dict[str, Any], fmt: str, letters: dict[str, dict[Any, str]],
                problems: list[str], cut: list[str], long_labels: str, cells: str, encoding: str,
                name: str) -> Callable[[str], None]:
    from openpyxl import Workbook

    from ._excel import label_sheet_rows

    lim = LIMITS["xlsx"]
    if len(df) > lim["rows"]:
        problems.append(f"{len(df):,} rows do not fit in an Excel sheet ({lim['rows']:,} data rows at most); "
                        "write .sav, .dta, .csv or .parquet")
    if df.shape[1] > lim["columns"]:
        problems.append(f"{df.shape[1]:,} columns do not fit in an Excel sheet ({lim['columns']:,} at most)")
    data = _prepare_plain(df, meta, cells, problems, ".xlsx")
    columns = {}
    for col in data.columns:
        s = data[col]
        _big_ints(s, col, ".xlsx", problems)
        if pd.api.types.is_datetime64_any_dtype(s.dtype) and getattr(s.dtype, "tz", None) is not None:
            problems.append(f"{col!r} has time-zone-aware dates, which Excel cannot hold; convert them "
                            "(s.dt.tz_convert(None))")
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            txt = s[s.map(type).eq(str)]
            if len(txt):
                lens = txt.str.len()
                if (lens > lim["cell_chars"]).any():
                    problems.append(f"{col!r} has text longer than {lim['cell_chars']} characters (row "
                                    f"{lens.idxmax()!r}), the Excel cell limit")
                bad = txt[txt.str.contains(_ILLEGAL_XML)]
                if len(bad):
                    problems.append(f"{col!r} has control characters Excel cannot store (row {bad.index[0]!r}); "
                                    "remove them")
        # NaN/NaT/None -> empty cell; numpy scalars -> Python
        obj = s.astype(object)
        columns[col] = obj.where(s.notna(), None)
    rows_df = pd.DataFrame(columns, index=df.index)
    sheets = label_sheet_rows(meta, list(df.columns), len(df))

    def job(tmp: str) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("data")
        ws.append(list(df.columns))
        for row in rows_df.itertuples(index=False, name=None):
            ws.append([_py(v) for v in row])
        for sheet, rows in sheets.items():
            sh = wb.create_sheet(sheet)
            for r in rows:
                sh.append([_py(v) for v in r])
        wb.save(tmp)

    return job


def _py(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if v is pd.NaT:
        return None
    if isinstance(v, (dt.datetime, dt.date, dt.time, int, float, str, bool)):
        return v
    return v


def _sidecar_json(meta: dict[str, Any], columns: list[str], data: pd.DataFrame, file_name: str) -> dict[str, Any]:
    sk_meta = _meta.restrict(meta, columns)
    sk_meta.pop("file", None)
    sk_meta["format"] = "csv"
    types = []
    for c in columns:
        s = data[c]
        if pd.api.types.is_integer_dtype(s.dtype):
            t = "integer"
        elif pd.api.types.is_numeric_dtype(s.dtype):
            t = "number"
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            t = "datetime"
        else:
            t = "string"
        col = {"name": c, "datatype": t}
        if c in meta["variable_labels"]:
            col["titles"] = meta["variable_labels"][c]
        types.append(col)
    return {"@context": "http://www.w3.org/ns/csvw", "url": file_name,
            "tableSchema": {"columns": types}, "surveykit": _meta.to_json(sk_meta)}


def _write_csv(df: pd.DataFrame, meta: dict[str, Any], fmt: str, letters: dict[str, dict[Any, str]],
               problems: list[str], cut: list[str], long_labels: str, cells: str, encoding: str,
               name: str) -> Callable[[str], None]:
    from .read import SIDECAR_SUFFIX

    data = _prepare_plain(df, meta, cells, problems, ".csv")
    # integral float columns are codes or counts: write 1, not 1.0
    for col in data.columns:
        s = data[col]
        if pd.api.types.is_float_dtype(s.dtype):
            vals = s.dropna().to_numpy()
            if len(vals) and np.all(np.isfinite(vals)) and np.all(vals == np.round(vals)) and \
                    np.all(np.abs(vals) < _MAX_EXACT):
                data[col] = s.astype("Int64")
    for col in data.columns:
        if data[col].dtype == object or pd.api.types.is_string_dtype(data[col].dtype):
            _nul(data[col], col, ".csv", problems)
    # dates need the sidecar too: without it they come back as text
    has_meta = any(meta.get(k) for k in ("variable_labels", "value_labels", "missing", "measure")) or \
        any(pd.api.types.is_datetime64_any_dtype(df[c].dtype) for c in df.columns)
    sidecar = _sidecar_json(meta, list(df.columns), df, Path(name).name) if has_meta else None
    side_path = Path(name + SIDECAR_SUFFIX)

    def job(tmp: str) -> None:
        try:
            data.to_csv(tmp, index=False, encoding=encoding)
        except UnicodeEncodeError as exc:
            raise FormatCapacityError(f"cannot write {name}: text cannot be encoded as {encoding} ({exc}); use "
                                      "encoding='utf-8'.", file=name) from exc
        if sidecar is not None:
            _atomic_write(side_path, lambda t: Path(t).write_text(json.dumps(sidecar, ensure_ascii=False, indent=1),
                                                                   encoding="utf-8"))
        elif side_path.exists():
            side_path.unlink()  # an old sidecar would attach stale labels to the new data

    return job


def _write_parquet(df: pd.DataFrame, meta: dict[str, Any], fmt: str, letters: dict[str, dict[Any, str]],
                   problems: list[str], cut: list[str], long_labels: str, cells: str, encoding: str,
                   name: str) -> Callable[[str], None]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MicrodataError("writing Parquet needs pyarrow: pip install 'surveykit[parquet]'.", file=name) from exc
    data = pd.DataFrame({c: _plain(df[c]) for c in df.columns}, index=df.index)
    for col in data.columns:
        if _kind(data[col]) in ("letters", "mixed", "bytes"):
            problems.append(_mixed_message(data[col], col, ".parquet"))
    sk_meta = _meta.restrict(meta, list(df.columns))
    sk_meta.pop("file", None)
    payload = json.dumps(_meta.to_json(sk_meta), ensure_ascii=False).encode("utf-8")

    def job(tmp: str) -> None:
        table = pa.Table.from_pandas(data, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"surveykit": payload})
        pq.write_table(table, tmp)

    return job
