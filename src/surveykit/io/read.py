"""Reading microdata files with their labels and missing-value declarations.

One entry point, :func:`read_microdata`, for SPSS (.sav/.zsav/.por), Stata (.dta), Excel (.xlsx),
CSV and Parquet. Each format has a *source* that knows how to read its metadata and its rows
(whole, or a window of rows for chunked reads); the shared post-processing (labels in cells back to
codes, declared missing codes to NaN) is format-independent so every format behaves the same way.
"""

from __future__ import annotations

import csv
import difflib
from collections import Counter
import json
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import FileEncodingError, FileFormatError, MicrodataError, SurveykitWarning, format_rows
from ..xlsxfiles import DAMAGED as DAMAGED_XLSX
from ..metadata import META_KEY, attach_metadata
from . import _meta
from ._progress import Progress, progress_wanted
from ._sniff import resolve_format

__all__ = ["read_microdata", "read_metadata", "MicrodataChunks", "SIDECAR_SUFFIX"]

#: CSV files keep their labels in a JSON file next to them, named as in W3C "CSV on the Web"
SIDECAR_SUFFIX = "-metadata.json"
_EXCEL_META_SHEETS = ("variables", "value_labels", "missing", "file")
_NUMERIC_STORAGE = {"int8", "int16", "int32", "int64", "float", "double"}
_INT_TEXT = re.compile(r"^[+-]?\d+$")

UserMissing = Literal["nan", "keep"]
Cells = Literal["auto", "codes", "labels"]


