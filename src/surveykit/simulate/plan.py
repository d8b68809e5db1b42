"""What to draw and in which order: the settings from presets and overrides, and the questions and
repeats in dependency order."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ExpressionError, QuestionnaireError, SimulationError
from ..questionnaire.expression import Expr
from ..questionnaire.models import Group, Repeat
from .overrides import Override, parse_overrides

_NO_VALUE = {"xml-external", "csv-external"}
#: Built-in distributions of the conventions' respondent variables (El Salvador adults; ILLUSTRATIVE shares
#: of weights/el_salvador_2024_adults_illustrative.yaml: 47.2% men; 18-29 29.3%, 30-44 28.6%, 45-59 22.1%,
#: 60+ 20.0%, oldest ages thinning out to 95).
CONVENTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "sexo": {"probabilities": {1: 0.472, 2: 0.528}},
    "edad": {"distribution": "histogram", "edges": [18, 30, 45, 60, 75, 96],
             "weights": [0.293, 0.286, 0.221, 0.145, 0.055]},
}



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



class _Plan:
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
