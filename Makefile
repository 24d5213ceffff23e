# Every target installs what it needs into .venv first, so a fresh clone needs only `make demo`
# or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE := examples/sahel-plugin-example

.PHONY: install demo test lint types pytest docs bench clean

install: $(STAMP)

$(STAMP): pyproject.toml $(wildcard $(EXAMPLE)/pyproject.toml)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	if [ -f $(EXAMPLE)/pyproject.toml ]; then $(BIN)/python -m pip install --quiet -e $(EXAMPLE); fi
	touch $(STAMP)

demo: install
	$(BIN)/sahel demo

lint: install
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

types: install
	$(BIN)/mypy --strict src

# The example plugin's own tests and the notebooks (nbmake, top to bottom) run in the same
# pytest run as the library's tests.
pytest: install
	$(BIN)/pytest -q --nbmake tests $(EXAMPLE)/tests examples/*.ipynb

test: lint types pytest docs

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The sources are compiled first, as pip compiles an installed package: with
# PYTHONDONTWRITEBYTECODE set (as on CI), every measured process would compile them again.
bench: install
	$(BIN)/python -m compileall -q src
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist site .mypy_cache .pytest_cache .ruff_cache
