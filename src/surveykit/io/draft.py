"""A draft questionnaire from the labels of a legacy SPSS/Stata/Excel file.

Old waves often exist only as labelled data files. Their variable labels, value labels and missing
declarations are enough for a first spec: one question per column, a choice list per distinct set of
value labels, missing codes from the declarations. Question wording, routing and constraints are not
in such files; the draft says so in its settings (``provenance``) and a designer completes it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import MicrodataError
from ..metadata import get_metadata

if TYPE_CHECKING:
    from ..questionnaire import MissingCode

__all__ = ["questionnaire_from_metadata"]

_KIND_WORDS = [
    ("dont_know", re.compile(r"no sab|ns/nr|don.?t know|\bdk\b|ne sait", re.I)),
    ("refused", re.compile(r"no respond|rehus|se niega|refus|no contest|\bnr\b", re.I)),
    ("not_applicable", re.compile(r"no aplica|not applicable|\bn/?a\b|inaplicable", re.I)),
    ("no_answer", re.compile(r"sin respuesta|no answer|missing|perdido", re.I)),
]
_STATA_LETTERS = [f".{c}" for c in "abcdefghijklmnopqrstuvwxyz"]


def questionnaire_from_metadata(
    source: str | os.PathLike[str] | pd.DataFrame | Mapping[str, Any],
    *,
    id: str | None = None,
    language: str = "es",
    title: str | None = None,
) -> Any:
    """Draft a :class:`~surveykit.Questionnaire` from a labelled file's metadata.

    Parameters
    ----------
    source : path, DataFrame or dict
        A .sav/.dta/.xlsx/... file (its metadata is read, and its data when needed to tell integers
        from decimals), a DataFrame read by :func:`read_microdata`, or a metadata dict.
    id : str, optional
        Questionnaire id (default: from the file name).
    language : str, default "es"
        Language of the file's labels.
    title : str, optional
        Title (default: the file label).

    Returns
    -------
    Questionnaire
        One question per column in file order: ``select_one`` for labelled columns (a choice list per
        distinct set of labels, shared by the columns that use the same set; ``ordered`` when SPSS
        says ordinal), ``integer``/``decimal`` for numbers, ``text``, ``date``/``datetime``/``time``.
        Declared missing codes become the list's (or the question's) missing codes, with their kind
        guessed from the label ("No sabe" -> dont_know, "No responde" -> refused) and Stata letters
        kept. ``settings["provenance"]`` records that the draft was inferred and from what.

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"p10": [1.0, 2, 98], "edad": [34.0, 51, 19], "obs": ["a", "b", "c"]})
    >>> df.attrs["surveykit"] = {"variable_labels": {"p10": "¿Fue víctima?", "edad": "Edad"},
    ...     "value_labels": {"p10": {1: "Sí", 2: "No", 98: "No sabe"}}, "missing": {"p10": {"values": [98]}}}
    >>> q = sk.questionnaire_from_metadata(df, id="enpv2019")
    >>> [(x.name, x.type) for x in q.questions()]
    [('p10', 'select_one'), ('edad', 'integer'), ('obs', 'text')]
    >>> lst = q.choice_lists["p10"]
    >>> [c.code for c in lst.choices], [(m.kind, m.code) for m in lst.missing]
    ([1, 2], [('dont_know', 98)])

    A number whose only value labels are its missing codes is a number with missing codes:

    >>> df = pd.DataFrame({"edad": [34.0, 51, 99]})
    >>> df.attrs["surveykit"] = {"value_labels": {"edad": {98: "No sabe", 99: "No responde"}},
    ...                          "missing": {"edad": {"values": [98, 99]}}}
    >>> q = sk.questionnaire_from_metadata(df)
    >>> q.question("edad").type, [(m.kind, m.code) for m in q.question("edad").missing]
    ('integer', [('dont_know', 98), ('refused', 99)])
    >>> [p.code for p in q.lint()]  # no SK405 (empty choice list): only the missing question text
    ['SK505']
    """
    from ..questionnaire import models as m

    data: pd.DataFrame | None = None
    file_name = None
    if isinstance(source, pd.DataFrame):
        meta, data = get_metadata(source), source
        file_name = meta.get("file")
    elif isinstance(source, Mapping):
        meta = dict(source)
        file_name = meta.get("file")
    elif isinstance(source, (str, os.PathLike)):
        from .read import read_metadata

        meta = read_metadata(source)
        file_name = str(source)
    else:
        raise MicrodataError(
            f"questionnaire_from_metadata needs a path, a DataFrame or a metadata dict; got {type(source).__name__}."
        )
    columns = list(meta.get("columns") or (list(data.columns) if data is not None else []))
    if not columns:
        raise MicrodataError("the metadata lists no columns; give the file or the DataFrame read from it.")
    if data is None and file_name and any(_needs_data(meta, c) for c in columns):
        from .read import read_microdata

        data = read_microdata(file_name, user_missing="keep")

    value_labels: dict[str, dict[Any, str]] = meta.get("value_labels") or {}
    missing: dict[str, dict[str, Any]] = meta.get("missing") or {}
    var_labels: dict[str, str] = meta.get("variable_labels") or {}
    measure: dict[str, str] = meta.get("measure") or {}
    lists: dict[str, Any] = {}
    list_of_set: dict[tuple, str] = {}
    q_missing: dict[str, Any] = {}
    items: list[Any] = []  # questions of several classes (the questionnaire's Item union)
    for col in columns:
        label = {language: var_labels[col]} if var_labels.get(col) else {}
        decl = missing.get(col) or {}
        labels = value_labels.get(col) or {}
        miss_codes = _missing_codes(decl, labels, m, language)
        kind = _column_type(meta, col, data)
        substantive = [c for c in labels if not any(_same(c, mc.code) for mc in miss_codes)]
        if labels and not substantive and kind in ("integer", "decimal"):
            # only missing codes are labelled (98 "No sabe", 99 "No responde" on an age or an amount): a
            # number with missing codes, not a select_one with an empty choice list
            labels = {}
        if labels:
            choices = [
                m.Choice(code=code, label={language: text})
                for code, text in labels.items()
                if not any(_same(code, mc.code) for mc in miss_codes)
            ]
            key = (
                tuple((c.code, c.label[language]) for c in choices),
                tuple((mc.kind, mc.code, mc.stata) for mc in miss_codes),
                measure.get(col) == "ordinal",
            )
            name = list_of_set.get(key)
            if name is None:
                name = _list_name(col, lists)
                lists[name] = m.ChoiceList(choices=choices, missing=miss_codes, ordered=key[2])
                list_of_set[key] = name
            items.append(m.SelectOneQuestion(name=col, label=label, choices=name))
            continue
        kinds: list[str] | None = None
        # questionnaire-wide missing codes apply to every number by default: each question lists its own
        if kind in ("integer", "decimal") or miss_codes:
            kinds = []
            for mc in miss_codes:
                existing = q_missing.get(mc.kind)
                k = (
                    mc.kind
                    if existing is None or (existing.code == mc.code and existing.stata == mc.stata)
                    else f"{mc.kind}_{_code_suffix(mc.code)}"
                )
                q_missing.setdefault(k, mc.model_copy(update={"kind": k}))
                kinds.append(k)
        cls = {
            "integer": m.IntegerQuestion,
            "decimal": m.DecimalQuestion,
            "text": m.TextQuestion,
            "date": m.DateQuestion,
            "datetime": m.DateTimeQuestion,
            "time": m.TimeQuestion,
        }[kind]
        extra: dict[str, Any] = {"missing": kinds} if kinds is not None else {}
        items.append(cls(name=col, label=label, **extra))
    qid = id or _sanitize(Path(file_name).stem if file_name else "draft")
    what = Path(file_name).name if file_name else "metadata"
    return m.Questionnaire(
        id=qid,
        languages=[language],
        title={language: title or meta.get("file_label") or qid},
        missing_codes=list(q_missing.values()),
        choice_lists=lists,
        items=items,
        settings={
            "provenance": f"inferred from {what} by surveykit.questionnaire_from_metadata: names, "
            "labels, value labels and missing codes only; add question text, relevance, "
            "constraints and repeats"
        },
    )


def _same(a: Any, b: Any) -> bool:
    try:
        return a == b or float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _code_suffix(code: Any) -> str:
    text = str(code).replace("-", "m").replace(".", "_")
    return re.sub(r"[^A-Za-z0-9_]", "", text) or "x"


def _sanitize(text: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return out if out[:1].isalpha() else f"q_{out}"


def _list_name(col: str, lists: dict[str, Any]) -> str:
    name, i = col, 2
    while name in lists:
        name, i = f"{col}_{i}", i + 1
    return name


def _kind_of(label: str | None, code: Any, used: set[str]) -> str:
    for kind, rx in _KIND_WORDS:
        if label and rx.search(label) and kind not in used:
            return kind
    return f"missing_{_code_suffix(code)}"


def _missing_codes(decl: Mapping[str, Any], labels: Mapping[Any, str], m: Any, language: str) -> list[Any]:
    """MissingCode models for a column's declaration: discrete values, the labelled codes inside
    declared ranges, and Stata letters."""
    codes: list[Any] = list(decl.get("values") or [])
    for lo, hi in decl.get("ranges") or []:
        inside = [c for c in labels if isinstance(c, (int, float)) and lo <= c <= hi]
        codes += inside if inside else ([lo, hi] if lo != hi else [lo])
    out: list[MissingCode] = []
    used: set[str] = set()
    for code in dict.fromkeys(codes):
        label = labels.get(code)
        kind = _kind_of(label, code, used)
        used.add(kind)
        out.append(m.MissingCode(kind=kind, code=code, label={language: label} if label else {}))
    for letter in decl.get("stata") or []:
        kind = {".d": "dont_know", ".r": "refused", ".n": "not_applicable", ".a": "no_answer", ".s": "skipped"}.get(
            letter, f"missing_{letter.lstrip('.')}"
        )
        if kind in used:
            kind = f"missing_{letter.lstrip('.')}"
        used.add(kind)
        out.append(m.MissingCode(kind=kind, code=letter, stata=letter))
    return out


def _needs_data(meta: Mapping[str, Any], col: str) -> bool:
    fmt = (meta.get("formats") or {}).get(col) or ""
    storage = (meta.get("storage") or {}).get(col) or ""
    if (meta.get("value_labels") or {}).get(col):
        return False
    if storage in ("string",) or fmt.startswith(("A", "%-", "DATE", "%t", "TIME", "DATETIME")):
        return False
    return not (fmt.startswith("F") and fmt.endswith(".0")) and storage not in ("int8", "int16", "int32")


def _column_type(meta: Mapping[str, Any], col: str, data: pd.DataFrame | None) -> str:
    fmt = str((meta.get("formats") or {}).get(col) or "")
    storage = (meta.get("storage") or {}).get(col) or ""
    if data is not None and col in data.columns:
        s = data[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            if fmt.startswith(("DATE", "%td", "ADATE", "EDATE", "SDATE")) and not fmt.startswith("DATETIME"):
                return "date"
            return "datetime"
        if pd.api.types.infer_dtype(s, skipna=True) == "time":
            return "time"
        if not pd.api.types.is_numeric_dtype(s.dtype):
            # numbers with Stata letters kept as text ('.a') are numbers
            rest = s[s.notna() & ~s.astype(object).isin(_STATA_LETTERS)]
            num = pd.to_numeric(rest, errors="coerce")
            if len(rest) == 0 or num.isna().any():
                return "text"
            s = num
        vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        vals = vals[np.isfinite(vals)]
        return "integer" if np.all(vals == np.round(vals)) else "decimal"
    if storage == "string" or fmt.startswith(("A", "%-")) or re.match(r"^%\d+s$", fmt):
        return "text"
    if fmt.startswith(("DATETIME", "%tc")):
        return "datetime"
    if fmt.startswith(("DATE", "%td", "ADATE", "EDATE")):
        return "date"
    if fmt.startswith("TIME"):
        return "time"
    if (fmt.startswith("F") and fmt.endswith(".0")) or storage in ("int8", "int16", "int32"):
        return "integer"
    return "decimal"
