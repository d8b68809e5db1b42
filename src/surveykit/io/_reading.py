"""What every microdata reader shares: the options of a read, the *source* interface each format
implements, and the format-independent post-processing (labels in cells back to codes, Stata letters,
declared missing codes to NaN), plus the typing of columns read as text (CSV, Excel)."""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, MicrodataError, SurveykitWarning, format_rows
from ..metadata import missing_entry, missing_mask
from ._qlabels import questionnaire_dicts

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

_INT_TEXT = re.compile(r"^[+-]?\d+$")


# ============================================================================================
# options and shared post-processing
# ============================================================================================
class _Options:
    def __init__(
        self,
        user_missing: str = "nan",
        cells: str = "auto",
        questionnaire: Questionnaire | None = None,
        language: str | None = None,
        na_values: Sequence[str] | None = None,
        dtype: Mapping[str, Any] | None = None,
    ) -> None:
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
            raise MicrodataError(
                f"na_values= must be a list of texts meaning 'no value' (['NA', '-']); got {type(na_values).__name__}."
            )
        if dtype is not None and not isinstance(dtype, Mapping):
            raise MicrodataError(f"dtype= must map columns to types ({{'id': 'str'}}); got {type(dtype).__name__}.")
        self.na_values = [str(v) for v in na_values] if na_values is not None else [""]
        if "" not in self.na_values:
            self.na_values.append("")
        self.dtype = dict(dtype or {})
        #: column -> {Stata letter: code} from the questionnaire, used when keeping missing codes
        self.letter_codes: dict[str, dict[str, Any]] = {}


def _check_arguments(
    path: Any, *, format: Any = None, encoding: Any = None, columns: Any = None, questionnaire: object = None
) -> None:
    """Arguments of the wrong kind are the caller's mistake: say which, as a MicrodataError."""
    if not isinstance(path, (str, os.PathLike)):
        raise MicrodataError(f"read_microdata needs a file path; got {type(path).__name__} {path!r:.60}.")
    for arg, value in (("format", format), ("encoding", encoding)):
        if value is not None and not isinstance(value, str):
            raise MicrodataError(f"{arg}= must be text; got {type(value).__name__} {value!r:.60}.", file=str(path))
    if (
        columns is not None
        and not isinstance(columns, str)
        and not (isinstance(columns, Sequence) or isinstance(columns, (pd.Index, np.ndarray)))
    ):
        raise MicrodataError(f"columns= must be a list of column names; got {type(columns).__name__}.", file=str(path))
    if questionnaire is not None and not callable(getattr(questionnaire, "label_dictionaries", None)):
        raise MicrodataError(
            f"questionnaire= must be a Questionnaire (load it with sk.load_questionnaire(path)); "
            f"got {type(questionnaire).__name__} {questionnaire!r:.60}.",
            file=str(path),
        )


