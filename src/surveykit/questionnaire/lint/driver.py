"""The lint driver: runs every rule family over a questionnaire and sorts what they find."""

from __future__ import annotations

from ..problems import Problem, sort_problems
from ..questionnaire import Questionnaire
from .codes import CodeRules
from .expressions import ExpressionRules
from .languages import LanguageRules
from .names import NameRules
from .references import ReferenceRules
from .structure import StructureRules
from ..services import provides

__all__ = ["lint"]


class _Linter(NameRules, ReferenceRules, ExpressionRules, CodeRules, LanguageRules, StructureRules):
    def run(self) -> list[Problem]:
        self.check_form_id()
        self.check_languages()
        self.check_has_questions()
        self.check_names()
        self.check_choice_list_names()
        self.check_choice_lists()
        self.check_missing_codes()
        self.check_items()
        self.check_select_lists()
        self.check_texts()
        self.check_expressions()  # parses: the reference, cycle and reachability rules read the trees
        self.check_references()
        self.check_cycles()
        self.check_reachability()
        return sort_problems(self.problems)


@provides("lint")
def lint(q: Questionnaire, language: str | None = "en") -> list[Problem]:
    """Every problem of ``q``, sorted by location (see the module docstring for the rules).

    ``language``: the language of the messages, ``"es"`` (or ``"es-SV"`` ...) for Spanish, anything
    else English; codes, names and expressions are the same in both.

    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="x", languages=["es"], items=[sk.TextQuestion(name="a", label={"es": "A"},
    ...                                                                           relevant="${b} = 1")])
    >>> [p.code for p in lint(q)]
    ['SK201']
    >>> print(lint(q, language="es")[0].message)
    relevant: ${b} no es una pregunta de este formulario; corrija el nombre o agregue la pregunta
    """
    return _Linter(q, language).run()
