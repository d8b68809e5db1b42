"""Structure rules (SK6xx): bounds, calculations without a calculation, empty groups, no questions."""

from __future__ import annotations

from ..items import CalculateQuestion, Group, Repeat
from .context import LintContext, _num


class StructureRules(LintContext):
    def check_has_questions(self) -> None:
        if not any(e.is_question for e in self.entries):
            self.add("SK604", "the questionnaire has no questions", "/items")

    def check_items(self) -> None:
        for e in self.entries:
            item = e.item
            if isinstance(item, (Group, Repeat)):
                if not item.children:
                    self.add("SK603", f"{item.type} {item.name!r} is empty; add items or remove it", e.ptr)
                continue
            if (
                item.type in ("integer", "decimal")
                and item.min is not None
                and item.max is not None
                and item.min > item.max
            ):
                self.add(
                    "SK601",
                    f"min ({_num(item.min)}) is greater than max ({_num(item.max)}) for "
                    f"{item.name}; swap them or fix one",
                    e.ptr + "/min",
                )
            if isinstance(item, CalculateQuestion) and item.calculation is None:
                self.add(
                    "SK602",
                    f"calculate {item.name!r} has no calculation; write one (e.g. ${{a}} + ${{b}}) or change the type",
                    e.ptr + "/calculation",
                )
