"""A codebook of the questionnaire in Markdown or HTML.

One entry per variable, in form order and under its section headings: the variable name and label,
the question text, its type and storage, the unit (table) it belongs to, its universe, when it is
asked (own and inherited relevance), valid range, constraint, calculation, and the table of codes with
missing codes marked.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", title={"es": "Encuesta"}, languages=["es"],
...     items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=120)])
>>> print(q.to_codebook().splitlines()[0])
# Encuesta
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...fileio import write_text_atomic
from ...errors import QuestionnaireError, SpecFormatError
from ..items import Group, Repeat
from ..typecheck import code_key
from ..services import provides

if TYPE_CHECKING:  # pragma: no cover
    from ..questionnaire import Questionnaire

__all__ = ["codebook"]

_WORDS = {
    "es": {
        "variable": "Variable",
        "question": "Pregunta",
        "type": "Tipo",
        "unit": "Unidad",
        "main_unit": "unidad principal",
        "universe": "Universo",
        "asked_if": "Se pregunta si",
        "range": "Rango válido",
        "constraint": "Restricción",
        "calculation": "Cálculo",
        "code": "Código",
        "label": "Etiqueta",
        "missing": "perdido",
        "missing_codes": "Códigos de no respuesta",
        "kind": "Tipo",
        "version": "versión",
        "languages": "Idiomas",
        "concept": "Concepto",
        "required": "Obligatoria",
        "yes": "sí",
        "select_multiple": "una columna 0/1 por opción: ",
        "hint": "Instrucción",
    },
    "en": {
        "variable": "Variable",
        "question": "Question",
        "type": "Type",
        "unit": "Unit",
        "main_unit": "main unit",
        "universe": "Universe",
        "asked_if": "Asked if",
        "range": "Valid range",
        "constraint": "Constraint",
        "calculation": "Calculation",
        "code": "Code",
        "label": "Label",
        "missing": "missing",
        "missing_codes": "Missing codes",
        "kind": "Kind",
        "version": "version",
        "languages": "Languages",
        "concept": "Concept",
        "required": "Required",
        "yes": "yes",
        "select_multiple": "one 0/1 column per choice: ",
        "hint": "Hint",
    },
}


def _t(texts: dict[str, str], lang: str, default: str) -> str:
    return texts.get(lang) or texts.get(default) or next((v for v in texts.values() if v), "")


class _Doc:
    """Blocks rendered to Markdown or HTML."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, Any]] = []

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", (level, text)))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(("t", (header, rows)))

    def markdown(self) -> str:
        out: list[str] = []

        def cell(x: str) -> str:
            return x.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")

        for kind, value in self.blocks:
            if kind == "h":
                out.append("#" * value[0] + " " + value[1].replace("\n", " "))
            elif kind == "p":
                out.append(value)
            else:
                header, rows = value
                out.append("| " + " | ".join(cell(h) for h in header) + " |")
                out.append("|" + "---|" * len(header))
                out.extend("| " + " | ".join(cell(c) for c in r) + " |" for r in rows)
            out.append("")
        return "\n".join(out)

    def html(self, title: str, lang: str) -> str:
        e = html.escape
        out = [
            "<!DOCTYPE html>",
            f'<html lang="{e(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{e(title)}</title>",
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}</style>",
            "</head>",
            "<body>",
        ]
        for kind, value in self.blocks:
            if kind == "h":
                level = min(value[0], 6)
                out.append(f"<h{level}>{e(value[1])}</h{level}>")
            elif kind == "p":
                out.append(f"<p>{e(value)}</p>")
            else:
                header, rows = value
                out.append("<table>")
                out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
                out.extend("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
                out.append("</table>")
        out += ["</body>", "</html>", ""]
        return "\n".join(out)


@provides("codebook")
def codebook(
    q: Questionnaire, path: str | Path | None = None, format: str = "markdown", language: str | None = None
) -> str:
    """Render the codebook of ``q`` (``format`` ``"markdown"`` or ``"html"``) in ``language``.

    Returns the text and writes it to ``path`` when given.
    """
    if format not in ("markdown", "html"):
        raise QuestionnaireError(f"codebook format must be 'markdown' or 'html', not {format!r}")
    default = q.main_language
    lang = language or default
    if lang not in q.languages:
        raise QuestionnaireError(f"questionnaire {q.id!r} has no language {lang!r}; it has {q.languages}")
    w = _WORDS.get(lang.split("-")[0], _WORDS["en"])
    infos = {info.pointer: info for info in q.questions()}
    doc = _Doc()
    title = _t(q.title, lang, default) or q.id
    doc.heading(1, title)
    doc.para(
        f"`{q.id}`, {w['version']} {q.version}. {w['languages']}: {', '.join(q.languages)}."
        + (f" {w['unit']}: {q.unit}." if q.unit else "")
    )
    if q.missing_codes:
        doc.heading(2, w["missing_codes"])
        doc.table(
            [w["code"], w["label"], w["kind"], "Stata"],
            [[code_key(m.code), _t(m.label, lang, default), m.kind, m.stata_letter or ""] for m in q.missing_codes],
        )
    for ptr, item, parents in q.walk():
        level = min(2 + len(parents), 6)
        if isinstance(item, (Group, Repeat)):
            label = _t(item.label, lang, default)
            doc.heading(level, f"{label} ({item.name})" if label else item.name)
            notes = []
            if isinstance(item, Repeat):
                notes.append(f"{w['unit']}: {item.unit or item.name}" + (f" ({item.count.src})" if item.count else ""))
            if item.universe:
                notes.append(f"{w['universe']}: {_t(item.universe, lang, default)}")
            if item.relevant is not None:
                notes.append(f"{w['asked_if']}: {item.relevant.src}")
            if notes:
                doc.para(". ".join(notes))
            continue
        info = infos[ptr]
        if not item.stores_value:
            continue
        label = _t(item.short_label or item.label, lang, default)
        doc.heading(level, f"{item.name}: {label}" if label else item.name)
        rows: list[list[str]] = []
        question_text = _t(item.label, lang, default)
        if question_text:
            rows.append([w["question"], question_text])
        if item.hint:
            rows.append([w["hint"], _t(item.hint, lang, default)])
        type_text = f"{item.type} ({info.value_type()}, {info.measure_level()})"
        if item.type == "select_multiple":
            type_text += "; " + w["select_multiple"] + ", ".join(info.columns("binary"))
        rows.append([w["type"], type_text])
        rows.append([w["unit"], info.repeat or q.unit or w["main_unit"]])
        if item.universe:
            rows.append([w["universe"], _t(item.universe, lang, default)])
        conditions = [e.src for e in info.inherited_relevant] + ([item.relevant.src] if item.relevant else [])
        if conditions:
            rows.append([w["asked_if"], " and ".join(f"({c})" if len(conditions) > 1 else c for c in conditions)])
        if item.required is True:
            rows.append([w["required"], w["yes"]])
        elif item.required not in (False, None):
            rows.append([w["required"], item.required.src])
        lo, hi = getattr(item, "min", None), getattr(item, "max", None)
        if lo is not None or hi is not None:
            rows.append([w["range"], f"{'' if lo is None else _num(lo)} – {'' if hi is None else _num(hi)}"])
        if item.constraint is not None:
            rows.append([w["constraint"], item.constraint.src])
        calc = getattr(item, "calculation", None)
        if calc is not None:
            rows.append([w["calculation"], calc.src])
        if item.concept:
            rows.append([w["concept"], item.concept])
        doc.table([w["variable"], item.name], rows)
        values: list[list[str]] = []
        lst = info.choice_list
        if lst is not None:
            values += [[code_key(c.code), _t(c.label, lang, default), ""] for c in lst.choices]
        values += [
            [code_key(m.code), _t(m.label, lang, default), f"{w['missing']} ({m.stata_letter or ''})"]
            for m in info.missing
        ]
        if values:
            doc.table([w["code"], w["label"], ""], values)
    text = doc.markdown() if format == "markdown" else doc.html(title, lang)
    if path is not None:
        write_text_atomic(path, text, SpecFormatError)
    return text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
