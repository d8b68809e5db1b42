"""Words of the publication outputs, in Spanish and English."""

from __future__ import annotations

from typing import Any

from ..estimation.quality import QUALITY_REASONS
from ..estimation.quality import REASONS_ES as _QUALITY_REASONS_ES
from ..rules import language_key

__all__ = ["TEXTS", "text", "FAMILY_ORDER", "RULE_DESCRIPTIONS", "BREAKDOWN_LABELS", "REASONS_ES", "reason_text"]

#: Families in publication order.
FAMILY_ORDER = ("victimization", "discrimination", "sdg16")

TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "title": "Indicadores de victimización, discriminación y ODS 16",
        "contents": "Contenido",
        "sources": "Fuentes",
        "data": "Datos",
        "families": {"victimization": "Victimización", "discrimination": "Discriminación", "sdg16": "ODS 16"},
        "family_titles": {
            "victimization": "Indicadores de victimización y percepción de inseguridad",
            "discrimination": "Indicadores de discriminación",
            "sdg16": "Indicadores del Objetivo de Desarrollo Sostenible 16",
        },
        "generated": "Generado el {date} con surveykit {version}.",
        "sheet": "Hoja",
        "description": "Descripción",
        "indicators": "Indicadores",
        "n_indicators": "{n} indicadores",
        "one_indicator": "1 indicador",
        "code": "Código",
        "indicator": "Indicador",
        "family": "Familia",
        "unit": "Unidad",
        "source": "Fuente",
        "evidence": "Evidencia",
        "notes": "Notas",
        "breakdown": "Desagregación",
        "category": "Categoría",
        "estimate": "Estimación",
        "se": "Error estándar",
        "ci_low": "IC {level}% inferior",
        "ci_high": "IC {level}% superior",
        "cv": "CV (%)",
        "deff": "Efecto de diseño",
        "n": "n (casos)",
        "note": "Nota",
        "total": "Total",
        "unit_line": "Unidad: {unit}.",
        "source_line": "Fuente: {source}",
        "quality": "Calidad de las estimaciones",
        "rule_line": "Criterio de calidad: {rule}.",
        "ci_line": "Intervalos de confianza al {level}% ({method}); CV = error estándar / estimación.",
        "ci_methods": {
            "t": "t de Student con los grados de libertad del diseño",
            "normal": "normal",
            "logit": "logit",
            "korn-graubard": "Korn-Graubard",
            "wilson": "Wilson",
        },
        "suppressed": "{symbol}: estimación suprimida, no es suficientemente confiable para publicarse.",
        "marked": "Celdas marcadas con color y letra: estimación publicada con una advertencia de precisión.",
        "footnotes": "Notas",
        "legend": "Leyenda",
        "not_computed": "Indicadores no calculados",
        "see_sources": "Las fuentes de cada definición están en la hoja «Fuentes».",
        "evidence_legend": "Evidencia: [V] verificada en la fuente oficial; [S] fuente secundaria; [U] no verificada.",
        "simulated": "",
        "chart_total": "Total nacional: {value}",
        "chart_ci": "IC {level}%",
        "chart_flagged": "Marcada ({flags})",
        "chart_suppressed": "suprimida",
        "chart_legend_suppressed": "{symbol} = suprimida",
        "page": "Página &P de &N",
        "sig_header": "Dif. sig.",
        "sig_test": "prueba t basada en el diseño con {df} grados de libertad",
        "sig_test_nodf": "prueba t basada en el diseño",
        "sig_total": "▲ / ▼: significativamente mayor / menor que el valor nacional (diferencia con el valor "
        "nacional, {test}, α = {alpha}); sin marca: la diferencia no es significativa.",
        "sig_reference": "▲ / ▼: significativamente mayor / menor que la categoría de referencia ({reference}) "
        "(diferencia con la primera categoría de la desagregación, {test}, α = {alpha}); sin "
        "marca: la diferencia no es significativa.",
        "sig_given": "▲ / ▼ (o *): la diferencia tiene un valor p menor que α = {alpha} (valores p dados con los "
        "resultados).",
    },
    "en": {
        "title": "Victimization, discrimination and SDG 16 indicators",
        "contents": "Contents",
        "sources": "Sources",
        "data": "Data",
        "families": {"victimization": "Victimization", "discrimination": "Discrimination", "sdg16": "SDG 16"},
        "family_titles": {
            "victimization": "Victimization and perception of insecurity indicators",
            "discrimination": "Discrimination indicators",
            "sdg16": "Sustainable Development Goal 16 indicators",
        },
        "generated": "Generated on {date} with surveykit {version}.",
        "sheet": "Sheet",
        "description": "Description",
        "indicators": "Indicators",
        "n_indicators": "{n} indicators",
        "one_indicator": "1 indicator",
        "code": "Code",
        "indicator": "Indicator",
        "family": "Family",
        "unit": "Unit",
        "source": "Source",
        "evidence": "Evidence",
        "notes": "Notes",
        "breakdown": "Breakdown",
        "category": "Category",
        "estimate": "Estimate",
        "se": "Standard error",
        "ci_low": "{level}% CI lower",
        "ci_high": "{level}% CI upper",
        "cv": "CV (%)",
        "deff": "Design effect",
        "n": "n (cases)",
        "note": "Note",
        "total": "Total",
        "unit_line": "Unit: {unit}.",
        "source_line": "Source: {source}",
        "quality": "Quality of the estimates",
        "rule_line": "Quality rule: {rule}.",
        "ci_line": "{level}% confidence intervals ({method}); CV = standard error / estimate.",
        "ci_methods": {
            "t": "Student's t with the design degrees of freedom",
            "normal": "normal",
            "logit": "logit",
            "korn-graubard": "Korn-Graubard",
            "wilson": "Wilson",
        },
        "suppressed": "{symbol}: estimate suppressed, not reliable enough to publish.",
        "marked": "Cells marked with a colour and a letter: estimate published with a precision warning.",
        "footnotes": "Notes",
        "legend": "Legend",
        "not_computed": "Indicators not computed",
        "see_sources": "The source of each definition is on the 'Sources' sheet.",
        "evidence_legend": "Evidence: [V] verified in the official source; [S] secondary source; [U] unverified.",
        "simulated": "",
        "chart_total": "National total: {value}",
        "chart_ci": "{level}% CI",
        "chart_flagged": "Flagged ({flags})",
        "chart_suppressed": "suppressed",
        "chart_legend_suppressed": "{symbol} = suppressed",
        "page": "Page &P of &N",
        "sig_header": "Sig. diff.",
        "sig_test": "design-based t test with {df} degrees of freedom",
        "sig_test_nodf": "design-based t test",
        "sig_total": "▲ / ▼: significantly higher / lower than the national value (difference from the national "
        "value, {test}, α = {alpha}); no mark: the difference is not significant.",
        "sig_reference": "▲ / ▼: significantly higher / lower than the reference category ({reference}) "
        "(difference from the breakdown's first category, {test}, α = {alpha}); no mark: the "
        "difference is not significant.",
        "sig_given": "▲ / ▼ (or *): the difference has a p-value below α = {alpha} (p-values given with the results).",
    },
}

