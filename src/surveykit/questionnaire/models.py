"""The questionnaire model: Pydantic v2 classes for questions, groups, repeats, choices and missing codes.

The models check structure and types only (a field has the right type, an unknown key is a typo);
every cross-reference check -- duplicate names, unknown references, cycles, codes, labels -- is done by
:meth:`Questionnaire.lint`, which reports all problems at once with their location. So a spec with
problems still loads, and the designer sees everything that is wrong in one pass.

Labels are dicts from a BCP-47 language code to text (``{"es": "Edad", "en": "Age"}``); in a YAML/JSON
file a plain string is accepted and taken to be in the default language.

>>> import surveykit as sk
>>> q = sk.Questionnaire(
...     id="demo", title={"es": "Demostración"}, languages=["es"],
...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí"}),
...                                                   sk.Choice(code=2, label={"es": "No"})])},
...     items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=120),
...            sk.SelectOneQuestion(name="trabaja", label={"es": "¿Trabaja?"}, choices="sino",
...                                 relevant="${edad} >= 15")])
>>> [(x.name, x.type) for x in q.questions()]
[('edad', 'integer'), ('trabaja', 'select_one')]
>>> q.question("trabaja").relevant
Expr('${edad} >= 15')
>>> q.lint()
[]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from ..errors import QuestionnaireError, SpecFormatError
from .expression import Expr
from .names import NAME_PATTERN
from .problems import Problem, SourceMap, pointer

if TYPE_CHECKING:  # pragma: no cover
    from .dependencies import DependencyGraph
    from .labels import LabelDictionaries

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

_INT_TEXT = re.compile(r"^-?(0|[1-9][0-9]*)$")

#: Stata extended missing value used for each kind of missing code when none is given.
DEFAULT_STATA_LETTERS = {"dont_know": ".d", "refused": ".r", "not_applicable": ".n", "no_answer": ".a",
                         "skipped": ".s"}


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
        raise ValueError(f"the code {value} is beyond 2**53, which SPSS, Stata and numeric data cannot hold "
                         "exactly; use a smaller code, or write it in quotes as a text code")
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


def format_validation_error(exc: ValidationError, data: Any = None,
                            source: SourceMap | None = None) -> tuple[str, list[Problem]]:
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
            msg = (f"unknown key {parts[-1]!r}; check its spelling (see the JSON Schema from "
                   "Questionnaire.json_schema())") if parts else msg
        elif err["type"] == "union_tag_invalid":
            ctx = err.get("ctx", {})
            msg = f"unknown type {ctx.get('tag')!r}; use one of {ctx.get('expected_tags')}"
        elif err["type"] == "union_tag_not_found":
            msg = "every item needs a 'type' (e.g. integer, select_one, group)"
        elif err["type"] == "missing":
            msg = f"{parts[-1] if parts else 'a value'} is required here" if not err["loc"] else \
                f"the key {err['loc'][-1]!r} is required"
        elif err["type"] in ("dict_type", "model_type") and parts and parts[-1] in _LOCALIZED_KEYS:
            msg = f"{msg}; write labels as {{language: text}}, e.g. {{es: 'Edad'}}"
        location = source.locate(ptr) if source else None
        from .problems import Location

        problems.append(Problem("SK001", "error", msg, location or Location(pointer=ptr)))
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

    type: Literal["start", "end", "today", "deviceid", "username", "phonenumber", "simserial",
                  "subscriberid", "email", "audit"]


class OtherQuestion(_QuestionBase):
    """An XLSForm question type surveykit keeps as is but does not analyse (GPS, media, barcode,
    range, ...); ``parameters`` holds the XLSForm parameters column."""

    type: Literal["geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "barcode",
                  "acknowledge", "range", "hidden", "background-audio", "start-geopoint",
                  "xml-external", "csv-external"]
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
    Union[SelectOneQuestion, SelectMultipleQuestion, IntegerQuestion, DecimalQuestion, TextQuestion,
          DateQuestion, TimeQuestion, DateTimeQuestion, CalculateQuestion, NoteQuestion,
          MetadataQuestion, OtherQuestion],
    Field(discriminator="type"),
]
Item = Annotated[
    Union[Group, Repeat, SelectOneQuestion, SelectMultipleQuestion, IntegerQuestion, DecimalQuestion,
          TextQuestion, DateQuestion, TimeQuestion, DateTimeQuestion, CalculateQuestion, NoteQuestion,
          MetadataQuestion, OtherQuestion],
    Field(discriminator="type"),
]
Group.model_rebuild()
Repeat.model_rebuild()

QUESTION_CLASSES: tuple[type[_QuestionBase], ...] = (
    SelectOneQuestion, SelectMultipleQuestion, IntegerQuestion, DecimalQuestion, TextQuestion,
    DateQuestion, TimeQuestion, DateTimeQuestion, CalculateQuestion, NoteQuestion, MetadataQuestion,
    OtherQuestion)

_LOCALIZED_KEYS = frozenset({"label", "short_label", "hint", "guidance_hint", "constraint_message", "required_message",
                             "universe", "title", "description"})


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


# ------------------------------------------------------------------------------------------------
# flattened views
# ------------------------------------------------------------------------------------------------

class QuestionInfo:
    """A question as seen in the whole form: the model plus where it sits.

    Attributes
    ----------
    model
        The question model (e.g. :class:`IntegerQuestion`).
    group_path
        Names of the groups and repeats enclosing it, outermost first.
    repeat
        Name of the innermost repeat it belongs to (its unit), ``None`` for the main unit.
    repeat_path
        Names of all enclosing repeats, outermost first.
    inherited_relevant
        Relevance expressions of the enclosing groups/repeats (outermost first): the question is asked
        only where all of them and its own ``relevant`` hold.
    pointer
        JSON pointer of the question in the spec.
    index
        Position in form order (0-based, over questions only).
    missing
        The missing codes valid for this question (see :meth:`Questionnaire.missing_codes_for`).

    Every field of the model is available as an attribute too; fields a type lacks read as ``None``
    (``calculation``, ``choices``, ``min``, ``max``, ``choice_filter``, ``unit``).
    """

    __slots__ = ("model", "group_path", "repeat", "repeat_path", "inherited_relevant", "pointer",
                 "index", "missing", "_questionnaire")

    def __init__(self, model: _QuestionBase, group_path: tuple[str, ...], repeat_path: tuple[str, ...],
                 inherited_relevant: tuple[Expr, ...], ptr: str, index: int,
                 missing: list[MissingCode], questionnaire: Questionnaire) -> None:
        self.model = model
        self.group_path = group_path
        self.repeat_path = repeat_path
        self.repeat = repeat_path[-1] if repeat_path else None
        self.inherited_relevant = inherited_relevant
        self.pointer = ptr
        self.index = index
        self.missing = missing
        self._questionnaire = questionnaire

    _OPTIONAL = ("calculation", "choices", "min", "max", "choice_filter", "unit", "result_type",
                 "parameters")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        model = object.__getattribute__(self, "model")
        if name in type(model).model_fields:
            return getattr(model, name)
        if name in QuestionInfo._OPTIONAL:
            return None
        raise AttributeError(f"{type(model).__name__} {model.name!r} has no attribute {name!r}")

    def __repr__(self) -> str:
        where = f" in repeat {self.repeat!r}" if self.repeat else ""
        return f"<QuestionInfo {self.model.name!r} ({self.model.type}){where}>"

    @property
    def stores_value(self) -> bool:
        """Whether the question has a column in the data (notes do not)."""
        return self.model.stores_value

    @property
    def choice_list(self) -> ChoiceList | None:
        """The question's choice list (``None`` if it is not a select or the list is unknown)."""
        name = getattr(self.model, "choices", None)
        return self._questionnaire.choice_lists.get(name) if name else None

    def choice_codes(self) -> list[Any]:
        """The substantive codes of its choice list ([] for non-selects)."""
        lst = self.choice_list
        return lst.codes() if lst else []

    def value_type(self) -> str:
        """``numeric``, ``string``, ``date``, ``time`` or ``datetime``: how the variable is stored.

        Selects are numeric when all their codes (missing codes included) are integers.
        """
        t = self.model.type
        if t in ("integer", "decimal"):
            return "numeric"
        if t in ("select_one", "select_multiple"):
            codes = self.choice_codes() + [m.code for m in self.missing]
            return "numeric" if codes and all(isinstance(c, int) for c in codes) else "string"
        if t == "calculate":
            rt = self.model.result_type
            return {"integer": "numeric", "decimal": "numeric", "boolean": "numeric",
                    "date": "date"}.get(rt or "", "string")
        if t in ("date", "today"):
            return "date"
        if t == "time":
            return "time"
        if t in ("datetime", "start", "end"):
            return "datetime"
        return "string"

    def measure_level(self) -> str:
        """SPSS measure: the question's ``measure`` if set, else ordinal for ordered lists, nominal
        for other selects and text, scale for numbers."""
        if self.model.measure:
            return self.model.measure
        if self.model.type in ("select_one", "select_multiple"):
            lst = self.choice_list
            return "ordinal" if lst is not None and lst.ordered and self.model.type == "select_one" \
                else "nominal"
        return "scale" if self.value_type() == "numeric" else "nominal"

    def columns(self, layout: str = "binary") -> list[str]:
        """Names of the question's columns in a table.

        For select_multiple, ``layout="binary"`` gives one 0/1 column ``{name}_{code}`` per choice,
        ``"text"`` the single column of space-separated codes, ``"both"`` both; other questions have
        one column named after them (notes none).
        """
        if not self.stores_value:
            return []
        name = self.model.name
        if self.model.type != "select_multiple":
            return [name]
        binary = [f"{name}_{c}" for c in self.choice_codes()]
        return {"binary": binary, "text": [name], "both": [name, *binary]}[layout]