def _check_columns(columns: Sequence[str] | None, available: list[str], name: str) -> list[str]:
    if columns is None:
        return list(available)
    if isinstance(columns, str):
        columns = [columns]
    cols = list(columns)
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise MicrodataError(
            f"columns= names {', '.join(map(repr, dup))} more than once; give each column once.", file=name
        )
    have = set(available)
    unknown = [c for c in cols if c not in have]
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(str(c), available, n=2)
            hints.append(f"{c!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
        raise MicrodataError(
            f"{name} has no column {', '.join(hints)}. Its columns are: {format_rows(available, 30)}.",
            file=name,
            column=str(unknown[0]),
        )
    return cols


def _merge_questionnaire(meta: dict[str, Any], q: Questionnaire, language: str | None, opts: _Options) -> None:
    """Fill labels and missing declarations the file lacks from the questionnaire (the file's own
    labels win); remember each column's Stata letter -> code map."""
    dicts = questionnaire_dicts(q, language)
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


def _finish(
    raw: pd.DataFrame, meta_in: dict[str, Any], source: _Source, opts: _Options
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Shared post-processing: labels in cells -> codes, Stata letters, declared missing -> NaN."""
    meta = dict(meta_in)
    meta["missing"] = {c: dict(e) for c, e in meta_in.get("missing", {}).items()}
    df = raw
    found_letters: dict[str, set[str]] = dict(source.last_letters)
    if source.text_like:
        df = _labels_to_codes(df, meta, source, opts.cells)
        df, found_letters = _text_stata_letters(df, meta, source)
    for col, letters in found_letters.items():
        entry = meta["missing"].setdefault(col, missing_entry())
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
            mask = missing_mask(s, entry)
            stata_letters = entry.get("stata") or []
            if stata_letters and s.dtype == object:
                mask |= s.isin(stata_letters).to_numpy(dtype=bool)
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
                        "labels are text. Read it with cells='codes' or 'auto'.",
                        file=source.name,
                        column=col,
                    )
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
                file=source.name,
                column=col,
                rows=list(bad_amb.index),
            )
        unknown = text[~hit_label & ~hit_code]
        if len(unknown):
            raise MicrodataError(
                f"{source.name}: column {col!r} holds value labels, but {unknown.iloc[0]!r} (rows "
                f"{format_rows(source.row_numbers(unknown.index))}) is neither a label nor a code of it. "
                "Correct those cells, add the label to the labels sheet/questionnaire, or read with "
                "cells='codes' to keep the text as it is.",
                file=source.name,
                column=col,
                rows=list(unknown.index),
            )
        out = s.astype(object).copy()
        out[is_text] = np.where(hit_label, as_label.astype(object), as_code.astype(object))
        if all(isinstance(k, (int, float)) for k in labels):
            num = pd.to_numeric(out, errors="coerce")
            if not (num.isna() & out.notna()).any():
                out = num.astype("float64") if num.isna().any() or num.dtype.kind == "f" else num
        df[col] = out
    return df


def _text_stata_letters(
    df: pd.DataFrame, meta: dict[str, Any], source: _Source
) -> tuple[pd.DataFrame, dict[str, set[str]]]:
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


def _check_header(header: Sequence[Any], name: str, where: Any) -> None:
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h is None or str(h).strip() == "":
            raise FileFormatError(
                f"{name}: {where(i)} has no column name. Give every column a name in the "
                "header (or delete the empty column).",
                file=name,
            )
        key = str(h)
        if key in seen:
            raise FileFormatError(
                f"{name}: the column name {key!r} appears twice ({where(seen[key])} and {where(i)}). Rename one "
                "of them so every column has its own name; surveykit does not rename columns for you.",
                file=name,
                column=key,
            )
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
            warnings.warn(
                f"{where} holds integers too long for 64-bit numbers (e.g. {first}); it is read as text "
                "so that no digit is lost (as a number it would be rounded). Pass dtype={"
                f"{col!r}: 'float'}} to read rounded numbers instead.",
                SurveykitWarning,
                stacklevel=6,
            )
            return "str", s.astype("str")
        return "int", _convert_text(s, "int", None, None)
    return "float", pd.to_numeric(s, errors="coerce").astype("float64")


def _infer_frame(df: pd.DataFrame, source: _Source) -> tuple[dict[str, str], pd.DataFrame]:
    """:func:`_infer_text` for every column at once: the tests run on all cells together and are
    summed per column with bincount, so a file with 20,000 columns costs a few whole-array operations
    instead of 20,000 rounds of per-column pandas overhead. Rare cases (integers beyond 2**53) are
    passed to :func:`_infer_text` column by column."""
    n_rows, n_cols = df.shape
    kinds: dict[str, str] = {}
    typed: dict[str, pd.Series] = {}
    if n_rows == 0 or n_cols < 50:
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
        blocks.append(
            pd.DataFrame(
                grid[:, groups["int"]].astype(np.int64), index=df.index, columns=[cols[j] for j in groups["int"]]
            )
        )
    if len(groups["float"]):
        blocks.append(
            pd.DataFrame(grid[:, groups["float"]], index=df.index, columns=[cols[j] for j in groups["float"]])
        )
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
                    "to read it as text.",
                    file=source.name,
                    column=col,
                )
        kind = "float"
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & present
    if bad.any():
        assert source is not None and col is not None
        rows = list(s.index[bad])
        raise MicrodataError(
            f"{source.name}: column {col!r} held numbers in the first chunk but {s[bad].iloc[0]!r} at line(s) "
            f"{format_rows(source.row_numbers(rows))}. Pass dtype={{{col!r}: 'str'}} to read it as text.",
            file=source.name,
            column=col,
            rows=rows,
        )
    return num.astype("float64")


def _apply_dtype(s: pd.Series, want: Any, source: _Source, col: str) -> pd.Series:
    if want in ("str", str, "string", "text"):
        return s.map(
            lambda v: v if v is None or isinstance(v, str) or (isinstance(v, float) and np.isnan(v)) else str(v)
        ).astype("str")
    try:
        if want in ("datetime", "datetime64", "datetime64[ns]", "date"):
            if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
                return pd.to_datetime(s, errors="raise")
            # as written by surveykit and most tools: ISO 8601, with or without the time of day
            return pd.to_datetime(s, errors="raise", format="ISO8601")
        return s.astype(want)
    except (ValueError, TypeError) as exc:
        raise MicrodataError(
            f"{source.name}: column {col!r} cannot be read as {want!r}: {exc}. Fix the cells or choose another dtype.",
            file=source.name,
            column=col,
        ) from exc
