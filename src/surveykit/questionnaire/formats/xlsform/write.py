"""Writing a Questionnaire as an XLSForm workbook pyxform converts (surveykit-only fields in ``sk_*`` columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ....errors import SpecFormatError
from ....fileio import atomic_write
from ...expression import Expr
from ...items import Group, Repeat
from ...questionnaire import Questionnaire
from .aliases import LANGUAGE_NAMES, _range_constraint
from ...services import provides


def _lang_header(q: Questionnaire, code: str) -> str:
    name = q.language_names.get(code) or LANGUAGE_NAMES.get(code) or code
    return f"{name} ({code})"


class _Table:
    """Rows of dicts written with a column order fixed up front and empty columns dropped."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = list(columns)
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        for key in row:
            if key not in self.columns:
                self.columns.append(key)
        self.rows.append(row)

    def write(self, ws: Any, keep: set[str]) -> None:
        used = [c for c in self.columns if c in keep or any(r.get(c) not in (None, "") for r in self.rows)]
        ws.append(used)
        for r, row in enumerate(self.rows, start=2):
            for c, key in enumerate(used, start=1):
                value = row.get(key)
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, even if the text starts with '='


def _translated(q: Questionnaire, base: str, texts: dict[str, str], row: dict[str, Any]) -> None:
    for lang in q.languages:
        row.setdefault(f"{base}::{_lang_header(q, lang)}", None)
        if texts.get(lang):
            row[f"{base}::{_lang_header(q, lang)}"] = texts[lang]
    for lang, text in texts.items():  # text in an undeclared language: kept (lint reports it)
        if lang not in q.languages and text:
            row[f"{base}::{_lang_header(q, lang)}"] = text


