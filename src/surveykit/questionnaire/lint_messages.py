"""The wording of lint's problems: every message template in English and Spanish.

:data:`MESSAGES` gives each lint rule's message variants -- ``(key, en, es)`` templates with named
``str.format`` fields -- which :data:`~surveykit.questionnaire.lint_rules.LINT_RULES` attaches to its
rules; a checker names the rule, the variant and the fields, never the text. :data:`PHRASES` are the
parts of a message that are worded per language too (a hint, what a text belongs to, where an item
is): a field may hold a :class:`~surveykit.questionnaire.lint_rules.Phrase`, worded in the message's
language. Both languages of a template use the same fields (a test checks it). Names of questions,
lists and spec keys (``relevant``, ``missing_codes``, ``select_multiple``) and expression text stay
as written.

The rules found while a file is read (``SK0xx``) are worded by the readers and have no variants here.

>>> MESSAGES["SK601"][0][0]
'min_max'
>>> PHRASES["where.line"]
('line {line}', 'línea {line}')
"""

from __future__ import annotations

from .typecheck_messages import TYPECHECK_PHRASES

__all__ = ["MESSAGES", "PHRASES"]

_Variants = tuple[tuple[str, str, str], ...]

#: Message variants of each lint rule: ``(key, English template, Spanish template)``.
MESSAGES: dict[str, _Variants] = {
    # -- names (SK1xx) -----------------------------------------------------------------------------------
    "SK101": (
        (
            "duplicate",
            "the name {name!r} is already used by the {type} at {where}; every question, group and repeat needs "
            "its own name (rename one)",
            "el nombre {name!r} ya lo usa el elemento {type} en {where}; cada pregunta, grupo y repetición "
            "necesita su propio nombre (cambie uno)",
        ),
    ),
    "SK102": (
        ("form_id", "form id {id!r}: {problem}", "id del formulario {id!r}: {problem}"),
        ("name", "name {name!r}: {problem}", "nombre {name!r}: {problem}"),
        ("group_name", "group name {name!r}: {problem}", "nombre del grupo {name!r}: {problem}"),
        ("repeat_name", "repeat name {name!r}: {problem}", "nombre de la repetición {name!r}: {problem}"),
        (
            "xlsform_name",
            "name {name!r} is not valid in XLSForm: use letters, digits and '_' and start with a letter",
            "el nombre {name!r} no es válido en XLSForm: use letras, dígitos y '_' y empiece con una letra",
        ),
        (
            "list_name",
            "choice list name {name!r} is not valid in XLSForm: use letters, digits and '_'",
            "el nombre de lista de opciones {name!r} no es válido en XLSForm: use letras, dígitos y '_'",
        ),
    ),
    "SK103": (
        (
            "case",
            "{name!r} and {other!r} differ only in case; SPSS treats them as the same variable: rename one",
            "{name!r} y {other!r} solo difieren en mayúsculas y minúsculas; SPSS las trata como la misma "
            "variable: cambie el nombre de una",
        ),
    ),
    "SK104": (
        (
            "too_long",
            "the 0/1 column {column!r} of select_multiple {name!r} is not a valid name: it has {length} "
            "characters, Stata allows {max}; shorten the question name",
            "la columna 0/1 {column!r} de la select_multiple {name!r} no es un nombre válido: tiene {length} "
            "caracteres y Stata admite {max}; acorte el nombre de la pregunta",
        ),
        (
            "bad_code",
            "the 0/1 column {column!r} of select_multiple {name!r} is not a valid name: use codes made of "
            "letters, digits and '_'",
            "la columna 0/1 {column!r} de la select_multiple {name!r} no es un nombre válido: use códigos "
            "hechos de letras, dígitos y '_'",
        ),
        (
            "collides_question",
            "the 0/1 column {column!r} of select_multiple {name!r} collides with a question of that name; rename one",
            "la columna 0/1 {column!r} de la select_multiple {name!r} coincide con una pregunta del mismo "
            "nombre; cambie el nombre de una",
        ),
        (
            "collides_column",
            "the 0/1 column {column!r} of select_multiple {name!r} collides with a column of {other!r} of that "
            "name; rename one",
            "la columna 0/1 {column!r} de la select_multiple {name!r} coincide con una columna de {other!r} "
            "del mismo nombre; cambie el nombre de una",
        ),
    ),
    # -- references (SK2xx) ------------------------------------------------------------------------------
    "SK201": (
        (
            "unknown",
            "{field}: ${{{name}}} is not a question of this form; {hint}fix the name or add the question",
            "{field}: ${{{name}}} no es una pregunta de este formulario; {hint}corrija el nombre o agregue la pregunta",
        ),
    ),
    "SK202": (
        (
            "later",
            "{field}: ${{{name}}} refers forward: {name!r} comes later in the form ({where}), so it is still "
            "empty here; move the question before it or change the expression",
            "{field}: ${{{name}}} es una referencia hacia adelante: {name!r} viene después en el formulario "
            "({where}), así que aquí todavía está vacía; mueva esa pregunta antes o cambie la expresión",
        ),
        (
            "inside_group",
            "{field}: ${{{name}}} refers forward: {name!r} is inside group {owner!r}, which cannot depend on its "
            "own questions; move the question before it or change the expression",
            "{field}: ${{{name}}} es una referencia hacia adelante: {name!r} está dentro del grupo {owner!r}, "
            "que no puede depender de sus propias preguntas; mueva esa pregunta antes o cambie la expresión",
        ),
        (
            "inside_repeat",
            "{field}: ${{{name}}} refers forward: {name!r} is inside repeat {owner!r}, which cannot depend on its "
            "own questions; move the question before it or change the expression",
            "{field}: ${{{name}}} es una referencia hacia adelante: {name!r} está dentro de la repetición "
            "{owner!r}, que no puede depender de sus propias preguntas; mueva esa pregunta antes o cambie la "
            "expresión",
        ),
    ),
    "SK203": (
        (
            "cycle",
            "cycle: {path} ({steps}); break it so no question depends on itself",
            "ciclo: {path} ({steps}); rómpalo para que ninguna pregunta dependa de sí misma",
        ),
    ),
    "SK204": (
        (
            "repeat",
            "{field}: ${{{name}}} is a repeat; count its instances with count(${{{name}}})",
            "{field}: ${{{name}}} es una repetición; cuente sus instancias con count(${{{name}}})",
        ),
        (
            "inside",
            "{field}: ${{{name}}} is inside repeat {repeat!r} (one value per instance) but this expression is "
            "outside it; use an aggregate such as sum(${{{name}}}), count() or indexed-repeat()",
            "{field}: ${{{name}}} está dentro de la repetición {repeat!r} (un valor por instancia) pero esta "
            "expresión está fuera de ella; use una agregación como sum(${{{name}}}), count() o indexed-repeat()",
        ),
        (
            "other_unit",
            "{field}: ${{{name}}} belongs to repeat {repeat!r}, another unit than this expression's; use an "
            "aggregate (sum(), indexed-repeat()) or move the question",
            "{field}: ${{{name}}} pertenece a la repetición {repeat!r}, otra unidad que la de esta expresión; "
            "use una agregación (sum(), indexed-repeat()) o mueva la pregunta",
        ),
    ),
    # -- expressions (SK3xx) -----------------------------------------------------------------------------
    # {detail}: the parser's or the type checker's finding, a phrase of typecheck_messages worded per language
    "SK301": (("syntax", "{detail}", "{detail}"),),
    "SK302": (
        ("type_check", "{field}: {detail}", "{field}: {detail}"),
        (
            "result_type",
            "calculation: result_type is {result_type} but the calculation gives {type}; fix one of them",
            "calculation: result_type es {result_type} pero el cálculo da un valor de tipo {type}; corrija uno "
            "de los dos",
        ),
    ),
    "SK303": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK304": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK305": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK306": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK307": (
        (
            "question",
            "unreachable: {name!r} is never asked, because the relevance {relevance!r} can never be true (check "
            "the codes and bounds it compares with)",
            "inalcanzable: {name!r} nunca se pregunta, porque la relevancia {relevance!r} nunca puede ser "
            "verdadera (revise los códigos y límites con los que compara)",
        ),
        (
            "group",
            "unreachable: group {name!r} and the {n} questions inside it are never asked, because the relevance "
            "{relevance!r} can never be true (check the codes and bounds it compares with)",
            "inalcanzable: el grupo {name!r} y las {n} preguntas que contiene nunca se preguntan, porque la "
            "relevancia {relevance!r} nunca puede ser verdadera (revise los códigos y límites con los que compara)",
        ),
        (
            "repeat",
            "unreachable: repeat {name!r} and the {n} questions inside it are never asked, because the relevance "
            "{relevance!r} can never be true (check the codes and bounds it compares with)",
            "inalcanzable: la repetición {name!r} y las {n} preguntas que contiene nunca se preguntan, porque la "
            "relevancia {relevance!r} nunca puede ser verdadera (revise los códigos y límites con los que compara)",
        ),
    ),
    "SK308": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK309": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK310": (
        (
            "unsatisfiable",
            "constraint: no answer{bounds} can satisfy {constraint!r} (e.g. a minimum above the maximum); fix "
            "the bounds",
            "constraint: ninguna respuesta{bounds} puede cumplir {constraint!r} (p. ej. un mínimo por encima del "
            "máximo); corrija los límites",
        ),
    ),
    # -- choices and codes (SK4xx) -----------------------------------------------------------------------
    "SK401": (
        (
            "unknown_list",
            "{name!r} uses the choice list {list!r}, which does not exist; {hint}add it to the choices or fix the name",
            "{name!r} usa la lista de opciones {list!r}, que no existe; {hint}agréguela a las opciones o "
            "corrija el nombre",
        ),
    ),
    "SK402": (
        (
            "duplicate",
            "code {code!r} {what} is used twice ({first} and {second}); give each its own code",
            "el código {code!r} {what} se usa dos veces ({first} y {second}); dé a cada uno su propio código",
        ),
    ),
    "SK403": (
        (
            "list_choice",
            "missing code {code} ({kind}) of list {name!r} is also a valid choice; give the missing code a code "
            "no choice uses",
            "el código de no respuesta {code} ({kind}) de la lista {name!r} también es una opción válida; dé al "
            "código de no respuesta un código que ninguna opción use",
        ),
        (
            "valid_code",
            "missing code {code} ({kind}) of {name!r} is a valid code of list {list!r}; use another code or set "
            "missing: [] on the question",
            "el código de no respuesta {code} ({kind}) de {name!r} es un código válido de la lista {list!r}; use "
            "otro código o ponga missing: [] en la pregunta",
        ),
        (
            "in_range",
            "missing code {code} ({kind}) lies inside the valid range {range} of {name!r}; a real answer {code} "
            "could not be told from it: use codes outside the range (e.g. -8/-9, 998/999) or set missing on the "
            "question",
            "el código de no respuesta {code} ({kind}) cae dentro del rango válido {range} de {name!r}; una "
            "respuesta real {code} no se podría distinguir de él: use códigos fuera del rango (p. ej. -8/-9, "
            "998/999) o defina missing en la pregunta",
        ),
    ),
    "SK404": (
        (
            "same_label",
            "choices {first} and {second} of list {name!r} have the same label {label!r} ({lang}); make the "
            "labels distinct",
            "las opciones {first} y {second} de la lista {name!r} tienen la misma etiqueta {label!r} ({lang}); "
            "use etiquetas distintas",
        ),
    ),
    "SK405": (
        (
            "empty",
            "choice list {name!r} has no choices; add them or remove the list",
            "la lista de opciones {name!r} no tiene opciones; agréguelas o elimine la lista",
        ),
    ),
    "SK406": (
        (
            "text_code",
            "list {name!r} has the text code {code!r}; its questions become text variables and Stata cannot "
            "label them: use whole-number codes",
            "la lista {name!r} tiene el código de texto {code!r}; sus preguntas se vuelven variables de texto y "
            "Stata no puede etiquetarlas: use códigos enteros",
        ),
    ),
    "SK407": (
        (
            "spaces",
            "code {code!r} {what} contains spaces; select_multiple answers are stored space-separated: use "
            "letters, digits and '_'",
            "el código {code!r} {what} contiene espacios; las respuestas de select_multiple se guardan "
            "separadas por espacios: use letras, dígitos y '_'",
        ),
    ),
    "SK408": (
        (
            "unknown_kind",
            "{name!r} lists the missing kind {kind!r}, which is not defined; {hint}define it in missing_codes (or "
            "the choice list) or remove it",
            "{name!r} indica el tipo de no respuesta {kind!r}, que no está definido; {hint}defínalo en "
            "missing_codes (o en la lista de opciones) o quítelo",
        ),
    ),
    "SK409": (
        (
            "undeclarable",
            "SPSS can declare at most 3 missing values, or one range plus one value, and no range fits the "
            "missing codes {codes} of {name!r} without covering valid codes: use fewer or adjacent missing codes",
            "SPSS puede declarar como máximo 3 valores perdidos, o un rango más un valor, y ningún rango abarca "
            "los códigos de no respuesta {codes} de {name!r} sin cubrir códigos válidos: use menos códigos de no "
            "respuesta o códigos contiguos",
        ),
    ),
    "SK410": (
        (
            "unused",
            "choice list {name!r} is not used by any question; remove it or use it",
            "ninguna pregunta usa la lista de opciones {name!r}; elimínela o úsela",
        ),
    ),
    "SK411": (("type_check", "{field}: {detail}", "{field}: {detail}"),),
    "SK412": (
        (
            "kind_twice",
            "missing-code kind {kind!r} is defined twice {what}; keep one",
            "el tipo de código de no respuesta {kind!r} está definido dos veces {what}; deje uno",
        ),
        (
            "no_letter",
            "missing code {code} ({kind}) {what} has no Stata letter; set stata: '.a' ... '.z'",
            "el código de no respuesta {code} ({kind}) {what} no tiene letra de Stata; asigne stata: '.a' ... '.z'",
        ),
        (
            "shared_letter",
            "missing codes {first!r} and {second!r} {what} share the Stata letter {letter}; give each its own",
            "los códigos de no respuesta {first!r} y {second!r} {what} comparten la letra de Stata {letter}; "
            "dé a cada uno la suya",
        ),
    ),
    "SK413": (
        (
            "stata_range",
            "code {code} {what} is outside Stata's integer range (±{max}); use a smaller code",
            "el código {code} {what} está fuera del rango de enteros de Stata (±{max}); use un código más pequeño",
        ),
    ),
    # -- languages and labels (SK5xx) --------------------------------------------------------------------
    "SK501": (
        (
            "missing",
            "{what} has no {lang!r} text{shown}; write the {lang!r} translation{how}",
            "{what} no tiene texto en {lang!r}{shown}; escriba la traducción en {lang!r}{how}",
        ),
    ),
    "SK502": (
        (
            "not_bcp47",
            "{lang!r} is not a BCP-47 language code; write e.g. 'es', 'en' or 'es-SV'",
            "{lang!r} no es un código de idioma BCP-47; escriba p. ej. 'es', 'en' o 'es-SV'",
        ),
        (
            "twice",
            "language {lang!r} is listed twice; remove one",
            "el idioma {lang!r} aparece dos veces; quite uno",
        ),
        (
            "default",
            "the default language {lang!r} is not among the languages {languages}; add it or choose one of them",
            "el idioma por defecto {lang!r} no está entre los idiomas {languages}; agréguelo o elija uno de ellos",
        ),
        (
            "undeclared",
            "{what} has text in {lang!r}, which is not among the languages {languages}; add {lang!r} to "
            "languages or fix the code",
            "{what} tiene texto en {lang!r}, que no está entre los idiomas {languages}; agregue {lang!r} a "
            "languages o corrija el código",
        ),
    ),
    "SK503": (
        (
            "spss",
            "the variable label of {name!r} ({lang}) has {n_chars} characters / {n_bytes} bytes; SPSS keeps "
            "{limit} bytes: add a short_label for the data files",
            "la etiqueta de variable de {name!r} ({lang}) tiene {n_chars} caracteres / {n_bytes} bytes; SPSS "
            "guarda {limit} bytes: agregue un short_label para los archivos de datos",
        ),
        (
            "stata",
            "the variable label of {name!r} ({lang}) has {n_chars} characters / {n_bytes} bytes; Stata allows "
            "{limit} characters: add a short_label for the data files",
            "la etiqueta de variable de {name!r} ({lang}) tiene {n_chars} caracteres / {n_bytes} bytes; Stata "
            "admite {limit} caracteres: agregue un short_label para los archivos de datos",
        ),
    ),
    "SK504": (
        (
            "too_long",
            "the label of {what} ({lang}) has {n_bytes} bytes; SPSS keeps {limit} (it would be cut): shorten it",
            "la etiqueta de {what} ({lang}) tiene {n_bytes} bytes; SPSS guarda {limit} (la cortaría): acórtela",
        ),
    ),
    "SK505": (
        (
            "no_label",
            "question {name!r} has no label; write the question text",
            "la pregunta {name!r} no tiene etiqueta; escriba el texto de la pregunta",
        ),
    ),
    # -- structure (SK6xx) -------------------------------------------------------------------------------
    "SK601": (
        (
            "min_max",
            "min ({min}) is greater than max ({max}) for {name}; swap them or fix one",
            "el mínimo ({min}) es mayor que el máximo ({max}) en {name}; intercambie los valores o corrija uno",
        ),
    ),
    "SK602": (
        (
            "no_calculation",
            "calculate {name!r} has no calculation; write one (e.g. ${{a}} + ${{b}}) or change the type",
            "el calculate {name!r} no tiene cálculo; escriba uno (p. ej. ${{a}} + ${{b}}) o cambie el tipo",
        ),
    ),
    "SK603": (
        (
            "empty_group",
            "group {name!r} is empty; add items or remove it",
            "el grupo {name!r} está vacío; agregue elementos o elimínelo",
        ),
        (
            "empty_repeat",
            "repeat {name!r} is empty; add items or remove it",
            "la repetición {name!r} está vacía; agregue elementos o elimínela",
        ),
    ),
    "SK604": (("no_questions", "the questionnaire has no questions", "el cuestionario no tiene preguntas"),),
}

