"""Building, normalising, restricting and serialising the ``df.attrs["surveykit"]`` metadata dict.

The keys are documented in :mod:`surveykit.metadata`. Codes are normalised so the same code has the
same Python value everywhere: an integral float (SPSS stores every number as a double) becomes an
``int``, numpy scalars become Python scalars, text codes stay text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["norm_code", "empty_metadata", "restrict", "missing_mask", "to_json", "from_json",
           "meta_from_readstat", "MISSING_KEYS"]

MISSING_KEYS = ("values", "ranges", "stata")


def norm_code(code: Any) -> Any:
    """One canonical Python value for a code: ``1.0`` -> ``1``, ``np.int32(2)`` -> ``2``, text stays.

    >>> norm_code(1.0), norm_code(np.float64(97.5)), norm_code("01")
    (1, 97.5, '01')
    """
    if isinstance(code, (bool, np.bool_)):
        return int(code)
    if isinstance(code, (np.integer,)):
        return int(code)
    if isinstance(code, (float, np.floating)):
        f = float(code)
        if math.isfinite(f) and f.is_integer() and abs(f) < 2**63:
            return int(f)
        return f
    return code


def empty_metadata(file: str | None = None, format: str | None = None) -> dict[str, Any]:
    """A metadata dict with every documented key present and empty."""
    return {
        "file": file, "format": format, "columns": [], "variable_labels": {}, "value_labels": {},
        "missing": {}, "measure": {}, "formats": {}, "display_width": {}, "storage": {},
        "file_label": None, "file_encoding": None, "notes": [], "n_rows": None,
    }


def _missing_entry(values: Iterable[Any] = (), ranges: Iterable[Any] = (), stata: Iterable[str] = ()) -> dict:
    return {"values": [norm_code(v) for v in values], "ranges": [[norm_code(lo), norm_code(hi)] for lo, hi in ranges],
            "stata": sorted(stata)}


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
    meta["value_labels"] = {c: {norm_code(k): v for k, v in d.items()}
                            for c, d in (m.variable_value_labels or {}).items() if d}
    missing: dict[str, dict] = {}
    for col, entries in (getattr(m, "missing_ranges", None) or {}).items():
        values, ranges = [], []
        for e in entries:
            lo, hi = e["lo"], e["hi"]
            (values.append(lo) if lo == hi else ranges.append((lo, hi)))
        missing[col] = _missing_entry(values, ranges)
    for col, letters in (getattr(m, "missing_user_values", None) or {}).items():
        entry = missing.setdefault(col, _missing_entry())
        entry["stata"] = sorted({f".{x.lstrip('.')}" for x in letters} | set(entry["stata"]))
    meta["missing"] = missing
    meta["measure"] = {c: v for c, v in (getattr(m, "variable_measure", None) or {}).items()
                       if v and v != "unknown"}
    meta["formats"] = dict(getattr(m, "original_variable_types", None) or {})
    if fmt in ("sav", "zsav", "por"):
        meta["display_width"] = {c: int(v) for c, v in (getattr(m, "variable_display_width", None) or {}).items()
                                 if v}
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


def restrict(meta: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """A copy of ``meta`` whose per-column entries cover only ``columns`` (in that order)."""
    cols = list(columns)
    keep = set(cols)
    out = dict(meta)
    out["columns"] = cols
    for key, value in meta.items():
        if isinstance(value, Mapping) and key not in ("mr_sets",):
            out[key] = {c: v for c, v in value.items() if c in keep}
    return out


def missing_mask(values: Any, entry: Mapping[str, Any]) -> np.ndarray:
    """Boolean mask of the cells of ``values`` that an SPSS-style declaration marks as missing.

    >>> import pandas as pd
    >>> missing_mask(pd.Series([1.0, 98, 99, 97.5, None]), {"values": [98], "ranges": [[97, 97.9]]}).tolist()
    [False, True, False, True, False]
    """
    import pandas as pd

    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    discrete = list(entry.get("values") or [])
    ranges = list(entry.get("ranges") or [])
    mask = np.zeros(len(s), dtype=bool)
    if discrete:
        mask |= s.isin(discrete).to_numpy(dtype=bool, na_value=False)
    if ranges:
        if pd.api.types.is_numeric_dtype(s.dtype):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            for lo, hi in ranges:
                with np.errstate(invalid="ignore"):
                    mask |= (arr >= float(lo)) & (arr <= float(hi))
        else:
            # mixed object column (numbers and Stata letters kept as text): compare numbers only
            num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            for lo, hi in ranges:
                with np.errstate(invalid="ignore"):
                    mask |= (num >= float(lo)) & (num <= float(hi))
    return mask


# --- JSON (sidecar files, Parquet key-value metadata) ----------------------------------------
def _json_scalar(v: Any) -> Any:
    v = norm_code(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, (np.str_,)):
        return str(v)
    return v


def to_json(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-safe form of ``meta``: value labels become ``[[code, label], ...]`` so that integer and
    text codes keep their types (JSON object keys are always text)."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key == "value_labels":
            out[key] = {c: [[_json_scalar(k), str(lab)] for k, lab in d.items()] for c, d in value.items()}
        elif key == "missing":
            out[key] = {c: {"values": [_json_scalar(v) for v in e.get("values", [])],
                            "ranges": [[_json_scalar(lo), _json_scalar(hi)] for lo, hi in e.get("ranges", [])],
                            "stata": list(e.get("stata", []))} for c, e in value.items()}
        else:
            out[key] = value
    json.dumps(out)  # fail here, not half-way through writing a file
    return out


_TEXT_BY_COLUMN = ("variable_labels", "measure", "formats", "storage")


def from_json(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`to_json`. Raises ``ValueError`` naming the key when the structure is not the
    one :func:`to_json` writes (a hand-edited or damaged sidecar / Parquet metadata), so a bad label is
    never attached to the data silently.

    >>> from_json({"variable_labels": {"a": ["x"]}})
    Traceback (most recent call last):
    ...
    ValueError: 'variable_labels' of column 'a' must be text, not list
    """
    if not isinstance(obj, Mapping):
        raise ValueError(f"the metadata must be a JSON object, not {type(obj).__name__}")
    for key in (*_TEXT_BY_COLUMN, "value_labels", "missing", "display_width"):
        value = obj.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise ValueError(f"{key!r} must map column names to values, not {type(value).__name__}")
    for key in _TEXT_BY_COLUMN:
        for col, v in (obj.get(key) or {}).items():
            if v is not None and not isinstance(v, str):
                raise ValueError(f"{key!r} of column {col!r} must be text, not {type(v).__name__}")
    for col, pairs in (obj.get("value_labels") or {}).items():
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[1], str)
                                                  for p in pairs):
            raise ValueError(f"'value_labels' of column {col!r} must be a list of [code, label] pairs")
    for col, e in (obj.get("missing") or {}).items():
        if not isinstance(e, Mapping) or not all(isinstance(e.get(k, []), list) for k in ("values", "ranges", "stata")):
            raise ValueError(f"'missing' of column {col!r} must be {{'values': [...], 'ranges': [...], 'stata': [...]}}")
    meta = empty_metadata()
    for key, value in obj.items():
        if key == "value_labels":
            meta[key] = {c: {norm_code(k): lab for k, lab in pairs} for c, pairs in value.items()}
        elif key == "missing":
            meta[key] = {c: _missing_entry(e.get("values", []), e.get("ranges", []), e.get("stata", []))
                         for c, e in value.items()}
        else:
            meta[key] = value
    return meta


