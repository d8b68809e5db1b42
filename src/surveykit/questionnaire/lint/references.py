"""Reference rules (SK2xx): unknown names, forward references, dependency cycles, references into repeats."""

from __future__ import annotations

import difflib
from typing import Any

from ...rules import Severity
from ..dependencies import Dependency
from ..expression import Call, Expr, Node, Ref
from ..items import Group, Repeat
from ..lint_rules import Phrase, phrase
from ..typecheck import REPEAT_AGGREGATES
from .context import LintContext, _Entry


class ReferenceRules(LintContext):
    def check_references(self) -> None:
        for e, field, role, expr, ast, ptr in self.expressions:
            self._check_references(e, field, role, expr, ast, ptr)

    def _check_references(self, e: _Entry, field: str, role: str, expr: Expr, ast: Node, ptr: str) -> None:
        owner_scope = e.repeat_path  # the units the expression is evaluated in (a repeat's own
        # relevance and count are evaluated outside it)
        stack: list[tuple[Node, bool]] = [(ast, False)]  # (node, inside an aggregate call)
        while stack:
            node, in_aggregate = stack.pop()
            if isinstance(node, Call):
                inner = in_aggregate or node.name in REPEAT_AGGREGATES
                stack.extend((a, inner) for a in node.args)
                continue
            if not isinstance(node, Ref):
                stack.extend((c, in_aggregate) for c in node.children())
                continue
            name = node.name
            target = self.first.get(name)
            offset = node.span[0]
            if target is None:
                close = difflib.get_close_matches(name, list(self.first), n=1)
                hint = phrase("hint.reference", name=close[0]) if close else phrase("hint.none")
                self.add("SK201", "unknown", ptr, offset, expr.src, field=field, name=name, hint=hint)
                continue
            if target.order > e.order and not (role == "constraint" and target is e):
                severity: Severity | None = "warning" if role == "calculation" else None
                if any(p is e.item for p in target.parents):
                    variant = "inside_group" if isinstance(e.item, Group) else "inside_repeat"
                    where: dict[str, Any] = {"owner": e.item.name}
                else:
                    variant, where = "later", {"where": self.where(target)}
                self.add("SK202", variant, ptr, offset, expr.src, severity=severity, field=field, name=name, **where)
            if in_aggregate:
                continue
            if isinstance(target.item, Repeat):
                self.add("SK204", "repeat", ptr, offset, expr.src, field=field, name=name)
                continue
            scope = target.repeat_path
            if scope[: len(owner_scope)] == owner_scope and len(scope) > len(owner_scope):
                self.add("SK204", "inside", ptr, offset, expr.src, field=field, name=name, repeat=scope[-1])
            elif owner_scope[: len(scope)] != scope:
                self.add("SK204", "other_unit", ptr, offset, expr.src, field=field, name=name, repeat=scope[-1])

    def check_cycles(self) -> None:
        # a constraint never decides whether a question is asked; being inside a group or repeat
        # matters only through its relevance (of that very group: names may be duplicated, SK101)
        def asked_if(d: Dependency) -> bool:
            if d.kind == "inside":
                return any(p.name == d.target and p.relevant is not None for p in self.by_pointer[d.pointer].parents)
            return d.kind != "constraint"

        graph = self.q.dependencies().filter(asked_if)
        for cycle in graph.cycles:
            start = cycle[0]
            path = [*cycle, start]
            steps: list[Phrase] = []
            first_edge = None
            for a, b in zip(path, path[1:]):
                edge = next(x for x in graph.edges_from(a) if x.target == b)
                if first_edge is None:
                    first_edge = edge
                steps.append(
                    phrase("step.inside", a=a, b=b)
                    if edge.kind == "inside"
                    else phrase("step.refers", a=a, field=edge.kind, b=b)
                )
            text = " -> ".join(path)
            start_entry = self.first[start]
            if first_edge is not None and first_edge.kind != "inside":
                ptr, offset = first_edge.pointer, first_edge.offset
                # the item whose expression it is (with a duplicated name, not necessarily the first)
                owner = self.by_pointer[ptr.rsplit("/", 1)[0]]
                expr = getattr(owner.item, first_edge.kind)
                src = expr.src if isinstance(expr, Expr) else None
            else:
                ptr, offset, src = start_entry.ptr, None, None
            self.add("SK203", "cycle", ptr, offset, src, path=text, steps=tuple(steps))