#: Parts of messages worded per language: ``key: (English, Spanish)`` (with the type checker's findings).
PHRASES: dict[str, tuple[str, str]] = {
    # where an item is (SK101, SK202)
    "where.row": ("{sheet} row {row}", "{sheet}, fila {row}"),
    "where.line": ("line {line}", "línea {line}"),
    "where.pointer": ("{pointer}", "{pointer}"),
    # hints (SK201, SK401, SK408)
    "hint.none": ("", ""),
    "hint.reference": ("did you mean ${{{name}}}? ", "¿quiso decir ${{{name}}}? "),
    "hint.name": ("did you mean {name!r}? ", "¿quiso decir {name!r}? "),
    # dependency cycle steps (SK203)
    "step.inside": ("{a} is inside {b}", "{a} está dentro de {b}"),
    "step.refers": ("{a}.{field} refers to {b}", "{a}.{field} se refiere a {b}"),
    # what codes belong to (SK402, SK407, SK412, SK413)
    "of.list": ("of list {name!r}", "de la lista {name!r}"),
    "of.questionnaire_missing": (
        "of the questionnaire's missing codes",
        "de los códigos de no respuesta del cuestionario",
    ),
    "of.questionnaire": ("of the questionnaire", "del cuestionario"),
    "in.list": ("in list {name!r}", "en la lista {name!r}"),
    "in.questionnaire": ("in the questionnaire", "en el cuestionario"),
    "code.choice": ("choice {n}", "opción {n}"),
    "code.missing": ("missing code {kind}", "código de no respuesta {kind}"),
    # bounds of a constraint (SK310)
    "bounds.none": ("", ""),
    "bounds.within": (" within {range}", " dentro de {range}"),
    # texts (SK501, SK502, SK504)
    "text.title": ("the title", "el título"),
    "text.field": ("the {field} {owner}", "{field} {owner}"),
    "owner.question": ("of question {name!r}", "de la pregunta {name!r}"),
    "owner.group": ("of group {name!r}", "del grupo {name!r}"),
    "owner.repeat": ("of repeat {name!r}", "de la repetición {name!r}"),
    "field.label": ("label", "la etiqueta"),
    "field.hint": ("hint", "la ayuda"),
    "field.guidance_hint": ("guidance hint", "la guía para el encuestador"),
    "field.constraint_message": ("constraint message", "el mensaje de la restricción"),
    "field.required_message": ("required message", "el mensaje de respuesta obligatoria"),
    "field.universe": ("universe", "el universo"),
    "field.short_label": ("short label", "la etiqueta corta"),
    "text.choice": ("choice {code!r} of list {name!r}", "la opción {code!r} de la lista {name!r}"),
    "text.list_missing": (
        "missing code {code} of list {name!r}",
        "el código de no respuesta {code} de la lista {name!r}",
    ),
    "text.missing": ("missing code {code} ({kind})", "el código de no respuesta {code} ({kind})"),
    "label.choice": ("choice {code} of {name!r}", "la opción {code} de {name!r}"),
    "label.missing": ("missing code {code}", "el código de no respuesta {code}"),
    "shown.none": ("", ""),
    "shown.text": (" (the {lang!r} one is {text!r})", " (el de {lang!r} es {text!r})"),
    "how.none": ("", ""),
    "how.xlsform_title": (
        " (XLSForm: a settings column sk_title::<Language> (<code>))",
        " (XLSForm: una columna sk_title::<Idioma> (<código>) en la hoja settings)",
    ),
    # why a name is not portable (SK102; questionnaire.names.name_problem_phrase)
    "name.empty": ("it is empty; give every variable a name", "está vacío; dé un nombre a cada variable"),
    "name.reserved": (
        "'{name}' is a reserved word in {which}; rename it, e.g. to {name}_",
        "'{name}' es una palabra reservada en {which}; cambie el nombre, p. ej. a {name}_",
    ),
    "name.spss_and_stata": ("SPSS and Stata", "SPSS y Stata"),
    "name.spss": ("SPSS", "SPSS"),
    "name.stata": ("Stata", "Stata"),
    "name.too_long": (
        "it has {length} characters; Stata allows at most {max}; shorten it, e.g. to {suggestion}",
        "tiene {length} caracteres; Stata admite como máximo {max}; acórtelo, p. ej. a {suggestion}",
    ),
    "name.characters": (
        "it must be ASCII letters, digits and '_' only (SPSS and Stata); rename it, e.g. to {suggestion}",
        "solo puede tener letras ASCII, dígitos y '_' (SPSS y Stata); cambie el nombre, p. ej. a {suggestion}",
    ),
    "name.first_letter": (
        "it must start with a letter (SPSS and Stata); rename it, e.g. to {suggestion}",
        "debe empezar con una letra (SPSS y Stata); cambie el nombre, p. ej. a {suggestion}",
    ),
    # value types (SK302)
    "type.boolean": ("boolean", "booleano"),
    "type.number": ("number", "número"),
    "type.text": ("text", "texto"),
    "type.date": ("date", "fecha"),
    "type.code": ("code", "código"),
    "type.codes": ("codes", "códigos"),
    "type.any": ("any", "cualquiera"),
    "type.none": ("none", "ninguno"),
}
assert not set(PHRASES) & set(TYPECHECK_PHRASES)  # one key, one wording
PHRASES.update(TYPECHECK_PHRASES)
