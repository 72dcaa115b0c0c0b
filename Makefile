# Two commands on a fresh clone: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

serve: $(STAMP)  ## install and start the server on the embedded SQLite default
	$(BIN)/pickbay serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint  ## install and run every check and test (needs PostgreSQL on 127.0.0.1:5432)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/orders.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
