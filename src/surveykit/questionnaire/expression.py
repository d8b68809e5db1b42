"""The expression language of relevance, constraints, calculations and choice filters.

It is the XLSForm (XPath 1.0 + ODK) subset survey designers write: ``${q}`` references, ``.`` (the
current answer), number and text literals, ``= != < <= > >=``, ``and``/``or``/``not()``,
``+ - * div mod``, and function calls such as ``selected()``, ``count-selected()``, ``if()`` and
``coalesce()``. A lark LALR grammar (``expression.lark``) parses the text into an immutable AST whose
nodes carry their character span in the source; :func:`to_source` prints an AST back as canonical text.
Nothing is ever passed to ``eval``: evaluation walks the AST (:mod:`surveykit.questionnaire.evaluate`).

Inputs are bounded: at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of nesting, so a
hostile expression gives an :class:`~surveykit.ExpressionSyntaxError`, never a ``RecursionError``.

>>> e = parse_expression("${edad} >= 18 and selected(${p5}, '2')")
>>> e.references()
['edad', 'p5']
>>> to_source(e.ast)
"${edad} >= 18 and selected(${p5}, '2')"
>>> parse_expression(". > (0")
Traceback (most recent call last):
...
surveykit.errors.ExpressionSyntaxError: expression '. > (0': the '(' at character 5 is never closed; add ')'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar, Iterator

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from ..errors import ExpressionSyntaxError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MAX_LENGTH",
    "MAX_DEPTH",
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
    "Expr",
    "parse_expression",
    "to_source",
]

#: Longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting accepted (parentheses, and levels of the syntax tree).
MAX_DEPTH = 100

# --------------------------------------------------------------------------------------------
# AST
# --------------------------------------------------------------------------------------------

#: Binding strength of each binary operator (higher binds tighter), as in XPath 1.0.
PRECEDENCE = {"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
              "+": 5, "-": 5, "*": 6, "div": 6, "mod": 6}
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


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------

def _span(first: Any, last: Any) -> tuple[int, int]:
    start = first.start_pos if isinstance(first, Token) else first.span[0]
    end = last.end_pos if isinstance(last, Token) else last.span[1]
    return (start, end)


class _NotText(ExpressionSyntaxError, TypeError):
    """Not text at all: an ExpressionSyntaxError, and still the TypeError it always was."""


class _TooDeep(Exception):
    def __init__(self, offset: int, message: str | None = None) -> None:
        self.offset = offset
        self.message = message or (f"it is nested more than {MAX_DEPTH} levels deep; simplify it or split it "
                                   "into calculate questions")


#: Most digits before the decimal point of a number literal: beyond them it is no finite number.
MAX_NUMBER_DIGITS = 308


def _depth(*children: Node) -> int:
    d = 1 + max((c.depth for c in children), default=0)
    if d > MAX_DEPTH:
        raise _TooDeep(children[0].span[0])
    return d


class _ToAst(Transformer):
    """Builds the AST while the LALR parser reduces (bottom-up, no recursion)."""

    def number(self, c: list[Any]) -> Number:
        text = c[0].value
        digits = len(text.split(".")[0].lstrip("0"))
        if digits > MAX_NUMBER_DIGITS:
            # int() of 4,300+ digits raises, and anything past 1.8e308 is no float: refuse it here
            raise _TooDeep(c[0].start_pos, f"the number at character {c[0].start_pos + 1} has {digits} digits; "
                           f"numbers may have at most {MAX_NUMBER_DIGITS} (no survey value is that large)")
        value: int | float = float(text) if "." in text else int(text)
        return Number(value, span=_span(c[0], c[0]))

    def string(self, c: list[Any]) -> String:
        return String(c[0].value[1:-1], span=_span(c[0], c[0]))

    def ref(self, c: list[Any]) -> Ref:
        return Ref(c[0].value[2:-1], span=_span(c[0], c[0]))

    def current(self, c: list[Any]) -> Current:
        return Current(span=_span(c[0], c[0]))

    def parent(self, c: list[Any]) -> Parent:
        return Parent(span=_span(c[0], c[0]))

    def bare_name(self, c: list[Any]) -> Name:
        return Name(c[0].value, span=_span(c[0], c[0]))

    def negate(self, c: list[Any]) -> Negate:
        return Negate(c[1], span=_span(c[0], c[1]), depth=_depth(c[1]))

    def binary(self, c: list[Any]) -> Binary:
        left, op, right = c
        return Binary(op.value, left, right, span=_span(left, right), depth=_depth(left, right))

    def paren(self, c: list[Any]) -> Node:
        # the parentheses are not a node: the printer puts back the ones precedence needs
        return c[1]

    def arguments(self, c: list[Any]) -> list[Node]:
        return [x for x in c if not isinstance(x, Token)]

    def call(self, c: list[Any]) -> Call:
        args = tuple(c[2]) if c[2] is not None else ()
        depth = _depth(*args) if args else 1
        return Call(c[0].value, args, span=_span(c[0], c[-1]), depth=depth)


@functools.cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("expression.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", keep_all_tokens=True, transformer=_ToAst(),
                propagate_positions=False, maybe_placeholders=True)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _syntax_error(text: str, offset: int, what: str) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(f"expression {_short(text)!r}: {what}", expression=text, offset=offset)


def _precheck(text: str) -> None:
    """Find unbalanced parentheses, unclosed quotes and references, and excessive size or nesting,
    with messages a designer understands (the parser alone would only say 'unexpected token')."""
    if len(text) > MAX_LENGTH:
        raise _syntax_error(text, MAX_LENGTH, f"it has {len(text)} characters, more than the "
                            f"{MAX_LENGTH} allowed; split it into calculate questions")
    if not text.strip():
        raise _syntax_error(text, 0, "it is empty; write an expression or remove the entry")
    opened: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise _syntax_error(text, i, f"the text starting with {ch} at character {i + 1} is never "
                                    f"closed; add the closing {ch}")
            i = end + 1
            continue
        if ch == "$" and text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise _syntax_error(text, i, f"the reference '${{' at character {i + 1} is never closed; "
                                    "write ${name}")
            i = end + 1
            continue
        if ch == "(":
            opened.append(i)
            if len(opened) > MAX_DEPTH:
                raise _syntax_error(text, i, f"parentheses are nested more than {MAX_DEPTH} deep; "
                                    "simplify it or split it into calculate questions")
        elif ch == ")":
            if not opened:
                raise _syntax_error(text, i, f"the ')' at character {i + 1} has no matching '('; "
                                    "remove it or add '('")
            opened.pop()
        i += 1
    if opened:
        raise _syntax_error(text, opened[-1], f"the '(' at character {opened[-1] + 1} is never closed; "
                            "add ')'")


_TERMINAL_WORDS = {
    "$END": "the end", "RPAR": "')'", "LPAR": "'('", "COMMA": "','", "AND": "'and'", "OR": "'or'",
    "EQ_OP": "a comparison", "REL_OP": "a comparison", "PLUS": "'+'", "MINUS": "'-'",
    "MUL_OP": "'*', 'div' or 'mod'", "NUMBER": "a number", "STRING": "a text in quotes",
    "REF": "a reference ${name}", "DOT": "'.'", "DOTDOT": "'..'", "NAME": "a name",
    "FUNC": "a function call",
}
_OPERAND_TERMINALS = {"NUMBER", "STRING", "REF", "DOT", "NAME", "FUNC", "LPAR", "MINUS"}


def _describe_unexpected(text: str, exc: UnexpectedInput) -> ExpressionSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        char = text[pos] if pos < len(text) else ""
        hint = ""
        if char == "&" or char == "|":
            hint = "; write 'and' / 'or'"
        elif char == "!":
            hint = "; write not(...) or '!='"
        elif char == "$":
            hint = "; write references as ${name}"
        return _syntax_error(text, pos, f"unexpected character {char!r} at character {pos + 1}{hint}")
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    expected = set(exc.expected)
    if token.type == "$END":
        pos = len(text.rstrip())
        if expected & _OPERAND_TERMINALS:
            return _syntax_error(text, pos, "it ends where a value was expected; complete the expression "
                                 "after the last operator")
        return _syntax_error(text, pos, "it ends too early; complete the expression")
    pos = token.start_pos
    if expected & _OPERAND_TERMINALS and not expected & {"AND", "OR", "$END"}:
        what = f"expected a value at character {pos + 1} but found {token.value!r}"
        if token.type in ("AND", "OR", "EQ_OP", "REL_OP", "MUL_OP", "PLUS"):
            what += "; an operand is missing"
        return _syntax_error(text, pos, what)
    if token.type == "NAME" and token.value.lower() in ("and", "or", "not", "div", "mod"):
        return _syntax_error(text, pos, f"{token.value!r} at character {pos + 1} must be lower case")
    if token.type == "COMMA":
        return _syntax_error(text, pos, f"unexpected ',' at character {pos + 1} outside a function call")
    if token.type in ("NAME", "REF", "NUMBER", "STRING", "FUNC", "LPAR", "DOT"):
        return _syntax_error(text, pos, f"an operator is missing before {token.value!r} at character "
                             f"{pos + 1} (e.g. 'and', '=', '+')")
    words = sorted({_TERMINAL_WORDS.get(t, t) for t in expected})
    return _syntax_error(text, pos, f"unexpected {token.value!r} at character {pos + 1}; expected "
                         + ", ".join(words))


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str) -> Node:
    _precheck(text)
    try:
        return _parser().parse(text)
    except _TooDeep as deep:
        raise _syntax_error(text, deep.offset, deep.message) from None
    except UnexpectedInput as exc:
        raise _describe_unexpected(text, exc) from None
    except Exception as exc:  # lark wraps errors raised in the transformer
        inner = exc.__context__ if not isinstance(exc, _TooDeep) else exc
        if isinstance(inner, _TooDeep) or isinstance(getattr(exc, "orig_exc", None), _TooDeep):
            deep = inner if isinstance(inner, _TooDeep) else exc.orig_exc  # type: ignore[attr-defined]
            raise _syntax_error(text, deep.offset, deep.message) from None
        raise


# --------------------------------------------------------------------------------------------
# printing
# --------------------------------------------------------------------------------------------

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
        "use concat() of two literals", expression=value, offset=0)


def to_source(node: Node) -> str:
    """Print an AST as canonical expression text, with only the parentheses precedence needs.

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


