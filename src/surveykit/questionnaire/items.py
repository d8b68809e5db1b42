"""The parts of a questionnaire: Pydantic v2 models of questions, groups, repeats, choices and missing codes.

The models check structure and types only (a field has the right type, an unknown key is a typo);
every cross-reference check is done by :meth:`surveykit.Questionnaire.lint`. The questionnaire that
holds them is in :mod:`surveykit.questionnaire.questionnaire`.

>>> IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=120).type
'integer'
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from ..errors import SpecFormatError
from .expression import Expr
from .names import NAME_PATTERN
from .problems import Problem, SourceMap, pointer

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
    "QUESTION_CLASSES",
    "DEFAULT_STATA_LETTERS",
    "format_validation_error",
]

_INT_TEXT = re.compile(r"^-?(0|[1-9][0-9]*)$")

#: Stata extended missing value used for each kind of missing code when none is given.
DEFAULT_STATA_LETTERS = {"dont_know": ".d", "refused": ".r", "not_applicable": ".n", "no_answer": ".a", "skipped": ".s"}


def _code(value: Any) -> Any:
    """Codes are integers when they look like integers (``'1'`` and ``1`` are the same code, as for
    SPSS/Stata), text otherwise (``'01'`` keeps its leading zero)."""
    if isinstance(value, bool):
        raise ValueError("a code must be a number or a text, not true/false")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INT_TEXT.match(value):
        # beyond 2**53 a number is no exact code in SPSS/Stata/float data: written as text, it stays text
        digits = len(value.lstrip("-"))
        return int(value) if digits < 16 or (digits <= 20 and abs(int(value)) <= 2**53) else value
    if isinstance(value, int) and abs(value) > 2**53:
        raise ValueError(
            f"the code {value} is beyond 2**53, which SPSS, Stata and numeric data cannot hold "
            "exactly; use a smaller code, or write it in quotes as a text code"
        )
    if isinstance(value, float):
        return repr(value)  # e.g. 97.5: kept as its text, lint tells that SPSS/Stata need whole numbers
    return value


def _name_schema(schema: dict[str, Any]) -> None:
    # documented in the JSON Schema (editors flag it) but enforced by lint, so a bad name still loads
    schema["pattern"] = NAME_PATTERN
    schema["description"] = "A variable name SPSS, Stata and XLSForm all accept (lint checks it)."


#: Text in several languages: BCP-47 code -> text.
LocalizedText = dict[str, str]
#: A choice or missing code: an integer, or a text such as ``"01"``.
Code = Annotated[Union[int, str], BeforeValidator(_code)]
VarName = Annotated[str, Field(min_length=1, json_schema_extra=_name_schema)]


def _loc_to_text(loc: tuple[Any, ...]) -> str:
    return pointer(*loc) if loc else "/"


def format_validation_error(
    exc: ValidationError, data: Any = None, source: SourceMap | None = None
) -> tuple[str, list[Problem]]:
    """Turn a pydantic ``ValidationError`` into located :class:`Problem` s and one message.

    Discriminator tags pydantic puts in error locations (``('items', 3, 'integer', 'min')``) are
    dropped by following the input data, so pointers match the file.
    """
    problems: list[Problem] = []
    for err in exc.errors():
        parts: list[Any] = []
        node = data
        for part in err["loc"]:
            if isinstance(node, dict) and part in node:
                parts.append(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                parts.append(part)
                node = node[part]
            elif node is None and data is None:
                parts.append(part)
            # else: a union tag or validator name, not a place in the data
        ptr = pointer(*parts)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = (
                (
                    f"unknown key {parts[-1]!r}; check its spelling (see the JSON Schema from "
                    "Questionnaire.json_schema())"
                )
                if parts
                else msg
            )
        elif err["type"] == "union_tag_invalid":
            ctx = err.get("ctx", {})
            msg = f"unknown type {ctx.get('tag')!r}; use one of {ctx.get('expected_tags')}"
        elif err["type"] == "union_tag_not_found":
            msg = "every item needs a 'type' (e.g. integer, select_one, group)"
        elif err["type"] == "missing":
            msg = (
                f"{parts[-1] if parts else 'a value'} is required here"
                if not err["loc"]
                else f"the key {err['loc'][-1]!r} is required"
            )
        elif err["type"] in ("dict_type", "model_type") and parts and parts[-1] in _LOCALIZED_KEYS:
            msg = f"{msg}; write labels as {{language: text}}, e.g. {{es: 'Edad'}}"
        location = source.locate(ptr) if source else None
        from .problems import Location

        problems.append(Problem.of("SK001", msg, location or Location(pointer=ptr)))
    lines = [f"{p.location}: {p.message}" for p in problems]
    head = f"the questionnaire spec is not valid ({len(problems)} problem{'s' if len(problems) != 1 else ''})"
    return head + ":\n  " + "\n  ".join(lines), problems


class _SpecModel(BaseModel):
    """Base of every spec model: unknown keys are errors; construction errors are SpecFormatError."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, populate_by_name=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            message, problems = format_validation_error(exc, data)
            raise SpecFormatError(f"{type(self).__name__}: {message}", problems=problems) from None

    # validation (model_validate, nested models) must not go through this __init__: only direct
    # construction in Python turns pydantic's ValidationError into a SpecFormatError
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class _Typed(_SpecModel):
    """Items are told apart by ``type``: it is always written, even where it has its default."""

    @model_serializer(mode="wrap")
    def _keep_type(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and "type" not in data:
            data = {"type": self.type, **data}  # type: ignore[attr-defined]
        return data


# ------------------------------------------------------------------------------------------------
# missing codes and choices
# ------------------------------------------------------------------------------------------------


class MissingCode(_SpecModel):
    """A special code for an answer that is not a substantive value.

    Attributes
    ----------
    kind
        What it means: ``dont_know``, ``refused``, ``not_applicable``, ``no_answer``, ``skipped`` or
        another identifier of your own.
    code
        The code stored in the data and declared user-missing in SPSS (e.g. 98, 99, -8, -9).
    label
        Its label per language.
    stata
        Its Stata extended missing value (``".d"``); defaults by kind (see :data:`DEFAULT_STATA_LETTERS`).

    >>> MissingCode(kind="dont_know", code=98, label={"es": "No sabe"}).stata_letter
    '.d'
    """

    kind: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    code: Code
    label: LocalizedText = {}
    stata: str | None = Field(default=None, pattern=r"^\.[a-z]$")

    @property
    def stata_letter(self) -> str | None:
        """The Stata extended missing value: ``stata`` if given, else the default of the kind."""
        return self.stata or DEFAULT_STATA_LETTERS.get(self.kind)


class Choice(_SpecModel):
    """One answer of a choice list: its ``code``, ``label`` per language and ``filters`` (the columns a
    ``choice_filter`` reads, e.g. ``{"departamento": "1"}``)."""

    code: Code
    label: LocalizedText = {}
    filters: dict[str, str] = {}
    extra: dict[str, str] = {}


class ChoiceList(_SpecModel):
    """A list of choices shared by select questions; its name is its key in
    :attr:`Questionnaire.choice_lists`. ``missing`` holds the list's own missing codes (e.g. 9 = NS/NR
    for a one-digit list); they are offered as answers in XLSForm and declared missing in SPSS/Stata.
    ``ordered`` marks an ordinal scale (SPSS measure ordinal)."""

    choices: list[Choice] = []
    missing: list[MissingCode] = []
    ordered: bool = False

    def codes(self) -> list[Any]:
        """The substantive codes, in order.

        >>> ChoiceList(choices=[Choice(code=1), Choice(code="2")]).codes()
        [1, 2]
        """
        return [c.code for c in self.choices]


# ------------------------------------------------------------------------------------------------
# questions
# ------------------------------------------------------------------------------------------------


def _required(value: Any) -> Any:
    """``required`` is yes/no (bool) or a condition (Expr); XLSForm spellings are accepted."""
    if isinstance(value, (bool, Expr)):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("yes", "true", "true()", "1", "y", "sí", "si"):
            return True
        if word in ("no", "false", "false()", "0", "n", ""):
            return False
        return Expr(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise ValueError("required must be yes, no or a condition")


Required = Annotated[Union[bool, Expr], BeforeValidator(_required)]
Measure = Literal["nominal", "ordinal", "scale"]


class _QuestionBase(_Typed):
    """Fields every question has."""

    type: str
    name: VarName
    label: LocalizedText = {}
    short_label: LocalizedText = {}
    hint: LocalizedText = {}
    guidance_hint: LocalizedText = {}
    relevant: Expr | None = None
    constraint: Expr | None = None
    constraint_message: LocalizedText = {}
    required: Required = False
    required_message: LocalizedText = {}
    default: str | None = None
    read_only: bool = False
    appearance: str | None = None
    universe: LocalizedText = {}
    concept: str | None = None
    missing: list[str] | None = None
    measure: Measure | None = None
    extra: dict[str, str] = {}

    stores_value: ClassVar[bool] = True
    is_select: ClassVar[bool] = False


class SelectOneQuestion(_QuestionBase):
    """One answer from a choice list (``choices`` is the list's name)."""

    type: Literal["select_one"] = "select_one"
    choices: VarName
    choice_filter: Expr | None = None
    is_select: ClassVar[bool] = True


class SelectMultipleQuestion(_QuestionBase):
    """Any number of answers from a choice list. In tables: one 0/1 column ``{name}_{code}`` per
    choice (SPSS/Stata), or one text column ``{name}`` of space-separated codes (ODK CSV)."""

    type: Literal["select_multiple"] = "select_multiple"
    choices: VarName
    choice_filter: Expr | None = None
    is_select: ClassVar[bool] = True


#: integer bounds must be exact as floats (data columns are compared as float64)
_Bound = Annotated[int, Field(ge=-(2**53), le=2**53)]


class IntegerQuestion(_QuestionBase):
    """A whole number between ``min`` and ``max`` (inclusive, both optional), in ``unit``."""

    type: Literal["integer"] = "integer"
    min: _Bound | None = None
    max: _Bound | None = None
    unit: str | None = None


class DecimalQuestion(_QuestionBase):
    """A number between ``min`` and ``max`` (inclusive, both optional), in ``unit``."""

    type: Literal["decimal"] = "decimal"
    min: float | None = None
    max: float | None = None
    unit: str | None = None


class TextQuestion(_QuestionBase):
    """Free text."""

    type: Literal["text"] = "text"


class DateQuestion(_QuestionBase):
    """A calendar date."""

    type: Literal["date"] = "date"


class TimeQuestion(_QuestionBase):
    """A time of day."""

    type: Literal["time"] = "time"


class DateTimeQuestion(_QuestionBase):
    """A date and time (XLSForm ``dateTime``)."""

    type: Literal["datetime"] = "datetime"


class CalculateQuestion(_QuestionBase):
    """A value computed from other answers by ``calculation``; ``result_type`` says what it yields."""

    type: Literal["calculate"] = "calculate"
    calculation: Expr | None = None
    result_type: Literal["integer", "decimal", "text", "boolean", "date"] | None = None


class NoteQuestion(_QuestionBase):
    """Text shown to the interviewer; stores no value."""

    type: Literal["note"] = "note"
    stores_value: ClassVar[bool] = False


class MetadataQuestion(_QuestionBase):
    """Collected automatically by the device (interview start/end, device id, ...)."""

    type: Literal[
        "start", "end", "today", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "email", "audit"
    ]


#: The metadata types (collected by the device, never asked): one list for lint, formats and checks.
METADATA_TYPES: frozenset[str] = frozenset(MetadataQuestion.model_fields["type"].annotation.__args__)  # type: ignore[union-attr]


class OtherQuestion(_QuestionBase):
    """An XLSForm question type surveykit keeps as is but does not analyse (GPS, media, barcode,
    range, ...); ``parameters`` holds the XLSForm parameters column."""

    type: Literal[
        "geopoint",
        "geotrace",
        "geoshape",
        "image",
        "audio",
        "video",
        "file",
        "barcode",
        "acknowledge",
        "range",
        "hidden",
        "background-audio",
        "start-geopoint",
        "xml-external",
        "csv-external",
    ]
    parameters: str | None = None


class Group(_Typed):
    """A section or group of items; its ``relevant`` applies to everything inside."""

    type: Literal["group"] = "group"
    name: VarName
    label: LocalizedText = {}
    hint: LocalizedText = {}
    relevant: Expr | None = None
    appearance: str | None = None
    universe: LocalizedText = {}
    concept: str | None = None
    extra: dict[str, str] = {}
    children: list[Item] = []


class Repeat(_Typed):
    """Items asked once per member of a unit below the main one (household roster, incidents): in
    the data, a table of its own, one row per instance. ``count`` is the number of instances (e.g.
    ``${n_personas}``); ``unit`` names the unit (``"person"``, ``"incident"``)."""

    type: Literal["repeat"] = "repeat"
    name: VarName
    label: LocalizedText = {}
    hint: LocalizedText = {}
    relevant: Expr | None = None
    count: Expr | None = None
    unit: str | None = None
    appearance: str | None = None
    universe: LocalizedText = {}
    concept: str | None = None
    extra: dict[str, str] = {}
    children: list[Item] = []


Question = Annotated[
    Union[
        SelectOneQuestion,
        SelectMultipleQuestion,
        IntegerQuestion,
        DecimalQuestion,
        TextQuestion,
        DateQuestion,
        TimeQuestion,
        DateTimeQuestion,
        CalculateQuestion,
        NoteQuestion,
        MetadataQuestion,
        OtherQuestion,
    ],
    Field(discriminator="type"),
]
Item = Annotated[
    Union[
        Group,
        Repeat,
        SelectOneQuestion,
        SelectMultipleQuestion,
        IntegerQuestion,
        DecimalQuestion,
        TextQuestion,
        DateQuestion,
        TimeQuestion,
        DateTimeQuestion,
        CalculateQuestion,
        NoteQuestion,
        MetadataQuestion,
        OtherQuestion,
    ],
    Field(discriminator="type"),
]
Group.model_rebuild()
Repeat.model_rebuild()

QUESTION_CLASSES: tuple[type[_QuestionBase], ...] = (
    SelectOneQuestion,
    SelectMultipleQuestion,
    IntegerQuestion,
    DecimalQuestion,
    TextQuestion,
    DateQuestion,
    TimeQuestion,
    DateTimeQuestion,
    CalculateQuestion,
    NoteQuestion,
    MetadataQuestion,
    OtherQuestion,
)

_LOCALIZED_KEYS = frozenset(
    {
        "label",
        "short_label",
        "hint",
        "guidance_hint",
        "constraint_message",
        "required_message",
        "universe",
        "title",
        "description",
    }
)


def _localize_strings(data: Any, lang: str, depth: int = 0) -> Any:
    """In raw spec data, turn plain-string labels into ``{lang: text}`` (YAML convenience)."""
    if depth > 200:  # deeper than any questionnaire; the loader bounds nesting before this
        return data
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if k in _LOCALIZED_KEYS and isinstance(v, str):
                out[k] = {lang: v}
            elif isinstance(v, (dict, list)) and k not in ("extra", "filters", "settings", "language_names"):
                out[k] = _localize_strings(v, lang, depth + 1)
            else:
                out[k] = v
        return out
    if isinstance(data, list):
        return [_localize_strings(v, lang, depth + 1) for v in data]
    return data
