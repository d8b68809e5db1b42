"""The questionnaire lint rules: one catalogue with every code's name, severity and text in en/es.

Every :class:`~surveykit.questionnaire.problems.Problem` a questionnaire can give -- while its file is
read (``SK0xx``) or by :meth:`surveykit.Questionnaire.lint` (``SK1xx`` ... ``SK6xx``) -- carries one
of these codes. Checkers take the severity from the catalogue; other layers (the command line, the
report, the docs) match problems by code and translate through :data:`LINT_RULES`, never by their
message text. The table in :mod:`surveykit.questionnaire.lint` and the one in
``docs/questionnaires.md`` are tested against this catalogue.

Three rules are errors that a checker reports as a warning where the finding is only suspicious
(:data:`WARNING_WHERE_SUSPICIOUS`): SK202 in a calculation (a forward reference there may be meant),
SK302 where a type mismatch may still run (text compared with ``<``, a non-literal code in
``selected()``, a calculation whose ``result_type`` disagrees), SK501 for the title (XLSForm has no
translated title column). Those call sites pass ``severity="warning"`` explicitly; no other rule
changes severity.

>>> LINT_RULES["SK601"].severity, LINT_RULES["SK601"].name
('error', 'min_greater_than_max')
>>> LINT_RULES.message("SK601", "es")
'el mínimo (min) es mayor que el máximo (max)'
>>> severity("SK202"), severity("SK202", "warning")
('error', 'warning')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..rules import Rule, RuleCatalogue, Severity, VariantRule, language_key
from .lint_messages import MESSAGES, PHRASES

__all__ = ["LINT_RULES", "WARNING_WHERE_SUSPICIOUS", "Phrase", "lint_message", "phrase", "severity"]

_E: Severity = "error"
_W: Severity = "warning"

_RULES = (
    # -- reading the file (SK0xx) ------------------------------------------------------------------------
    Rule(
        "SK001",
        "spec_invalid",
        _E,
        en="the file is not a valid spec (malformed YAML/JSON, unknown key or type, wrong value type)",
        es="el archivo no es una especificación válida (YAML/JSON mal formado, clave o tipo desconocido, "
        "valor de tipo equivocado)",
    ),
    Rule(
        "SK010",
        "xlsform_unknown_type",
        _E,
        en="XLSForm: unknown or unsupported question type",
        es="XLSForm: tipo de pregunta desconocido o no admitido",
    ),
    Rule(
        "SK011",
        "xlsform_unmatched_block",
        _E,
        en="XLSForm: unmatched begin/end group or repeat",
        es="XLSForm: un begin/end group o repeat sin su pareja",
    ),
    Rule(
        "SK012",
        "xlsform_missing_name",
        _E,
        en="XLSForm: a question, group or choice without a name",
        es="XLSForm: una pregunta, grupo u opción sin nombre",
    ),
    Rule(
        "SK013",
        "xlsform_bad_sheet",
        _E,
        en="XLSForm: merged or duplicate header cells, merged data cells, a formula without a saved "
        "result, no type/name column or no survey sheet",
        es="XLSForm: celdas de encabezado combinadas o repetidas, celdas de datos combinadas, una fórmula "
        "sin resultado guardado, sin columna type/name o sin hoja survey",
    ),
    Rule(
        "SK014",
        "xlsform_bound_not_number",
        _E,
        en="XLSForm: sk_min/sk_max not a number",
        es="XLSForm: sk_min/sk_max no es un número",
    ),
    # -- names (SK1xx) -----------------------------------------------------------------------------------
    Rule(
        "SK101",
        "duplicate_name",
        _E,
        en="a name is used twice (questions, groups and repeats share one namespace)",
        es="un nombre se usa dos veces (preguntas, grupos y repeticiones comparten un espacio de nombres)",
    ),
    Rule(
        "SK102",
        "invalid_name",
        _E,
        en="a name SPSS, Stata or XLSForm cannot hold (≤32 ASCII letters/digits/_, letter first, not a reserved word)",
        es="un nombre que SPSS, Stata o XLSForm no admiten (≤32 letras/dígitos ASCII o _, empieza con letra, "
        "no es palabra reservada)",
    ),
    Rule(
        "SK103",
        "names_differ_in_case",
        _E,
        en="two names differ only in case (SPSS names are case-insensitive)",
        es="dos nombres difieren solo en mayúsculas y minúsculas (SPSS no las distingue)",
    ),
    Rule(
        "SK104",
        "bad_select_multiple_column",
        _E,
        en="a select_multiple 0/1 column ``{name}_{code}`` is not a valid name or collides",
        es="una columna 0/1 ``{name}_{code}`` de select_multiple no es un nombre válido o coincide con otra",
    ),
    # -- references (SK2xx) ------------------------------------------------------------------------------
    Rule(
        "SK201",
        "unknown_reference",
        _E,
        en="a reference ``${x}`` names no question",
        es="una referencia ``${x}`` no nombra ninguna pregunta",
    ),
    Rule(
        "SK202",
        "forward_reference",
        _E,
        en="relevance, constraint, required, choice filter or repeat count refers to a later question "
        "(warning for calculations)",
        es="una relevancia, restricción, condición de obligatoriedad, filtro de opciones o conteo de "
        "repetición se refiere a una pregunta posterior (advertencia en cálculos)",
    ),
    Rule(
        "SK203",
        "dependency_cycle",
        _E,
        en="relevance/calculation/required/choice-filter/count dependencies form a cycle",
        es="las dependencias de relevancia/cálculo/obligatoriedad/filtro de opciones/conteo forman un ciclo",
    ),
    Rule(
        "SK204",
        "repeat_reference_without_aggregate",
        _E,
        en="a reference into a repeat from outside it without an aggregate (count(), sum(), ...)",
        es="una referencia a una repetición desde fuera de ella sin agregación (count(), sum(), ...)",
    ),
    # -- expressions (SK3xx) -----------------------------------------------------------------------------
    Rule("SK301", "syntax_error", _E, en="an expression does not parse", es="una expresión no se puede analizar"),
    Rule(
        "SK302",
        "type_error",
        _E,
        en="an expression does not type-check (warning where it is only suspicious)",
        es="una expresión tiene tipos incompatibles (advertencia cuando solo es sospechosa)",
    ),
    Rule("SK303", "unknown_function", _E, en="an unknown function", es="una función desconocida"),
    Rule(
        "SK304",
        "function_not_evaluated",
        _W,
        en="a valid XLSForm function surveykit cannot evaluate on data",
        es="una función XLSForm válida que surveykit no puede evaluar sobre los datos",
    ),
    Rule(
        "SK305",
        "misplaced_current",
        _E,
        en="``.`` outside a constraint, ``..`` outside position()",
        es="``.`` fuera de una restricción, ``..`` fuera de position()",
    ),
    Rule(
        "SK306",
        "invalid_required",
        _E,
        en="required is neither yes/no nor a condition",
        es="required no es sí/no ni una condición",
    ),
    Rule(
        "SK307",
        "unreachable",
        _E,
        en="unreachable: the relevance (own or of an enclosing group) can never be true",
        es="inalcanzable: la relevancia (propia o de un grupo que la contiene) nunca puede ser verdadera",
    ),
    Rule(
        "SK308",
        "unknown_code_literal",
        _W,
        en="a literal compared with a select answer is not a code of its list",
        es="un literal comparado con una respuesta de selección no es un código de su lista",
    ),
    Rule(
        "SK309",
        "bare_name",
        _E,
        en="a bare name outside a choice filter (write ``${name}``)",
        es="un nombre suelto fuera de un filtro de opciones (escriba ``${name}``)",
    ),
    Rule(
        "SK310",
        "unsatisfiable_constraint",
        _E,
        en="a constraint no answer can satisfy",
        es="una restricción que ninguna respuesta puede cumplir",
    ),
    # -- choices and codes (SK4xx) -----------------------------------------------------------------------
    Rule(
        "SK401",
        "unknown_choice_list",
        _E,
        en="a select refers to an unknown choice list",
        es="una pregunta de selección se refiere a una lista de opciones que no existe",
    ),
    Rule(
        "SK402",
        "duplicate_code",
        _E,
        en="a code appears twice in a choice list (choices and missing codes)",
        es="un código aparece dos veces en una lista de opciones (opciones y códigos de no respuesta)",
    ),
    Rule(
        "SK403",
        "missing_code_collides",
        _E,
        en="a missing code collides with a valid code or lies inside [min, max]",
        es="un código de no respuesta coincide con un código válido o cae dentro de [min, max]",
    ),
    Rule(
        "SK404",
        "duplicate_choice_label",
        _W,
        en="two choices of a list have the same label",
        es="dos opciones de una lista tienen la misma etiqueta",
    ),
    Rule(
        "SK405",
        "empty_choice_list",
        _E,
        en="a choice list has no choices",
        es="una lista de opciones no tiene opciones",
    ),
    Rule(
        "SK406",
        "code_not_integer",
        _W,
        en="a code is not a whole number (SPSS/Stata value labels need integers)",
        es="un código no es un número entero (las etiquetas de valor de SPSS/Stata requieren enteros)",
    ),
    Rule(
        "SK407",
        "code_with_spaces",
        _E,
        en="a code contains spaces (select_multiple answers are space-separated)",
        es="un código contiene espacios (las respuestas de select_multiple se separan con espacios)",
    ),
    Rule(
        "SK408",
        "unknown_missing_kind",
        _E,
        en="a question names a missing-code kind that is not defined",
        es="una pregunta nombra un tipo de código de no respuesta que no está definido",
    ),
    Rule(
        "SK409",
        "spss_missing_undeclarable",
        _E,
        en="SPSS cannot declare the question's missing codes (>3 values and no range fits)",
        es="SPSS no puede declarar los códigos de no respuesta de la pregunta (más de 3 valores y ningún rango sirve)",
    ),
    Rule("SK410", "unused_choice_list", _W, en="a choice list is never used", es="una lista de opciones no se usa"),
    Rule(
        "SK411",
        "unknown_filter_column",
        _E,
        en="a choice filter names a column the choice list does not have",
        es="un filtro de opciones nombra una columna que la lista de opciones no tiene",
    ),
    Rule(
        "SK412",
        "missing_code_kinds",
        _E,
        en="missing codes: a kind defined twice, or a Stata letter missing or shared",
        es="códigos de no respuesta: un tipo definido dos veces, o una letra de Stata ausente o compartida",
    ),
    Rule(
        "SK413",
        "code_outside_stata_range",
        _E,
        en="a code outside Stata's integer range",
        es="un código fuera del rango de enteros de Stata",
    ),
    # -- languages and labels (SK5xx) --------------------------------------------------------------------
    Rule(
        "SK501",
        "missing_translation",
        _E,
        en="a text is missing in a declared language (label, hint, choice label, ...; the title: warning)",
        es="falta un texto en un idioma declarado (etiqueta, ayuda, etiqueta de opción, ...; el título: advertencia)",
    ),
    Rule(
        "SK502",
        "invalid_language",
        _E,
        en="a language code is not valid BCP-47, is not declared, or the default language is not among the languages",
        es="un código de idioma no es BCP-47 válido, no está declarado, o el idioma por defecto no está "
        "entre los idiomas",
    ),
    Rule(
        "SK503",
        "variable_label_too_long",
        _W,
        en="a variable label too long for SPSS (256 bytes) or Stata (80 characters)",
        es="una etiqueta de variable demasiado larga para SPSS (256 bytes) o Stata (80 caracteres)",
    ),
    Rule(
        "SK504",
        "value_label_too_long",
        _W,
        en="a value label longer than SPSS's 120 bytes (SPSS would truncate it)",
        es="una etiqueta de valor de más de 120 bytes, el máximo de SPSS (SPSS la cortaría)",
    ),
    Rule("SK505", "no_label", _W, en="a question has no label", es="una pregunta no tiene etiqueta"),
    # -- structure (SK6xx) -------------------------------------------------------------------------------
    Rule(
        "SK601",
        "min_greater_than_max",
        _E,
        en="min is greater than max",
        es="el mínimo (min) es mayor que el máximo (max)",
    ),
    Rule(
        "SK602",
        "calculate_without_calculation",
        _E,
        en="a calculate has no calculation",
        es="un calculate no tiene cálculo",
    ),
    Rule("SK603", "empty_group", _W, en="a group or repeat is empty", es="un grupo o repetición está vacío"),
    Rule(
        "SK604",
        "no_questions",
        _W,
        en="the questionnaire has no questions",
        es="el cuestionario no tiene preguntas",
    ),
)

#: Every rule, its description (``en``/``es``) and its message templates (``variants``, from
#: :mod:`~surveykit.questionnaire.lint_messages`): lint words each problem with one of them.
LINT_RULES = RuleCatalogue(
    "questionnaire lint",
    [VariantRule(r.code, r.name, r.severity, r.en, r.es, variants=MESSAGES.get(r.code, ())) for r in _RULES],
)

#: Error rules whose checkers report a merely suspicious finding as a warning (see the module docstring).
WARNING_WHERE_SUSPICIOUS: frozenset[str] = frozenset({"SK202", "SK302", "SK501"})


def severity(code: str, override: Severity | None = None) -> Severity:
    """The severity to report for rule ``code``: the catalogue's, or ``override`` where the rule allows one.

    An override is accepted only as ``"warning"`` for the rules of :data:`WARNING_WHERE_SUSPICIOUS`
    (a checker asking for anything else is a bug, hence ``ValueError``).

    >>> severity("SK304")
    'warning'
    >>> severity("SK601", "warning")
    Traceback (most recent call last):
    ...
    ValueError: SK601 is always error; only SK202, SK302, SK501 may be reported as a warning
    """
    default = LINT_RULES[code].severity
    if override is None or override == default:
        return default
    if override == "warning" and code in WARNING_WHERE_SUSPICIOUS:
        return override
    raise ValueError(
        f"{code} is always {default}; only {', '.join(sorted(WARNING_WHERE_SUSPICIOUS))} may be reported as a warning"
    )


@dataclass(frozen=True)
class Phrase:
    """A part of a lint message that is itself worded in each language (a hint, what a text belongs
    to, where an item is): the key of a template of
    :data:`~surveykit.questionnaire.lint_messages.PHRASES` and its fields (which may be phrases too).
    """

    key: str
    fields: tuple[tuple[str, Any], ...] = ()

    def render(self, language: str | None = "en") -> str:
        """The phrase in ``language``.

        >>> phrase("where.row", sheet="survey", row=7).render("es")
        'survey, fila 7'
        """
        en, es = PHRASES[self.key]
        return (es if language_key(language) == "es" else en).format(**_rendered(dict(self.fields), language))


def phrase(key: str, /, **fields: Any) -> Phrase:
    """The phrase ``key`` of :data:`~surveykit.questionnaire.lint_messages.PHRASES` with ``fields``."""
    if key not in PHRASES:
        raise KeyError(f"no lint phrase {key!r}")
    return Phrase(key, tuple(fields.items()))


def _rendered(fields: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """The fields with their phrases worded in ``language`` (a tuple of phrases: joined by ", ")."""
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if isinstance(v, Phrase):
            v = v.render(language)
        elif isinstance(v, tuple) and v and all(isinstance(x, Phrase) for x in v):
            v = ", ".join(x.render(language) for x in v)
        out[k] = v
    return out


def lint_message(code: str, variant: str, language: str | None, fields: Mapping[str, Any]) -> str:
    """Rule ``code``'s message ``variant`` in ``language`` with ``fields`` (phrases worded in that language).

    >>> lint_message("SK601", "min_max", "es-SV", {"min": "18", "max": "5", "name": "edad"})
    'el mínimo (18) es mayor que el máximo (5) en edad; intercambie los valores o corrija uno'
    """
    rule = LINT_RULES[code]
    assert isinstance(rule, VariantRule)  # every rule of the catalogue is one
    return rule.text(language, variant=variant, **_rendered(fields, language))