#: What each quality rule set is, for the footnotes.
RULE_DESCRIPTIONS = {
    "es": {
        "inegi": "INEGI (México), acuerdo CAC-007/01/2018: CV menor que 15% precisión alta; de 15% a menos de 30% "
        "moderada; 30% o más baja (se publica con advertencia)",
        "statcan": "Statistics Canada: CV hasta 16.5% se publica; de 16.6% a 33.3% se publica con cautela (E); "
        "más de 33.3% o menos de 10 casos se suprime (F)",
        "nchs": "NCHS (EE. UU.), normas para proporciones (Parker et al. 2017): tamaño efectivo de muestra, "
        "amplitud absoluta y relativa del intervalo de Korn-Graubard y grados de libertad",
        "nchs-counts": "NCHS (EE. UU.), normas para conteos: al menos 10 casos y amplitud relativa del intervalo "
        "de 160% o menos",
    },
    "en": {
        "inegi": "INEGI (Mexico), agreement CAC-007/01/2018: CV below 15% high precision; 15% to under 30% "
        "moderate; 30% or more low (published with a warning)",
        "statcan": "Statistics Canada: CV up to 16.5% released; 16.6% to 33.3% released with caution (E); above "
        "33.3% or fewer than 10 cases suppressed (F)",
        "nchs": "NCHS (US) data presentation standards for proportions (Parker et al. 2017): effective sample "
        "size, absolute and relative Korn-Graubard interval width and degrees of freedom",
        "nchs-counts": "NCHS (US) standards for counts: at least 10 cases and a relative CI width of 160% or less",
    },
}

#: Names of the conventions' disaggregation variables.
BREAKDOWN_LABELS = {
    "es": {"sexo": "Sexo", "area": "Área", "departamento": "Departamento", "grupo_edad": "Grupo de edad"},
    "en": {"sexo": "Sex", "area": "Area", "departamento": "Department", "grupo_edad": "Age group"},
}


def text(language: str, key: str) -> Any:
    """A word in ``language`` (Spanish or English; other languages fall back to English).

    >>> text("es", "estimate"), text("fr", "estimate")
    ('Estimación', 'Estimate')
    """
    return TEXTS[language_key(language)][key]


#: The reasons :func:`surveykit.quality_flags` gives, English text to Spanish (older callers; the
#: report translates by ``flag_code`` through :data:`~surveykit.estimation.quality.QUALITY_REASONS`).
REASONS_ES = _QUALITY_REASONS_ES


def reason_text(reason: str, language: str, code: str | None = None) -> str:
    """A quality flag's reason in ``language``: by its code in the quality-rule catalogue.

    ``code`` is the table's ``flag_code`` (or ``reason`` itself may be a code); a reason without a
    catalogue code (a user's own flag) is shown as given.

    >>> reason_text("", "es", code="NCHS-ESS")
    'tamaño de muestra efectivo menor que 30 (NCHS)'
    >>> reason_text("NCHS-ESS", "en"), reason_text("checked by hand", "es")
    ('effective sample size below 30 (NCHS)', 'checked by hand')
    """
    key = code if code else reason
    if key in QUALITY_REASONS:
        return QUALITY_REASONS[key].text(language_key(language))
    return reason


def count_text(language: str, n: int) -> str:
    """'1 indicador', '3 indicadores'.

    >>> count_text("es", 1), count_text("en", 3)
    ('1 indicador', '3 indicators')
    """
    return text(language, "one_indicator") if n == 1 else text(language, "n_indicators").format(n=n)
