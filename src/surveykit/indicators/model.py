"""The indicator model: what an indicator is, as data.

An indicator names its universe, numerator and denominator as expressions in the questionnaire's
expression language (``${p13} = 1 or ${p13} = 2``), the estimator they feed, the scale it is
published on, its disaggregations and its source. Definitions live in YAML files (the shipped
catalogue is ``surveykit/indicators/catalog/*.yaml``) and are validated by these Pydantic models.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Indicator", "Component", "ESTIMATORS", "FAMILIES"]

ESTIMATORS = ("proportion", "ratio", "rate", "mean", "total", "mean_of_proportions")
FAMILIES = ("sdg16", "victimization", "discrimination")

LocalizedText = dict[str, str]


class Component(BaseModel):
    """One item of an average of proportions (SDG 16.6.2, 16.7.2): its own numerator and base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    numerator: str = Field(description="boolean expression: the item is positive")
    denominator: str | None = Field(
        None, description="boolean expression: the item's base (e.g. answered, not don't know); default: the universe"
    )


class Indicator(BaseModel):
    """A published statistic defined over a questionnaire.

    Attributes
    ----------
    code : str
        Identifier, e.g. ``"SDG16.1.4"`` or ``"VIC.PREV.PERSON"``.
    family : {"sdg16", "victimization", "discrimination"}
    name, description : dict of language -> text
    questionnaire : str
        Id of the questionnaire whose variables the expressions use.
    unit : str
        Unit of analysis: ``"person"``, ``"household"`` or ``"incident"`` (which design to use).
    universe : str, optional
        Boolean expression selecting the population the indicator speaks about (default: all rows).
    estimator : {"proportion", "ratio", "rate", "mean", "total", "mean_of_proportions"}
        ``proportion``: share of the base (universe and ``denominator``) where ``numerator`` holds;
        ``ratio``/``rate``: ratio of the weighted totals of two numeric expressions (a rate is
        published per ``scale`` units, e.g. per 100,000); ``mean``/``total`` of ``numerator``;
        ``mean_of_proportions``: simple average of the ``components``' proportions, joint SE.
    numerator, denominator : str, optional
        Expressions (see ``estimator``).
    components : list of Component
        For ``mean_of_proportions``.
    scale : float
        Multiplier of estimate, SE and CI (100 for percentages, 100000 for rates per 100,000).
    ci : {"t", "normal", "logit", "korn-graubard", "wilson"}, optional
        The interval this indicator is published with (e.g. Korn-Graubard for a proportion on a small
        base); a ``ci`` given to :func:`compute` overrides it.
    unit_label : dict of language -> text
        What the published number is ("%", "per 100,000 population").
    disaggregations : list of str
        Variables the indicator is published by.
    source : str
        Where the definition comes from, with its evidence tag ([V] verified, [S] secondary, [U]
        unverified), e.g. ``"UNODC SDG metadata 16.1.4 (2023-03-31) [V]"``.
    notes : dict of language -> text
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9._-]{0,63}$")
    family: Literal["sdg16", "victimization", "discrimination"]
    name: LocalizedText
    description: LocalizedText = {}
    questionnaire: str
    unit: str = "person"
    universe: str | None = None
    estimator: Literal["proportion", "ratio", "rate", "mean", "total", "mean_of_proportions"]
    numerator: str | None = None
    denominator: str | None = None
    components: list[Component] = []
    scale: float = 1.0
    ci: Literal["t", "normal", "logit", "korn-graubard", "wilson"] | None = None
    unit_label: LocalizedText = {}
    disaggregations: list[str] = []
    source: str
    notes: LocalizedText = {}

    @field_validator("name")
    @classmethod
    def _has_name(cls, v: LocalizedText) -> LocalizedText:
        if not v or not any(t.strip() for t in v.values()):
            raise ValueError("an indicator needs a name in at least one language")
        return v

    @field_validator("source")
    @classmethod
    def _has_source(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("every indicator cites its source")
        return v

    @model_validator(mode="after")
    def _fields_for_estimator(self) -> Indicator:
        e = self.estimator
        if e == "mean_of_proportions":
            if len(self.components) < 2:
                raise ValueError("mean_of_proportions needs at least two components")
            if self.numerator or self.denominator:
                raise ValueError("mean_of_proportions takes components, not numerator/denominator")
        else:
            if not self.numerator:
                raise ValueError(f"estimator '{e}' needs a numerator expression")
            if self.components:
                raise ValueError(f"components are for mean_of_proportions, not '{e}'")
            if e in ("ratio", "rate") and not self.denominator:
                raise ValueError(f"estimator '{e}' needs a denominator expression")
            if e in ("mean", "total") and self.denominator:
                raise ValueError(f"estimator '{e}' takes no denominator; restrict the universe instead")
        if self.scale <= 0:
            raise ValueError("scale must be positive")
        return self

    def text(self, field: str, language: str) -> str:
        """A localized field in ``language``, falling back to English, Spanish, then any language."""
        values: LocalizedText = getattr(self, field)
        for lang in (language, "en", "es"):
            if values.get(lang):
                return values[lang]
        return next(iter(values.values()), "")

    def expressions(self) -> dict[str, str]:
        """Every expression of the indicator, by where it is used (for checks against a questionnaire)."""
        out = {k: getattr(self, k) for k in ("universe", "numerator", "denominator") if getattr(self, k)}
        for i, c in enumerate(self.components):
            out[f"components[{i}].numerator"] = c.numerator
            if c.denominator:
                out[f"components[{i}].denominator"] = c.denominator
        return out
