"""Reading microdata files with their labels and missing-value declarations.

One entry point, :func:`read_microdata`, for SPSS (.sav/.zsav/.por), Stata (.dta), Excel (.xlsx),
CSV and Parquet. Each format has a *source* that knows how to read its metadata and its rows
(whole, or a window of rows for chunked reads); the shared post-processing (labels in cells back to
codes, declared missing codes to NaN) is format-independent so every format behaves the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import FileFormatError, MicrodataError
from ..metadata import META_KEY, attach_metadata, restrict
from ._progress import Progress, progress_wanted
from ._reading import _check_arguments, _check_columns, _finish, _merge_questionnaire, _Options, _Source
from ._sniff import resolve_format
from .csvfiles import SIDECAR_SUFFIX, _CsvSource
from .excel import _ExcelSource
from .parquet import _ParquetSource
from .readstat import _ReadstatSource

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

__all__ = ["read_microdata", "read_metadata", "MicrodataChunks", "SIDECAR_SUFFIX"]


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
    questionnaire: Questionnaire | None = None,
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
    opts = _Options(
        user_missing=user_missing,
        cells=cells,
        questionnaire=questionnaire,
        language=language,
        na_values=na_values,
        dtype=dtype,
    )
    source = _open_source(path, format=format, sheet=sheet, encoding=encoding, sep=sep, opts=opts)
    meta = source.metadata()
    cols = _check_columns(columns, meta["columns"], source.name)
    meta = restrict(meta, cols)
    if opts.questionnaire is not None:
        _merge_questionnaire(meta, opts.questionnaire, opts.language, opts)
    if chunksize is not None:
        if not isinstance(chunksize, (int, np.integer)) or isinstance(chunksize, bool) or chunksize < 1:
            raise MicrodataError(f"chunksize must be a positive number of rows; got {chunksize!r}.", file=source.name)
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
    attach_metadata(df, meta)  # shared, not deep-copied into every derived frame
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

    def __init__(
        self,
        source: _Source,
        meta: dict[str, Any],
        columns: list[str],
        chunksize: int,
        opts: _Options,
        progress: bool | None,
    ) -> None:
        self._source = source
        self.metadata = meta
        self._columns = columns
        self.chunksize = chunksize
        self._opts = opts
        self._progress = progress
        self.n_rows: int | None = meta.get("n_rows")

    def __iter__(self) -> Iterator[pd.DataFrame]:
        bar = Progress(self._source.name, self.n_rows) if progress_wanted(self._progress) else None
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


def _open_source(
    path: str | os.PathLike[str],
    *,
    format: str | None,
    sheet: str | int | None,
    encoding: str | None,
    sep: str | None,
    opts: _Options,
) -> _Source:
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
