"""Choice and code rules (SK4xx): choice lists, duplicate and malformed codes, missing codes for SPSS/Stata."""

from __future__ import annotations

import difflib
import re
from typing import Any

from ..items import MissingCode
from ..labels import spss_missing_declaration
from ..lint_rules import Phrase, phrase
from ..problems import pointer
from ..typecheck import code_key
from .context import _STATA_MAX_INT, LintContext, _range_text


class CodeRules(LintContext):
    def _code_problems(self, codes: list[tuple[Any, str, Phrase]], what: Phrase) -> None:
        """codes: (code, pointer, description) -- duplicates, spaces, Stata range."""
        seen: dict[str, Phrase] = {}
        for code, ptr, desc in codes:
            key = code_key(code)
            if key in seen:
                self.add("SK402", "duplicate", ptr, code=key, what=what, first=seen[key], second=desc)
            seen.setdefault(key, desc)
            if isinstance(code, str) and re.search(r"\s", code):
                self.add("SK407", "spaces", ptr, code=code, what=what)
            if isinstance(code, int) and abs(code) > _STATA_MAX_INT:
                self.add("SK413", "stata_range", ptr, code=code, what=what, max=_STATA_MAX_INT)

    def check_choice_lists(self) -> None:
        used = {e.item.choices for e in self.entries if e.is_question and e.item.is_select}
        for name, lst in self.q.choice_lists.items():
            base = pointer("choice_lists", name)
            what = phrase("of.list", name=name)
            if not lst.choices:
                self.add("SK405", "empty", base, name=name)
            codes = [
                (c.code, f"{base}/choices/{i}/code", phrase("code.choice", n=i + 1)) for i, c in enumerate(lst.choices)
            ]
            codes += [
                (m.code, f"{base}/missing/{i}/code", phrase("code.missing", kind=m.kind))
                for i, m in enumerate(lst.missing)
            ]
            self._code_problems(codes, what)
            substantive = {code_key(c.code) for c in lst.choices}
            for i, m in enumerate(lst.missing):
                if code_key(m.code) in substantive:
                    self.add("SK403", "list_choice", f"{base}/missing/{i}/code", code=m.code, kind=m.kind, name=name)
            kinds = [c.code for c in lst.choices]
            if any(isinstance(c, str) for c in kinds) or any(isinstance(m.code, str) for m in lst.missing):
                bad = next(c for c in [*kinds, *(m.code for m in lst.missing)] if isinstance(c, str))
                self.add("SK406", "text_code", base, name=name, code=bad)
            for lang in self.q.languages:
                labels: dict[str, int] = {}
                for i, c in enumerate(lst.choices):
                    text = c.label.get(lang)
                    if not text:
                        continue
                    if text in labels:
                        self.add(
                            "SK404",
                            "same_label",
                            f"{base}/choices/{i}/label/{lang}",
                            first=labels[text] + 1,
                            second=i + 1,
                            name=name,
                            label=text,
                            lang=lang,
                        )
                    labels.setdefault(text, i)
            if name not in used:
                self.add("SK410", "unused", base, name=name)
            self._missing_letters(lst.missing, f"{base}/missing", name)

    def _missing_letters(self, codes: list[MissingCode], base: str, list_name: str | None) -> None:
        """Missing-code kinds and Stata letters of choice list ``list_name`` (``None``: the questionnaire's)."""
        of = phrase("of.list", name=list_name) if list_name is not None else phrase("of.questionnaire")
        in_ = phrase("in.list", name=list_name) if list_name is not None else phrase("in.questionnaire")
        kinds: dict[str, int] = {}
        letters: dict[str, str] = {}
        for i, m in enumerate(codes):
            if m.kind in kinds:
                self.add("SK412", "kind_twice", f"{base}/{i}/kind", kind=m.kind, what=in_)
            kinds.setdefault(m.kind, i)
            letter = m.stata_letter
            if letter is None:
                self.add("SK412", "no_letter", f"{base}/{i}", code=m.code, kind=m.kind, what=of)
            elif letter in letters and letters[letter] != m.kind:
                self.add(
                    "SK412",
                    "shared_letter",
                    f"{base}/{i}/stata",
                    first=letters[letter],
                    second=m.kind,
                    what=of,
                    letter=letter,
                )
            if letter:
                letters.setdefault(letter, m.kind)

    def check_missing_codes(self) -> None:
        codes = [
            (m.code, f"/missing_codes/{i}/code", phrase("code.missing", kind=m.kind))
            for i, m in enumerate(self.q.missing_codes)
        ]
        self._code_problems(codes, phrase("of.questionnaire_missing"))
        self._missing_letters(self.q.missing_codes, "/missing_codes", None)
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
                        hint = phrase("hint.name", name=close[0]) if close else phrase("hint.none")
                        self.add("SK408", "unknown_kind", f"{e.ptr}/missing/{i}", name=item.name, kind=kind, hint=hint)
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
                            "valid_code",
                            e.ptr + "/missing" if item.missing is not None else e.ptr,
                            code=m.code,
                            kind=m.kind,
                            name=item.name,
                            list=item.choices,
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
                            "in_range",
                            e.ptr + ("/missing" if item.missing is not None else "/max"),
                            code=m.code,
                            kind=m.kind,
                            range=_range_text(item.min, item.max),
                            name=item.name,
                        )
            decl = spss_missing_declaration([m.code for m in e.missing], valid, rng)
            if decl is None:
                self.add(
                    "SK409",
                    "undeclarable",
                    e.ptr + ("/missing" if item.missing is not None else ""),
                    codes=[m.code for m in e.missing],
                    name=item.name,
                )

    def check_select_lists(self) -> None:
        for e in self.entries:
            item = e.item
            if e.is_question and item.is_select and item.choices not in self.q.choice_lists:
                close = difflib.get_close_matches(item.choices, list(self.q.choice_lists), n=1)
                hint = phrase("hint.name", name=close[0]) if close else phrase("hint.none")
                self.add("SK401", "unknown_list", e.ptr + "/choices", name=item.name, list=item.choices, hint=hint)
