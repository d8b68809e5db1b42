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
from .models import (
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
    QuestionInfo,
    Questionnaire,
    Repeat,
    RepeatInfo,
    SelectMultipleQuestion,
    SelectOneQuestion,
    TextQuestion,
    TimeQuestion,
)
from .problems import Location, Problem

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
]
