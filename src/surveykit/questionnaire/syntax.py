"""The syntax tree of an expression: immutable nodes with their span in the source, printed back canonically."""

from __future__ import annotations


from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator


from ..errors import ExpressionSyntaxError

__all__ = [
    "Node",
    "Number",
    "String",
    "Ref",
    "Current",
    "Parent",
    "Name",
    "Negate",
    "Binary",
    "Call",
    "PRECEDENCE",
    "to_source",
]

#: Binding strength of each binary operator (higher binds tighter), as in XPath 1.0.
PRECEDENCE = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
_UNARY_PRECEDENCE = 7
_ATOM_PRECEDENCE = 8


@dataclass(frozen=True)
class Node:
    """A node of the expression syntax tree.

    ``span`` is ``(start, end)``: character offsets of the node in the source text (end exclusive).
    Spans and depth are not part of equality, so two parses of equivalent text compare equal.
    """

    span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False, kw_only=True)
    depth: int = field(default=1, compare=False, repr=False, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        """The direct sub-expressions."""
        return ()

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, parents before children, left to right (no recursion)."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children()))


@dataclass(frozen=True)
class Number(Node):
    """A number literal (``18``, ``2.5``)."""

    value: int | float


@dataclass(frozen=True)
class String(Node):
    """A text literal (``'1'`` or ``"sí"``); select answers are compared as text in XLSForm."""

    value: str


@dataclass(frozen=True)
class Ref(Node):
    """A reference to a question: ``${name}``."""

    name: str


@dataclass(frozen=True)
class Current(Node):
    """``.``: the answer being constrained."""


@dataclass(frozen=True)
class Parent(Node):
    """``..``: the enclosing group or repeat instance (only meaningful inside ``position(..)``)."""


@dataclass(frozen=True)
class Name(Node):
    """A bare name: a column of the choices sheet inside a ``choice_filter``."""

    name: str


@dataclass(frozen=True)
class Negate(Node):
    """Unary minus."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    """A binary operation: ``or and = != < <= > >= + - * div mod``."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    """A function call, e.g. ``selected(${q}, '1')``."""

    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return PRECEDENCE[node.op]
    if isinstance(node, Negate):
        return _UNARY_PRECEDENCE
    return _ATOM_PRECEDENCE


def _format_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(float(value))), "f")  # XPath has no exponent notation
    return text if "." in text else text + ".0"


def _format_string(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ExpressionSyntaxError(
        f"the text {value!r} has both quote characters; XPath 1.0 cannot write it as one literal: "
        "use concat() of two literals",
        expression=value,
        offset=0,
    )


def to_source(node: Node) -> str:
    """Print an AST as canonical expression text, with only the parentheses precedence needs.

    >>> from surveykit.questionnaire.expression import parse_expression
    >>> to_source(parse_expression("(${a} + 1) * ((2))").ast)
    '(${a} + 1) * 2'
    >>> to_source(parse_expression("${a} - (${b} - 1)").ast)
    '${a} - (${b} - 1)'
    """
    if isinstance(node, Number):
        return _format_number(node.value)
    if isinstance(node, String):
        return _format_string(node.value)
    if isinstance(node, Ref):
        return "${" + node.name + "}"
    if isinstance(node, Current):
        return "."
    if isinstance(node, Parent):
        return ".."
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Negate):
        inner = to_source(node.operand)
        if _precedence(node.operand) < _UNARY_PRECEDENCE:
            inner = f"({inner})"
        return "-" + inner
    if isinstance(node, Binary):
        prec = PRECEDENCE[node.op]
        left = to_source(node.left)
        if _precedence(node.left) < prec:
            left = f"({left})"
        right = to_source(node.right)
        if _precedence(node.right) <= prec:  # operators are left-associative
            right = f"({right})"
        return f"{left} {node.op} {right}"
    if isinstance(node, Call):
        return node.name + "(" + ", ".join(to_source(a) for a in node.args) + ")"
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover
