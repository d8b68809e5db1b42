"""The shipped questionnaires simulate cleanly with their presets, at the rates the presets promise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import surveykit as sk
from surveykit.simulate import el_salvador_frame
from surveykit.simulate.engine import PRESET_DIR

ROOT = Path(__file__).resolve().parents[2] / "questionnaires"
SHIPPED = ("victimization", "sdg16", "discrimination")


def _questionnaire(name: str) -> sk.Questionnaire:
    path = ROOT / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is not there yet")
    return sk.load_questionnaire(path)


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request):
    q = _questionnaire(request.param)
    return q, sk.simulate(q, seed=16, frame=el_salvador_frame(psus=400))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_preset_setting_names_a_question(name):
    q = _questionnaire(name)
    doc = yaml.safe_load((PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    names = {i.model.name for i in q.questions()}
    assert set(doc["overrides"]) <= names
    assert doc["eligible"] in names


def test_shipped_questionnaires_simulate_without_problems(shipped):
    q, s = shipped
    assert s.notes == []
    report = s.check()
    real = report[report["rule"] != "not_checked"]
    assert len(real) == 0, real.head().to_string()
    # the selected person's weight uses the household's adults (the preset's eligible question)
    assert np.allclose(s.data["fexp"], s.data["fexp_hogar"] * s.data["n_adultos"])
    assert s.data["estrato"].nunique() == 28
    # the built-in El Salvador adult age and sex shares apply under every preset
    assert (s.data["grupo_edad"] == 2).mean() == pytest.approx(0.293, abs=0.03)
    assert (s.data["sexo"] == 2).mean() == pytest.approx(0.528, abs=0.03)


def test_victimization_rates_are_those_of_the_preset():
    q = _questionnaire("victimization")
    s = sk.simulate(q, seed=16, frame=el_salvador_frame(psus=400))
    d = s.data
    w = d["fexp"]
    prevalence = np.average(d["victima_pers"] == 1, weights=w)
    assert 0.15 < prevalence < 0.23  # one or more of the 11 personal crimes
    safe = np.average(d["seg_noche"].isin([1, 2]), weights=w)
    assert 0.5 < safe < 0.6
    women = d["sexo"] == 2
    assert np.average(d.loc[women, "seg_noche"].isin([1, 2]), weights=w[women]) < np.average(
        d.loc[~women, "seg_noche"].isin([1, 2]), weights=w[~women]
    )
    inc = s.repeats["incidentes"]
    assert len(inc) == d["n_tipos"].sum()  # one incident per crime type screened
    assert inc["inc_denuncio"].eq(1).mean() == pytest.approx(0.25 * 0.98, abs=0.04)
    # every incident's type is one the respondent screened in (the questionnaire's constraint)
    screened = {1: "h_robo_veh", 5: "v_robo", 9: "v_extorsion", 13: "v_hostig_sex"}
    parent = d.set_index("id_hogar")
    for code, q_name in screened.items():
        rows = inc[inc["tipo_delito"] == code]
        assert (parent.loc[rows["id_hogar"], q_name] == 1).all()
