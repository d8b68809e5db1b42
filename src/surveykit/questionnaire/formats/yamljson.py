"""YAML and JSON specs: safe loading with line numbers, deterministic saving.

Loading uses PyYAML's ``SafeLoader`` only (no Python objects can be built from the file). Files are
bounded in size, nesting and -- because YAML aliases can expand exponentially -- in the number of
values after expanding aliases. Saving writes ``model_dump(mode="json", exclude_defaults=True)`` in
the models' field order, so the same questionnaire always gives the same bytes and loads back equal.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="x", languages=["es"], items=[sk.TextQuestion(name="obs", label={"es": "Obs"})])
>>> print(q.to_yaml(), end="")
id: x
languages:
- es
items:
- type: text
  name: obs
  label:
    es: Obs
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ...fileio import FileSyntaxError, compose_yaml, parse_json, write_text_atomic
from ...errors import SpecFormatError
from ..items import format_validation_error
from ..questionnaire import Questionnaire
from ..problems import Location, Problem, SourceMap, pointer
from ..services import provides

__all__ = [
    "load_yaml",
    "load_json",
    "loads_yaml",
    "loads_json",
    "dump_yaml",
    "dump_json",
    "MAX_SPEC_BYTES",
    "MAX_VALUES",
    "MAX_NESTING",
]

#: Largest spec file read (bytes).
MAX_SPEC_BYTES = 50_000_000
#: Most values (after expanding YAML aliases) a spec may hold.
MAX_VALUES = 2_000_000
#: Deepest nesting of mappings/lists accepted.
MAX_NESTING = 200


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SpecFormatError(f"{path}: cannot read the file: {exc.strerror}", file=str(path)) from None
    if size > MAX_SPEC_BYTES:
        raise SpecFormatError(
            f"{path}: the file has {size} bytes, more than the {MAX_SPEC_BYTES} a spec may have", file=str(path)
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecFormatError(
            f"{path}:{line}: the file is not UTF-8 text (byte {exc.start}); save it as UTF-8", file=str(path)
        ) from None


def _expanded_size(root: yaml.Node, file: str) -> int:
    """How many values the document holds once aliases are expanded, counted on the node graph
    (each distinct node once), so an alias bomb is refused before anything is expanded."""
    size: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        if not done and id(node) in visiting:
            raise SpecFormatError(
                f"{file}:{node.start_mark.line + 1}: an alias refers to a value that contains it "
                "(a recursive structure); remove it",
                file=file,
            )
        if isinstance(node, yaml.MappingNode):
            children = [v for _k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            size[id(node)] = 1
            continue
        if done:
            visiting.discard(id(node))
            size[id(node)] = 1 + sum(size[id(c)] for c in children)
            if size[id(node)] > MAX_VALUES:
                raise SpecFormatError(
                    f"{file}: the spec holds more than {MAX_VALUES} values once its aliases are "
                    "expanded; remove the aliases (&/*) that multiply it",
                    file=file,
                )
            continue
        visiting.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def _walk_nodes(root: yaml.Node, smap: SourceMap, file: str) -> None:
    """Record the line/column of every value, by JSON pointer; bounded against alias bombs."""
    _expanded_size(root, file)
    count = 0
    stack: list[tuple[yaml.Node, tuple, int]] = [(root, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise SpecFormatError(
                f"{file}: the spec holds more than {MAX_VALUES} values once its aliases are "
                "expanded; remove the aliases (&/*) that multiply it",
                file=file,
            )
        if depth > MAX_NESTING:
            raise SpecFormatError(
                f"{file}:{node.start_mark.line + 1}: the spec is nested more than {MAX_NESTING} levels deep", file=file
            )
        smap.add(pointer(*path), line=node.start_mark.line + 1, col=node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                k = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
                stack.append((value, (*path, k), depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                stack.append((value, (*path, i), depth + 1))


def _syntax_error(exc: FileSyntaxError, file: str, kind: str) -> SpecFormatError:
    where = file + (f":{exc.line}" if exc.line else "") + (f":{exc.column}" if exc.line and exc.column else "")
    message = exc.message if exc.message.startswith("malformed") else f"{kind}: {exc.message}"
    problem = Problem.of("SK001", message, Location(file=file, line=exc.line, col=exc.column))
    return SpecFormatError(f"{where}: {message}", file=file, problems=[problem])


def _compose(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    try:
        return compose_yaml(text)
    except FileSyntaxError as exc:
        raise _syntax_error(exc, file, "YAML") from None


def _build(data: Any, smap: SourceMap, file: str) -> Questionnaire:
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "empty"
        problem = Problem.of("SK001", "the spec must be a mapping with id, languages and items", smap.locate(""))
        raise SpecFormatError(
            f"{file}: the spec must be a mapping (id: ..., languages: ..., items: ...), not {kind}",
            file=file,
            problems=[problem],
        )
    try:
        q = Questionnaire.model_validate(data)
    except ValidationError as exc:
        message, problems = format_validation_error(exc, data, smap)
        raise SpecFormatError(f"{file}: {message}", file=file, problems=problems) from None
    except RecursionError:
        raise SpecFormatError(f"{file}: the spec is nested too deeply", file=file) from None
    q._source = smap
    return q


def loads_yaml(text: str, file: str = "<yaml>") -> Questionnaire:
    """Load a questionnaire from YAML text (safe load).

    >>> loads_yaml("id: x\\nlanguages: [es]\\nitems: [{type: note, name: hola, label: Hola}]").items[0].label
    {'es': 'Hola'}
    >>> loads_yaml("id: x\\nlanguages: [es]\\nitems: [{type: integr, name: a}]")
    Traceback (most recent call last):
    ...
    surveykit.errors.SpecFormatError: <yaml>: the questionnaire spec is not valid (1 problem):
      <yaml>:3:9 (/items/0): unknown type 'integr'; use one of 'group', 'repeat', 'select_one', 'select_multiple', 'integer', 'decimal', 'text', 'date', 'time', 'datetime', 'calculate', 'note', 'start', 'end', 'today', 'deviceid', 'username', 'phonenumber', 'simserial', 'subscriberid', 'email', 'audit', 'geopoint', 'geotrace', 'geoshape', 'image', 'audio', 'video', 'file', 'barcode', 'acknowledge', 'range', 'hidden', 'background-audio', 'start-geopoint', 'xml-external', 'csv-external'
    """
    data, node = _compose(text, file)
    smap = SourceMap(file, "yaml")
    if node is not None:
        _walk_nodes(node, smap, file)
    return _build(data, smap, file)


@provides("load_yaml")
def load_yaml(path: str | Path) -> Questionnaire:
    """Load a questionnaire from a YAML file (safe load; line numbers kept for lint)."""
    p = Path(path)
    return loads_yaml(_read(p), str(p))


def loads_json(text: str, file: str = "<json>") -> Questionnaire:
    """Load a questionnaire from JSON text.

    >>> loads_json('{"id": "x", "languages": ["es"], "items": [}')
    Traceback (most recent call last):
    ...
    surveykit.errors.SpecFormatError: <json>:1:44: malformed JSON: Expecting value
    """
    try:
        data = parse_json(text)
    except FileSyntaxError as exc:
        raise _syntax_error(exc, file, "JSON") from None
    smap = SourceMap(file, "json")
    try:  # JSON is (nearly) YAML: borrow the YAML composer for line numbers, best effort
        _, node = _compose(text, file)
        if node is not None:
            _walk_nodes(node, smap, file)
    except SpecFormatError:
        smap = SourceMap(file, "json")
    return _build(data, smap, file)


@provides("load_json")
def load_json(path: str | Path) -> Questionnaire:
    """Load a questionnaire from a JSON file."""
    p = Path(path)
    return loads_json(_read(p), str(p))


@provides("dump_yaml")
def dump_yaml(q: Questionnaire, path: str | Path | None = None) -> str:
    """The spec as YAML text (deterministic); also written to ``path`` when given."""
    text = yaml.safe_dump(q.to_dict(), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    if path is not None:
        write_text_atomic(path, text, SpecFormatError)
    return text


@provides("dump_json")
def dump_json(q: Questionnaire, path: str | Path | None = None) -> str:
    """The spec as JSON text (deterministic, UTF-8, indented); also written to ``path`` when given."""
    text = json.dumps(q.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if path is not None:
        write_text_atomic(path, text, SpecFormatError)
    return text
