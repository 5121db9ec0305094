# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    the dashboard on the demo database (http://127.0.0.1:8501), or on the database
#               named by SEGMENTATION_DB when that is set (SEGMENTATION_DB=shop.duckdb make run)
#   make test   the whole test suite
# Both install the project into .venv, so .venv/bin/segmentation is the command line.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/demo.duckdb
DEMO_CUSTOMERS ?= 20000
PORT ?= 8501

.PHONY: run test demo bench screenshots system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DB): | $(VENV)/.installed
	mkdir -p $(dir $(DB))
	$(BIN)/python -m segmentation sample --db $(DB) --customers $(DEMO_CUSTOMERS) --seed 42

demo: $(DB)

# The database `make run` shows: $SEGMENTATION_DB when set (nothing is built), else the demo.
ifneq ($(strip $(SEGMENTATION_DB)),)
RUN_DB := $(SEGMENTATION_DB)
RUN_NEEDS :=
else
RUN_DB := $(DB)
RUN_NEEDS := $(DB)
endif

run: $(VENV)/.installed $(RUN_NEEDS)
	SEGMENTATION_DB="$(RUN_DB)" $(BIN)/python -m dashboard.serve --server.address 127.0.0.1 --server.port $(PORT)

system-deps:
	bash scripts/system-deps.sh

test: $(VENV)/.installed system-deps
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python -m bench

screenshots: $(VENV)/.installed system-deps $(DB)
	$(BIN)/python scripts/screenshots.py --db $(DB)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
