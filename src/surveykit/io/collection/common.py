"""What every field-export reader shares: the questionnaire as an export sees it, and header resolution.

A tool's reader (:mod:`.kobo`, :mod:`.odk_central`, :mod:`.surveysolutions`) yields, per unit, raw
chunks of rows with the export's own headers plus how each row links to its parent. Here headers are
resolved to questions (group paths with ``/``, ``.`` or ``-``, labels in any language of the form)
and problems are gathered, located; :mod:`.cells` turns the cells into codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .rules import COLLECTION_RULES

if TYPE_CHECKING:
    from ...questionnaire import QuestionInfo, Questionnaire


__all__ = [
    "FormMap",
    "Plan",
    "Problems",
    "PROBLEM_KINDS",
    "META_COLUMNS",
    "text_key",
    "make_plan",
    "unique_headers",
    "display",
    "choose_language",
]

#: Collection metadata kept in every main table (those the export has), in this order.
META_COLUMNS = (
    "submission_time",
    "enumerator",
    "start_time",
    "end_time",
    "duration_min",
    "form_version",
    "device_id",
    "review_status",
    "interview_status",
    "assignment_id",
    "interview_guid",
)
#: The kinds of problem :func:`surveykit.read_collection` reports.
PROBLEM_KINDS = tuple(rule.name for rule in COLLECTION_RULES)
_SEP = re.compile(r"[/.\-]")
_SPACE = re.compile(r"\s+")


def text_key(value: Any) -> str:
    """A cell as the text a code is compared with: ``1``, ``1.0`` and ``"1"`` are all ``"1"``.

    >>> text_key(2.0), text_key(" 01 "), text_key(None), text_key(True)
    ('2', '01', '', '1')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


def unique_headers(headers: list[Any]) -> list[str]:
    """Headers made unique by position (a label shared by two questions repeats in a labels export);
    ``display`` gives the header back.

    >>> h = unique_headers(["a", "b", "a"])
    >>> len(set(h)), [display(x) for x in h]
    (3, ['a', 'b', 'a'])
    """
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = "" if h is None else str(h).strip()
        k = seen.get(h, 0)
        seen[h] = k + 1
        out.append(h if k == 0 else f"{h}\x00{k}")
    return out


def display(header: str) -> str:
    """An export header as written in the file (see :func:`unique_headers`)."""
    return header.split("\x00", 1)[0]


def _norm_label(text: str) -> str:
    return _SPACE.sub(" ", str(text)).strip().casefold()


class Problems:
    """Located problems gathered while reading (turned into one DataFrame at the end)."""

    columns = ["unit", "row", "source_row", "column", "question", "kind", "code", "severity", "value", "message"]

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self,
        unit: str,
        kind: str,
        message: str,
        *,
        column: str = "",
        question: str = "",
        rows: Any = None,
        source_rows: Any = None,
        values: Any = None,
    ) -> None:
        n = 1 if rows is None else len(rows)
        if n == 0:
            return
        rule = COLLECTION_RULES.by_name(kind)
        self.parts.append(
            pd.DataFrame(
                {
                    "unit": unit,
                    "row": pd.NA if rows is None else np.asarray(rows, dtype=object),
                    "source_row": pd.NA if source_rows is None else np.asarray(source_rows, dtype=object),
                    "column": column,
                    "question": question,
                    "kind": kind,
                    "code": rule.code,
                    "severity": rule.severity,
                    "value": pd.NA if values is None else np.asarray(values, dtype=object),
                    "message": message,
                },
                index=range(n),
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in self.columns})
        return pd.concat(self.parts, ignore_index=True)[self.columns]


@dataclass
class Plan:
    """How one export table's headers map to a unit of the questionnaire."""

    unit: str
    questions: dict[str, str] = field(default_factory=dict)  # question -> header
    splits: dict[str, dict[Any, str]] = field(default_factory=dict)  # select_multiple -> {code: header}
    meta: dict[str, str] = field(default_factory=dict)  # metadata column -> header
    links: dict[str, str] = field(default_factory=dict)  # link role -> header
    ignored: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    language: str | None = None  # None: XML names/values