@provides("write_xlsform")
def write_xlsform(q: Questionnaire, path: str | Path) -> Path:
    """Write ``q`` as an XLSForm workbook at ``path`` (see the module notes); returns the path.

    >>> import surveykit as sk, tempfile, pathlib
    >>> q = sk.Questionnaire(id="x", languages=["es"], title={"es": "X"},
    ...                      items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=120)])
    >>> path = q.to_xlsform(pathlib.Path(tempfile.mkdtemp()) / "x.xlsx")
    >>> sk.Questionnaire.from_xlsform(path) == q
    True
    """
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    p = Path(path)
    langs = q.languages

    def translated(base: str) -> list[str]:
        return [f"{base}::{_lang_header(q, lang)}" for lang in langs]

    survey = _Table(
        [
            "type",
            "name",
            *translated("label"),
            *translated("hint"),
            *translated("guidance_hint"),
            "required",
            *translated("required_message"),
            "relevant",
            "constraint",
            *translated("constraint_message"),
            "calculation",
            "choice_filter",
            "repeat_count",
            "default",
            "read_only",
            "appearance",
            "parameters",
            "sk_min",
            "sk_max",
            "sk_missing",
            *translated("sk_short_label"),
            *translated("sk_universe"),
            "sk_concept",
            "sk_measure",
            "sk_unit",
            "sk_result_type",
        ]
    )

    def item_row(item: Any) -> dict[str, Any]:
        row: dict[str, Any] = {"name": item.name}
        _translated(q, "label", item.label, row)
        _translated(q, "hint", item.hint, row)
        if isinstance(item, (Group, Repeat)):
            row["type"] = "begin_group" if isinstance(item, Group) else "begin_repeat"
            row["relevant"] = item.relevant.src if item.relevant else None
            if isinstance(item, Repeat):
                row["repeat_count"] = item.count.src if item.count else None
                row["sk_unit"] = item.unit
            row["appearance"] = item.appearance
            _translated(q, "sk_universe", item.universe, row)
            row["sk_concept"] = item.concept
            row.update(item.extra)
            return row
        t = item.type
        row["type"] = {
            "select_one": f"select_one {getattr(item, 'choices', '')}",
            "select_multiple": f"select_multiple {getattr(item, 'choices', '')}",
            "datetime": "dateTime",
        }.get(t, t)
        _translated(q, "guidance_hint", item.guidance_hint, row)
        if isinstance(item.required, Expr):
            row["required"] = item.required.src
        elif item.required:
            row["required"] = "yes"
        _translated(q, "required_message", item.required_message, row)
        row["relevant"] = item.relevant.src if item.relevant else None
        constraint = item.constraint.src if item.constraint else None
        lo, hi = getattr(item, "min", None), getattr(item, "max", None)
        if lo is not None or hi is not None:
            generated = _range_constraint(lo, hi, t == "integer")
            constraint = f"{generated} and ({constraint})" if constraint else generated
            row["sk_min"], row["sk_max"] = lo, hi
        row["constraint"] = constraint
        _translated(q, "constraint_message", item.constraint_message, row)
        calc = getattr(item, "calculation", None)
        row["calculation"] = calc.src if calc is not None else None
        cf = getattr(item, "choice_filter", None)
        row["choice_filter"] = cf.src if cf is not None else None
        row["default"] = item.default
        row["read_only"] = "yes" if item.read_only else None
        row["appearance"] = item.appearance
        row["parameters"] = getattr(item, "parameters", None)
        _translated(q, "sk_short_label", item.short_label, row)
        _translated(q, "sk_universe", item.universe, row)
        row["sk_concept"] = item.concept
        if item.missing is not None:
            row["sk_missing"] = " ".join(item.missing) if item.missing else "none"
        row["sk_measure"] = item.measure
        row["sk_unit"] = getattr(item, "unit", None)
        row["sk_result_type"] = getattr(item, "result_type", None)
        row.update(item.extra)
        return row

    def emit(items: list[Any]) -> None:
        for item in items:
            survey.add(item_row(item))
            if isinstance(item, (Group, Repeat)):
                emit(item.children)
                survey.add({"type": "end_group" if isinstance(item, Group) else "end_repeat"})

    emit(q.items)

    choices = _Table(["list_name", "name", *translated("label"), "sk_missing", "sk_stata", "sk_ordered"])
    for list_name, lst in q.choice_lists.items():
        ordered = "yes" if lst.ordered else None
        for c in lst.choices:
            row: dict[str, Any] = {"list_name": list_name, "name": c.code, "sk_ordered": ordered}
            _translated(q, "label", c.label, row)
            row.update(c.filters)
            row.update(c.extra)
            choices.add(row)
        for m in lst.missing:
            row = {
                "list_name": list_name,
                "name": m.code,
                "sk_missing": m.kind,
                "sk_stata": m.stata,
                "sk_ordered": ordered,
            }
            _translated(q, "label", m.label, row)
            choices.add(row)

    settings_row: dict[str, Any] = {"form_id": q.id, "form_title": q.title.get(q.main_language), "version": q.version}
    if q.default_language is not None:
        settings_row["default_language"] = _lang_header(q, q.default_language)
    settings_row["sk_languages"] = " ".join(langs)
    for lang, text in q.title.items():
        if lang != q.main_language:
            settings_row[f"sk_title::{_lang_header(q, lang)}"] = text
    _translated(q, "sk_description", q.description, settings_row)
    settings_row["sk_unit"] = q.unit
    settings_row.update(q.settings)
    settings = _Table(list(settings_row))
    settings.add(settings_row)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    try:
        survey.write(ws, {"type", "name"})
        choices.write(wb.create_sheet("choices"), {"list_name", "name"})
        settings.write(wb.create_sheet("settings"), {"form_id", "version", "sk_languages"})
        if q.missing_codes:
            missing = _Table(["kind", "code"] + [f"label::{_lang_header(q, lang)}" for lang in langs] + ["stata"])
            for m in q.missing_codes:
                row = {"kind": m.kind, "code": m.code, "stata": m.stata}
                _translated(q, "label", m.label, row)
                missing.add(row)
            missing.write(wb.create_sheet("sk_missing"), {"kind", "code"})
    except IllegalCharacterError as exc:
        raise SpecFormatError(
            f"{p}: a text holds a control character Excel cannot store ({exc}); remove it", file=str(p)
        ) from None
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(p, wb.save, SpecFormatError)
    return p
