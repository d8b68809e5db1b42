"""SPSS (.sav, .zsav, .por) and Stata (.dta) files, read and written through pyreadstat."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from ..errors import FileEncodingError, FileFormatError, SurveykitWarning, format_rows
from ..questionnaire.names import SPSS_RESERVED, is_stata_reserved
from ..metadata import empty_metadata, missing_entry, missing_mask, norm_code
from ._reading import _Options, _Source
from ._writing import (
    WriteContext,
    LIMITS,
    _as_float,
    _as_ns,
    _big_ints,
    _int_format,
    _kind_in,
    _mixed_message,
    _nul,
    _plain,
)

_NUMERIC_STORAGE = {"int8", "int16", "int32", "int64", "float", "double"}


def meta_from_readstat(m: Any, path: str, fmt: str) -> dict[str, Any]:
    """Translate a pyreadstat ``metadata_container`` into surveykit's metadata dict.

    Float label keys become ints when integral; SPSS ``missing_ranges`` entries with ``lo == hi``
    become discrete missing ``values``, others ``ranges``; SPSS measure ``"unknown"`` is left out.
    """
    meta = empty_metadata(path, fmt)
    cols = list(m.column_names)
    meta["columns"] = cols
    labels = m.column_labels or [None] * len(cols)
    meta["variable_labels"] = {c: lab for c, lab in zip(cols, labels) if lab}
    meta["value_labels"] = {
        c: {norm_code(k): v for k, v in d.items()} for c, d in (m.variable_value_labels or {}).items() if d
    }
    missing: dict[str, dict] = {}
    for col, entries in (getattr(m, "missing_ranges", None) or {}).items():
        values, ranges = [], []
        for e in entries:
            lo, hi = e["lo"], e["hi"]
            (values.append(lo) if lo == hi else ranges.append((lo, hi)))
        missing[col] = missing_entry(values, ranges)
    for col, letters in (getattr(m, "missing_user_values", None) or {}).items():
        entry = missing.setdefault(col, missing_entry())
        entry["stata"] = sorted({f".{x.lstrip('.')}" for x in letters} | set(entry["stata"]))
    meta["missing"] = missing
    meta["measure"] = {c: v for c, v in (getattr(m, "variable_measure", None) or {}).items() if v and v != "unknown"}
    meta["formats"] = dict(getattr(m, "original_variable_types", None) or {})
    if fmt in ("sav", "zsav", "por"):
        meta["display_width"] = {c: int(v) for c, v in (getattr(m, "variable_display_width", None) or {}).items() if v}
    meta["storage"] = dict(getattr(m, "readstat_variable_types", None) or {})
    meta["file_label"] = getattr(m, "file_label", None) or None
    meta["file_encoding"] = getattr(m, "file_encoding", None) or None
    notes = getattr(m, "notes", None) or []
    meta["notes"] = list(notes)
    mr = getattr(m, "mr_sets", None)
    if mr:
        meta["mr_sets"] = mr
    n = getattr(m, "number_rows", None)
    meta["n_rows"] = int(n) if n is not None and n >= 0 else None
    return meta


# --- SPSS / Stata (pyreadstat) -----------------------------------------------------------------
class _ReadstatSource(_Source):
    def __init__(self, name: str, fmt: str, encoding: str | None, opts: _Options) -> None:
        import pyreadstat

        self.name = name
        self.fmt = fmt
        self.encoding = encoding
        self.opts = opts
        # by name: pyreadstat's compiled readers have no signatures for the type checker
        self._fn: Callable[..., Any] = getattr(
            pyreadstat, {"sav": "read_sav", "zsav": "read_sav", "por": "read_por", "dta": "read_dta"}[fmt]
        )
        self._meta: dict[str, Any] | None = None
        if fmt == "por" and opts.user_missing == "keep":
            warnings.warn(
                f"{name}: user_missing='keep' cannot be honoured for .por files: pyreadstat reads their "
                "user-missing codes as system missing (NaN). Save the file as .sav in SPSS/PSPP to keep them.",
                SurveykitWarning,
                stacklevel=4,
            )

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
            self._meta = meta_from_readstat(m, self.name, self.fmt)
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
        cands = [
            c
            for c in df.columns
            if storage.get(c) in _NUMERIC_STORAGE
            and not pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_datetime64_any_dtype(df[c].dtype)
        ]
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
    if (
        "encoding" in low
        or "character set" in low
        or "iconv" in low
        or isinstance(exc, (UnicodeDecodeError, LookupError))
    ):
        tried = f" (tried {encoding!r})" if encoding else ""
        return FileEncodingError(
            f"{name}: the text in this {kind} file cannot be decoded{tried}: {msg}. Old files made on Windows "
            "are usually encoding='cp1252' (or 'latin1'); pass the right encoding= to read_microdata.",
            file=name,
        )
    if isinstance(exc, OverflowError) and "days=" in msg:
        return FileFormatError(
            f"{name}: a date column holds numbers outside any calendar ({msg}); typically a %td (days) column "
            "that holds milliseconds, as written by tools that store datetimes with a %td format. Give that column "
            "the format %tc in Stata (format f %tc) and save it again.",
            file=name,
        )
    if "expected number of rows" in low or "unable to read from file" in low:
        return FileFormatError(
            f"{name} is truncated or incomplete ({os.path.getsize(name):,} bytes): the {kind} reader stopped "
            f"early ({msg}). Export or copy the file again.",
            file=name,
        )
    return FileFormatError(
        f"{name} is damaged or is not {article} {kind} file that can be read ({msg}). Export or copy it again from "
        "its source; if it opens in SPSS/Stata/PSPP, save it again from there.",
        file=name,
    )


# ============================================================================================
# SPSS
# ============================================================================================
def _write_sav(df: pd.DataFrame, ctx: WriteContext) -> Callable[[str], None]:
    meta, problems = ctx.meta, ctx.problems
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
            problems.append(
                f"variable name {col!r} has a space or a character {ext} does not allow (or ends with '.'). Rename it"
            )
        elif col.lower() in SPSS_RESERVED:
            problems.append(f"variable name {col!r} is an SPSS reserved word. Rename it")
        if kind == "letters":
            mapping = {v: k for k, v in ctx.letters.get(col, {}).items()}
            found = sorted(set(s[s.map(type).eq(str)].astype(str)))
            unmapped = [x for x in found if x not in mapping]
            if unmapped:
                problems.append(
                    f"{col!r} holds Stata missing values {unmapped}, which {ext} cannot hold. Give "
                    f"their codes with stata_missing={{{col!r}: {{98: '{unmapped[0]}'}}}} (code -> letter) "
                    "or a questionnaire with missing codes"
                )
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
                    problems.append(
                        f"{col!r} has text longer than {lim['string_bytes']} bytes (row "
                        f"{nbytes.idxmax()!r}), the {ext} limit"
                    )
        elif kind == "datetime":
            s = _as_ns(s, col, ext, problems)
        elif kind in ("mixed", "bytes"):
            problems.append(_mixed_message(s, col, ext))
        if kind == "text":
            _nul(s, col, ext, problems)
        kinds[col] = kind
        out[col] = s
    data = pd.DataFrame(out, index=df.index)
    labels = ctx.variable_labels(lim["variable_label_bytes"], "bytes", ext)
    value_labels: dict[str, dict[Any, str]] = {}
    for col, d in meta["value_labels"].items():
        kind = kinds.get(col, "")
        text_codes = [k for k in d if isinstance(k, str)]
        if kind == "text" and len(text_codes) != len(d):
            problems.append(
                f"{col!r} is text but its value labels have numeric codes "
                f"({[k for k in d if not isinstance(k, str)][:3]}); give text codes"
            )
            continue
        if kind != "text" and text_codes:
            problems.append(
                f"{col!r} is numeric but its value labels have text codes ({text_codes[:3]}); give numeric codes"
            )
            continue
        value_labels[col] = {
            k: ctx.label(v, lim["value_label_bytes"], "bytes", f"value label of code {k!r} of {col!r}", ext)
            for k, v in d.items()
        }
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
            problems.append(
                f"{col!r} declares {len(values)} missing value(s) and {len(ranges)} range(s); {ext} allows "
                "up to 3 values, or 1 range plus 1 value. Merge codes into a range (e.g. 97-99)"
            )
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
        flabel = ctx.label(flabel, lim["file_label_bytes"], "bytes", "the file label", ext)
    notes = meta.get("notes") or None

    def job(tmp: str) -> None:
        pyreadstat.write_sav(
            data,
            tmp,
            file_label=flabel,
            column_labels=labels or None,
            variable_value_labels=value_labels or None,
            missing_ranges=missing_ranges or None,
            variable_measure=measure,
            variable_format=formats or None,
            variable_display_width=width or None,
            note=notes,
            compress=(ctx.fmt == "zsav"),
        )

    return job


# ============================================================================================
# Stata
# ============================================================================================
def _write_dta(df: pd.DataFrame, ctx: WriteContext) -> Callable[[str], None]:
    meta, problems, name = ctx.meta, ctx.problems, ctx.name
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
            problems.append(
                f"variable name {col!r} is {len(col)} characters; {ext} allows {lim['name_chars']}. Rename it"
            )
        elif not re.match(r"^[^\W\d]\w*$", col):
            problems.append(
                f"variable name {col!r} may hold only letters, digits and '_' and not start with a "
                f"digit in {ext}. Rename it"
            )
        elif is_stata_reserved(col):
            problems.append(f"variable name {col!r} is a Stata reserved word. Rename it")
        e = meta["missing"].get(col) or {}
        if kind in ("numeric", "letters") and (e.get("values") or e.get("ranges")):
            num = pd.to_numeric(s, errors="coerce")
            mask = missing_mask(num, e)
            if mask.any():
                mapping = ctx.letters.get(col, {})
                present = sorted({norm_code(v) for v in num[mask].unique()})
                unmapped = [v for v in present if v not in mapping]
                if unmapped:
                    problems.append(
                        f"{col!r} holds the missing codes {unmapped} (declared user-missing), which Stata has no "
                        f"way to declare. Map them to extended missing values with stata_missing="
                        f"{{{unmapped[0]!r}: '.a'}} (or a questionnaire whose missing codes have Stata letters), or "
                        "read the data with user_missing='nan'"
                    )
                else:
                    s = s.astype(object).copy()
                    s[mask] = num[mask].map(mapping)
                    kind = "letters"
            elif col not in ctx.letters:
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
            s = (
                _as_float(s)
                if pd.api.types.is_bool_dtype(s.dtype)
                or s.dtype == object
                or isinstance(s.dtype, pd.api.extensions.ExtensionDtype)
                else s
            )
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
        warnings.warn(
            f"{name}: Stata has no user-missing declarations; the SPSS-style missing codes declared for "
            f"{format_rows(undeclarable)} are not written (no such codes occur in the data).",
            SurveykitWarning,
            stacklevel=4,
        )
    data = pd.DataFrame(out, index=df.index)
    labels = ctx.variable_labels(lim["variable_label_chars"], "chars", ext)
    value_labels: dict[str, dict[int | float, str]] = {}
    for col, d in meta["value_labels"].items():
        kind = kinds.get(col, "")
        if kind == "text":
            problems.append(
                f"{col!r} is a text variable with value labels, which Stata cannot hold (labels need integer "
                "codes). Recode it to integer codes (e.g. the questionnaire's choice codes) or write .sav"
            )
            continue
        bad = [k for k in d if not isinstance(k, int) or not lim["label_code_min"] <= k <= lim["label_code_max"]]
        if bad:
            problems.append(
                f"{col!r} has value labels for {bad[:3]}; Stata labels only integers between "
                f"{lim['label_code_min']} and {lim['label_code_max']}. Recode those values"
            )
            continue
        value_labels[col] = {
            k: ctx.label(v, lim["value_label_bytes"], "bytes", f"value label of code {k!r} of {col!r}", ext)
            for k, v in d.items()
        }
    formats = {
        c: f
        for c, f in meta["formats"].items()
        if c in data.columns
        and isinstance(f, str)
        and f.startswith("%")
        and kinds[c] == "numeric"
        and not re.match(r"^%-?\d*s$", f)
        and not f.startswith("%t")
    }
    flabel = meta.get("file_label") or ""
    if flabel:
        flabel = ctx.label(flabel, lim["file_label_chars"], "chars", "the file label", ext)

    def job(tmp: str) -> None:
        pyreadstat.write_dta(
            data,
            tmp,
            file_label=flabel,
            column_labels=labels or None,
            version=15,
            variable_value_labels=value_labels or None,
            missing_user_values=missing_user or None,
            variable_format=formats or None,
        )

    return job