class RepeatInfo:
    """A repeat (a unit below the main one) as seen in the whole form.

    Attributes: ``model``, ``name``, ``label``, ``count``, ``unit``, ``parent`` (enclosing repeat or
    ``None``), ``group_path``, ``pointer``, ``questions`` (names of the questions of this unit, not of
    nested repeats).
    """

    __slots__ = ("model", "parent", "group_path", "pointer", "questions")

    def __init__(self, model: Repeat, parent: str | None, group_path: tuple[str, ...], ptr: str) -> None:
        self.model = model
        self.parent = parent
        self.group_path = group_path
        self.pointer = ptr
        self.questions: list[str] = []

    name = property(lambda self: self.model.name)
    label = property(lambda self: self.model.label)
    count = property(lambda self: self.model.count)
    unit = property(lambda self: self.model.unit)
    relevant = property(lambda self: self.model.relevant)

    def __repr__(self) -> str:
        return f"<RepeatInfo {self.name!r}: {len(self.questions)} questions>"


# ------------------------------------------------------------------------------------------------
# the questionnaire
# ------------------------------------------------------------------------------------------------

class Questionnaire(_SpecModel):
    """A questionnaire: metadata, missing codes, choice lists and items (questions, groups, repeats).

    Attributes
    ----------
    id
        Form identifier (XLSForm ``form_id``), a portable name.
    title
        Title per language.
    version
        Version text (XLSForm ``version``); keep one per fielded wave.
    languages
        BCP-47 codes of the languages every label must have, e.g. ``["es", "en"]``.
    default_language
        The language shown first; defaults to the first of ``languages``.
    language_names
        Display names used in XLSForm headers (``{"es": "Español"}`` gives ``label::Español (es)``).
    unit
        Name of the main unit (one row per ...), e.g. ``"household"``.
    missing_codes
        Missing codes for the whole questionnaire (applied by default to integer and decimal
        questions; selects use their list's own); see :meth:`missing_codes_for`.
    choice_lists
        Choice lists by name.
    items
        Questions, groups and repeats in form order.
    settings
        Other XLSForm settings kept verbatim (``instance_name``, ``style``, ...).
    """

    id: VarName
    title: LocalizedText = {}
    version: str = "1"
    languages: list[str] = Field(min_length=1)
    default_language: str | None = None
    language_names: dict[str, str] = {}
    unit: str | None = None
    description: LocalizedText = {}
    missing_codes: list[MissingCode] = []
    choice_lists: dict[str, ChoiceList] = {}
    items: list[Item] = []
    settings: dict[str, str] = {}

    _source: SourceMap | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # equal content; where it was loaded from (the private source map) does not matter
        if not isinstance(other, Questionnaire):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  (mutable)

    @model_validator(mode="before")
    @classmethod
    def _plain_labels(cls, data: Any) -> Any:
        if isinstance(data, dict):
            langs = data.get("languages")
            if isinstance(langs, str):
                data = {**data, "languages": [langs]}
                langs = data["languages"]
            lang = data.get("default_language")
            if not isinstance(lang, str) and isinstance(langs, list) and langs and isinstance(langs[0], str):
                lang = langs[0]
            if isinstance(lang, str):
                data = _localize_strings(data, lang)
            if isinstance(data.get("version"), (int, float)) and not isinstance(data.get("version"), bool):
                data = {**data, "version": str(data["version"])}
        return data

    # -- basic facts -------------------------------------------------------------------------
    @property
    def main_language(self) -> str:
        """``default_language``, or the first of ``languages``."""
        return self.default_language or self.languages[0]

    @property
    def source(self) -> SourceMap | None:
        """Where the questionnaire was loaded from (file positions of its parts), or ``None``."""
        return self._source

    def walk(self) -> Iterator[tuple[str, Any, tuple[Group | Repeat, ...]]]:
        """Every item in form order as ``(pointer, item, enclosing groups/repeats)``.

        >>> q = Questionnaire(id="x", languages=["es"], items=[Group(name="g", children=[TextQuestion(name="t")])])
        >>> [(p, i.name) for p, i, _ in q.walk()]
        [('/items/0', 'g'), ('/items/0/children/0', 't')]
        """
        stack: list[tuple[str, Any, tuple]] = [
            (pointer("items", i), item, ()) for i, item in reversed(list(enumerate(self.items)))]
        while stack:
            ptr, item, parents = stack.pop()
            yield ptr, item, parents
            if isinstance(item, (Group, Repeat)):
                inner = (*parents, item)
                stack.extend((f"{ptr}/children/{i}", child, inner)
                             for i, child in reversed(list(enumerate(item.children))))

    def missing_codes_for(self, question: _QuestionBase) -> list[MissingCode]:
        """The missing codes valid for ``question``.

        With ``question.missing`` set (a list of kinds), those kinds, looked up first in the
        question's choice list, then at questionnaire level. Otherwise: a select's list's own missing
        codes; the questionnaire's for integer and decimal questions; none for other types.

        >>> q = Questionnaire(id="x", languages=["es"], missing_codes=[MissingCode(kind="refused", code=-9)],
        ...                   items=[IntegerQuestion(name="edad"), TextQuestion(name="obs")])
        >>> [m.code for m in q.missing_codes_for(q.items[0])], q.missing_codes_for(q.items[1])
        ([-9], [])
        """
        lst = self.choice_lists.get(question.choices) if getattr(question, "choices", None) else None
        if question.missing is not None:
            available = {m.kind: m for m in self.missing_codes}
            if lst is not None:
                available.update({m.kind: m for m in lst.missing})
            return [available[k] for k in question.missing if k in available]
        if question.is_select:
            return list(lst.missing) if lst is not None else []
        if question.type in ("integer", "decimal"):
            return list(self.missing_codes)
        return []

    def _info(self, item: Any, parents: tuple, ptr: str, index: int) -> QuestionInfo:
        return QuestionInfo(item, tuple(p.name for p in parents),
                            tuple(p.name for p in parents if isinstance(p, Repeat)),
                            tuple(p.relevant for p in parents if p.relevant is not None),
                            ptr, index, self.missing_codes_for(item), self)

    def questions(self) -> list[QuestionInfo]:
        """Every question in form order, through groups and repeats, with its group path, repeat
        (unit) and inherited relevance.

        >>> q = Questionnaire(id="x", languages=["es"], items=[
        ...     IntegerQuestion(name="n"),
        ...     Repeat(name="personas", count="${n}", children=[IntegerQuestion(name="edad")])])
        >>> [(x.name, x.repeat, x.group_path) for x in q.questions()]
        [('n', None, ()), ('edad', 'personas', ('personas',))]
        """
        out: list[QuestionInfo] = []
        for ptr, item, parents in self.walk():
            if isinstance(item, (Group, Repeat)):
                continue
            out.append(self._info(item, parents, ptr, len(out)))
        return out

    def question(self, name: str) -> QuestionInfo:
        """The question called ``name``; :class:`~surveykit.QuestionnaireError` if there is none.

        >>> Questionnaire(id="x", languages=["es"], items=[TextQuestion(name="obs")]).question("obs").type
        'text'
        """
        index = 0
        for ptr, item, parents in self.walk():  # one walk, one view built (called per expression)
            if isinstance(item, (Group, Repeat)):
                continue
            if item.name == name:
                return self._info(item, parents, ptr, index)
            index += 1
        names = [x.model.name for x in self.questions()]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise QuestionnaireError(f"questionnaire {self.id!r} has no question named {name!r}{hint}",
                                 question=name)

    def repeats(self) -> list[RepeatInfo]:
        """Every repeat (unit below the main one) in form order, with the questions of its unit.

        >>> q = Questionnaire(id="x", languages=["es"], items=[
        ...     Repeat(name="personas", unit="person", children=[IntegerQuestion(name="edad")])])
        >>> [(r.name, r.unit, r.questions) for r in q.repeats()]
        [('personas', 'person', ['edad'])]
        """
        infos: dict[str, RepeatInfo] = {}
        ordered: list[RepeatInfo] = []
        for ptr, item, parents in self.walk():
            enclosing = [p for p in parents if isinstance(p, Repeat)]
            if isinstance(item, Repeat):
                info = RepeatInfo(item, enclosing[-1].name if enclosing else None,
                                  tuple(p.name for p in parents), ptr)
                ordered.append(info)
                infos.setdefault(item.name, info)
            elif not isinstance(item, Group) and enclosing:
                owner = infos.get(enclosing[-1].name)
                if owner is not None:
                    owner.questions.append(item.name)
        return ordered

    def dependencies(self) -> DependencyGraph:
        """The question dependency graph: what each item's relevance, calculation, required,
        constraint, choice filter and repeat count refer to, and the groups/repeats it is inside; with
        a topological ``order`` and the ``cycles`` (see :mod:`surveykit.questionnaire.dependencies`).

        >>> q = Questionnaire(id="x", languages=["es"], items=[
        ...     IntegerQuestion(name="a", relevant="${b} = 1"), IntegerQuestion(name="b")])
        >>> g = q.dependencies()
        >>> g.order, g.parents("a"), g.cycles
        (['b', 'a'], ['b'], [])
        """
        from .dependencies import dependency_graph

        return dependency_graph(self)

    # -- lint ----------------------------------------------------------------------------------
    def lint(self) -> list[Problem]:
        """Every problem of the spec at once, sorted by location (see ``docs/questionnaires.md`` for
        the rules and their codes).

        >>> q = Questionnaire(id="x", languages=["es"], items=[
        ...     CalculateQuestion(name="total", calculation="${total} + 1")])
        >>> [(p.code, p.message) for p in q.lint()]
        [('SK203', 'cycle: total -> total (total.calculation refers to total); break it so no question depends on itself')]
        """
        from .lint import lint

        return lint(self)

    # -- formats -------------------------------------------------------------------------------
    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the spec format (for editor completion and validation of YAML/JSON).

        >>> Questionnaire.json_schema()["title"]
        'Questionnaire'
        """
        return cls.model_json_schema(by_alias=True)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (defaults left out), in a stable key order.

        >>> Questionnaire(id="x", languages=["es"]).to_dict()
        {'id': 'x', 'languages': ['es']}
        """
        return self.model_dump(mode="json", exclude_defaults=True, by_alias=True)

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Write the spec as YAML (deterministic; ``load_questionnaire`` reads it back equal).

        Parameters
        ----------
        path
            File to write (UTF-8); ``None`` only returns the text.

        Returns
        -------
        str
            The YAML text.

        Examples
        --------
        >>> print(Questionnaire(id="x", languages=["es"], items=[NoteQuestion(name="hola")]).to_yaml(), end="")
        id: x
        languages:
        - es
        items:
        - type: note
          name: hola
        """
        from .formats.yamljson import dump_yaml

        return dump_yaml(self, path)

    def to_json(self, path: str | Path | None = None) -> str:
        """Write the spec as JSON; returns the text and writes it to ``path`` when given.

        >>> import json
        >>> json.loads(Questionnaire(id="x", languages=["es"]).to_json())
        {'id': 'x', 'languages': ['es']}
        """
        from .formats.yamljson import dump_json

        return dump_json(self, path)

    def to_xlsform(self, path: str | Path) -> Path:
        """Write an XLSForm workbook (survey, choices, settings sheets) that pyxform converts and
        :meth:`from_xlsform` reads back equal; surveykit-only fields go in ``sk_*`` columns.

        Parameters
        ----------
        path
            The .xlsx file to write.

        Returns
        -------
        pathlib.Path
            The path written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> q = Questionnaire(id="x", languages=["es", "en"],
        ...                   items=[TextQuestion(name="obs", label={"es": "Observaciones", "en": "Remarks"})])
        >>> path = q.to_xlsform(pathlib.Path(tempfile.mkdtemp()) / "x.xlsx")
        >>> Questionnaire.from_xlsform(path) == q
        True
        """
        from .formats.xlsform import write_xlsform

        return write_xlsform(self, path)

    @classmethod
    def from_xlsform(cls, path: str | Path) -> Questionnaire:
        """Read an XLSForm workbook (.xlsx), keeping each part's sheet, row and column for lint.

        Raises :class:`~surveykit.SpecFormatError` listing every row that cannot be read (see
        :mod:`surveykit.questionnaire.formats.xlsform`); the example of :meth:`to_xlsform` reads one back.
        """
        from .formats.xlsform import read_xlsform

        return read_xlsform(path)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Questionnaire:
        """Read a YAML spec (safe load), keeping line numbers for lint.

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
        >>> _ = path.write_text("id: x\\nlanguages: [es]\\nitems: [{type: integer, name: a, label: A, min: 9, max: 1}]\\n")
        >>> [(p.code, p.location.line) for p in Questionnaire.from_yaml(path).lint()]
        [('SK601', 3)]
        """
        from .formats.yamljson import load_yaml

        return load_yaml(path)

    @classmethod
    def from_json(cls, path: str | Path) -> Questionnaire:
        """Read a JSON spec, keeping line numbers for lint.

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.json"
        >>> _ = path.write_text('{"id": "x", "languages": ["es"]}')
        >>> Questionnaire.from_json(path).id
        'x'
        """
        from .formats.yamljson import load_json

        return load_json(path)

    def label_dictionaries(self, language: str | None = None, layout: str = "both") -> LabelDictionaries:
        """Variable labels, value labels, missing-value declarations, measures and storage types of
        every variable, for writing SPSS/Stata files (see :class:`~surveykit.questionnaire.labels.LabelDictionaries`).

        Parameters
        ----------
        language
            Language of the labels; default: the default language.
        layout
            Columns of select_multiple questions: ``"binary"``, ``"text"`` or ``"both"``.

        Examples
        --------
        >>> q = Questionnaire(id="x", languages=["es"], missing_codes=[MissingCode(kind="refused", code=-9)],
        ...                   items=[IntegerQuestion(name="edad", label={"es": "Edad"})])
        >>> d = q.label_dictionaries()
        >>> d.variable_labels, d.missing["edad"]["stata"]
        ({'edad': 'Edad'}, {-9: '.r'})
        """
        from .labels import label_dictionaries

        return label_dictionaries(self, language=language, layout=layout)

    def to_codebook(self, path: str | Path | None = None, format: str = "markdown",
                    language: str | None = None) -> str:
        """A codebook (``"markdown"`` or ``"html"``): every variable with its question text, universe,
        relevance, type and codes. Returns the text; writes it to ``path`` when given.

        >>> q = Questionnaire(id="x", title={"en": "Survey"}, languages=["en"],
        ...                   items=[IntegerQuestion(name="age", label={"en": "Age"}, min=0, max=110)])
        >>> print(q.to_codebook().splitlines()[4])
        ## age: Age
        """
        from .formats.codebook import codebook

        return codebook(self, path, format=format, language=language)

    def to_ddi(self, path: str | Path | None = None) -> str:
        """A DDI-Codebook 2.5 XML document of the questionnaire; returns it, writes ``path`` when given.

        >>> q = Questionnaire(id="x", languages=["en"], items=[IntegerQuestion(name="age", label={"en": "Age"})])
        >>> '<var ID="V1" name="age" files="F1" intrvl="contin">' in q.to_ddi()
        True
        """
        from .formats.ddi import to_ddi

        return to_ddi(self, path)
