# Antre — the two commands that matter on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
CONFIG ?= config.yaml
HOST   ?= 127.0.0.1
PORT   ?= 5000
# pytest-xdist processes for make test: the suite waits on servers and browsers, so two keep both cores busy
TEST_WORKERS ?= 2
BIN    := $(VENV)/bin

RUN_PACKAGES  := espeak-ng
# redis-server: the tests and bench/live.py start their own (several server processes share the live channel through it)
TEST_PACKAGES  := espeak-ng chromium fonts-dejavu-core redis-server
BENCH_PACKAGES := espeak-ng redis-server

.PHONY: run test lint bench install clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable ".[test]"
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	@scripts/system-packages.sh $(RUN_PACKAGES)
	$(BIN)/antre --config $(CONFIG) init --demo-officer
	$(BIN)/antre --config $(CONFIG) run --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	@scripts/system-packages.sh $(TEST_PACKAGES)
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed
	@scripts/system-packages.sh $(BENCH_PACKAGES)
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
