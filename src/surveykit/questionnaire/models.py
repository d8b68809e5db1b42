"""The questionnaire model, in three modules; this one keeps every name importable from its old place.

* :mod:`surveykit.questionnaire.items` -- questions, groups, repeats, choices and missing codes;
* :mod:`surveykit.questionnaire.views` -- :class:`QuestionInfo` and :class:`RepeatInfo`;
* :mod:`surveykit.questionnaire.questionnaire` -- :class:`Questionnaire`.

>>> from surveykit.questionnaire.models import Questionnaire, IntegerQuestion
>>> Questionnaire(id="x", languages=["es"], items=[IntegerQuestion(name="a")]).question("a").type
'integer'
"""

from __future__ import annotations

from .items import (  # noqa: F401  (re-exported, private names included for old imports)
    DEFAULT_STATA_LETTERS,
    QUESTION_CLASSES,
    CalculateQuestion,
    Choice,
    ChoiceList,
    Code,
    DateQuestion,
    DateTimeQuestion,
    DecimalQuestion,
    Group,
    IntegerQuestion,
    Item,
    LocalizedText,
    Measure,
    MetadataQuestion,
    MissingCode,
    NoteQuestion,
    OtherQuestion,
    Question,
    Repeat,
    Required,
    SelectMultipleQuestion,
    SelectOneQuestion,
    TextQuestion,
    TimeQuestion,
    VarName,
    _code,
    _localize_strings,
    _LOCALIZED_KEYS,
    _QuestionBase,
    _SpecModel,
    _Typed,
    format_validation_error,
)
from .questionnaire import Questionnaire
from .views import QuestionInfo, RepeatInfo

__all__ = [
    "LocalizedText",
    "Code",
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
    "Question",
    "Group",
    "Repeat",
    "Item",
    "Questionnaire",
    "QuestionInfo",
    "RepeatInfo",
    "DEFAULT_STATA_LETTERS",
    "format_validation_error",
]
