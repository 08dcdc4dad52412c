# debatebot: `make run` and `make test` set themselves up on a fresh machine (Python 3.11+ and make).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run console test lint typecheck pytest bench eval check-kb clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "debatebot needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/debatebot run

console: $(STAMP_RUN)
	$(BIN)/debatebot console

lint: $(STAMP_DEV)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

typecheck: $(STAMP_DEV)
	$(BIN)/mypy bot
	$(BIN)/mypy --strict bench

pytest: $(STAMP_DEV)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

eval: $(STAMP_DEV)
	$(BIN)/python -m tests.eval

check-kb: $(STAMP_RUN)
	$(BIN)/debatebot kb check

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
