"""Parsing expression text into a syntax tree with the lark LALR grammar ``expression.lark``.

Inputs are bounded (:data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels) and every failure is an
:class:`~surveykit.ExpressionSyntaxError` that names the character and says what to write instead.
"""

from __future__ import annotations


import functools
from importlib import resources
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..errors import ExpressionSyntaxError
from .syntax import Binary, Call, Current, Name, Negate, Node, Number, Parent, Ref, String

__all__ = ["MAX_LENGTH", "MAX_DEPTH", "MAX_NUMBER_DIGITS"]

#: Longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting accepted (parentheses, and levels of the syntax tree).
MAX_DEPTH = 100


def _span(first: Any, last: Any) -> tuple[int, int]:
    # lark types token positions as optional; its lexer always sets them
    start = cast(int, first.start_pos) if isinstance(first, Token) else first.span[0]
    end = cast(int, last.end_pos) if isinstance(last, Token) else last.span[1]
    return (start, end)


class _NotText(ExpressionSyntaxError, TypeError):
    """Not text at all: an ExpressionSyntaxError, and still the TypeError it always was."""


class _TooDeep(Exception):
    def __init__(self, offset: int, message: str | None = None) -> None:
        self.offset = offset
        self.message = message or (
            f"it is nested more than {MAX_DEPTH} levels deep; simplify it or split it into calculate questions"
        )


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
            raise _TooDeep(
                c[0].start_pos,
                f"the number at character {c[0].start_pos + 1} has {digits} digits; "
                f"numbers may have at most {MAX_NUMBER_DIGITS} (no survey value is that large)",
            )
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
    return Lark(
        grammar,
        parser="lalr",
        keep_all_tokens=True,
        transformer=_ToAst(),
        propagate_positions=False,
        maybe_placeholders=True,
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _syntax_error(text: str, offset: int, what: str) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(f"expression {_short(text)!r}: {what}", expression=text, offset=offset)


def _precheck(text: str) -> None:
    """Find unbalanced parentheses, unclosed quotes and references, and excessive size or nesting,
    with messages a designer understands (the parser alone would only say 'unexpected token')."""
    if len(text) > MAX_LENGTH:
        raise _syntax_error(
            text,
            MAX_LENGTH,
            f"it has {len(text)} characters, more than the {MAX_LENGTH} allowed; split it into calculate questions",
        )
    if not text.strip():
        raise _syntax_error(text, 0, "it is empty; write an expression or remove the entry")
    opened: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise _syntax_error(
                    text, i, f"the text starting with {ch} at character {i + 1} is never closed; add the closing {ch}"
                )
            i = end + 1
            continue
        if ch == "$" and text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise _syntax_error(
                    text, i, f"the reference '${{' at character {i + 1} is never closed; write ${{name}}"
                )
            i = end + 1
            continue
        if ch == "(":
            opened.append(i)
            if len(opened) > MAX_DEPTH:
                raise _syntax_error(
                    text,
                    i,
                    f"parentheses are nested more than {MAX_DEPTH} deep; "
                    "simplify it or split it into calculate questions",
                )
        elif ch == ")":
            if not opened:
                raise _syntax_error(text, i, f"the ')' at character {i + 1} has no matching '('; remove it or add '('")
            opened.pop()
        i += 1
    if opened:
        raise _syntax_error(text, opened[-1], f"the '(' at character {opened[-1] + 1} is never closed; add ')'")


_TERMINAL_WORDS = {
    "$END": "the end",
    "RPAR": "')'",
    "LPAR": "'('",
    "COMMA": "','",
    "AND": "'and'",
    "OR": "'or'",
    "EQ_OP": "a comparison",
    "REL_OP": "a comparison",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MUL_OP": "'*', 'div' or 'mod'",
    "NUMBER": "a number",
    "STRING": "a text in quotes",
    "REF": "a reference ${name}",
    "DOT": "'.'",
    "DOTDOT": "'..'",
    "NAME": "a name",
    "FUNC": "a function call",
}
_OPERAND_TERMINALS = {"NUMBER", "STRING", "REF", "DOT", "NAME", "FUNC", "LPAR", "MINUS"}


def _describe_unexpected(text: str, exc: UnexpectedInput) -> ExpressionSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        pos = cast(int, exc.pos_in_stream)  # always set for a character error (typed optional)
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
            return _syntax_error(
                text, pos, "it ends where a value was expected; complete the expression after the last operator"
            )
        return _syntax_error(text, pos, "it ends too early; complete the expression")
    pos = cast(int, token.start_pos)  # set by the lexer (typed optional)
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
        return _syntax_error(
            text, pos, f"an operator is missing before {token.value!r} at character {pos + 1} (e.g. 'and', '=', '+')"
        )
    words = sorted({_TERMINAL_WORDS.get(t, t) for t in expected})
    return _syntax_error(text, pos, f"unexpected {token.value!r} at character {pos + 1}; expected " + ", ".join(words))


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str) -> Node:
    _precheck(text)
    try:
        return cast(Node, _parser().parse(text))  # the transformer turns the tree into a Node
    except _TooDeep as deep:
        raise _syntax_error(text, deep.offset, deep.message) from None
    except UnexpectedInput as exc:
        raise _describe_unexpected(text, exc) from None
    except Exception as exc:  # lark wraps errors raised in the transformer
        inner = exc.__context__ if not isinstance(exc, _TooDeep) else exc
        too_deep = inner if isinstance(inner, _TooDeep) else getattr(exc, "orig_exc", None)
        if isinstance(too_deep, _TooDeep):
            raise _syntax_error(text, too_deep.offset, too_deep.message) from None
        raise
