"""The simulation engine: questions in dependency order, each drawn for every row at once."""

from __future__ import annotations

import dataclasses
import heapq
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..errors import ExpressionError, QuestionnaireError, SimulationError, format_rows
from ..metadata import attach_metadata
from ..questionnaire.expression import Binary, Call, Expr, Name, Negate, Node, String, to_source
from ..questionnaire.models import Group, Repeat
from .frame import check_frame, draw_sample, el_salvador_frame
from .overrides import Override, _key, categorical, numeric_values, parse_overrides

__all__ = ["simulate", "Simulation"]

_FILLER_KINDS = {"not_applicable", "skipped"}
_MAX_REDRAWS = 100
_RANDOM_ROUNDS = 20      # then choose among the answers the constraint accepts
_MAX_CANDIDATES = 1000   # integer ranges up to this size are searched that way
_TEXT_TYPES = {"text", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "email", "audit",
               "barcode", "acknowledge", "hidden", "image", "audio", "video", "file", "background-audio",
               "geopoint", "geotrace", "geoshape", "start-geopoint"}
_NO_VALUE = {"xml-external", "csv-external"}
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
#: Built-in distributions of the conventions' respondent variables (El Salvador adults; ILLUSTRATIVE shares
#: of weights/el_salvador_2024_adults_illustrative.yaml: 47.2% men; 18-29 29.3%, 30-44 28.6%, 45-59 22.1%,
#: 60+ 20.0%, oldest ages thinning out to 95).
CONVENTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "sexo": {"probabilities": {1: 0.472, 2: 0.528}},
    "edad": {"distribution": "histogram", "edges": [18, 30, 45, 60, 75, 96],
             "weights": [0.293, 0.286, 0.221, 0.145, 0.055]},
}


@dataclasses.dataclass
class _Unit:
    name: str
    n: int
    parent: _Unit | None
    parent_pos: np.ndarray | None
    psu_pos: np.ndarray
    cols: dict[str, Any] = dataclasses.field(default_factory=dict)
    questions: list[str] = dataclasses.field(default_factory=list)
    instance: np.ndarray | None = None

    def ancestors(self) -> list[tuple[_Unit, np.ndarray]]:
        """This unit and each enclosing unit with the positions mapping rows of this unit to it."""
        out = [(self, np.arange(self.n))]
        unit, pos = self, np.arange(self.n)
        while unit.parent is not None:
            pos = unit.parent_pos[pos]
            unit = unit.parent
            out.append((unit, pos))
        return out


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
    questionnaire: Any
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

        return check_microdata(self.tables(), self.questionnaire, id=self.ids())

    def designs(self, lonely_psu: str = "adjust") -> dict[str, Any]:
        """Survey designs by unit of analysis, as :func:`surveykit.indicators.compute` takes them.

        ``person`` (weights ``fexp``) and ``household`` (``fexp_hogar``) on the main table, and one per
        repeat under its ``unit`` (e.g. ``incident``) or name, weighted by the parent's ``fexp``; all
        stratified by ``estrato`` with PSUs ``upm``. ``lonely_psu`` applies to the repeat tables, where
        a stratum may have a single PSU with rows.
        """
        from ..design import SurveyDesign

        out: dict[str, Any] = {
            "person": SurveyDesign(self.data, weights="fexp", strata="estrato", psu="upm"),
            "household": SurveyDesign(self.data, weights="fexp_hogar", strata="estrato", psu="upm"),
        }
        for r in self.questionnaire.repeats():
            table = self.repeats[r.name]
            if len(table):
                out[r.unit or r.name] = SurveyDesign(table, weights="fexp", strata="estrato", psu="upm",
                                                     lonely_psu=lonely_psu)
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
        return (f"<Simulation of {self.questionnaire.id!r}: {len(self.data)} rows, {self.data['upm'].nunique()} PSUs, "
                f"{self.data['estrato'].nunique()} strata{'; ' + reps if reps else ''}; seed {self.seed}>")


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


def _questionnaire(q: Any) -> Any:
    from ..questionnaire.models import Questionnaire

    if isinstance(q, Questionnaire):
        return q
    if isinstance(q, (str, Path)):
        from ..questionnaire import load_questionnaire

        return load_questionnaire(q)
    raise SimulationError(f"simulate needs a Questionnaire or the path of a spec, not {type(q).__name__}.")


PRESET_DIR = Path(__file__).with_name("presets")


