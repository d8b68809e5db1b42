"""Install svy, the benchmark peer, into its own venv (``benchmarks/.venv-svy``, git-ignored).

svy is never a surveykit dependency: it runs only in this venv, which ``run.py`` creates on first
use with ``pip install svy==0.35.0`` (svy brings polars; it does not use pandas).

Usage: ``python benchmarks/svy_env.py`` (prints the venv's python).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SVY_VERSION = "0.35.0"
VENV = Path(__file__).resolve().parent / ".venv-svy"


def python() -> Path:
    """The svy venv's interpreter."""
    return VENV / "bin" / "python"


def installed_version() -> str | None:
    """svy's version in the venv, or None when the venv or svy is missing."""
    if not python().exists():
        return None
    r = subprocess.run(
        [str(python()), "-c", "from importlib.metadata import version; print(version('svy'))"],
        capture_output=True,
        text=True,
    )
    return r.stdout.strip() if r.returncode == 0 else None


def ensure(quiet: bool = False) -> Path:
    """Create the venv and install svy when needed; return its python."""
    if installed_version() == SVY_VERSION:
        return python()
    if not quiet:
        print(f"installing svy=={SVY_VERSION} into {VENV} ...", flush=True)
    if not python().exists():
        # the base interpreter, not this venv's, so the svy venv does not depend on .venv
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"svy=={SVY_VERSION}"],
        check=True,
    )
    got = installed_version()
    if got != SVY_VERSION:
        raise RuntimeError(f"svy {SVY_VERSION} did not install into {VENV} (found {got!r}).")
    return python()


if __name__ == "__main__":
    print(ensure())
