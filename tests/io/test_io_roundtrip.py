"""Hypothesis round trips: random labelled frames written and read back from .sav, .dta and .xlsx
are identical in values, labels and missing declarations within each format's documented capacity:

* .sav: text has no missing value (a missing text cell is written as ""), trailing blanks of text are
  not kept (SPSS pads text), labels up to 120 bytes (values) / 256 bytes (variables), at most 3
  discrete missing values or 1 range + 1 value.
* .dta: value labels only on integer codes of numeric columns; missing kinds are .a-.z in the cells.
* .xlsx: an empty text cell and a missing cell are the same; text without control characters.
"""

from __future__ import annotations

import math
import re
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surveykit as sk

STATA_LETTER = re.compile(r"^\.[a-z]$")
SPANISH = string.ascii_letters + string.digits + " áéíóúüñÁÉÍÓÚÜÑ¿?¡!.,;:()-'\"/"
RESERVED = {
    "all",
    "and",
    "by",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
    "ne",
    "not",
    "or",
    "to",
    "with",
    "if",
    "in",
    "int",
    "byte",
    "long",
    "float",
    "double",
    "str",
    "using",
    "strl",
}

names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(lambda n: n not in RESERVED)
label_text = st.text(SPANISH, min_size=1, max_size=40).map(str.strip).filter(bool)
codes = st.integers(-99, 999)
numbers = st.one_of(
    st.integers(-(10**9), 10**9).map(float),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 6)),
)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@st.composite
def labelled_frames(draw, fmt: str):
    n = draw(st.integers(1, 12))
    cols = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    data, var_labels, val_labels, missing = {}, {}, {}, {}
    for col in cols:
        kind = draw(st.sampled_from(["coded", "number", "text"]))
        if draw(st.booleans()):
            var_labels[col] = draw(label_text)
        if kind == "coded":
            book = draw(st.dictionaries(codes, label_text, min_size=1, max_size=6))
            pool = sorted(book) + [draw(codes)]  # one code may be unlabelled
            values = [float(draw(st.sampled_from(pool))) if draw(st.integers(0, 5)) else np.nan for _ in range(n)]
            val_labels[col] = book
            if fmt == "dta":
                letters = draw(st.lists(st.sampled_from(string.ascii_lowercase), max_size=3, unique=True))
                if letters:
                    values = [
                        ("." + draw(st.sampled_from(letters))) if draw(st.integers(0, 3)) == 0 else v for v in values
                    ]
                    used = sorted({v for v in values if isinstance(v, str)})
                    if used:
                        missing[col] = {"stata": used}
                data[col] = pd.Series(values, dtype=object if any(isinstance(v, str) for v in values) else float)
            else:
                data[col] = pd.Series(values, dtype=float)
                decl = draw(st.sampled_from(["none", "values", "range"]))
                if decl == "values":
                    missing[col] = {
                        "values": sorted(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)))
                    }
                elif decl == "range":
                    lo = draw(codes)
                    missing[col] = {"ranges": [[lo, lo + draw(st.integers(1, 50))]]}
        elif kind == "number":
            data[col] = pd.Series([draw(numbers) if draw(st.integers(0, 4)) else np.nan for _ in range(n)], dtype=float)
        else:
            texts = [draw(label_text.filter(lambda t: not STATA_LETTER.match(t))) for _ in range(n)]
            if fmt == "xlsx":
                texts = [t if draw(st.integers(0, 4)) else np.nan for t in texts]
            data[col] = pd.Series(texts, dtype=object if fmt == "xlsx" else object)
            if fmt == "sav" and draw(st.booleans()):
                short = sorted({t for t in texts if isinstance(t, str)})[:3]
                val_labels[col] = {t: draw(label_text) for t in short}
                if draw(st.booleans()):
                    missing[col] = {"values": [t for t in short if len(t.encode()) <= 8][:1]}
                    if not missing[col]["values"]:
                        del missing[col]
    df = pd.DataFrame(data)
    df.attrs["surveykit"] = {"variable_labels": var_labels, "value_labels": val_labels, "missing": missing}
    return df


def _cells(s: pd.Series) -> list:
    out = []
    for v in s.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            out.append(v)
    return out


def _missing(meta: dict) -> dict:
    out = {}
    for c, e in (meta.get("missing") or {}).items():
        norm = {"values": sorted(e.get("values", []), key=str), "ranges": [list(r) for r in e.get("ranges", [])]}
        if norm["values"] or norm["ranges"]:
            out[c] = norm
    return out


def _round_trip(df: pd.DataFrame, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"rt.{fmt}"
        sk.write_microdata(df, path)
        back = sk.read_microdata(path, user_missing="keep")
    assert list(back.columns) == list(df.columns)
    for col in df.columns:
        assert _cells(back[col]) == _cells(df[col]), col
    meta, want = back.attrs["surveykit"], df.attrs["surveykit"]
    assert meta["variable_labels"] == want["variable_labels"]
    assert meta["value_labels"] == want["value_labels"]
    assert _missing(meta) == _missing(want)
    if fmt == "dta":
        letters = {c: e["stata"] for c, e in want["missing"].items() if e.get("stata")}
        got = {c: e["stata"] for c, e in meta["missing"].items() if e.get("stata")}
        assert got == letters


@SETTINGS
@given(labelled_frames("sav"))
def test_sav_round_trip(df):
    _round_trip(df, "sav")


@SETTINGS
@given(labelled_frames("dta"))
def test_dta_round_trip(df):
    _round_trip(df, "dta")


@SETTINGS
@given(labelled_frames("xlsx"))
def test_xlsx_round_trip(df):
    _round_trip(df, "xlsx")
