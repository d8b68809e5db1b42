"""Reading an XLSForm workbook: settings, missing codes, choices and survey into a Questionnaire."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ....errors import SpecFormatError
from ....xlsxfiles import DAMAGED, count_rows, formula_cells_without_value
from ...items import format_validation_error
from ...problems import Location, Problem, pointer, sort_problems
from ...questionnaire import Questionnaire
from .aliases import _YES, LANGUAGE_NAMES, MAX_ROWS
from .sheets import _cell_text, _code_value, _Sheet, _sheet_parts
from .survey import _SurveyReader
from ...services import provides


class _Reader(_SurveyReader):
    # -- reading ------------------------------------------------------------------------------
    def open(self) -> Any:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            # counted on the XML first: openpyxl would build every cell of a 1M-row sheet (minutes, GBs)
            for sheet, n in count_rows(self.path, MAX_ROWS).items():
                if n > MAX_ROWS:
                    raise SpecFormatError(
                        f"{self.file}: sheet {sheet!r} has more than {MAX_ROWS:,} rows, more than surveykit reads "
                        "from a questionnaire; delete the rows below the form (or the sheet)",
                        file=self.file,
                        problems=[
                            Problem.of(
                                "SK013",
                                f"sheet {sheet} has more than {MAX_ROWS} rows",
                                Location(file=self.file, sheet=sheet),
                            )
                        ],
                    )
            wb = openpyxl.load_workbook(self.path, data_only=True)
            self._formulas = {
                name: formula_cells_without_value(self.path, part) for name, part in _sheet_parts(self.path).items()
            }
            return wb
        except (InvalidFileException, *DAMAGED) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise SpecFormatError(
                f"{self.file}: not a readable .xlsx workbook ({reason}); save it from Excel "
                "as 'Excel Workbook (.xlsx)'",
                file=self.file,
            ) from None

    def read(self) -> dict[str, Any]:
        wb = self.open()
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        if "survey" not in sheets:
            found = ", ".join(repr(ws.title) for ws in wb.worksheets) or "none"
            raise SpecFormatError(
                f"{self.file}: the workbook has no 'survey' sheet (sheets: {found}); name the "
                "sheet with the questions 'survey'",
                file=self.file,
                problems=[Problem.of("SK013", "no 'survey' sheet", Location(file=self.file))],
            )
        survey = _Sheet(sheets["survey"], self)
        choices = _Sheet(sheets["choices"], self) if "choices" in sheets else None
        settings = _Sheet(sheets["settings"], self) if "settings" in sheets else None
        missing = _Sheet(sheets["sk_missing"], self) if "sk_missing" in sheets else None
        if survey.header_row and survey.column("type") is None:
            self.fatal(
                f"sheet {survey.name} has no 'type' column; the first row must hold the column headers "
                "(type, name, label, ...)",
                survey.name,
                survey.header_row,
            )
        if survey.header_row and survey.column("name") is None:
            self.fatal(f"sheet {survey.name} has no 'name' column", survey.name, survey.header_row)
        if self.fatal_error:
            return {}
        data: dict[str, Any] = {}
        self.read_settings(settings, data)
        data["missing_codes"] = self.read_missing(missing) if missing else []
        data["choice_lists"] = self.read_choices(choices) if choices else {}
        data["items"] = self.read_survey(survey)
        if self.plain_text_columns and self.default_code not in self.languages:
            # untranslated columns hold the default language ('und' when the form declares none)
            self.languages[self.default_code] = LANGUAGE_NAMES.get(self.default_code, self.default_code)
            self.language_cells[self.default_code] = self.plain_text_columns[0]
        langs = data.pop("_languages", None)
        if langs:
            languages = list(langs)
            languages += [code for code in self.languages if code not in languages]
        else:
            languages = list(self.languages)
        default = data.get("default_language")
        if not languages:
            languages = [default or "und"]
        data["languages"] = languages
        for i, code in enumerate(languages):
            where = self.language_cells.get(code)
            if where:
                sheet, row, header, cell = where
                self.smap.add(pointer("languages", i), sheet=sheet, row=row, column=header, cell=cell)
        names = {code: name for code, name in self.languages.items() if name and name != LANGUAGE_NAMES.get(code, code)}
        if names:
            data["language_names"] = names
        return data

    def read_settings(self, sheet: _Sheet | None, data: dict[str, Any]) -> None:
        if sheet is None or not sheet.rows:
            data["id"] = re.sub(r"[^A-Za-z0-9_]", "_", self.path.stem) or "form"
            return
        row, cells = sheet.rows[0]
        extra: dict[str, str] = {}
        for key, (value, col) in cells.items():
            text = _cell_text(value)
            if text is None:
                continue
            where = dict(sheet=sheet.name, row=row, column=col.header, cell=sheet.cell(col, row))
            if col.base == "form_id":
                data["id"] = text
                self.smap.add("/id", **where)
            elif col.base == "form_title":
                data["_title"] = text
                self.smap.add("/title", **where)
            elif col.base == "version":
                data["version"] = text
                self.smap.add("/version", **where)
            elif col.base == "default_language":
                code = self.language(text, sheet.name, row, col.header, sheet.cell(col, row))
                data["default_language"] = code
                self._default = code
                self.smap.add("/default_language", **where)
            elif col.base == "sk_languages":
                data["_languages"] = text.split()
                if self._default is None and data["_languages"]:
                    self._default = data["_languages"][0]  # the main language when none is set
                self.smap.add("/languages", **where)
            elif col.base == "sk_unit":
                data["unit"] = text
                self.smap.add("/unit", **where)
            elif col.base in ("sk_title", "sk_description"):
                continue
            else:
                extra[col.header] = text
        if "id" not in data:
            data["id"] = re.sub(r"[^A-Za-z0-9_]", "_", self.path.stem) or "form"
        self._text_fields(cells, sheet, row, "", data, ("sk_title", "sk_description"))
        title = data.pop("_title", None)
        if title is not None:
            data.setdefault("title", {})
            data["title"] = {self.default_code: title, **data["title"]}
        if extra:
            data["settings"] = extra

    def read_missing(self, sheet: _Sheet) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row, cells in sheet.rows:
            ptr = pointer("missing_codes", len(out))
            self.smap.add(ptr, sheet=sheet.name, row=row)
            entry: dict[str, Any] = {}
            for key in ("kind", "code", "stata"):
                if key in cells:
                    value, col = cells[key]
                    entry[key] = _code_value(value) if key == "code" else _cell_text(value)
                    self.smap.add(
                        f"{ptr}/{key}", sheet=sheet.name, row=row, column=col.header, cell=sheet.cell(col, row)
                    )
            self._text_fields(cells, sheet, row, ptr, entry, ("label",))
            out.append(entry)
        return out

    def read_choices(self, sheet: _Sheet) -> dict[str, Any]:
        lists: dict[str, dict[str, Any]] = {}
        standard = {"list_name", "name", "label", "sk_missing", "sk_stata", "sk_ordered"}
        for row, cells in sheet.rows:
            if "list_name" not in cells:
                self.problem(
                    "SK012", "a choice without list_name; fill it in or delete the row", sheet.name, row, "list_name"
                )
                continue
            list_name = _cell_text(cells["list_name"][0]) or ""
            if "name" not in cells:
                self.problem(
                    "SK012",
                    f"a choice of list {list_name!r} without name (its code); fill it in",
                    sheet.name,
                    row,
                    "name",
                )
                continue
            lst = lists.get(list_name)
            if lst is None:
                lst = lists[list_name] = {"choices": [], "missing": []}
                self.smap.add(pointer("choice_lists", list_name), sheet=sheet.name, row=row)
            code_value, code_col = cells["name"]
            entry: dict[str, Any] = {}
            kind_cell = cells.get("sk_missing")
            if kind_cell is not None:
                entry["kind"] = _cell_text(kind_cell[0])
                part, index = "missing", len(lst["missing"])
            else:
                part, index = "choices", len(lst["choices"])
            ptr = pointer("choice_lists", list_name, part, index)
            self.smap.add(ptr, sheet=sheet.name, row=row)
            entry["code"] = _code_value(code_value)
            self.smap.add(
                f"{ptr}/code", sheet=sheet.name, row=row, column=code_col.header, cell=sheet.cell(code_col, row)
            )
            self._text_fields(cells, sheet, row, ptr, entry, ("label",))
            if "sk_ordered" in cells and (_cell_text(cells["sk_ordered"][0]) or "").lower() in _YES:
                lst["ordered"] = True
            if part == "missing":
                if "sk_stata" in cells:
                    entry["stata"] = _cell_text(cells["sk_stata"][0])
                lst["missing"].append(entry)
                continue
            filters: dict[str, str] = {}
            extra: dict[str, str] = {}
            for key, (value, col) in cells.items():
                if col.base in standard:
                    continue
                text = _cell_text(value)
                if text is None:
                    continue
                if (
                    col.lang is not None
                    or "::" in col.header
                    or col.base in ("image", "audio", "video", "big-image", "media")
                ):
                    extra[col.header] = text
                else:
                    filters[col.header] = text
            if filters:
                entry["filters"] = filters
            if extra:
                entry["extra"] = extra
            lst["choices"].append(entry)
        for lst in lists.values():
            if not lst["missing"]:
                del lst["missing"]
        return lists


def _validate(data: dict[str, Any], reader: _Reader) -> Questionnaire | None:
    try:
        q = Questionnaire.model_validate(data)
    except ValidationError as exc:
        _message, problems = format_validation_error(exc, data, reader.smap)
        reader.problems.extend(problems)
        return None
    q._source = reader.smap
    return q


def read_xlsform_lenient(path: str | Path) -> tuple[Questionnaire | None, list[Problem]]:
    """Read an XLSForm, returning the questionnaire built from the rows that could be read and the
    problems of the workbook (rows left out are among them). For ``surveykit lint``: the workbook's
    problems and the lint problems are shown together. Raises :class:`~surveykit.SpecFormatError` only
    when nothing can be read (not a workbook, no survey sheet).

    >>> import tempfile, pathlib, openpyxl
    >>> wb = openpyxl.Workbook(); ws = wb.active; ws.title = "survey"
    >>> for row in (["type", "name", "label"], ["integr", "edad", "Edad"], ["text", "obs", "Obs"]):
    ...     ws.append(row)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "f.xlsx"; wb.save(path)
    >>> q, problems = read_xlsform_lenient(path)
    >>> [q.questions()[0].name], [(p.code, p.location.row) for p in problems]
    (['obs'], [('SK010', 2)])
    """
    p = Path(path)
    reader = _Reader(p)
    data = reader.read()
    if reader.fatal_error:
        return None, sort_problems(reader.problems)
    q = _validate(data, reader)
    return q, sort_problems(reader.problems)


@provides("read_xlsform")
def read_xlsform(path: str | Path) -> Questionnaire:
    """Read an XLSForm workbook into a :class:`~surveykit.Questionnaire`.

    Raises :class:`~surveykit.SpecFormatError` listing every problem of the workbook (with sheet, row
    and column) when any row cannot be read, so nothing is silently left out.
    """
    p = Path(path)
    q, problems = read_xlsform_lenient(p)
    errors = [x for x in problems if x.severity == "error"]
    if errors or q is None:
        lines = "\n  ".join(str(x) for x in errors)
        raise SpecFormatError(
            f"{p}: the XLSForm has {len(errors)} problem{'s' if len(errors) != 1 else ''}:\n  {lines}",
            file=str(p),
            problems=problems,
        )
    return q
