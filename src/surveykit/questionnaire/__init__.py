"""Questionnaires as specs: models, the expression language, lint and file formats.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="mini", title={"es": "Mini"}, languages=["es"],
...                      items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=120)])
>>> q.lint()
[]
>>> sk.parse_expression("${edad} >= 18").references()
['edad']
"""

from .dependencies import Dependency, DependencyGraph
from .expression import Expr, parse_expression
from .formats import load_questionnaire
from .labels import LabelDictionaries
from .lint_rules import LINT_RULES
from .items import (
    CalculateQuestion,
    Choice,
    ChoiceList,
    DateQuestion,
    DateTimeQuestion,
    DecimalQuestion,
    Group,
    IntegerQuestion,
    MetadataQuestion,
    MissingCode,
    NoteQuestion,
    OtherQuestion,
    Repeat,
    SelectMultipleQuestion,
    SelectOneQuestion,
    TextQuestion,
    TimeQuestion,
)
from .problems import Location, Problem
from .questionnaire import Questionnaire
from .views import QuestionInfo, RepeatInfo

# the modules behind Questionnaire.lint()/to_yaml()/from_xlsform()/... and Expr.evaluate() register
# themselves on import (see services.py)
from . import evaluate as _evaluate  # noqa: E402,F401
from . import lint as _lint  # noqa: E402,F401
from .formats import codebook as _codebook, ddi as _ddi, xlsform as _xlsform, yamljson as _yamljson  # noqa: E402,F401

__all__ = [
    "Questionnaire",
    "Problem",
    "Location",
    "load_questionnaire",
    "parse_expression",
    "Expr",
    "MissingCode",
    "Choice",
    "ChoiceList",
    "SelectOneQuestion",
    "SelectMultipleQuestion",
    "IntegerQuestion",
    "DecimalQuestion",
    "TextQuestion",
    "DateQuestion",
    "TimeQuestion",
    "DateTimeQuestion",
    "CalculateQuestion",
    "NoteQuestion",
    "MetadataQuestion",
    "OtherQuestion",
    "Group",
    "Repeat",
    "QuestionInfo",
    "RepeatInfo",
    "LabelDictionaries",
    "DependencyGraph",
    "Dependency",
    "LINT_RULES",
]
