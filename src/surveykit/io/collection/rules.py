"""The problems :func:`~surveykit.read_collection` reports, as one rule catalogue (``COLLECTION_RULES``).

Each kind of problem found while reading a field export has a stable code, a severity and a
description in English and Spanish; the problems table carries ``kind`` (the rule's name), ``code``
and ``severity`` next to the located message. ``error``: a value or a question's data is not where or
what the questionnaire says (the cell is kept as found and ``check_microdata`` flags it again);
``warning``: something the export has and the questionnaire does not (kept, reported).

>>> COLLECTION_RULES.by_name("unknown_code").code, COLLECTION_RULES["RC301"].severity
('RC301', 'error')
>>> COLLECTION_RULES.message("RC102", "es")
'una columna que no es pregunta ni metadato de recolección conocido'
"""

from __future__ import annotations

from ...rules import Rule, RuleCatalogue

__all__ = ["COLLECTION_RULES"]

COLLECTION_RULES = RuleCatalogue(
    "field-export problems",
    [
        Rule(
            "RC101",
            "unmapped_table",
            "warning",
            en="a sheet or file that is no repeat of the questionnaire",
            es="una hoja o archivo que no es una repetición del cuestionario",
        ),
        Rule(
            "RC102",
            "unmapped_column",
            "warning",
            en="a column that is no question and no known collection metadata",
            es="una columna que no es pregunta ni metadato de recolección conocido",
        ),
        Rule(
            "RC103",
            "no_column",
            "error",
            en="a question (or a choice of a split select_multiple) with no column in the export, or a repeat "
            "with no table",
            es="una pregunta (o una opción de un select_multiple separado) sin columna en la exportación, o una "
            "repetición sin tabla",
        ),
        Rule(
            "RC104",
            "duplicate_column",
            "error",
            en="two columns of the same question; the first is used",
            es="dos columnas de la misma pregunta; se usa la primera",
        ),
        Rule(
            "RC301",
            "unknown_code",
            "error",
            en="a value that is neither a code nor a label of the question's list nor a missing code",
            es="un valor que no es código ni etiqueta de la lista de la pregunta ni código de faltante",
        ),
        Rule(
            "RC302",
            "not_a_number",
            "error",
            en="a value that is not a number in a numeric question",
            es="un valor que no es un número en una pregunta numérica",
        ),
        Rule(
            "RC303",
            "not_a_date",
            "error",
            en="a value that is not a date in a date question",
            es="un valor que no es una fecha en una pregunta de fecha",
        ),
        Rule(
            "RC304",
            "split_value",
            "error",
            en="a select_multiple 0/1 column holding something other than 0 or 1",
            es="una columna 0/1 de un select_multiple con algo distinto de 0 o 1",
        ),
        Rule(
            "RC305",
            "select_multiple_disagree",
            "warning",
            en="the text column and the 0/1 columns of a select_multiple disagree (the text is used)",
            es="la columna de texto y las columnas 0/1 de un select_multiple no coinciden (se usa el texto)",
        ),
        Rule(
            "RC306",
            "missing_code_mixed",
            "error",
            en="a missing code selected together with answers in a select_multiple",
            es="un código de faltante seleccionado junto con respuestas en un select_multiple",
        ),
        Rule(
            "RC307",
            "unanswered",
            "warning",
            en="asked but not answered, and the questionnaire has no missing code for it: the cell is left empty",
            es="preguntada pero sin respuesta, y el cuestionario no tiene código de faltante para ello: la celda "
            "queda vacía",
        ),
        Rule(
            "RC401",
            "orphan",
            "error",
            en="a repeat row whose parent row is not in the export (kept, with an empty link)",
            es="una fila de una repetición cuya fila madre no está en la exportación (se conserva, sin vínculo)",
        ),
    ],
)
