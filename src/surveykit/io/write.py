"""Writing labelled microdata: SPSS, Stata, Excel, CSV (+ JSON sidecar) and Parquet.

Every write goes to a temporary file in the target directory that is renamed over the target only
when complete, so a failed write never leaves a partial or 0-byte file (pyreadstat leaves one behind
when Stata rejects a label). What a format cannot hold is checked *before* writing, and all such
problems are reported together in one :class:`~surveykit.errors.FormatCapacityError`; nothing is
truncated unless asked for with ``long_labels="truncate"``, which warns with every label it cut.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..errors import FormatCapacityError, MicrodataError, SurveykitWarning
from ..metadata import empty_metadata, get_metadata, missing_entry, norm_code
from ._qlabels import questionnaire_dicts
from ._sniff import EXTENSIONS
from ._writing import WriteContext, _STATA_LETTER, LIMITS, _atomic_write
from .csvfiles import _write_csv
from .excel import _write_xlsx
from .parquet import _write_parquet
from .readstat import _write_dta, _write_sav

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

__all__ = ["write_microdata", "LIMITS"]


Format = Literal["sav", "zsav", "dta", "xlsx", "csv", "parquet"]


def write_microdata(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    questionnaire: Questionnaire | None = None,
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
        raise MicrodataError(
            f"stata_missing= must map codes to letters ({{98: '.d'}}) or columns to such maps; "
            f"got {type(stata_missing).__name__}."
        )
    if questionnaire is not None and not callable(getattr(questionnaire, "label_dictionaries", None)):
        raise MicrodataError(
            f"questionnaire= must be a Questionnaire (sk.load_questionnaire(path)); got {type(questionnaire).__name__}."
        )
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
        raise MicrodataError(
            f"cannot write {name}: the folder {target.parent} does not exist. Create it first.", file=name
        )
    bad_names = [c for c in df.columns if not isinstance(c, str)]
    if bad_names:
        raise MicrodataError(
            f"cannot write {name}: column names must be text; {bad_names[:5]} are not. "
            "Rename them (df.columns = df.columns.astype(str)).",
            file=name,
        )
    dups = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dups:
        raise MicrodataError(
            f"cannot write {name}: column names {dups} appear more than once. Rename them.", file=name, column=dups[0]
        )
    unsupported = _unsupported_columns(df)
    if unsupported:
        raise FormatCapacityError(
            f"cannot write {name}: " + "; ".join(unsupported) + ".", file=name, problems=unsupported
        )
    try:
        meta = _collect_metadata(df, questionnaire, language)
    except (AttributeError, TypeError, ValueError) as exc:
        raise MicrodataError(
            f"cannot write {name}: the labels in df.attrs['surveykit'] are malformed ({exc}); "
            "value_labels must map columns to {code: label}, missing columns to {'values': [...]}, "
            "variable_labels columns to text.",
            file=name,
        ) from exc
    if file_label is not None:
        meta["file_label"] = file_label
    letters = _letter_map(stata_missing, questionnaire, language, list(df.columns))
    writer = {
        "sav": _write_sav,
        "zsav": _write_sav,
        "dta": _write_dta,
        "xlsx": _write_xlsx,
        "csv": _write_csv,
        "parquet": _write_parquet,
    }[fmt]
    ctx = WriteContext(
        name=name, fmt=fmt, meta=meta, letters=letters, long_labels=long_labels, cells=cells, encoding=encoding
    )
    job = writer(df, ctx)
    problems, cut = ctx.problems, ctx.cut
    if problems:
        raise FormatCapacityError(
            f"cannot write {name}: "
            + "; ".join(problems[:20])
            + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
            + ".",
            file=name,
            problems=problems,
        )
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
            out.append(
                f"{col!r} holds complex numbers, which no survey format stores; write the real and "
                "imaginary parts as two columns"
            )
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
            " is not a format surveykit writes; use .sav, .zsav, .dta, .xlsx, .csv or .parquet.",
            file=str(target),
        )
    return fmt


def _collect_metadata(df: pd.DataFrame, q: Questionnaire | None, language: str | None) -> dict[str, Any]:
    src = get_metadata(df)
    meta = empty_metadata()
    cols = list(df.columns)
    for key in ("variable_labels", "measure", "formats", "display_width"):
        meta[key] = {c: v for c, v in (src.get(key) or {}).items() if c in cols and v not in (None, "")}
    meta["value_labels"] = {
        c: {norm_code(k): str(v) for k, v in (d or {}).items()}
        for c, d in (src.get("value_labels") or {}).items()
        if c in cols and d
    }
    meta["missing"] = {}
    for c, e in (src.get("missing") or {}).items():
        if c in cols and e:
            meta["missing"][c] = missing_entry(e.get("values") or [], e.get("ranges") or [], e.get("stata") or [])
    for key in ("file_label", "notes", "file_encoding"):
        if src.get(key):
            meta[key] = src[key]
    if q is not None:
        # the questionnaire wins for the columns it describes
        dicts = questionnaire_dicts(q, language)
        for key in ("variable_labels", "measure", "value_labels", "missing"):
            for c, v in dicts[key].items():
                if c in cols and v not in (None, ""):
                    meta[key][c] = v
    return meta


def _letter_map(
    stata_missing: Mapping[Any, Any] | None, q: Questionnaire | None, language: str | None, cols: list[str]
) -> dict[str, dict[Any, str]]:
    """Per column: code -> Stata letter ('.d')."""
    out: dict[str, dict[Any, str]] = {}
    if q is not None:
        for c, mapping in questionnaire_dicts(q, language)["stata_codes"].items():
            if c in cols:
                out[c] = {norm_code(k): _letter(v, c) for k, v in mapping.items()}
    if stata_missing:
        per_column = all(isinstance(v, Mapping) for v in stata_missing.values())
        if per_column:
            for c, mapping in stata_missing.items():
                out[c] = {**out.get(c, {}), **{norm_code(k): _letter(v, c) for k, v in mapping.items()}}
        else:
            glob = {norm_code(k): _letter(v, None) for k, v in stata_missing.items()}
            for c in cols:
                out[c] = {**glob, **out.get(c, {})}
    return out


def _letter(v: Any, col: str | None) -> str:
    s = "." + str(v).strip().lstrip(".")
    if not _STATA_LETTER.match(s):
        where = f" for {col!r}" if col else ""
        raise MicrodataError(f"stata_missing{where}: {v!r} is not a Stata extended missing value; use '.a' to '.z'.")
    return s
