"""XLSForm vocabulary: header aliases, question type words, translation columns, languages and limits."""

from __future__ import annotations

import re

from ...syntax import _format_number
from ...items import METADATA_TYPES, OtherQuestion

#: Most rows read from one sheet.
MAX_ROWS = 100_000

#: Display names for XLSForm translation headers (``label::Español (es)``).
LANGUAGE_NAMES = {
    "es": "Español",
    "en": "English",
    "fr": "Français",
    "pt": "Português",
    "ar": "العربية",
    "ru": "Русский",
    "zh": "中文",
}
_NAME_TO_CODE = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "portuguese": "pt",
    "português": "pt",
    "portugues": "pt",
}

_TRANSLATABLE = (
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "sk_universe",
    "sk_short_label",
    "sk_title",
    "sk_description",
)
_FIELD_OF = {
    "sk_universe": "universe",
    "sk_short_label": "short_label",
    "sk_title": "title",
    "sk_description": "description",
}
_ALIASES = {
    "relevance": "relevant",
    "calculate": "calculation",
    "list name": "list_name",
    "list_name": "list_name",
    "jr:count": "repeat_count",
    "count": "repeat_count",
    "repeat_count": "repeat_count",
    "constraint message": "constraint_message",
    "required message": "required_message",
    "choice filter": "choice_filter",
    "readonly": "read_only",
    "read only": "read_only",
    "guidance hint": "guidance_hint",
    "bind::relevant": "relevant",
    "bind::constraint": "constraint",
    "bind::calculate": "calculation",
    "bind::required": "required",
    "bind::jr:constraintmsg": "constraint_message",
    "bind::jr:requiredmsg": "required_message",
    "caption": "label",
}
_SIMPLE_TYPES = {
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "text": "text",
    "string": "text",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "calculate": "calculate",
    "note": "note",
}
_METADATA = METADATA_TYPES
_OTHER = set(OtherQuestion.model_fields["type"].annotation.__args__)  # type: ignore[union-attr]
_KNOWN_TYPE_WORDS = sorted(
    {
        *_SIMPLE_TYPES,
        *_METADATA,
        *_OTHER,
        "select_one",
        "select_multiple",
        "begin_group",
        "end_group",
        "begin_repeat",
        "end_repeat",
    }
)
_YES = {"yes", "true", "true()", "1", "y"}
_NO = {"no", "false", "false()", "0", "n", ""}
_LANG_HEADER = re.compile(r"^(.*?)\s*\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")


def _range_constraint(lo: float | None, hi: float | None, integer: bool) -> str:
    """The constraint that enforces min/max in ODK (read back and removed on import)."""

    def text(x: float) -> str:
        return str(int(x)) if integer else _format_number(float(x))

    parts = []
    if lo is not None:
        parts.append(f". >= {text(lo)}")
    if hi is not None:
        parts.append(f". <= {text(hi)}")
    return " and ".join(parts)
