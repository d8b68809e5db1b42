"""What to draw and in which order: the settings from presets and overrides, and the questions and
repeats in dependency order (:class:`Plan`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ExpressionError, SimulationError
from ..questionnaire import Dependency, Expr, Group, QuestionInfo, Questionnaire, Repeat, RepeatInfo
from .overrides import Override, parse_overrides

#: Question types without a value of their own in the data (external choice files).
_NO_VALUE = {"xml-external", "csv-external"}
#: Built-in distributions of the conventions' respondent variables (El Salvador adults; ILLUSTRATIVE shares
#: of weights/el_salvador_2024_adults_illustrative.yaml: 47.2% men; 18-29 29.3%, 30-44 28.6%, 45-59 22.1%,
#: 60+ 20.0%, oldest ages thinning out to 95).
CONVENTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "sexo": {"probabilities": {1: 0.472, 2: 0.528}},
    "edad": {
        "distribution": "histogram",
        "edges": [18, 30, 45, 60, 75, 96],
        "weights": [0.293, 0.286, 0.221, 0.145, 0.055],
    },
}
#: A step of the plan: ``("question", name)`` draws a question, ``("repeat", name)`` makes a repeat's rows.
Step = tuple[str, str]


def load_questionnaire_arg(q: Questionnaire | str | Path) -> Questionnaire:
    """The questionnaire given to simulate, read from its file when given a path."""
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
        raise SimulationError(
            f"{what} file {path} must hold a mapping of question name to settings (or 'overrides:' and 'eligible:').",
            file=str(path),
        )
    if "overrides" not in doc:
        return doc, None
    extra = [k for k in doc if k not in ("overrides", "eligible")]
    if extra or not isinstance(doc["overrides"], dict):
        raise SimulationError(
            f"{what} file {path}: the keys are 'overrides' (a mapping of question name to settings) "
            f"and 'eligible'; not {extra or ['overrides: ' + type(doc['overrides']).__name__]}.",
            file=str(path),
        )
    eligible = doc.get("eligible")
    if eligible is not None and not isinstance(eligible, str):
        raise SimulationError(f"{what} file {path}: eligible must be a question name.", file=str(path))
    return doc["overrides"], eligible


def resolve_overrides(
    q: Questionnaire,
    preset: str | Path | None,
    overrides: Mapping[str, Any] | str | Path | None,
    frame_cols: set[str],
    notes: list[str],
) -> tuple[dict[str, Override], str | None]:
    """The validated overrides (built-in defaults, then the preset, then ``overrides``) and the eligible
    question the preset or overrides file names."""
    names = {i.model.name for i in q.questions()}
    base: dict[str, Any] = {}
    eligible: str | None = None
    if preset is not None:
        base = {k: v for k, v in CONVENTION_DEFAULTS.items() if k in names}
        path = PRESET_DIR / f"{q.id}.yaml" if preset == "auto" else Path(preset)
        if preset != "auto" or path.is_file():
            given, eligible = _read_yaml(path, "preset")
            base.update(given)
    # a preset made for a shipped questionnaire may mention questions a user's edited copy lacks
    dropped = [k for k in base if k not in names]
    if dropped:
        notes.append(
            f"preset settings for {', '.join(map(str, dropped))} were not used: the questionnaire has no such questions"
        )
    if eligible is not None and eligible not in names:
        notes.append(
            f"the preset's eligible question {eligible!r} is not in the questionnaire; eligible persons "
            "were drawn instead"
        )
        eligible = None
    base = {k: v for k, v in base.items() if k in names}
    if isinstance(overrides, (str, Path)):
        from_file, named = _read_yaml(Path(overrides), "overrides")
        overrides, eligible = from_file, named or eligible
    if overrides is not None and not isinstance(overrides, Mapping):
        raise SimulationError(
            f"overrides must be a mapping of question name to settings, or a YAML file; got {type(overrides).__name__}."
        )
    merged = {**base, **dict(overrides or {})}
    return parse_overrides(merged, q, frame_cols), eligible


@dataclasses.dataclass
class Plan:
    """What one simulation draws: the questions with a value, the repeats and the order of both.

    Attributes
    ----------
    questionnaire : Questionnaire
    infos : list of QuestionInfo
        Questions with a column in the data, in form order; ``by_name`` finds them by name.
    repeats : dict of RepeatInfo
        By repeat name.
    repeat_counts : dict
        The ``repeat_counts`` argument of :func:`surveykit.simulate` (validated names).
    repeat_conditions : dict of list of Expr
        Each repeat's own relevance and that of the groups between it and its parent unit.
    count_drivers : set of str
        Questions a repeat count reads (never answered don't know / refused).
    stratum_vars : list of str
        Frame columns (main-unit questions of that name take the stratum's value).
    eligible : str or None
        The question holding the number of eligible persons.
    main : str
        Name of the main unit.
    steps : list of Step
        Questions and repeats in the order they are drawn.
    """

    questionnaire: Questionnaire
    infos: list[QuestionInfo]
    by_name: dict[str, QuestionInfo]
    repeats: dict[str, RepeatInfo]
    repeat_counts: dict[str, Any]
    repeat_conditions: dict[str, list[Expr]]
    count_drivers: set[str]
    stratum_vars: list[str]
    eligible: str | None
    main: str
    steps: list[Step] = dataclasses.field(default_factory=list)


def make_plan(
    q: Questionnaire,
    ovs: Mapping[str, Override],
    stratum_vars: list[str],
    repeat_counts: Mapping[str, Any],
    eligible: str | None,
) -> Plan:
    """Check the arguments that name questions and repeats, and put the questions in dependency order."""
    infos = [i for i in q.questions() if i.stores_value and i.model.type not in _NO_VALUE]
    by_name = {i.model.name: i for i in infos}
    repeats = {r.name: r for r in q.repeats()}
    unknown = [r for r in repeat_counts if r not in repeats]
    if unknown:
        raise SimulationError(
            f"repeat_counts: {unknown[0]!r} is not a repeat of {q.id!r} ({', '.join(repeats) or 'it has none'})."
        )
    if eligible is not None:
        info = by_name.get(eligible)
        if info is None or info.model.type != "integer" or info.repeat is not None:
            raise SimulationError(
                f"eligible={eligible!r} must name an integer question of the main unit.", question=eligible
            )
    # questions a repeat count reads: never don't know / refused
    counts = [r.count for r in repeats.values() if r.name not in repeat_counts]
    counts += [Expr(v) for v in repeat_counts.values() if isinstance(v, str)]
    plan = Plan(
        q,
        infos,
        by_name,
        repeats,
        dict(repeat_counts),
        _repeat_conditions(q),
        set(references(counts)),
        stratum_vars,
        eligible,
        q.unit or "main",
    )
    plan.steps = draw_order(plan, ovs)
    return plan


def _repeat_conditions(q: Questionnaire) -> dict[str, list[Expr]]:
    """Each repeat's own relevance and that of the groups between it and its parent unit."""
    out: dict[str, list[Expr]] = {}
    for _ptr, item, parents in q.walk():
        if isinstance(item, Repeat):
            inner: list[Group | Repeat] = []
            for p in reversed(parents):
                if isinstance(p, Repeat):
                    break
                inner.insert(0, p)
            out[item.name] = [g.relevant for g in inner if isinstance(g, Group) and g.relevant is not None]
            if item.relevant is not None:
                out[item.name].append(item.relevant)
    return out


def references(exprs: Iterable[Expr | str | None]) -> list[str]:
    """The names the expressions refer to (a clear error for one that does not parse)."""
    refs: list[str] = []
    for e in exprs:
        if e is None:
            continue
        expr = e if isinstance(e, Expr) else Expr(str(e))
        try:
            refs.extend(expr.references())
        except ExpressionError as exc:
            raise SimulationError(
                f"expression {expr.src!r} does not parse ({exc}); run q.lint() and fix it.", expression=expr.src
            ) from None
    return refs


def draw_order(plan: Plan, ovs: Mapping[str, Override]) -> list[Step]:
    """Questions and repeats in dependency order, form order breaking ties.

    The order of the questionnaire's dependency graph (:meth:`~surveykit.Questionnaire.dependencies`:
    relevance of an item and of the groups and repeats it is inside, calculation, choice filter,
    constraint, repeat count) without ``required`` conditions (simulated answers never depend on
    them), with the simulator's own edges: override ``by`` variables and ``repeat_counts``
    expressions. Main-unit questions filled from the frame depend on nothing. Each question draws from
    random streams of its own, so any valid order gives the same data.

    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="x", languages=["es"], items=[
    ...     sk.IntegerQuestion(name="a", relevant="${b} > 0"), sk.IntegerQuestion(name="b", min=0, max=3),
    ...     sk.Repeat(name="r", count="${b}", children=[sk.IntegerQuestion(name="c")])])
    >>> make_plan(q, {}, [], {}, None).steps
    [('question', 'b'), ('question', 'a'), ('repeat', 'r'), ('question', 'c')]
    """
    q = plan.questionnaire
    graph = q.dependencies()
    items = {item.name: item for _ptr, item, _parents in q.walk()}
    for name, field in graph.unparsed:  # the error names the expression, as evaluating it would
        if field != "required" and (name in plan.by_name or isinstance(items.get(name), (Group, Repeat))):
            references([getattr(items[name], field)])
    own = [Dependency(name, var, "by") for name, ov in ovs.items() for var, _table in ov.by]
    own += [
        Dependency(rep, ref, "count")
        for rep, rc in plan.repeat_counts.items()
        if isinstance(rc, str)
        for ref in references([rc])
    ]
    from_frame = {n for n in plan.stratum_vars if n in plan.by_name and plan.by_name[n].repeat is None}
    graph = graph.without("required").with_edges(own).filter(lambda d: d.source not in from_frame)
    return [
        ("repeat", n) if n in plan.repeats else ("question", n)
        for n in graph.order
        if n in plan.repeats or n in plan.by_name
    ]
