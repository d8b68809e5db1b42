"""Variable names that SPSS, Stata and XLSForm can all hold.

A portable name is ASCII, starts with a letter, has only letters, digits and underscores, is at most
32 characters long (Stata's limit; SPSS allows 64 bytes, XLSForm more) and is not a word SPSS or
Stata reserve. SPSS compares names case-insensitively, so ``Edad`` and ``edad`` cannot both be
variables of one .sav file.

>>> name_problem("p12_a")
>>> name_problem("_uuid")
'it must start with a letter (SPSS and Stata); rename it, e.g. to uuid'
>>> name_problem("with")
"'with' is a reserved word in SPSS and Stata; rename it, e.g. to with_"
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .lint_rules import Phrase

__all__ = [
    "MAX_NAME_LENGTH",
    "NAME_PATTERN",
    "SPSS_RESERVED",
    "STATA_RESERVED",
    "is_stata_reserved",
    "is_portable_name",
    "name_problem",
    "name_problem_phrase",
]

#: Stata's limit, the tightest of SPSS (64 bytes), Stata (32 characters) and XLSForm.
MAX_NAME_LENGTH = 32
#: A name every target accepts.
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,31}$"
_NAME_RE = re.compile(NAME_PATTERN)

# SPSS Statistics Command Syntax Reference, "Reserved keywords".
SPSS_RESERVED = frozenset({"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"})
# Stata [U] 11.3 "Naming conventions" (plus str1 ... str2045, checked by pattern below).
STATA_RESERVED = frozenset(
    {
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strL",
        "using",
        "with",
    }
)
_STATA_STR = re.compile(r"^str([1-9][0-9]{0,3})$")
_STATA_LOWER = frozenset(w.lower() for w in STATA_RESERVED)


def is_stata_reserved(name: str) -> bool:
    """Whether Stata refuses ``name`` as a variable name: its reserved words (case-sensitive, as Stata
    names are), ``str`` and ``str1`` ... ``str2045``.

    >>> is_stata_reserved("_n"), is_stata_reserved("strL"), is_stata_reserved("str80"), is_stata_reserved("edad")
    (True, True, True, False)
    """
    return name in STATA_RESERVED or name == "str" or bool(_STATA_STR.match(name))


def is_portable_name(name: str) -> bool:
    """Whether ``name`` fits SPSS, Stata and XLSForm at once.

    >>> is_portable_name("edad"), is_portable_name("1edad"), is_portable_name("a" * 33)
    (True, False, False)
    """
    return name_problem(name) is None


def _suggest(name: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9_]", "_", name.encode("ascii", "ignore").decode() or "v")
    ascii_name = ascii_name.lstrip("_0123456789") or "v"
    return ascii_name[:MAX_NAME_LENGTH]


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a portable variable name (with a suggested fix), or ``None`` if it is.

    >>> name_problem("número")
    "it must be ASCII letters, digits and '_' only (SPSS and Stata); rename it, e.g. to nmero"
    >>> name_problem("a" * 40)[:35]
    'it has 40 characters; Stata allows '
    """
    found = name_problem_phrase(name)
    return None if found is None else found.render("en")


def name_problem_phrase(name: str) -> Phrase | None:
    """Why ``name`` is not a portable variable name, worded per language (``.render("es")``), or ``None``.

    >>> name_problem_phrase("with").render("es")
    "'with' es una palabra reservada en SPSS y Stata; cambie el nombre, p. ej. a with_"
    """
    from .lint_rules import phrase  # the wording lives in the lint catalogue's phrases

    if not name:
        return phrase("name.empty")
    if _NAME_RE.match(name):
        lower = name.lower()
        if lower in SPSS_RESERVED or lower in _STATA_LOWER or _STATA_STR.match(lower):
            which = (
                "name.spss_and_stata"
                if lower in SPSS_RESERVED and lower in _STATA_LOWER
                else "name.spss"
                if lower in SPSS_RESERVED
                else "name.stata"
            )
            return phrase("name.reserved", name=name, which=phrase(which))
        return None
    if len(name) > MAX_NAME_LENGTH:
        return phrase("name.too_long", length=len(name), max=MAX_NAME_LENGTH, suggestion=_suggest(name))
    if not name.isascii() or re.search(r"[^A-Za-z0-9_]", name):
        return phrase("name.characters", suggestion=_suggest(name))
    return phrase("name.first_letter", suggestion=_suggest(name))
