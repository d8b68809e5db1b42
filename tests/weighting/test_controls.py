"""Control-total files (sk.load_controls) and their check against a sample."""

from __future__ import annotations

import json
import runpy
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "weights"

META = """metadata:
  source: test source
  year: 2024
  universe: adults
  unit: persons
  status: official
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def load_quiet(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        return sk.load_controls(path)


# --------------------------------------------------------------------------------------------------
# shipped files
# --------------------------------------------------------------------------------------------------
def test_el_salvador_census_by_sex_is_official_and_sourced():
    with warnings.catch_warnings():
        warnings.simplefilter("error", sk.SurveykitWarning)  # official: no warning
        ctl = sk.load_controls(WEIGHTS / "el_salvador_2024.yaml")
    assert ctl.margins == {"sexo": {1: 2848533.0, 2: 3181443.0}}
    assert ctl.population_size == 6029976.0
    assert ctl.labels["sexo"] == {1: "Hombre", 2: "Mujer"}
    md = ctl.metadata
    assert (md["status"], md["unit"], md["year"]) == ("official", "persons", 2024)
    assert "BCR/ONEC" in md["citation"] and "29 Oct 2024" in md["citation"]
    assert not ctl.is_illustrative


def test_el_salvador_households_total():
    ctl = sk.load_controls(WEIGHTS / "el_salvador_2024_households.yaml")
    assert ctl.margins == {}
    assert ctl.population_size == 1920668.0
    assert ctl.metadata["unit"] == "households"
    # the household total is compared with a design's sum of weights
    df = pd.DataFrame({"w": [1000000.0, 920668.0]})
    table = ctl.check(sk.SurveyDesign(df, weights="w"))
    assert table[["margin", "target", "weighted", "status"]].values.tolist() == [
        ["(population_size)", 1920668.0, 1920668.0, "ok"]
    ]


@pytest.mark.parametrize(
    "name, total",
    [("el_salvador_2024_illustrative.yaml", 6029976), ("el_salvador_2024_adults_illustrative.yaml", 4220983)],
)
def test_illustrative_files_warn_and_add_up(name, total):
    with pytest.warns(sk.SurveykitWarning, match="illustrative"):
        ctl = sk.load_controls(WEIGHTS / name)
    assert ctl.is_illustrative and ctl.metadata["status"] == "illustrative"
    assert list(ctl.margins) == ["sexo", "departamento", "area", "grupo_edad"]
    sums = ctl.table().groupby("margin")["total"].sum()
    assert (sums == total).all()
    assert sorted(ctl.margins["departamento"]) == list(range(1, 15))
    assert ctl.labels["departamento"][6] == "San Salvador"
    assert ctl.labels["area"] == {1: "Urbano", 2: "Rural"}
    shares = ctl.table().set_index(["margin", "level"])["share"]
    assert shares[("departamento", 6)] == pytest.approx(0.264, abs=5e-7)
    for smallest in (9, 10, 13):  # Cabañas, San Vicente, Morazán
        assert shares[("departamento", smallest)] == pytest.approx(0.024, abs=5e-7)
    assert shares[("sexo", 2)] == pytest.approx(3181443 / 6029976, abs=5e-7)
    for m, info in ctl.margin_info.items():
        assert info["status"] in ("official", "illustrative"), m


def test_all_ages_illustrative_sex_margin_is_the_census():
    ctl = load_quiet(WEIGHTS / "el_salvador_2024_illustrative.yaml")
    official = sk.load_controls(WEIGHTS / "el_salvador_2024.yaml")
    assert ctl.margins["sexo"] == official.margins["sexo"]
    assert ctl.margin_info["sexo"]["status"] == "official"
    assert ctl.margin_info["departamento"]["status"] == "illustrative"


def test_illustrative_files_are_what_the_derivation_script_writes():
    files = runpy.run_path(str(WEIGHTS / "derive_illustrative.py"))["files"]()
    assert set(files) == {"el_salvador_2024_illustrative.yaml", "el_salvador_2024_adults_illustrative.yaml"}
    for name, text in files.items():
        assert (WEIGHTS / name).read_text(encoding="utf-8") == text, f"rerun weights/derive_illustrative.py ({name})"


def test_calibrating_a_simulated_survey_to_the_illustrative_controls():
    ctl = load_quiet(WEIGHTS / "el_salvador_2024_illustrative.yaml")
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame(
        {
            "sexo": rng.integers(1, 3, n),
            "departamento": rng.integers(1, 15, n),
            "area": rng.integers(1, 3, n),
            "grupo_edad": rng.integers(1, 6, n),
            "w": rng.uniform(1000, 3000, n),
        }
    )
    d = sk.SurveyDesign(df, weights="w")
    assert (ctl.check(d)["status"] == "ok").all()
    r = d.rake(ctl)
    for m, levels in ctl.margins.items():
        got = r.weights.groupby(df[m]).sum()
        for lv, total in levels.items():
            assert got[lv] == pytest.approx(total, rel=1e-9)
    c = d.calibrate(ctl.select("sexo", "area"), method="raking")
    assert c.weights.sum() == pytest.approx(6029976, rel=1e-7)  # R's stopping rule, epsilon=1e-7


# --------------------------------------------------------------------------------------------------
# file formats
# --------------------------------------------------------------------------------------------------
def test_yaml_forms_and_types(tmp_path):
    p = write(
        tmp_path,
        META
        + """population_size: 100
