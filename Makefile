# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    the dashboard on the demo database (http://127.0.0.1:8501)
#   make test   the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/demo.duckdb
DEMO_CUSTOMERS ?= 20000
PORT ?= 8501

.PHONY: run test demo bench screenshots system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

$(DB): | $(VENV)/.installed
	mkdir -p $(dir $(DB))
	$(BIN)/python -m segmentation sample --db $(DB) --customers $(DEMO_CUSTOMERS) --seed 42

demo: $(DB)

run: $(VENV)/.installed $(DB)
	SEGMENTATION_DB=$(DB) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

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
