"""The question dependency graph: which items each item's expressions and position depend on.

One graph serves every consumer: lint (cycles, SK203), the simulator (the order in which it draws
answers) and data checks. :meth:`surveykit.Questionnaire.dependencies` builds it.

Nodes are the item names (questions, groups and repeats) in questionnaire order; a name used twice
(SK101) is one node. An edge ``source → target`` says that ``source`` needs ``target`` first. Its
``kind`` says why:

==================  ==========================================================================
kind                ``source`` ...
==================  ==========================================================================
``relevant``        has a relevance referring to ``${target}``
``calculation``     has a calculation referring to ``${target}``
``required``        has a ``required`` condition referring to ``${target}``
``constraint``      has a constraint referring to ``${target}`` (a constraint on ``${source}``
                    itself is about the answer being checked and gives no edge)
``choice_filter``   has a choice filter referring to ``${target}``
``count``           is a repeat whose count refers to ``${target}``
``inside``          lies inside the group or repeat ``target`` (one edge to every enclosing one):
                    it is asked only where ``target`` is relevant, once per instance of a repeat
==================  ==========================================================================

References to names that are not items (SK201) give no edge; expressions that do not parse (SK301)
give none either and are listed in :attr:`DependencyGraph.unparsed`.

Consumers pick the kinds they need with :meth:`DependencyGraph.without` or
:meth:`DependencyGraph.filter` (lint's SK203 leaves out constraints, since a constraint never
decides whether or how a question is asked) and add their own with
:meth:`DependencyGraph.with_edges`.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", languages=["es"], items=[
...     sk.IntegerQuestion(name="a", relevant="${b} > 0"),
...     sk.IntegerQuestion(name="b"),
...     sk.CalculateQuestion(name="c", calculation="${a} + ${b}")])
>>> g = q.dependencies()
>>> g.order
['b', 'a', 'c']
>>> g.parents("c"), g.children("b")
(['a', 'b'], ['a', 'c'])
>>> [(d.source, d.target, d.kind) for d in g.edges]
[('a', 'b', 'relevant'), ('c', 'b', 'calculation'), ('c', 'a', 'calculation')]
>>> g.cycles
[]
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ExpressionSyntaxError, QuestionnaireError
from .expression import Call, Expr, Node, Ref

if TYPE_CHECKING:  # pragma: no cover
    from .questionnaire import Questionnaire

__all__ = ["Dependency", "DependencyGraph", "EXPRESSION_KINDS", "dependency_graph"]

#: Item fields holding expressions, in the order their edges are listed (an edge's ``kind`` is the field).
EXPRESSION_KINDS: tuple[str, ...] = ("relevant", "constraint", "calculation", "choice_filter", "count", "required")


@dataclass(frozen=True)
class Dependency:
    """One edge of a :class:`DependencyGraph`: ``source`` needs ``target`` first, because of ``kind``.

    Attributes
    ----------
    source, target
        Item names.
    kind
        ``"relevant"``, ``"calculation"``, ``"required"``, ``"constraint"``, ``"choice_filter"``,
        ``"count"``, ``"inside"`` (see the module docstring), or a consumer's own kind added with
        :meth:`DependencyGraph.with_edges`.
    pointer
        JSON pointer of the expression (``/items/2/calculation``), or of ``source`` for ``inside``.
    offset
        Character offset of the ``${target}`` reference in the expression (``None`` for ``inside``).
    """

    source: str
    target: str
    kind: str
    pointer: str = ""
    offset: int | None = None


class DependencyGraph:
    """Items and what each one depends on; see the module docstring for the kinds of edge.

    Parameters
    ----------
    names : sequence of str
        The nodes in questionnaire order (that order breaks ties in :attr:`order`).
    edges : iterable of Dependency
        The edges, in the order they were found. Edges naming an unknown node are dropped.
    unparsed : iterable of (str, str)
        ``(name, field)`` of expressions that do not parse (they contribute no edges).

    Examples
    --------
    >>> g = DependencyGraph(["a", "b", "c"], [Dependency("a", "c", "calculation"),
    ...                                       Dependency("c", "a", "relevant")])
    >>> g.cycles
    [['a', 'c']]
    >>> g.without("relevant").order
    ['b', 'c', 'a']
    """

    def __init__(
        self, names: Sequence[str], edges: Iterable[Dependency], unparsed: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.names: tuple[str, ...] = tuple(dict.fromkeys(names))
        self._position = {n: i for i, n in enumerate(self.names)}
        self.edges: tuple[Dependency, ...] = tuple(
            d for d in edges if d.source in self._position and d.target in self._position
        )
        self.unparsed: tuple[tuple[str, str], ...] = tuple(unparsed)
        self._out: dict[str, list[Dependency]] = {n: [] for n in self.names}
        self._in: dict[str, list[Dependency]] = {n: [] for n in self.names}
        for d in self.edges:
            self._out[d.source].append(d)
            self._in[d.target].append(d)
        self._cycles: list[list[str]] | None = None

    def __repr__(self) -> str:
        return f"<DependencyGraph: {len(self.names)} items, {len(self.edges)} edges, {len(self.cycles)} cycles>"

    def __contains__(self, name: object) -> bool:
        return name in self._position

    # -- neighbours ------------------------------------------------------------------------------
    def _known(self, name: str) -> None:
        if name not in self._position:
            raise KeyError(f"{name!r} is not an item of this questionnaire")

    def edges_from(self, name: str) -> list[Dependency]:
        """The edges leaving ``name`` (what it depends on, and why), in the order found."""
        self._known(name)
        return list(self._out[name])

    def edges_to(self, name: str) -> list[Dependency]:
        """The edges arriving at ``name`` (who depends on it, and why)."""
        self._known(name)
        return list(self._in[name])

    def parents(self, name: str) -> list[str]:
        """The names ``name`` depends on directly, each once, in questionnaire order.

        >>> DependencyGraph(["a", "b"], [Dependency("b", "a", "relevant")]).parents("b")
        ['a']
        """
        return sorted({d.target for d in self.edges_from(name)}, key=self._position.__getitem__)

    def children(self, name: str) -> list[str]:
        """The names depending directly on ``name``, each once, in questionnaire order.

        >>> DependencyGraph(["a", "b"], [Dependency("b", "a", "relevant")]).children("a")
        ['b']
        """
        return sorted({d.source for d in self.edges_to(name)}, key=self._position.__getitem__)

    # -- views ------------------------------------------------------------------------------------
    def filter(self, keep: Callable[[Dependency], bool]) -> DependencyGraph:
        """The graph with only the edges for which ``keep(edge)`` is true (same nodes).

        >>> g = DependencyGraph(["a", "b"], [Dependency("b", "a", "relevant")])
        >>> g.filter(lambda d: d.source != "b").edges
        ()
        """
        return DependencyGraph(self.names, [d for d in self.edges if keep(d)], self.unparsed)

    def without(self, *kinds: str) -> DependencyGraph:
        """The graph without edges of the given kinds (e.g. ``without("constraint")``)."""
        drop = set(kinds)
        return self.filter(lambda d: d.kind not in drop)

    def with_edges(self, edges: Iterable[Dependency]) -> DependencyGraph:
        """The graph with ``edges`` added after its own (a consumer's own dependencies).

        >>> g = DependencyGraph(["a", "b"], []).with_edges([Dependency("a", "b", "override")])
        >>> g.order
        ['b', 'a']
        """
        return DependencyGraph(self.names, [*self.edges, *edges], self.unparsed)

    # -- order and cycles --------------------------------------------------------------------------
    @property
    def cycles(self) -> list[list[str]]:
        """The cycles, one per strongly connected group of items, in questionnaire order of their first item.

        Each cycle is a shortest path from that first item back to itself, listed without repeating
        it: ``["a", "c", "b"]`` is a → c → b → a; ``["s"]`` is an item depending on itself.
        """
        if self._cycles is None:
            graph = {n: [d.target for d in self._out[n]] for n in self.names}
            found = []
            for component in _strongly_connected(list(self.names), graph):
                start = min(component, key=self._position.__getitem__)
                if len(component) == 1 and start not in graph[start]:
                    continue
                found.append(_cycle_path(start, set(component), graph)[:-1])
            self._cycles = sorted(found, key=lambda c: self._position[c[0]])
        return [list(c) for c in self._cycles]

    @property
    def order(self) -> list[str]:
        """Every name, each after all it depends on; questionnaire order wherever the edges leave it free.

        Raises :class:`~surveykit.QuestionnaireError` naming a cycle when there is one (see :attr:`cycles`).
        """
        cycles = self.cycles
        if cycles:
            text = "; ".join(" -> ".join([*c, c[0]]) for c in cycles[:5])
            raise QuestionnaireError(
                f"these items depend on each other in a cycle, so no order answers them: "
                f"{text}; run q.lint() (SK203) and break it",
                question=cycles[0][0],
            )
        waiting = {n: len({d.target for d in self._out[n]}) for n in self.names}
        users: dict[str, set[str]] = {n: set() for n in self.names}
        for d in self.edges:
            users[d.target].add(d.source)
        heap = [self._position[n] for n, w in waiting.items() if w == 0]
        heapq.heapify(heap)
        order: list[str] = []
        while heap:
            name = self.names[heapq.heappop(heap)]
            order.append(name)
            for user in users[name]:
                waiting[user] -= 1
                if waiting[user] == 0:
                    heapq.heappush(heap, self._position[user])
        return order


def _references(ast: Node) -> list[Ref]:
    """The ``${name}`` nodes of ``ast``, depth first, last child first (the order lint has always used to
    pick among equally short cycle paths, so its messages stay the same)."""
    found: list[Ref] = []
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            found.append(node)
        elif isinstance(node, Call):
            stack.extend(node.args)
        else:
            stack.extend(node.children())
    return found


def dependency_graph(q: Questionnaire) -> DependencyGraph:
    """The dependency graph of ``q`` (what :meth:`surveykit.Questionnaire.dependencies` returns).

    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="x", languages=["es"], items=[sk.IntegerQuestion(name="n"),
    ...     sk.Repeat(name="p", count="${n}", children=[sk.IntegerQuestion(name="edad")])])
    >>> [(d.source, d.target, d.kind) for d in dependency_graph(q).edges]
    [('p', 'n', 'count'), ('edad', 'p', 'inside')]
    """
    walked = list(q.walk())
    edges: list[Dependency] = []
    unparsed: list[tuple[str, str]] = []
    for ptr, item, _parents in walked:
        for field in EXPRESSION_KINDS:
            value = getattr(item, field, None)
            if not isinstance(value, Expr):
                continue
            try:
                ast = value.ast
            except ExpressionSyntaxError:
                unparsed.append((item.name, field))
                continue
            for ref in _references(ast):
                if field == "constraint" and ref.name == item.name:
                    continue  # the answer being checked, not something to know first
                edges.append(Dependency(item.name, ref.name, field, f"{ptr}/{field}", ref.span[0]))
    for ptr, item, parents in walked:  # after every expression's: a reader sees the reasons first
        edges.extend(Dependency(item.name, p.name, "inside", ptr) for p in parents)
    return DependencyGraph([item.name for _ptr, item, _parents in walked], edges, unparsed)


def _strongly_connected(nodes: list[str], graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (forms can be large and deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    known = set(nodes)
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = [s for s in graph.get(node, []) if s in known]
            recurse = False
            while i < len(succ):
                nxt = succ[i]
                i += 1
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                result.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _cycle_path(start: str, members: set[str], graph: dict[str, list[str]]) -> list[str]:
    """A shortest path start -> ... -> start inside the component (breadth first)."""
    prev: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for dst in graph.get(node, []):
            if dst == start:
                path = [node]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return [*reversed(path), start]
            if dst in members and dst not in seen:
                seen.add(dst)
                prev[dst] = node
                queue.append(dst)
    return [start, start]  # pragma: no cover  (a component always has a cycle through start)
