"""The output tables: design columns and weights, one frame per unit with labels and missing-code
declarations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulationError
from ..metadata import attach_metadata
from .units import _Unit

#: Columns the simulator adds (conventions of issue 6), with their variable labels.
DESIGN_LABELS = {
    "es": {"id_hogar": "Identificador del hogar", "estrato": "Estrato (departamento x área)",
           "upm": "Unidad primaria de muestreo", "fexp": "Factor de expansión de la persona seleccionada",
           "fexp_hogar": "Factor de expansión del hogar", "id": "Número de {name} en el hogar"},
    "en": {"id_hogar": "Household id", "estrato": "Stratum (department x area)", "upm": "Primary sampling unit",
           "fexp": "Selected person's weight", "fexp_hogar": "Household weight", "id": "Number of the {name} in "
           "the household"},
}
#: Main-unit variables copied onto every repeat row (conventions: disaggregation of incident indicators).
CARRY = ("departamento", "area", "sexo", "grupo_edad")


class _Assemble:
    # weights -----------------------------------------------------------------------------------
    def _weights(self, main: _Unit, s: dict[str, np.ndarray]) -> None:
        if self.eligible is not None:
            k = np.asarray(main.cols[self.eligible], dtype=float)
            bad = ~(k >= 1)
            if bad.any():
                raise SimulationError(f"eligible={self.eligible!r} is missing or below 1 in {int(bad.sum())} row(s); "
                                      "make it relevant for everyone with min 1.", question=self.eligible)
        else:
            k = 1.0 + self.sample_rng.poisson(1.198, main.n)
        main.cols["fexp_hogar"] = s["weight"]
        main.cols["fexp"] = s["weight"] * k

    # assembly ----------------------------------------------------------------------------------
    def _assemble(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        dicts = self.q.label_dictionaries(self.language, self.layout)
        main = self.units[self.main]
        lead = ["id_hogar", "estrato", "upm", "fexp_hogar", "fexp"]
        data = self._table(main, lead, {c: main.cols[c] for c in lead})
        attach_metadata(data, self._metadata(data, dicts, None))
        repeats = {}
        for r in self.q.repeats():
            unit = self.units[r.name]
            chain = [u for u, _p in unit.ancestors()]
            first: dict[str, Any] = {}
            top_pos = unit.ancestors()[-1][1]
            first["id_hogar"] = main.cols["id_hogar"][top_pos]
            for u, pos in reversed(unit.ancestors()[:-1]):
                first[f"id_{u.name}"] = u.instance[pos]
            for c in ("estrato", "upm", "fexp"):
                first[c] = main.cols[c][top_pos]
            own = set()
            for u in chain[:-1]:
                for qn in u.questions:
                    own.update(self._columns_of(qn))
            for c in self.carry:
                if c in main.cols and c not in own and c not in first:
                    first[c] = main.cols[c][top_pos]
            table = self._table(unit, list(first), first)
            attach_metadata(table, self._metadata(table, dicts, r))
            repeats[r.name] = table
        return data, repeats

    def _table(self, unit: _Unit, lead: list[str], lead_cols: dict[str, Any]) -> pd.DataFrame:
        cols: dict[str, Any] = dict(lead_cols)
        by_index = sorted(unit.questions, key=lambda n: self.by_name[n].index)
        for name in by_index:
            info = self.by_name[name]
            if info.model.type == "select_multiple":
                if self.layout in ("text", "both"):
                    cols[name] = unit.cols[f"__text__{name}"]
                if self.layout in ("binary", "both"):
                    for c in self._columns_of(name):
                        cols[c] = unit.cols[c]
            else:
                cols[name] = unit.cols[name]
        return pd.DataFrame(cols, index=pd.RangeIndex(unit.n))

    def _metadata(self, df: pd.DataFrame, dicts: Any, rep: Any) -> dict[str, Any]:
        from ..io import empty_metadata

        meta = empty_metadata(None, "simulated")
        cols = list(df.columns)
        meta["columns"] = cols
        words = DESIGN_LABELS.get(self.language.split("-")[0], DESIGN_LABELS["en"])
        labels = {c: words[c] for c in ("id_hogar", "estrato", "upm", "fexp", "fexp_hogar") if c in cols}
        for c in cols:
            if c.startswith("id_") and c != "id_hogar" and c not in dicts.variable_labels:
                labels[c] = words["id"].format(name=c[3:])
        meta["variable_labels"] = {**labels, **{c: v for c, v in dicts.variable_labels.items() if c in cols and v}}
        meta["value_labels"] = {c: dict(v) for c, v in dicts.value_labels.items() if c in cols and v}
        meta["missing"] = {c: {"values": list(v["values"]), "ranges": [list(x) for x in v["ranges"]],
                               "stata": sorted(set((v.get("stata") or {}).values()))}
                           for c, v in dicts.missing.items() if c in cols}
        meta["measure"] = {c: v for c, v in dicts.measure.items() if c in cols}
        meta["n_rows"] = len(df)
        meta["notes"] = [f"simulated by surveykit from questionnaire {self.q.id!r} (seed {self.entropy})"]
        meta["questionnaire"] = self.q.id
        meta["language"] = self.language
        meta["unit"] = rep.name if rep is not None else self.main
        return meta
