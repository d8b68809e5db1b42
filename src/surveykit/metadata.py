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
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from .errors import SurveykitWarning

__all__ = ["META_KEY", "Metadata", "attach_metadata", "get_metadata", "value_labels", "variable_label",
           "label_values"]

META_KEY = "surveykit"


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
            SurveykitWarning, stacklevel=3)
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
