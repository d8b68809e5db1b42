"""Reading the survey sheet: question types, groups and repeats, and each row's fields."""

from __future__ import annotations

from typing import Any

from .aliases import _KNOWN_TYPE_WORDS, _METADATA, _NO, _OTHER, _SIMPLE_TYPES, _YES, _range_constraint
from .sheets import _cell_text, _Column, _ReaderBase, _Sheet


class _SurveyReader(_ReaderBase):
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
            ("select one ", "select all that apply ", "select multiple ")
        ):
            kind = "select_multiple" if ("multiple" in joined or "all that apply" in joined) else "select_one"
            rest = (
                words[1:]
                if head in ("select_one", "select_multiple", "select1")
                else words[2:]
                if not joined.startswith("select all that apply")
                else words[4:]
            )
            if not rest:
                self.problem(
                    "SK010",
                    f"{text!r} names no choice list; write '{kind} listname'",
                    sheet.name,
                    row,
                    col.header,
                    cell,
                )
                return None
            if len(rest) > 1 and rest[1].lower() == "or_other":
                self.problem(
                    "SK010",
                    "'or_other' is not supported by surveykit; add an 'other' choice and a "
                    "text question relevant when it is selected",
                    sheet.name,
                    row,
                    col.header,
                    cell,
                )
                return None
            if len(rest) > 1:
                self.problem(
                    "SK010", f"unexpected words after the list name in {text!r}", sheet.name, row, col.header, cell
                )
                return None
            return kind, rest[0]
        if head in ("select_one_from_file", "select_multiple_from_file", "rank", "select_one_external"):
            self.problem(
                "SK010",
                f"the type {head!r} is not supported by surveykit; put the choices in the "
                "choices sheet and use select_one / select_multiple",
                sheet.name,
                row,
                col.header,
                cell,
            )
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
                    self.problem(
                        "SK010",
                        "a row with no type; fill in the type (e.g. text, integer, select_one list) or delete the row",
                        sheet.name,
                        row,
                        "type",
                        sheet.cell(type_col, row) if type_col else None,
                    )
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
                    self.problem(
                        "SK011",
                        f"'{kind.replace('_', ' ')}' without a matching 'begin {want}'{extra}; fix or delete the row",
                        sheet.name,
                        row,
                        "type",
                        sheet.cell(cells["type"][1], row),
                    )
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
                self.problem(
                    "SK012",
                    f"a {type_text!r} row without name; every question, group and repeat needs a name",
                    sheet.name,
                    row,
                    "name",
                )
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
            self.problem(
                "SK011",
                f"'begin {item['type']}' {item['name']!r} is never closed; add an 'end {item['type']}' row",
                sheet.name,
                begin_row,
                "type",
            )
        return top

    def _item(
        self,
        kind: str,
        list_name: str | None,
        name: str,
        cells: dict[str, tuple[Any, _Column]],
        sheet: _Sheet,
        row: int,
        ptr: str,
    ) -> dict[str, Any]:
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
        texts = (
            ("label", "hint", "sk_universe")
            if is_group
            else (
                "label",
                "hint",
                "guidance_hint",
                "constraint_message",
                "required_message",
                "sk_universe",
                "sk_short_label",
            )
        )
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
            simple.update(
                {
                    "default": "default",
                    "sk_measure": "measure",
                    "sk_unit": "unit",
                    "sk_result_type": "result_type",
                    "parameters": "parameters",
                }
            )
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
                        self.problem(
                            "SK014",
                            f"{col.header} of {name!r} is {text!r}, not a number",
                            sheet.name,
                            row,
                            col.header,
                            sheet.cell(col, row),
                        )
                        continue
                if item_type == "integer":
                    if float(number).is_integer():
                        number = int(number)
                    else:
                        self.problem(
                            "SK014",
                            f"{col.header} of integer {name!r} is {text!r}, not a whole number",
                            sheet.name,
                            row,
                            col.header,
                            sheet.cell(col, row),
                        )
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
                if (
                    field == "unit"
                    and item_type not in ("integer", "decimal", "repeat")
                    or field == "result_type"
                    and item_type != "calculate"
                    or field == "parameters"
                    and item_type not in _OTHER
                ):
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
                item["constraint"] = c[len(generated) + 6 : -1]
        return item
