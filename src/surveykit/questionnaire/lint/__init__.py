"""Lint: every problem of a questionnaire at once, each with a code, a fix and a location.

The rules and their codes, from :data:`~surveykit.questionnaire.lint_rules.LINT_RULES` (a test keeps this
table equal to the catalogue; the table with examples is in ``docs/questionnaires.md``). SK0xx are found
while the file is read, the others by lint:

======  ========  =====================================================================================
code    severity  rule
======  ========  =====================================================================================
SK001   error     the file is not a valid spec (malformed YAML/JSON, unknown key or type, wrong value
                  type)
SK010   error     XLSForm: unknown or unsupported question type
SK011   error     XLSForm: unmatched begin/end group or repeat
SK012   error     XLSForm: a question, group or choice without a name
SK013   error     XLSForm: merged or duplicate header cells, merged data cells, a formula without a
                  saved result, no type/name column or no survey sheet
SK014   error     XLSForm: sk_min/sk_max not a number
SK101   error     a name is used twice (questions, groups and repeats share one namespace)
SK102   error     a name SPSS, Stata or XLSForm cannot hold (≤32 ASCII letters/digits/_, letter first,
                  not a reserved word)
SK103   error     two names differ only in case (SPSS names are case-insensitive)
SK104   error     a select_multiple 0/1 column ``{name}_{code}`` is not a valid name or collides
SK201   error     a reference ``${x}`` names no question
SK202   error     relevance, constraint, required, choice filter or repeat count refers to a later
                  question (warning for calculations)
SK203   error     relevance/calculation/required/choice-filter/count dependencies form a cycle
SK204   error     a reference into a repeat from outside it without an aggregate (count(), sum(), ...)
SK301   error     an expression does not parse
SK302   error     an expression does not type-check (warning where it is only suspicious)
SK303   error     an unknown function
SK304   warning   a valid XLSForm function surveykit cannot evaluate on data
SK305   error     ``.`` outside a constraint, ``..`` outside position()
SK306   error     required is neither yes/no nor a condition
SK307   error     unreachable: the relevance (own or of an enclosing group) can never be true
SK308   warning   a literal compared with a select answer is not a code of its list
SK309   error     a bare name outside a choice filter (write ``${name}``)
SK310   error     a constraint no answer can satisfy
SK401   error     a select refers to an unknown choice list
SK402   error     a code appears twice in a choice list (choices and missing codes)
SK403   error     a missing code collides with a valid code or lies inside [min, max]
SK404   warning   two choices of a list have the same label
SK405   error     a choice list has no choices
SK406   warning   a code is not a whole number (SPSS/Stata value labels need integers)
SK407   error     a code contains spaces (select_multiple answers are space-separated)
SK408   error     a question names a missing-code kind that is not defined
SK409   error     SPSS cannot declare the question's missing codes (>3 values and no range fits)
SK410   warning   a choice list is never used
SK411   error     a choice filter names a column the choice list does not have
SK412   error     missing codes: a kind defined twice, or a Stata letter missing or shared
SK413   error     a code outside Stata's integer range
SK501   error     a text is missing in a declared language (label, hint, choice label, ...; the title:
                  warning)
SK502   error     a language code is not valid BCP-47, is not declared, or the default language is not
                  among the languages
SK503   warning   a variable label too long for SPSS (256 bytes) or Stata (80 characters)
SK504   warning   a value label longer than SPSS's 120 bytes (SPSS would truncate it)
SK505   warning   a question has no label
SK601   error     min is greater than max
SK602   error     a calculate has no calculation
SK603   warning   a group or repeat is empty
SK604   warning   the questionnaire has no questions
======  ========  =====================================================================================

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", languages=["es"], items=[
...     sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=18, max=5)])
>>> [str(p) for p in q.lint()]
['/items/0/min: SK601 error: min (18) is greater than max (5) for edad; swap them or fix one']
"""

from __future__ import annotations

from ..labels import spss_missing_declaration
from .context import BCP47_PATTERN, RULES
from .driver import lint

__all__ = ["lint", "RULES", "BCP47_PATTERN", "spss_missing_declaration"]
