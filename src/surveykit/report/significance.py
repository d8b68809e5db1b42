"""Significance markers of the publication tables: which categories differ from the total or the reference.

A results table with ``p_value`` (from ``compute_breakdowns(..., compare=...)``,
``estimate_results(..., design=, compare=)`` or merged in by the user) gets a marker on each category
whose p-value is below ``alpha``: ▲ when it is higher than what it is compared with, ▼ when lower
(``*`` when the table has no ``difference`` to tell), and a footnote stating the test.

>>> import pandas as pd
>>> t = pd.DataFrame({"p_value": [0.01, 0.2, 0.003, None], "difference": [2.0, 1.0, -3.0, None],
...                   "difference_df": 30.0, "compared_with": "total"})
>>> significance_marks(t, 0.05).tolist()
['▲', '', '▼', '']
>>> significance_notes(t, "en", 0.05)[0][:60]
'▲ / ▼: significantly higher / lower than the national value '
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .texts import text

__all__ = ["HIGHER", "LOWER", "SIGNIFICANT", "has_significance", "significance_marks", "significance_notes"]

HIGHER, LOWER, SIGNIFICANT = "▲", "▼", "*"


def has_significance(table: pd.DataFrame) -> bool:
    """Whether the table holds p-values to mark (a ``p_value`` column with at least one value)."""
    return "p_value" in table.columns and bool(pd.to_numeric(table["p_value"], errors="coerce").notna().any())


def significance_marks(table: pd.DataFrame, alpha: float) -> pd.Series:
    """▲ / ▼ (or ``*`` without a ``difference``) on rows with ``p_value < alpha``; empty elsewhere."""
    if "p_value" not in table.columns:
        return pd.Series("", index=table.index, dtype=object)
    p = pd.to_numeric(table["p_value"], errors="coerce").to_numpy(dtype=np.float64)
    sig = p < alpha
    if "difference" in table.columns:
        diff = pd.to_numeric(table["difference"], errors="coerce").to_numpy(dtype=np.float64)
        mark = np.where(diff > 0, HIGHER, np.where(diff < 0, LOWER, SIGNIFICANT))
    else:
        mark = np.full(len(table), SIGNIFICANT, dtype=object)
    return pd.Series(np.where(sig, mark, ""), index=table.index, dtype=object)


def _test_words(lang: str, df_values: pd.Series) -> str:
    df = sorted({float(v) for v in pd.to_numeric(df_values, errors="coerce").dropna() if np.isfinite(v)})
    if not df:
        return str(text(lang, "sig_test_nodf"))
    low, high = f"{df[0]:g}", f"{df[-1]:g}"
    return str(text(lang, "sig_test")).format(df=low if low == high else f"{low}–{high}")


def significance_notes(rows: pd.DataFrame, lang: str, alpha: float) -> list[str]:
    """Footnotes stating the test behind the markers of ``rows`` (one per kind of comparison present)."""
    if not has_significance(rows):
        return []
    tested = rows[pd.to_numeric(rows["p_value"], errors="coerce").notna()]
    against = (
        tested["compared_with"].fillna("").astype(str)
        if "compared_with" in tested.columns
        else pd.Series("", index=tested.index)
    )
    no_df = pd.Series(np.nan, index=tested.index)
    df = tested["difference_df"] if "difference_df" in tested.columns else no_df
    a = f"{alpha:g}"
    notes = []
    total = against == "total"
    if total.any():
        notes.append(text(lang, "sig_total").format(test=_test_words(lang, df[total]), alpha=a))
    ref = (against != "total") & (against != "")
    if ref.any():
        names = ", ".join(dict.fromkeys(against[ref]))
        notes.append(text(lang, "sig_reference").format(reference=names, test=_test_words(lang, df[ref]), alpha=a))
    if (against == "").any():
        notes.append(text(lang, "sig_given").format(alpha=a))
    return notes
