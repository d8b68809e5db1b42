"""The simulation engine: questions in dependency order, each drawn for every row at once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulationError
from ..questionnaire.expression import Expr
from .assemble import CARRY, DESIGN_LABELS, _Assemble
from .constraints import _Constraints
from .draws import _Draws
from .frame import check_frame, draw_sample, el_salvador_frame
from .plan import _NO_VALUE, CONVENTION_DEFAULTS, PRESET_DIR, _overrides, _Plan, _questionnaire
from .simulation import Simulation
from .units import _digits, _Rows, _Unit

__all__ = ["simulate", "Simulation", "CARRY", "CONVENTION_DEFAULTS", "DESIGN_LABELS", "PRESET_DIR"]


# ================================================================================================
# the public function
# ================================================================================================
def simulate(
    questionnaire: Any,
    *,
    frame: pd.DataFrame | None = None,
    households_per_psu: int = 12,
    icc: float = 0.1,
    overrides: Mapping[str, Any] | str | Path | None = None,
    preset: str | Path | None = "auto",
    missing_rate: float = 0.02,
    repeat_counts: Mapping[str, Any] | None = None,
    eligible: str | None = None,
    carry: tuple[str, ...] = CARRY,
    reference_date: str = "2024-06-30",
    language: str | None = None,
    layout: str = "binary",
    seed: int | None = None,
) -> Simulation:
    """Synthetic microdata from a questionnaire and a stratified two-stage sample design.

    PSUs are selected within strata and households within PSUs (see :mod:`surveykit.simulate.frame`);
    households respond at the frame's rates and one respondent answers for each. Every question is
    then answered for every row at once, in dependency order, obeying the questionnaire: codes only
    from choice lists (and declared don't know / refused codes at ``missing_rate``), min/max and
    constraints (violating draws are drawn again), relevance (a question that is not relevant is
    missing; one that is relevant is answered), choice filters, calculations (computed with the
    expression evaluator) and repeats (one table each, as many rows per parent as the repeat's count).
    Answers of the same PSU share a random effect on their latent propensity (``icc``), so design
    effects exceed 1.

    Parameters
    ----------
    questionnaire : Questionnaire or path
        The spec (or a file :func:`surveykit.load_questionnaire` reads).
    frame : DataFrame, optional
        One row per stratum: ``estrato``, ``households``, ``psus`` and optionally ``psu_size``,
        ``response_rate`` and stratum variables (columns named after questions, e.g. ``departamento``,
        ``area``, which then take the stratum's value). Default :func:`el_salvador_frame`: 14
        departments x urban/rural, 700 PSUs.
    households_per_psu : int, default 12
        Households selected in each PSU (about 10 respond with the default frame).
    icc : float, default 0.1
        Intra-cluster correlation of the latent propensity of every answer (0 gives independent rows).
    overrides : mapping, or path of a YAML file
        Per-question settings: choice probabilities, numeric distributions, ``by`` other answers (see
        :mod:`surveykit.simulate.overrides`). Applied on top of the preset.
    preset : "auto", path or None
        Overrides to start from: the built-in distributions of ``sexo`` and ``edad`` (El Salvador
        adults, when the questionnaire has those questions), then ``"auto"``: the shipped preset for
        the questionnaire's id (``surveykit/simulate/presets/{id}.yaml``, plausible rates for the
        shipped questionnaires) if there is one, or the preset file given. ``None``: none of these.
        A preset or overrides file holds ``overrides: {question: settings}`` and optionally
        ``eligible: question``.
    missing_rate : float, default 0.02
        Share of relevant answers given as a missing code (don't know, refused: every declared missing
        code except not-applicable/skipped kinds, equally likely), for questions that have them.
    repeat_counts : mapping, optional
        Per repeat: an int, an expression over the parent's answers, or a distribution (as an override
        of an integer question, e.g. ``{"distribution": "poisson", "mean": 1.2, "low": 0, "high": 5}``).
        Default: the repeat's ``count`` expression, else 1 to 3 instances.
    eligible : str, optional
        Integer question holding the number of eligible persons in the household (the selected
        person's weight is the household weight times it; it is then never don't know). Default: the
        preset's, else drawn as 1 + Poisson(1.2) (about 2.2 adults per household, as census 2024).
    carry : tuple of str
        Main-unit variables copied onto every repeat row.
    reference_date : str
        Interview dates fall in the 30 days before it; other dates in the year before it.
    language : str, optional
        Language of the labels in ``attrs`` (default: the questionnaire's).
    layout : {"binary", "text", "both"}
        select_multiple as 0/1 columns ``{q}_{code}``, one text column of space-separated codes, or both.
    seed : int, optional
        Seed of the random numbers; the same seed gives the same data. ``None`` picks one (kept in
        ``Simulation.seed``).

    Returns
    -------
    Simulation
        ``.data``, ``.repeats``, ``.frame``, ``.seed``; ``.check()``, ``.designs()``, ``.write()``.

    Raises
    ------
    SimulationError
        A bad override, frame or repeat count, or a constraint that draws cannot satisfy; the message
        names the question and what to change.

    Examples
    --------
    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="mini", languages=["es"],
    ...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí"}),
    ...                                                   sk.Choice(code=2, label={"es": "No"})])},
    ...     items=[sk.SelectOneQuestion(name="victima", label={"es": "¿Víctima?"}, choices="sino"),
    ...            sk.IntegerQuestion(name="veces", label={"es": "Veces"}, min=1, max=20,
    ...                               relevant="${victima} = 1")])
    >>> sim = sk.simulate(q, overrides={"victima": {"probabilities": {1: 0.2}},
    ...                                 "veces": {"distribution": "poisson", "mean": 1.5}}, seed=1)
    >>> len(sim.data), sim.data["estrato"].nunique()
    (6964, 28)
    >>> bool(sim.data.loc[sim.data["victima"] == 2, "veces"].isna().all())
    True
    >>> len(sim.check())
    0
    """
    q = _questionnaire(questionnaire)
    try:
        ref_date = pd.Timestamp(reference_date)
    except (ValueError, TypeError):
        raise SimulationError(f"reference_date={reference_date!r} is not a date; write YYYY-MM-DD.") from None
    if layout not in ("binary", "text", "both"):
        raise SimulationError(f"layout must be 'binary', 'text' or 'both', not {layout!r}.")
    if not 0 <= icc < 1:
        raise SimulationError(f"icc={icc!r} must be at least 0 and below 1.")
    if not 0 <= missing_rate <= 1:
        raise SimulationError(f"missing_rate={missing_rate!r} must be a share between 0 and 1.")
    lang = language or q.main_language
    if lang not in q.languages:
        raise SimulationError(f"language {lang!r} is not a language of questionnaire {q.id!r} ({q.languages}).")
    f = check_frame(el_salvador_frame() if frame is None else frame, households_per_psu)
    stratum_vars = [c for c in f.columns if c not in ("estrato", "households", "psus", "psu_size", "response_rate")]
    ss = np.random.SeedSequence(seed)
    entropy = int(ss.entropy) if seed is None else int(seed)
    sample_rng = np.random.default_rng([entropy, 0])
    notes: list[str] = []
    ovs, preset_eligible = _overrides(q, preset, overrides, set(f.columns), notes)
    eligible = eligible if eligible is not None else preset_eligible
    sim = _Engine(q, f, stratum_vars, households_per_psu, icc, ovs, missing_rate, repeat_counts or {}, eligible,
                  carry, ref_date, lang, layout, entropy, sample_rng, notes)
    return sim.run()



# ================================================================================================
# the engine
# ================================================================================================
class _Engine(_Plan, _Rows, _Constraints, _Draws, _Assemble):
    def __init__(self, q, frame, stratum_vars, m, icc, ovs, missing_rate, repeat_counts, eligible, carry,
                 reference_date, language, layout, entropy, sample_rng, notes) -> None:
        self.q = q
        self.frame = frame
        self.stratum_vars = stratum_vars
        self.m = m
        self.icc = icc
        self.ovs = ovs
        self.missing_rate = missing_rate
        self.repeat_counts = dict(repeat_counts)
        self.eligible = eligible
        self.carry = carry
        self.reference_date = reference_date
        self.language = language
        self.layout = layout
        self.entropy = entropy
        self.sample_rng = sample_rng
        self.notes = notes
        self.infos = [i for i in q.questions() if i.stores_value and i.model.type not in _NO_VALUE]
        self.by_name = {i.model.name: i for i in self.infos}
        self.repeat_infos = {r.name: r for r in q.repeats()}
        self.units: dict[str, _Unit] = {}
        self.main = q.unit or "main"
        unknown = [r for r in self.repeat_counts if r not in self.repeat_infos]
        if unknown:
            raise SimulationError(f"repeat_counts: {unknown[0]!r} is not a repeat of {q.id!r} "
                                  f"({', '.join(self.repeat_infos) or 'it has none'}).")
        if eligible is not None:
            info = self.by_name.get(eligible)
            if info is None or info.model.type != "integer" or info.repeat is not None:
                raise SimulationError(f"eligible={eligible!r} must name an integer question of the main unit.",
                                      question=eligible)
        self._repeat_relevance = self._repeat_conditions()
        # questions a repeat count reads: never don't know / refused
        counts = [r.count for r in self.repeat_infos.values() if r.name not in self.repeat_counts]
        counts += [Expr(v) for v in self.repeat_counts.values() if isinstance(v, str)]
        self.count_drivers = set(self._refs(counts))

    # -- run ------------------------------------------------------------------------------------
    def run(self) -> Simulation:
        s = draw_sample(self.frame, self.m, self.sample_rng)
        self.n_psu = len(s["psu_stratum_pos"])
        f = self.frame
        n = len(s["stratum_pos"])
        main = _Unit(self.main, n, None, None, s["psu_pos"])
        estrato = f["estrato"].to_numpy()[s["stratum_pos"]]
        psu_digits = _digits(f["psus"].max(), 3)
        hh_digits = _digits(self.m, 2)
        upm_of_psu = f["estrato"].to_numpy()[s["psu_stratum_pos"]] * 10 ** psu_digits + s["psu_number"]
        upm = upm_of_psu[s["psu_pos"]]
        main.cols.update({"id_hogar": upm * 10 ** hh_digits + s["hh_in_psu"], "estrato": estrato, "upm": upm})
        for v in self.stratum_vars:
            main.cols[v] = f[v].to_numpy()[s["stratum_pos"]]
        self.units[self.main] = main
        for kind, name in self._order():
            if kind == "repeat":
                self._make_repeat(name)
            else:
                self._question(self.by_name[name])
        self._weights(main, s)
        f = f.assign(sampled=s["sampled"], responding=s["responding"])
        data, repeats = self._assemble()
        return Simulation(data, repeats, self.q, f, self.entropy, self.language, self.notes)
