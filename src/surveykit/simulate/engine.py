"""simulate(): a questionnaire and a sample design in, synthetic microdata out.

The pipeline, one room each: :mod:`.plan` (settings from presets and overrides; questions and repeats
in dependency order), :mod:`.frame` (the sample of PSUs and households), :mod:`.units` (the rows of
each unit and their random streams), :mod:`.draws` and :mod:`.constraints` (each question's answers
for every row at once), :mod:`.assemble` (weights and output tables), :mod:`.simulation` (the result).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import SimulationError
from ..questionnaire import Questionnaire
from .assemble import CARRY, DESIGN_LABELS, assemble, set_weights
from .draws import Draws
from .frame import check_frame, draw_sample, el_salvador_frame
from .plan import CONVENTION_DEFAULTS, PRESET_DIR, load_questionnaire_arg, make_plan, resolve_overrides
from .simulation import Simulation
from .units import Rows, main_unit

__all__ = ["simulate", "Simulation", "CARRY", "CONVENTION_DEFAULTS", "DESIGN_LABELS", "PRESET_DIR"]


# ================================================================================================
# the public function
# ================================================================================================
def simulate(
    questionnaire: Questionnaire | str | Path,
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
    q = load_questionnaire_arg(questionnaire)
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
    # without a seed, SeedSequence draws fresh OS entropy (an int): kept so the simulation can be reproduced
    entropy = int(seed) if seed is not None else int(cast(int, ss.entropy))
    sample_rng = np.random.default_rng([entropy, 0])
    notes: list[str] = []
    ovs, preset_eligible = resolve_overrides(q, preset, overrides, set(f.columns), notes)
    plan = make_plan(q, ovs, stratum_vars, repeat_counts or {}, eligible if eligible is not None else preset_eligible)
    # the sample first, from its own stream; then each question from streams of its own (see Rows.rng)
    sample = draw_sample(f, households_per_psu, sample_rng)
    rows = Rows(plan, entropy, n_psu=len(sample["psu_stratum_pos"]))
    main = rows.units[plan.main] = main_unit(plan.main, f, sample, households_per_psu, stratum_vars)
    draws = Draws(rows, ovs, icc, missing_rate, ref_date, notes)
    for kind, name in plan.steps:
        if kind == "repeat":
            rows.make_repeat(name)
        else:
            draws.question(plan.by_name[name])
    set_weights(main, sample, plan.eligible, sample_rng)
    data, repeats = assemble(rows, lang, layout, carry, entropy)
    f = f.assign(sampled=sample["sampled"], responding=sample["responding"])
    return Simulation(data, repeats, q, f, entropy, lang, notes)