def _read_yaml(path: Path, what: str) -> tuple[dict[str, Any], str | None]:
    """The overrides of a preset/overrides file and its ``eligible`` setting (if any)."""
    from ..fileio import load_yaml_file

    doc = load_yaml_file(path, what, SimulationError)
    if doc is None:
        return {}, None
    if not isinstance(doc, dict):
        raise SimulationError(f"{what} file {path} must hold a mapping of question name to settings "
                              "(or 'overrides:' and 'eligible:').", file=str(path))
    if "overrides" not in doc:
        return doc, None
    extra = [k for k in doc if k not in ("overrides", "eligible")]
    if extra or not isinstance(doc["overrides"], dict):
        raise SimulationError(f"{what} file {path}: the keys are 'overrides' (a mapping of question name to settings) "
                              f"and 'eligible'; not {extra or ['overrides: ' + type(doc['overrides']).__name__]}.",
                              file=str(path))
    eligible = doc.get("eligible")
    if eligible is not None and not isinstance(eligible, str):
        raise SimulationError(f"{what} file {path}: eligible must be a question name.", file=str(path))
    return doc["overrides"], eligible


def _overrides(q: Any, preset: Any, overrides: Any, frame_cols: set[str],
               notes: list[str]) -> tuple[dict[str, Override], str | None]:
    names = {i.model.name for i in q.questions()}
    base: dict[str, Any] = {}
    eligible = None
    if preset is not None:
        base = {k: v for k, v in CONVENTION_DEFAULTS.items() if k in names}
        path = PRESET_DIR / f"{q.id}.yaml" if preset == "auto" else Path(preset)
        if preset != "auto" or path.is_file():
            given, eligible = _read_yaml(path, "preset")
            base.update(given)
    # a preset made for a shipped questionnaire may mention questions a user's edited copy lacks
    dropped = [k for k in base if k not in names]
    if dropped:
        notes.append(f"preset settings for {', '.join(map(str, dropped))} were not used: the questionnaire has no "
                     "such questions")
    if eligible is not None and eligible not in names:
        notes.append(f"the preset's eligible question {eligible!r} is not in the questionnaire; eligible persons "
                     "were drawn instead")
        eligible = None
    base = {k: v for k, v in base.items() if k in names}
    if isinstance(overrides, (str, Path)):
        overrides, given = _read_yaml(Path(overrides), "overrides")
        eligible = given or eligible
    if overrides is not None and not isinstance(overrides, Mapping):
        raise SimulationError(f"overrides must be a mapping of question name to settings, or a YAML file; got "
                              f"{type(overrides).__name__}.")
    merged = {**base, **dict(overrides or {})}
    return parse_overrides(merged, q, frame_cols), eligible


# ================================================================================================
# the engine
# ================================================================================================
def _digits(n: int, at_least: int) -> int:
    return max(at_least, len(str(int(n))))