# --------------------------------------------------------------------------------------------
# Expr: an expression as it appears in a spec
# --------------------------------------------------------------------------------------------

class Expr:
    """An expression of a questionnaire: its source text, parsed on first use.

    An ``Expr`` keeps the text exactly as written (that is what it compares and serialises by), so a
    spec with a syntax error still loads and :meth:`surveykit.Questionnaire.lint` can report it with
    the others. Use :func:`parse_expression` to parse at once.

    Parameters
    ----------
    src
        The expression text, e.g. ``"${edad} >= 18"``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = Expr("${edad} >= 18")
    >>> e.references()
    ['edad']
    >>> e.evaluate(pd.DataFrame({"edad": [17, 30, None]})).tolist()
    [False, True, <NA>]
    >>> Expr("${a} >").error is not None
    True
    """

    __slots__ = ("src",)
    _JSON_DESCRIPTION: ClassVar[str] = (
        "An XLSForm-style expression: ${name} references, '.', literals, = != < <= > >=, and/or/not(), "
        "+ - * div mod, selected(), count-selected(), if(), coalesce(), ...")

    def __init__(self, src: str) -> None:
        if isinstance(src, Expr):
            src = src.src
        if not isinstance(src, str):
            raise _NotText(f"an expression is text (e.g. '${{edad}} >= 18'), got {type(src).__name__} {src!r:.60}",
                           expression=None, offset=0)
        self.src = src

    # -- parsing ---------------------------------------------------------------------------
    @property
    def ast(self) -> Node:
        """The syntax tree; raises :class:`~surveykit.ExpressionSyntaxError` if the text does not parse."""
        return _parse_cached(self.src)

    @property
    def error(self) -> ExpressionSyntaxError | None:
        """The syntax error of the text, or ``None`` when it parses."""
        try:
            _parse_cached(self.src)
        except ExpressionSyntaxError as exc:
            return exc
        return None

    def references(self) -> list[str]:
        """Names of the questions the expression refers to with ``${name}``, in order, each once.

        >>> Expr("if(${a} > 0, ${b}, ${a})").references()
        ['a', 'b']
        """
        seen: dict[str, None] = {}
        for node in self.ast.walk():
            if isinstance(node, Ref):
                seen.setdefault(node.name)
        return list(seen)

    def canonical(self) -> str:
        """The expression printed canonically (see :func:`to_source`).

        >>> Expr("(${a})=1").canonical()
        '${a} = 1'
        """
        return to_source(self.ast)

    def evaluate(self, df: pd.DataFrame, current: str | pd.Series | None = None, *,
                 questionnaire: Any = None) -> pd.Series:
        """Evaluate over every row of ``df`` at once; see :func:`surveykit.questionnaire.evaluate.evaluate`.

        >>> import pandas as pd
        >>> Expr(". <= ${b}").evaluate(pd.DataFrame({"a": [1, 5], "b": [2, 2]}), current="a").tolist()
        [True, False]
        """
        from .evaluate import evaluate

        return evaluate(self, df, current=current, questionnaire=questionnaire)

    # -- value semantics ---------------------------------------------------------------------
    def __str__(self) -> str:
        return self.src

    def __repr__(self) -> str:
        return f"Expr({self.src!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Expr):
            return self.src == other.src
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Expr", self.src))

    # -- pydantic integration ----------------------------------------------------------------
    @classmethod
    def _validate(cls, value: Any) -> Expr:
        if isinstance(value, Expr):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, bool):
            raise ValueError("an expression must be text, not true/false")
        if isinstance(value, (int, float)):
            return cls(str(value))  # e.g. a repeat count of 3 typed as a number
        raise ValueError(f"an expression must be text, got {type(value).__name__}")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda e: e.src,
                                                                           return_schema=core_schema.str_schema()),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "description": cls._JSON_DESCRIPTION}


def parse_expression(text: str) -> Expr:
    """Parse ``text`` now and return it as an :class:`Expr`.

    Raises :class:`~surveykit.ExpressionSyntaxError` (a :class:`~surveykit.ExpressionError`) naming the
    expression and the character where it fails.

    >>> import surveykit as sk
    >>> sk.parse_expression("count-selected(${p7}) >= 2").references()
    ['p7']
    >>> sk.parse_expression("${a} = = 1")
    Traceback (most recent call last):
    ...
    surveykit.errors.ExpressionSyntaxError: expression '${a} = = 1': expected a value at character 8 but found '='; an operand is missing
    """
    expr = Expr(text)
    expr.ast  # noqa: B018  (parse now: raise on bad syntax)
    return expr
