"""Structure rules (SK6xx): bounds, calculations without a calculation, empty groups, no questions."""

from __future__ import annotations

from ..items import CalculateQuestion, Group, Repeat
from .context import LintContext, _num


class StructureRules(LintContext):
    def check_has_questions(self) -> None:
        if not any(e.is_question for e in self.entries):
            self.add("SK604", "no_questions", "/items")

    def check_items(self) -> None:
        for e in self.entries:
            item = e.item
            if isinstance(item, (Group, Repeat)):
                if not item.children:
                    self.add(
                        "SK603", "empty_group" if isinstance(item, Group) else "empty_repeat", e.ptr, name=item.name
                    )
                continue
            if (
                item.type in ("integer", "decimal")
                and item.min is not None
                and item.max is not None
                and item.min > item.max
            ):
                self.add("SK601", "min_max", e.ptr + "/min", min=_num(item.min), max=_num(item.max), name=item.name)
            if isinstance(item, CalculateQuestion) and item.calculation is None:
                self.add("SK602", "no_calculation", e.ptr + "/calculation", name=item.name)
