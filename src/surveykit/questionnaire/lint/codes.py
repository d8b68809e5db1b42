"""Choice and code rules (SK4xx): choice lists, duplicate and malformed codes, missing codes for SPSS/Stata."""

from __future__ import annotations

import difflib
import re
from typing import Any

from ..items import MissingCode
from ..labels import spss_missing_declaration
from ..problems import pointer
from ..typecheck import code_key
from .context import _STATA_MAX_INT, LintContext, _range_text


class CodeRules(LintContext):
    def _code_problems(self, codes: list[tuple[Any, str, str]], what: str) -> None:
        """codes: (code, pointer, description) -- duplicates, spaces, Stata range."""
        seen: dict[str, str] = {}
        for code, ptr, desc in codes:
            key = code_key(code)
            if key in seen:
                self.add(
                    "SK402",
                    f"code {key!r} of {what} is used twice ({seen[key]} and {desc}); give each its own code",
                    ptr,
                )
            seen.setdefault(key, desc)
            if isinstance(code, str) and re.search(r"\s", code):
                self.add(
                    "SK407",
                    f"code {code!r} of {what} contains spaces; select_multiple answers "
                    "are stored space-separated: use letters, digits and '_'",
                    ptr,
                )
            if isinstance(code, int) and abs(code) > _STATA_MAX_INT:
                self.add(
                    "SK413",
                    f"code {code} of {what} is outside Stata's integer range (±{_STATA_MAX_INT}); use a smaller code",
                    ptr,
                )

    def check_choice_lists(self) -> None:
        used = {e.item.choices for e in self.entries if e.is_question and e.item.is_select}
        for name, lst in self.q.choice_lists.items():
            base = pointer("choice_lists", name)
            what = f"list {name!r}"
            if not lst.choices:
                self.add("SK405", f"choice list {name!r} has no choices; add them or remove the list", base)
            codes = [(c.code, f"{base}/choices/{i}/code", f"choice {i + 1}") for i, c in enumerate(lst.choices)]
            codes += [(m.code, f"{base}/missing/{i}/code", f"missing code {m.kind}") for i, m in enumerate(lst.missing)]
            self._code_problems(codes, what)
            substantive = {code_key(c.code) for c in lst.choices}
            for i, m in enumerate(lst.missing):
                if code_key(m.code) in substantive:
                    self.add(
                        "SK403",
                        f"missing code {m.code} ({m.kind}) of list {name!r} is also a "
                        "valid choice; give the missing code a code no choice uses",
                        f"{base}/missing/{i}/code",
                    )
            kinds = [c.code for c in lst.choices]
            if any(isinstance(c, str) for c in kinds) or any(isinstance(m.code, str) for m in lst.missing):
                bad = next(c for c in [*kinds, *(m.code for m in lst.missing)] if isinstance(c, str))
                self.add(
                    "SK406",
                    f"list {name!r} has the text code {bad!r}; its questions become "
                    "text variables and Stata cannot label them: use whole-number codes",
                    base,
                )
            for lang in self.q.languages:
                labels: dict[str, int] = {}
                for i, c in enumerate(lst.choices):
                    text = c.label.get(lang)
                    if not text:
                        continue
                    if text in labels:
                        self.add(
                            "SK404",
                            f"choices {labels[text] + 1} and {i + 1} of list {name!r} "
                            f"have the same label {text!r} ({lang}); make the labels distinct",
                            f"{base}/choices/{i}/label/{lang}",
                        )
                    labels.setdefault(text, i)
            if name not in used:
                self.add("SK410", f"choice list {name!r} is not used by any question; remove it or use it", base)
            self._missing_letters(lst.missing, f"{base}/missing", what)

    def _missing_letters(self, codes: list[MissingCode], base: str, what: str) -> None:
        kinds: dict[str, int] = {}
        letters: dict[str, str] = {}
        for i, m in enumerate(codes):
            if m.kind in kinds:
                self.add(
                    "SK412", f"missing-code kind {m.kind!r} is defined twice in {what}; keep one", f"{base}/{i}/kind"
                )
            kinds.setdefault(m.kind, i)
            letter = m.stata_letter
            if letter is None:
                self.add(
                    "SK412",
                    f"missing code {m.code} ({m.kind}) of {what} has no Stata letter; set stata: '.a' ... '.z'",
                    f"{base}/{i}",
                )
            elif letter in letters and letters[letter] != m.kind:
                self.add(
                    "SK412",
                    f"missing codes {letters[letter]!r} and {m.kind!r} of {what} share "
                    f"the Stata letter {letter}; give each its own",
                    f"{base}/{i}/stata",
                )
            if letter:
                letters.setdefault(letter, m.kind)

    def check_missing_codes(self) -> None:
        codes = [
            (m.code, f"/missing_codes/{i}/code", f"missing code {m.kind}") for i, m in enumerate(self.q.missing_codes)
        ]
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
                        self.add(
                            "SK408",
                            f"{item.name!r} lists the missing kind {kind!r}, which is not "
                            f"defined; {hint}define it in missing_codes (or the choice list) or remove it",
                            f"{e.ptr}/missing/{i}",
                        )
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
                        self.add(
                            "SK403",
                            f"missing code {m.code} ({m.kind}) of {item.name!r} is a valid "
                            f"code of list {item.choices!r}; use another code or set missing: [] on the "
                            "question",
                            e.ptr + "/missing" if item.missing is not None else e.ptr,
                        )
            elif item.type in ("integer", "decimal"):
                rng = (item.min, item.max)
                for m in e.missing:
                    if isinstance(m.code, str):
                        continue
                    above = item.min is None or m.code >= item.min
                    below = item.max is None or m.code <= item.max
                    if above and below and (item.min is not None or item.max is not None):
                        self.add(
                            "SK403",
                            f"missing code {m.code} ({m.kind}) lies inside the valid range "
                            f"{_range_text(item.min, item.max)} of {item.name!r}; a real answer {m.code} "
                            "could not be told from it: use codes outside the range (e.g. -8/-9, 998/999) "
                            "or set missing on the question",
                            e.ptr + ("/missing" if item.missing is not None else "/max"),
                        )
            decl = spss_missing_declaration([m.code for m in e.missing], valid, rng)
            if decl is None:
                self.add(
                    "SK409",
                    f"SPSS can declare at most 3 missing values, or one range plus one value, "
                    f"and no range fits the missing codes {[m.code for m in e.missing]} of {item.name!r} "
                    "without covering valid codes: use fewer or adjacent missing codes",
                    e.ptr + ("/missing" if item.missing is not None else ""),
                )

    def check_select_lists(self) -> None:
        for e in self.entries:
            item = e.item
            if e.is_question and item.is_select and item.choices not in self.q.choice_lists:
                close = difflib.get_close_matches(item.choices, list(self.q.choice_lists), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.add(
                    "SK401",
                    f"{item.name!r} uses the choice list {item.choices!r}, which does not "
                    f"exist; {hint}add it to the choices or fix the name",
                    e.ptr + "/choices",
                )
