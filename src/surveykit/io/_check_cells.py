"""Vectorised cell tests of :func:`surveykit.check_microdata`: whole columns at once, never row by row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

_FILLER_KINDS = {"not_applicable", "skipped"}


def _id_text(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series(pd.NA, index=df.index, dtype="object")
    parts = [_code_text(df[c]) for c in cols]
    out = parts[0]
    for p in parts[1:]:
        out = out + "/" + p
    return out


def _key_frame(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Id columns as text the way people write them, so an int household id matches a text one."""
    return pd.DataFrame({c: _code_text(df[c]) for c in cols}, index=df.index)


def _key_index(df: pd.DataFrame, cols: list[str]) -> pd.Index:
    keys = _key_frame(df, cols)
    return pd.MultiIndex.from_frame(keys) if len(cols) > 1 else pd.Index(keys[cols[0]])


def _code_text(s: pd.Series) -> pd.Series:
    """Codes as text the way people write them: 3.0 -> '3', NaN -> ''."""
    if pd.api.types.is_float_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(vals) & (vals == np.round(vals)) & (np.abs(vals) < 2**53)
        out = s.astype(object).astype(str)
        out[integral] = pd.Series(vals[integral].astype(np.int64), index=s.index[integral]).astype(str)
        out[~np.isfinite(vals)] = ""
        return out.astype(object)
    return s.astype(object).where(s.notna(), "").astype(str)


def _missing_sets(codes: list[Any]) -> tuple[list[Any], list[str], list[str], tuple[list, list, list]]:
    num = [m.code for m in codes if isinstance(m.code, (int, float)) and not isinstance(m.code, bool)]
    text = [m.code for m in codes if isinstance(m.code, str)]
    letters = sorted({m.stata_letter for m in codes if m.stata_letter})
    f = [m for m in codes if m.kind in _FILLER_KINDS]
    filler = (
        [m.code for m in f if isinstance(m.code, (int, float))],
        [m.code for m in f if isinstance(m.code, str)],
        sorted({m.stata_letter for m in f if m.stata_letter}),
    )
    return num, text, letters, filler


def _isin_codes(col: pd.Series, numbers: list[Any], texts: list[str]) -> np.ndarray:
    out = np.zeros(len(col), dtype=bool)
    if numbers:
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            out |= col.isin(numbers).to_numpy(dtype=bool, na_value=False)
        else:
            out |= pd.to_numeric(col, errors="coerce").isin(numbers).to_numpy(dtype=bool, na_value=False)
    if texts:
        out |= _text_eq_any(col, texts)
    return out


def _text_eq_any(col: pd.Series, texts: list[str]) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col.dtype) or not texts:
        return np.zeros(len(col), dtype=bool)
    return col.astype(object).isin(texts).to_numpy(dtype=bool, na_value=False)


def _present(col: pd.Series) -> np.ndarray:
    """An answer is there: not missing and not empty text."""
    present = col.notna().to_numpy(dtype=bool, copy=True)
    if not pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_datetime64_any_dtype(col.dtype):
        blank = col.astype(object).isin(["", " "]).to_numpy(dtype=bool, na_value=False)
        present &= ~blank
    return present


def _as_number(col: pd.Series, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values (NaN where not a number) and the present cells that are not numbers."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype(float).to_numpy(), np.zeros(len(col), dtype=bool)
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(col), dtype=bool)
    num = pd.to_numeric(col.astype(object).where(_present(col), None), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    return num, present & np.isnan(num)


def _parses_as_date(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return np.ones(len(col), dtype=bool)
    parsed = pd.to_datetime(col.astype(object).where(_present(col), None), errors="coerce", format="mixed")
    return parsed.notna().to_numpy(dtype=bool)


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _lang_text(texts: Mapping[str, str] | None, q: Questionnaire, language: str | None = None) -> str:
    """The questionnaire's text in ``language`` (``"es"`` finds ``"es-SV"``) when it has it, else in
    its main language, else any."""
    if not texts:
        return ""
    if language:
        want = str(language).split("-")[0].lower()
        found = texts.get(language) or next((v for k, v in texts.items() if str(k).split("-")[0].lower() == want), None)
        if found:
            return str(found)
    return str(texts.get(q.main_language) or next(iter(texts.values()), ""))