class FormMap:
    """The questionnaire as an export sees it: units, their questions, codes and labels.

    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="f", languages=["es", "en"],
    ...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí", "en": "Yes"}),
    ...                                                   sk.Choice(code=2, label={"es": "No", "en": "No"})])},
    ...     items=[sk.Group(name="g", children=[sk.SelectOneQuestion(name="p1", choices="sino",
    ...                                         label={"es": "¿Votó?", "en": "Did you vote?"})])])
    >>> fm = FormMap(q)
    >>> fm.resolve("g/p1", "main", None), fm.resolve("Did you vote?", "main", "en")
    (('question', 'p1'), ('question', 'p1'))
    """

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.q = questionnaire
        self.main = questionnaire.unit or "main"
        self.repeats = {r.name: r for r in questionnaire.repeats()}
        self.infos = {i.model.name: i for i in questionnaire.questions()}
        self.by_unit: dict[str, list[Any]] = {self.main: [], **{r: [] for r in self.repeats}}
        for info in self.infos.values():
            if info.model.stores_value:
                self.by_unit[info.repeat or self.main].append(info)
        self.languages = list(questionnaire.languages)
        self._labels: dict[str, dict[str, dict[str, Any]]] = {}
        self._codes: dict[str, dict[str, Any]] = {}

    # -- units --------------------------------------------------------------------------------
    def chain(self, unit: str) -> list[str]:
        """The repeats from the outermost down to ``unit`` (``[]`` for the main unit)."""
        out: list[str] = []
        while unit != self.main and unit in self.repeats:
            out.insert(0, unit)
            unit = self.repeats[unit].parent or self.main
        return out

    def parent(self, unit: str) -> str | None:
        if unit == self.main:
            return None
        return self.repeats[unit].parent or self.main

    def id_columns(self, unit: str) -> list[str]:
        """``["interview_id"]`` for the main unit, plus ``id_<repeat>`` down the chain of repeats."""
        return ["interview_id", *[f"id_{r}" for r in self.chain(unit)]]

    def match_unit(self, name: str) -> str | None:
        """The repeat an export table/sheet/file is named after (Excel truncates names to 31 chars)."""
        if name in self.repeats:
            return name
        for r in self.repeats:
            if len(name) >= 31 and r.startswith(name[:31]):
                return r
        return None

    # -- codes and labels ------------------------------------------------------------------------
    def codes(self, info: QuestionInfo, language: str | None) -> dict[str, Any]:
        """Text of a cell -> code, for a select question: codes, missing codes, then labels (the export's
        language first, then the others)."""
        key = f"{info.model.name}\x00{language}"
        if key in self._codes:
            return self._codes[key]
        out: dict[str, Any] = {}
        lst = info.choice_list
        entries = [(c.code, c.label) for c in (lst.choices if lst else [])] + [(m.code, m.label) for m in info.missing]
        langs = ([language] if language else []) + [lang for lang in self.languages if lang != language]
        for lang in reversed(langs):  # the preferred language is written last and wins
            for code, label in entries:
                if label.get(lang):
                    out[_norm_label(label[lang])] = code
        for code, _label in entries:
            out[text_key(code)] = code
        self._codes[key] = out
        return out

    def labels(self, unit: str, language: str) -> dict[str, Any]:
        """Normalised label header -> ("question", name) or ("choice", name, code), in one language."""
        key = f"{unit}\x00{language}"
        if key not in self._labels:
            out: dict[str, Any] = {}
            for info in self.by_unit.get(unit, []):
                text = info.model.label.get(language) or info.model.short_label.get(language)
                if not text:
                    continue
                out.setdefault(_norm_label(text), []).append(("question", info.model.name))
                if info.model.type == "select_multiple":
                    lst = info.choice_list
                    entries = [(c.code, c.label) for c in (lst.choices if lst else [])] + [
                        (m.code, m.label) for m in info.missing
                    ]
                    for code, label in entries:
                        if label.get(language):
                            out.setdefault(_norm_label(f"{text}/{label[language]}"), []).append(
                                ("choice", info.model.name, code)
                            )
            self._labels[key] = out
        return self._labels[key]

    def resolve(self, header: str, unit: str, language: str | None, taken: Any = ()) -> tuple[Any, ...] | None:
        """``("question", name)``, ``("choice", name, code)`` or ``None`` for one export header; a label
        shared by several questions goes to the first of them (in form order) not in ``taken``."""
        names = {i.model.name: i for i in self.by_unit.get(unit, [])}
        if language is None:
            segs = [s for s in _SEP.split(str(header)) if s != ""]
            if not segs:
                return None
            if segs[-1] in names:
                return ("question", segs[-1])
            if len(segs) >= 2 and segs[-2] in names and names[segs[-2]].model.type == "select_multiple":
                code = self.codes(names[segs[-2]], None).get(segs[-1])
                if code is not None and text_key(code) == segs[-1]:
                    return ("choice", segs[-2], code)
            return None
        table = self.labels(unit, language)
        text = _norm_label(header)
        candidates = [text] + [text[m.end() :].strip() for m in re.finditer("/", text)]  # group labels in front
        for c in candidates:
            if c in table:
                targets = table[c]
                return next((t for t in targets if t not in taken), targets[0])
        return None


