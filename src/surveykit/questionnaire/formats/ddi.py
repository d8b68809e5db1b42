"""DDI-Codebook 2.5 XML export (namespace ``ddi:codebook:2_5``).

The document has a ``docDscr`` (who produced it), a ``stdyDscr`` (title per language, ``IDNo``,
version), one ``fileDscr`` per table -- the main unit and one per repeat -- and a ``dataDscr`` with one
``varGrp`` per top-level section and one ``var`` per variable (select_multiple questions give one per
0/1 column). Each ``var`` carries, in the order the schema requires: ``labl`` and ``qstn/qstnLit`` per
language, ``valrng`` (min/max), ``universe`` (the universe text per language, and the relevance
expression under which the question is asked), ``catgry`` per choice with ``missing="Y"`` on missing
codes, ``concept``, ``derivation`` (the calculation) and ``varFormat``.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", title={"es": "Encuesta"}, languages=["es"],
...     items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=120)])
>>> xml = q.to_ddi()
>>> xml.splitlines()[1][:43]
'<codeBook xmlns="ddi:codebook:2_5" ID="x" v'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from ...fileio import write_text_atomic
from ...errors import SpecFormatError
from ..items import Group, Repeat
from ..typecheck import code_key
from ..services import provides

if TYPE_CHECKING:  # pragma: no cover
    from ..questionnaire import Questionnaire
    from ..views import QuestionInfo

__all__ = ["to_ddi", "DDI_NAMESPACE"]

DDI_NAMESPACE = "ddi:codebook:2_5"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _el(parent: ET.Element, tag: str, text: str | None = None, lang: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, f"{{{DDI_NAMESPACE}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if lang is not None:
        e.set(_XML_LANG, lang)
    if text is not None:
        e.text = text
    return e


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@provides("to_ddi")
def to_ddi(q: Questionnaire, path: str | Path | None = None) -> str:
    """The DDI-Codebook 2.5 XML of ``q`` as text (UTF-8); also written to ``path`` when given."""
    from ...version import __version__

    ET.register_namespace("", DDI_NAMESPACE)
    main = q.main_language
    root = ET.Element(f"{{{DDI_NAMESPACE}}}codeBook", {"ID": q.id, "version": "2.5"})
    root.set(_XML_LANG, main)

    titles = [(lang, q.title[lang]) for lang in q.languages if q.title.get(lang)] or [(main, q.id)]
    doc = _el(root, "docDscr")
    citation = _el(doc, "citation")
    title_stmt = _el(citation, "titlStmt")
    _el(title_stmt, "titl", titles[0][1], titles[0][0])
    prod = _el(citation, "prodStmt")
    _el(prod, "software", "surveykit", version=__version__)

    study = _el(root, "stdyDscr")
    citation = _el(study, "citation")
    title_stmt = _el(citation, "titlStmt")
    _el(title_stmt, "titl", titles[0][1], titles[0][0])
    for lang, text in titles[1:]:
        _el(title_stmt, "parTitl", text, lang)
    _el(title_stmt, "IDNo", q.id)
    ver = _el(citation, "verStmt")
    _el(ver, "version", q.version)

    infos = [x for x in q.questions() if x.stores_value]
    tables: list[str | None] = [None] + [r.name for r in q.repeats()]
    file_ids = {t: f"F{i + 1}" for i, t in enumerate(tables)}
    variables: list[tuple[str, QuestionInfo, str | None]] = []  # (column, info, choice code for 0/1 columns)
    for info in infos:
        if info.type == "select_multiple":
            lst = info.choice_list
            for c in lst.choices if lst else []:
                variables.append((f"{info.name}_{code_key(c.code)}", info, code_key(c.code)))
        else:
            variables.append((info.name, info, None))
    var_ids = {column: f"V{i + 1}" for i, (column, _info, _c) in enumerate(variables)}

    for table in tables:
        fd = _el(root, "fileDscr", ID=file_ids[table])
        ft = _el(fd, "fileTxt")
        _el(ft, "fileName", q.id if table is None else f"{q.id}_{table}")
        unit = q.unit if table is None else next((r.unit for r in q.repeats() if r.name == table), None)
        _el(ft, "fileCont", unit or (table or "main unit"))
        dims = _el(ft, "dimensns")
        _el(dims, "varQnty", str(sum(1 for _c, info, _x in variables if info.repeat == table)))

    data = _el(root, "dataDscr")
    for i, (ptr, item, parents) in enumerate(p for p in q.walk() if not p[2]):
        if not isinstance(item, (Group, Repeat)):
            continue
        members = [var_ids[c] for c, info, _x in variables if info.group_path and info.group_path[0] == item.name]
        if not members:
            continue
        group = _el(
            data,
            "varGrp",
            ID=f"VG{i + 1}",
            var=" ".join(members),
            type="section" if isinstance(item, Group) else "other",
        )
        for lang in q.languages:
            if item.label.get(lang):
                _el(group, "labl", item.label[lang], lang)

    for column, info, choice in variables:
        item = info.model
        numeric = info.value_type() == "numeric" or choice is not None
        discrete = (
            item.type in ("select_one", "select_multiple")
            or item.type == "integer"
            and not (info.min is None and info.max is None)
        )
        var = _el(
            data,
            "var",
            ID=var_ids[column],
            name=column,
            files=file_ids[info.repeat],
            intrvl="discrete" if discrete or choice is not None else "contin",
        )
        lst = info.choice_list
        choice_label = {}
        if choice is not None and lst is not None:
            picked = next(c for c in lst.choices if code_key(c.code) == choice)
            choice_label = picked.label
        for lang in q.languages:
            var_label = (item.short_label or item.label).get(lang)
            if var_label:
                if choice is not None and choice_label.get(lang):
                    var_label = f"{var_label}: {choice_label[lang]}"
                _el(var, "labl", var_label, lang)
        for lang in q.languages:
            if item.label.get(lang):
                qstn = _el(var, "qstn", lang=lang)
                _el(qstn, "qstnLit", item.label[lang])
                if item.hint.get(lang):
                    _el(qstn, "ivuInstr", item.hint[lang])
        lo, hi = getattr(item, "min", None), getattr(item, "max", None)
        if lo is not None or hi is not None:
            rng = _el(_el(var, "valrng"), "range")
            if lo is not None:
                rng.set("min", _num(lo))
            if hi is not None:
                rng.set("max", _num(hi))
        for lang in q.languages:
            if item.universe.get(lang):
                _el(var, "universe", item.universe[lang], lang, clusion="I")
        conditions = [e.src for e in info.inherited_relevant] + ([item.relevant.src] if item.relevant else [])
        if conditions:
            _el(
                var,
                "universe",
                "Asked if: " + " and ".join(f"({c})" if len(conditions) > 1 else c for c in conditions),
                clusion="I",
            )
        if choice is not None:
            for value, words in ((1, "Selected"), (0, "Not selected")):
                cat = _el(var, "catgry")
                _el(cat, "catValu", str(value))
                _el(cat, "labl", words, "en")
        elif lst is not None:
            for c in lst.choices:
                cat = _el(var, "catgry")
                _el(cat, "catValu", code_key(c.code))
                for lang in q.languages:
                    if c.label.get(lang):
                        _el(cat, "labl", c.label[lang], lang)
        for m in info.missing:
            cat = _el(var, "catgry", missing="Y")
            _el(cat, "catValu", code_key(m.code))
            for lang in q.languages:
                if m.label.get(lang):
                    _el(cat, "labl", m.label[lang], lang)
        if item.concept:
            _el(var, "concept", item.concept)
        calc = getattr(item, "calculation", None)
        if calc is not None:
            _el(_el(var, "derivation"), "drvdesc", calc.src)
        _el(var, "varFormat", type="numeric" if numeric else "character", schema="other")

    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    if path is not None:
        write_text_atomic(path, text, SpecFormatError)
    return text
