# Two commands on a fresh clone: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev

.PHONY: serve test lint bench clean

# Serving needs the runtime dependencies only; the checks and tests add the development ones.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(DEV)

serve: $(STAMP)  ## install and start the server on the embedded SQLite default
	$(BIN)/pickbay serve

lint: $(DEV)
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs
	$(BIN)/mypy

JS := tests/js/node_modules/.installed

$(JS): tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	touch $(JS)

test: lint $(JS)  ## install and run every check and test (needs PostgreSQL and Redis)
	$(BIN)/pytest -n auto --maxprocesses=4

bench: $(DEV)
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/realtime.py
	$(BIN)/python bench/itempath.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/feed.py
	$(BIN)/python bench/cluster.py
	$(BIN)/python bench/scenario.py
	$(BIN)/python bench/fastforward.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
