"""Language and label rules (SK5xx): translations, language codes, labels too long for SPSS/Stata, no label."""

from __future__ import annotations

from ...rules import Severity
from ..items import METADATA_TYPES, Group, Repeat
from ..lint_rules import Phrase, phrase
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
                self.add("SK502", "not_bcp47", pointer("languages", i), lang=lang)
            if lang in seen:
                self.add("SK502", "twice", pointer("languages", i), lang=lang)
            seen.add(lang)
        if q.default_language is not None and q.default_language not in q.languages:
            self.add("SK502", "default", "/default_language", lang=q.default_language, languages=q.languages)

    def check_texts(self) -> None:
        q = self.q
        langs = q.languages
        declared = set(langs)

        def check(
            ptr: str,
            texts: dict[str, str],
            what: Phrase,
            needed: bool = False,
            severity: Severity | None = None,
            how: Phrase = phrase("how.none"),
        ) -> None:
            for lang in texts:
                if lang not in declared:
                    self.add("SK502", "undeclared", f"{ptr}/{lang}", what=what, lang=lang, languages=langs)
            present = {k for k, v in texts.items() if v and v.strip()}
            if not present and not needed:
                return
            for lang in langs:
                if lang not in present:
                    # the example: a declared language's text, else any (texts may all be in undeclared ones)
                    shown = next((k for k in langs if k in present), next(iter(sorted(present)), None))
                    self.add(
                        "SK501",
                        "missing",
                        f"{ptr}/{lang}",
                        severity=severity,
                        what=what,
                        lang=lang,
                        shown=phrase("shown.none")
                        if shown is None
                        else phrase("shown.text", lang=shown, text=_clip(texts[shown])),
                        how=how,
                    )

        # XLSForm has no translated title column: a warning, with surveykit's column named
        check(
            "/title",
            q.title,
            phrase("text.title"),
            severity="warning",
            how=phrase("how.xlsform_title")
            if q.source is not None and q.source.kind == "xlsform"
            else phrase("how.none"),
        )
        for e in self.entries:
            item = e.item
            owner = phrase(
                "owner.group"
                if isinstance(item, Group)
                else "owner.repeat"
                if isinstance(item, Repeat)
                else "owner.question",
                name=item.name,
            )
            for field in _TEXT_FIELDS:
                texts = getattr(item, field, None)
                if texts is None:
                    continue
                needs = field == "label" and e.is_question and item.type not in _NO_LABEL_NEEDED and bool(texts)
                check(
                    f"{e.ptr}/{field}", texts, phrase("text.field", field=phrase(f"field.{field}"), owner=owner), needs
                )
            if e.is_question and item.type not in _NO_LABEL_NEEDED and not any(v.strip() for v in item.label.values()):
                self.add("SK505", "no_label", e.ptr + "/label", name=item.name)
            if e.is_question and item.stores_value:
                var = item.short_label or item.label
                for lang, text in var.items():
                    n_bytes, n_chars = len(text.encode("utf-8")), len(text)
                    if n_bytes > _SPSS_VAR_LABEL_BYTES or n_chars > _STATA_VAR_LABEL_CHARS:
                        spss = n_bytes > _SPSS_VAR_LABEL_BYTES
                        field = "short_label" if item.short_label else "label"
                        self.add(
                            "SK503",
                            "spss" if spss else "stata",
                            f"{e.ptr}/{field}/{lang}",
                            name=item.name,
                            lang=lang,
                            n_chars=n_chars,
                            n_bytes=n_bytes,
                            limit=_SPSS_VAR_LABEL_BYTES if spss else _STATA_VAR_LABEL_CHARS,
                        )
        for name, lst in q.choice_lists.items():
            base = pointer("choice_lists", name)
            for i, c in enumerate(lst.choices):
                ptr = f"{base}/choices/{i}/label"
                check(ptr, c.label, phrase("text.choice", code=code_key(c.code), name=name), True)
                self._value_label_length(c.label, ptr, phrase("label.choice", code=c.code, name=name))
            for i, m in enumerate(lst.missing):
                ptr = f"{base}/missing/{i}/label"
                check(ptr, m.label, phrase("text.list_missing", code=m.code, name=name), True)
                self._value_label_length(m.label, ptr, phrase("label.missing", code=m.code))
        for i, m in enumerate(q.missing_codes):
            ptr = f"/missing_codes/{i}/label"
            check(ptr, m.label, phrase("text.missing", code=m.code, kind=m.kind), True)
            self._value_label_length(m.label, ptr, phrase("label.missing", code=m.code))

    def _value_label_length(self, texts: dict[str, str], ptr: str, what: Phrase) -> None:
        for lang, text in texts.items():
            n = len(text.encode("utf-8"))
            if n > _SPSS_VALUE_LABEL_BYTES:
                self.add(
                    "SK504", "too_long", f"{ptr}/{lang}", what=what, lang=lang, n_bytes=n, limit=_SPSS_VALUE_LABEL_BYTES
                )
