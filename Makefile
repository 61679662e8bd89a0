# Two commands a newcomer needs: `make demo` and `make test`. Both bootstrap .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: the main job on the embedded default (SQLite in ./data): init, demo company, then the loop
demo: $(STAMP)
	$(BIN)/python -m routing.demo_loop

## test: the whole suite on SQLite and on PostgreSQL (ROUTING_TEST_PG_URL), plus lint and types
test: $(STAMP)
	$(BIN)/ruff check routing flows tests bench
	$(BIN)/ruff format --check routing flows tests bench
	$(BIN)/mypy routing
	ROUTING_DATA_DIR=$$(mktemp -d) sh -c '$(BIN)/alembic -c routing/db/alembic.ini upgrade head && $(BIN)/alembic -c routing/db/alembic.ini check'
	$(BIN)/pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