class _Engine:
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

    # -- random numbers -------------------------------------------------------------------------
    def rng(self, name: str, stream: int = 1) -> np.random.Generator:
        """A generator of its own per question: adding a question does not change the others' answers."""
        return np.random.default_rng([self.entropy, stream, zlib.crc32(name.encode("utf-8"))])

    def uniforms(self, unit: _Unit, name: str, icc: float, width: int = 1) -> np.ndarray:
        rng = self.rng(name)
        u_psu = rng.standard_normal((self.n_psu, width))
        e = rng.standard_normal((unit.n, width))
        z = np.sqrt(icc) * u_psu[unit.psu_pos] + np.sqrt(1 - icc) * e
        out = ndtr(z)
        return out[:, 0] if width == 1 else out

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

    # -- dependency order -----------------------------------------------------------------------
    def _repeat_conditions(self) -> dict[str, list[Expr]]:
        """Each repeat's own relevance and that of the groups between it and its parent unit."""
        out: dict[str, list[Expr]] = {}
        for _ptr, item, parents in self.q.walk():
            if isinstance(item, Repeat):
                inner = []
                for p in reversed(parents):
                    if isinstance(p, Repeat):
                        break
                    inner.insert(0, p)
                out[item.name] = [g.relevant for g in inner if isinstance(g, Group) and g.relevant is not None]
                if item.relevant is not None:
                    out[item.name].append(item.relevant)
        return out

    def _refs(self, exprs: list[Any]) -> list[str]:
        refs: list[str] = []
        for e in exprs:
            if e is None:
                continue
            expr = e if isinstance(e, Expr) else Expr(str(e))
            try:
                refs.extend(expr.references())
            except ExpressionError as exc:
                raise SimulationError(f"expression {expr.src!r} does not parse ({exc}); run q.lint() and fix it.",
                                      expression=expr.src) from None
        return refs

    def _order(self) -> list[tuple[str, str]]:
        nodes: dict[tuple[str, str], tuple[int, set[tuple[str, str]]]] = {}
        known = set(self.by_name)

        def dep(name: str) -> tuple[str, str] | None:
            if name in known:
                return ("question", name)
            return None

        for r in self.q.repeats():
            exprs = [r.count, *self._repeat_relevance[r.name]]
            rc = self.repeat_counts.get(r.name)
            if isinstance(rc, str):
                exprs.append(Expr(rc))
            deps = {d for d in map(dep, self._refs(exprs)) if d}
            if r.parent:
                deps.add(("repeat", r.parent))
            idx = min((self.by_name[x].index for x in r.questions if x in self.by_name), default=10 ** 9)
            nodes[("repeat", r.name)] = (idx - 1, deps)
        for info in self.infos:
            model = info.model
            exprs = [*info.inherited_relevant, model.relevant, getattr(model, "calculation", None),
                     getattr(model, "choice_filter", None), model.constraint]
            deps = {d for d in map(dep, self._refs(exprs)) if d and d[1] != model.name}
            ov = self.ovs.get(model.name)
            if ov is not None:
                deps |= {d for d in (dep(v) for v, _ in ov.by) if d}
            if info.repeat:
                deps.add(("repeat", info.repeat))
            if model.name in self.stratum_vars and info.repeat is None:
                deps = set()  # filled from the frame
            nodes[("question", model.name)] = (info.index, deps)
        # Kahn's algorithm, form order breaking ties
        users: dict[tuple[str, str], list[tuple[str, str]]] = {k: [] for k in nodes}
        waiting = {}
        for k, (_i, deps) in nodes.items():
            deps = {d for d in deps if d in nodes}
            waiting[k] = len(deps)
            for d in deps:
                users[d].append(k)
        heap = [(nodes[k][0], k) for k, w in waiting.items() if w == 0]
        heapq.heapify(heap)
        order = []
        while heap:
            _i, k = heapq.heappop(heap)
            order.append(k)
            for u in users[k]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    heapq.heappush(heap, (nodes[u][0], u))
        if len(order) < len(nodes):
            stuck = sorted(k[1] for k, w in waiting.items() if w > 0)
            raise QuestionnaireError(f"questionnaire {self.q.id!r}: {', '.join(stuck[:10])} depend on each other in "
                                     "a cycle (relevance, calculation or constraint); run q.lint() (SK203).")
        return order

    # -- evaluation context ---------------------------------------------------------------------
    def _owner(self, unit: _Unit, name: str) -> tuple[_Unit, np.ndarray] | None:
        for u, pos in unit.ancestors():
            if name in u.cols:
                return u, pos
        return None

    def _columns_of(self, name: str) -> list[str]:
        info = self.by_name.get(name)
        if info is not None and info.model.type == "select_multiple":
            return [f"{name}_{_code_text(c)}" for c in info.choice_codes()]
        return [name]

    def context(self, unit: _Unit, refs: list[str], where: str) -> pd.DataFrame:
        cols: dict[str, Any] = {}
        for r in refs:
            for c in self._columns_of(r):
                found = self._owner(unit, c)
                if found is None:
                    info = self.by_name.get(r)
                    if info is not None and info.repeat and info.repeat != unit.name:
                        raise SimulationError(
                            f"{where} refers to {r!r}, a question of repeat {info.repeat!r}, which cannot be read "
                            f"from {unit.name!r}; simulate cannot evaluate it.", question=r)
                    raise SimulationError(f"{where} refers to {r!r}, which is neither a question of {self.q.id!r} nor "
                                          "a frame column.", question=r)
                owner, pos = found
                values = owner.cols[c]
                cols[c] = values if owner is unit else values[pos]
            info = self.by_name.get(r)
            if info is not None and info.model.type == "select_multiple":
                # the text column too, so ${q} = '' and the like work as in ODK (selected() reads either)
                found = self._owner(unit, f"__text__{r}")
                if found is not None:
                    owner, pos = found
                    values = owner.cols[f"__text__{r}"]
                    cols[r] = pd.array(values if owner is unit else values[pos], dtype="string")
        return pd.DataFrame(cols, index=pd.RangeIndex(unit.n), copy=False)

    def evaluate(self, unit: _Unit, expr: Any, where: str, current: pd.Series | None = None) -> pd.Series:
        expr = expr if isinstance(expr, Expr) else Expr(str(expr))
        df = self.context(unit, self._refs([expr]), where)
        try:
            return expr.evaluate(df, current=current, questionnaire=self.q)
        except ExpressionError as exc:
            raise SimulationError(f"{where}: {exc}", expression=expr.src) from None

    def relevant(self, unit: _Unit, info: Any) -> np.ndarray:
        mask = np.ones(unit.n, dtype=bool)
        model = info.model
        for e in [*info.inherited_relevant, *([model.relevant] if model.relevant is not None else [])]:
            r = self.evaluate(unit, e, f"relevance of {model.name!r} ({e.src})")
            mask &= _truth(r)  # missing (cannot tell) counts as not relevant, as ODK does
        return mask

    # -- repeats --------------------------------------------------------------------------------
    def _make_repeat(self, name: str) -> None:
        rep = self.repeat_infos[name]
        parent = self.units[rep.parent or self.main]
        where = f"repeat {name!r}"
        spec = self.repeat_counts.get(name)
        if spec is None and rep.count is not None:
            spec = rep.count.src
        if spec is None:
            counts = 1 + np.floor(self.rng(name, 2).random(parent.n) * 3)
        elif isinstance(spec, (bool, np.bool_)):
            raise SimulationError(f"repeat_counts[{name!r}] must be a number, an expression or a distribution.")
        elif isinstance(spec, (int, np.integer)):
            counts = np.full(parent.n, float(spec))
        elif isinstance(spec, str):
            counts = _numbers(self.evaluate(parent, spec, f"count of {where} ({spec})"))
        elif isinstance(spec, Mapping):
            from .overrides import _parse_one

            info = _CountInfo(name)
            ov = _parse_one(info, spec, {}, set(), nested=True)
            counts = numeric_values(self.rng(name, 2).random(parent.n), ov, info)
        else:
            raise SimulationError(f"repeat_counts[{name!r}] must be a number, an expression or a distribution.")
        counts = np.where(np.isnan(counts), 0.0, counts)
        bad = (counts < 0) | (counts != np.round(counts))
        if bad.any():
            raise SimulationError(f"the count of {where} is negative or not a whole number in "
                                  f"{int(bad.sum())} row(s) of {parent.name!r} (e.g. {counts[bad][:3].tolist()}); fix "
                                  "the count expression or repeat_counts.", rows=list(np.flatnonzero(bad)[:10]))
        for e in self._repeat_relevance[name]:
            counts = np.where(_truth(self.evaluate(parent, e, f"relevance of {where} ({e.src})")), counts, 0)
        counts = counts.astype(np.int64)
        total = int(counts.sum())
        ppos = np.repeat(np.arange(parent.n), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        child = _Unit(name, total, parent, ppos, parent.psu_pos[ppos])
        child.instance = np.arange(total) - starts + 1
        self.units[name] = child

    # -- questions ------------------------------------------------------------------------------
    def _question(self, info: Any) -> None:
        model = info.model
        name = model.name
        unit = self.units[info.repeat or self.main]
        if info.repeat is None and name in self.stratum_vars:
            self._from_frame(unit, info)
            return
        rel = self.relevant(unit, info)
        t = model.type
        if t == "calculate":
            self._calculate(unit, info, rel)
        elif t == "select_one":
            self._select_one(unit, info, rel)
        elif t == "select_multiple":
            self._select_multiple(unit, info, rel)
        elif t in ("integer", "decimal", "range"):
            self._numeric(unit, info, rel)
        elif t in ("date", "datetime", "start", "end", "today", "time"):
            self._dates(unit, info, rel)
        else:
            self._text(unit, info, rel)
        unit.questions.append(name)

    def _from_frame(self, unit: _Unit, info: Any) -> None:
        name = info.model.name
        values = unit.cols[name]
        if info.model.type == "select_one":
            codes = {_key(c) for c in info.choice_codes()}
            bad = sorted({_key(v) for v in np.unique(values)} - codes)
            if bad:
                raise SimulationError(f"frame column {name!r} holds {bad[:5]}, not codes of the question's choice "
                                      "list; recode the frame.", question=name, column=name)
        unit.cols[name] = values.astype(float) if values.dtype.kind in "iub" else values
        unit.questions.append(name)

    def _icc(self, ov: Override | None) -> float:
        return ov.get("icc", self.icc) if ov is not None else self.icc

    def _groups(
        self, unit: _Unit, ov: Override | None, base_mask: np.ndarray
    ) -> list[tuple[np.ndarray, Override | None]]:
        """Rows and the override that applies to them (``by`` entries carve out their categories)."""
        if ov is None or not ov.by:
            return [(base_mask, ov)]
        assigned = np.zeros(unit.n, dtype=bool)
        groups = []
        for var, table in ov.by:
            col = self.context(unit, [var], f"overrides[{ov.question!r}].by").iloc[:, 0]
            keys = col.map(_key) if col.dtype == object else col
            for code, sub in table.items():
                mask = base_mask & ~assigned & (keys == code).to_numpy(dtype=bool, na_value=False)
                if mask.any():
                    groups.append((mask, sub))
                    assigned |= mask
        groups.append((base_mask & ~assigned, Override(ov.question, ov.qtype,
                                                       {k: v for k, v in ov.spec.items()})))
        return groups

    def _missing_codes(self, info: Any) -> list[Any]:
        model = info.model
        out = []
        for m in info.missing:
            if m.kind in _FILLER_KINDS:
                continue
            code = _key(m.code)
            if isinstance(code, (int, float)) and model.type in ("integer", "decimal") and \
                    (model.min is None or code >= model.min) and (model.max is None or code <= model.max):
                self.notes.append(f"{model.name}: missing code {code} is inside the valid range "
                                  f"[{model.min}, {model.max}], so it is not used as don't know/refused")
                continue
            out.append(code)
        return out

    def _apply_missing(self, unit: _Unit, info: Any, ov: Override | None, rel: np.ndarray) -> np.ndarray:
        """Rows (among the relevant) answered with a missing code; the code chosen for each."""
        codes = self._missing_codes(info)
        rate = ov.get("missing_rate", self.missing_rate) if ov is not None else self.missing_rate
        if info.model.name == self.eligible or info.model.name in self.count_drivers:
            rate = 0.0  # a don't-know code (98) would become 98 eligible persons or 98 repeat instances
        if not codes or rate <= 0:
            return np.zeros(unit.n, dtype=bool), np.array([], dtype=object)
        rng = self.rng(info.model.name, 4)
        dk = rel & (rng.random(unit.n) < rate)
        chosen = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), unit.n)]
        return dk, chosen

    def _constraint_loop(self, unit: _Unit, info: Any, values: np.ndarray, check_rows: np.ndarray,
                         redraw: Any, as_current: Any, candidates: Any = None) -> np.ndarray:
        """Draw again where the constraint is false. With ``candidates`` (a function of the failing rows
        giving the possible answers and their weights), rows still failing after a few rounds choose
        among the answers the constraint accepts for them (one evaluation per candidate answer).

        A constraint that cannot tell (missing, e.g. it reads a question that was skipped) passes, as
        in check_microdata; answers that make it true are preferred while drawing again."""
        model = info.model
        if model.constraint is None:
            return values
        where = f"constraint of {model.name!r} ({model.constraint.src})"
        rng = self.rng(model.name, 5)
        rounds = _RANDOM_ROUNDS if candidates is not None else _MAX_REDRAWS
        for _round in range(rounds + 1):
            current = as_current(values)
            ok = self.evaluate(unit, model.constraint, where, current=current).to_numpy(dtype=object, na_value=None)
            false = check_rows & np.asarray(ok == False, dtype=bool)  # noqa: E712
            unsure = check_rows & np.asarray([v is None for v in ok], dtype=bool)
            if not (false | unsure).any():
                return values
            if _round == rounds:
                break
            idx = np.flatnonzero(false | unsure)
            values = redraw(values, idx, rng.random(len(idx)))
        if not false.any():
            return values  # the rest cannot be told either way: they pass, as check_microdata reads them
        idx = np.flatnonzero(false | unsure) if candidates is not None else np.flatnonzero(false)
        if candidates is not None:
            cand, weights = candidates(idx, values)
            frame = self.context(unit, self._refs([model.constraint]), where).iloc[idx]
            true_ = np.zeros((len(idx), len(cand)), dtype=bool)
            maybe = np.zeros((len(idx), len(cand)), dtype=bool)
            for j, v in enumerate(cand):  # one evaluation per possible answer, over the failing rows at once
                cur = pd.Series(np.full(len(idx), v, dtype=values.dtype), index=frame.index, name=model.name)
                try:
                    r = model.constraint.evaluate(frame, current=cur, questionnaire=self.q)
                except ExpressionError as exc:
                    raise SimulationError(f"{where}: {exc}", expression=model.constraint.src) from None
                true_[:, j] = _truth(r)
                maybe[:, j] = _truth_na(r)
            w_true = weights * true_
            w = np.where((w_true.sum(axis=1) > 0)[:, None], w_true, weights * maybe)
            solvable = w.sum(axis=1) > 0
            if solvable.all():
                values = values.copy()
                values[idx] = np.asarray(cand, dtype=values.dtype)[categorical(rng.random(len(idx)), w)]
                return values
            idx = idx[~solvable]
            raise SimulationError(f"{where} is false for every possible answer in {len(idx)} row(s) (rows "
                                  f"{format_rows(idx.tolist(), 5)} of {unit.name!r}); check the constraint against the "
                                  "questions it refers to.", question=model.name)
        raise SimulationError(
            f"{where} is still false in {len(idx)} row(s) after {_MAX_REDRAWS} draws (rows "
            f"{format_rows(idx.tolist(), 5)} of {unit.name!r}); set overrides[{model.name!r}] so that "
            "valid answers are likely, or check the constraint.",
            question=model.name,
        )

    def _calculate(self, unit: _Unit, info: Any, rel: np.ndarray) -> None:
        model = info.model
        if model.calculation is None:
            unit.cols[model.name] = np.full(unit.n, np.nan)
            self.notes.append(f"{model.name}: a calculate without a calculation is left empty")
            return
        r = self.evaluate(unit, model.calculation, f"calculation of {model.name!r} ({model.calculation.src})")
        rt = model.result_type
        if pd.api.types.is_bool_dtype(r.dtype) or pd.api.types.is_numeric_dtype(r.dtype) or rt in (
                "integer", "decimal", "boolean"):
            if pd.api.types.is_bool_dtype(r.dtype):
                r = r.astype("Float64")
            values = pd.to_numeric(r, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            values = np.where(rel, values, np.nan)
        elif pd.api.types.is_datetime64_any_dtype(r.dtype):
            values = r.to_numpy().copy()
            values[~rel] = np.datetime64("NaT")
        else:
            values = r.astype(object).where(r.notna(), None).to_numpy(dtype=object)
            values = np.where(rel, values, None)
        unit.cols[model.name] = values

    # select_one --------------------------------------------------------------------------------
    def _allowed(self, unit: _Unit, info: Any) -> np.ndarray | None:
        """For a choice filter: which choices each row may take (rows x choices), else None."""
        model = info.model
        cf = getattr(model, "choice_filter", None)
        lst = info.choice_list
        if cf is None or lst is None:
            return None
        where = f"choice_filter of {model.name!r} ({cf.src})"
        out = np.zeros((unit.n, len(lst.choices)), dtype=bool)
        cache: dict[tuple, np.ndarray] = {}
        for j, choice in enumerate(lst.choices):
            key = tuple(sorted(choice.filters.items()))
            if key not in cache:
                ast = _substitute(cf.ast, dict(choice.filters))
                cache[key] = _truth(self.evaluate(unit, Expr(to_source(ast)), where))
            out[:, j] = cache[key]
        return out

    def _select_one(self, unit: _Unit, info: Any, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        codes = [_key(c) for c in info.choice_codes()]
        if not codes:
            raise SimulationError(f"{name!r} has no choices (list {model.choices!r}); fix the questionnaire.",
                                  question=name)
        ov = self.ovs.get(name)
        numeric = all(isinstance(c, int) for c in codes + [_key(m.code) for m in info.missing])
        code_arr = np.asarray(codes, dtype=float if numeric else object)
        allowed = self._allowed(unit, info)
        u = self.uniforms(unit, name, self._icc(ov))
        values = np.full(unit.n, np.nan) if numeric else np.full(unit.n, None, dtype=object)
        prob_rows = np.zeros((unit.n, len(codes)))
        const = np.full(unit.n, -1)
        for mask, o in self._groups(unit, ov, rel):
            if o is not None and "value" in o.spec:
                const[mask] = codes.index(o.spec["value"])
            p = np.asarray([o.spec["probabilities"][c] for c in codes]) if o is not None and \
                "probabilities" in o.spec else np.full(len(codes), 1 / len(codes))
            prob_rows[mask] = p
        if allowed is not None:
            prob_rows = prob_rows * allowed
            const = np.where((const >= 0) & ~allowed[np.arange(unit.n), np.maximum(const, 0)], -1, const)
        empty = rel & (prob_rows.sum(axis=1) <= 0) & (const < 0)
        if empty.any():
            self.notes.append(f"{name}: {int(empty.sum())} relevant row(s) in {unit.name!r} have no allowed choice "
                              "(choice filter or zero probabilities); left empty")
        answer = rel & ~empty

        def draw(idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
            pr = prob_rows[idx]
            k = categorical(uu, pr) if len(idx) else np.array([], dtype=int)
            k = np.where(const[idx] >= 0, const[idx], k)
            return code_arr[k]

        idx = np.flatnonzero(answer)
        values[idx] = draw(idx, u[idx])
        dk, chosen = self._apply_missing(unit, info, ov, answer)
        values = self._constraint_loop(
            unit, info, values, answer & ~dk,
            lambda v, i, uu: _put_rows(v, i, draw(i, uu)),
            lambda v: pd.Series(v, index=pd.RangeIndex(unit.n), name=name),
            candidates=lambda i, _v: (code_arr, np.where(const[i, None] >= 0,
                                                         np.arange(len(codes)) == const[i, None], prob_rows[i])))
        if dk.any():
            values = values.copy()
            values[dk] = chosen[dk].astype(values.dtype) if numeric else chosen[dk]
        unit.cols[name] = values

    # select_multiple ---------------------------------------------------------------------------
    def _select_multiple(self, unit: _Unit, info: Any, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        codes = [_key(c) for c in info.choice_codes()]
        k = len(codes)
        if not k:
            raise SimulationError(f"{name!r} has no choices (list {model.choices!r}).", question=name)
        ov = self.ovs.get(name)
        allowed = self._allowed(unit, info)
        u = self.uniforms(unit, name, self._icc(ov), width=k)
        p_rows = np.zeros((unit.n, k))
        at_least = np.ones(unit.n, dtype=bool)
        for mask, o in self._groups(unit, ov, rel):
            probs = o.spec.get("probabilities", {}) if o is not None else {}
            p_rows[mask] = [probs.get(c, 0.3) for c in codes]
            at_least[mask] = o.spec.get("at_least_one", True) if o is not None else True
        if allowed is not None:
            p_rows = p_rows * allowed
        rng = self.rng(name, 6)

        def draw(idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
            pr = p_rows[idx]
            chosen = (uu < pr).astype(float)
            none = at_least[idx] & (chosen.sum(axis=1) == 0) & (pr.sum(axis=1) > 0)
            if none.any():
                pick = categorical(rng.random(int(none.sum())), pr[none])
                chosen[np.flatnonzero(none), pick] = 1.0
            return chosen

        block = np.full((unit.n, k), np.nan)
        idx = np.flatnonzero(rel)
        block[idx] = draw(idx, u[idx])
        dk, chosen_code = self._apply_missing(unit, info, ov, rel)

        def text(b: np.ndarray) -> pd.Series:
            return _codes_text(b, codes, pd.RangeIndex(unit.n))

        block = self._constraint_loop(unit, info, block, rel & ~dk,
                                      lambda b, i, uu: _put_rows(b, i, draw(i, rng.random((len(i), k)))),
                                      text)
        texts = text(block).to_numpy(dtype=object)
        if dk.any():
            block[dk] = np.asarray(chosen_code[dk], dtype=float)[:, None]
            texts[dk] = [str(c) for c in chosen_code[dk]]
        for j, c in enumerate(codes):
            unit.cols[f"{name}_{_code_text(c)}"] = block[:, j]
        unit.cols[f"__text__{name}"] = texts

    # numbers -----------------------------------------------------------------------------------
    def _numeric(self, unit: _Unit, info: Any, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        ov = self.ovs.get(name)
        if model.type == "range":
            info = _RangeInfo(info)
        u = self.uniforms(unit, name, self._icc(ov))
        values = np.full(unit.n, np.nan)
        groups = self._groups(unit, ov, rel)
        for mask, o in groups:
            idx = np.flatnonzero(mask)
            if len(idx):
                values[idx] = numeric_values(u[idx], o, info)
        group_of = np.full(unit.n, -1)
        for gi, (mask, _o) in enumerate(groups):
            group_of[mask] = gi

        def redraw(v: np.ndarray, idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
            v = v.copy()
            for gi, (_mask, o) in enumerate(groups):
                sel = group_of[idx] == gi
                if sel.any():
                    v[idx[sel]] = numeric_values(uu[sel], o, info)
            return v

        dk, chosen = self._apply_missing(unit, info, ov, rel)
        candidates = None
        lo, hi = info.model.min, info.model.max
        if info.model.type == "integer" and lo is not None and hi is not None and hi - lo < _MAX_CANDIDATES:
            cand = np.arange(lo, hi + 1, dtype=float)

            def candidates(i: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                # weights: how often each value was drawn where the constraint holds (keeps the shape)
                good = v[rel & ~dk]
                good = good[np.isfinite(good)]
                freq = np.bincount((good - lo).astype(int), minlength=len(cand))[:len(cand)] + 0.5
                return cand, np.broadcast_to(freq, (len(i), len(cand)))

        values = self._constraint_loop(unit, info, values, rel & ~dk, redraw,
                                       lambda v: pd.Series(v, index=pd.RangeIndex(unit.n), name=name), candidates)
        if dk.any():
            values[dk] = chosen[dk].astype(float)
        unit.cols[name] = values

    # dates and text ----------------------------------------------------------------------------
    def _dates(self, unit: _Unit, info: Any, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        ov = self.ovs.get(name)
        t = model.type
        u = self.uniforms(unit, name, self._icc(ov))
        ref = self.reference_date
        if t in ("start", "end", "today"):
            # interview dates: in the 30 days before the reference date, the same for a PSU's households
            psu_day = self.rng("__interview__", 8).integers(0, 30, self.n_psu)
            day = ref.normalize() - pd.to_timedelta(psu_day[unit.psu_pos], unit="D")
            minutes = np.floor(u * 600) + 8 * 60 if t != "today" else np.zeros(unit.n)
            if t == "end":
                minutes = minutes + 25 + np.floor(self.rng(name, 9).random(unit.n) * 40)
            values = (day + pd.to_timedelta(minutes, unit="m")) if t != "today" else day
            values = pd.DatetimeIndex(values).to_numpy().copy()
        elif t == "time":
            minutes = np.floor(u * 24 * 60).astype(int)
            values = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)], dtype=object)[minutes]
        else:
            spec = ov.spec if ov is not None else {}
            lo = spec.get("low", ref - pd.Timedelta(days=364))
            hi = spec.get("high", ref)
            span = (hi.normalize() - lo.normalize()).days
            if span < 0:
                raise SimulationError(f"overrides[{name!r}]: low is after high.", question=name)
            days = np.floor(u * (span + 1))
            values = pd.DatetimeIndex(lo.normalize() + pd.to_timedelta(days, unit="D"))
            if t == "datetime":
                values = values + pd.to_timedelta(np.floor(self.rng(name, 9).random(unit.n) * 1440), unit="m")
            values = values.to_numpy().copy()

            def redraw(v: np.ndarray, idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
                v = v.copy()
                v[idx] = (lo.normalize() + pd.to_timedelta(np.floor(uu * (span + 1)), unit="D")).to_numpy()
                return v

            values = self._constraint_loop(unit, info, values, rel, redraw,
                                           lambda v: pd.Series(v, index=pd.RangeIndex(unit.n), name=name))
        if values.dtype == object:
            values = np.where(rel, values, None)
        else:
            values[~rel] = np.datetime64("NaT")
        unit.cols[name] = values

    def _text(self, unit: _Unit, info: Any, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        t = model.type
        ov = self.ovs.get(name)
        u = self.uniforms(unit, name, self._icc(ov))
        rng = self.rng(name, 10)
        n = unit.n
        if ov is not None and "value" in ov.spec:
            values = np.full(n, str(ov.spec["value"]), dtype=object)
        elif ov is not None and "values" in ov.spec:
            vals = np.asarray([str(v) for v in ov.spec["values"]], dtype=object)
            values = vals[categorical(u, np.asarray(ov.spec["weights"], dtype=float))]
        elif t in ("geopoint", "start-geopoint", "geotrace", "geoshape"):
            lat = 13.2 + rng.random(n) * 1.2                   # El Salvador's bounding box
            lon = -90.1 + rng.random(n) * 2.3
            point = pd.Series(lat.round(6).astype(str)) + " " + pd.Series(lon.round(6).astype(str)) + " 0 10"
            values = point.to_numpy(dtype=object)
            if t in ("geotrace", "geoshape"):
                values = (point + ";" + point).to_numpy(dtype=object)
        elif t in ("image", "audio", "video", "file", "background-audio"):
            ext = {"image": "jpg", "audio": "m4a", "video": "mp4", "background-audio": "m4a"}.get(t, "bin")
            values = (pd.Series(np.arange(n)).astype(str).radd(f"{name}_") + f".{ext}").to_numpy(dtype=object)
        elif t == "barcode":
            values = pd.Series(rng.integers(10 ** 11, 10 ** 12, n)).astype(str).to_numpy(dtype=object)
        elif t == "acknowledge":
            values = np.full(n, "OK", dtype=object)
        else:
            vocab = np.asarray([f"{name} {i}" for i in range(1, 6)], dtype=object)
            values = vocab[np.minimum((u * 5).astype(int), 4)]
        values = np.where(rel, values, None)
        unit.cols[name] = values

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


# ================================================================================================
# helpers
# ================================================================================================
class _CountInfo:
    """Stands in for an integer question when a repeat count is drawn from a distribution."""

    def __init__(self, repeat: str) -> None:
        self.model = dataclasses.make_dataclass("M", ["name", "type", "min", "max"])(
            f"repeat_counts[{repeat}]", "integer", 0, None)
        self.missing = []

    def choice_codes(self) -> list:
        return []


class _RangeInfo:
    """An XLSForm range question seen as an integer/decimal question with its start/end."""

    def __init__(self, info: Any) -> None:
        params = dict(p.split("=", 1) for p in (info.model.parameters or "").split() if "=" in p)
        start, end = float(params.get("start", 1)), float(params.get("end", 10))
        step = float(params.get("step", 1))
        kind = "integer" if step == int(step) and start == int(start) else "decimal"
        self.model = dataclasses.make_dataclass("M", ["name", "type", "min", "max"])(
            info.model.name, kind, min(start, end), max(start, end))
        self.missing = []


def _truth(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool, na_value=False)
    return (pd.to_numeric(s, errors="coerce").fillna(0) != 0).to_numpy()


def _truth_na(s: pd.Series) -> np.ndarray:
    """A constraint's result as a mask; missing (cannot tell) passes, as check_microdata reads it."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool, na_value=True)
    num = pd.to_numeric(s, errors="coerce")
    return (num.isna() | (num != 0)).to_numpy()


def _numbers(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("Float64")
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _code_text(code: Any) -> str:
    from ..questionnaire.typecheck import code_key

    return code_key(code)


def _codes_text(block: np.ndarray, codes: list[Any], index: pd.Index) -> pd.Series:
    """The space-separated codes of each row of a 0/1 block (NaN rows give missing)."""
    texts = np.asarray([_code_text(c) for c in codes], dtype=object)
    out = np.full(len(block), "", dtype=object)
    for j in range(len(codes)):
        hit = block[:, j] == 1
        out[hit] = np.where(out[hit] == "", texts[j], out[hit] + " " + texts[j])
    absent = np.isnan(block).all(axis=1) if block.size else np.ones(len(block), dtype=bool)
    s = pd.Series(out, index=index, dtype="string")
    return s.mask(absent)


def _put_rows(block: np.ndarray, idx: np.ndarray, new: np.ndarray) -> np.ndarray:
    block = block.copy()
    block[idx] = new
    return block


def _substitute(node: Node, filters: dict[str, str]) -> Node:
    """A choice filter with each bare name replaced by the choice's value of that column ('' if none)."""
    if isinstance(node, Name):
        return String(str(filters.get(node.name, "")), span=node.span)
    if isinstance(node, Binary):
        return dataclasses.replace(node, left=_substitute(node.left, filters), right=_substitute(node.right, filters))
    if isinstance(node, Negate):
        return dataclasses.replace(node, operand=_substitute(node.operand, filters))
    if isinstance(node, Call):
        return dataclasses.replace(node, args=tuple(_substitute(a, filters) for a in node.args))
    return node
