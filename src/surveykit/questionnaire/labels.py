"""Label dictionaries for SPSS and Stata files: what ``write_microdata`` needs from a questionnaire.

For one language, every variable of the questionnaire gets

* ``variable_labels`` -- the question's ``short_label`` (or its ``label``),
* ``value_labels`` -- choice labels and missing-code labels (0/1 labels for select_multiple columns),
* ``missing`` -- ``{"values": [...], "ranges": [(lo, hi)], "stata": {code: ".d"}}``: the SPSS
  user-missing declaration (at most 3 values, or one range plus one value) and the Stata extended
  missing value of each missing code,
* ``measure`` -- SPSS measure level (nominal, ordinal, scale),
* ``types`` -- storage: numeric, string, date, time or datetime,
* ``units`` -- the repeat (table) a variable belongs to, ``None`` for the main unit.

select_multiple questions appear as their 0/1 columns ``{name}_{code}`` and, with ``layout="both"``
(the default), also as the text column ``{name}`` of space-separated codes; a writer uses the keys of
the columns its data has. Labels are never shortened here: lint warns (SK503/SK504) when SPSS or Stata
would not hold them.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", languages=["es", "en"],
...     missing_codes=[sk.MissingCode(kind="dont_know", code=-8, label={"es": "No sabe", "en": "Don't know"})],
...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí", "en": "Yes"}),
...                                                   sk.Choice(code=2, label={"es": "No", "en": "No"})])},
...     items=[sk.SelectOneQuestion(name="p1", label={"es": "¿Trabaja?", "en": "Works?"}, choices="sino"),
...            sk.IntegerQuestion(name="edad", label={"es": "Edad", "en": "Age"}, min=0, max=120)])
>>> d = q.label_dictionaries("en")
>>> d.variable_labels
{'p1': 'Works?', 'edad': 'Age'}
>>> d.value_labels["edad"], d.missing["edad"]
({-8: "Don't know"}, {'values': [-8], 'ranges': [], 'stata': {-8: '.d'}})
>>> d.measure, d.types["p1"]
({'p1': 'nominal', 'edad': 'scale'}, 'numeric')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import QuestionnaireError
from .items import DecimalQuestion, IntegerQuestion
from .typecheck import code_key

if TYPE_CHECKING:  # pragma: no cover
    from .questionnaire import Questionnaire

__all__ = ["LabelDictionaries", "label_dictionaries", "SELECTED_WORDS"]

#: Labels of the 0/1 columns of select_multiple questions, per language (English otherwise).
SELECTED_WORDS = {
    "es": {0: "No seleccionado", 1: "Seleccionado"},
    "en": {0: "Not selected", 1: "Selected"},
    "fr": {0: "Non sélectionné", 1: "Sélectionné"},
    "pt": {0: "Não selecionado", 1: "Selecionado"},
}


@dataclass
class LabelDictionaries:
    """Labels, missing-value declarations, measures and types of every variable (one language).

    Also usable as a dict: ``d["value_labels"]``.
    """

    language: str
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing: dict[str, dict[str, Any]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)
    #: ``(variable, language used)`` where the requested language had no text and the default
    #: language's text was used instead (lint SK501 reports these as errors).
    fallbacks: list[tuple[str, str]] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> list[str]:
        return list(self.__dataclass_fields__)

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts."""
        return asdict(self)


def _text(texts: dict[str, str], language: str, default: str) -> tuple[str, str | None]:
    """The text in ``language``, else in ``default``, else any; and the language used if not asked."""
    if texts.get(language):
        return texts[language], None
    if texts.get(default):
        return texts[default], default
    for lang, value in texts.items():
        if value:
            return value, lang
    return "", None


def spss_missing_declaration(
    codes: list[Any],
    valid: list[Any] | None = None,
    valid_range: tuple[float | None, float | None] | None = None,
) -> dict[str, list] | None:
    """How SPSS can declare ``codes`` user-missing: ``{"values": [...], "ranges": [(lo, hi)]}``.

    SPSS allows at most three discrete values, or one range plus one value. The range must not cover
    a valid code (``valid``) nor the valid interval ``valid_range``. Returns ``None`` when no
    declaration fits. Text codes (string variables) allow only three discrete values.

    >>> spss_missing_declaration([98, 99])
    {'values': [98, 99], 'ranges': []}
    >>> spss_missing_declaration([-9, 97, 98, 99], valid=[1, 2])
    {'values': [-9], 'ranges': [(97, 99)]}
    >>> spss_missing_declaration([-9, -8, 97, 98], valid=[1, 2]) is None
    True
    """
    codes = sorted(set(codes), key=lambda c: (isinstance(c, str), c if not isinstance(c, str) else 0, str(c)))
    if len(codes) <= 3:
        return {"values": list(codes), "ranges": []}
    if any(isinstance(c, str) for c in codes):
        return None
    valid_numbers = [float(v) for v in (valid or []) if not isinstance(v, str)]
    lo_v, hi_v = valid_range if valid_range else (None, None)

    def covers_valid(lo: float, hi: float) -> bool:
        if any(lo <= v <= hi for v in valid_numbers):
            return True
        if lo_v is not None or hi_v is not None:
            a = -float("inf") if lo_v is None else lo_v
            b = float("inf") if hi_v is None else hi_v
            return not (hi < a or lo > b)
        return False

    n = len(codes)
    for single in range(n):  # leave out one code as the discrete value; the rest is the range
        rest = codes[:single] + codes[single + 1 :]
        lo, hi = rest[0], rest[-1]
        if single not in (0, n - 1):
            continue  # the discrete value must lie outside the range of the others
        if not covers_valid(lo, hi):
            return {"values": [codes[single]], "ranges": [(lo, hi)]}
    if not covers_valid(codes[0], codes[-1]):
        return {"values": [], "ranges": [(codes[0], codes[-1])]}
    return None


