# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export UV_COMPILE_BYTECODE := 1
export LIF_REAL_DATA ?= $(abspath ../shared/data)
export DAGSTER_TELEMETRY_ENABLED := false

.PHONY: demo test lint typecheck pytest bench dev prod-local prod-local-stop install install-dev clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml plugins/lif-plugin-example/pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]' -e plugins/lif-plugin-example
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## The main job: every source's sample ingested, policies, projections through Dagster, a summary.
demo: install
	$(BIN)/lif demo

## The whole suite: lint, format check, import contracts, types, tests (PostgreSQL, the Kafka test broker, Dagster).
test: install-dev lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy lif_core lif_app projections ingestors dagster_project bench scripts

pytest:
	$(BIN)/pytest -q

bench: install-dev
	$(BIN)/python -m bench

dev: install
	bash scripts/dagster-dev.sh

## The production shape (docker-compose.yml) as local processes, without Docker: docs/deployment.md.
prod-local: install-dev
	bash scripts/prod-local.sh start

prod-local-stop:
	bash scripts/prod-local.sh stop

clean:
	rm -rf $(VENV) .lif
