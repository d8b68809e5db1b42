"""Reading the small YAML files surveykit is configured with (catalogues, presets, design files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import SurveykitError

__all__ = ["load_yaml_file"]


def load_yaml_file(path: str | Path, what: str, error: type[SurveykitError]) -> Any:
    """The content of a YAML file (safe load), or ``error`` naming the file, line and column.

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
    import yaml

    file = str(path)
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} file {file} does not exist.", file=file) from None
    except IsADirectoryError:
        raise error(f"{what} file {file} is a directory; give the path of a YAML file.", file=file) from None
    except UnicodeDecodeError as exc:
        raise error(f"{what} file {file} is not UTF-8 text ({exc.reason}); save it as UTF-8.", file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{what} file {file} is not valid YAML{where}: {getattr(exc, 'problem', exc)}.",
                    file=file) from None
