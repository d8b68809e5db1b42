"""Garbage in, located errors out: random specs and workbooks never end in a traceback."""

from __future__ import annotations

import datetime

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surveykit as sk
from surveykit.questionnaire.cli import lint_file
from surveykit.questionnaire.formats.yamljson import loads_yaml

from .helpers import write_form

KEYS = [
    "id",
    "languages",
    "default_language",
    "title",
    "items",
    "type",
    "name",
    "label",
    "relevant",
    "constraint",
    "calculation",
    "required",
    "choices",
    "choice_lists",
    "missing_codes",
    "missing",
    "code",
    "kind",
    "min",
    "max",
    "children",
    "count",
    "es",
    "en",
    "choice_filter",
    "stata",
    "filters",
    "version",
]
TYPES = [
    "integer",
    "decimal",
    "text",
    "select_one",
    "select_multiple",
    "group",
    "repeat",
    "calculate",
    "note",
    "start",
    "geopoint",
    "integr",
]
SCALARS = st.one_of(
    st.sampled_from(TYPES),
    st.sampled_from(["es", "en", "${a} > 1", ". > (0", "sino", "a", "q1", "selected(${m}, '1')", "", "${a}", "maybe"]),
    st.integers(-10, 200),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, width=32),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=30,
)


@settings(max_examples=250, deadline=None)
@given(DATA, st.booleans())
def test_random_yaml_specs_load_or_fail_with_located_errors(data, wrap):
    if wrap:  # mostly valid on top, garbage inside
        data = {"id": "x", "languages": ["es"], "items": [data] if not isinstance(data, list) else data}
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        q = loads_yaml(text, "random.yaml")
    except sk.SpecFormatError as exc:
        assert exc.context.get("problems") or "random.yaml" in str(exc)
        return
    for p in q.lint():
        assert p.code in sk.questionnaire.lint.RULES and p.message
        assert p.severity == sk.LINT_RULES[p.code].severity or (p.code, p.severity) in {
            ("SK202", "warning"),
            ("SK302", "warning"),
            ("SK501", "warning"),
        }


CELLS = st.one_of(
    st.sampled_from(
        [
            "integer",
            "text",
            "select_one sino",
            "select_multiple sino",
            "begin_group",
            "end_group",
            "begin_repeat",
            "end_repeat",
            "calculate",
            "note",
            "integr",
            "select_one",
            "${a} = 1",
            ". > (0",
            "yes",
            "maybe",
            "a",
            "b",
            "=SUM(1)",
            "#REF!",
            "   ",
            "sino",
            "label::Español (es)",
        ]
    ),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.none(),
    st.just(datetime.datetime(2024, 1, 2)),
    st.booleans(),
)
HEADERS = [
    "type",
    "name",
    "label::Español (es)",
    "label",
    "relevant",
    "constraint",
    "calculation",
    "required",
    "list_name",
    "sk_min",
    "choice_filter",
    "repeat_count",
    "sk_missing",
    "hint::English",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    st.lists(st.lists(CELLS, min_size=0, max_size=8), max_size=8),
    st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=4),
)
def test_random_workbooks_give_problems_not_tracebacks(tmp_path_factory, header, rows, choice_rows):
    path = write_form(
        tmp_path_factory.mktemp("w") / "f.xlsx", [header, *rows], [["list_name", "name", "label"], *choice_rows]
    )
    try:
        problems = lint_file(path)
    except sk.SpecFormatError as exc:
        assert exc.context.get("problems") or "f.xlsx" in str(exc)
        return
    for p in problems:
        assert p.location.file == str(path) or p.location.file is None