def label_dictionaries(q: Questionnaire, language: str | None = None, layout: str = "both") -> LabelDictionaries:
    """Build the :class:`LabelDictionaries` of ``q`` in ``language`` (default: the default language).

    ``layout`` chooses the columns of select_multiple questions: ``"binary"`` (0/1 columns),
    ``"text"`` (one column of codes) or ``"both"``.

    Raises :class:`~surveykit.QuestionnaireError` when ``language`` is not a language of ``q``, or
    when SPSS cannot declare a question's missing codes (lint SK409 explains which).
    """
    if layout not in ("binary", "text", "both"):
        raise QuestionnaireError(f"layout must be 'binary', 'text' or 'both', not {layout!r}")
    default = q.main_language
    lang = language or default
    if lang not in q.languages:
        raise QuestionnaireError(f"questionnaire {q.id!r} has no language {lang!r}; it has {q.languages}")
    out = LabelDictionaries(language=lang)
    words = SELECTED_WORDS.get(lang.split("-")[0], SELECTED_WORDS["en"])

    for info in q.questions():
        model = info.model
        if not model.stores_value:
            continue
        name = model.name
        var_label, used = _text(model.short_label or model.label, lang, default)
        if used:
            out.fallbacks.append((name, used))
        missing = info.missing
        lst = info.choice_list
        valid_codes = lst.codes() if lst is not None else []
        labels: dict[Any, str] = {}
        if lst is not None:
            for c in lst.choices:
                text, used = _text(c.label, lang, default)
                labels[c.code] = text
                if used:
                    out.fallbacks.append((f"{name}={code_key(c.code)}", used))
        for m in missing:
            text, used = _text(m.label, lang, default)
            labels[m.code] = text
        declaration: dict[str, Any] | None = None
        if missing:
            rng = (model.min, model.max) if isinstance(model, (IntegerQuestion, DecimalQuestion)) else None
            decl = spss_missing_declaration([m.code for m in missing], valid_codes, rng)
            if decl is None:
                raise QuestionnaireError(
                    f"SPSS cannot declare the missing codes {[m.code for m in missing]} of {name!r} (at most 3 "
                    "values, or one range plus one value, without covering valid codes); run q.lint() (SK409) "
                    "and use fewer or adjacent missing codes",
                    question=name,
                )
            declaration = {
                "values": decl["values"],
                "ranges": decl["ranges"],
                "stata": {m.code: m.stata_letter for m in missing if m.stata_letter},
            }

        def add(var: str, label: str, vlabels: dict[Any, str] | None, measure: str, vtype: str) -> None:
            out.variable_labels[var] = label
            if vlabels:
                out.value_labels[var] = vlabels
            if declaration is not None:
                out.missing[var] = {
                    "values": list(declaration["values"]),
                    "ranges": list(declaration["ranges"]),
                    "stata": dict(declaration["stata"]),
                }
            out.measure[var] = measure
            out.types[var] = vtype
            out.units[var] = info.repeat

        if model.type == "select_multiple":
            if layout in ("text", "both"):
                out.variable_labels[name] = var_label
                out.measure[name] = "nominal"
                out.types[name] = "string"
                out.units[name] = info.repeat
            if layout in ("binary", "both") and lst is not None:
                for c in lst.choices:
                    text, _used = _text(c.label, lang, default)
                    binary_labels: dict[int | str, str] = {0: words[0], 1: words[1]}
                    binary_labels.update({m.code: labels[m.code] for m in missing})
                    add(
                        f"{name}_{code_key(c.code)}",
                        f"{var_label}: {text}" if var_label else text,
                        binary_labels,
                        "nominal",
                        "numeric",
                    )
            continue
        add(name, var_label, labels or None, info.measure_level(), info.value_type())
    return out
