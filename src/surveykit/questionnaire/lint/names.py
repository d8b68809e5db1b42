"""Name rules (SK1xx): duplicates, names SPSS/Stata/XLSForm cannot hold, case collisions, 0/1 columns."""

from __future__ import annotations

from collections import defaultdict

from ..items import Group
from ..names import MAX_NAME_LENGTH, name_problem_phrase
from ..problems import pointer
from ..typecheck import code_key
from .context import _XML_NAME, LintContext, _Entry


class NameRules(LintContext):
    def check_form_id(self) -> None:
        q = self.q
        problem = name_problem_phrase(q.id)
        if problem and not _XML_NAME.match(q.id):
            self.add("SK102", "form_id", "/id", id=q.id, problem=problem)

    def check_names(self) -> None:
        by_name: dict[str, list[_Entry]] = defaultdict(list)
        for e in self.entries:
            by_name[e.item.name].append(e)
            name = e.item.name
            if e.is_question:
                if e.item.stores_value:
                    problem = name_problem_phrase(name)
                    if problem:
                        self.add("SK102", "name", e.ptr + "/name", name=name, problem=problem)
                elif not _XML_NAME.match(name):
                    self.add("SK102", "xlsform_name", e.ptr + "/name", name=name)
            else:
                problem = name_problem_phrase(name)
                if problem and not _XML_NAME.match(name):
                    variant = "group_name" if isinstance(e.item, Group) else "repeat_name"
                    self.add("SK102", variant, e.ptr + "/name", name=name, problem=problem)
        for name, entries in by_name.items():
            for dup in entries[1:]:
                first = entries[0]
                self.add(
                    "SK101", "duplicate", dup.ptr + "/name", name=name, type=first.item.type, where=self.where(first)
                )
        # case-insensitive collisions (SPSS); variables only
        lower: dict[str, _Entry] = {}
        for e in self.entries:
            if not (e.is_question and e.item.stores_value):
                continue
            key = e.item.name.lower()
            other = lower.get(key)
            if other is not None and other.item.name != e.item.name:
                self.add("SK103", "case", e.ptr + "/name", name=e.item.name, other=other.item.name)
            lower.setdefault(key, e)
        # select_multiple 0/1 columns
        taken = {e.item.name for e in self.entries if e.is_question and e.item.stores_value}
        derived_seen: dict[str, str] = {}
        for e in self.entries:
            if not (e.is_question and e.item.type == "select_multiple"):
                continue
            lst = self.q.choice_lists.get(e.item.choices)
            if lst is None:
                continue
            for code in lst.codes():
                column = f"{e.item.name}_{code_key(code)}"
                problem = name_problem_phrase(column)
                ptr, name = e.ptr + "/name", e.item.name
                if problem and len(column) > MAX_NAME_LENGTH:
                    self.add(
                        "SK104", "too_long", ptr, column=column, name=name, length=len(column), max=MAX_NAME_LENGTH
                    )
                elif problem:
                    self.add("SK104", "bad_code", ptr, column=column, name=name)
                elif column in taken:
                    self.add("SK104", "collides_question", ptr, column=column, name=name)
                elif column in derived_seen:
                    self.add("SK104", "collides_column", ptr, column=column, name=name, other=derived_seen[column])
                derived_seen.setdefault(column, e.item.name)

    def check_choice_list_names(self) -> None:
        for name in self.q.choice_lists:
            if not _XML_NAME.match(name):
                self.add("SK102", "list_name", pointer("choice_lists", name), name=name)
