"""Fuzzing the public entry points (issue 11): whatever the input, only a SurveykitError escapes,
nothing hangs (a per-example deadline far above the normal time) and nothing is lost (a file that
reads has every line with as many fields as the header; a valid CSV comes back value for value).

The budget is about a minute for the whole module on a busy 2-core machine."""

from __future__ import annotations

import csv
import io
import json
import os
import warnings
from datetime import timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import surveykit as sk
from surveykit.questionnaire.cli import lint_file
from surveykit.questionnaire.evaluate import evaluate
from surveykit.questionnaire.formats.yamljson import loads_json, loads_yaml

#: SK_FUZZ_SCALE=20 runs twenty times the examples (a deeper hunt, outside the suite's time budget)
SCALE = int(os.environ.get("SK_FUZZ_SCALE", "1"))
DEADLINE = timedelta(seconds=5)  # a hang (exponential regex, quadratic parsing) blows far past it
FUZZ = dict(
    deadline=DEADLINE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- byte mutations ----------------------------------------------------------------------------------
SPECIAL = [
    b"\x00",
    b"\x07",
    b"\x1b",
    b"9" * 5000,
    b"9" * 400,
    b"[[[[[[",
    b"]]",
    b"{",
    b"\n",
    b"\r",
    b",",
    b";",
    b'"',
    b"'",
    b"\xff\xfe",
    b"\xc3",
    b"\t",
    b"id: y\n",
    b"&a [1] ",
    b"*a",
    b"? [a, b]\n: 1\n",
    b"- ",
    b"${",
    b"(",
    b")",
    b"regex(., '(a+)+$')",
    b"1e400",
    b"-",
    b"NaN",
    b".inf",
    b"\xef\xbb\xbf",
]
PAYLOAD = st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=6))
EDITS = st.lists(
    st.tuples(st.floats(0, 1), st.sampled_from(["insert", "delete", "replace"]), PAYLOAD), min_size=1, max_size=4
)


def mutate(data: bytes, edits: list[tuple[float, str, bytes]]) -> bytes:
    out = bytearray(data)
    for where, kind, payload in edits:
        i = int(where * len(out))
        if kind == "insert":
            out[i:i] = payload
        elif kind == "delete":
            del out[i : i + len(payload)]
        else:
            out[i : i + len(payload)] = payload
    return bytes(out)


def only_surveykit_errors(fn, *args, **kwargs):
    """Run ``fn``; a SurveykitError is an answer, anything else fails the test (pytest shows it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except sk.SurveykitError:
            return None


# --- expressions ---------------------------------------------------------------------------------------
TOKENS = [
    "${a}",
    "${b}",
    "${d}",
    "${m}",
    ".",
    "1",
    "0",
    "2.5",
    "'x'",
    "'2024-01-02'",
    "9" * 400,
    "+",
    "-",
    "*",
    "div",
    "mod",
    "=",
    "!=",
    "<",
    ">=",
    "and",
    "or",
    "(",
    ")",
    ",",
    "not(",
    "if(",
    "coalesce(",
    "today()",
    "regex(",
    "'(a+)+$'",
    "'[a-z'",
    "'(?=a)'",
    "concat(",
    "selected(",
    "count-selected(",
    "int(",
    "round(",
    "pow(",
    "string-length(",
    "substr(",
    "date(",
    "number(",
    "sum(",
    "true()",
    "\x00",
    "$",
    "''",
    "'",
    " ",
]
EXPRESSIONS = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join)
FRAME = pd.DataFrame(
    {
        "a": [1.0, None, 3.0, -2.0],
        "b": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "x", None, "01"],
        "d": pd.to_datetime(["2024-01-02", None, "2020-05-06", "1999-12-31"]),
        "m": ["1 2", "", None, "3"],
    }
)


@settings(max_examples=800 * SCALE, **FUZZ)
@given(st.one_of(EXPRESSIONS, st.text(max_size=40)))
def test_expressions_parse_evaluate_and_lint_without_tracebacks(text):
    expr = only_surveykit_errors(sk.parse_expression, text)
    if expr is None:
        return
    result = only_surveykit_errors(evaluate, expr, FRAME, current="a")
    if result is not None:
        assert len(result) == len(FRAME)  # one value per row, none dropped
    q = only_surveykit_errors(
        sk.Questionnaire.model_validate,
        {
            "id": "x",
            "languages": ["es"],
            "items": [{"type": "integer", "name": "a", "label": "A", "constraint": text, "relevant": text}],
        },
    )
    if q is not None:
        problems = q.lint()
        assert all(p.code and p.message for p in problems)


# --- questionnaires from bytes ------------------------------------------------------------------------
SPEC = b"""id: enc
languages: [es, en]
choice_lists:
  sino:
    choices:
      - {code: 1, label: {es: Si, en: 'Yes'}}
      - {code: 2, label: {es: 'No', en: 'No'}}
