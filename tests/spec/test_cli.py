"""``surveykit lint`` and ``surveykit convert``: exit codes, located messages, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import surveykit as sk
from surveykit.cli import main

from .helpers import small_questionnaire


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "mini.yaml"
    small_questionnaire().to_yaml(path)
    return path


def test_lint_clean_spec_exits_zero(spec, capsys):
    assert main(["lint", str(spec)]) == 0
    assert capsys.readouterr().out.strip() == "0 errors, 0 warnings"


def test_lint_problems_exit_one_with_locations(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\nlanguages: [es]\nitems:\n"
        "  - {type: integer, name: a, label: A, relevant: '${b} = 1'}\n"
        "  - {type: calculate, name: t, calculation: '${t} + 1'}\n",
        encoding="utf-8",
    )
    assert main(["lint", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{path}:4:") and "SK201 error: relevant: ${b} is not a question" in lines[0]
    assert any("SK203 error: cycle: t -> t" in line for line in lines)
    assert lines[-1] == "2 errors, 0 warnings"


def test_lint_warnings_and_json_output(tmp_path, capsys):
    path = tmp_path / "warn.yaml"
    path.write_text(
        "id: w\nlanguages: [es]\nchoice_lists: {unused: {choices: [{code: 1, label: x}]}}\n"
        "items: [{type: text, name: a, label: A}]\n",
        encoding="utf-8",
    )
    assert main(["lint", str(path)]) == 1
    assert main(["lint", "--warnings-ok", str(path)]) == 0
    capsys.readouterr()
    main(["lint", "--format", "json", str(path)])
    report = json.loads(capsys.readouterr().out)
    assert (report["errors"], report["warnings"]) == (0, 1)
    assert report["problems"][0]["code"] == "SK410"
    assert report["problems"][0]["location"] == {
        "pointer": "/choice_lists/unused",
        "file": str(path),
        "line": 3,
        "col": 24,
    }


def test_lint_malformed_files_are_problems_not_tracebacks(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: x\nlanguages: [es\n", encoding="utf-8")
    assert main(["lint", str(bad)]) == 1
    assert "broken.yaml:3:1: SK001 error: malformed YAML" in capsys.readouterr().out
    assert main(["lint", str(tmp_path / "nothing.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_convert_between_formats(spec, tmp_path, capsys):
    q = sk.load_questionnaire(spec)
    for name in ("form.xlsx", "again.yaml", "spec.json"):
        assert main(["convert", str(spec), str(tmp_path / name)]) == 0
        assert sk.load_questionnaire(tmp_path / name) == q
    assert main(["convert", str(tmp_path / "form.xlsx"), str(tmp_path / "back.yml")]) == 0
    assert (tmp_path / "back.yml").read_text(encoding="utf-8") == spec.read_text(encoding="utf-8")
    assert main(["convert", str(spec), str(tmp_path / "codebook.md"), "--language", "en"]) == 0
    assert "## victima: Victim?" in (tmp_path / "codebook.md").read_text(encoding="utf-8")
    assert main(["convert", str(spec), str(tmp_path / "codebook.html")]) == 0
    assert main(["convert", str(spec), str(tmp_path / "ddi.xml")]) == 0
    assert "ddi:codebook:2_5" in (tmp_path / "ddi.xml").read_text(encoding="utf-8")
    assert main(["convert", str(spec), str(tmp_path / "spec.schema.json")]) == 0
    assert json.loads((tmp_path / "spec.schema.json").read_text())["title"] == "Questionnaire"
    assert main(["convert", str(spec), str(tmp_path / "out.sav")]) == 2
    assert "must end in one of" in capsys.readouterr().err


def test_command_line_entry_point_runs(spec):
    done = subprocess.run(
        [sys.executable, "-m", "surveykit.cli", "lint", str(spec)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "0 errors, 0 warnings" and not done.stderr
