"""Rule catalogues: one place per family for every rule's code, name, severity and text in es/en.

Three families of checks report what they find by rule: questionnaire lint (``SK101`` ...), microdata
checks (:func:`surveykit.check_microdata`) and publication quality flags
(:func:`surveykit.quality_flags`). Each family keeps one :class:`RuleCatalogue`; checkers look their
rules up by code and results carry the code, so other layers (the report, the command line, docs)
match on the code and translate through the catalogue, never by matching message text.

Message templates use ``str.format`` fields, filled from the values a checker found.

Examples
--------
>>> cat = RuleCatalogue("demo", [
...     Rule("D001", "min_gt_max", "error", en="min ({min}) is greater than max ({max})",
...          es="el mínimo ({min}) es mayor que el máximo ({max})"),
... ])
>>> cat["D001"].severity
'error'
>>> cat.message("D001", "es", min=18, max=5)
'el mínimo (18) es mayor que el máximo (5)'
>>> cat.by_name("min_gt_max").code
'D001'
>>> cat.to_frame()[["code", "name", "severity"]].values.tolist()
[['D001', 'min_gt_max', 'error']]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pandas is imported only when a catalogue is tabulated
    import pandas as pd

__all__ = ["Rule", "RuleCatalogue", "Severity", "VariantRule", "language_key"]

Severity = Literal["error", "warning", "info"]


def language_key(language: str | None) -> str:
    """``"es"`` or ``"en"`` from a BCP-47 tag (``"es-SV"`` → ``"es"``); other languages fall back to English.

    >>> language_key("es-SV"), language_key("EN"), language_key(None)
    ('es', 'en', 'en')
    """
    lang = str(language or "en").split("-")[0].lower()
    return "es" if lang == "es" else "en"


@dataclass(frozen=True)
class Rule:
    """One rule of a catalogue.

    Attributes
    ----------
    code
        Stable code users filter and suppress by (``"SK601"``, ``"MD010"``, ``"QF-INEGI-2"``).
    name
        Short snake_case name (what older outputs showed in their ``rule`` column).
    severity
        ``"error"``, ``"warning"`` or ``"info"``.
    en, es
        Message templates in English and Spanish (``str.format`` fields).
    """

    code: str
    name: str
    severity: Severity
    en: str
    es: str

    def text(self, language: str | None = "en", /, **fields: Any) -> str:
        """The message in ``language`` (``es``/``en``), fields filled in.

        >>> Rule("X1", "x", "info", en="{n} rows", es="{n} filas").text("es", n=3)
        '3 filas'
        """
        template = self.es if language_key(language) == "es" else self.en
        return template.format(**fields) if fields else template


@dataclass(frozen=True)
class VariantRule(Rule):
    """A :class:`Rule` whose findings are worded in more than one way: named message *variants*.

    ``en``/``es`` describe the rule (for tables and docs); each variant is a message template in both
    languages, chosen with ``text(..., variant=key)``. (The microdata checks' ``CheckRule`` is the same
    shape.)

    Attributes
    ----------
    variants : tuple of (key, en, es)
        The message templates (``str.format`` fields), by key.

    >>> r = VariantRule("X2", "bounds", "error", en="bounds", es="límites",
    ...                 variants=(("swap", "min ({min}) > max ({max})", "mínimo ({min}) > máximo ({max})"),))
    >>> r.text("es-SV", variant="swap", min=3, max=1)
    'mínimo (3) > máximo (1)'
    >>> r.text("en")
    'bounds'
    """

    variants: tuple[tuple[str, str, str], ...] = ()

    def template(self, language: str | None = "en", variant: str | None = None) -> str:
        """The message template (``str.format`` fields) in ``language``, of ``variant`` or the main one."""
        es = language_key(language) == "es"
        if variant is None:
            return self.es if es else self.en
        for key, en_text, es_text in self.variants:
            if key == variant:
                return es_text if es else en_text
        raise KeyError(
            f"rule {self.code} ({self.name}) has no message variant {variant!r}; its variants are "
            f"{[v[0] for v in self.variants]}"
        )

    def text(self, language: str | None = "en", /, *, variant: str | None = None, **fields: Any) -> str:
        """The message in ``language`` (``es``/``en``), of ``variant`` or the main one, fields filled in."""
        template = self.template(language, variant)
        return template.format(**fields) if fields or variant is not None else template


class RuleCatalogue:
    """The rules of one family, by code (and by name).

    Parameters
    ----------
    family : str
        What the rules check (``"questionnaire lint"``, ``"microdata checks"``, ``"quality flags"``).
    rules : iterable of Rule
        Codes and names must be unique within the catalogue.
    """

    def __init__(self, family: str, rules: Iterable[Rule]) -> None:
        self.family = family
        self._rules: dict[str, Rule] = {}
        self._names: dict[str, Rule] = {}
        for rule in rules:
            if rule.code in self._rules or rule.name in self._names:
                raise ValueError(f"{family}: rule {rule.code} ({rule.name}) is defined twice")
            self._rules[rule.code] = rule
            self._names[rule.name] = rule

    def __getitem__(self, code: str) -> Rule:
        try:
            return self._rules[code]
        except KeyError:
            raise KeyError(f"{self.family}: no rule {code!r}; the codes are {', '.join(self._rules)}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def by_name(self, name: str) -> Rule:
        """The rule called ``name``."""
        try:
            return self._names[name]
        except KeyError:
            raise KeyError(f"{self.family}: no rule named {name!r}") from None

    def message(self, code: str, language: str | None = "en", /, **fields: Any) -> str:
        """Rule ``code``'s message in ``language`` with ``fields`` filled in."""
        return self[code].text(language, **fields)

    def to_frame(self) -> pd.DataFrame:
        """The catalogue as a table (code, name, severity, en, es): for docs and for users' own lists."""
        import pandas as pd

        return pd.DataFrame(
            [{"code": r.code, "name": r.name, "severity": r.severity, "en": r.en, "es": r.es} for r in self],
            columns=["code", "name", "severity", "en", "es"],
        )