margins:
  sex: {1: 40, 2: 60}
  wide:
    label: School-wide target
    levels:
      Yes: {label: met, total: 70}
      No: 30
  code:
    level_type: str
    levels: {1: 50, 2: 50}
  income: 1.5e6
  rent: {total: 2500.5}
""",
    )
    ctl = sk.load_controls(p)
    assert ctl.margins == {
        "sex": {1: 40.0, 2: 60.0},
        "wide": {"Yes": 70.0, "No": 30.0},
        "code": {"1": 50.0, "2": 50.0},
        "income": 1.5e6,
        "rent": 2500.5,
    }
    assert ctl.labels == {"wide": {"Yes": "met"}}
    assert ctl.margin_info["wide"] == {"label": "School-wide target"}
    assert ctl.categorical == ["sex", "wide", "code"] and ctl.numeric == ["income", "rent"]
    assert "official" in repr(ctl) and "population_size=100" in repr(ctl)


def test_json_keys_become_integer_codes_only_when_canonical(tmp_path):
    doc = {
        "metadata": {"source": "s", "year": "2024", "universe": "u", "unit": "households", "status": "official"},
        "margins": {"dep": {"1": 10, "14": 20}, "zone": {"01": 5, "02": 25}, "agecls": {"-1": 30}},
    }
    ctl = sk.load_controls(write(tmp_path, json.dumps(doc), "c.json"))
    assert ctl.margins == {"dep": {1: 10.0, 14: 20.0}, "zone": {"01": 5.0, "02": 25.0}, "agecls": {-1: 30.0}}
    assert ctl.metadata["year"] == 2024


def test_csv_with_metadata_header(tmp_path):
    text = """# surveykit_controls: 1
