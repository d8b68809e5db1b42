"""The rules :func:`surveykit.check_microdata` checks: one catalogue, codes ``MD1xx`` to ``MD9xx``.

Each rule's ``name`` is what the problems table shows in its ``rule`` column; its ``code`` and
``severity`` are the table's ``code`` and ``severity`` columns, and its message templates (English
and Spanish) give the ``message`` column in the language asked for. A rule whose message has more
than one form (an empty id and a repeated id are both ``duplicate_id``) keeps the other forms as
named *variants*; for ``not_checked`` the variants are the reasons a rule could not be checked.

``MD1xx``: ids and rosters. ``MD2xx``: values. ``MD3xx``: skip logic and constraints.
``MD9xx``: what could not be checked.

Examples
--------
>>> from surveykit.io import CHECK_RULES
>>> rule = CHECK_RULES.by_name("range")
>>> rule.code, rule.severity
('MD203', 'error')
>>> rule.text("es", variable="edad", min=0, max=110)
"'edad' debe estar entre 0 y 110"
>>> CHECK_RULES["MD302"].text("en", variant="here", variable="p5")
"'p5' is required here but has no answer"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..rules import RuleCatalogue, VariantRule

__all__ = ["CHECK_RULES", "CheckRule", "check_rule"]


@dataclass(frozen=True)
class CheckRule(VariantRule):
    """A :class:`~surveykit.rules.VariantRule` (named variants of its message) whose text always fills
    its template: every check message has fields.

    >>> CHECK_RULES.by_name("type").text("es", variant="integer", variable="edad")
    "'edad' debe ser un número entero"
    """

    def text(self, language: str | None = "en", /, *, variant: str | None = None, **fields: Any) -> str:
        """The message in ``language`` (``es``/``en``), of ``variant`` or the main one, fields filled in."""
        return self.template(language, variant).format(**fields)


CHECK_RULES = RuleCatalogue(
    "microdata checks",
    [
        # -- ids and rosters ---------------------------------------------------------------------------
        CheckRule(
            "MD101",
            "duplicate_id",
            "error",
            en="id {id} appears more than once in table {unit!r}; give each row its own id or remove the repeated row",
            es="el id {id} aparece más de una vez en la tabla {unit!r}; dé a cada fila su propio id o elimine la fila "
            "repetida",
            variants=(
                (
                    "empty",
                    "the id ({columns}) is empty; every row needs an id",
                    "el id ({columns}) está vacío; cada fila necesita un id",
                ),
            ),
        ),
        CheckRule(
            "MD102",
            "parent",
            "error",
            en="no row of table {parent!r} has id {id}; the {unit!r} row belongs to a missing {parent!r} row",
            es="ninguna fila de la tabla {parent!r} tiene el id {id}; la fila de {unit!r} pertenece a una fila de "
            "{parent!r} que falta",
        ),
        CheckRule(
            "MD103",
            "count",
            "error",
            en="{unit!r} has {have} row(s) for id {id} but {count} is {want}",
            es="{unit!r} tiene {have} fila(s) para el id {id} pero {count} vale {want}",
        ),
        # -- values ------------------------------------------------------------------------------------
        CheckRule(
            "MD201",
            "type",
            "error",
            en="{variable!r} must be a number; this value is not",
            es="{variable!r} debe ser un número; este valor no lo es",
            variants=(
                ("integer", "{variable!r} must be a whole number", "{variable!r} debe ser un número entero"),
                ("date", "{variable!r} must be a date", "{variable!r} debe ser una fecha"),
            ),
        ),
        CheckRule(
            "MD202",
            "choice",
            "error",
            en="code not in the choice list of {variable!r} ({codes})",
            es="código fuera de la lista de opciones de {variable!r} ({codes})",
            variants=(
                (
                    "or_missing",
                    "code not in the choice list of {variable!r} ({codes}, or a missing code {missing})",
                    "código fuera de la lista de opciones de {variable!r} ({codes}, o un código de valor perdido "
                    "{missing})",
                ),
                (
                    "multiple",
                    "{variable!r} holds a code not in its choice list ({codes})",
                    "{variable!r} tiene un código fuera de su lista de opciones ({codes})",
                ),
                (
                    "binary",
                    "{column!r} (a choice of {variable!r}) must be 0 or 1",
                    "{column!r} (una opción de {variable!r}) debe ser 0 o 1",
                ),
            ),
        ),
        CheckRule(
            "MD203",
            "range",
            "error",
            en="{variable!r} must be between {min} and {max}",
            es="{variable!r} debe estar entre {min} y {max}",
        ),
        # -- skip logic and constraints ----------------------------------------------------------------
        # an answer where the question should have been skipped: the data holds more than was asked,
        # and analyses that follow the skip logic ignore it; a warning, not an error
        CheckRule(
            "MD301",
            "relevance",
            "warning",
            en="{variable!r} is answered but should have been skipped: {condition} is false",
            es="{variable!r} tiene respuesta pero debía saltarse: {condition} es falso",
        ),
        CheckRule(
            "MD302",
            "required",
            "error",
            en="{variable!r} is required but has no answer",
            es="{variable!r} es obligatoria pero no tiene respuesta",
            variants=(
                (
                    "here",
                    "{variable!r} is required here but has no answer",
                    "{variable!r} es obligatoria aquí pero no tiene respuesta",
                ),
            ),
        ),
        CheckRule(
            "MD303",
            "constraint",
            "error",
            en="{variable!r}: constraint {constraint} is false",
            es="{variable!r}: la restricción {constraint} es falsa",
            # the questionnaire's own constraint message, in the language asked for when it has it
            variants=(("message", "{variable!r}: {message}", "{variable!r}: {message}"),),
        ),
        # -- not checked -------------------------------------------------------------------------------
        CheckRule(
            "MD901",
            "not_checked",
            "warning",
            en="{rule} not checked: {why}",
            es="{rule} no verificada: {why}",
            # the reasons ({why}); ``rule`` is the rule name, or "all" for a whole question
            variants=(
                (
                    "no_column",
                    "column {variable!r} is not in table {unit!r}",
                    "la columna {variable!r} no está en la tabla {unit!r}",
                ),
                (
                    "no_columns",
                    "neither column {variable!r} nor its 0/1 columns ({first}, ...) are in table {unit!r}",
                    "ni la columna {variable!r} ni sus columnas 0/1 ({first}, ...) están en la tabla {unit!r}",
                ),
                (
                    "some_binary_columns",
                    "0/1 columns {columns} are not in table {unit!r}",
                    "las columnas 0/1 {columns} no están en la tabla {unit!r}",
                ),
                (
                    "no_table",
                    "no table was given for repeat {repeat!r}",
                    "no se dio ninguna tabla para la repetición {repeat!r}",
                ),
                ("no_parent_table", "the parent table {parent!r} was not given", "no se dio la tabla madre {parent!r}"),
                (
                    "no_parent_ids",
                    "no id columns given for the parent table {parent!r} (ids=...)",
                    "no se dieron columnas de id para la tabla madre {parent!r} (ids=...)",
                ),
                (
                    "no_parent_id_columns",
                    "table {unit!r} lacks the parent id column(s) {columns}",
                    "a la tabla {unit!r} le faltan la(s) columna(s) de id de la tabla madre {columns}",
                ),
                (
                    "count_error",
                    "the count of repeat {repeat!r} cannot be evaluated: {error}",
                    "el número de filas de la repetición {repeat!r} no se puede evaluar: {error}",
                ),
                ("bad_expression", "{expression}: {error}", "{expression}: {error}"),
                (
                    "absent_references",
                    "{expression} refers to {columns}, not in the data given",
                    "{expression} usa {columns}, que no están en los datos dados",
                ),
                (
                    "cannot_evaluate",
                    "{expression} cannot be evaluated on this data: {error}",
                    "{expression} no se puede evaluar con estos datos: {error}",
                ),
                (
                    "gives_number",
                    "{expression} gives a number, not true/false; write a condition (e.g. compare it with "
                    "'=' or '>'), as lint says",
                    "{expression} da un número, no verdadero/falso; escriba una condición (p. ej. compárela con '=' o "
                    "'>'), como dice lint",
                ),
                (
                    "gives_date",
                    "{expression} gives a date, not true/false; write a condition (e.g. compare it with "
                    "'=' or '>'), as lint says",
                    "{expression} da una fecha, no verdadero/falso; escriba una condición (p. ej. compárela con '=' o "
                    "'>'), como dice lint",
                ),
                (
                    "gives_text",
                    "{expression} gives text, not true/false; write a condition (e.g. compare it with "
                    "'=' or '>'), as lint says",
                    "{expression} da texto, no verdadero/falso; escriba una condición (p. ej. compárela con '=' o "
                    "'>'), como dice lint",
                ),
            ),
        ),
    ],
)


def check_rule(name: str) -> CheckRule:
    """The rule of :data:`CHECK_RULES` whose name (the ``rule`` column) is ``name``.

    >>> check_rule("duplicate_id").code
    'MD101'
    """
    rule = CHECK_RULES.by_name(name)
    assert isinstance(rule, CheckRule)  # every rule of the catalogue is one
    return rule
