"""The indicator catalogue: the shipped definitions (``catalog/*.yaml``) and users' own files.

:func:`load_catalog` reads and validates catalogue files (every problem names the file and the
indicator); :func:`catalog` lists the indicators as a table; :func:`get_indicator` finds one by code.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from ..fileio import load_yaml_file
from ..errors import IndicatorError
from .model import Indicator

__all__ = ["CATALOG_DIR", "catalog", "get_indicator", "load_catalog"]

CATALOG_DIR = Path(__file__).with_name("catalog")


# ------------------------------------------------------------------------------------------------
# catalogue
# ------------------------------------------------------------------------------------------------
def load_catalog(paths: str | Path | Sequence[str | Path] | None = None) -> dict[str, Indicator]:
    """Indicator definitions from YAML files (default: the shipped catalogue), keyed by code.

    Each file holds ``indicators: [...]`` (a list of :class:`Indicator` fields). Duplicate codes and
    invalid definitions raise :class:`~surveykit.IndicatorError` naming the file and the indicator.

    Examples
    --------
    >>> cat = load_catalog()
    >>> all(code == ind.code for code, ind in cat.items())
    True
    """
    if paths is None:
        return dict(_shipped())
    return _load_files([Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)])


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple:
    return tuple(_load_files(sorted(CATALOG_DIR.glob("*.yaml"))).items())


def _load_files(files: list[Path]) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {}
    for f in files:
        doc = load_yaml_file(f, "indicator", IndicatorError)
        if not isinstance(doc, dict) or not isinstance(doc.get("indicators"), list):
            raise IndicatorError(f"{f}: expected a mapping with a list under 'indicators'.", file=str(f))
        for i, item in enumerate(doc["indicators"]):
            code = item.get("code", f"#{i}") if isinstance(item, dict) else f"#{i}"
            try:
                ind = Indicator.model_validate(item)
            except Exception as exc:  # pydantic ValidationError: report every field problem
                raise IndicatorError(
                    f"{f}: indicator {code} (item {i}) is not valid: {exc}", file=str(f), indicator=code
                ) from None
            if ind.code in out:
                raise IndicatorError(
                    f"{f}: indicator code {ind.code} is defined twice.", file=str(f), indicator=ind.code
                )
            out[ind.code] = ind
    return out


def catalog(language: str = "en", indicators: Mapping[str, Indicator] | None = None) -> pd.DataFrame:
    """Every shipped indicator as a table: code, family, name, unit, universe, estimator, scale, source.

    Examples
    --------
    >>> import surveykit as sk
    >>> cat = sk.indicators.catalog()
    >>> {"code", "name", "source"} <= set(cat.columns)
    True
    """
    cat = load_catalog() if indicators is None else indicators
    rows = [
        {
            "code": ind.code,
            "family": ind.family,
            "name": ind.text("name", language),
            "questionnaire": ind.questionnaire,
            "unit": ind.unit,
            "universe": ind.universe,
            "estimator": ind.estimator,
            "numerator": ind.numerator,
            "denominator": ind.denominator,
            "scale": ind.scale,
            "unit_label": ind.text("unit_label", language) if ind.unit_label else "",
            "disaggregations": ", ".join(ind.disaggregations),
            "source": ind.source,
        }
        for ind in cat.values()
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "code",
            "family",
            "name",
            "questionnaire",
            "unit",
            "universe",
            "estimator",
            "numerator",
            "denominator",
            "scale",
            "unit_label",
            "disaggregations",
            "source",
        ],
    )


def get_indicator(code: str, indicators: Mapping[str, Indicator] | None = None) -> Indicator:
    """The definition of one indicator; unknown codes raise IndicatorError with close matches."""
    cat = load_catalog() if indicators is None else indicators
    if code not in cat:
        import difflib

        close = difflib.get_close_matches(code, list(cat), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " See sk.indicators.catalog() for the codes."
        raise IndicatorError(f"unknown indicator {code!r}.{hint}", indicator=code)
    return cat[code]
