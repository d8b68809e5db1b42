"""Lint: every problem of a questionnaire at once, each with a code, a fix and a location.

The rules and their codes (the table with examples is in ``docs/questionnaires.md``):

======  ========  =====================================================================================
code    severity  rule
======  ========  =====================================================================================
SK101   error     a name is used twice (questions, groups and repeats share one namespace)
SK102   error     a name SPSS, Stata or XLSForm cannot hold (≤32 ASCII letters/digits/_, letter first,
                  not a reserved word)
SK103   error     two names differ only in case (SPSS names are case-insensitive)
SK104   error     a select_multiple 0/1 column ``{name}_{code}`` is not a valid name or collides
SK201   error     a reference ``${x}`` names no question
SK202   error     relevance, constraint, required, choice filter or repeat count refers to a later
                  question (warning for calculations)
SK203   error     relevance/calculation/required/choice-filter/count dependencies form a cycle
SK204   error     a reference into a repeat from outside it without an aggregate (count(), sum(), ...)
SK301   error     an expression does not parse
SK302   error     an expression does not type-check (warning where it is only suspicious)
SK303   error     an unknown function
SK304   warning   a valid XLSForm function surveykit cannot evaluate on data
SK305   error     ``.`` outside a constraint, ``..`` outside position()
SK306   error     required is neither yes/no nor a condition
SK307   error     unreachable: the relevance (own or of an enclosing group) can never be true
SK308   warning   a literal compared with a select answer is not a code of its list
SK309   error     a bare name outside a choice filter (write ``${name}``)
SK310   error     a constraint no answer can satisfy
SK401   error     a select refers to an unknown choice list
SK402   error     a code appears twice in a choice list (choices and missing codes)
SK403   error     a missing code collides with a valid code or lies inside [min, max]
SK404   warning   two choices of a list have the same label
SK405   error     a choice list has no choices
SK406   warning   a code is not a whole number (SPSS/Stata value labels need integers)
SK407   error     a code contains spaces (select_multiple answers are space-separated)
SK408   error     a question names a missing-code kind that is not defined
SK409   error     SPSS cannot declare the question's missing codes (>3 values and no range fits)
SK410   warning   a choice list is never used
SK411   error     a choice filter names a column the choice list does not have
SK412   error     missing codes: a kind defined twice, or a Stata letter missing or shared
SK413   error     a code outside Stata's integer range
SK501   error     a text is missing in a declared language (label, hint, choice label, ...; the title:
                  warning)
SK502   error     a language code is not valid BCP-47, is not declared, or the default language is not
                  among the languages
SK503   warning   a variable label too long for SPSS (256 bytes) or Stata (80 characters)
SK504   warning   a value label longer than SPSS's 120 bytes (SPSS would truncate it)
SK505   warning   a question has no label
SK601   error     min is greater than max
SK602   error     a calculate has no calculation
SK603   warning   a group or repeat is empty
SK604   warning   the questionnaire has no questions
======  ========  =====================================================================================

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", languages=["es"], items=[
...     sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=18, max=5)])
>>> [str(p) for p in q.lint()]
['/items/0/min: SK601 error: min (18) is greater than max (5) for edad; swap them or fix one']
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from typing import Any

from ..errors import ExpressionSyntaxError
from .analysis import CURRENT, Domain, never_true
from .expression import Call, Expr, Node, Ref, to_source
from .models import (
    CalculateQuestion,
    Group,
    MissingCode,
    Questionnaire,
    Repeat,
    _QuestionBase,
)
from .names import MAX_NAME_LENGTH, name_problem
from .problems import Location, Problem, pointer, sort_problems
from .typecheck import REPEAT_AGGREGATES, CheckContext, RefInfo, VType, check, code_key

__all__ = ["lint", "RULES", "BCP47_PATTERN", "spss_missing_declaration"]

#: Well-formed BCP-47 tags of the usual shapes: language[-Script][-REGION][-variant...].
BCP47_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
_BCP47 = re.compile(BCP47_PATTERN)
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_STATA_MAX_INT = 2_147_483_620
_SPSS_VAR_LABEL_BYTES = 256
_STATA_VAR_LABEL_CHARS = 80
_SPSS_VALUE_LABEL_BYTES = 120



def _rules_from_doc(doc: str) -> dict[str, str]:
    rules: dict[str, str] = {}
    last = None
    for line in doc.splitlines():
        if re.match(r"^SK\d{3}\s", line):
            last = line[:5]
            rules[last] = line[16:].strip()
        elif last and line.startswith(" " * 18) and line.strip():
            rules[last] += " " + line.strip()
        elif not line.startswith(" "):
            last = None
    return rules


#: Lint codes and what each checks (from the table above).
RULES: dict[str, str] = _rules_from_doc(__doc__ or "")

_TEXT_FIELDS = ("label", "hint", "guidance_hint", "constraint_message", "required_message", "universe",
                "short_label")
_NO_LABEL_NEEDED = {"calculate", "start", "end", "today", "deviceid", "username", "phonenumber",
                    "simserial", "subscriberid", "email", "audit", "hidden", "background-audio",
                    "start-geopoint", "xml-external", "csv-external"}


def spss_missing_declaration(codes: list[Any], valid: list[Any] | None = None,
                             valid_range: tuple[float | None, float | None] | None = None,
                             ) -> dict[str, list] | None:
    """How SPSS can declare ``codes`` user-missing: ``{"values": [...], "ranges": [(lo, hi)]}``.

    SPSS allows at most three discrete values, or one range plus one value. The range must not cover
    a valid code (``valid``) nor the valid interval ``valid_range``. Returns ``None`` when no
    declaration fits. Text codes (string variables) allow only three discrete values.

    >>> spss_missing_declaration([98, 99])
    {'values': [98, 99], 'ranges': []}
    >>> spss_missing_declaration([-9, 97, 98, 99], valid=[1, 2])
    {'values': [-9], 'ranges': [(97, 99)]}
    >>> spss_missing_declaration([-9, -8, 97, 98], valid=[1, 2]) is None
    True
    """
    codes = sorted(set(codes), key=lambda c: (isinstance(c, str), c if not isinstance(c, str) else 0, str(c)))
    if len(codes) <= 3:
        return {"values": list(codes), "ranges": []}
    if any(isinstance(c, str) for c in codes):
        return None
    valid_numbers = [float(v) for v in (valid or []) if not isinstance(v, str)]
    lo_v, hi_v = valid_range if valid_range else (None, None)

    def covers_valid(lo: float, hi: float) -> bool:
        if any(lo <= v <= hi for v in valid_numbers):
            return True
        if lo_v is not None or hi_v is not None:
            a = -float("inf") if lo_v is None else lo_v
            b = float("inf") if hi_v is None else hi_v
            return not (hi < a or lo > b)
        return False

    n = len(codes)
    for single in range(n):  # leave out one code as the discrete value; the rest is the range
        rest = codes[:single] + codes[single + 1:]
        lo, hi = rest[0], rest[-1]
        if single not in (0, n - 1):
            continue  # the discrete value must lie outside the range of the others
        if not covers_valid(lo, hi):
            return {"values": [codes[single]], "ranges": [(lo, hi)]}
    if not covers_valid(codes[0], codes[-1]):
        return {"values": [], "ranges": [(codes[0], codes[-1])]}
    return None


def _ref_info(question: _QuestionBase, q: Questionnaire, missing: list[MissingCode]) -> RefInfo:
    t = question.type
    label = next(iter(question.label.values()), "")
    if t in ("integer", "decimal") or (t == "range"):
        return RefInfo(VType.NUMBER, label=label)
    if t in ("select_one", "select_multiple"):
        lst = q.choice_lists.get(question.choices)  # type: ignore[attr-defined]
        codes = None
        if lst is not None:
            codes = frozenset(code_key(c) for c in [*lst.codes(), *(m.code for m in missing)])
        return RefInfo(VType.CODE if t == "select_one" else VType.CODES, codes, label)
    if t in ("date", "datetime", "time", "today", "start", "end"):
        return RefInfo(VType.DATE, label=label)
    if t == "calculate":
        rt = question.result_type  # type: ignore[attr-defined]
        return RefInfo({"integer": VType.NUMBER, "decimal": VType.NUMBER, "text": VType.TEXT,
                        "boolean": VType.BOOLEAN, "date": VType.DATE}.get(rt or "", VType.ANY), label=label)
    if t == "note":
        return RefInfo(VType.NONE, label=label)
    if t in ("text", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "email", "barcode"):
        return RefInfo(VType.TEXT, label=label)
    return RefInfo(VType.ANY, label=label)


class _Entry:
    """An item of the form with what lint needs to know about it."""

    __slots__ = ("ptr", "item", "parents", "order", "repeat_path", "is_question", "missing")

    def __init__(self, ptr: str, item: Any, parents: tuple, order: int) -> None:
        self.ptr = ptr
        self.item = item
        self.parents = parents
        self.order = order
        self.is_question = not isinstance(item, (Group, Repeat))
        # enclosing repeats: a repeat's own relevance and count are evaluated outside it
        self.repeat_path = tuple(p.name for p in parents if isinstance(p, Repeat))
        self.missing: list[MissingCode] = []


class _Linter:
    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.problems: list[Problem] = []
        self.entries = [_Entry(p, item, parents, i) for i, (p, item, parents) in enumerate(q.walk())]
        self.first: dict[str, _Entry] = {}
        for e in self.entries:
            self.first.setdefault(e.item.name, e)
            if e.is_question:
                e.missing = q.missing_codes_for(e.item)
        self.infos: dict[str, RefInfo] = {
            name: _ref_info(e.item, q, e.missing) for name, e in self.first.items() if e.is_question}
        self.parsed: dict[tuple[str, str], Node] = {}  # (ptr, field) -> AST
        self.unreachable: set[str] = set()

    # -- reporting -----------------------------------------------------------------------------
    def loc(self, ptr: str, offset: int | None = None) -> Location:
        if self.q.source is not None:
            return self.q.source.locate(ptr, offset)
        return Location(pointer=ptr, offset=offset)

    def add(self, code: str, severity: str, message: str, ptr: str, offset: int | None = None,
            expression: str | None = None) -> None:
        self.problems.append(Problem(code, severity, message, self.loc(ptr, offset), expression))

    def where(self, entry: _Entry) -> str:
        loc = self.loc(entry.ptr)
        if loc.row is not None:
            return f"{loc.sheet} row {loc.row}"
        if loc.line is not None:
            return f"line {loc.line}"
        return entry.ptr

    # -- rules ---------------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        self.check_questionnaire()
        self.check_names()
        self.check_choice_lists()
        self.check_missing_codes()
        self.check_items()
        self.check_texts()
        self.check_expressions()
        self.check_cycles()
        self.check_reachability()
        return sort_problems(self.problems)

    def check_questionnaire(self) -> None:
        q = self.q
        problem = name_problem(q.id)
        if problem and not _XML_NAME.match(q.id):
            self.add("SK102", "error", f"form id {q.id!r}: {problem}", "/id")
        seen: set[str] = set()
        for i, lang in enumerate(q.languages):
            if not _BCP47.match(lang):
                self.add("SK502", "error", f"{lang!r} is not a BCP-47 language code; write e.g. 'es', 'en' "
                         "or 'es-SV'", pointer("languages", i))
            if lang in seen:
                self.add("SK502", "error", f"language {lang!r} is listed twice; remove one",
                         pointer("languages", i))
            seen.add(lang)
        if q.default_language is not None and q.default_language not in q.languages:
            self.add("SK502", "error", f"the default language {q.default_language!r} is not among the "
                     f"languages {q.languages}; add it or choose one of them", "/default_language")
        if not any(e.is_question for e in self.entries):
            self.add("SK604", "warning", "the questionnaire has no questions", "/items")

    def check_names(self) -> None:
        by_name: dict[str, list[_Entry]] = defaultdict(list)
        for e in self.entries:
            by_name[e.item.name].append(e)
            name = e.item.name
            if e.is_question:
                if e.item.stores_value:
                    problem = name_problem(name)
                    if problem:
                        self.add("SK102", "error", f"name {name!r}: {problem}", e.ptr + "/name")
                elif not _XML_NAME.match(name):
                    self.add("SK102", "error", f"name {name!r} is not valid in XLSForm: use letters, digits "
                             "and '_' and start with a letter", e.ptr + "/name")
            else:
                problem = name_problem(name)
                if problem and not _XML_NAME.match(name):
                    self.add("SK102", "error", f"{e.item.type} name {name!r}: {problem}", e.ptr + "/name")
        for name, entries in by_name.items():
            for dup in entries[1:]:
                self.add("SK101", "error", f"the name {name!r} is already used by the {entries[0].item.type} "
                         f"at {self.where(entries[0])}; every question, group and repeat needs its own name "
                         "(rename one)", dup.ptr + "/name")
        # case-insensitive collisions (SPSS); variables only
        lower: dict[str, _Entry] = {}
        for e in self.entries:
            if not (e.is_question and e.item.stores_value):
                continue
            key = e.item.name.lower()
            other = lower.get(key)
            if other is not None and other.item.name != e.item.name:
                self.add("SK103", "error", f"{e.item.name!r} and {other.item.name!r} differ only in case; SPSS "
                         "treats them as the same variable: rename one", e.ptr + "/name")
            lower.setdefault(key, e)
        # select_multiple 0/1 columns
        taken = {e.item.name for e in self.entries if e.is_question and e.item.stores_value}
        derived_seen: dict[str, str] = {}
        for e in self.entries:
            if not (e.is_question and e.item.type == "select_multiple"):
                continue
            lst = self.q.choice_lists.get(e.item.choices)
            if lst is None:
                continue
            for code in lst.codes():
                column = f"{e.item.name}_{code_key(code)}"
                problem = name_problem(column)
                if problem:
                    why = (f"it has {len(column)} characters, Stata allows {MAX_NAME_LENGTH}; shorten the "
                           f"question name" if len(column) > MAX_NAME_LENGTH
                           else "use codes made of letters, digits and '_'")
                    self.add("SK104", "error", f"the 0/1 column {column!r} of select_multiple {e.item.name!r} "
                             f"is not a valid name: {why}", e.ptr + "/name")
                elif column in taken or column in derived_seen:
                    owner = "a question" if column in taken else f"a column of {derived_seen[column]!r}"
                    self.add("SK104", "error", f"the 0/1 column {column!r} of select_multiple {e.item.name!r} "
                             f"collides with {owner} of that name; rename one", e.ptr + "/name")
                derived_seen.setdefault(column, e.item.name)

    def _code_problems(self, codes: list[tuple[Any, str, str]], what: str) -> None:
        """codes: (code, pointer, description) -- duplicates, spaces, Stata range."""
        seen: dict[str, str] = {}
        for code, ptr, desc in codes:
            key = code_key(code)
            if key in seen:
                self.add("SK402", "error", f"code {key!r} of {what} is used twice ({seen[key]} and {desc}); "
                         "give each its own code", ptr)
            seen.setdefault(key, desc)
            if isinstance(code, str) and re.search(r"\s", code):
                self.add("SK407", "error", f"code {code!r} of {what} contains spaces; select_multiple answers "
                         "are stored space-separated: use letters, digits and '_'", ptr)
            if isinstance(code, int) and abs(code) > _STATA_MAX_INT:
                self.add("SK413", "error", f"code {code} of {what} is outside Stata's integer range "
                         f"(±{_STATA_MAX_INT}); use a smaller code", ptr)

    def check_choice_lists(self) -> None:
        used = {e.item.choices for e in self.entries if e.is_question and e.item.is_select}
        for name, lst in self.q.choice_lists.items():
            base = pointer("choice_lists", name)
            what = f"list {name!r}"
            if not _XML_NAME.match(name):
                self.add("SK102", "error", f"choice list name {name!r} is not valid in XLSForm: use letters, "
                         "digits and '_'", base)
            if not lst.choices:
                self.add("SK405", "error", f"choice list {name!r} has no choices; add them or remove the list",
                         base)
            codes = [(c.code, f"{base}/choices/{i}/code", f"choice {i + 1}") for i, c in enumerate(lst.choices)]
            codes += [(m.code, f"{base}/missing/{i}/code", f"missing code {m.kind}")
                      for i, m in enumerate(lst.missing)]
            self._code_problems(codes, what)
            substantive = {code_key(c.code) for c in lst.choices}
            for i, m in enumerate(lst.missing):
                if code_key(m.code) in substantive:
                    self.add("SK403", "error", f"missing code {m.code} ({m.kind}) of list {name!r} is also a "
                             "valid choice; give the missing code a code no choice uses",
                             f"{base}/missing/{i}/code")
            kinds = [c.code for c in lst.choices]
            if any(isinstance(c, str) for c in kinds) or any(isinstance(m.code, str) for m in lst.missing):
                bad = next(c for c in [*kinds, *(m.code for m in lst.missing)] if isinstance(c, str))
                self.add("SK406", "warning", f"list {name!r} has the text code {bad!r}; its questions become "
                         "text variables and Stata cannot label them: use whole-number codes", base)
            for lang in self.q.languages:
                labels: dict[str, int] = {}
                for i, c in enumerate(lst.choices):
                    text = c.label.get(lang)
                    if not text:
                        continue
                    if text in labels:
                        self.add("SK404", "warning", f"choices {labels[text] + 1} and {i + 1} of list {name!r} "
                                 f"have the same label {text!r} ({lang}); make the labels distinct",
                                 f"{base}/choices/{i}/label/{lang}")
                    labels.setdefault(text, i)
            if name not in used:
                self.add("SK410", "warning", f"choice list {name!r} is not used by any question; remove it or "
                         "use it", base)
            self._missing_letters(lst.missing, f"{base}/missing", what)

    def _missing_letters(self, codes: list[MissingCode], base: str, what: str) -> None:
        kinds: dict[str, int] = {}
        letters: dict[str, str] = {}
        for i, m in enumerate(codes):
            if m.kind in kinds:
                self.add("SK412", "error", f"missing-code kind {m.kind!r} is defined twice in {what}; keep one",
                         f"{base}/{i}/kind")
            kinds.setdefault(m.kind, i)
            letter = m.stata_letter
            if letter is None:
                self.add("SK412", "error", f"missing code {m.code} ({m.kind}) of {what} has no Stata letter; set "
                         "stata: '.a' ... '.z'", f"{base}/{i}")
            elif letter in letters and letters[letter] != m.kind:
                self.add("SK412", "error", f"missing codes {letters[letter]!r} and {m.kind!r} of {what} share "
                         f"the Stata letter {letter}; give each its own", f"{base}/{i}/stata")
            if letter:
                letters.setdefault(letter, m.kind)

    def check_missing_codes(self) -> None:
        codes = [(m.code, f"/missing_codes/{i}/code", f"missing code {m.kind}")
                 for i, m in enumerate(self.q.missing_codes)]
        self._code_problems(codes, "the questionnaire's missing codes")
        self._missing_letters(self.q.missing_codes, "/missing_codes", "the questionnaire")
        for e in self.entries:
            if not e.is_question:
                continue
            item = e.item
            if item.missing is not None:
                lst = self.q.choice_lists.get(item.choices) if item.is_select else None
                known = {m.kind for m in self.q.missing_codes} | ({m.kind for m in lst.missing} if lst else set())
                for i, kind in enumerate(item.missing):
                    if kind not in known:
                        close = difflib.get_close_matches(kind, sorted(known), n=1)
                        hint = f"did you mean {close[0]!r}? " if close else ""
                        self.add("SK408", "error", f"{item.name!r} lists the missing kind {kind!r}, which is not "
                                 f"defined; {hint}define it in missing_codes (or the choice list) or remove it",
                                 f"{e.ptr}/missing/{i}")
            if not e.missing:
                continue
            valid: list[Any] = []
            rng: tuple[Any, Any] | None = None
            if item.is_select:
                lst = self.q.choice_lists.get(item.choices)
                valid = lst.codes() if lst else []
                own = {code_key(m.code) for m in (lst.missing if lst else [])}
                for m in e.missing:
                    if code_key(m.code) in {code_key(v) for v in valid} and code_key(m.code) not in own:
                        self.add("SK403", "error", f"missing code {m.code} ({m.kind}) of {item.name!r} is a valid "
                                 f"code of list {item.choices!r}; use another code or set missing: [] on the "
                                 "question", e.ptr + "/missing" if item.missing is not None else e.ptr)
            elif item.type in ("integer", "decimal"):
                rng = (item.min, item.max)
                for m in e.missing:
                    if isinstance(m.code, str):
                        continue
                    above = item.min is None or m.code >= item.min
                    below = item.max is None or m.code <= item.max
                    if above and below and (item.min is not None or item.max is not None):
                        self.add("SK403", "error", f"missing code {m.code} ({m.kind}) lies inside the valid range "
                                 f"{_range_text(item.min, item.max)} of {item.name!r}; a real answer {m.code} "
                                 "could not be told from it: use codes outside the range (e.g. -8/-9, 998/999) "
                                 "or set missing on the question", e.ptr + ("/missing" if item.missing is not None
                                                                            else "/max"))
            decl = spss_missing_declaration([m.code for m in e.missing], valid, rng)
            if decl is None:
                self.add("SK409", "error", f"SPSS can declare at most 3 missing values, or one range plus one value, "
                         f"and no range fits the missing codes {[m.code for m in e.missing]} of {item.name!r} "
                         "without covering valid codes: use fewer or adjacent missing codes",
                         e.ptr + ("/missing" if item.missing is not None else ""))

    def check_items(self) -> None:
        for e in self.entries:
            item = e.item
            if isinstance(item, (Group, Repeat)):
                if not item.children:
                    self.add("SK603", "warning", f"{item.type} {item.name!r} is empty; add items or remove it",
                             e.ptr)
                continue
            if item.is_select and item.choices not in self.q.choice_lists:
                close = difflib.get_close_matches(item.choices, list(self.q.choice_lists), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.add("SK401", "error", f"{item.name!r} uses the choice list {item.choices!r}, which does not "
                         f"exist; {hint}add it to the choices or fix the name", e.ptr + "/choices")
            if item.type in ("integer", "decimal") and item.min is not None and item.max is not None \
                    and item.min > item.max:
                self.add("SK601", "error", f"min ({_num(item.min)}) is greater than max ({_num(item.max)}) for "
                         f"{item.name}; swap them or fix one", e.ptr + "/min")
            if isinstance(item, CalculateQuestion) and item.calculation is None:
                self.add("SK602", "error", f"calculate {item.name!r} has no calculation; write one (e.g. "
                         "${a} + ${b}) or change the type", e.ptr + "/calculation")

    def check_texts(self) -> None:
        q = self.q
        langs = q.languages
        declared = set(langs)

        def check(ptr: str, texts: dict[str, str], what: str, needed: bool = False,
                  severity: str = "error", how: str = "") -> None:
            for lang in texts:
                if lang not in declared:
                    self.add("SK502", "error", f"{what} has text in {lang!r}, which is not among the languages "
                             f"{langs}; add {lang!r} to languages or fix the code", f"{ptr}/{lang}")
            present = {k for k, v in texts.items() if v and v.strip()}
            if not present and not needed:
                return
            for lang in langs:
                if lang not in present:
                    # the example: a declared language's text, else any (texts may all be in undeclared ones)
                    shown = next((k for k in langs if k in present), next(iter(sorted(present)), None))
                    self.add("SK501", severity, f"{what} has no {lang!r} text" +
                             (f" (the {shown!r} one is {_clip(texts[shown])!r})" if shown is not None else "")
                             + f"; write the {lang!r} translation{how}", f"{ptr}/{lang}")

        # XLSForm has no translated title column: a warning, with surveykit's column named
        check("/title", q.title, "the title", severity="warning",
              how=" (XLSForm: a settings column sk_title::<Language> (<code>))" if q.source is not None
              and q.source.kind == "xlsform" else "")
        for e in self.entries:
            item = e.item
            kind = item.type if not e.is_question else f"question {item.name!r}"
            if isinstance(item, (Group, Repeat)):
                kind = f"{item.type} {item.name!r}"
            for field in _TEXT_FIELDS:
                texts = getattr(item, field, None)
                if texts is None:
                    continue
                needs = field == "label" and e.is_question and item.type not in _NO_LABEL_NEEDED and bool(texts)
                check(f"{e.ptr}/{field}", texts, f"the {field.replace('_', ' ')} of {kind}", needs)
            if e.is_question and item.type not in _NO_LABEL_NEEDED and not any(
                    v.strip() for v in item.label.values()):
                self.add("SK505", "warning", f"question {item.name!r} has no label; write the question text",
                         e.ptr + "/label")
            if e.is_question and item.stores_value:
                var = item.short_label or item.label
                for lang, text in var.items():
                    n_bytes, n_chars = len(text.encode("utf-8")), len(text)
                    if n_bytes > _SPSS_VAR_LABEL_BYTES or n_chars > _STATA_VAR_LABEL_CHARS:
                        limit = (f"SPSS keeps {_SPSS_VAR_LABEL_BYTES} bytes" if n_bytes > _SPSS_VAR_LABEL_BYTES
                                 else f"Stata allows {_STATA_VAR_LABEL_CHARS} characters")
                        field = "short_label" if item.short_label else "label"
                        self.add("SK503", "warning", f"the variable label of {item.name!r} ({lang}) has {n_chars} "
                                 f"characters / {n_bytes} bytes; {limit}: add a short_label for the data files",
                                 f"{e.ptr}/{field}/{lang}")
        for name, lst in q.choice_lists.items():
            base = pointer("choice_lists", name)
            for i, c in enumerate(lst.choices):
                check(f"{base}/choices/{i}/label", c.label, f"choice {code_key(c.code)!r} of list {name!r}", True)
                self._value_label_length(c.label, f"{base}/choices/{i}/label", f"choice {c.code} of {name!r}")
            for i, m in enumerate(lst.missing):
                check(f"{base}/missing/{i}/label", m.label, f"missing code {m.code} of list {name!r}", True)
                self._value_label_length(m.label, f"{base}/missing/{i}/label", f"missing code {m.code}")
        for i, m in enumerate(q.missing_codes):
            check(f"/missing_codes/{i}/label", m.label, f"missing code {m.code} ({m.kind})", True)
            self._value_label_length(m.label, f"/missing_codes/{i}/label", f"missing code {m.code}")

    def _value_label_length(self, texts: dict[str, str], ptr: str, what: str) -> None:
        for lang, text in texts.items():
            n = len(text.encode("utf-8"))
            if n > _SPSS_VALUE_LABEL_BYTES:
                self.add("SK504", "warning", f"the label of {what} ({lang}) has {n} bytes; SPSS keeps "
                         f"{_SPSS_VALUE_LABEL_BYTES} (it would be cut): shorten it", f"{ptr}/{lang}")

    # -- expressions ---------------------------------------------------------------------------
    def _expressions(self) -> list[tuple[_Entry, str, Expr, str]]:
        found = []
        for e in self.entries:
            item = e.item
            for field, role in (("relevant", "relevant"), ("constraint", "constraint"),
                                ("calculation", "calculation"), ("choice_filter", "choice_filter"),
                                ("count", "repeat_count"), ("required", "required")):
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
                self.add("SK301", "error", str(exc), ptr, exc.offset, expr.src)
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
                self.add(issue.code, issue.severity, f"{field}: {issue.message}", ptr, issue.span[0], expr.src)
            if role == "calculation" and e.item.result_type:
                self._check_result_type(e, t, ptr, expr)
            self._check_references(e, field, role, expr, ast, ptr)
            if role == "constraint" and e.is_question:
                self._check_constraint_satisfiable(e, ast, ptr, expr)

    def _check_result_type(self, e: _Entry, t: VType, ptr: str, expr: Expr) -> None:
        rt = e.item.result_type
        ok = {"integer": (VType.NUMBER, VType.CODE), "decimal": (VType.NUMBER, VType.CODE),
              "text": (VType.TEXT, VType.CODE), "boolean": (VType.BOOLEAN,), "date": (VType.DATE,)}[rt]
        if t not in ok and t is not VType.ANY:
            self.add("SK302", "warning", f"calculation: result_type is {rt} but the calculation gives {t.value}; "
                     "fix one of them", ptr, 0, expr.src)

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
                self.add("SK201", "error", f"{field}: ${{{name}}} is not a question of this form; {hint}fix the "
                         "name or add the question", ptr, offset, expr.src)
                continue
            if target.order > e.order and not (role == "constraint" and target is e):
                severity = "warning" if role == "calculation" else "error"
                inside = any(p is e.item for p in target.parents)
                why = (f"{name!r} is inside {e.item.type} {e.item.name!r}, which cannot depend on its own "
                       "questions" if inside else f"{name!r} comes later in the form "
                       f"({self.where(target)}), so it is still empty here")
                self.add("SK202", severity, f"{field}: ${{{name}}} refers forward: {why}; move the question "
                         "before it or change the expression", ptr, offset, expr.src)
            if in_aggregate:
                continue
            if isinstance(target.item, Repeat):
                self.add("SK204", "error", f"{field}: ${{{name}}} is a repeat; count its instances with "
                         f"count(${{{name}}})", ptr, offset, expr.src)
                continue
            scope = target.repeat_path
            if scope[:len(owner_scope)] == owner_scope and len(scope) > len(owner_scope):
                self.add("SK204", "error", f"{field}: ${{{name}}} is inside repeat {scope[-1]!r} (one value per "
                         "instance) but this expression is outside it; use an aggregate such as "
                         f"sum(${{{name}}}), count() or indexed-repeat()", ptr, offset, expr.src)
            elif owner_scope[:len(scope)] != scope:
                self.add("SK204", "error", f"{field}: ${{{name}}} belongs to repeat {scope[-1]!r}, another unit "
                         "than this expression's; use an aggregate (sum(), indexed-repeat()) or move the "
                         "question", ptr, offset, expr.src)

    def _domain(self, entry: _Entry, env_key: str) -> Domain | None:
        item = entry.item
        if not entry.is_question:
            return None
        missing = [m.code for m in entry.missing if not isinstance(m.code, str)]
        if item.type in ("integer", "decimal"):
            return Domain.interval(item.min, item.max, integer=item.type == "integer",
                                   points=tuple(float(c) for c in missing))
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
            bounds = ""
            if e.item.type in ("integer", "decimal") and (e.item.min is not None or e.item.max is not None):
                bounds = f" within {_range_text(e.item.min, e.item.max)}"
            self.add("SK310", "error", f"constraint: no answer{bounds} can satisfy {to_source(ast)!r} (e.g. a "
                     "minimum above the maximum); fix the bounds", ptr, 0, expr.src)

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
                what = (f"{e.item.type} {e.item.name!r} and the {self._count_inside(e)} questions inside it are"
                        if not e.is_question else f"{e.item.name!r} is")
                self.add("SK307", "error", f"unreachable: {what} never asked, because the relevance "
                         f"{to_source(ast)!r} can never be true (check the codes and bounds it compares with)",
                         f"{e.ptr}/relevant", 0, e.item.relevant.src)
                if not e.is_question:
                    dead_groups.append(e)

    def _count_inside(self, group: _Entry) -> int:
        return sum(1 for e in self.entries if e.is_question and any(p is group.item for p in e.parents))

    # -- cycles --------------------------------------------------------------------------------
    def check_cycles(self) -> None:
        # a constraint never decides whether a question is asked; being inside a group or repeat
        # matters only through its relevance
        conditional = {p.name for e in self.entries for p in e.parents if p.relevant is not None}
        graph = self.q.dependencies().filter(
            lambda d: d.kind != "constraint" and (d.kind != "inside" or d.target in conditional))
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
                expr = getattr(start_entry.item, first_edge.kind)
                src = expr.src if isinstance(expr, Expr) else None
            else:
                ptr, offset, src = start_entry.ptr, None, None
            self.add("SK203", "error", f"cycle: {text} ({', '.join(steps)}); break it so no question depends "
                     "on itself", ptr, offset, src)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _range_text(lo: float | None, hi: float | None) -> str:
    return f"{'-inf' if lo is None else _num(lo)}..{'inf' if hi is None else _num(hi)}"


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def lint(q: Questionnaire) -> list[Problem]:
    """Every problem of ``q``, sorted by location (see the module docstring for the rules).

    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="x", languages=["es"], items=[sk.TextQuestion(name="a", label={"es": "A"},
    ...                                                                           relevant="${b} = 1")])
    >>> [p.code for p in lint(q)]
    ['SK201']
    """
    return _Linter(q).run()

