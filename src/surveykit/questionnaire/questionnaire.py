"""The questionnaire: metadata, missing codes, choice lists and items (questions, groups, repeats).

Its parts are the models of :mod:`surveykit.questionnaire.items`; :meth:`Questionnaire.questions` and
:meth:`Questionnaire.repeats` give the flattened views of :mod:`surveykit.questionnaire.views`.

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
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, PrivateAttr, model_validator

from ..errors import QuestionnaireError
from .items import (  # the question classes not used below are there for the examples (doctests)
    CalculateQuestion,  # noqa: F401
    ChoiceList,
    Group,
    IntegerQuestion,  # noqa: F401
    Item,
    LocalizedText,
    MissingCode,
    NoteQuestion,  # noqa: F401
    Repeat,
    TextQuestion,  # noqa: F401
    VarName,
    _localize_strings,
    _QuestionBase,
    _SpecModel,
)
from .services import service
from .problems import Problem, SourceMap, pointer
from .views import QuestionInfo, RepeatInfo

if TYPE_CHECKING:  # pragma: no cover
    from .dependencies import DependencyGraph
    from .labels import LabelDictionaries

__all__ = ["Questionnaire"]


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

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable

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
            (pointer("items", i), item, ()) for i, item in reversed(list(enumerate(self.items)))
        ]
        while stack:
            ptr, item, parents = stack.pop()
            yield ptr, item, parents
            if isinstance(item, (Group, Repeat)):
                inner = (*parents, item)
                stack.extend(
                    (f"{ptr}/children/{i}", child, inner) for i, child in reversed(list(enumerate(item.children)))
                )

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
        choices = getattr(question, "choices", None)
        lst = self.choice_lists.get(choices) if choices else None
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
        return QuestionInfo(
            item,
            tuple(p.name for p in parents),
            tuple(p.name for p in parents if isinstance(p, Repeat)),
            tuple(p.relevant for p in parents if p.relevant is not None),
            ptr,
            index,
            self.missing_codes_for(item),
            self,
        )

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
        raise QuestionnaireError(f"questionnaire {self.id!r} has no question named {name!r}{hint}", question=name)

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
                info = RepeatInfo(item, enclosing[-1].name if enclosing else None, tuple(p.name for p in parents), ptr)
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
    def lint(self, language: str | None = "en") -> list[Problem]:
        """Every problem of the spec at once, sorted by location (see ``docs/questionnaires.md`` for
        the rules and their codes). ``language="es"`` (or ``"es-SV"``) words the messages in Spanish;
        anything else gives English.

        >>> q = Questionnaire(id="x", languages=["es"], items=[
        ...     CalculateQuestion(name="total", calculation="${total} + 1")])
        >>> [p.code for p in q.lint()]
        ['SK203']
        >>> print(q.lint()[0].message)
        cycle: total -> total (total.calculation refers to total); break it so no question depends on itself
        >>> print(q.lint(language="es")[0].message.split(";")[0])
        ciclo: total -> total (total.calculation se refiere a total)
        """
        return service("lint")(self, language)

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
        dump_yaml = service("dump_yaml")
        return dump_yaml(self, path)

    def to_json(self, path: str | Path | None = None) -> str:
        """Write the spec as JSON; returns the text and writes it to ``path`` when given.

        >>> import json
        >>> json.loads(Questionnaire(id="x", languages=["es"]).to_json())
        {'id': 'x', 'languages': ['es']}
        """
        dump_json = service("dump_json")
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
        write_xlsform = service("write_xlsform")
        return write_xlsform(self, path)

    @classmethod
    def from_xlsform(cls, path: str | Path) -> Questionnaire:
        """Read an XLSForm workbook (.xlsx), keeping each part's sheet, row and column for lint.

        Raises :class:`~surveykit.SpecFormatError` listing every row that cannot be read (see
        :mod:`surveykit.questionnaire.formats.xlsform`); the example of :meth:`to_xlsform` reads one back.
        """
        read_xlsform = service("read_xlsform")
        return read_xlsform(path)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Questionnaire:
        """Read a YAML spec (safe load), keeping line numbers for lint.

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
        >>> _ = path.write_text("id: x\\nlanguages: [es]\\n"
        ...                     "items: [{type: integer, name: a, label: A, min: 9, max: 1}]\\n")
        >>> [(p.code, p.location.line) for p in Questionnaire.from_yaml(path).lint()]
        [('SK601', 3)]
        """
        load_yaml = service("load_yaml")
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
        load_json = service("load_json")
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

    def to_codebook(self, path: str | Path | None = None, format: str = "markdown", language: str | None = None) -> str:
        """A codebook (``"markdown"`` or ``"html"``): every variable with its question text, universe,
        relevance, type and codes. Returns the text; writes it to ``path`` when given.

        >>> q = Questionnaire(id="x", title={"en": "Survey"}, languages=["en"],
        ...                   items=[IntegerQuestion(name="age", label={"en": "Age"}, min=0, max=110)])
        >>> print(q.to_codebook().splitlines()[4])
        ## age: Age
        """
        codebook = service("codebook")
        return codebook(self, path, format=format, language=language)

    def to_ddi(self, path: str | Path | None = None) -> str:
        """A DDI-Codebook 2.5 XML document of the questionnaire; returns it, writes ``path`` when given.

        >>> q = Questionnaire(id="x", languages=["en"], items=[IntegerQuestion(name="age", label={"en": "Age"})])
        >>> '<var ID="V1" name="age" files="F1" intrvl="contin">' in q.to_ddi()
        True
        """
        to_ddi = service("to_ddi")
        return to_ddi(self, path)
