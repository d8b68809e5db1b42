"""Language and label rules (SK5xx): translations, language codes, labels too long for SPSS/Stata, no label."""

from __future__ import annotations

from ...rules import Severity
from ..items import METADATA_TYPES, Group, Repeat
from ..problems import pointer
from ..typecheck import code_key
from .context import (
    _BCP47,
    _SPSS_VALUE_LABEL_BYTES,
    _SPSS_VAR_LABEL_BYTES,
    _STATA_VAR_LABEL_CHARS,
    LintContext,
    _clip,
)

_TEXT_FIELDS = ("label", "hint", "guidance_hint", "constraint_message", "required_message", "universe", "short_label")
_NO_LABEL_NEEDED = METADATA_TYPES | {
    "calculate",
    "hidden",
    "background-audio",
    "start-geopoint",
    "xml-external",
    "csv-external",
}


class LanguageRules(LintContext):
    def check_languages(self) -> None:
        q = self.q
        seen: set[str] = set()
        for i, lang in enumerate(q.languages):
            if not _BCP47.match(lang):
                self.add(
                    "SK502",
                    f"{lang!r} is not a BCP-47 language code; write e.g. 'es', 'en' or 'es-SV'",
                    pointer("languages", i),
                )
            if lang in seen:
                self.add("SK502", f"language {lang!r} is listed twice; remove one", pointer("languages", i))
            seen.add(lang)
        if q.default_language is not None and q.default_language not in q.languages:
            self.add(
                "SK502",
                f"the default language {q.default_language!r} is not among the "
                f"languages {q.languages}; add it or choose one of them",
                "/default_language",
            )

    def check_texts(self) -> None:
        q = self.q
        langs = q.languages
        declared = set(langs)

        def check(
            ptr: str,
            texts: dict[str, str],
            what: str,
            needed: bool = False,
            severity: Severity | None = None,
            how: str = "",
        ) -> None:
            for lang in texts:
                if lang not in declared:
                    self.add(
                        "SK502",
                        f"{what} has text in {lang!r}, which is not among the languages "
                        f"{langs}; add {lang!r} to languages or fix the code",
                        f"{ptr}/{lang}",
                    )
            present = {k for k, v in texts.items() if v and v.strip()}
            if not present and not needed:
                return
            for lang in langs:
                if lang not in present:
                    # the example: a declared language's text, else any (texts may all be in undeclared ones)
                    shown = next((k for k in langs if k in present), next(iter(sorted(present)), None))
                    self.add(
                        "SK501",
                        f"{what} has no {lang!r} text"
                        + (f" (the {shown!r} one is {_clip(texts[shown])!r})" if shown is not None else "")
                        + f"; write the {lang!r} translation{how}",
                        f"{ptr}/{lang}",
                        severity=severity,
                    )

        # XLSForm has no translated title column: a warning, with surveykit's column named
        check(
            "/title",
            q.title,
            "the title",
            severity="warning",
            how=" (XLSForm: a settings column sk_title::<Language> (<code>))"
            if q.source is not None and q.source.kind == "xlsform"
            else "",
        )
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
            if e.is_question and item.type not in _NO_LABEL_NEEDED and not any(v.strip() for v in item.label.values()):
                self.add("SK505", f"question {item.name!r} has no label; write the question text", e.ptr + "/label")
            if e.is_question and item.stores_value:
                var = item.short_label or item.label
                for lang, text in var.items():
                    n_bytes, n_chars = len(text.encode("utf-8")), len(text)
                    if n_bytes > _SPSS_VAR_LABEL_BYTES or n_chars > _STATA_VAR_LABEL_CHARS:
                        limit = (
                            f"SPSS keeps {_SPSS_VAR_LABEL_BYTES} bytes"
                            if n_bytes > _SPSS_VAR_LABEL_BYTES
                            else f"Stata allows {_STATA_VAR_LABEL_CHARS} characters"
                        )
                        field = "short_label" if item.short_label else "label"
                        self.add(
                            "SK503",
                            f"the variable label of {item.name!r} ({lang}) has {n_chars} "
                            f"characters / {n_bytes} bytes; {limit}: add a short_label for the data files",
                            f"{e.ptr}/{field}/{lang}",
                        )
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
                self.add(
                    "SK504",
                    f"the label of {what} ({lang}) has {n} bytes; SPSS keeps "
                    f"{_SPSS_VALUE_LABEL_BYTES} (it would be cut): shorten it",
                    f"{ptr}/{lang}",
                )
