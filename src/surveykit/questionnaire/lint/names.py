"""Name rules (SK1xx): duplicates, names SPSS/Stata/XLSForm cannot hold, case collisions, 0/1 columns."""

from __future__ import annotations

from collections import defaultdict

from ..names import MAX_NAME_LENGTH, name_problem
from ..problems import pointer
from ..typecheck import code_key
from .context import _XML_NAME, LintContext, _Entry


class NameRules(LintContext):
    def check_form_id(self) -> None:
        q = self.q
        problem = name_problem(q.id)
        if problem and not _XML_NAME.match(q.id):
            self.add("SK102", f"form id {q.id!r}: {problem}", "/id")

    def check_names(self) -> None:
        by_name: dict[str, list[_Entry]] = defaultdict(list)
        for e in self.entries:
            by_name[e.item.name].append(e)
            name = e.item.name
            if e.is_question:
                if e.item.stores_value:
                    problem = name_problem(name)
                    if problem:
                        self.add("SK102", f"name {name!r}: {problem}", e.ptr + "/name")
                elif not _XML_NAME.match(name):
                    self.add(
                        "SK102",
                        f"name {name!r} is not valid in XLSForm: use letters, digits and '_' and start with a letter",
                        e.ptr + "/name",
                    )
            else:
                problem = name_problem(name)
                if problem and not _XML_NAME.match(name):
                    self.add("SK102", f"{e.item.type} name {name!r}: {problem}", e.ptr + "/name")
        for name, entries in by_name.items():
            for dup in entries[1:]:
                self.add(
                    "SK101",
                    f"the name {name!r} is already used by the {entries[0].item.type} "
                    f"at {self.where(entries[0])}; every question, group and repeat needs its own name "
                    "(rename one)",
                    dup.ptr + "/name",
                )
        # case-insensitive collisions (SPSS); variables only
        lower: dict[str, _Entry] = {}
        for e in self.entries:
            if not (e.is_question and e.item.stores_value):
                continue
            key = e.item.name.lower()
            other = lower.get(key)
            if other is not None and other.item.name != e.item.name:
                self.add(
                    "SK103",
                    f"{e.item.name!r} and {other.item.name!r} differ only in case; SPSS "
                    "treats them as the same variable: rename one",
                    e.ptr + "/name",
                )
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
                problem = name_problem(column)
                if problem:
                    why = (
                        f"it has {len(column)} characters, Stata allows {MAX_NAME_LENGTH}; shorten the question name"
                        if len(column) > MAX_NAME_LENGTH
                        else "use codes made of letters, digits and '_'"
                    )
                    self.add(
                        "SK104",
                        f"the 0/1 column {column!r} of select_multiple {e.item.name!r} is not a valid name: {why}",
                        e.ptr + "/name",
                    )
                elif column in taken or column in derived_seen:
                    owner = "a question" if column in taken else f"a column of {derived_seen[column]!r}"
                    self.add(
                        "SK104",
                        f"the 0/1 column {column!r} of select_multiple {e.item.name!r} "
                        f"collides with {owner} of that name; rename one",
                        e.ptr + "/name",
                    )
                derived_seen.setdefault(column, e.item.name)

    def check_choice_list_names(self) -> None:
        for name in self.q.choice_lists:
            if not _XML_NAME.match(name):
                self.add(
                    "SK102",
                    f"choice list name {name!r} is not valid in XLSForm: use letters, digits and '_'",
                    pointer("choice_lists", name),
                )
