"""Reading and writing the files surveykit is configured with, one way everywhere.

* :func:`parse_yaml` / :func:`parse_json`: strict loading shared by questionnaires, control totals,
  design files, catalogues and presets. Safe load only; a key given twice, a key that is a list or a
  mapping, a number too long for Python, a control character, nesting deeper than
  :data:`MAX_NESTING` are refused with :class:`FileSyntaxError` (line and column when known), which
  each caller turns into its own :class:`~surveykit.SurveykitError` subclass.
* :func:`atomic_write`: every writer (microdata, questionnaires, codebooks, workbooks) writes to a
  temporary file next to the target and renames it over the target only when complete, so a full disk
  or an encoding error never leaves a partial or 0-byte file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .errors import SurveykitError

__all__ = [
    "load_yaml_file",
    "parse_yaml",
    "parse_json",
    "StrictLoader",
    "FileSyntaxError",
    "MAX_NESTING",
    "atomic_write",
    "write_text_atomic",
]

#: Deepest nesting of mappings/lists a configuration or spec file may have.
MAX_NESTING = 200


class FileSyntaxError(ValueError):
    """A YAML/JSON text cannot be loaded faithfully; ``line``/``column`` are 1-based (or None)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, key: Any = None) -> None:
        self.message, self.line, self.column, self.key = message, line, column, key
        where = f"line {line}" + (f", column {column}" if column else "") + ": " if line else ""
        super().__init__(where + message)


class StrictLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses what would otherwise be silently lost: a key given twice
    (last-wins), a key that is a list or mapping (``? [a, b]``)."""

    _node: yaml.Node | None = None

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self._node = node  # where a constructor failed (e.g. int() of a 5,000-digit number)
        return super().construct_object(node, deep=deep)


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        try:
            seen = key in out
        except TypeError:
            raise FileSyntaxError(
                "a key is a list or mapping (complex key); keys must be plain text or numbers", line, col
            ) from None
        if seen:
            raise FileSyntaxError(
                f"key {key!r} appears twice in the same mapping (the first would be lost); keep one", line, col, key=key
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_failure(exc: BaseException, text: str, loader: StrictLoader | None) -> FileSyntaxError:
    if isinstance(exc, FileSyntaxError):
        return exc
    if isinstance(exc, yaml.reader.ReaderError):
        pos = exc.position
        line: int | None = text.count("\n", 0, pos) + 1 if isinstance(text, str) else None
        col: int | None = pos - text.rfind("\n", 0, pos) if isinstance(text, str) else None
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return FileSyntaxError(
            f"the character {char} (a control character) is not allowed in YAML; remove it", line, col
        )
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        msg = f"malformed YAML: {what}" + (f" ({context})" if context else "")
        if "found character '\\t'" in msg:
            msg += "; indent with spaces, not tabs"
        return FileSyntaxError(msg, mark.line + 1 if mark else None, mark.column + 1 if mark else None)
    if isinstance(exc, RecursionError):
        return FileSyntaxError(f"the file is nested too deeply to read (more than {MAX_NESTING} levels)")
    node = getattr(loader, "_node", None)
    line = node.start_mark.line + 1 if node is not None else None
    col = node.start_mark.column + 1 if node is not None else None
    return FileSyntaxError(f"a value cannot be read: {_value_reason(exc)}", line, col)


def _value_reason(exc: BaseException) -> str:
    text = str(exc)
    if "digits" in text and "integer string conversion" in text:
        return "a number has more than 4,300 digits (no survey value is that long; it is probably damaged)"
    return text


def check_nesting(data: Any, limit: int = MAX_NESTING) -> None:
    """Raise :class:`FileSyntaxError` when ``data`` nests lists/dicts deeper than ``limit`` (iterative:
    checking depth must not itself overflow the stack)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise FileSyntaxError(f"the file is nested more than {limit} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def compose_yaml(text: str, loader_class: type[StrictLoader] = StrictLoader) -> tuple[Any, yaml.Node | None]:
    """The data and the root node of a YAML text (for callers that map values to lines)."""
    loader = None
    try:
        loader = loader_class(text)  # the reader refuses control characters already here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        check_nesting(data)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise _yaml_failure(exc, text, loader) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def parse_yaml(text: str, loader_class: type[StrictLoader] = StrictLoader) -> Any:
    """The content of a YAML text, strictly (see the module notes).

    >>> parse_yaml("a: 1\\nb: [x, y]")
    {'a': 1, 'b': ['x', 'y']}
    >>> parse_yaml("a: 1\\na: 2")
    Traceback (most recent call last):
    ...
    surveykit.fileio.FileSyntaxError: line 2, column 1: key 'a' appears twice in the same mapping (the first would be lost); keep one
    """
    return compose_yaml(text, loader_class)[0]


def _pairs(items: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in items:
        if k in out:
            raise FileSyntaxError(
                f"key {k!r} appears twice in the same object (the first would be lost); keep one", key=k
            )
        out[k] = v
    return out


def parse_json(text: str) -> Any:
    """The content of a JSON text, strictly (duplicate keys, 4,300-digit numbers, deep nesting refused).

    >>> parse_json('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    surveykit.fileio.FileSyntaxError: key 'a' appears twice in the same object (the first would be lost); keep one
    """
    try:
        data = json.loads(text, object_pairs_hook=_pairs)
    except FileSyntaxError:
        raise
    except json.JSONDecodeError as exc:
        raise FileSyntaxError(f"malformed JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise FileSyntaxError(f"the file is nested too deeply to read (more than {MAX_NESTING} levels)") from None
    except ValueError as exc:
        raise FileSyntaxError(f"a value cannot be read: {_value_reason(exc)}") from None
    check_nesting(data)
    return data


def load_yaml_file(
    path: str | Path, what: str, error: type[SurveykitError], loader_class: type[StrictLoader] = StrictLoader
) -> Any:
    """The content of a YAML file (strict safe load), or ``error`` naming the file, line and column.

    >>> import tempfile, os
    >>> from surveykit.errors import IndicatorError
    >>> f = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(f, "w").write("a: [1, 2")
    >>> try:
    ...     load_yaml_file(f, "indicator", IndicatorError)
    ... except IndicatorError as e:
    ...     print(str(e).split(":")[0].endswith("x.yaml is not valid YAML at line 1, column 9"))
    True
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} file {file} does not exist.", file=file) from None
    except IsADirectoryError:
        raise error(f"{what} file {file} is a directory; give the path of a YAML file.", file=file) from None
    except UnicodeDecodeError as exc:
        raise error(f"{what} file {file} is not UTF-8 text ({exc.reason}); save it as UTF-8.", file=file) from None
    except OSError as exc:
        raise error(f"{what} file {file} cannot be read ({exc.strerror or exc}).", file=file) from None
    try:
        return parse_yaml(text, loader_class)
    except FileSyntaxError as exc:
        where = f" at line {exc.line}" + (f", column {exc.column}" if exc.column else "") if exc.line else ""
        raise error(f"{what} file {file} is not valid YAML{where}: {exc.message}.", file=file, line=exc.line) from None


# ------------------------------------------------------------------------------------------------
# atomic writes
# ------------------------------------------------------------------------------------------------
def atomic_write(
    target: str | os.PathLike[str], job: Callable[[str], None], error: type[SurveykitError] = SurveykitError
) -> Path:
    """Run ``job(tmp_path)`` to write a temporary file next to ``target``, then rename it over ``target``.

    On any failure the temporary file is removed and ``target`` is left as it was. A missing folder,
    a full disk or another ``OSError`` becomes ``error`` naming the file; other
    :class:`~surveykit.SurveykitError` s pass through. Returns ``target`` as a Path.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, lambda tmp: pathlib.Path(tmp).write_text("hola")).read_text()
    'hola'
    >>> def full(tmp):
    ...     raise OSError(28, "No space left on device")
    >>> atomic_write(p, full)
    Traceback (most recent call last):
    ...
    surveykit.errors.SurveykitError: cannot write ...a.txt: No space left on device (the disk is full); nothing was written and any existing file is unchanged. Free some space and try again.
    """
    path = Path(target)
    name = str(target)
    if not path.parent.exists():
        raise error(f"cannot write {name}: the folder {path.parent} does not exist. Create it first.", file=name)
    if path.is_dir():
        raise error(f"cannot write {name}: it is a folder; give a file name.", file=name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _os_error(exc, name, error) from exc
    try:
        job(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _os_error(exc, name, error) from exc
        if isinstance(exc, UnicodeEncodeError):
            raise error(
                f"cannot write {name}: a text holds a character that cannot be encoded ({exc.reason}: "
                f"{exc.object[exc.start : exc.end]!r}); remove it. Nothing was written.",
                file=name,
            ) from exc
        raise
    return path


def _os_error(exc: OSError, name: str, error: type[SurveykitError]) -> SurveykitError:
    import errno

    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = f"{reason} (the disk is full)"
        todo = "Free some space and try again."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what, todo = reason, "Check that you may write in that folder."
    else:
        what, todo = reason, "Check the path and the disk."
    return error(
        f"cannot write {name}: {what}; nothing was written and any existing file is unchanged. {todo}", file=name
    )


def write_text_atomic(
    target: str | os.PathLike[str], text: str, error: type[SurveykitError] = SurveykitError, encoding: str = "utf-8"
) -> Path:
    """Write ``text`` to ``target`` atomically (see :func:`atomic_write`); returns the path."""

    def job(tmp: str) -> None:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)

    return atomic_write(target, job, error)
