"""Flattened views of a questionnaire: each question and repeat with where it sits in the whole form.

:meth:`surveykit.Questionnaire.questions` and :meth:`surveykit.Questionnaire.repeats` build them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .expression import Expr
from .items import CalculateQuestion, ChoiceList, MissingCode, Repeat, _QuestionBase

if TYPE_CHECKING:  # pragma: no cover
    from .questionnaire import Questionnaire

__all__ = ["QuestionInfo", "RepeatInfo"]


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

    __slots__ = (
        "model",
        "group_path",
        "repeat",
        "repeat_path",
        "inherited_relevant",
        "pointer",
        "index",
        "missing",
        "_questionnaire",
    )

    def __init__(
        self,
        model: _QuestionBase,
        group_path: tuple[str, ...],
        repeat_path: tuple[str, ...],
        inherited_relevant: tuple[Expr, ...],
        ptr: str,
        index: int,
        missing: list[MissingCode],
        questionnaire: Questionnaire,
    ) -> None:
        self.model = model
        self.group_path = group_path
        self.repeat_path = repeat_path
        self.repeat = repeat_path[-1] if repeat_path else None
        self.inherited_relevant = inherited_relevant
        self.pointer = ptr
        self.index = index
        self.missing = missing
        self._questionnaire = questionnaire

    _OPTIONAL = ("calculation", "choices", "min", "max", "choice_filter", "unit", "result_type", "parameters")

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
        if isinstance(self.model, CalculateQuestion):
            rt = self.model.result_type
            return {"integer": "numeric", "decimal": "numeric", "boolean": "numeric", "date": "date"}.get(
                rt or "", "string"
            )
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
            return "ordinal" if lst is not None and lst.ordered and self.model.type == "select_one" else "nominal"
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
