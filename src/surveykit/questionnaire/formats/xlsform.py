"""XLSForm (ODK, KoboToolbox, SurveyCTO) import and export with openpyxl.

Import reads the ``survey``, ``choices`` and ``settings`` sheets (and surveykit's ``sk_missing``),
normalises header aliases (``relevance``, ``calculate``, ``list name``, ``jr:count`` ...) and
translation columns (``label::Español (es)``), and records the sheet, row and column of every value so
lint points at the cell. Choice names are read as codes: ``1`` (number or text) is the integer 1,
``01`` stays text.

Problems of the workbook itself -- no survey sheet, merged header cells, an unknown question type, an
``end group`` without ``begin group``, a row without a name -- are collected and raised together as
one :class:`~surveykit.SpecFormatError` (its ``context["problems"]`` lists them); ``surveykit lint``
shows them with the rest.

Export writes a workbook pyxform converts. Fields XLSForm has no column for go in ``sk_*`` columns
(ignored by ODK tools): ``sk_min``/``sk_max`` (also written into the constraint, so ODK enforces them),
``sk_missing``, ``sk_universe::…``, ``sk_concept``, ``sk_measure``, ``sk_unit``, ``sk_short_label::…``,
``sk_result_type``; choices get ``sk_missing`` (the kind of a missing code offered as an answer),
``sk_stata`` and ``sk_ordered``; questionnaire-level missing codes go in an ``sk_missing`` sheet.
Reading the export back gives an equal questionnaire.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ...fileio import atomic_write
from ...xlsxfiles import DAMAGED, count_rows, formula_cells_without_value, sheet_parts
from ...errors import SpecFormatError
from ..expression import Expr, _format_number
from ..items import Group, OtherQuestion, Repeat, format_validation_error
from ..problems import Location, Problem, SourceMap, pointer, sort_problems
from ..questionnaire import Questionnaire

__all__ = ["read_xlsform", "read_xlsform_lenient", "write_xlsform", "LANGUAGE_NAMES", "MAX_ROWS"]

#: Most rows read from one sheet.
MAX_ROWS = 100_000

#: Display names for XLSForm translation headers (``label::Español (es)``).
LANGUAGE_NAMES = {"es": "Español", "en": "English", "fr": "Français", "pt": "Português", "ar": "العربية",
                  "ru": "Русский", "zh": "中文"}
_NAME_TO_CODE = {"english": "en", "spanish": "es", "español": "es", "espanol": "es", "french": "fr",
                 "français": "fr", "francais": "fr", "portuguese": "pt", "português": "pt", "portugues": "pt"}

_TRANSLATABLE = ("label", "hint", "guidance_hint", "constraint_message", "required_message",
                 "sk_universe", "sk_short_label", "sk_title", "sk_description")
_FIELD_OF = {"sk_universe": "universe", "sk_short_label": "short_label", "sk_title": "title",
             "sk_description": "description"}
_ALIASES = {
    "relevance": "relevant", "calculate": "calculation", "list name": "list_name", "list_name": "list_name",
    "jr:count": "repeat_count", "count": "repeat_count", "repeat_count": "repeat_count",
    "constraint message": "constraint_message", "required message": "required_message",
    "choice filter": "choice_filter", "readonly": "read_only", "read only": "read_only",
    "guidance hint": "guidance_hint", "bind::relevant": "relevant", "bind::constraint": "constraint",
    "bind::calculate": "calculation", "bind::required": "required", "bind::jr:constraintmsg":
    "constraint_message", "bind::jr:requiredmsg": "required_message", "caption": "label",
}
_SIMPLE_TYPES = {
    "integer": "integer", "int": "integer", "decimal": "decimal", "text": "text", "string": "text",
    "date": "date", "time": "time", "datetime": "datetime", "calculate": "calculate", "note": "note",
}
_METADATA = {"start", "end", "today", "deviceid", "username", "phonenumber", "simserial", "subscriberid",
             "email", "audit"}
_OTHER = set(OtherQuestion.model_fields["type"].annotation.__args__)  # type: ignore[union-attr]
_KNOWN_TYPE_WORDS = sorted({*_SIMPLE_TYPES, *_METADATA, *_OTHER, "select_one", "select_multiple",
                            "begin_group", "end_group", "begin_repeat", "end_repeat"})
_YES = {"yes", "true", "true()", "1", "y"}
_NO = {"no", "false", "false()", "0", "n", ""}
_LANG_HEADER = re.compile(r"^(.*?)\s*\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")


def _sheet_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return sheet_parts(zf)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _cell_text(value: Any) -> str | None:
    """A cell as text (None when empty); integer-valued numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _code_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    return _cell_text(value)


