# Two commands for a fresh machine (Python 3.11+, Java 17+, Maven; no Docker needed):
#   make run    - local Kafka broker + worker + demo feed, live summary (Ctrl-C stops everything)
#   make test   - ruff + the whole test suite, against a real Kafka broker it starts itself
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "civicmod needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/civicmod run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(VENV)/bin/python bench/pipeline_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
