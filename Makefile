# The two commands in README.md: `make demo` and `make test`. Both create .venv when it is missing
# and (re)install the package when pyproject.toml changed; nothing else needs to be on the machine
# besides python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.surveykit-installed

.PHONY: install demo test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m surveykit.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# everything but the end-to-end tests marked slow (tests/conftest.py)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# ruff (pyflakes + pycodestyle, and the formatter's check; pyproject [tool.ruff]), the import-linter
# contracts (pyproject [tool.importlinter]: layers, no import cycles, private modules) and mypy on src/
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/inference.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .hypothesis
