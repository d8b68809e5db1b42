"""Expression rules (SK3xx): syntax, types, functions, unreachable relevance, unsatisfiable constraints."""

from __future__ import annotations

from typing import Any

from ...errors import ExpressionSyntaxError
from ..satisfiability import CURRENT, Domain, never_true
from ..expression import Expr, Node, Ref, to_source
from ..items import Group
from ..lint_rules import phrase
from ..typecheck import CheckContext, VType, check
from .context import LintContext, _Entry, _range_text, _ref_info


class ExpressionRules(LintContext):
    def _expressions(self) -> list[tuple[_Entry, str, Expr, str]]:
        found = []
        for e in self.entries:
            item = e.item
            for field, role in (
                ("relevant", "relevant"),
                ("constraint", "constraint"),
                ("calculation", "calculation"),
                ("choice_filter", "choice_filter"),
                ("count", "repeat_count"),
                ("required", "required"),
            ):
                value = getattr(item, field, None)
                if isinstance(value, Expr):
                    found.append((e, field, value, role))
        return found

    def check_expressions(self) -> None:
        lookup = self.infos.get
        for e, field, expr, role in self._expressions():
            ptr = f"{e.ptr}/{field}"
            try:
                ast = expr.ast
            except ExpressionSyntaxError as exc:
                self.add("SK301", "syntax", ptr, exc.offset, expr.src, detail=exc.context.get("detail") or str(exc))
                continue
            self.parsed[(e.ptr, field)] = ast
            choice_columns = None
            if role == "choice_filter":
                lst = self.q.choice_lists.get(e.item.choices)
                choice_columns = frozenset(k for c in lst.choices for k in c.filters) if lst else frozenset()
            current = self.infos.get(e.item.name) if role == "constraint" and e.is_question else None
            if role == "constraint" and e.is_question and current is None:
                current = _ref_info(e.item, self.q, e.missing)
            ctx = CheckContext(lookup=lookup, role=role, current=current, choice_columns=choice_columns)
            t, issues = check(ast, ctx)
            for issue in issues:
                self.add(
                    issue.code,
                    "type_check",
                    ptr,
                    issue.span[0],
                    expr.src,
                    severity=issue.severity,
                    field=field,
                    detail=issue.detail if issue.detail is not None else issue.message,
                )
            if role == "calculation" and e.item.result_type:
                self._check_result_type(e, t, ptr, expr)
            self.expressions.append((e, field, role, expr, ast, ptr))
            if role == "constraint" and e.is_question:
                self._check_constraint_satisfiable(e, ast, ptr, expr)

    def _check_result_type(self, e: _Entry, t: VType, ptr: str, expr: Expr) -> None:
        rt = e.item.result_type
        ok = {
            "integer": (VType.NUMBER, VType.CODE),
            "decimal": (VType.NUMBER, VType.CODE),
            "text": (VType.TEXT, VType.CODE),
            "boolean": (VType.BOOLEAN,),
            "date": (VType.DATE,),
        }[rt]
        if t not in ok and t is not VType.ANY:
            self.add(
                "SK302",
                "result_type",
                ptr,
                0,
                expr.src,
                severity="warning",
                result_type=rt,
                type=phrase(f"type.{t.value}"),
            )

    def _domain(self, entry: _Entry, env_key: str) -> Domain | None:
        item = entry.item
        if not entry.is_question:
            return None
        missing = [m.code for m in entry.missing if not isinstance(m.code, str)]
        if item.type in ("integer", "decimal"):
            return Domain.interval(
                item.min, item.max, integer=item.type == "integer", points=tuple(float(c) for c in missing)
            )
        if item.type == "select_one":
            lst = self.q.choice_lists.get(item.choices)
            if lst is None:
                return None
            return Domain.codes([*lst.codes(), *(m.code for m in entry.missing)])
        if item.type == "select_multiple":
            lst = self.q.choice_lists.get(item.choices)
            if lst is None:
                return None
            return Domain.codes([*lst.codes(), *(m.code for m in entry.missing)])
        return None

    def _env(self, ast: Node, current: _Entry | None = None) -> dict[str, Domain]:
        env: dict[str, Domain] = {}
        for node in ast.walk():
            if isinstance(node, Ref) and node.name not in env:
                target = self.first.get(node.name)
                if target is None:
                    continue
                if node.name in self.unreachable:
                    env[node.name] = Domain(empty_only=True)
                    continue
                dom = self._domain(target, node.name)
                if dom is not None:
                    env[node.name] = dom
        if current is not None:
            dom = self._domain(current, CURRENT)
            if dom is not None:
                env[CURRENT] = dom
        return env

    def _check_constraint_satisfiable(self, e: _Entry, ast: Node, ptr: str, expr: Expr) -> None:
        if e.item.type not in ("integer", "decimal", "select_one"):
            return
        if never_true(ast, self._env(ast, e)):
            bounds = phrase("bounds.none")
            if e.item.type in ("integer", "decimal") and (e.item.min is not None or e.item.max is not None):
                bounds = phrase("bounds.within", range=_range_text(e.item.min, e.item.max))
            self.add("SK310", "unsatisfiable", ptr, 0, expr.src, bounds=bounds, constraint=to_source(ast))

    def check_reachability(self) -> None:
        dead_groups: list[_Entry] = []
        for e in self.entries:
            if any(p in [d.item for d in dead_groups] for p in e.parents):
                self.unreachable.add(e.item.name)
                continue
            ast = self.parsed.get((e.ptr, "relevant"))
            if ast is None:
                continue
            if never_true(ast, self._env(ast)):
                self.unreachable.add(e.item.name)
                fields: dict[str, Any] = {"name": e.item.name, "relevance": to_source(ast)}
                if e.is_question:
                    variant = "question"
                else:
                    variant = "group" if isinstance(e.item, Group) else "repeat"
                    fields["n"] = self._count_inside(e)
                self.add("SK307", variant, f"{e.ptr}/relevant", 0, e.item.relevant.src, **fields)
                if not e.is_question:
                    dead_groups.append(e)

    def _count_inside(self, group: _Entry) -> int:
        return sum(1 for e in self.entries if e.is_question and any(p is group.item for p in e.parents))
