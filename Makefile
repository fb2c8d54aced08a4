# The two commands: `make run` (the whole suite on SQLite) and `make test` (the tests on SQLite and PostgreSQL).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make test runs the test files in parallel, a file per worker (its module fixtures start once); 1 runs them in turn
TEST_WORKERS ?= auto

.PHONY: run test lint bench fuzz clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "lantian needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: on Debian, apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

## run: install, migrate the SQLite databases under ./var, load the demo city, start the services and console
run: $(STAMP)
	$(BIN)/lantian db upgrade
	$(BIN)/lantian demo seed
	$(BIN)/lantian run

## test: install, make sure PostgreSQL answers and chromium is there, lint, every test on SQLite and PostgreSQL
test: $(STAMP)
	scripts/ensure-postgres
	scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/python bench/http_baseline.py

## fuzz: a longer schemathesis run of every API on SQLite and PostgreSQL (LANTIAN_FUZZ_EXAMPLES, default 100 here)
fuzz: $(STAMP)
	scripts/ensure-postgres
	LANTIAN_FUZZ_EXAMPLES=$${LANTIAN_FUZZ_EXAMPLES:-100} $(BIN)/pytest tests/hardening/test_fuzz_openapi.py -q -rxXf

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
