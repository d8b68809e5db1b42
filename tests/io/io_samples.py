"""Shared data for the microdata tests: a small victimization module with Spanish labels,
user-missing codes 9/98/99, skip logic (p11 asked only of victims) and a person roster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

VARIABLE_LABELS = {
    "id": "Identificador del hogar",
    "sexo": "Sexo de la persona",
    "edad": "Edad en años cumplidos",
    "p10": "¿Fue víctima de algún delito en los últimos 12 meses?",
    "p11": "¿Denunció el delito ante la policía?",
    "depto": "Departamento",
}
VALUE_LABELS = {
    "sexo": {1: "Hombre", 2: "Mujer", 9: "No responde"},
    "p10": {1: "Sí", 2: "No", 98: "No sabe", 99: "No responde"},
    "p11": {1: "Sí", 2: "No", 98: "No sabe", 99: "No responde"},
    "depto": {1: "Ahuachapán", 2: "Santa Ana", 3: "Cuscatlán", 4: "La Unión"},
}


def victim_frame() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "id": [101, 102, 103, 104, 105, 106],
            "sexo": [1.0, 2, 2, 1, 9, 2],
            "edad": [34.0, 51, 19, 99, 45, 98],
            "p10": [1.0, 2, 1, 98, 2, 1],
            "p11": [1.0, np.nan, 2, np.nan, np.nan, 99],
            "depto": [1.0, 2, 3, 4, 4, 1],
            "nombre": ["José", "Ñusta", "María", "Iñaki", "Begoña", "Ana"],
        }
    )
    df.attrs["surveykit"] = {
        "variable_labels": dict(VARIABLE_LABELS),
        "value_labels": {k: dict(v) for k, v in VALUE_LABELS.items()},
        "missing": {
            "sexo": {"values": [9]},
            "edad": {"ranges": [[98, 99]]},
            "p10": {"values": [98, 99]},
            "p11": {"values": [98, 99]},
        },
    }
    return df


@pytest.fixture
def victims() -> pd.DataFrame:
    return victim_frame()


@pytest.fixture
def spss_file(tmp_path):
    """An SPSS file written by pyreadstat itself (not by surveykit), with user-missing declarations."""
    df = victim_frame()
    path = tmp_path / "victimizacion.sav"
    pyreadstat.write_sav(
        df.drop(columns=[]),
        str(path),
        column_labels=VARIABLE_LABELS,
        variable_value_labels=VALUE_LABELS,
        missing_ranges={"sexo": [9], "edad": [{"lo": 98, "hi": 99}], "p10": [98, 99], "p11": [98, 99]},
        variable_measure={"sexo": "nominal", "edad": "scale"},
        file_label="ENPV 2024",
    )
    return path


@pytest.fixture
def stata_file(tmp_path):
    """A Stata file with extended missing values .a/.b in an int column that also has system missing."""
    df = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "p10": pd.Series([1, 2, "a", "b", None, 0], dtype=object),  # int32 in the file
            "ingreso": pd.Series([150.5, 0.0, "a", None, 400.25, 99.0], dtype=object),  # double
            "depto": [1, 2, 3, 4, 4, 1],
        }
    )
    path = tmp_path / "victimas.dta"
    pyreadstat.write_dta(
        df,
        str(path),
        column_labels={"p10": "¿Fue víctima?", "depto": "Departamento"},
        variable_value_labels={"p10": {0: "Ninguno", 1: "Sí", 2: "No"}, "depto": VALUE_LABELS["depto"]},
        missing_user_values={"p10": ["a", "b"], "ingreso": ["a"]},
    )
    return path
