"""`surveykit indicators` end to end on a small simulated survey: files written, numbers equal to the
direct calls, calibration applied and carried to incidents, located errors with exit status 2."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import surveykit as sk
from surveykit.cli import main

ROOT = Path(__file__).resolve().parents[2]

CONTROLS = """
metadata: {source: test, year: 2024, universe: adults, unit: persons, status: official}
population_size: 4000000
margins:
  sexo: {1: 1900000, 2: 2100000}
  area: {1: 2500000, 2: 1500000}
"""

DESIGN = """
weights: fexp
strata: estrato
psu: upm
lonely_psu: adjust
calibration: {controls: controls.yaml, method: raking}
units:
  household: {weights: fexp_hogar}
  incident: {table: incidentes, weights: fexp, key: id_hogar}
"""


@pytest.fixture(scope="module")
def survey(sim, files, tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    paths = sim.write(d, "sav")
    (d / "controls.yaml").write_text(CONTROLS, encoding="utf-8")
    (d / "design.yaml").write_text(DESIGN, encoding="utf-8")
    return {"dir": d, **paths, "design": d / "design.yaml", "controls": d / "controls.yaml"}


def _run(survey, files, *extra, tables=True):
    data = [str(survey["person"])] + ([f"incidentes={survey['incidentes']}"] if tables else [])
    return main(
        [
            "indicators",
            *data,
            "--questionnaire",
            str(files["spec"]),
            "--design",
            str(survey["design"]),
            "--catalog",
            str(files["catalog"]),
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def run(survey, files):
    out = survey["dir"] / "report.xlsx"
    code = _run(survey, files, "--out", str(out), "--charts", str(survey["dir"] / "charts"), "--by", "sexo", "area")
    return code, out


def test_exit_zero_and_files(run, survey, indicators):
    code, out = run
    assert code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Contenido", "Victimización", "Discriminación", "ODS 16", "Fuentes", "Datos"]
    charts = sorted((survey["dir"] / "charts").glob("*.png"))
    assert [p.stem for p in charts] == sorted(indicators)
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in charts)


def test_numbers_are_those_of_the_calibrated_designs(run, survey, questionnaire, indicators):
    _code, out = run
    table = pd.read_excel(out, sheet_name="Datos")
    data = sk.read_microdata(survey["person"], user_missing="keep", questionnaire=questionnaire)
    inc = sk.read_microdata(survey["incidentes"], user_missing="keep", questionnaire=questionnaire)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        ctl = sk.load_controls(survey["controls"])
    person = sk.SurveyDesign(data, weights="fexp", strata="estrato", psu="upm", lonely_psu="adjust").calibrate(
        ctl, method="raking"
    )
    # the calibration reached the control totals
    assert person.weights.groupby(data["sexo"]).sum().to_numpy() == pytest.approx([1.9e6, 2.1e6])
    g = pd.Series(person.weights.to_numpy() / data["fexp"].to_numpy(), index=data["id_hogar"].to_numpy())
    incident = sk.SurveyDesign(
        inc,
        weights=inc["fexp"].to_numpy() * inc["id_hogar"].map(g).to_numpy(),
        strata="estrato",
        psu="upm",
        lonely_psu="adjust",
    )
    household = sk.SurveyDesign(data, weights="fexp_hogar", strata="estrato", psu="upm", lonely_psu="adjust")
    expected = sk.indicators.compute_breakdowns(
        {"person": person, "incident": incident, "household": household},
        list(indicators),
        breakdowns=[None, "sexo", "area"],
        questionnaire=questionnaire,
        indicators=indicators,
    )
    got = table.set_index(["code", "breakdown", table["category"].fillna("").astype(str)])
    want = expected.set_index(["code", "breakdown", expected["category"].astype(str)])
    assert len(got) == len(want)
    for col in ("estimate", "se", "ci_low", "ci_high", "n"):
        assert np.allclose(
            got.loc[want.index, col].to_numpy(dtype=float), want[col].to_numpy(dtype=float), equal_nan=True
        ), col
    # and the calibration changed the estimates (the uncalibrated person design gives other numbers)
    plain = sk.indicators.compute(
        sk.SurveyDesign(data, weights="fexp", strata="estrato", psu="upm"), ["T.PREV"], indicators=indicators
    )
    assert plain["estimate"].iloc[0] != pytest.approx(got.loc[("T.PREV", "total", ""), "estimate"], rel=1e-6)


def test_a_unit_without_its_table_is_listed_not_computed(survey, files, capsys):
    out = survey["dir"] / "partial.xlsx"
    code = _run(survey, files, "--out", str(out), tables=False)
    err = capsys.readouterr().err
    assert code == 1
    assert "not computed: T.REPORT" in err and "incidentes=FILE" in err
    contents = openpyxl.load_workbook(out)["Contenido"]
    assert any(c.value == "T.REPORT" for row in contents.iter_rows() for c in row)


def test_breakdowns_come_from_the_design_file_and_compare_adds_the_tests(survey, files, capsys):
    (survey["dir"] / "design_by.yaml").write_text(DESIGN + "breakdowns: [sexo]\n", encoding="utf-8")
    out = survey["dir"] / "by.xlsx"
    data = [str(survey["person"]), f"incidentes={survey['incidentes']}"]
    args = ["--questionnaire", str(files["spec"]), "--catalog", str(files["catalog"]), "--out", str(out)]
    code = main(["indicators", *data, "--design", str(survey["dir"] / "design_by.yaml"), *args, "--compare", "total"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_excel(out, sheet_name="Datos")
    assert set(table["breakdown"]) == {"total", "sexo"}  # no country default: what the design file says
    sexo = table[table["breakdown"] == "sexo"]
    assert sexo["p_value"].notna().all() and ((sexo["p_value"] >= 0) & (sexo["p_value"] <= 1)).all()
    assert table.loc[table["breakdown"] == "total", "p_value"].isna().all()
    # without breakdowns in the design file (and no --by): the total only
    code = main(["indicators", *data, "--design", str(survey["design"]), *args])
    assert code == 0
    assert set(pd.read_excel(out, sheet_name="Datos")["breakdown"]) == {"total"}


@pytest.mark.parametrize(
    "design, message",
    [
        ("wieghts: fexp\n", r"wieghts: unknown key \(did you mean 'weights'\?\)"),
        ("strata: estrato\n", "weights: is required"),
        ("weights: fexp\nlonely_psu: maybe\n", "lonely_psu: 'maybe' is not one of"),
        (
            "weights: fexp\ncalibration: {controls: nowhere.yaml}\n",
            "calibration.controls: the file .*nowhere.yaml does not exist",
        ),
        ("weights: fexp\ncalibration: {controls: controls.yaml, method: ipf}\n", "calibration.method: 'ipf'"),
        ("weights: peso\nstrata: estrato\n", "main design: .*peso"),
        (
            "weights: fexp\nunits: {incident: {table: incidentes, weights: fexp, inherit_calibration: true}}\n",
            "inherit_calibration: needs key",
        ),
        ("weights: [fexp\n", "is not valid YAML at line 2, column 1"),
        ("weights: fexp\nbreakdowns: sexo\n", "breakdowns: must be a list of column names"),
        ("weights: fexp\nbreakdowns: [sexo, 3]\n", "breakdowns: must be a list of column names"),
    ],
)
def test_design_file_errors_are_located(survey, files, capsys, design, message):
    path = survey["dir"] / "bad.yaml"
    path.write_text(design, encoding="utf-8")
    code = main(
        [
            "indicators",
            str(survey["person"]),
            "-q",
            str(files["spec"]),
            "--design",
            str(path),
            "--catalog",
            str(files["catalog"]),
            "--out",
            str(survey["dir"] / "bad.xlsx"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "surveykit indicators: error: design file" in err and str(path) in err
    import re

    assert re.search(message, err), err


def test_other_errors_exit_two(survey, files, capsys):
    out = str(survey["dir"] / "x.xlsx")
    assert _run(survey, files, "--out", out, "--codes", "T.NOPE") == 2
    assert "T.NOPE" in capsys.readouterr().err
    assert _run(survey, files, "--out", out, "--by", "region") == 2
    assert "breakdown 'region'" in capsys.readouterr().err
    code = main(
        [
            "indicators",
            str(survey["person"]),
            "personas=x.sav",
            "-q",
            str(files["spec"]),
            "--design",
            str(survey["design"]),
            "--catalog",
            str(files["catalog"]),
            "--out",
            out,
        ]
    )
    assert code == 2 and "'personas' is not a repeat" in capsys.readouterr().err


def test_shipped_design_example_on_a_shipped_questionnaire(tmp_path, capsys):
    spec = ROOT / "questionnaires" / "sdg16.yaml"
    if not spec.is_file():
        pytest.skip("questionnaires/sdg16.yaml is not there yet")
    q = sk.load_questionnaire(spec)
    from surveykit.simulate import el_salvador_frame

    paths = sk.simulate(q, seed=5, frame=el_salvador_frame(psus=200)).write(tmp_path, "sav")
    code = main(
        [
            "indicators",
            str(paths["person"]),
            "-q",
            str(spec),
            "--design",
            str(ROOT / "questionnaires" / "design-example.yaml"),
            "--out",
            str(tmp_path / "sdg16.xlsx"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "illustrative" in captured.err  # the control totals say what they are
    wb = openpyxl.load_workbook(tmp_path / "sdg16.xlsx")
    assert "ODS 16" in wb.sheetnames


def test_python_dash_m_surveykit_is_the_command_line():
    import os
    import subprocess
    import sys

    src = str(ROOT / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "surveykit", "indicators", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--design" in done.stdout and "usage: surveykit indicators" in done.stdout


def test_the_old_module_keeps_the_design_file_functions():
    import importlib

    old = importlib.import_module("surveykit.indicators.cli")
    with pytest.warns(DeprecationWarning, match="use surveykit.load_design_file"):
        assert old.load_design_file is sk.load_design_file
    with pytest.warns(DeprecationWarning, match="use surveykit.build_designs"):
        from surveykit.indicators.cli import build_designs
    assert build_designs is sk.build_designs
