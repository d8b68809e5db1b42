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
    def __init__(self, offset: int, key: str = "syntax.nested", **fields: Any) -> None:
        self.offset = offset
        self.key = key
        self.fields = fields or {"max": MAX_DEPTH}


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
                c[0].start_pos, "syntax.number_digits", at=c[0].start_pos + 1, digits=digits, max=MAX_NUMBER_DIGITS
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


def _syntax_error(text: str, offset: int, key: str, /, **fields: Any) -> ExpressionSyntaxError:
    """The error of ``text`` at ``offset``, worded by the phrase ``key`` (English message; the phrase,
    for other languages, in its context as ``detail``)."""
    from .lint_rules import phrase  # the wording lives in the lint catalogue's phrases

    detail = phrase("syntax.error", expression=_short(text), what=phrase(key, **fields))
    return ExpressionSyntaxError(detail.render("en"), expression=text, offset=offset, detail=detail)


def _precheck(text: str) -> None:
    """Find unbalanced parentheses, unclosed quotes and references, and excessive size or nesting,
    with messages a designer understands (the parser alone would only say 'unexpected token')."""
    if len(text) > MAX_LENGTH:
        raise _syntax_error(text, MAX_LENGTH, "syntax.too_long", length=len(text), max=MAX_LENGTH)
    if not text.strip():
        raise _syntax_error(text, 0, "syntax.empty")
    opened: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise _syntax_error(text, i, "syntax.open_text", quote=ch, at=i + 1)
            i = end + 1
            continue
        if ch == "$" and text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise _syntax_error(text, i, "syntax.open_reference", at=i + 1)
            i = end + 1
            continue
        if ch == "(":
            opened.append(i)
            if len(opened) > MAX_DEPTH:
                raise _syntax_error(text, i, "syntax.parentheses_deep", max=MAX_DEPTH)
        elif ch == ")":
            if not opened:
                raise _syntax_error(text, i, "syntax.unmatched_close", at=i + 1)
            opened.pop()
        i += 1
    if opened:
        raise _syntax_error(text, opened[-1], "syntax.unclosed_open", at=opened[-1] + 1)


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
        from .lint_rules import phrase

        hint = phrase("hint.none")
        if char == "&" or char == "|":
            hint = phrase("syntax.hint_and_or")
        elif char == "!":
            hint = phrase("syntax.hint_not")
        elif char == "$":
            hint = phrase("syntax.hint_reference")
        return _syntax_error(text, pos, "syntax.unexpected_character", char=char, at=pos + 1, hint=hint)
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    expected = set(exc.expected)
    if token.type == "$END":
        pos = len(text.rstrip())
        if expected & _OPERAND_TERMINALS:
            return _syntax_error(text, pos, "syntax.ends_before_value")
        return _syntax_error(text, pos, "syntax.ends_early")
    pos = cast(int, token.start_pos)  # set by the lexer (typed optional)
    if expected & _OPERAND_TERMINALS and not expected & {"AND", "OR", "$END"}:
        key = (
            "syntax.operand_missing"
            if token.type in ("AND", "OR", "EQ_OP", "REL_OP", "MUL_OP", "PLUS")
            else "syntax.value_expected"
        )
        return _syntax_error(text, pos, key, at=pos + 1, found=token.value)
    if token.type == "NAME" and token.value.lower() in ("and", "or", "not", "div", "mod"):
        return _syntax_error(text, pos, "syntax.lower_case", word=token.value, at=pos + 1)
    if token.type == "COMMA":
        return _syntax_error(text, pos, "syntax.comma", at=pos + 1)
    if token.type in ("NAME", "REF", "NUMBER", "STRING", "FUNC", "LPAR", "DOT"):
        return _syntax_error(text, pos, "syntax.operator_missing", found=token.value, at=pos + 1)
    from .lint_rules import phrase

    # what was expected, in the order of the English words; a terminal without a word is shown as is
    words = {_TERMINAL_WORDS.get(t, t): t for t in expected}
    expected_words = tuple(
        phrase(f"token.{words[w]}") if words[w] in _TERMINAL_WORDS else phrase("token.other", name=w)
        for w in sorted(words)
    )
    return _syntax_error(text, pos, "syntax.unexpected_token", found=token.value, at=pos + 1, expected=expected_words)


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str) -> Node:
    _precheck(text)
    try:
        return cast(Node, _parser().parse(text))  # the transformer turns the tree into a Node
    except _TooDeep as deep:
        raise _syntax_error(text, deep.offset, deep.key, **deep.fields) from None
    except UnexpectedInput as exc:
        raise _describe_unexpected(text, exc) from None
    except Exception as exc:  # lark wraps errors raised in the transformer
        inner = exc.__context__ if not isinstance(exc, _TooDeep) else exc
        too_deep = inner if isinstance(inner, _TooDeep) else getattr(exc, "orig_exc", None)
        if isinstance(too_deep, _TooDeep):
            raise _syntax_error(text, too_deep.offset, too_deep.key, **too_deep.fields) from None
        raise