def questionnaire_dicts(q: Any, language: str | None = None) -> dict[str, Any]:
    """The questionnaire's label dictionaries as surveykit metadata (plain dicts).

    Missing declarations become ``{"values", "ranges", "stata": [letters]}`` and the code -> Stata
    letter map of each variable is returned under ``"stata_codes"``.
    """
    d = q.label_dictionaries(language=language)
    get = (lambda k: getattr(d, k, None)) if not isinstance(d, Mapping) else d.get
    out: dict[str, Any] = {
        "variable_labels": {c: v for c, v in (get("variable_labels") or {}).items() if v},
        "value_labels": {c: {norm_code(k): str(v) for k, v in labels.items()}
                         for c, labels in (get("value_labels") or {}).items() if labels},
        "measure": dict(get("measure") or {}),
        "types": dict(get("types") or {}),
        "missing": {}, "stata_codes": {},
    }
    for col, e in (get("missing") or {}).items():
        stata = e.get("stata") or {}
        if isinstance(stata, Mapping):
            codes = {norm_code(k): "." + str(v).lstrip(".") for k, v in stata.items()}
        else:
            codes = {}
        out["missing"][col] = _missing_entry(e.get("values") or [], e.get("ranges") or [], sorted(set(codes.values())))
        if codes:
            out["stata_codes"][col] = codes
    return out