# ============================================================================================
# public API
# ============================================================================================
def read_microdata(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    user_missing: UserMissing = "nan",
    format: str | None = None,
    sheet: str | int | None = None,
    cells: Cells = "auto",
    questionnaire: Any = None,
    language: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    na_values: Sequence[str] | None = None,
    dtype: Mapping[str, Any] | None = None,
    chunksize: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame | MicrodataChunks:
    """Read a microdata file into a DataFrame, with its labels in ``df.attrs["surveykit"]``.

    Codes stay codes (value labels are metadata, not data). Declared user-missing codes (SPSS
    discrete values and ranges, Stata ``.a``-``.z``, or those declared in a CSV sidecar, an Excel
    ``missing`` sheet or the questionnaire) become NaN, or are kept with ``user_missing="keep"``.

    Parameters
    ----------
    path : str or path-like
        ``.sav``, ``.zsav``, ``.por``, ``.dta``, ``.xlsx``, ``.csv`` (``.tsv``, ``.txt``) or ``.parquet``.
        The content must match the extension (or ``format``); a mismatch is an error, not a guess.
    columns : list of str, optional
        Read only these columns (in this order). The biggest saving on large files.
    user_missing : {"nan", "keep"}, default "nan"
        ``"nan"``: declared missing codes become NaN; how many per column is recorded in
        ``attrs["surveykit"]["converted_missing"]``. ``"keep"``: SPSS codes stay as numbers (98, 99)
        and Stata extended missing values appear as the text ``".a"``-``".z"`` in an otherwise
        numeric (object) column, so that :func:`write_microdata` can write them back unchanged.
    format : str, optional
        Override the extension: one of ``sav zsav por dta xlsx csv parquet``.
    sheet : str or int, optional
        Excel sheet (name or 0-based position). Default: the ``data`` sheet of a workbook written by
        surveykit, else the first sheet.
    cells : {"auto", "codes", "labels"}, default "auto"
        Excel/CSV/Parquet only: whether labelled columns hold codes or value labels. ``"auto"`` maps a
        column's text cells to codes when they are labels of that column; ``"labels"`` requires it;
        ``"codes"`` never maps. Labels come from the file's labels sheet/sidecar or ``questionnaire``.
        A cell that is neither a code nor a label of a mapped column is an error, never dropped.
    questionnaire : Questionnaire, optional
        Source of value labels and missing codes for columns the file does not label.
    language : str, optional
        Language of the questionnaire labels (default: the questionnaire's default language).
    encoding : str, optional
        Text encoding: CSV (default UTF-8, with or without BOM) and old SPSS/Stata files whose
        encoding is not recorded (try ``"cp1252"`` or ``"latin1"``).
    sep : str, optional
        CSV field separator; default ``","`` (``"\\t"`` for ``.tsv``).
    na_values : list of str, optional
        CSV/Excel cells (besides empty ones) that mean "no value". Default: only empty cells, so
        text such as ``"NA"`` (Namibia, "no aplica") is never silently turned into NaN.
    dtype : dict, optional
        CSV/Excel: column -> type for columns whose type must not be inferred (``{"id": "str"}``
        keeps leading zeros; codes with leading zeros are kept as text anyway).
    chunksize : int, optional
        Return an iterator of DataFrames of at most this many rows (bounded memory) instead of one
        DataFrame; row labels continue across chunks.
    progress : bool, optional
        Show progress on stderr (per chunk; a whole-file read shows its start and end). Default: when
        stderr is a terminal or the code runs in a notebook.

    Returns
    -------
    DataFrame, or MicrodataChunks when ``chunksize`` is given.

    Raises
    ------
    FileFormatError
        The file is missing, empty, truncated, corrupt, encrypted, of another format than its name,
        has duplicate column names or Excel formulas without saved values.
    FileEncodingError
        Text cannot be decoded; the message gives the line and suggests an encoding.
    MicrodataError
        Unknown columns, unmappable labels, bad options.

    Examples
    --------
    >>> import os, tempfile, pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"sexo": [1, 2, 2, 9], "edad": [34, 51, 19, 99]})
    >>> df.attrs["surveykit"] = {"variable_labels": {"sexo": "Sexo"},
    ...     "value_labels": {"sexo": {1: "Hombre", 2: "Mujer", 9: "No responde"}},
    ...     "missing": {"sexo": {"values": [9]}, "edad": {"values": [99]}}}
    >>> path = os.path.join(tempfile.mkdtemp(), "personas.sav")
    >>> _ = sk.write_microdata(df, path)
    >>> back = sk.read_microdata(path)
    >>> back["sexo"].tolist(), back["edad"].tolist()
    ([1.0, 2.0, 2.0, nan], [34.0, 51.0, 19.0, nan])
    >>> back.attrs["surveykit"]["value_labels"]["sexo"]
    {1: 'Hombre', 2: 'Mujer', 9: 'No responde'}
    >>> sk.read_microdata(path, user_missing="keep")["sexo"].tolist()
    [1.0, 2.0, 2.0, 9.0]
    """
    _check_arguments(path, format=format, encoding=encoding, columns=columns, questionnaire=questionnaire)
    opts = _Options(user_missing=user_missing, cells=cells, questionnaire=questionnaire, language=language,
                    na_values=na_values, dtype=dtype)
    source = _open_source(path, format=format, sheet=sheet, encoding=encoding, sep=sep, opts=opts)
    meta = source.metadata()
    cols = _check_columns(columns, meta["columns"], source.name)
    meta = _meta.restrict(meta, cols)
    if opts.questionnaire is not None:
        _merge_questionnaire(meta, opts.questionnaire, opts.language, opts)
    if chunksize is not None:
        if not isinstance(chunksize, (int, np.integer)) or isinstance(chunksize, bool) or chunksize < 1:
            raise MicrodataError(f"chunksize must be a positive number of rows; got {chunksize!r}.",
                                 file=source.name)
        return MicrodataChunks(source, meta, cols, int(chunksize), opts, progress)
    bar = Progress(source.name, meta.get("n_rows")) if progress_wanted(progress) else None
    if bar is not None:  # a whole-file read has no steps to report: its start, then its end
        bar.update(0)
    try:
        raw = source.read(cols)
        df, meta = _finish(raw, meta, source, opts)
        if bar is not None:
            bar.update(len(df))
    finally:
        if bar is not None:  # the line ends even when the read fails (the error then prints on its own)
            bar.close()
    attach_metadata(df, meta)          # shared, not deep-copied into every derived frame
    return df


def read_metadata(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
) -> dict[str, Any]:
    """The labels and declarations of a microdata file, without reading its data.

    Returns the dict :func:`read_microdata` puts in ``df.attrs["surveykit"]``: ``columns``,
    ``variable_labels``, ``value_labels``, ``missing`` (``values``, ``ranges``, ``stata`` per
    column), ``measure``, ``formats``, ``display_width``, ``storage``, ``file_label``,
    ``file_encoding``, ``notes``, ``n_rows`` (``None`` when the format does not record it).
    Stata extended missing letters are found by reading the data, so they are not listed here.

    Examples
    --------
    >>> import os, tempfile, pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"p1": [1, 2, 98]})
    >>> df.attrs["surveykit"] = {"variable_labels": {"p1": "¿Se siente seguro?"},
    ...     "value_labels": {"p1": {1: "Sí", 2: "No", 98: "No sabe"}}, "missing": {"p1": {"values": [98]}}}
    >>> path = os.path.join(tempfile.mkdtemp(), "e.sav")
    >>> _ = sk.write_microdata(df, path)
    >>> m = sk.read_metadata(path)
    >>> m["variable_labels"]["p1"], m["missing"]["p1"]["values"], m["n_rows"]
    ('¿Se siente seguro?', [98], 3)
    """
    _check_arguments(path, format=format, encoding=encoding)
    opts = _Options()
    source = _open_source(path, format=format, sheet=sheet, encoding=encoding, sep=sep, opts=opts)
    return source.metadata()


class MicrodataChunks:
    """An iterator of DataFrames read a window of rows at a time (returned by ``read_microdata`` with
    ``chunksize``). Memory stays bounded by a few chunks; each chunk carries ``attrs["surveykit"]``
    and row labels that continue from the previous chunk.

    Attributes
    ----------
    metadata : dict
        The file's metadata (as :func:`read_metadata`, restricted to the columns read).
    n_rows : int or None
        Rows in the file, when the format records it.

    Examples
    --------
    >>> import os, tempfile, pandas as pd, surveykit as sk
    >>> path = os.path.join(tempfile.mkdtemp(), "big.sav")
    >>> _ = sk.write_microdata(pd.DataFrame({"x": range(10)}), path)
    >>> chunks = sk.read_microdata(path, chunksize=4, progress=False)
    >>> [len(c) for c in chunks], chunks.n_rows
    ([4, 4, 2], 10)
    """

    def __init__(self, source: _Source, meta: dict[str, Any], columns: list[str], chunksize: int,
                 opts: _Options, progress: bool | None) -> None:
        self._source = source
        self.metadata = meta
        self._columns = columns
        self.chunksize = chunksize
        self._opts = opts
        self._progress = progress
        self.n_rows: int | None = meta.get("n_rows")

    def __iter__(self) -> Iterator[pd.DataFrame]:
        bar = (Progress(self._source.name, self.n_rows) if progress_wanted(self._progress) else None)
        offset = 0
        state: dict[str, Any] = {}
        try:
            for raw in self._source.chunks(self._columns, self.chunksize, state):
                raw.index = pd.RangeIndex(offset, offset + len(raw))
                df, meta = _finish(raw, self.metadata, self._source, self._opts)
                df.attrs[META_KEY] = meta
                offset += len(raw)
                if bar is not None:
                    bar.update(len(raw))
                yield df
        finally:
            if bar is not None:
                bar.close()

    def __enter__(self) -> MicrodataChunks:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


# ============================================================================================
# options and shared post-processing
# ============================================================================================
class _Options:
    def __init__(self, user_missing: str = "nan", cells: str = "auto", questionnaire: Any = None,
                 language: str | None = None, na_values: Sequence[str] | None = None,
                 dtype: Mapping[str, Any] | None = None) -> None:
        if user_missing not in ("nan", "keep"):
            raise MicrodataError(f"user_missing must be 'nan' or 'keep'; got {user_missing!r}.")
        if cells not in ("auto", "codes", "labels"):
            raise MicrodataError(f"cells must be 'auto', 'codes' or 'labels'; got {cells!r}.")
        self.user_missing = user_missing
        self.cells = cells
        self.questionnaire = questionnaire
        self.language = language
        if isinstance(na_values, str):
            na_values = [na_values]
        if na_values is not None and not isinstance(na_values, (Sequence, set, frozenset, pd.Index, np.ndarray)):
            raise MicrodataError(f"na_values= must be a list of texts meaning 'no value' (['NA', '-']); got "
                                 f"{type(na_values).__name__}.")
        if dtype is not None and not isinstance(dtype, Mapping):
            raise MicrodataError(f"dtype= must map columns to types ({{'id': 'str'}}); got {type(dtype).__name__}.")
        self.na_values = [str(v) for v in na_values] if na_values is not None else [""]
        if "" not in self.na_values:
            self.na_values.append("")
        self.dtype = dict(dtype or {})
        #: column -> {Stata letter: code} from the questionnaire, used when keeping missing codes
        self.letter_codes: dict[str, dict[str, Any]] = {}


def _check_arguments(path: Any, *, format: Any = None, encoding: Any = None, columns: Any = None,
                     questionnaire: Any = None) -> None:
    """Arguments of the wrong kind are the caller's mistake: say which, as a MicrodataError."""
    if not isinstance(path, (str, os.PathLike)):
        raise MicrodataError(f"read_microdata needs a file path; got {type(path).__name__} {path!r:.60}.")
    for arg, value in (("format", format), ("encoding", encoding)):
        if value is not None and not isinstance(value, str):
            raise MicrodataError(f"{arg}= must be text; got {type(value).__name__} {value!r:.60}.", file=str(path))
    if columns is not None and not isinstance(columns, str) and not (
            isinstance(columns, Sequence) or isinstance(columns, (pd.Index, np.ndarray))):
        raise MicrodataError(f"columns= must be a list of column names; got {type(columns).__name__}.",
                             file=str(path))
    if questionnaire is not None and not callable(getattr(questionnaire, "label_dictionaries", None)):
        raise MicrodataError(f"questionnaire= must be a Questionnaire (load it with sk.load_questionnaire(path)); "
                             f"got {type(questionnaire).__name__} {questionnaire!r:.60}.", file=str(path))


def _check_columns(columns: Sequence[str] | None, available: list[str], name: str) -> list[str]:
    if columns is None:
        return list(available)
    if isinstance(columns, str):
        columns = [columns]
    cols = list(columns)
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise MicrodataError(f"columns= names {', '.join(map(repr, dup))} more than once; give each column once.",
                             file=name)
    have = set(available)
    unknown = [c for c in cols if c not in have]
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(str(c), available, n=2)
            hints.append(f"{c!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
        raise MicrodataError(
            f"{name} has no column {', '.join(hints)}. Its columns are: {format_rows(available, 30)}.",
            file=name, column=str(unknown[0]))
    return cols


def _merge_questionnaire(meta: dict[str, Any], q: Any, language: str | None, opts: _Options) -> None:
    """Fill labels and missing declarations the file lacks from the questionnaire (the file's own
    labels win); remember each column's Stata letter -> code map."""
    dicts = _meta.questionnaire_dicts(q, language)
    cols = set(meta["columns"])
    for key in ("variable_labels", "value_labels", "measure", "missing"):
        for col, value in dicts[key].items():
            if col in cols and col not in meta[key]:
                meta[key][col] = value
    for col, codes in dicts["stata_codes"].items():
        if col in cols:
            by_letter: dict[str, Any] = {}
            for code, letter in codes.items():
                by_letter.setdefault(letter, []).append(code)
            opts.letter_codes[col] = {k: v[0] for k, v in by_letter.items() if len(v) == 1}


def _finish(raw: pd.DataFrame, meta_in: dict[str, Any], source: _Source,
            opts: _Options) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Shared post-processing: labels in cells -> codes, Stata letters, declared missing -> NaN."""
    meta = dict(meta_in)
    meta["missing"] = {c: dict(e) for c, e in meta_in.get("missing", {}).items()}
    df = raw
    found_letters: dict[str, set[str]] = dict(source.last_letters)
    if source.text_like:
        df = _labels_to_codes(df, meta, source, opts.cells)
        df, found_letters = _text_stata_letters(df, meta, source)
    for col, letters in found_letters.items():
        entry = meta["missing"].setdefault(col, _meta._missing_entry())
        entry["stata"] = sorted(set(entry.get("stata", [])) | letters)
    if opts.user_missing == "keep":
        # with a questionnaire, a kept Stata letter becomes its missing code (".d" -> 98)
        for col, by_letter in opts.letter_codes.items():
            if col in df.columns and col in found_letters and by_letter:
                s = df[col].replace(by_letter)
                num = pd.to_numeric(s, errors="coerce")
                df[col] = num.astype("float64") if not (num.isna() & s.notna()).any() else s
    converted: dict[str, int] = {}
    if opts.user_missing == "nan":
        for col, entry in meta["missing"].items():
            if col not in df.columns:
                continue
            s = df[col]
            mask = _meta.missing_mask(s, entry)
            letters = entry.get("stata") or []
            if letters and s.dtype == object:
                mask |= s.isin(letters).to_numpy(dtype=bool)
            n = int(mask.sum())
            if n:
                s = s.mask(mask)
                if s.dtype == object:
                    num = pd.to_numeric(s, errors="coerce")
                    if not (num.isna() & s.notna()).any():
                        s = num.astype("float64")
                df[col] = s
                converted[col] = n
        meta["converted_missing"] = converted
    meta["user_missing"] = opts.user_missing
    return df, meta


def _labels_to_codes(df: pd.DataFrame, meta: dict[str, Any], source: _Source, cells: str) -> pd.DataFrame:
    """Map value labels written in cells back to their codes (Excel/CSV written with labels)."""
    if cells == "codes":
        return df
    for col, labels in meta.get("value_labels", {}).items():
        if col not in df.columns or not labels:
            continue
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            if cells == "labels" and s.notna().any():
                codes_are_text = all(isinstance(k, str) for k in labels)
                if codes_are_text:
                    raise MicrodataError(
                        f"{source.name}: column {col!r} holds numbers but cells='labels' was asked and its "
                        "labels are text. Read it with cells='codes' or 'auto'.", file=source.name, column=col)
            continue
        if s.dtype == object:
            # numbers stored as text are left to the numeric conversion below
            is_text = s.notna() & pd.to_numeric(s, errors="coerce").isna()
        else:
            is_text = s.notna()
        if not is_text.any():
            continue
        text = s[is_text].astype(str)
        by_label: dict[str, Any] = {}
        ambiguous: set[str] = set()
        for code, label in labels.items():
            if label in by_label and by_label[label] != code:
                ambiguous.add(label)
            by_label[label] = code
        code_text = {str(k): k for k in labels}
        as_label = text.map(by_label)
        as_code = text.map(code_text)
        hit_label = as_label.notna()
        hit_code = as_code.notna() & ~hit_label
        if cells == "auto" and not hit_label.any():
            continue  # a text variable whose cells are its codes
        bad_amb = text[hit_label & text.isin(ambiguous)]
        if len(bad_amb):
            raise MicrodataError(
                f"{source.name}: column {col!r} has the label {bad_amb.iloc[0]!r}, which belongs to more than "
                f"one code ({[k for k, v in labels.items() if v == bad_amb.iloc[0]]}), at rows "
                f"{format_rows(source.row_numbers(bad_amb.index))}. Write codes, not labels, in this column.",
                file=source.name, column=col, rows=list(bad_amb.index))
        unknown = text[~hit_label & ~hit_code]
        if len(unknown):
            raise MicrodataError(
                f"{source.name}: column {col!r} holds value labels, but {unknown.iloc[0]!r} (rows "
                f"{format_rows(source.row_numbers(unknown.index))}) is neither a label nor a code of it. "
                "Correct those cells, add the label to the labels sheet/questionnaire, or read with "
                "cells='codes' to keep the text as it is.", file=source.name, column=col,
                rows=list(unknown.index))
        out = s.astype(object).copy()
        out[is_text] = np.where(hit_label, as_label.astype(object), as_code.astype(object))
        if all(isinstance(k, (int, float)) for k in labels):
            num = pd.to_numeric(out, errors="coerce")
            if not (num.isna() & out.notna()).any():
                out = num.astype("float64") if num.isna().any() or num.dtype.kind == "f" else num
        df[col] = out
    return df


def _text_stata_letters(df: pd.DataFrame, meta: dict[str, Any],
                        source: _Source) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """In text formats a kept Stata missing value is the text '.a'; a column declared with Stata
    letters is numeric apart from those cells."""
    found: dict[str, set[str]] = {}
    for col, entry in meta.get("missing", {}).items():
        letters = entry.get("stata") or []
        if not letters or col not in df.columns or pd.api.types.is_numeric_dtype(df[col].dtype):
            continue
        s = df[col]
        is_letter = s.isin(letters)
        rest = s[~is_letter]
        num = pd.to_numeric(rest, errors="coerce")
        if (num.isna() & rest.notna()).any():
            continue  # really a text column; leave it to the checks
        out = pd.Series(np.nan, index=s.index, dtype=object)
        out[~is_letter] = num
        out[is_letter] = s[is_letter]
        df[col] = out
        found[col] = set(s[is_letter].unique())
    return df, found


# ============================================================================================
# sources
# ============================================================================================
class _Source:
    name: str
    text_like = False
    #: Stata letters seen in the last window read (set by the Stata reader, read by ``_finish``)
    last_letters: dict[str, set[str]] = {}

    def metadata(self) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, columns: list[str]) -> pd.DataFrame:
        raise NotImplementedError

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        raise NotImplementedError

    def row_numbers(self, index: Any) -> list[Any]:
        """How the user finds a row in the file (1-based line/row, header included)."""
        return [int(i) + 2 for i in index]


def _open_source(path: str | os.PathLike[str], *, format: str | None, sheet: str | int | None,
                 encoding: str | None, sep: str | None, opts: _Options) -> _Source:
    fmt = resolve_format(path, format)
    name = str(path)
    if fmt in ("sav", "zsav", "por", "dta"):
        if sheet is not None or sep is not None:
            raise MicrodataError(f"sheet= and sep= do not apply to .{fmt} files ({name}).", file=name)
        return _ReadstatSource(name, fmt, encoding, opts)
    if fmt == "xlsx":
        return _ExcelSource(name, sheet, opts)
    if fmt == "csv":
        if sheet is not None:
            raise MicrodataError(f"sheet= does not apply to CSV files ({name}).", file=name)
        return _CsvSource(name, encoding, sep, opts)
    if fmt == "parquet":
        return _ParquetSource(name, opts)
    raise FileFormatError(f"{name}: format {fmt!r} is not readable.", file=name)  # pragma: no cover


# --- SPSS / Stata (pyreadstat) -----------------------------------------------------------------
class _ReadstatSource(_Source):
    def __init__(self, name: str, fmt: str, encoding: str | None, opts: _Options) -> None:
        import pyreadstat

        self.name = name
        self.fmt = fmt
        self.encoding = encoding
        self.opts = opts
        self._fn = {"sav": pyreadstat.read_sav, "zsav": pyreadstat.read_sav, "por": pyreadstat.read_por,
                    "dta": pyreadstat.read_dta}[fmt]
        self._meta: dict[str, Any] | None = None
        if fmt == "por" and opts.user_missing == "keep":
            warnings.warn(
                f"{name}: user_missing='keep' cannot be honoured for .por files: pyreadstat reads their "
                "user-missing codes as system missing (NaN). Save the file as .sav in SPSS/PSPP to keep them.",
                SurveykitWarning, stacklevel=4)

    def _kwargs(self, **extra: Any) -> dict[str, Any]:
        kw: dict[str, Any] = {"dates_as_pandas_datetime": True}
        if self.fmt != "por":
            kw["user_missing"] = True
            if self.encoding:
                kw["encoding"] = self.encoding
        kw.update(extra)
        return kw

    def _call(self, **kw: Any) -> tuple[pd.DataFrame, Any]:
        try:
            return self._fn(self.name, **self._kwargs(**kw))
        except Exception as exc:  # pyreadstat raises its own ReadstatError, ValueError, OSError...
            raise _readstat_error(self.name, self.fmt, exc, self.encoding) from exc

    def metadata(self) -> dict[str, Any]:
        if self._meta is None:
            _, m = self._call(metadataonly=True)
            self._meta = _meta.meta_from_readstat(m, self.name, self.fmt)
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._meta.items()}

    def _window(self, columns: list[str], offset: int, limit: int) -> pd.DataFrame:
        all_cols = self.metadata()["columns"]
        usecols = None if columns == all_cols else columns
        df, _m = self._call(usecols=usecols, row_offset=offset, row_limit=limit)
        if usecols is not None and list(df.columns) != columns:
            df = df[columns]  # pyreadstat returns file order
        letters: dict[str, set[str]] = {}
        if self.fmt == "dta":
            df, letters = self._fix_stata(df, offset, limit)
        self.last_letters = letters  # consumed by _finish, right after this window
        return df

    def _fix_stata(self, df: pd.DataFrame, offset: int, limit: int) -> tuple[pd.DataFrame, dict[str, set[str]]]:
        """Stata extended missing values. Read with ``user_missing=True`` a numeric column holding
        ``.a``-``.z`` comes back as objects with letters, and in integer columns a system missing ``.``
        in the same column comes back as 0 or a garbage number (pyreadstat 1.3.7). Re-reading only
        those columns with ``user_missing=False`` gives the right numbers and NaN for every missing
        cell; the letters are then put back where the first read saw them."""
        storage = self.metadata()["storage"]
        # a numeric column holding letters comes back as objects (or as text when it holds nothing else)
        # (dates, %td/%tc, are numeric storage too but already right: re-reading them would give numbers)
        cands = [c for c in df.columns if storage.get(c) in _NUMERIC_STORAGE
                 and not pd.api.types.is_numeric_dtype(df[c].dtype)
                 and not pd.api.types.is_datetime64_any_dtype(df[c].dtype)]
        if not cands:
            return df, {}
        clean, _m = self._call(usecols=cands, row_offset=offset, row_limit=limit, user_missing=False)
        clean.index = df.index
        letters: dict[str, set[str]] = {}
        for c in cands:
            raw = df[c]
            is_letter = (pd.to_numeric(raw, errors="coerce").isna() & raw.notna()).to_numpy(dtype=bool)
            values = pd.to_numeric(clean[c], errors="coerce").astype("float64")
            if is_letter.any():
                found = raw[is_letter].astype(str)
                letters[c] = {"." + x.lstrip(".") for x in found.unique()}
                out = values.astype(object)
                out[is_letter] = ("." + found.str.lstrip(".")).to_numpy(dtype=object)
                df[c] = out
            else:
                df[c] = values
        return df, letters

    def read(self, columns: list[str]) -> pd.DataFrame:
        return self._window(columns, 0, 0)

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        n_rows = self.metadata().get("n_rows")
        offset = 0
        while n_rows is None or offset < n_rows:
            df = self._window(columns, offset, chunksize)
            if len(df) == 0:
                break
            yield df
            offset += len(df)
            if len(df) < chunksize:
                break


def _readstat_error(name: str, fmt: str, exc: Exception, encoding: str | None) -> Exception:
    msg = str(exc)
    kind = {"sav": "SPSS", "zsav": "SPSS", "por": "SPSS portable", "dta": "Stata"}[fmt]
    article = "an" if kind.startswith("S") and kind != "Stata" else "a"
    low = msg.lower()
    if "encoding" in low or "character set" in low or "iconv" in low or \
            isinstance(exc, (UnicodeDecodeError, LookupError)):
        tried = f" (tried {encoding!r})" if encoding else ""
        return FileEncodingError(
            f"{name}: the text in this {kind} file cannot be decoded{tried}: {msg}. Old files made on Windows "
            "are usually encoding='cp1252' (or 'latin1'); pass the right encoding= to read_microdata.",
            file=name)
    if isinstance(exc, OverflowError) and "days=" in msg:
        return FileFormatError(
            f"{name}: a date column holds numbers outside any calendar ({msg}); typically a %td (days) column "
            "that holds milliseconds, as written by tools that store datetimes with a %td format. Give that column "
            "the format %tc in Stata (format f %tc) and save it again.", file=name)
    if "expected number of rows" in low or "unable to read from file" in low:
        return FileFormatError(
            f"{name} is truncated or incomplete ({os.path.getsize(name):,} bytes): the {kind} reader stopped "
            f"early ({msg}). Export or copy the file again.", file=name)
    return FileFormatError(
        f"{name} is damaged or is not {article} {kind} file that can be read ({msg}). Export or copy it again from "
        "its source; if it opens in SPSS/Stata/PSPP, save it again from there.", file=name)


# --- CSV -----------------------------------------------------------------------------------------
class _CsvSource(_Source):
    text_like = True

    def __init__(self, name: str, encoding: str | None, sep: str | None, opts: _Options) -> None:
        self.name = name
        self.opts = opts
        if sep is None:
            sep = "\t" if Path(name).suffix.lower() == ".tsv" else ","
        if not isinstance(sep, str) or len(sep) != 1 or sep in "\r\n\"":
            raise MicrodataError(f"{name}: sep must be one character that separates the fields (',', ';', '\\t' "
                                 f"or '|'); got {sep!r}.", file=name)
        self.sep = sep
        self._fields_checked = False
        self._datetimes: set[str] = set()
        self.encoding = encoding or "utf-8-sig"
        try:
            import codecs

            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise FileEncodingError(
                f"{name}: encoding {encoding!r} is unknown. Use a Python codec name such as 'utf-8', "
                "'cp1252' (Excel on Windows) or 'latin1'.", file=name) from exc
        self._header = self._read_header()
        self._types: dict[str, str] = {}

    def _read_header(self) -> list[str]:
        _allow_long_fields()
        try:
            with open(self.name, encoding=self.encoding, newline="") as fh:
                header = next(csv.reader(fh, delimiter=self.sep), None)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except csv.Error as exc:
            raise FileFormatError(f"{self.name}: the header line cannot be read as CSV ({exc}).",
                                  file=self.name) from exc
        if not header or all(h.strip() == "" for h in header):
            raise FileFormatError(f"{self.name} has no header line (the first line is empty). The first line "
                                  "must name the columns.", file=self.name)
        _check_header(header, self.name, lambda i: f"field {i + 1} of the header line")
        return header

    def _check_fields(self) -> None:
        """Every line must have as many fields as the header: pandas silently drops extra fields when
        columns are chosen and pads short lines, which would shift or lose values. One pass with the
        csv module's C reader counts them (the lines are only located when some are wrong)."""
        if self._fields_checked:
            return
        n = len(self._header)
        try:
            with open(self.name, encoding=self.encoding, newline="") as fh:
                counts = Counter(map(len, csv.reader(fh, delimiter=self.sep)))
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except csv.Error as exc:
            raise FileFormatError(f"{self.name} is not a well-formed CSV file ({exc}). Check the separator "
                                  f"(sep={self.sep!r}) and the quotes.", file=self.name) from exc
        if any(k not in (n, 0) for k in counts):   # 0: a blank line, read as an empty row
            bad = []
            with open(self.name, encoding=self.encoding, newline="") as fh:
                reader = csv.reader(fh, delimiter=self.sep)
                start = 1
                for fields in reader:
                    if len(fields) not in (n, 0):
                        bad.append((start, len(fields), fields))
                    start = reader.line_num + 1
            line, k, fields = bad[0]
            what = (f"{k} fields but the header has {n}: the value(s) {fields[n:][:3]} have no column and would "
                    "be lost" if k > n else
                    f"only {k} field(s) but the header has {n}: a value is missing (a truncated file, or a "
                    "separator missing)")
            more = f" ({len(bad)} such lines: {format_rows([b[0] for b in bad])})" if len(bad) > 1 else ""
            raise FileFormatError(
                f"{self.name}: line {line} has {what}{more}. Fix those lines; check the separator "
                f"(sep={self.sep!r}) and that values holding it are in quotes.", file=self.name,
                rows=[b[0] for b in bad])
        self._fields_checked = True

    def _decode_error(self, exc: UnicodeDecodeError) -> FileEncodingError:
        line_no, col = _locate_bad_bytes(self.name, self.encoding)
        where = f"line {line_no}, byte {col}" if line_no else f"byte {exc.start}"
        bad = exc.object[exc.start:exc.start + 4] if isinstance(exc.object, bytes) else b""
        guess = "cp1252" if self.encoding.replace("-", "").lower() in ("utf8", "utf8sig") else "utf-8"
        return FileEncodingError(
            f"{self.name}: {where} cannot be decoded as {self.encoding} (bytes {bad!r}). The file was probably "
            f"saved in another encoding; files saved by Excel on Windows are usually cp1252. Pass "
            f"encoding={guess!r} (or the file's real encoding) to read_microdata.", file=self.name)

    def _sidecar(self) -> dict[str, Any] | None:
        side = Path(self.name + SIDECAR_SUFFIX)
        if not side.exists():
            return None
        try:
            obj = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise FileFormatError(f"{side}: the metadata file next to {self.name} is not valid JSON ({exc}). "
                                  "Fix or delete it.", file=str(side)) from exc
        if not isinstance(obj, dict):
            raise FileFormatError(f"{side}: the metadata file next to {self.name} must hold a JSON object. Fix or "
                                  "delete it.", file=str(side))
        schema = obj.get("tableSchema")
        columns = schema.get("columns") if isinstance(schema, dict) else None
        if isinstance(columns, list):
            # the writer records dates; without this they would come back as text
            self._datetimes = {c.get("name") for c in columns if isinstance(c, dict)
                               and c.get("datatype") in ("datetime", "date", "dateTime")}
        sk_meta = obj.get("surveykit")
        if sk_meta is None:
            return None
        try:
            return _meta.from_json(sk_meta)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise FileFormatError(f"{side}: the surveykit labels in the metadata file next to {self.name} are "
                                  f"malformed ({exc}). Fix or delete it.",
                                  file=str(side)) from exc

    def metadata(self) -> dict[str, Any]:
        meta = self._sidecar() or _meta.empty_metadata()
        meta["file"], meta["format"] = self.name, "csv"
        meta["columns"] = list(self._header)
        meta["file_encoding"] = self.encoding
        meta["n_rows"] = None
        return meta

    def _reader(self, columns: list[str], chunksize: int | None) -> Any:
        # arrow-backed text is fast per column but costs ~0.1 ms of set-up per column: wide files as objects
        kind = object if len(self._header) > 1000 else str
        kw: dict[str, Any] = dict(sep=self.sep, dtype=kind, keep_default_na=False, na_values=self.opts.na_values,
                                  encoding=self.encoding, chunksize=chunksize,
                                  usecols=None if columns == self._header else columns,
                                  skip_blank_lines=False)
        # the header was checked for duplicates; the names are the ones the csv module read (pandas
        # strips a second byte-order mark, say, which would make them differ)
        kw.update(header=0, names=self._header)
        return pd.read_csv(self.name, **kw)

    def _convert(self, df: pd.DataFrame, first: bool) -> pd.DataFrame:
        out: dict[str, pd.Series] = {}   # built whole: assigning 20,000 columns one by one is quadratic
        for col in df.columns:
            want = self.opts.dtype.get(col)
            if want is None and col in self._datetimes:
                want = "datetime"
            if want is not None:
                out[col] = _apply_dtype(df[col], want, self, col)
                continue
            if first or col not in self._types:
                continue  # typed below, all columns at once
            else:
                out[col] = _convert_text(df[col], self._types[col], self, col)
        todo = [c for c in df.columns if c not in out]
        if not todo:
            return pd.DataFrame(out, index=df.index, columns=df.columns)
        kinds, typed = _infer_frame(df[todo] if out else df, self)
        self._types.update(kinds)
        if not out:
            return typed
        for col, values in out.items():   # the few columns with a dtype= of their own
            typed[col] = values
        return typed[list(df.columns)]

    def read(self, columns: list[str]) -> pd.DataFrame:
        self._check_fields()
        try:
            df = self._reader(columns, None)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except pd.errors.ParserError as exc:
            raise FileFormatError(f"{self.name} is not a well-formed CSV file: {exc}. Check the separator "
                                  f"(sep={self.sep!r}) and quoting around that line.", file=self.name) from exc
        if list(df.columns) != columns:
            df = df[columns]
        return self._convert(df, first=True)

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        self._check_fields()
        try:
            with self._reader(columns, chunksize) as reader:
                first = True
                for chunk in reader:
                    yield self._convert(chunk[columns], first)
                    first = False
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except pd.errors.ParserError as exc:
            raise FileFormatError(f"{self.name} is not a well-formed CSV file: {exc}. Check the separator "
                                  f"(sep={self.sep!r}) and quoting around that line.", file=self.name) from exc


def _allow_long_fields() -> None:
    # the csv module refuses fields over 128 KiB by default; long open answers are data, not damage
    if csv.field_size_limit() < 2**30:
        csv.field_size_limit(2**30)


def _locate_bad_bytes(path: str, encoding: str) -> tuple[int | None, int | None]:
    """1-based line and byte of the first undecodable byte (only run when decoding failed)."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as fh:
        for i, line in enumerate(fh, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                return i, exc.start + 1
    return None, None


def _check_header(header: Sequence[Any], name: str, where: Any) -> None:
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h is None or str(h).strip() == "":
            raise FileFormatError(f"{name}: {where(i)} has no column name. Give every column a name in the "
                                  "header (or delete the empty column).", file=name)
        key = str(h)
        if key in seen:
            raise FileFormatError(
                f"{name}: the column name {key!r} appears twice ({where(seen[key])} and {where(i)}). Rename one "
                "of them so every column has its own name; surveykit does not rename columns for you.",
                file=name, column=key)
        seen[key] = i


def _infer_text(s: pd.Series, source: _Source | None = None, col: str | None = None) -> tuple[str, pd.Series]:
    """Type of a column read as text: integers, decimals, else text. Codes with leading zeros
    ("01"), padded numbers, words and integers too long for int64 (20-digit ids) stay text, so
    nothing is silently reinterpreted or rounded."""
    present = s.notna()
    if not present.any():
        return "float", pd.Series(np.nan, index=s.index, dtype="float64")
    txt = s[present].astype(str)
    num = pd.to_numeric(txt, errors="coerce")
    if num.isna().any():
        return "str", s.astype("str")
    if txt.str.match(r"^[+-]?0\d").any() or (txt.str.strip() != txt).any():
        return "str", s.astype("str")
    if txt.str.match(_INT_TEXT).all():
        too_long = txt.str.lstrip("+-").str.len() >= 19
        if too_long.any() and (num[too_long].abs() >= 2**63 - 1024).any():
            first = txt[too_long].iloc[0]
            where = f"{source.name}: column {col!r}" if source is not None else f"column {col!r}"
            warnings.warn(f"{where} holds integers too long for 64-bit numbers (e.g. {first}); it is read as text "
                          "so that no digit is lost (as a number it would be rounded). Pass dtype={"
                          f"{col!r}: 'float'}} to read rounded numbers instead.", SurveykitWarning, stacklevel=6)
            return "str", s.astype("str")
        return "int", _convert_text(s, "int", None, None)
    return "float", pd.to_numeric(s, errors="coerce").astype("float64")


def _infer_frame(df: pd.DataFrame, source: _Source) -> tuple[dict[str, str], pd.DataFrame]:
    """:func:`_infer_text` for every column at once: the tests run on all cells together and are
    summed per column with bincount, so a file with 20,000 columns costs a few whole-array operations
    instead of 20,000 rounds of per-column pandas overhead. Rare cases (integers beyond 2**53) are
    passed to :func:`_infer_text` column by column."""
    n_rows, n_cols = df.shape
    if n_rows == 0 or n_cols < 50:
        kinds, typed = {}, {}
        for col in df.columns:
            kinds[col], typed[col] = _infer_text(df[col], source, col)
        return kinds, pd.DataFrame(typed, index=df.index, columns=df.columns)
    cells = pd.Series(df.to_numpy(dtype=object).ravel(order="F"))
    col_of = np.repeat(np.arange(n_cols), n_rows)
    present = cells.notna().to_numpy()
    txt = cells[present].astype(str)
    where = col_of[present]
    num = pd.to_numeric(txt, errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def per_col(mask: np.ndarray) -> np.ndarray:
        return np.bincount(where[mask], minlength=n_cols) > 0

    any_present = np.bincount(where, minlength=n_cols) > 0
    not_number = per_col(np.isnan(num))
    as_text = not_number | per_col((txt.str.match(r"^[+-]?0\d") | (txt.str.strip() != txt)).to_numpy(dtype=bool))
    not_int = per_col(~txt.str.match(_INT_TEXT).to_numpy(dtype=bool))
    big = per_col(np.abs(np.nan_to_num(num)) >= 2**53)
    missing = np.bincount(col_of[~present], minlength=n_cols) > 0
    grid = np.full(n_rows * n_cols, np.nan)
    grid[present] = num
    grid = grid.reshape((n_rows, n_cols), order="F")
    kinds: dict[str, str] = {}
    typed: dict[str, pd.Series] = {}
    cols = list(df.columns)
    is_int = ~not_int & ~as_text & any_present
    exact = is_int & ~missing & ~big
    groups = {  # built as whole blocks: per-column Series would cost ~0.3 ms x 20,000
        "int": np.flatnonzero(exact),
        "float": np.flatnonzero((~any_present) | (~as_text & not_int) | (is_int & missing & ~big)),
        "str": np.flatnonzero(as_text & any_present),
    }
    blocks = []
    if len(groups["int"]):
        blocks.append(pd.DataFrame(grid[:, groups["int"]].astype(np.int64), index=df.index,
                                   columns=[cols[j] for j in groups["int"]]))
    if len(groups["float"]):
        blocks.append(pd.DataFrame(grid[:, groups["float"]], index=df.index,
                                   columns=[cols[j] for j in groups["float"]]))
    if len(groups["str"]):
        blocks.append(df.iloc[:, groups["str"]].astype("str"))
    for j in np.flatnonzero(is_int & big):
        kinds[cols[j]], typed[cols[j]] = _infer_text(df[cols[j]], source, cols[j])
    if typed:
        blocks.append(pd.DataFrame(typed, index=df.index))
    for j in groups["int"]:
        kinds[cols[j]] = "int"
    for j in groups["float"]:
        kinds[cols[j]] = "int" if is_int[j] else "float"
    for j in groups["str"]:
        kinds[cols[j]] = "str"
    out = pd.concat(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    return kinds, out[cols] if list(out.columns) != cols else out


def _convert_text(s: pd.Series, kind: str, source: _Source | None, col: str | None) -> pd.Series:
    if kind == "str":
        return s.astype("str")
    present = s.notna()
    if kind == "int":
        txt = s[present].astype(str)
        if txt.str.match(_INT_TEXT).all():
            try:
                ints = txt.astype("int64")
            except (OverflowError, ValueError):
                ints = None
            if ints is not None:
                if present.all():
                    return ints.reindex(s.index)
                if ints.abs().max() < 2**53:
                    return pd.to_numeric(s, errors="coerce").astype("float64")
                return ints.astype("Int64").reindex(s.index)
            if source is not None and col is not None:
                raise MicrodataError(
                    f"{source.name}: column {col!r} held 64-bit integers in the first chunk but a longer one "
                    f"later ({txt[txt.str.lstrip('+-').str.len() >= 19].iloc[0]}). Pass dtype={{{col!r}: 'str'}} "
                    "to read it as text.", file=source.name, column=col)
        kind = "float"
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & present
    if bad.any():
        assert source is not None and col is not None
        rows = list(s.index[bad])
        raise MicrodataError(
            f"{source.name}: column {col!r} held numbers in the first chunk but {s[bad].iloc[0]!r} at line(s) "
            f"{format_rows(source.row_numbers(rows))}. Pass dtype={{{col!r}: 'str'}} to read it as text.",
            file=source.name, column=col, rows=rows)
    return num.astype("float64")


def _apply_dtype(s: pd.Series, want: Any, source: _Source, col: str) -> pd.Series:
    if want in ("str", str, "string", "text"):
        return s.map(lambda v: v if v is None or isinstance(v, str) or (isinstance(v, float) and np.isnan(v))
                     else str(v)).astype("str")
    try:
        if want in ("datetime", "datetime64", "datetime64[ns]", "date"):
            if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
                return pd.to_datetime(s, errors="raise")
            # as written by surveykit and most tools: ISO 8601, with or without the time of day
            return pd.to_datetime(s, errors="raise", format="ISO8601")
        return s.astype(want)
    except (ValueError, TypeError) as exc:
        raise MicrodataError(f"{source.name}: column {col!r} cannot be read as {want!r}: {exc}. Fix the cells "
                             "or choose another dtype.", file=source.name, column=col) from exc


# --- Excel ----------------------------------------------------------------------------------------
class _ExcelSource(_Source):
    text_like = True

    def __init__(self, name: str, sheet: str | int | None, opts: _Options) -> None:
        self.name = name
        self.opts = opts
        self._wb = None
        self._sheet_arg = sheet
        self._cache: pd.DataFrame | None = None
        self._header: list[str] | None = None
        self._meta_cache: dict[str, Any] | None = None

    def _open(self) -> Any:
        import zipfile
        import zlib

        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        if self._wb is None:
            try:
                # from a file object, so that format='xlsx' works whatever the file is called
                self._fh = open(self.name, "rb")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # openpyxl's "no default style" noise
                    self._wb = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise FileFormatError(
                    f"{self.name} is truncated or damaged (not a complete .xlsx workbook: {exc}). Save it again "
                    "from Excel/LibreOffice, or copy it again.", file=self.name) from exc
            except (InvalidFileException, KeyError, OSError, ValueError, NotImplementedError) as exc:
                raise FileFormatError(
                    f"{self.name} cannot be opened as an .xlsx workbook ({exc}). Save it again from "
                    "Excel/LibreOffice as 'Excel Workbook (.xlsx)'.", file=self.name) from exc
        return self._wb

    def _sheet_name(self) -> str:
        wb = self._open()
        names = wb.sheetnames
        arg = self._sheet_arg
        if arg is None:
            if "data" in names and any(s in names for s in _EXCEL_META_SHEETS):
                return "data"
            return names[0]
        if isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
            if not 0 <= arg < len(names):
                raise MicrodataError(f"{self.name} has {len(names)} sheet(s) ({', '.join(names)}); sheet={arg} "
                                     "does not exist (positions start at 0).", file=self.name)
            return names[arg]
        if arg not in names:
            close = difflib.get_close_matches(str(arg), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise MicrodataError(f"{self.name} has no sheet {arg!r}; its sheets are {', '.join(names)}.{hint}",
                                 file=self.name)
        return str(arg)

    def _rows(self, sheet: str) -> list[tuple[Any, ...]]:
        ws = self._open()[sheet]
        try:
            # the <dimension> tag may understate the used range (some exporters write A1:B3 for a
            # bigger sheet); read-only openpyxl would stop there and lose the rest: read the cells
            ws.reset_dimensions()
            rows = list(ws.iter_rows(values_only=True))
        except DAMAGED_XLSX as exc:
            raise FileFormatError(f"{self.name}, sheet {sheet!r}, cannot be read ({exc}). Save the workbook "
                                  "again from Excel/LibreOffice.", file=self.name) from exc
        # trailing empty rows are formatting, not data
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return rows

    def _load(self, n_rows: int | None = None) -> pd.DataFrame:
        if self._cache is not None:
            return self._cache
        from openpyxl.utils import get_column_letter

        sheet = self._sheet_name()
        self.sheet = sheet
        rows = self._rows(sheet)
        if n_rows is not None and rows and len(rows) - 1 < n_rows:
            # rows left entirely empty at the end, which the workbook's 'file' sheet counts as data
            rows += [()] * (n_rows - (len(rows) - 1))
        if not rows:
            raise FileFormatError(f"{self.name}: sheet {sheet!r} is empty. Choose the sheet with the data "
                                  f"(sheet=...); the workbook has {', '.join(self._open().sheetnames)}.",
                                  file=self.name)
        width = max(len(r) for r in rows)
        header = list(rows[0]) + [None] * (width - len(rows[0]))
        body = [tuple(r) + (None,) * (width - len(r)) for r in rows[1:]]
        columns = list(zip(*body)) if body else [()] * width
        # drop columns with neither a name nor a value (formatting left in the sheet)
        keep = [i for i in range(width) if header[i] is not None or any(v is not None for v in columns[i])]
        header = [header[i] for i in keep]
        columns = [columns[i] for i in keep]
        letters = [get_column_letter(i + 1) for i in keep]
        names = [_header_name(h) for h in header]
        _check_header(names, self.name,
                      lambda i: f"cell {letters[i]}1 of sheet {sheet!r}")
        data = {}
        for name, letter, values in zip(names, letters, columns):
            data[name] = _excel_column(values, name, self, letter)
        df = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
        self._check_formulas(sheet, df, names, letters)
        self._header = names
        self._cache = df
        return df

    def _check_formulas(self, sheet: str, df: pd.DataFrame, names: list[str], letters: list[str]) -> None:
        """A workbook saved by a program that does not calculate (openpyxl, some exporters) has
        formulas without saved results: every such cell would read as empty. Find them in the XML."""
        if not df.isna().to_numpy().any():
            return
        try:
            cells = _formula_cells_without_value(self.name, self._open()[sheet])
        except DAMAGED_XLSX as exc:
            raise FileFormatError(f"{self.name}, sheet {sheet!r}, is damaged ({exc}). Save the workbook again "
                                  "from Excel/LibreOffice.", file=self.name) from exc
        if cells:
            raise FileFormatError(
                f"{self.name}, sheet {sheet!r}: {len(cells)} cell(s) hold formulas without saved results "
                f"({format_rows(cells)}), so their values cannot be read. Open the workbook in Excel or "
                "LibreOffice and save it (this stores the results), or paste the values instead of formulas.",
                file=self.name, rows=cells)

    def row_numbers(self, index: Any) -> list[Any]:
        return [int(i) + 2 for i in index]

    def metadata(self) -> dict[str, Any]:
        if self._meta_cache is None:
            try:
                self.sheet = self._sheet_name()
                meta = self._labels_sheets() or _meta.empty_metadata()
                df = self._load(meta.get("n_rows"))
            finally:
                self._close()
            meta["file"], meta["format"] = self.name, "xlsx"
            meta["sheet"] = self.sheet
            meta["columns"] = list(df.columns)
            meta["n_rows"] = len(df)
            self._meta_cache = meta
        return _meta.restrict(self._meta_cache, self._meta_cache["columns"])

    def _close(self) -> None:
        # a read-only workbook keeps its file open until closed
        if self._wb is not None:
            self._wb.close()
        if getattr(self, "_fh", None) is not None:
            self._fh.close()
            self._fh = None

    def _labels_sheets(self) -> dict[str, Any] | None:
        from ._excel import read_label_sheets

        wb = self._open()
        if self.sheet in _EXCEL_META_SHEETS or not any(s in wb.sheetnames for s in _EXCEL_META_SHEETS):
            return None
        return read_label_sheets(wb, self.name)

    def read(self, columns: list[str]) -> pd.DataFrame:
        self.metadata()  # loads the sheet once, then closes the file
        df = self._load()[columns].copy()
        for col, want in self.opts.dtype.items():
            if col in df.columns:
                df[col] = _apply_dtype(df[col], want, self, col)
        return df

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        # an .xlsx sheet is at most 1,048,576 rows and openpyxl parses it whole; chunks are slices
        df = self.read(columns)
        for start in range(0, max(len(df), 1), chunksize):
            part = df.iloc[start:start + chunksize]
            if len(part) or start == 0:
                yield part.copy()


def _header_name(h: Any) -> Any:
    if isinstance(h, float) and h.is_integer():
        return str(int(h))
    if h is None:
        return None
    return str(h)


def _excel_column(values: tuple[Any, ...], name: str, source: _ExcelSource, letter: str) -> pd.Series:
    arr = np.array(values, dtype=object)
    s = pd.Series(arr, dtype=object)
    na = source.opts.na_values
    if len(na) > 1 or na != [""]:
        s = s.mask(s.isin(na))
    s = s.mask((s == "").to_numpy(dtype=bool))  # an empty text cell is an empty cell
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind == "empty":
        return pd.Series(np.nan, index=s.index, dtype="float64")
    if kind == "integer":
        if s.notna().all():
            return s.astype("int64")
        ints = s.dropna().astype("int64")
        if ints.abs().max() < 2**53:
            return s.astype("float64")
        return s.astype("Int64")
    if kind in ("floating", "mixed-integer-float", "decimal"):
        return s.astype("float64")
    if kind == "string":
        return s.astype("str")
    if kind in ("datetime", "datetime64", "date"):
        return pd.to_datetime(s)
    if kind == "boolean":
        return s.astype("boolean") if s.isna().any() else s.astype(bool)
    return s  # mixed numbers and text, times...: kept as they are for the checks to report


def _formula_cells_without_value(path: str, ws: Any) -> list[str]:
    from ..xlsxfiles import formula_cells_without_value

    return formula_cells_without_value(path, getattr(ws, "_worksheet_path", None))


# --- Parquet ------------------------------------------------------------------------------------
class _ParquetSource(_Source):
    text_like = True

    def __init__(self, name: str, opts: _Options) -> None:
        self.name = name
        self.opts = opts
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise MicrodataError(f"{name}: reading Parquet needs the pyarrow package. Install it with "
                                 "`pip install 'surveykit[parquet]'` (or `pip install pyarrow`).",
                                 file=name) from exc
        try:
            self._pf = pq.ParquetFile(name)
        except Exception as exc:  # pyarrow.ArrowInvalid, OSError
            raise FileFormatError(f"{name} is truncated or damaged ({exc}). Write or copy the Parquet file "
                                  "again.", file=name) from exc
        names = list(self._pf.schema_arrow.names)
        _check_header(names, name, lambda i: f"column {i + 1}")
        self._names = names

    def metadata(self) -> dict[str, Any]:
        kv = self._pf.schema_arrow.metadata or {}
        raw = kv.get(b"surveykit")
        meta = _meta.empty_metadata()
        if raw:
            try:
                meta = _meta.from_json(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError, TypeError, RecursionError) as exc:
                raise FileFormatError(f"{self.name}: its surveykit metadata (labels) is malformed ({exc}). Write "
                                      "the file again with surveykit, or read it with pyarrow and attach labels "
                                      "by hand.", file=self.name) from exc
        meta["file"], meta["format"] = self.name, "parquet"
        meta["columns"] = list(self._names)
        meta["n_rows"] = int(self._pf.metadata.num_rows)
        return meta

    def _to_pandas(self, table: Any) -> pd.DataFrame:
        df = table.to_pandas()
        for col in df.columns:
            if df[col].dtype == object and pd.api.types.infer_dtype(df[col], skipna=True) == "string":
                df[col] = df[col].astype("str")
        return df

    def read(self, columns: list[str]) -> pd.DataFrame:
        try:
            table = self._pf.read(columns=columns)
        except Exception as exc:
            raise FileFormatError(f"{self.name} is truncated or damaged ({exc}). Write or copy it again.",
                                  file=self.name) from exc
        return self._to_pandas(table)

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        import pyarrow as pa

        try:
            for batch in self._pf.iter_batches(batch_size=chunksize, columns=columns):
                yield self._to_pandas(pa.Table.from_batches([batch]))
        except (OSError, pa.ArrowException) as exc:
            raise FileFormatError(f"{self.name} is truncated or damaged ({exc}). Write or copy it again.",
                                  file=self.name) from exc