# source: census
# year: 2024
# universe: persons
# unit: persons
# status: official
# population_size: 100
# level_type: {zone: str}
margin,level,total,label
sex,1,40,Hombre
sex,2,60,Mujer
zone,01,100,
income,,1.5e6,
"""
    ctl = sk.load_controls(write(tmp_path, text, "c.csv"))
    assert ctl.margins == {"sex": {1: 40.0, 2: 60.0}, "zone": {"01": 100.0}, "income": 1.5e6}
    assert ctl.labels == {"sex": {1: "Hombre", 2: "Mujer"}}
    assert ctl.population_size == 100.0


@pytest.mark.parametrize(
    "text, key, pattern",
    [
        (META + "margins:\n  sex: {1: 40, 1: 60}\n", "1", "line 8: key 1 appears twice"),
        (META + "margin:\n  sex: {1: 40}\n", "margin", "unknown key 'margin'"),
        (META.replace("  source: test source\n", "") + "margins:\n  sex: {1: 1}\n", "metadata.source", "missing"),
        (META.replace("persons", "people") + "margins:\n  sex: {1: 1}\n", "metadata.unit", "'people'"),
        (META.replace("official", "final") + "margins:\n  sex: {1: 1}\n", "metadata.status", "'final'"),
        (META.replace("2024", "twenty") + "margins:\n  sex: {1: 1}\n", "metadata.year", "not a year"),
        (META.replace("year", "yaer") + "margins:\n  sex: {1: 1}\n", "metadata.yaer", "unknown key"),
        (META + "margins:\n  sex: {1: -5, 2: 10}\n", "margins.sex.1", "negative"),
        (META + "margins:\n  sex: {1: .nan, 2: 10}\n", "margins.sex.1", "finite"),
        (META + "margins:\n  sex: {1: '2,848,533'}\n", "margins.sex.1", "thousands separators"),
        (META + "margins:\n  sex: {1: null}\n", "margins.sex.1", "not a number"),
        (META + "margins:\n  income: -3.0\n", "margins.income", "negative"),
        (META + "margins:\n  sex:\n    levels: {1: {total: 5, lable: x}}\n", "margins.sex.levels.1.lable", "unknown"),
        (META + "margins:\n  sex:\n    levels: {1: {label: x}}\n", "margins.sex.levels.1.total", "missing"),
        (META + "margins:\n  sex:\n    total: 5\n    levels: {1: 5}\n", "margins.sex", "not both"),
        (META + "margins:\n  sex:\n    status: draft\n    levels: {1: 5}\n", "margins.sex.status", "'draft'"),
        (
            META + "margins:\n  sex:\n    status: illustrative\n    levels: {1: 5}\n",
            "metadata.status",
            "mark the file illustrative",
        ),
        (META + "margins: {}\n", "margins", "nothing to calibrate"),
        (META.replace("official", "official\nsurveykit_controls: 2", 1) + "margins:\n  a: 1\n", None, ""),
    ],
)
def test_bad_yaml_names_file_and_key(tmp_path, text, key, pattern):
    p = write(tmp_path, text)
    with pytest.raises(sk.ControlTotalsError) as exc:
        sk.load_controls(p)
    assert str(p) in str(exc.value)
    if key is not None:
        assert exc.value.context["key"] in (key, int(key) if key.isdigit() else key)
        assert pattern in str(exc.value)


def test_margins_that_disagree_on_the_total(tmp_path):
    p = write(tmp_path, META + "margins:\n  sex: {1: 40, 2: 60}\n  area: {1: 70, 2: 31}\n")
    with pytest.raises(sk.ControlTotalsError, match=r"disagree on the population total.*'area' adds up to 101") as exc:
        sk.load_controls(p)
    assert exc.value.context["margin"] == "area"
    p = write(tmp_path, META + "population_size: 99\nmargins:\n  sex: {1: 40, 2: 60}\n")
    with pytest.raises(sk.ControlTotalsError, match="'sex' adds up to 100"):
        sk.load_controls(p)
    # published tables round: a relative difference below 1e-6 is accepted
    p = write(tmp_path, META + "margins:\n  sex: {1: 4000000, 2: 6000000}\n  area: {1: 7000000, 2: 3000001}\n")
    assert sk.load_controls(p).margins["area"][2] == 3000001.0


@pytest.mark.parametrize(
    "name, text, pattern",
    [
        ("c.json", '{"metadata": {}, "margins": {"a": {"1": 1, "1": 2}}}', "key '1' appears twice"),
        ("c.json", '{"metadata": {"source": 1,}', "line 1, column"),
        ("c.yaml", "metadata: [1, 2\n", "not valid YAML"),
        (
            "c.csv",
            "# source: s\n# year: 2024\n# universe: u\n# unit: persons\n# status: official\nmargin,level,count\n",
            "needs columns margin, level, total",
        ),
        (
            "c.csv",
            "# source: s\n# year: 2024\n# universe: u\n# unit: persons\n# status: official\n"
            "margin,level,total\nsex,1,40\nsex,2,6O\n",
            "line 8, total",
        ),
        (
            "c.csv",
            "# source: s\n# year: 2024\n# universe: u\n# unit: persons\n# status: official\n"
            "margin,level,total\nsex,1,40\nsex,1,60\n",
            "level '1' of margin 'sex' appears twice",
        ),
        (
            "c.csv",
            "# source: s\n# year: 2024\n# universe: u\n# unit: persons\n# status: official\n"
            "# level_type: {sexo: str}\nmargin,level,total\nsex,1,40\n",
            "level_type.sexo",
        ),
        ("c.txt", "x", "use .yaml, .yml, .json or .csv"),
    ],
)
def test_bad_files(tmp_path, name, text, pattern):
    p = write(tmp_path, text, name)
    with pytest.raises(sk.ControlTotalsError, match=pattern) as exc:
        sk.load_controls(p)
    assert exc.value.file == str(p)


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(sk.ControlTotalsError, match="does not exist"):
        sk.load_controls(tmp_path / "nope.yaml")
    p = tmp_path / "latin1.yaml"
    p.write_bytes("metadata: {source: Cabañas}\n".encode("latin-1"))
    with pytest.raises(sk.ControlTotalsError, match="not UTF-8"):
        sk.load_controls(p)


# --------------------------------------------------------------------------------------------------
# check against a sample
# --------------------------------------------------------------------------------------------------
def controls(**margins):
    return sk.Controls(margins, {"status": "official"})


def test_check_reports_every_level_and_weighted_totals():
    df = pd.DataFrame({"sex": [1, 1, 2, 2], "age": [20.0, 30.0, 40.0, 50.0], "w": [10.0, 10.0, 20.0, 20.0]})
    ctl = sk.Controls({"sex": {1: 30, 2: 50}, "age": 2500.0}, population_size=80, labels={"sex": {1: "M", 2: "F"}})
    t = ctl.check(sk.SurveyDesign(df, weights="w"))
    assert t.columns.tolist() == ["margin", "level", "label", "target", "n", "weighted", "ratio", "status"]
    assert t["margin"].tolist() == ["(population_size)", "sex", "sex", "age"]
    assert t["weighted"].tolist() == [60.0, 20.0, 40.0, 10 * 20 + 10 * 30 + 20 * 40 + 20 * 50.0]
    assert t["ratio"].tolist() == pytest.approx([80 / 60, 1.5, 1.25, 2500 / 2300])
    assert t["label"].tolist()[1:3] == ["M", "F"]
    assert (t["status"] == "ok").all()
    # a DataFrame without weights: counts only
    t2 = ctl.check(df)
    assert "weighted" not in t2.columns and t2["n"].tolist() == [4, 2, 2, 4]


def test_check_lists_every_problem_naming_margin_and_level():
    df = pd.DataFrame(
        {
            "sex": [1, 1, 3, np.nan],
            "area": ["1", "2", "2", "1"],
            "region": ["a", "b", "a", "b"],
            "name": ["x", "y", "z", "w"],
        }
    )
    ctl = controls(sex={1: 40, 2: 60}, area={1: 70, 2: 30}, region={"a": 50, "b": 0}, name=5.0, zone={1: 100})
    with pytest.raises(sk.ControlTotalsError) as exc:
        ctl.check(df)
    msg = str(exc.value)
    assert exc.value.context["margin"] == "sex"
    report = exc.value.context["report"]
    bad = report[report["status"] != "ok"]
    got = {(r.margin, r.level): r.status for r in bad.itertuples()}
    assert "missing in 1 sample row(s) (3)" in got[("sex", None)]
    assert got[("sex", 2)].startswith("absent from the sample")
    assert got[("sex", 3.0)].startswith("in the sample but not in the controls")
    assert "1 vs '1'" in got[("area", 1)]  # codes of another type
    assert got[("area", "1")].startswith("in the sample but not in the controls")
    assert got[("region", "b")] == "has sample rows but a control total of 0"
    assert "not numeric" in got[("name", None)]
    assert "not in the data" in got[("zone", None)]
    for part in ("margin 'sex', level 2: absent", "margin 'region', level 'b'", "margin 'zone'"):
        assert part in msg
    # the same table without raising
    t = ctl.check(df, errors="report")
    assert (t["status"] != "ok").sum() == len(bad)


def test_check_population_sizes_of_a_hand_built_controls_object():
    ctl = controls(sex={1: 40, 2: 60}, area={1: 70, 2: 31})
    t = ctl.check(pd.DataFrame({"sex": [1, 2], "area": [1, 2]}), errors="report")
    assert t.loc[t["status"] != "ok", "margin"].tolist() == ["area"]
    assert "disagree on the population total" in t["status"].iloc[-1]


def test_zero_total_level_absent_from_sample_is_fine():
    t = controls(sex={1: 40, 2: 60, 9: 0}).check(pd.DataFrame({"sex": [1, 2]}))
    assert t["status"].tolist() == ["ok"] * 3


def test_check_argument_errors():
    ctl = controls(sex={1: 1})
    df = pd.DataFrame({"sex": [1, 1]})
    with pytest.raises(sk.ControlTotalsError, match="errors="):
        ctl.check(df, errors="ignore")
    with pytest.raises(sk.ColumnNotFoundError):
        ctl.check(df, weights="pw")
    with pytest.raises(sk.WeightError, match="not numeric"):
        ctl.check(df.assign(pw=["1", "x"]), weights="pw")
    with pytest.raises(sk.ControlTotalsError, match="weights have 3 values"):
        ctl.check(df, weights=[1.0, 2.0, 3.0])
    assert ctl.check(df, weights=np.array([2.0, 3.0]))["weighted"].tolist() == [5.0]
    with pytest.raises(sk.ControlTotalsError, match="own weights"):
        ctl.check(sk.SurveyDesign(df.assign(w=1.0), weights="w"), weights="w")
    with pytest.raises(sk.ControlTotalsError, match="a design or a DataFrame"):
        ctl.check([1, 2])
    with pytest.raises(sk.ControlTotalsError, match="no margin 'age'"):
        ctl.select("age")


def test_controls_object_goes_into_calibrate_and_rake(tmp_path):
    p = write(tmp_path, META + "margins:\n  sex: {1: 40, 2: 60}\n  area: {U: 70, R: 30}\n")
    ctl = sk.load_controls(p)
    df = pd.DataFrame({"sex": [1, 1, 2, 2, 2], "area": ["U", "R", "U", "R", "U"], "w": [5.0, 6, 7, 8, 9]})
    d = sk.SurveyDesign(df, weights="w")
    for new in (d.calibrate(ctl), d.rake(ctl), d.calibrate(ctl, method="raking")):
        assert new.weights.groupby(df["sex"]).sum().tolist() == pytest.approx([40, 60], rel=1e-9)
        assert new.weights.groupby(df["area"]).sum().to_dict() == pytest.approx({"R": 30, "U": 70}, rel=1e-9)


@pytest.mark.parametrize(
    "margins, where",
    [
        ({"sex": {1: -1}}, ("sex", 1)),
        ({"sex": {"a": float("nan")}}, ("sex", "a")),
        ({"inc": "1e9"}, ("inc", None)),
        ({"sex": {1: True}}, ("sex", 1)),
    ],
)
def test_hand_built_controls_are_checked(margins, where):
    with pytest.raises(sk.ControlTotalsError, match="must be a finite number") as exc:
        sk.Controls(margins)
    assert (exc.value.context["margin"], exc.value.context["level"]) == where
