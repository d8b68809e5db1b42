"""The wording of the expression parser's and type checker's findings (lint's SK301-SK309, SK411), en/es.

Each entry is ``key: (English, Spanish)``, ``str.format`` templates with the same fields; the
checker (:mod:`surveykit.questionnaire.typecheck`) and the parser name the key and the fields (their
errors' English text is the phrase rendered in English), and lint words the
finding in the language asked for (they are part of
:data:`~surveykit.questionnaire.lint_messages.PHRASES`). Expression text, function names and spec
keywords (``required``, ``select_multiple``, ``yes``/``no``) stay as written.

>>> TYPECHECK_PHRASES["tc.bare_name"][1]
'nombre suelto {name!r}: refiérase a una pregunta como ${{{name}}}'
"""

from __future__ import annotations

__all__ = ["TYPECHECK_PHRASES"]

TYPECHECK_PHRASES: dict[str, tuple[str, str]] = {
    # -- references and literals ---------------------------------------------------------------------
    "tc.note": (
        "${{{name}}} is a note and holds no value; refer to a question",
        "${{{name}}} es una nota y no guarda ningún valor; refiérase a una pregunta",
    ),
    "tc.current": (
        "'.' (the current answer) is only meaningful in a constraint, not in a {role}; refer to the question "
        "with ${{name}}",
        "'.' (la respuesta actual) solo tiene sentido en una restricción, no en {role}; refiérase a la pregunta "
        "con ${{name}}",
    ),
    "tc.parent": ("'..' is only meaningful inside position(..)", "'..' solo tiene sentido dentro de position(..)"),
    "tc.negate": ("'-' needs a number but {expr} is {type}", "'-' necesita un número pero {expr} es de tipo {type}"),
    "tc.required": (
        "required must be yes, no or a condition, not {name!r}",
        "required debe ser yes, no o una condición, no {name!r}",
    ),
    "tc.bare_name": (
        "bare name {name!r}: refer to a question as ${{{name}}}",
        "nombre suelto {name!r}: refiérase a una pregunta como ${{{name}}}",
    ),
    "tc.filter_column": (
        "{name!r} is not a column of the choice list; add the column to the choices (filters) or fix the name",
        "{name!r} no es una columna de la lista de opciones; agregue la columna a las opciones (filtros) o "
        "corrija el nombre",
    ),
    "tc.unknown_code": (
        "{value!r} is not a code of {select} (codes: {codes}); use one of its codes",
        "{value!r} no es un código de {select} (códigos: {codes}); use uno de sus códigos",
    ),
    # -- operators -----------------------------------------------------------------------------------
    "tc.joins": (
        "'{op}' joins conditions but {expr} is {type}; compare it, e.g. {expr} = ...",
        "'{op}' une condiciones pero {expr} es de tipo {type}; compárelo, p. ej. {expr} = ...",
    ),
    "tc.arithmetic": (
        "'{op}' needs numbers but {expr} is {type}{hint}",
        "'{op}' necesita números pero {expr} es de tipo {type}{hint}",
    ),
    "tc.hint_count_selected": ("; use count-selected()", "; use count-selected()"),
    "tc.compare_multiple": (
        "{select} is a select_multiple: test one answer with selected({select}, 'code') or count them with "
        "count-selected()",
        "{select} es una select_multiple: pruebe una respuesta con selected({select}, 'code') o cuéntelas con "
        "count-selected()",
    ),
    "tc.order_conditions": (
        "'{op}' compares numbers or dates, not conditions",
        "'{op}' compara números o fechas, no condiciones",
    ),
    "tc.order_text": (
        "'{op}' compares numbers or dates, but both sides are text",
        "'{op}' compara números o fechas, pero ambos lados son texto",
    ),
    "tc.compare_types": (
        "'{op}' compares {left} ({left_type}) with {right} ({right_type}); compare values of the same type",
        "'{op}' compara {left} ({left_type}) con {right} ({right_type}); compare valores del mismo tipo",
    ),
    "tc.number_vs_text": (
        "a number is compared with the text {text!r}; write a number",
        "se compara un número con el texto {text!r}; escriba un número",
    ),
    # -- functions -----------------------------------------------------------------------------------
    "tc.unknown_function": (
        "unknown function {name}(); surveykit knows {known}",
        "función desconocida {name}(); surveykit conoce {known}",
    ),
    "tc.position": (
        "position(..) cannot be evaluated on a flat table; surveykit data checks skip this expression",
        "position(..) no se puede evaluar sobre una tabla plana; las verificaciones de datos de surveykit omiten "
        "esta expresión",
    ),
    "tc.not_evaluated": (
        "{name}() is valid XLSForm but surveykit cannot evaluate it on data; the data checks skip this expression",
        "{name}() es una función XLSForm válida pero surveykit no puede evaluarla sobre los datos; las "
        "verificaciones de datos omiten esta expresión",
    ),
    "tc.arguments": ("{name}() takes {want}, got {n}", "{name}() recibe {want}, pero tiene {n}"),
    "tc.args_exact": ("{lo} arguments", "{lo} argumentos"),
    "tc.args_exact_one": ("{lo} argument", "{lo} argumento"),
    "tc.args_more": ("{lo} or more arguments", "{lo} o más argumentos"),
    "tc.args_range": ("{lo} to {hi} arguments", "de {lo} a {hi} argumentos"),
    "tc.args_range_one": ("{lo} to {hi} argument", "de {lo} a {hi} argumento"),
    "tc.expect": (
        "{fn}() needs {want} here but {expr} is {type}",
        "{fn}() necesita un valor de tipo {want} aquí pero {expr} es de tipo {type}",
    ),
    "tc.either": ("{a} or {b}", "{a} o {b}"),
    "tc.selected_question": (
        "selected() takes a question, e.g. selected(${{q}}, 'code')",
        "selected() recibe una pregunta, p. ej. selected(${{q}}, 'code')",
    ),
    "tc.selected_one": (
        "selected() is for select_multiple questions; for the select_one {target} write {target} = {value}",
        "selected() es para preguntas select_multiple; para la select_one {target} escriba {target} = {value}",
    ),
    "tc.selected_type": (
        "selected() needs a select question but {target} is {type}",
        "selected() necesita una pregunta de selección pero {target} es de tipo {type}",
    ),
    "tc.selected_literal": (
        "the code in selected() must be a literal, e.g. '1'",
        "el código en selected() debe ser un literal, p. ej. '1'",
    ),
    "tc.count_selected": (
        "count-selected() needs a select_multiple question, e.g. count-selected(${{q}}); {target} is {type}",
        "count-selected() necesita una pregunta select_multiple, p. ej. count-selected(${{q}}); {target} es de "
        "tipo {type}",
    ),
    "tc.mixes": (
        "{name}() mixes {a_type} ({a}) and {b_type} ({b}); give both the same type",
        "{name}() mezcla {a_type} ({a}) y {b_type} ({b}); dé a ambos el mismo tipo",
    ),
    "tc.if_condition": (
        "the first argument of if() must be a condition but {expr} is {type}",
        "el primer argumento de if() debe ser una condición pero {expr} es de tipo {type}",
    ),
    "tc.regex_literal": (
        "the pattern of regex() must be a literal text, e.g. '^[0-9]{{8}}$'",
        "el patrón de regex() debe ser un texto literal, p. ej. '^[0-9]{{8}}$'",
    ),
    # regex_problem's own explanation (English)
    "tc.regex_problem": ("{problem}", "{problem}"),
    "tc.date_format": (
        "date() needs 'YYYY-MM-DD', got {value!r}",
        "date() necesita 'YYYY-MM-DD' (año-mes-día), pero recibió {value!r}",
    ),
    # -- what an expression must give ----------------------------------------------------------------
    "tc.condition": (
        "{what} must be a condition (true or false) but this is {type}; compare it, e.g. {expr} = ...",
        "{what} debe ser una condición (verdadero o falso) pero esto es de tipo {type}; compárelo, p. ej. {expr} = ...",
    ),
    "tc.repeat_count": (
        "a repeat count must be a number but this is {type}",
        "un conteo de repetición debe ser un número pero esto es de tipo {type}",
    ),
    "role.relevant": ("a relevance", "una relevancia"),
    "role.constraint": ("a constraint", "una restricción"),
    "role.required": ("required", "required"),
    "role.choice_filter": ("a choice filter", "un filtro de opciones"),
    # where '.' was written: the role's name in English, with its article in Spanish
    "in.relevant": ("relevant", "una relevancia"),
    "in.constraint": ("constraint", "una restricción"),
    "in.calculation": ("calculation", "un cálculo"),
    "in.choice_filter": ("choice filter", "un filtro de opciones"),
    "in.repeat_count": ("repeat count", "un conteo de repetición"),
    "in.required": ("required", "una condición de obligatoriedad"),
    # value types with the English article ('joins conditions but x is a number')
    "type_a.boolean": ("a boolean", "booleano"),
    "type_a.number": ("a number", "número"),
    "type_a.text": ("a text", "texto"),
    "type_a.date": ("a date", "fecha"),
    "type_a.code": ("a code", "código"),
    "type_a.codes": ("codes", "códigos"),
    "type_a.any": ("a any", "cualquiera"),
    "type_a.none": ("a none", "ninguno"),
    # -- syntax errors (SK301; surveykit.questionnaire.parser) ------------------------------------------
    "syntax.error": ("expression {expression!r}: {what}", "expresión {expression!r}: {what}"),
    "syntax.nested": (
        "it is nested more than {max} levels deep; simplify it or split it into calculate questions",
        "tiene más de {max} niveles de anidamiento; simplifíquela o divídala en preguntas calculate",
    ),
    "syntax.number_digits": (
        "the number at character {at} has {digits} digits; numbers may have at most {max} (no survey value is "
        "that large)",
        "el número en el carácter {at} tiene {digits} dígitos; los números pueden tener como máximo {max} "
        "(ningún valor de encuesta es tan grande)",
    ),
    "syntax.too_long": (
        "it has {length} characters, more than the {max} allowed; split it into calculate questions",
        "tiene {length} caracteres, más de los {max} permitidos; divídala en preguntas calculate",
    ),
    "syntax.empty": (
        "it is empty; write an expression or remove the entry",
        "está vacía; escriba una expresión o quite la entrada",
    ),
    "syntax.open_text": (
        "the text starting with {quote} at character {at} is never closed; add the closing {quote}",
        "el texto que empieza con {quote} en el carácter {at} nunca se cierra; agregue el {quote} de cierre",
    ),
    "syntax.open_reference": (
        "the reference '${{' at character {at} is never closed; write ${{name}}",
        "la referencia '${{' en el carácter {at} nunca se cierra; escriba ${{name}}",
    ),
    "syntax.parentheses_deep": (
        "parentheses are nested more than {max} deep; simplify it or split it into calculate questions",
        "los paréntesis tienen más de {max} niveles de anidamiento; simplifíquela o divídala en preguntas calculate",
    ),
    "syntax.unmatched_close": (
        "the ')' at character {at} has no matching '('; remove it or add '('",
        "el ')' en el carácter {at} no tiene su '('; quítelo o agregue '('",
    ),
    "syntax.unclosed_open": (
        "the '(' at character {at} is never closed; add ')'",
        "el '(' en el carácter {at} nunca se cierra; agregue ')'",
    ),
    "syntax.hint_and_or": ("; write 'and' / 'or'", "; escriba 'and' / 'or'"),
    "syntax.hint_not": ("; write not(...) or '!='", "; escriba not(...) o '!='"),
    "syntax.hint_reference": ("; write references as ${{name}}", "; escriba las referencias como ${{name}}"),
    "syntax.unexpected_character": (
        "unexpected character {char!r} at character {at}{hint}",
        "carácter inesperado {char!r} en la posición {at}{hint}",
    ),
    "syntax.ends_before_value": (
        "it ends where a value was expected; complete the expression after the last operator",
        "termina donde se esperaba un valor; complete la expresión después del último operador",
    ),
    "syntax.ends_early": (
        "it ends too early; complete the expression",
        "termina antes de tiempo; complete la expresión",
    ),
    "syntax.value_expected": (
        "expected a value at character {at} but found {found!r}",
        "se esperaba un valor en el carácter {at} pero se encontró {found!r}",
    ),
    "syntax.operand_missing": (
        "expected a value at character {at} but found {found!r}; an operand is missing",
        "se esperaba un valor en el carácter {at} pero se encontró {found!r}; falta un operando",
    ),
    "syntax.lower_case": (
        "{word!r} at character {at} must be lower case",
        "{word!r} en el carácter {at} debe ir en minúsculas",
    ),
    "syntax.comma": (
        "unexpected ',' at character {at} outside a function call",
        "',' inesperada en el carácter {at}, fuera de una llamada a función",
    ),
    "syntax.operator_missing": (
        "an operator is missing before {found!r} at character {at} (e.g. 'and', '=', '+')",
        "falta un operador antes de {found!r} en el carácter {at} (p. ej. 'and', '=', '+')",
    ),
    "syntax.unexpected_token": (
        "unexpected {found!r} at character {at}; expected {expected}",
        "{found!r} inesperado en el carácter {at}; se esperaba {expected}",
    ),
    # what the parser expected (the words of parser._TERMINAL_WORDS)
    "token.$END": ("the end", "el final"),
    "token.RPAR": ("')'", "')'"),
    "token.LPAR": ("'('", "'('"),
    "token.COMMA": ("','", "','"),
    "token.AND": ("'and'", "'and'"),
    "token.OR": ("'or'", "'or'"),
    "token.EQ_OP": ("a comparison", "una comparación"),
    "token.REL_OP": ("a comparison", "una comparación"),
    "token.PLUS": ("'+'", "'+'"),
    "token.MINUS": ("'-'", "'-'"),
    "token.MUL_OP": ("'*', 'div' or 'mod'", "'*', 'div' o 'mod'"),
    "token.NUMBER": ("a number", "un número"),
    "token.STRING": ("a text in quotes", "un texto entre comillas"),
    "token.REF": ("a reference ${{name}}", "una referencia ${{name}}"),
    "token.DOT": ("'.'", "'.'"),
    "token.DOTDOT": ("'..'", "'..'"),
    "token.NAME": ("a name", "un nombre"),
    "token.FUNC": ("a function call", "una llamada a función"),
    "token.other": ("{name}", "{name}"),
}
