"""The result of :func:`surveykit.simulate`: the tables and how they were made."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..questionnaire import Questionnaire

if TYPE_CHECKING:
    from ..design import SurveyDesign
    from ..variance.structure import LonelyPSU

__all__ = ["Simulation"]


@dataclasses.dataclass
class Simulation:
    """Simulated microdata: the main unit, the repeat tables and how they were made.

    Attributes
    ----------
    data : DataFrame
        One row per responding household's selected respondent: the design columns ``id_hogar``,
        ``estrato``, ``upm``, ``fexp_hogar``, ``fexp``, then every question (select_multiple as 0/1
        columns ``{q}_{code}`` with the default layout). ``data.attrs["surveykit"]`` holds value and
        variable labels and missing-code declarations in the chosen language.
    repeats : dict of DataFrame
        One table per repeat, with ``id_hogar``, ``id_<repeat>`` (instance number within its parent),
        the parent's ``estrato``, ``upm``, ``fexp`` and the copied main-unit variables.
    questionnaire : Questionnaire
    frame : DataFrame
        The frame used, with ``sampled`` and ``responding`` households per stratum.
    seed : int
        The seed that reproduces this simulation.
    notes : list of str
        Deliberate departures from the questionnaire (e.g. a choice filter that left no choice).

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.simulate import el_salvador_frame
    >>> q = sk.Questionnaire(id="mini", languages=["es"], items=[
    ...     sk.IntegerQuestion(name="n", label={"es": "Incidentes"}, min=0, max=3),
    ...     sk.Repeat(name="incidentes", unit="incident", count="${n}",
    ...               children=[sk.IntegerQuestion(name="mes", label={"es": "Mes"}, min=1, max=12)])])
    >>> sim = sk.simulate(q, seed=1, frame=el_salvador_frame(psus=60))
    >>> sim.ids()
    {'main': ['id_hogar'], 'incidentes': ['id_hogar', 'id_incidentes']}
    >>> len(sim.check()), sorted(sim.designs())
    (0, ['household', 'incident', 'person'])
    >>> int(sim.data["n"].sum()) == len(sim.repeats["incidentes"])
    True
    """

    data: pd.DataFrame
    repeats: dict[str, pd.DataFrame]
    questionnaire: Questionnaire
    frame: pd.DataFrame
    seed: int
    language: str
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def main_unit(self) -> str:
        """The name of the main table for :func:`surveykit.check_microdata` (``q.unit`` or ``"main"``)."""
        return self.questionnaire.unit or "main"

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{main unit: data, repeat: table, ...}``: the shape :func:`surveykit.check_microdata` takes."""
        return {self.main_unit: self.data, **self.repeats}

    def ids(self) -> dict[str, list[str]]:
        """The id columns of every table (``id_hogar``; ``id_hogar`` + ``id_<repeat>`` for repeats)."""
        out = {self.main_unit: ["id_hogar"]}
        for r in self.questionnaire.repeats():
            chain, parent = [r.name], r.parent
            while parent is not None:
                chain.insert(0, parent)
                parent = next(x.parent for x in self.questionnaire.repeats() if x.name == parent)
            out[r.name] = ["id_hogar", *[f"id_{c}" for c in chain]]
        return out

    def check(self) -> pd.DataFrame:
        """:func:`surveykit.check_microdata` of every table against the questionnaire (expected empty)."""
        from ..io.check import check_microdata

        return check_microdata(self.tables(), self.questionnaire, ids=self.ids())

    def designs(self, lonely_psu: LonelyPSU = "adjust") -> dict[str, SurveyDesign]:
        """Survey designs by unit of analysis, as :func:`surveykit.indicators.compute` takes them.

        ``person`` (weights ``fexp``) and ``household`` (``fexp_hogar``) on the main table, and one per
        repeat under its ``unit`` (e.g. ``incident``) or name, weighted by the parent's ``fexp``; all
        stratified by ``estrato`` with PSUs ``upm``. ``lonely_psu`` applies to the repeat tables, where
        a stratum may have a single PSU with rows.
        """
        from ..design import SurveyDesign

        out: dict[str, SurveyDesign] = {
            "person": SurveyDesign(self.data, weights="fexp", strata="estrato", psu="upm"),
            "household": SurveyDesign(self.data, weights="fexp_hogar", strata="estrato", psu="upm"),
        }
        for r in self.questionnaire.repeats():
            table = self.repeats[r.name]
            if len(table):
                out[r.unit or r.name] = SurveyDesign(
                    table, weights="fexp", strata="estrato", psu="upm", lonely_psu=lonely_psu
                )
        return out

    def write(self, folder: str | Path, format: str = "sav", language: str | None = None) -> dict[str, Path]:
        """Write every table with :func:`surveykit.write_microdata` (labels from the questionnaire).

        Files are ``{questionnaire id}.{format}`` and ``{questionnaire id}_{repeat}.{format}``; returns
        their paths by table.
        """
        from ..io import write_microdata

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = {}
        for name, df in self.tables().items():
            stem = self.questionnaire.id if name == self.main_unit else f"{self.questionnaire.id}_{name}"
            path = folder / f"{stem}.{format}"
            write_microdata(df, path, questionnaire=self.questionnaire, language=language or self.language)
            out[name] = path
        return out

    def __repr__(self) -> str:
        reps = ", ".join(f"{k}: {len(v)} rows" for k, v in self.repeats.items())
        return (
            f"<Simulation of {self.questionnaire.id!r}: {len(self.data)} rows, {self.data['upm'].nunique()} PSUs, "
            f"{self.data['estrato'].nunique()} strata{'; ' + reps if reps else ''}; seed {self.seed}>"
        )
