"""Where labelled data keeps its metadata, and how estimators read it.

Microdata read by :func:`surveykit.read_microdata` carry their variable labels, value labels and
missing-value declarations in ``df.attrs["surveykit"]``::

    {
        "file": "survey.sav", "format": "sav",
        "variable_labels": {"sexo": "Sexo de la persona"},
        "value_labels": {"sexo": {1: "Hombre", 2: "Mujer"}},
        "missing": {"p12": {"values": [98, 99], "ranges": []}},
    }

``read_microdata`` also fills ``columns``, ``measure``, ``formats``, ``display_width``, ``storage``,
``file_label``, ``file_encoding``, ``notes``, ``n_rows``, ``user_missing`` and ``converted_missing``,
and adds ``"stata": [".a", ...]`` (Stata extended missing values found) to each ``missing`` entry; see
``docs/microdata.md``.

Any DataFrame can carry the same keys (set them by hand, or from a questionnaire). Estimators use the
value labels when called with ``labels=True``. Value labels may also come from a pandas
``Categorical`` column, whose categories are then the labels themselves.

The second half of this module builds, normalises, restricts and serialises that dict (one
canonical value per code, JSON for CSV sidecars and Parquet metadata); the readers and writers of
:mod:`surveykit.io` and the collection-tool readers share it.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import SurveykitWarning

__all__ = [
    "META_KEY",
    "Metadata",
    "attach_metadata",
    "get_metadata",
    "value_labels",
    "variable_label",
    "label_values",
    "label_categories",
    "MISSING_KEYS",
    "norm_code",
    "empty_metadata",
    "missing_entry",
    "restrict",
    "missing_mask",
    "to_json",
    "from_json",
]

META_KEY = "surveykit"
MISSING_KEYS = ("values", "ranges", "stata")


class Metadata(dict):
    """The metadata dict, shared (not copied) by the frames and columns derived from a frame.

    pandas deep-copies ``attrs`` into every column taken and every result computed from a frame; for
    a file with hundreds of labelled variables that copy costs more than the arithmetic. Labels describe
    the data, not one object, so every derived frame sees the same metadata.

    >>> import copy
    >>> m = Metadata(value_labels={"sexo": {1: "Hombre"}})
    >>> copy.deepcopy(m) is m
    True
    """

    def __deepcopy__(self, memo: dict) -> Metadata:
        return self


def attach_metadata(df: pd.DataFrame, meta: dict[str, Any]) -> pd.DataFrame:
    """Put ``meta`` in ``df.attrs["surveykit"]`` (as a shared :class:`Metadata`); returns ``df``.

    >>> import pandas as pd
    >>> df = attach_metadata(pd.DataFrame({"sexo": [1, 2]}), {"value_labels": {"sexo": {1: "Hombre"}}})
    >>> df["sexo"].attrs["surveykit"] is df.attrs["surveykit"]
    True
    """
    df.attrs[META_KEY] = meta if isinstance(meta, Metadata) else Metadata(meta)
    return df


def get_metadata(df: pd.DataFrame) -> dict[str, Any]:
    """The surveykit metadata of a DataFrame (an empty dict when it has none).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"sexo": [1, 2]})
    >>> df.attrs["surveykit"] = {"value_labels": {"sexo": {1: "Hombre", 2: "Mujer"}}}
    >>> get_metadata(df)["value_labels"]["sexo"][2]
    'Mujer'
    """
    meta = df.attrs.get(META_KEY)
    return meta if isinstance(meta, dict) else {}


def value_labels(df: pd.DataFrame, column: str) -> dict[Any, str] | None:
    """The value labels of ``column`` (code -> label), or ``None`` when it has none.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"area": [1, 2]})
    >>> df.attrs["surveykit"] = {"value_labels": {"area": {1: "Urbano", 2: "Rural"}}}
    >>> value_labels(df, "area")
    {1: 'Urbano', 2: 'Rural'}

    A frame without any labels metadata (e.g. the result of ``df.merge``, which drops ``attrs``) gives
    ``None`` with a :class:`~surveykit.SurveykitWarning`.
    """
    meta = get_metadata(df)
    labels = meta.get("value_labels", {}).get(column)
    if not meta and column in df.columns and not isinstance(df[column].dtype, pd.CategoricalDtype):
        # labels were asked for a frame that carries none: most often they were dropped by
        # pandas (merge, concat and groupby results keep no attrs); say so rather than show codes silently
        warnings.warn(
            "value labels were asked for, but this DataFrame carries no surveykit labels (df.attrs"
            "['surveykit'] is empty), so codes are shown. pandas drops attrs in merge/concat: put them back "
            "with sk.metadata.attach_metadata(merged, sk.metadata.get_metadata(original)).",
            SurveykitWarning,
            stacklevel=3,
        )
    return dict(labels) if labels else None


def variable_label(df: pd.DataFrame, column: str) -> str | None:
    """The variable label of ``column``, or ``None``.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"edad": [30]})
    >>> df.attrs["surveykit"] = {"variable_labels": {"edad": "Edad en años"}}
    >>> variable_label(df, "edad")
    'Edad en años'
    """
    return get_metadata(df).get("variable_labels", {}).get(column)


def label_values(values: pd.Series, labels: dict[Any, str] | None) -> pd.Series:
    """Replace codes by their labels; codes without a label are kept as they are.

    Codes are matched by value, so a float code 1.0 finds the label of the integer code 1.

    >>> import pandas as pd
    >>> label_values(pd.Series([1, 2, 3]), {1: "Sí", 2: "No"}).tolist()
    ['Sí', 'No', 3]
    """
    if not labels:
        return values
    lookup: dict[Any, str] = {}
    for code, label in labels.items():
        lookup[code] = label
        try:
            as_float = float(code)
        except (TypeError, ValueError):
            continue
        lookup.setdefault(as_float, label)
    return values.map(lambda v: lookup.get(v, v)).astype(object)


def _code_order(v: Any) -> tuple:
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


def label_categories(values: pd.Series, labels: dict[Any, str] | None) -> pd.Series:
    """Labels as an ordered Categorical whose categories follow the codes' order (1, 2, 3, ...).

    A pivot or a sort of labelled results then keeps the questionnaire's order ("Ninguna, Poca,
    Alguna, Mucha") instead of the alphabet's. Codes without a label stay as they are.

    >>> import pandas as pd
    >>> s = label_categories(pd.Series([3, 1, 2]), {1: "Ninguna", 2: "Poca", 3: "Mucha"})
    >>> s.tolist(), list(s.cat.categories), bool(s.cat.ordered)
    (['Mucha', 'Ninguna', 'Poca'], ['Ninguna', 'Poca', 'Mucha'], True)
    """
    labelled = label_values(values, labels)
    if not labels:
        return labelled
    codes = list(dict.fromkeys([*labels.keys(), *pd.unique(values.dropna())]))
    codes.sort(key=_code_order)
    cats = list(dict.fromkeys(label_values(pd.Series(codes, dtype=object), labels).tolist()))
    return pd.Series(pd.Categorical(labelled, categories=cats, ordered=True), index=values.index)


# ============================================================================================
# building, normalising, restricting and serialising the metadata dict
# ============================================================================================
# Codes are normalised so the same code has the same Python value everywhere: an integral float
# (SPSS stores every number as a double) becomes an ``int``, numpy scalars become Python scalars,
# text codes stay text.
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
    """A metadata dict with every documented key present and empty.

    >>> m = empty_metadata("hogares.sav", "sav")
    >>> m["format"], m["value_labels"], m["n_rows"]
    ('sav', {}, None)
    """
    return {
        "file": file,
        "format": format,
        "columns": [],
        "variable_labels": {},
        "value_labels": {},
        "missing": {},
        "measure": {},
        "formats": {},
        "display_width": {},
        "storage": {},
        "file_label": None,
        "file_encoding": None,
        "notes": [],
        "n_rows": None,
    }


def missing_entry(values: Iterable[Any] = (), ranges: Iterable[Any] = (), stata: Iterable[str] = ()) -> dict[str, Any]:
    """One ``missing`` entry: discrete ``values``, ``ranges`` and Stata letters, codes normalised.

    >>> missing_entry([98.0], [(97, 99.0)], [".d"])
    {'values': [98], 'ranges': [[97, 99]], 'stata': ['.d']}
    """
    return {
        "values": [norm_code(v) for v in values],
        "ranges": [[norm_code(lo), norm_code(hi)] for lo, hi in ranges],
        "stata": sorted(stata),
    }


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
            out[key] = {
                c: {
                    "values": [_json_scalar(v) for v in e.get("values", [])],
                    "ranges": [[_json_scalar(lo), _json_scalar(hi)] for lo, hi in e.get("ranges", [])],
                    "stata": list(e.get("stata", [])),
                }
                for c, e in value.items()
            }
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
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[1], str) for p in pairs
        ):
            raise ValueError(f"'value_labels' of column {col!r} must be a list of [code, label] pairs")
    for col, e in (obj.get("missing") or {}).items():
        if not isinstance(e, Mapping) or not all(isinstance(e.get(k, []), list) for k in ("values", "ranges", "stata")):
            raise ValueError(
                f"'missing' of column {col!r} must be {{'values': [...], 'ranges': [...], 'stata': [...]}}"
            )
    meta = empty_metadata()
    for key, value in obj.items():
        if key == "value_labels":
            meta[key] = {c: {norm_code(k): lab for k, lab in pairs} for c, pairs in value.items()}
        elif key == "missing":
            meta[key] = {
                c: missing_entry(e.get("values", []), e.get("ranges", []), e.get("stata", [])) for c, e in value.items()
            }
        else:
            meta[key] = value
    return meta
