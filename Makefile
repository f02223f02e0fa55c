# Two commands for a fresh machine (README): `make demo` and `make test`.
# Each creates the virtualenv and installs everything on first use (pinned by constraints.txt).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck imports unit install bench chaos clean wheel wheel-check

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "eastwest needs Python >= 3.11 (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/eastwest demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# The suite mostly waits (fake clouds, retries, subprocesses): 2 pytest-xdist workers by
# default, TEST_WORKERS=… to change (0: one process). docs/testing.md.
unit: $(STAMP)
	$(BIN)/pytest -n $(or $(TEST_WORKERS),2)

test: lint typecheck imports unit

# API calls per plan/apply as the estate grows; compile and first-plan time and memory at
# 1k-300k rules; plans and reconciler intervals over 10-1,000 scopes on the latency-injected
# sandbox; flow ingest of 10M records, then map and dry run (FLOW_RECORDS=… to change;
# needs ~2 GiB of free disk in $TMPDIR); queue-mode throughput with 1, 2 and 4
# `eastwest worker` processes (docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.api_calls
	$(BIN)/python -m tests.benchmarks.compile_plan
	$(BIN)/python -m tests.benchmarks.reconcile_scale
	$(BIN)/python -m tests.benchmarks.flows $(or $(FLOW_RECORDS),10000000)
	$(BIN)/python -m tests.benchmarks.worker_scale

# 20 seeded chaos runs of the multicloud sandbox policy (faults, SIGKILLs, decoys), 4 sandboxes
# side by side, about 45 min on 2 cores (docs/reliability.md). RUNS=… JOBS=… to change.
chaos: $(STAMP)
	$(BIN)/python -m tests.chaos.run --runs $(or $(RUNS),20) --jobs $(or $(JOBS),4)

# The wheel in dist/; wheel-check installs it into fresh virtualenvs (no extras, then
# [sandbox]) and runs the help, validate and the demo there (a few minutes).
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps -w dist .

wheel-check:
	PYTHON=$(PYTHON) .ci/wheel-check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .eastwest dist
