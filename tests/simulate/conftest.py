"""A small questionnaire shaped like the shipped ones (conventions of issue 6): first section,
household items, screener with follow-ups, select_multiple, choice filter, constraints, calculations,
missing codes and an incident repeat."""

from __future__ import annotations

from pathlib import Path

import pytest

import surveykit as sk

SPEC = (
    """
id: mini_vic
title: {es: Mini victimización, en: Mini victimization}
languages: [es, en]
unit: person
missing_codes:
  - {kind: dont_know, code: 98, label: {es: No sabe, en: Don't know}}
  - {kind: refused, code: 99, label: {es: No responde, en: Refused}}
choice_lists:
  departamento:
    choices:
"""
    + "".join(f"      - {{code: {i}, label: {{es: D{i}, en: D{i}}}}}\n" for i in range(1, 15))
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
  seguro:
    ordered: true
    choices:
      - {code: 1, label: {es: Muy seguro, en: Very safe}}
      - {code: 2, label: {es: Seguro, en: Safe}}
      - {code: 3, label: {es: Inseguro, en: Unsafe}}
      - {code: 4, label: {es: Muy inseguro, en: Very unsafe}}
      - {code: 5, label: {es: Nunca sale, en: Never goes out}}
    missing:
      - {kind: dont_know, code: 98, label: {es: No sabe, en: Don't know}}
  lugar:
    choices:
      - {code: 1, label: {es: Calle, en: Street}}
      - {code: 2, label: {es: Bus, en: Bus}}
      - {code: 3, label: {es: Mercado, en: Market}}
      - {code: 4, label: {es: Banco, en: Bank}}
  delito:
    choices:
      - {code: 1, label: {es: Robo, en: Robbery}}
      - {code: 2, label: {es: Extorsión, en: Extortion}}
      - {code: 3, label: {es: Amenazas, en: Threats}}
  motivo:
    choices:
      - {code: 1, label: {es: Miedo, en: Fear}, filters: {grupo: a}}
      - {code: 2, label: {es: Pérdida de tiempo, en: Waste of time}, filters: {grupo: b}}
      - {code: 3, label: {es: Desconfianza, en: Distrust}, filters: {grupo: b}}
      - {code: 4, label: {es: Otro, en: Other}, filters: {grupo: a}}
items:
  - type: group
    name: identificacion
    label: {es: Identificación, en: Identification}
    children:
      - {type: select_one, name: departamento, choices: departamento, label: {es: Departamento, en: Department}, required: true}
      - {type: select_one, name: area, choices: area, label: {es: Área, en: Area}, required: true}
      - {type: select_one, name: sexo, choices: sexo, label: {es: Sexo, en: Sex}, required: true}
      - {type: integer, name: edad, label: {es: Edad, en: Age}, min: 18, max: 110, missing: [], required: true}
      - type: calculate
        name: grupo_edad
        label: {es: Grupo de edad, en: Age group}
        result_type: integer
        calculation: "if(${edad} < 30, 2, if(${edad} < 45, 3, if(${edad} < 60, 4, 5)))"
  - type: group
    name: hogar
    label: {es: Hogar, en: Household}
    children:
      - {type: integer, name: n_personas, label: {es: Personas en el hogar, en: Household size}, min: 1, max: 30, missing: []}
      - {type: integer, name: n_adultos, label: {es: Adultos en el hogar, en: Adults in the household}, min: 1, max: 30, missing: [], constraint: ". <= ${n_personas}"}
      - {type: select_one, name: vehiculo, choices: sino, label: {es: '¿Tiene vehículo?', en: 'Owns a vehicle?'}}
      - {type: select_one, name: robo_vehiculo, choices: sino, label: {es: '¿Le robaron el vehículo?', en: 'Vehicle stolen?'}, relevant: "${vehiculo} = 1"}
  - type: group
    name: percepcion
    label: {es: Percepción, en: Perception}
    children:
      - {type: select_one, name: seguridad, choices: seguro, label: {es: '¿Qué tan seguro se siente de noche?', en: 'How safe after dark?'}, required: true}
      - {type: select_multiple, name: lugares, choices: lugar, label: {es: Lugares inseguros, en: Unsafe places}, relevant: "${seguridad} = 3 or ${seguridad} = 4"}
  - type: group
    name: victimizacion
    label: {es: Victimización, en: Victimization}
    children:
      - {type: select_one, name: victima, choices: sino, label: {es: '¿Fue víctima?', en: 'Victim?'}, required: true}
      - {type: integer, name: n_delitos, label: {es: '¿Cuántos delitos?', en: 'How many crimes?'}, min: 1, max: 20, relevant: "${victima} = 1", required: true}
      - {type: decimal, name: perdida, label: {es: Pérdida (USD), en: Loss (USD)}, min: 0, max: 100000, missing: [], relevant: "${victima} = 1"}
      - {type: date, name: fecha, label: {es: Fecha del último delito, en: Date of last crime}, relevant: "${victima} = 1", constraint: ". <= date('2024-06-30')"}
      - {type: text, name: comentario, label: {es: Comentario, en: Comment}, relevant: "${victima} = 1"}
  - type: repeat
    name: incidentes
    unit: incident
    label: {es: Incidentes, en: Incidents}
    count: "${n_delitos}"
    relevant: "${victima} = 1"
    children:
      - {type: select_one, name: tipo, choices: delito, label: {es: Tipo de delito, en: Crime type}, required: true}
      - {type: select_one, name: denuncia, choices: sino, label: {es: '¿Denunció?', en: 'Reported?'}, required: true}
      - {type: select_one, name: grupo_motivo, choices: sino, label: {es: '¿Por miedo?', en: 'Out of fear?'}, relevant: "${denuncia} = 2"}
      - type: select_one
        name: motivo
        choices: motivo
        label: {es: Motivo de no denunciar, en: Reason for not reporting}
        relevant: "${denuncia} = 2"
        choice_filter: "grupo = if(${grupo_motivo} = 1, 'a', 'b')"
      - {type: integer, name: edad_agresor, label: {es: Edad del agresor, en: Offender's age}, min: 10, max: 90, constraint: ". < ${edad} + 40"}
"""
)


@pytest.fixture(scope="session")
def spec_path(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("spec") / "mini_vic.yaml"
    p.write_text(SPEC, encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def questionnaire(spec_path) -> sk.Questionnaire:
    return sk.load_questionnaire(spec_path)


OVERRIDES = {
    "victima": {"probabilities": {1: 0.2, 2: 0.8}, "by": {"area": {2: {"probabilities": {1: 0.1, 2: 0.9}}}}},
    "n_delitos": {"distribution": "poisson", "mean": 1.4, "high": 5},
    "seguridad": {"probabilities": {1: 0.2, 2: 0.35, 3: 0.25, 4: 0.15, 5: 0.05}},
    "n_personas": {"distribution": "poisson", "mean": 3.8},
    "n_adultos": {"distribution": "poisson", "mean": 2.2},
    "perdida": {"distribution": "lognormal", "median": 150, "sigma": 1.2},
    "denuncia": {"probabilities": {1: 0.3, 2: 0.7}},
    "lugares": {"probabilities": {1: 0.6, 2: 0.4, 3: 0.2, 4: 0.1}},
}


@pytest.fixture(scope="session")
def sim(questionnaire):
    return sk.simulate(questionnaire, overrides=OVERRIDES, eligible="n_adultos", seed=20240630)