@dataclass
class _Column:
    index: int          # 1-based
    header: str         # as written
    base: str           # normalised base name ("label", "relevant", "sk_min", "region", ...)
    lang: str | None    # language code for translated columns


class _Sheet:
    """A worksheet's header and rows, with cell references for the source map."""

    def __init__(self, ws: Any, reader: _Reader) -> None:
        self.ws = ws
        self.name = ws.title
        self.reader = reader
        self.columns: list[_Column] = []
        self.rows: list[tuple[int, dict[str, tuple[Any, _Column]]]] = []
        self.header_row = 0
        self._read()

    def _read(self) -> None:
        ws, reader = self.ws, self.reader
        if ws.max_row > MAX_ROWS:
            reader.fatal(f"sheet {self.name} has {ws.max_row} rows, more than the {MAX_ROWS} surveykit reads",
                         self.name, None)
            return
        rows = ws.iter_rows(values_only=True)
        header: tuple[Any, ...] | None = None
        r = 0
        for r, values in enumerate(rows, start=1):
            if any(_cell_text(v) for v in values):
                header = values
                break
        if header is None:
            return
        self.header_row = r
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= r <= rng.max_row:
                reader.problem("SK013", f"merged header cells {rng.coord} on sheet {self.name}: unmerge them and "
                               "give each column its own header", self.name, r, None, rng.coord.split(":")[0])
            elif rng.min_row > r:
                reader.problem("SK013", f"merged cells {rng.coord} on sheet {self.name}: only the first cell keeps "
                               "its value; unmerge them and fill every cell", self.name, rng.min_row, None,
                               rng.coord.split(":")[0])
        for cell in reader.formulas.get(ws.title, []):
            reader.problem("SK013", f"cell {cell} on sheet {self.name} holds a formula whose result was never saved, "
                           "so it reads as empty; open and save the workbook in Excel or LibreOffice (this stores "
                           "the results), or type the value", self.name, int(re.sub(r"\D", "", cell)), None, cell)
        seen: dict[tuple[str, str | None], str] = {}
        for i, raw in enumerate(header, start=1):
            text = _cell_text(raw)
            if text is None:
                continue
            base, lang = self._parse_header(text, r, i)
            key = (base, lang)
            if key in seen:
                reader.problem("SK013", f"the column {text!r} appears twice on sheet {self.name} (also "
                               f"{seen[key]!r}); keep one", self.name, r, text, f"{_column_letter(i)}{r}")
                continue
            seen[key] = text
            self.columns.append(_Column(i, text, base, lang))
        for values in rows:
            r += 1
            cells: dict[str, tuple[Any, _Column]] = {}
            for col in self.columns:
                value = values[col.index - 1] if col.index - 1 < len(values) else None
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                key = col.base if col.lang is None else f"{col.base}::{col.lang}"
                cells[key] = (value, col)
            if cells:
                self.rows.append((r, cells))

    def _parse_header(self, text: str, row: int, index: int) -> tuple[str, str | None]:
        base, sep, lang_spec = text.partition("::")
        base_norm = " ".join(base.strip().lower().split())
        base_norm = _ALIASES.get(base_norm, base_norm.replace(" ", "_"))
        if not sep:
            if base_norm in _TRANSLATABLE:
                self.reader.plain_text_columns.append((self.name, row, text, f"{_column_letter(index)}{row}"))
                return base_norm, None
            lowered = text.strip().lower()
            return _ALIASES.get(lowered, base_norm), None
        if base_norm not in _TRANSLATABLE:
            return text, None  # media::image, image::English (en), bind::odk:length...: kept verbatim
        return base_norm, self.reader.language(lang_spec.strip(), self.name, row, text,
                                               f"{_column_letter(index)}{row}")

    def cell(self, col: _Column, row: int) -> str:
        return f"{_column_letter(col.index)}{row}"

    def column(self, base: str, lang: str | None = None) -> _Column | None:
        for c in self.columns:
            if c.base == base and c.lang == lang:
                return c
        return None


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        self.problems: list[Problem] = []
        self.fatal_error = False
        self.smap = SourceMap(self.file, "xlsform")
        self.languages: dict[str, str] = {}      # code -> display name, in order of appearance
        self.language_cells: dict[str, tuple[str, int, str, str]] = {}
        self._default: str | None = None
        self.plain_text_columns: list[tuple[str, int, str, str]] = []  # untranslated label/hint columns
        self._formulas: dict[str, list[str]] = {}

    @property
    def formulas(self) -> dict[str, list[str]]:
        """Sheet -> formula cells without a saved result (read as empty by openpyxl)."""
        return self._formulas

    # -- problems -----------------------------------------------------------------------------
    def problem(self, code: str, message: str, sheet: str | None, row: int | None, column: str | None,
                cell: str | None = None) -> None:
        self.problems.append(Problem.of(code, message,
                                        Location(file=self.file, sheet=sheet, row=row, column=column, cell=cell)))

    def fatal(self, message: str, sheet: str | None, row: int | None) -> None:
        self.fatal_error = True
        self.problem("SK013", message, sheet, row, None)

    def language(self, spec: str, sheet: str, row: int, header: str, cell: str) -> str:
        m = _LANG_HEADER.match(spec)
        if m:
            name, code = m.group(1).strip(), m.group(2)
        else:
            name, code = spec, _NAME_TO_CODE.get(spec.strip().lower(), spec.strip())
        if code not in self.languages:
            self.languages[code] = name
            self.language_cells[code] = (sheet, row, header, cell)
        return code

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
                        "from a questionnaire; delete the rows below the form (or the sheet)", file=self.file,
                        problems=[Problem.of("SK013", f"sheet {sheet} has more than {MAX_ROWS} rows",
                                          Location(file=self.file, sheet=sheet))])
            wb = openpyxl.load_workbook(self.path, data_only=True)
            self._formulas = {name: formula_cells_without_value(self.path, part)
                              for name, part in _sheet_parts(self.path).items()}
            return wb
        except (InvalidFileException, *DAMAGED) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise SpecFormatError(f"{self.file}: not a readable .xlsx workbook ({reason}); save it from Excel "
                                  "as 'Excel Workbook (.xlsx)'", file=self.file) from None

    def read(self) -> dict[str, Any]:
        wb = self.open()
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        if "survey" not in sheets:
            found = ", ".join(repr(ws.title) for ws in wb.worksheets) or "none"
            raise SpecFormatError(f"{self.file}: the workbook has no 'survey' sheet (sheets: {found}); name the "
                                  "sheet with the questions 'survey'", file=self.file,
                                  problems=[Problem.of("SK013", "no 'survey' sheet",
                                                    Location(file=self.file))])
        survey = _Sheet(sheets["survey"], self)
        choices = _Sheet(sheets["choices"], self) if "choices" in sheets else None
        settings = _Sheet(sheets["settings"], self) if "settings" in sheets else None
        missing = _Sheet(sheets["sk_missing"], self) if "sk_missing" in sheets else None
        if survey.header_row and survey.column("type") is None:
            self.fatal(f"sheet {survey.name} has no 'type' column; the first row must hold the column headers "
                       "(type, name, label, ...)", survey.name, survey.header_row)
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
        names = {code: name for code, name in self.languages.items()
                 if name and name != LANGUAGE_NAMES.get(code, code)}
        if names:
            data["language_names"] = names
        return data

    def _text_fields(self, cells: dict[str, tuple[Any, _Column]], sheet: _Sheet, row: int, ptr: str,
                     target: dict[str, Any], bases: tuple[str, ...]) -> None:
        """Collect translated text columns into {lang: text}; a plain column is the default language."""
        for base in bases:
            field = _FIELD_OF.get(base, base)
            texts: dict[str, str] = {}
            for col in sheet.columns:
                if col.base != base:
                    continue
                lang = col.lang if col.lang is not None else self.default_code
                self.smap.add(f"{ptr}/{field}/{lang}", sheet=sheet.name, row=row, column=col.header,
                              cell=sheet.cell(col, row))
                key = base if col.lang is None else f"{base}::{col.lang}"
                if key in cells:
                    text = _cell_text(cells[key][0])
                    if text is not None:
                        texts[lang] = text
            if texts:
                target[field] = texts

    @property
    def default_code(self) -> str:
        return self._default or "und"

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
        out = []
        for row, cells in sheet.rows:
            ptr = pointer("missing_codes", len(out))
            self.smap.add(ptr, sheet=sheet.name, row=row)
            entry: dict[str, Any] = {}
            for key in ("kind", "code", "stata"):
                if key in cells:
                    value, col = cells[key]
                    entry[key] = _code_value(value) if key == "code" else _cell_text(value)
                    self.smap.add(f"{ptr}/{key}", sheet=sheet.name, row=row, column=col.header,
                                  cell=sheet.cell(col, row))
            self._text_fields(cells, sheet, row, ptr, entry, ("label",))
            out.append(entry)
        return out

    def read_choices(self, sheet: _Sheet) -> dict[str, Any]:
        lists: dict[str, dict[str, Any]] = {}
        standard = {"list_name", "name", "label", "sk_missing", "sk_stata", "sk_ordered"}
        for row, cells in sheet.rows:
            if "list_name" not in cells:
                self.problem("SK012", "a choice without list_name; fill it in or delete the row", sheet.name, row,
                             "list_name")
                continue
            list_name = _cell_text(cells["list_name"][0]) or ""
            if "name" not in cells:
                self.problem("SK012", f"a choice of list {list_name!r} without name (its code); fill it in",
                             sheet.name, row, "name")
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
            self.smap.add(f"{ptr}/code", sheet=sheet.name, row=row, column=code_col.header,
                          cell=sheet.cell(code_col, row))
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
                if col.lang is not None or "::" in col.header or col.base in ("image", "audio", "video",
                                                                             "big-image", "media"):
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

    def _parse_type(self, text: str, sheet: _Sheet, row: int, col: _Column) -> tuple[str, str | None] | None:
        """('begin_group'|'end_group'|...|question type, list name) or None (problem recorded)."""
        words = text.split()
        head = words[0].lower() if words else ""
        joined = " ".join(w.lower() for w in words)
        cell = sheet.cell(col, row)
        for opener in ("begin", "end"):
            for kind in ("group", "repeat"):
                if joined in (f"{opener} {kind}", f"{opener}_{kind}", f"{opener}{kind}"):
                    return f"{opener}_{kind}", None
        if head in ("select_one", "select_multiple", "select1") or joined.startswith(
                ("select one ", "select all that apply ", "select multiple ")):
            kind = "select_multiple" if ("multiple" in joined or "all that apply" in joined) else "select_one"
            rest = words[1:] if head in ("select_one", "select_multiple", "select1") else \
                words[2:] if not joined.startswith("select all that apply") else words[4:]
            if not rest:
                self.problem("SK010", f"{text!r} names no choice list; write '{kind} listname'", sheet.name, row,
                             col.header, cell)
                return None
            if len(rest) > 1 and rest[1].lower() == "or_other":
                self.problem("SK010", "'or_other' is not supported by surveykit; add an 'other' choice and a "
                             "text question relevant when it is selected", sheet.name, row, col.header, cell)
                return None
            if len(rest) > 1:
                self.problem("SK010", f"unexpected words after the list name in {text!r}", sheet.name, row,
                             col.header, cell)
                return None
            return kind, rest[0]
        if head in ("select_one_from_file", "select_multiple_from_file", "rank", "select_one_external"):
            self.problem("SK010", f"the type {head!r} is not supported by surveykit; put the choices in the "
                         "choices sheet and use select_one / select_multiple", sheet.name, row, col.header, cell)
            return None
        if len(words) == 1:
            word = words[0]
            lowered = word.lower()
            if lowered in _SIMPLE_TYPES:
                return _SIMPLE_TYPES[lowered], None
            if lowered in _METADATA:
                return lowered, None
            if lowered in _OTHER or lowered == "datetime":
                return lowered, None
        import difflib

        close = difflib.get_close_matches(head, _KNOWN_TYPE_WORDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.problem("SK010", f"unknown question type {text!r}{hint}", sheet.name, row, col.header, cell)
        return None

    def read_survey(self, sheet: _Sheet) -> list[dict[str, Any]]:
        top: list[dict[str, Any]] = []
        stack: list[tuple[dict[str, Any], int, str]] = []  # (group dict, begin row, pointer)
        containers: list[list[dict[str, Any]]] = [top]
        pointers: list[str] = [""]
        type_col = sheet.column("type")
        for row, cells in sheet.rows:
            if "type" not in cells:
                if any(k != "name" for k in cells) or "name" in cells:
                    self.problem("SK010", "a row with no type; fill in the type (e.g. text, integer, select_one "
                                 "list) or delete the row", sheet.name, row, "type",
                                 sheet.cell(type_col, row) if type_col else None)
                continue
            type_text = _cell_text(cells["type"][0]) or ""
            parsed = self._parse_type(type_text, sheet, row, cells["type"][1])
            if parsed is None:
                continue
            kind, list_name = parsed
            if kind in ("end_group", "end_repeat"):
                want = kind.split("_")[1]
                if not stack or stack[-1][0]["type"] != want:
                    open_kind = stack[-1][0]["type"] if stack else None
                    extra = f" (the open one is a {open_kind} from row {stack[-1][1]})" if stack else ""
                    self.problem("SK011", f"'{kind.replace('_', ' ')}' without a matching 'begin {want}'{extra}; "
                                 "fix or delete the row", sheet.name, row, "type", sheet.cell(cells["type"][1], row))
                    continue
                stack.pop()
                containers.pop()
                pointers.pop()
                continue
            container = containers[-1]
            ptr = f"{pointers[-1]}/{'items' if len(containers) == 1 else 'children'}/{len(container)}"
            name_cell = cells.get("name")
            name = _cell_text(name_cell[0]) if name_cell else None
            if not name:
                self.problem("SK012", f"a {type_text!r} row without name; every question, group and repeat needs "
                             "a name", sheet.name, row, "name")
                if kind in ("begin_group", "begin_repeat"):
                    name = f"unnamed_row{row}"  # keep the structure so the matching end row pairs up
                else:
                    continue
            item = self._item(kind, list_name, name, cells, sheet, row, ptr)
            container.append(item)
            if kind in ("begin_group", "begin_repeat"):
                item["children"] = []
                stack.append((item, row, ptr))
                containers.append(item["children"])
                pointers.append(ptr)
        for item, begin_row, _ptr in reversed(stack):
            self.problem("SK011", f"'begin {item['type']}' {item['name']!r} is never closed; add an 'end "
                         f"{item['type']}' row", sheet.name, begin_row, "type")
        return top

    def _item(self, kind: str, list_name: str | None, name: str, cells: dict[str, tuple[Any, _Column]],
              sheet: _Sheet, row: int, ptr: str) -> dict[str, Any]:
        item_type = {"begin_group": "group", "begin_repeat": "repeat"}.get(kind, kind)
        item: dict[str, Any] = {"type": item_type, "name": name}
        self.smap.add(ptr, sheet=sheet.name, row=row)
        is_group = item_type in ("group", "repeat")

        def where(col: _Column) -> dict[str, Any]:
            return dict(sheet=sheet.name, row=row, column=col.header, cell=sheet.cell(col, row))

        type_value, type_col = cells["type"]
        self.smap.add(f"{ptr}/type", **where(type_col))
        if list_name is not None:
            item["choices"] = list_name
            self.smap.add(f"{ptr}/choices", **where(type_col))
        if "name" in cells:
            self.smap.add(f"{ptr}/name", **where(cells["name"][1]))
        texts = ("label", "hint", "sk_universe") if is_group else (
            "label", "hint", "guidance_hint", "constraint_message", "required_message", "sk_universe",
            "sk_short_label")
        self._text_fields(cells, sheet, row, ptr, item, texts)
        handled = {"type", "name"}
        for base in texts:
            handled.add(base)
            handled.update(k for k in cells if k.startswith(base + "::"))
        expr_fields = {"relevant": "relevant"}
        if is_group:
            if item_type == "repeat":
                expr_fields["repeat_count"] = "count"
        else:
            expr_fields.update({"constraint": "constraint", "choice_filter": "choice_filter"})
            if item_type == "calculate" or "calculation" in cells:
                expr_fields["calculation"] = "calculation"
        simple = {"appearance": "appearance", "sk_concept": "concept"}
        if item_type == "repeat":
            simple["sk_unit"] = "unit"
        if not is_group:
            simple.update({"default": "default", "sk_measure": "measure", "sk_unit": "unit",
                           "sk_result_type": "result_type", "parameters": "parameters"})
        for key, (value, col) in cells.items():
            if key in handled:
                continue
            text = _cell_text(value)
            if text is None:
                continue
            if key in expr_fields:
                field = expr_fields[key]
                if field == "calculation" and item_type != "calculate":
                    item.setdefault("extra", {})[col.header] = text  # a dynamic default: kept verbatim
                    continue
                if field == "choice_filter" and list_name is None:
                    item.setdefault("extra", {})[col.header] = text
                    continue
                item[field] = text
                self.smap.add(f"{ptr}/{field}", **where(col))
            elif key == "required" and not is_group:
                word = text.lower()
                item["required"] = True if word in _YES else False if word in _NO else text
                self.smap.add(f"{ptr}/required", **where(col))
            elif key == "read_only" and not is_group:
                if text.lower() in _YES:
                    item["read_only"] = True
                self.smap.add(f"{ptr}/read_only", **where(col))
            elif key in ("sk_min", "sk_max") and not is_group:
                field = key[3:]
                self.smap.add(f"{ptr}/{field}", **where(col))
                number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
                if number is None:
                    try:
                        number = float(text)
                    except ValueError:
                        self.problem("SK014", f"{col.header} of {name!r} is {text!r}, not a number", sheet.name,
                                     row, col.header, sheet.cell(col, row))
                        continue
                if item_type == "integer":
                    if float(number).is_integer():
                        number = int(number)
                    else:
                        self.problem("SK014", f"{col.header} of integer {name!r} is {text!r}, not a whole number",
                                     sheet.name, row, col.header, sheet.cell(col, row))
                        continue
                if item_type in ("integer", "decimal"):
                    item[field] = number if item_type == "integer" else float(number)
                else:
                    item.setdefault("extra", {})[col.header] = text
            elif key == "sk_missing" and not is_group:
                item["missing"] = [] if text.lower() == "none" else text.split()
                self.smap.add(f"{ptr}/missing", **where(col))
            elif key in simple:
                field = simple[key]
                if field == "unit" and item_type not in ("integer", "decimal", "repeat") or \
                        field == "result_type" and item_type != "calculate" or \
                        field == "parameters" and item_type not in _OTHER:
                    item.setdefault("extra", {})[col.header] = text
                    continue
                item[field] = text
                self.smap.add(f"{ptr}/{field}", **where(col))
            else:
                item.setdefault("extra", {})[col.header] = text
                self.smap.add(f"{ptr}/extra", **where(col))
        if item.get("constraint") and ("min" in item or "max" in item):
            generated = _range_constraint(item.get("min"), item.get("max"), item_type == "integer")
            c = item["constraint"]
            if c == generated:
                del item["constraint"]
            elif c.startswith(generated + " and (") and c.endswith(")"):
                item["constraint"] = c[len(generated) + 6:-1]
        return item


def _range_constraint(lo: float | None, hi: float | None, integer: bool) -> str:
    """The constraint that enforces min/max in ODK (read back and removed on import)."""
    def text(x: float) -> str:
        return str(int(x)) if integer else _format_number(float(x))

    parts = []
    if lo is not None:
        parts.append(f". >= {text(lo)}")
    if hi is not None:
        parts.append(f". <= {text(hi)}")
    return " and ".join(parts)


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
        raise SpecFormatError(f"{p}: the XLSForm has {len(errors)} problem{'s' if len(errors) != 1 else ''}:\n  "
                              f"{lines}", file=str(p), problems=problems)
    return q


# ------------------------------------------------------------------------------------------------
# export
# ------------------------------------------------------------------------------------------------

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

    survey = _Table(["type", "name", *translated("label"), *translated("hint"), *translated("guidance_hint"),
                     "required", *translated("required_message"), "relevant", "constraint",
                     *translated("constraint_message"), "calculation", "choice_filter", "repeat_count",
                     "default", "read_only", "appearance", "parameters", "sk_min", "sk_max", "sk_missing",
                     *translated("sk_short_label"), *translated("sk_universe"), "sk_concept", "sk_measure",
                     "sk_unit", "sk_result_type"])

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
        row["type"] = {"select_one": f"select_one {getattr(item, 'choices', '')}",
                       "select_multiple": f"select_multiple {getattr(item, 'choices', '')}",
                       "datetime": "dateTime"}.get(t, t)
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
            row = {"list_name": list_name, "name": m.code, "sk_missing": m.kind, "sk_stata": m.stata,
                   "sk_ordered": ordered}
            _translated(q, "label", m.label, row)
            choices.add(row)

    settings_row: dict[str, Any] = {"form_id": q.id, "form_title": q.title.get(q.main_language),
                                    "version": q.version}
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
        raise SpecFormatError(f"{p}: a text holds a control character Excel cannot store ({exc}); remove it",
                              file=str(p)) from None
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(p, wb.save, SpecFormatError)
    return p

