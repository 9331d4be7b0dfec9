# The README's two commands: `make build` then `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SOURCE ?= source
OUT ?= build

.PHONY: build test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/studyc build $(SOURCE) -o $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check compiler tests
	$(BIN)/ruff format --check compiler tests
	$(BIN)/mypy compiler

format: $(STAMP)
	$(BIN)/ruff format compiler tests
	$(BIN)/ruff check --fix compiler tests

bench: $(STAMP)
	@echo "make bench: not yet; the benchmark lands with the performance issue"

clean:
	rm -rf $(OUT) $(VENV)
