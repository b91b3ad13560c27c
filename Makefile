# csc-workforce: `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANIFEST := dbt_project/target/manifest.json
export WORKFORCE_HOME ?= $(CURDIR)/workforce-data

.DEFAULT_GOAL := help
.PHONY: help setup manifest demo run test chromium postgres lint format docs kpi-docs dev benchmark spellings clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/workforce: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# compiled at install: where PYTHONDONTWRITEBYTECODE is set, nothing is compiled later and
	@# every process (each run, each dbt call) would compile Dagster and dbt again
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/workforce  ## create .venv with the pinned stack

$(MANIFEST): $(BIN)/workforce $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.md' | grep -v target) $(wildcard seeds/*.csv)
	$(BIN)/python -m orchestration.dbt_manifest
	@touch $@

manifest: $(MANIFEST)  ## parse the dbt project now (loading the Dagster definitions does it too when needed)

demo: setup manifest  ## sample extracts for one authority -> pipeline -> headline KPIs
	$(BIN)/workforce demo

run: setup manifest  ## one pass over $WORKFORCE_HOME/landing
	$(BIN)/workforce run

docs: setup  ## dbt docs for $WORKFORCE_HOME's warehouse -> $WORKFORCE_HOME/docs/index.html
	$(BIN)/workforce docs

kpi-docs: setup  ## regenerate docs/kpi-definitions.md from the KPI seeds (after editing seeds/kpi_*.csv)
	$(BIN)/python -m orchestration.report.kpi_docs

lint: setup  ## ruff (check and format) and sqlfluff on the dbt models; fails on violations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# (PYTHONWARNINGS: its two processes leave multiprocessing a semaphore to tidy, harmlessly)
	cd dbt_project && PYTHONWARNINGS=ignore:resource_tracker ../$(BIN)/sqlfluff lint models macros tests

format: setup  ## apply ruff formatting
	$(BIN)/ruff format .

test: setup manifest chromium postgres  ## every test on two workers, and the lint beside them
	@# the lint runs niced, on what the two workers leave idle (it costs 40 s of CPU)
	@nice -n 19 $(MAKE) --no-print-directory lint > $(VENV)/lint.log 2>&1 & lint=$$!; \
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup; tests=$$?; \
	wait $$lint; linted=$$?; echo "make lint:"; cat $(VENV)/lint.log; \
	[ $$tests -eq 0 ] && [ $$linted -eq 0 ]

chromium:  ## headless Chromium + chromedriver for the board pack's browser test (apt, if missing)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		$$([ "$$(id -u)" -eq 0 ] || echo sudo) sh -c \
		'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq chromium chromium-driver'

postgres:  ## PostgreSQL server binaries for the Postgres-backed instance's test (apt, if missing)
	@# Debian keeps initdb and pg_ctl off PATH, under /usr/lib/postgresql/<version>/bin
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		$$([ "$$(id -u)" -eq 0 ] || echo sudo) sh -c \
		'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq postgresql'

dev: setup manifest  ## the Dagster UI on $WORKFORCE_HOME/dagster (the instance workforce run uses too)
	mkdir -p $(WORKFORCE_HOME)/dagster && cp dagster.yaml $(WORKFORCE_HOME)/dagster/
	DAGSTER_HOME=$(WORKFORCE_HOME)/dagster $(BIN)/dagster dev

benchmark: AUTHORITIES ?= 20
benchmark: YEARS ?= 5
benchmark: setup manifest  ## cost of a full build, one delivery, a correction, a no-op (AUTHORITIES=20 YEARS=5)
	$(BIN)/python -m pip install --quiet -e '.[benchmark]'
	$(BIN)/python benchmarks/national.py --authorities $(AUTHORITIES) --years $(YEARS)

spellings: AUTHORITIES ?= 25
spellings: YEARS ?= 1
spellings: setup manifest  ## calibrated extracts spelled as real systems export them: DfE's rates? (AUTHORITIES=25 YEARS=1)
	$(BIN)/python benchmarks/real_exports.py --authorities $(AUTHORITIES) --years $(YEARS)

clean:  ## remove the venv, dbt target and local workforce data
	rm -rf $(VENV) dbt_project/target dbt_project/logs workforce-data
