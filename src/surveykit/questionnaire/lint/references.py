"""Reference rules (SK2xx): unknown names, forward references, dependency cycles, references into repeats."""

from __future__ import annotations

import difflib

from ...rules import Severity
from ..dependencies import Dependency
from ..expression import Call, Expr, Node, Ref
from ..items import Repeat
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
                hint = f"did you mean ${{{close[0]}}}? " if close else ""
                self.add(
                    "SK201",
                    f"{field}: ${{{name}}} is not a question of this form; {hint}fix the name or add the question",
                    ptr,
                    offset,
                    expr.src,
                )
                continue
            if target.order > e.order and not (role == "constraint" and target is e):
                severity: Severity | None = "warning" if role == "calculation" else None
                inside = any(p is e.item for p in target.parents)
                why = (
                    f"{name!r} is inside {e.item.type} {e.item.name!r}, which cannot depend on its own questions"
                    if inside
                    else f"{name!r} comes later in the form ({self.where(target)}), so it is still empty here"
                )
                self.add(
                    "SK202",
                    f"{field}: ${{{name}}} refers forward: {why}; move the question before it or change the expression",
                    ptr,
                    offset,
                    expr.src,
                    severity=severity,
                )
            if in_aggregate:
                continue
            if isinstance(target.item, Repeat):
                self.add(
                    "SK204",
                    f"{field}: ${{{name}}} is a repeat; count its instances with count(${{{name}}})",
                    ptr,
                    offset,
                    expr.src,
                )
                continue
            scope = target.repeat_path
            if scope[: len(owner_scope)] == owner_scope and len(scope) > len(owner_scope):
                self.add(
                    "SK204",
                    f"{field}: ${{{name}}} is inside repeat {scope[-1]!r} (one value per "
                    "instance) but this expression is outside it; use an aggregate such as "
                    f"sum(${{{name}}}), count() or indexed-repeat()",
                    ptr,
                    offset,
                    expr.src,
                )
            elif owner_scope[: len(scope)] != scope:
                self.add(
                    "SK204",
                    f"{field}: ${{{name}}} belongs to repeat {scope[-1]!r}, another unit "
                    "than this expression's; use an aggregate (sum(), indexed-repeat()) or move the "
                    "question",
                    ptr,
                    offset,
                    expr.src,
                )

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
            steps = []
            first_edge = None
            for a, b in zip(path, path[1:]):
                edge = next(x for x in graph.edges_from(a) if x.target == b)
                if first_edge is None:
                    first_edge = edge
                steps.append(f"{a} is inside {b}" if edge.kind == "inside" else f"{a}.{edge.kind} refers to {b}")
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
            self.add(
                "SK203",
                f"cycle: {text} ({', '.join(steps)}); break it so no question depends on itself",
                ptr,
                offset,
                src,
            )
