"""Every configuration and spec file goes through one strict loader: a key given twice, a complex key,
a 5,000-digit number, a control character or absurd nesting is a SurveykitError with a line, never a
silent overwrite or a raw traceback (issue 11)."""

from __future__ import annotations

import json

import pytest

import surveykit as sk
from surveykit.fileio import FileSyntaxError, load_yaml_file, parse_json, parse_yaml
from surveykit.errors import DesignError
from surveykit.questionnaire.formats.yamljson import loads_json, loads_yaml

SPEC = "id: x\nlanguages: [es]\nitems:\n  - {type: integer, name: a, label: A}\n"
CONTROLS = (
    "metadata: {source: s, year: 2024, universe: adults, unit: persons, status: official}\n"
    "margins:\n  sex: {1: 40, 2: 60}\n"
)


@pytest.mark.parametrize(
    "text, line",
    [
        (
            "id: x\nlanguages: [es]\nitems:\n  - type: integer\n    name: a\n"
            "    relevant: ${a} > 1\n    relevant: ${a} > 2\n",
            7,
        ),
        ("id: x\nid: y\nlanguages: [es]\nitems: []\n", 2),
    ],
)
def test_questionnaire_yaml_duplicate_key_is_an_error_with_its_line(text, line):
    with pytest.raises(sk.SpecFormatError, match="appears twice") as exc:
        loads_yaml(text, "q.yaml")
    problem = exc.value.context["problems"][0]
    assert problem.location.line == line
    assert str(exc.value).startswith(f"q.yaml:{line}:")


def test_questionnaire_json_duplicate_key_is_an_error():
    text = json.dumps({"id": "x", "languages": ["es"], "items": []})[:-1] + ', "id": "y"}'
    with pytest.raises(sk.SpecFormatError, match="'id' appears twice"):
        loads_json(text, "q.json")


@pytest.mark.parametrize(
    "text",
    [
        SPEC.replace("label: A", "label: A, min: " + "1" * 5000),  # int() refuses 4,300+ digits
        SPEC.replace("label: A", 'label: "A\x00"'),  # yaml.ReaderError
        SPEC.replace("label: A", "label: A\x07"),
        "[" * 5000 + "]" * 5000,  # RecursionError in the composer
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, 300)),  # deep, composes fine: depth check
        "? [a, b]\n: 1\n",  # complex key
    ],
)
def test_questionnaire_yaml_raw_failures_become_spec_format_errors(text):
    with pytest.raises(sk.SpecFormatError) as exc:
        loads_yaml(text, "q.yaml")
    assert "q.yaml" in str(exc.value)


def test_nul_in_yaml_names_line_and_character(tmp_path):
    p = tmp_path / "q.yaml"
    p.write_text(SPEC.replace("label: A", 'label: "A\x00"'))
    with pytest.raises(sk.SpecFormatError, match=r"q.yaml:4:\d+: YAML: the character U\+0000") as exc:
        sk.load_questionnaire(p)
    assert exc.value.context["problems"][0].location.line == 4
    from surveykit.cli import main

    assert main(["lint", str(p)]) == 1  # reported as the located problem SK001, like other malformed YAML


def test_questionnaire_json_huge_number_and_nesting():
    with pytest.raises(sk.SpecFormatError, match="4,300 digits"):
        loads_json('{"id": "x", "languages": ["es"], "items": [], "version": ' + "9" * 5000 + "}")
    with pytest.raises(sk.SpecFormatError, match="nested"):
        loads_json("[" * 100000 + "]" * 100000)


@pytest.mark.parametrize(
    "ext, text, pattern",
    [
        (".yaml", CONTROLS + "  age: " + "1" * 5000 + "\n", "4,300 digits"),
        (".yaml", CONTROLS + "  ? [a, b]\n  : 1\n", "complex key"),
        (".yaml", CONTROLS.replace("sex", "s\x00x"), "U\\+0000"),
        (".yaml", "margins: " + "[" * 5000 + "]" * 5000, "nested"),
        (".yaml", "margins: " + "{a: " * 300 + "1" + "}" * 300, "nested more than 200"),
        (".json", '{"margins": ' + "[" * 100000 + "]" * 100000 + "}", "nested"),
        (".json", '{"margins": {"a": ' + "7" * 5000 + "}}", "4,300 digits"),
        (".csv", "# source: x\n# notes: " + "[" * 300 + "]" * 300 + "\nmargin,level,total\n", "nested"),
    ],
)
def test_controls_loader_refuses_with_control_totals_error(tmp_path, ext, text, pattern):
    p = tmp_path / f"c{ext}"
    p.write_text(text)
    with pytest.raises(sk.ControlTotalsError, match=pattern) as exc:
        sk.load_controls(p)
    assert str(p) in str(exc.value)


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("strata: a\nstrata: b\n", "'strata' appears twice"),
        ("weights: " + "1" * 5000 + "\n", "4,300 digits"),
        ("a: " + "[" * 5000 + "]" * 5000, "nested"),
        ("a: 1\x00\n", "U\\+0000"),
    ],
)
def test_design_and_catalogue_files_share_the_loader(tmp_path, text, pattern):
    p = tmp_path / "design.yaml"
    p.write_text(text)
    with pytest.raises(DesignError, match=pattern):
        load_yaml_file(p, "design", DesignError)


def test_parse_helpers_keep_what_is_valid():
    assert parse_yaml("a: 1\nb: {c: [1, 2]}\n") == {"a": 1, "b": {"c": [1, 2]}}
    assert parse_json('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    with pytest.raises(FileSyntaxError) as exc:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert (exc.value.line, exc.value.key) == (3, "a")