def choose_language(headers: Iterable[str], fm: FormMap, unit: str) -> str | None:
    """``None`` when the headers are XML names, else the form language whose labels match most."""
    headers = [str(h) for h in headers]
    best, score = None, sum(fm.resolve(h, unit, None) is not None for h in headers)
    for lang in fm.languages:
        s = sum(fm.resolve(h, unit, lang) is not None for h in headers)
        if s > score:
            best, score = lang, s
    return best


def make_plan(
    headers: list[str],
    fm: FormMap,
    unit: str,
    special: Mapping[str, tuple[str, str]],
    problems: Problems,
    where: str,
    language: str | None = "auto",
    classify: Any = None,
) -> Plan:
    """Resolve every header of one export table. ``special``: exact header (or its last path segment)
    -> (``"meta"``/``"link"``/``"ignore"``, role)."""
    lang = choose_language([h for h in headers if str(h) not in special], fm, unit) if language == "auto" else language
    plan = Plan(unit=unit, language=lang)
    seen: dict[Any, str] = {}
    for h in headers:
        key = str(h)
        hs = display(key)
        last = _SEP.split(hs)[-1] if hs else hs
        sp = (
            (classify(hs, unit) if classify else None)
            or special.get(hs)
            or (special.get(last) if last and last not in fm.infos else None)
        )
        if sp and sp[0] in ("question", "choice"):
            target, sp = sp, None
        else:
            target = None
        target = (
            target
            if (sp or target)
            else (fm.resolve(hs, unit, lang, seen) or (fm.resolve(hs, unit, None) if lang else None))
        )
        if sp:
            kind, role = sp
            if kind == "meta" and role not in plan.meta:
                plan.meta[role] = key
            elif kind == "link" and role not in plan.links:
                plan.links[role] = key
            else:
                plan.ignored.append(key)
            continue
        if target is None:
            plan.unmapped.append(key)
            problems.add(
                unit,
                "unmapped_column",
                f"{where}: column {hs!r} is not a question of unit {unit!r} of "
                f"questionnaire {fm.q.id!r} nor known collection metadata; it is kept under its own name",
                column=hs,
            )
            continue
        if target in seen:
            problems.add(
                unit,
                "duplicate_column",
                f"{where}: columns {seen[target]!r} and {hs!r} are both {target[1]!r}; the first is used",
                column=hs,
                question=target[1],
            )
            plan.ignored.append(key)
            continue
        seen[target] = hs
        if target[0] == "question":
            plan.questions[target[1]] = key
        else:
            plan.splits.setdefault(target[1], {})[target[2]] = key
    for info in fm.by_unit.get(unit, []):
        name = info.model.name
        if name not in plan.questions and name not in plan.splits:
            problems.add(unit, "no_column", f"{where}: question {name!r} has no column in the export", question=name)
    return plan
