"""A small simulated survey and indicator results for the report and CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import surveykit as sk
from surveykit.indicators.model import Indicator
from surveykit.simulate import el_salvador_frame

SPEC = (
    """
id: mini_rep
title: {es: Mini, en: Mini}
languages: [es, en]
unit: person
choice_lists:
  departamento:
    choices:
"""
    + "".join(f"      - {{code: {i}, label: {{es: Depto {i}, en: Dept {i}}}}}\n" for i in range(1, 15))
    + """
  area:
    choices:
      - {code: 1, label: {es: Urbano, en: Urban}}
      - {code: 2, label: {es: Rural, en: Rural}}
  sexo:
    choices:
      - {code: 1, label: {es: Hombre, en: Man}}
      - {code: 2, label: {es: Mujer, en: Woman}}
  sino:
    choices:
      - {code: 1, label: {es: Sí, en: 'Yes'}}
      - {code: 2, label: {es: 'No', en: 'No'}}
    missing:
      - {kind: dont_know, code: 8, label: {es: No sabe, en: Don't know}}
      - {kind: refused, code: 9, label: {es: No responde, en: Refused}}
items:
  - {type: select_one, name: departamento, choices: departamento, label: {es: Departamento, en: Department}}
  - {type: select_one, name: area, choices: area, label: {es: Área, en: Area}}
  - {type: select_one, name: sexo, choices: sexo, label: {es: Sexo, en: Sex}}
  - {type: integer, name: edad, label: {es: Edad, en: Age}, min: 18, max: 110}
  - {type: integer, name: n_adultos, label: {es: Adultos, en: Adults}, min: 1, max: 20}
  - {type: select_one, name: seguro, choices: sino, label: {es: Se siente seguro, en: Feels safe}}
  - {type: select_one, name: vehiculo, choices: sino, label: {es: Tiene vehículo, en: Has a vehicle}}
  - {type: select_one, name: robo_veh, choices: sino, label: {es: Robo de vehículo, en: Vehicle theft}, relevant: "${vehiculo} = 1"}
  - {type: select_one, name: victima, choices: sino, label: {es: Víctima, en: Victim}}
  - {type: integer, name: n_delitos, label: {es: Delitos, en: Crimes}, min: 1, max: 10, relevant: "${victima} = 1"}
  - type: repeat
    name: incidentes
    unit: incident
    label: {es: Incidentes, en: Incidents}
    count: "${n_delitos}"
    relevant: "${victima} = 1"
    children:
      - {type: select_one, name: denuncia, choices: sino, label: {es: Denunció, en: Reported}}
"""
)

OVERRIDES = {
    "victima": {"probabilities": {1: 0.2, 2: 0.8}},
    "n_delitos": {"distribution": "poisson", "mean": 1.3},
    "n_adultos": {"distribution": "poisson", "mean": 2.2, "high": 8},
    "seguro": {"probabilities": {1: 0.55, 2: 0.45}},
    "vehiculo": {"probabilities": {1: 0.3, 2: 0.7}},
    "robo_veh": {"probabilities": {1: 0.04, 2: 0.96}},
    "denuncia": {"probabilities": {1: 0.3, 2: 0.7}},
}

CATALOG = """
indicators:
  - code: T.PREV
    family: victimization
    name: {es: Prevalencia de victimización, en: Victimization prevalence}
    questionnaire: mini_rep
    estimator: proportion
    numerator: "${victima} = 1"
    denominator: "${victima} = 1 or ${victima} = 2"
    scale: 100
    unit_label: {es: "% de la población de 18 años y más", en: "% of the population aged 18+"}
    source: "Test definition, after ENVIPE [S]"
    notes: {es: Nota de prueba, en: Test note}
  - code: T.RATE
    family: victimization
    name: {es: "Delitos por 100,000 habitantes", en: "Crimes per 100,000 population"}
    questionnaire: mini_rep
    estimator: rate
    numerator: "if(${victima} = 1, ${n_delitos}, 0)"
    denominator: "1"
    scale: 100000
    unit_label: {es: "por 100,000 habitantes", en: "per 100,000 population"}
    source: "Test definition [U]"
  - code: T.VEH
    family: victimization
    unit: household
    name: {es: Robo de vehículo, en: Vehicle theft}
    questionnaire: mini_rep
    universe: "${vehiculo} = 1"
    estimator: proportion
    numerator: "${robo_veh} = 1"
    scale: 100
    unit_label: {es: "% de los hogares con vehículo", en: "% of households with a vehicle"}
    source: "Test definition [U]"
  - code: T.REPORT
    family: victimization
    unit: incident
    name: {es: Delitos denunciados, en: Crimes reported}
    questionnaire: mini_rep
    estimator: proportion
    numerator: "${denuncia} = 1"
    denominator: "${denuncia} = 1 or ${denuncia} = 2"
    scale: 100
    unit_label: {es: "% de los delitos", en: "% of crimes"}
    source: "Test definition [U]"
  - code: T.SAFE
    family: sdg16
    name: {es: Se siente seguro, en: Feels safe}
    questionnaire: mini_rep
    estimator: proportion
    numerator: "${seguro} = 1"
    scale: 100
    unit_label: {es: "%", en: "%"}
    source: "UNODC SDG 16.1.4 metadata [V]"
  - code: T.OLD
    family: discrimination
    name: {es: Robo de vehículo entre personas de 90 años o más, en: Vehicle theft among people aged 90+}
    questionnaire: mini_rep
    universe: "${edad} >= 90 and ${vehiculo} = 1"
    estimator: proportion
    numerator: "${robo_veh} = 1"
    scale: 100
    unit_label: {es: "%", en: "%"}
    source: "Test definition [U]"
"""


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("mini_rep")
    (d / "mini_rep.yaml").write_text(SPEC, encoding="utf-8")
    (d / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    return {"dir": d, "spec": d / "mini_rep.yaml", "catalog": d / "catalog.yaml"}


@pytest.fixture(scope="session")
def questionnaire(files) -> sk.Questionnaire:
    return sk.load_questionnaire(files["spec"])


@pytest.fixture(scope="session")
def indicators(files) -> dict[str, Indicator]:
    return sk.indicators.load_catalog(files["catalog"])


@pytest.fixture(scope="session")
def sim(questionnaire):
    return sk.simulate(
        questionnaire, overrides=OVERRIDES, eligible="n_adultos", seed=42, frame=el_salvador_frame(psus=300)
    )


def compute(sim, questionnaire, indicators, rule="inegi", language="es"):
    return sk.indicators.compute_breakdowns(
        sim.designs(),
        list(indicators),
        breakdowns=[None, "sexo", "area", "departamento"],
        rule=rule,
        language=language,
        questionnaire=questionnaire,
        indicators=indicators,
    )


@pytest.fixture(scope="session")
def results(sim, questionnaire, indicators):
    return compute(sim, questionnaire, indicators)


@pytest.fixture(scope="session")
def results_statcan(sim, questionnaire, indicators):
    return compute(sim, questionnaire, indicators, rule="statcan", language="en")
