"""Helpers for the questionnaire spec tests: designer-style XLSForms and small questionnaires."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

import surveykit as sk

ES, EN = "label::Español (es)", "label::English (en)"


def write_form(
    path: Path,
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
    merge: list[tuple[str, str]] | None = None,
    extra: dict[str, list[list[Any]]] | None = None,
) -> Path:
    """Write an XLSForm the way a designer does in Excel: one list per row, the first row the headers.

    ``merge`` lists (sheet, cell range) to merge.
    """
    wb = openpyxl.Workbook()
    sheets = {"survey": survey}
    if choices is not None:
        sheets["choices"] = choices
    if settings is not None:
        sheets["settings"] = settings
    sheets.update(extra or {})
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title = name
        first = False
        for row in rows:
            ws.append(row)
    for sheet, cells in merge or []:
        wb[sheet].merge_cells(cells)
    wb.save(path)
    return path


#: Choices of a bilingual victimization form, as a designer writes them.
CHOICES = [
    ["list_name", "name", ES, EN],
    ["sino", 1, "Sí", "Yes"],
    ["sino", 2, "No", "No"],
    ["sexo", 1, "Hombre", "Man"],
    ["sexo", 2, "Mujer", "Woman"],
    ["seguro", 1, "Muy seguro", "Very safe"],
    ["seguro", 2, "Seguro", "Safe"],
    ["seguro", 3, "Inseguro", "Unsafe"],
    ["seguro", 4, "Muy inseguro", "Very unsafe"],
    ["delito", 1, "Robo", "Robbery"],
    ["delito", 2, "Extorsión", "Extortion"],
    ["delito", 3, "Amenazas", "Threats"],
]
SETTINGS = [
    ["form_id", "form_title", "version", "default_language"],
    ["victimizacion", "Encuesta de victimización", 2024010101, "Español (es)"],
]
HEADER = ["type", "name", ES, EN, "required", "relevant", "constraint", "calculation"]


def clean_survey() -> list[list[Any]]:
    """A bilingual form with household roster, selected adult and incident repeat, lint-clean."""
    return [
        HEADER,
        [
            "integer",
            "n_personas",
            "¿Cuántas personas viven en el hogar?",
            "How many people live in the household?",
            "yes",
            None,
            ". >= 1 and . <= 30",
            None,
        ],
        ["begin_repeat", "personas", "Personas del hogar", "Household members", None, None, None, None],
        ["text", "nombre", "Nombre", "Name", "yes", None, None, None],
        ["select_one sexo", "sexo", "Sexo", "Sex", "yes", None, None, None],
        ["integer", "edad", "Edad en años cumplidos", "Age in completed years", "yes", None, ". <= 110", None],
        ["end_repeat", None, None, None, None, None, None, None],
        ["begin_group", "adulto", "Persona seleccionada", "Selected person", None, None, None, None],
        [
            "integer",
            "edad_sel",
            "Edad de la persona seleccionada",
            "Age of the selected person",
            "yes",
            None,
            ". >= 18 and . <= 110",
            None,
        ],
        [
            "select_one seguro",
            "seguridad",
            "¿Qué tan seguro se siente caminando solo de noche?",
            "How safe do you feel walking alone after dark?",
            "yes",
            None,
            None,
            None,
        ],
        [
            "select_one sino",
            "victima",
            "¿Fue víctima de un delito en los últimos 12 meses?",
            "Were you a victim of a crime in the past 12 months?",
            "yes",
            None,
            None,
            None,
        ],
        [
            "integer",
            "n_delitos",
            "¿Cuántos delitos?",
            "How many crimes?",
            "yes",
            "${victima} = '1'",
            ". >= 1 and . <= 20",
            None,
        ],
        ["calculate", "mayor", None, None, None, None, None, "if(${edad_sel} >= 60, 1, 0)"],
        ["end_group", None, None, None, None, None, None, None],
        ["begin_repeat", "delitos", "Delitos", "Crimes", None, "${victima} = '1'", None, None],
        ["select_one delito", "tipo", "Tipo de delito", "Type of crime", "yes", None, None, None],
        ["select_one sino", "denuncio", "¿Lo denunció?", "Did you report it?", "yes", None, None, None],
        ["end_repeat", None, None, None, None, None, None, None],
        ["note", "fin", "Gracias", "Thank you", None, None, None, None],
    ]


def small_questionnaire() -> sk.Questionnaire:
    """A bilingual questionnaire built in Python, lint-clean."""
    es_en = lambda es, en: {"es": es, "en": en}  # noqa: E731
    return sk.Questionnaire(
        id="mini",
        title=es_en("Mini", "Mini"),
        version="1",
        languages=["es", "en"],
        unit="household",
        missing_codes=[
            sk.MissingCode(kind="dont_know", code=-8, label=es_en("No sabe", "Don't know")),
            sk.MissingCode(kind="refused", code=-9, label=es_en("No responde", "Refused")),
        ],
        choice_lists={
            "sino": sk.ChoiceList(
                choices=[sk.Choice(code=1, label=es_en("Sí", "Yes")), sk.Choice(code=2, label=es_en("No", "No"))],
                missing=[sk.MissingCode(kind="dont_know", code=9, label=es_en("NS/NR", "DK"))],
            ),
            "medidas": sk.ChoiceList(
                choices=[
                    sk.Choice(code=1, label=es_en("Rejas", "Bars")),
                    sk.Choice(code=2, label=es_en("Alarma", "Alarm")),
                    sk.Choice(code=3, label=es_en("Perro", "Dog")),
                ]
            ),
        },
        items=[
            sk.IntegerQuestion(name="edad", label=es_en("Edad", "Age"), min=0, max=110),
            sk.SelectOneQuestion(
                name="victima", label=es_en("¿Víctima?", "Victim?"), choices="sino", relevant="${edad} >= 18"
            ),
            sk.SelectMultipleQuestion(
                name="medidas", label=es_en("Medidas", "Measures"), choices="medidas", relevant="${victima} = '1'"
            ),
            sk.Repeat(
                name="personas",
                label=es_en("Personas", "People"),
                unit="person",
                count="${edad}",
                children=[sk.TextQuestion(name="nombre", label=es_en("Nombre", "Name"))],
            ),
        ],
    )
