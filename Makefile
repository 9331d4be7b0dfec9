# The README's two commands: `make build` then `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SOURCE ?= source
OUT ?= build

.PHONY: build test mutate lint format bench bench-peers clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	./scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[anki,test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/studyc build $(SOURCE) -o $(OUT)

# Both cores: tests spread over xdist workers; files sharing a costly fixture stay on one worker
# (tests/conftest.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

# Mutation testing of the modules where a bug costs users data or trust (docs/testing.md).
# `make mutate MUTATE_GROUPS="identity stamp"` runs some groups; scores land in build/mutate/scores.json.
# MUTATE_ARGS="--max-children 1 --budget 10" uses one core and at most 10 minutes per group.
MUTATE_GROUPS ?=
MUTATE_ARGS ?=
mutate: $(STAMP)
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS) $(MUTATE_GROUPS)

lint: $(STAMP)
	$(BIN)/ruff check compiler tests
	$(BIN)/ruff format --check compiler tests
	$(BIN)/mypy compiler
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format compiler tests
	$(BIN)/ruff check --fix compiler tests

# Benchmarks (docs/performance.md). Corpora are generated under build/bench/, never committed.
# `make bench BENCH_BIG=1` adds the 50,000-card corpus (several minutes).
comma := ,
BENCH_SIZES ?= 100,1000,10000$(if $(BENCH_BIG),$(comma)50000)
BENCH_RUNS ?= 3
PEERS_SIZES ?= 1000,10000
PEERS_VENV := build/bench/peers-venv

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS)

$(PEERS_VENV)/.installed-stamp:
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		'markdown-anki-decks==1.1.1' 'click<8.2' 'ankdown==0.7.1'
	touch $@

bench-peers: $(STAMP) $(PEERS_VENV)/.installed-stamp
	$(BIN)/python -m benchmarks.peers --sizes $(PEERS_SIZES) --runs $(BENCH_RUNS) --venv $(PEERS_VENV)

clean:
	rm -rf $(OUT) $(VENV)
