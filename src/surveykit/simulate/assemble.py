"""The output tables: the weights, and one frame per unit (design columns, answers in form order, labels and
missing-code declarations in ``attrs``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulationError
from ..metadata import attach_metadata
from ..questionnaire import LabelDictionaries, Questionnaire
from .units import Rows, Unit

#: Columns the simulator adds (conventions of issue 6), with their variable labels.
DESIGN_LABELS = {
    "es": {
        "id_hogar": "Identificador del hogar",
        "estrato": "Estrato (departamento x área)",
        "upm": "Unidad primaria de muestreo",
        "fexp": "Factor de expansión de la persona seleccionada",
        "fexp_hogar": "Factor de expansión del hogar",
        "id": "Número de {name} en el hogar",
    },
    "en": {
        "id_hogar": "Household id",
        "estrato": "Stratum (department x area)",
        "upm": "Primary sampling unit",
        "fexp": "Selected person's weight",
        "fexp_hogar": "Household weight",
        "id": "Number of the {name} in the household",
    },
}
#: Main-unit variables copied onto every repeat row (conventions: disaggregation of incident indicators).
CARRY = ("departamento", "area", "sexo", "grupo_edad")


#: The design columns that lead the main table.
_LEAD = ["id_hogar", "estrato", "upm", "fexp_hogar", "fexp"]


def set_weights(
    main: Unit, sample: dict[str, np.ndarray], eligible: str | None, sample_rng: np.random.Generator
) -> None:
    """The household weight, and the selected person's: times the eligible persons (drawn if no question
    holds them)."""
    if eligible is not None:
        k = np.asarray(main.cols[eligible], dtype=float)
        bad = ~(k >= 1)
        if bad.any():
            raise SimulationError(
                f"eligible={eligible!r} is missing or below 1 in {int(bad.sum())} row(s); "
                "make it relevant for everyone with min 1.",
                question=eligible,
            )
    else:
        k = 1.0 + sample_rng.poisson(1.198, main.n)
    main.cols["fexp_hogar"] = sample["weight"]
    main.cols["fexp"] = sample["weight"] * k


def assemble(
    rows: Rows, language: str, layout: str, carry: tuple[str, ...], entropy: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The main table and one table per repeat, with their metadata attached.

    A repeat's table leads with ``id_hogar``, the instance numbers ``id_<repeat>`` of it and its
    enclosing repeats, the household's ``estrato``, ``upm`` and ``fexp`` and the ``carry`` variables
    of the main unit (those no enclosing unit answers itself).
    """
    q = rows.q
    main_name = rows.plan.main
    dicts = q.label_dictionaries(language, layout)
    main = rows.units[main_name]
    data = _table(rows, main, {c: main.cols[c] for c in _LEAD}, layout)
    attach_metadata(data, _metadata(data, dicts, main_name, q, language, entropy))
    repeats = {}
    for r in q.repeats():
        unit = rows.units[r.name]
        chain = [u for u, _p in unit.ancestors()]
        first: dict[str, Any] = {}
        top_pos = unit.ancestors()[-1][1]
        first["id_hogar"] = main.cols["id_hogar"][top_pos]
        for u, pos in reversed(unit.ancestors()[:-1]):
            assert u.instance is not None  # every unit but the main one is a repeat's
            first[f"id_{u.name}"] = u.instance[pos]
        for c in ("estrato", "upm", "fexp"):
            first[c] = main.cols[c][top_pos]
        own = set()
        for u in chain[:-1]:
            for qn in u.questions:
                own.update(rows.columns_of(qn))
        for c in carry:
            if c in main.cols and c not in own and c not in first:
                first[c] = main.cols[c][top_pos]
        table = _table(rows, unit, first, layout)
        attach_metadata(table, _metadata(table, dicts, r.name, q, language, entropy))
        repeats[r.name] = table
    return data, repeats


def _table(rows: Rows, unit: Unit, lead_cols: dict[str, Any], layout: str) -> pd.DataFrame:
    """The lead columns, then the unit's questions in form order (select_multiple as the layout says)."""
    cols: dict[str, Any] = dict(lead_cols)
    by_name = rows.by_name
    for name in sorted(unit.questions, key=lambda n: by_name[n].index):
        if by_name[name].model.type == "select_multiple":
            if layout in ("text", "both"):
                cols[name] = unit.cols[f"__text__{name}"]
            if layout in ("binary", "both"):
                for c in rows.columns_of(name):
                    cols[c] = unit.cols[c]
        else:
            cols[name] = unit.cols[name]
    return pd.DataFrame(cols, index=pd.RangeIndex(unit.n))


def _metadata(
    df: pd.DataFrame, dicts: LabelDictionaries, unit: str, q: Questionnaire, language: str, entropy: int
) -> dict[str, Any]:
    from ..io import empty_metadata

    meta = empty_metadata(None, "simulated")
    cols = list(df.columns)
    meta["columns"] = cols
    words = DESIGN_LABELS.get(language.split("-")[0], DESIGN_LABELS["en"])
    labels = {c: words[c] for c in ("id_hogar", "estrato", "upm", "fexp", "fexp_hogar") if c in cols}
    for c in cols:
        if c.startswith("id_") and c != "id_hogar" and c not in dicts.variable_labels:
            labels[c] = words["id"].format(name=c[3:])
    meta["variable_labels"] = {**labels, **{c: v for c, v in dicts.variable_labels.items() if c in cols and v}}
    meta["value_labels"] = {c: dict(v) for c, v in dicts.value_labels.items() if c in cols and v}
    meta["missing"] = {
        c: {
            "values": list(v["values"]),
            "ranges": [list(x) for x in v["ranges"]],
            "stata": sorted(set((v.get("stata") or {}).values())),
        }
        for c, v in dicts.missing.items()
        if c in cols
    }
    meta["measure"] = {c: v for c, v in dicts.measure.items() if c in cols}
    meta["n_rows"] = len(df)
    meta["notes"] = [f"simulated by surveykit from questionnaire {q.id!r} (seed {entropy})"]
    meta["questionnaire"] = q.id
    meta["language"] = language
    meta["unit"] = unit
    return meta
