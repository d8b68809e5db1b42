"""read_collection: exports made from simulated interviews read back to the direct SPSS path's data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.simulate import el_salvador_frame

sys.path.insert(0, str(Path(__file__).parent))
import exports as ex  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def q():
    return sk.load_questionnaire(ROOT / "questionnaires" / "victimization.yaml")


@pytest.fixture(scope="module")
def sim(q):
    return sk.simulate(q, seed=11, frame=el_salvador_frame(psus=60), households_per_psu=6, layout="both")


@pytest.fixture(scope="module")
def direct(sim, tmp_path_factory):
    """The direct path: the same interviews written to SPSS and read back."""
    d = tmp_path_factory.mktemp("direct")
    return {u: sk.read_microdata(p, user_missing="keep") for u, p in sim.write(d, "sav").items()}


def _norm(s: pd.Series) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(s.dtype):
        s = s.astype(object)
        return s.where(s.notna() & (s != ""), None)
    return s.astype(float)


def assert_same(units, direct, sim, q):
    assert set(units) == set(direct)
    for unit, df in units.items():
        want = direct[unit]
        infos = [i for i in q.questions() if (i.repeat or (q.unit or "main")) == unit and i.model.stores_value]
        cols = [c for i in infos for c in i.columns("binary")]
        assert [c for c in cols if c not in df.columns] == []
        assert len(df) == len(want)
        for c in cols:
            pd.testing.assert_series_equal(
                _norm(df[c]).reset_index(drop=True),
                _norm(want[c]).reset_index(drop=True),
                check_names=False,
                obj=f"{unit}.{c}",
            )
        ids = sim.tables()[unit]["id_hogar"]
        assert df["interview_id"].tolist() == list(ex.uuid_of(ids)) or df["interview_id"].tolist() == list(
            ex.suso_key(ids)
        )
        if unit != (q.unit or "main"):
            assert df[f"id_{unit}"].tolist() == sim.repeats[unit][f"id_{unit}"].astype(float).tolist()


CASES = {
    "kobo_xlsx_xml_slash": (ex.write_kobo_xlsx, "x.xlsx", {}),
    "kobo_xlsx_xml_dot_details": (ex.write_kobo_xlsx, "x.xlsx", {"sep": ".", "multi": "details"}),
    "kobo_xlsx_labels_en_summary": (ex.write_kobo_xlsx, "x.xlsx", {"labels": "en", "sep": None, "multi": "summary"}),
    "kobo_xlsx_labels_es_both": (ex.write_kobo_xlsx, "x.xlsx", {"labels": "es", "sep": None}),
    "kobo_csv_zip_nogroups": (ex.write_kobo_csv_zip, "x.zip", {"sep": None}),
    "odk_central_zip": (ex.write_central_zip, "x.zip", {}),
    "odk_central_zip_split": (ex.write_central_zip, "x.zip", {"split": True}),
    "surveysolutions_tab": (ex.write_suso_zip, "x.zip", {}),
    "surveysolutions_stata": (ex.write_suso_zip, "x.zip", {"format": "dta"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_export_reads_to_the_direct_path(case, sim, direct, q, tmp_path):
    write, name, kw = CASES[case]
    path = write(sim, tmp_path / name, **kw)
    units = sk.read_collection(path, q, progress=False)
    assert (
        units.tool
        == {"kobo": "kobo", "odk": "odk", "surveysolutions": "surveysolutions"}[
            case.split("_")[0].replace("odk", "odk")
        ]
    )
    assert units.problems.empty, units.problems.head().to_string()
    assert units.unmapped == {"person": [], "incidentes": []}
    assert_same(units, direct, sim, q)
    main = units.main
    fw = ex.fieldwork(sim.data)
    assert main["enumerator"].tolist() == fw["enumerator"].tolist()
    assert pd.api.types.is_datetime64_any_dtype(main["submission_time"])
    # submission time in UTC: the field clock is UTC-6 and submission comes 5 minutes after the end
    want = (fw["submitted"] + pd.Timedelta(hours=6)).dt.floor("s")
    got = main["submission_time"].dt.floor("s")
    if case.startswith("surveysolutions"):
        want = fw["submitted"].dt.floor("s")  # Survey Solutions actions carry the server's clock
    assert (got.to_numpy() == want.to_numpy()).all()
    np.testing.assert_allclose(main["duration_min"], fw["duration_min"], atol=0.02)
    assert len(units.check()) == 0  # check_microdata of the units: the simulated data break no rule


def test_paradata_read_and_summarised(sim, q, tmp_path):
    units = sk.read_collection(ex.write_suso_zip(sim, tmp_path / "s.zip"), q, progress=False)
    assert set(units.paradata) == {"interview__diagnostics", "interview__actions"}
    assert "interview__diagnostics" not in units
    s = units.paradata_summary()
    fw = ex.fieldwork(sim.data)
    e = s["enumerators"].set_index("enumerator")
    assert e["interviews"].to_dict() == fw["enumerator"].value_counts().to_dict()
    np.testing.assert_allclose(
        e["median_duration_min"], fw.groupby("enumerator")["duration_min"].median().reindex(e.index), atol=0.02
    )
    per_day = s["per_day"]
    assert per_day["interviews"].sum() == len(sim.data)
    qs = s["questions"]
    seg = qs[(qs["question"] == "seg_noche")]
    data = sim.data.assign(enumerator=fw["enumerator"].to_numpy())
    dk_codes = [m.code for m in q.question("seg_noche").missing if m.kind == "dont_know"]
    want = data.groupby("enumerator")["seg_noche"].apply(lambda v: v.isin(dk_codes).sum() / v.notna().sum())
    np.testing.assert_allclose(seg.set_index("enumerator")["share_dont_know"].reindex(want.index), want)


def test_outlier_enumerator_flagged(q):
    main = pd.DataFrame(
        {
            "interview_id": [f"i{i}" for i in range(60)],
            "enumerator": np.repeat(["a", "b", "c", "d", "e", "f"], 10),
            "submission_time": pd.Timestamp("2024-03-01"),
            "duration_min": np.r_[np.full(50, 40.0) + np.arange(50) % 5, np.full(10, 6.0)],
        }
    )
    out = sk.paradata_summary({"person": main}, q)["outliers"]
    assert out[["enumerator", "metric"]].values.tolist() == [["f", "median_duration_min"]]


@pytest.mark.parametrize("name", ["sdg16", "discrimination"])
def test_other_shipped_questionnaires(name, tmp_path):
    """Text questions, nested groups and the other select_multiples: Kobo labels export and Survey Solutions."""
    q = sk.load_questionnaire(ROOT / "questionnaires" / f"{name}.yaml")
    sim = sk.simulate(q, seed=5, frame=el_salvador_frame(psus=60), households_per_psu=3, layout="both")
    direct = {u: sk.read_microdata(p, user_missing="keep") for u, p in sim.write(tmp_path / "d", "sav").items()}
    for path in (
        ex.write_kobo_xlsx(sim, tmp_path / "k.xlsx", labels="es", sep=None),
        ex.write_suso_zip(sim, tmp_path / "s.zip"),
    ):
        units = sk.read_collection(path, q, progress=False)
        assert units.problems.empty
        assert_same(units, direct, sim, q)


def test_paradata_cli(sim, q, tmp_path, capsys):
    from surveykit.cli import main

    path = ex.write_suso_zip(sim, tmp_path / "s.zip")
    code = main(
        [
            "paradata",
            str(path),
            "-q",
            str(ROOT / "questionnaires" / "victimization.yaml"),
            "--out",
            str(tmp_path / "p.xlsx"),
        ]
    )
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert f"{len(sim.data):,} interviews by 5 enumerators" in out
    sheets = pd.read_excel(tmp_path / "p.xlsx", sheet_name=None)
    assert set(sheets) == {"per_day", "enumerators", "questions", "outliers"}
    assert sheets["per_day"]["interviews"].sum() == len(sim.data)