items:
  - {type: integer, name: edad, label: {es: Edad, en: Age}, min: 0, max: 110}
  - {type: select_one, name: victima, choices: sino, label: {es: Victima, en: Victim}, relevant: "${edad} >= 18"}
  - {type: text, name: dui, label: {es: DUI, en: ID}, constraint: "regex(., '^[0-9]{8}-[0-9]$')"}
"""


@settings(max_examples=300 * SCALE, **FUZZ)
@given(EDITS, st.sampled_from(["yaml", "json"]))
def test_questionnaire_bytes_load_or_fail_cleanly(tmp_path_factory, edits, kind):
    import yaml

    base = SPEC if kind == "yaml" else json.dumps(yaml.safe_load(SPEC), ensure_ascii=False).encode()
    path = tmp_path_factory.mktemp("q") / f"q.{kind}"
    path.write_bytes(mutate(base, edits))
    q = only_surveykit_errors(sk.load_questionnaire, path)
    if q is not None:
        q.lint()
    only_surveykit_errors(lint_file, path)
    text = path.read_bytes().decode("utf-8", errors="replace")
    only_surveykit_errors(loads_yaml if kind == "yaml" else loads_json, text)


def _xlsform_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in (
        ["type", "name", "label::Español (es)", "constraint"],
        ["integer", "edad", "Edad", ". < 120"],
        ["select_one sino", "p1", "P1", ""],
    ):
        ws.append(row)
    cs = wb.create_sheet("choices")
    for row in (["list_name", "name", "label::Español (es)"], ["sino", 1, "Sí"], ["sino", 2, "No"]):
        cs.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSFORM = _xlsform_bytes()


@settings(max_examples=80 * SCALE, **FUZZ)
@given(EDITS)
def test_xlsform_bytes_load_or_fail_cleanly(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("x") / "f.xlsx"
    path.write_bytes(mutate(XLSFORM, edits))
    only_surveykit_errors(sk.load_questionnaire, path)
    only_surveykit_errors(lint_file, path)


# --- microdata -------------------------------------------------------------------------------------------
CSV = (
    b'id,ingreso,edad,obs,fecha\n1,500.5,45,"con, coma",2024-01-02\n2,,30,\xc3\xb1and\xc3\xba,\n'
    b"12345678901234567890,1,01,x,2020-05-06\n"
)


def _records(data: bytes) -> list[list[str]] | None:
    try:
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None


@settings(max_examples=400 * SCALE, **FUZZ)
@given(EDITS, st.booleans())
def test_mutated_csv_reads_faithfully_or_fails_cleanly(tmp_path_factory, edits, chunked):
    data = mutate(CSV, edits)
    path = tmp_path_factory.mktemp("c") / "d.csv"
    path.write_bytes(data)
    if chunked:
        chunks = only_surveykit_errors(lambda: list(sk.read_microdata(path, chunksize=2, progress=False)))
        df = pd.concat(chunks) if chunks else None
    else:
        df = only_surveykit_errors(sk.read_microdata, path)
    if df is None:
        return
    records = _records(data)
    assume(records is not None)
    width = len(records[0])
    assert df.shape[1] == width
    # nothing lost: every line had exactly the header's fields (or was blank), else it was an error
    assert all(len(r) in (width, 0) for r in records[1:]), records


CELL = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), max_size=8),
    st.sampled_from(["01", " 7", "NA", "nan", "-0", "+5", "1e5", "ñ", "a,b", 'q"q']),
)


@settings(max_examples=200 * SCALE, **FUZZ)
@given(st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(CELL, min_size=w, max_size=w), min_size=1, max_size=6)))
def test_valid_csv_comes_back_value_for_value(tmp_path_factory, rows):
    width = len(rows[0])
    header = [f"c{i}" for i in range(width)]
    path = tmp_path_factory.mktemp("v") / "d.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    df = only_surveykit_errors(sk.read_microdata, path)
    assert df is not None, "a valid CSV must be read"
    assert df.shape == (len(rows), width)
    for j, col in enumerate(header):
        for i, text in enumerate(r[j] for r in rows):
            value = df[col].iloc[i]
            if text == "":
                assert pd.isna(value)
            elif isinstance(value, str):
                assert value == text  # text stays exactly as written
            elif pd.api.types.is_integer_dtype(df[col].dtype) or (isinstance(value, int)):
                assert int(text) == value  # integers exact, however long
            else:
                assert float(text) == value or (pd.isna(value) and text.strip().lower() == "nan")


def _data_xlsx() -> bytes:
    df = pd.DataFrame({"id": [1, 2, 3], "sexo": [1, 2, 1], "obs": ["a", None, "ñ"]})
    df.attrs["surveykit"] = {"value_labels": {"sexo": {1: "Hombre", 2: "Mujer"}}}
    path = Path(__import__("tempfile").mkdtemp()) / "d.xlsx"
    sk.write_microdata(df, path)
    return path.read_bytes()


XLSX = _data_xlsx()


@settings(max_examples=80 * SCALE, **FUZZ)
@given(EDITS)
def test_mutated_xlsx_reads_or_fails_cleanly(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("x") / "d.xlsx"
    path.write_bytes(mutate(XLSX, edits))
    df = only_surveykit_errors(sk.read_microdata, path)
    if df is not None:
        assert len(df.columns) == len(set(df.columns))


# --- control totals ----------------------------------------------------------------------------------------
CONTROLS = {
    "yaml": b"metadata: {source: s, year: 2024, universe: adults, unit: persons, status: official}\n"
    b"population_size: 100\nmargins:\n  sexo: {1: 40, 2: 60}\n  area:\n    levels: {1: {total: 70, label: U},"
    b" 2: {total: 30}}\n",
    "json": b'{"metadata": {"source": "s", "year": 2024, "universe": "adults", "unit": "persons", '
    b'"status": "official"}, "margins": {"sexo": {"1": 40, "2": 60}}}',
    "csv": b"# source: s\n# year: 2024\n# universe: adults\n# unit: persons\n# status: official\n"
    b"margin,level,total,label\nsexo,1,40,Hombre\nsexo,2,60,Mujer\n",
}


@settings(max_examples=400 * SCALE, **FUZZ)
@given(EDITS, st.sampled_from(sorted(CONTROLS)))
def test_control_files_load_or_fail_cleanly(tmp_path_factory, edits, kind):
    path = tmp_path_factory.mktemp("k") / f"c.{kind}"
    path.write_bytes(mutate(CONTROLS[kind], edits))
    ctl = only_surveykit_errors(sk.load_controls, path)
    if ctl is not None:
        assert ctl.margins


@pytest.mark.parametrize("kind", sorted(CONTROLS))
def test_unmutated_seeds_are_valid(tmp_path, kind):
    """The fuzzers start from valid files (else they would only test the first error)."""
    p = tmp_path / f"c.{kind}"
    p.write_bytes(CONTROLS[kind])
    assert sk.load_controls(p).margins
    q = tmp_path / "q.yaml"
    q.write_bytes(SPEC)
    assert sk.load_questionnaire(q).lint() is not None
    with pytest.warns(sk.SurveykitWarning, match="too long for 64-bit"):
        assert len(sk.read_microdata(_write(tmp_path / "d.csv", CSV))) == 3


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
