# Two commands for a fresh machine (Python 3.11+, Java 17+, Maven; no Docker needed):
#   make run    - local Kafka broker + worker + demo feed, live summary (Ctrl-C stops everything)
#   make test   - ruff, the import layers + the whole test suite, against a real Kafka broker it starts itself
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements.lock
# pytest-xdist processes for `make test`: the integration tests mostly wait on brokers and
# worker processes, so three keep two cores busy (tests/conftest.py groups them).
TEST_WORKERS ?= 3

.PHONY: run test lint bench clean lock lock-upgrade native

# The rule engine's hot modules compiled with mypyc (rules/native.py): rebuilt only when their
# sources changed; without a C compiler the plain modules run (CIVICMOD_REQUIRE_NATIVE=1: an error).
# (CIVICMOD_PURE_PYTHON=1: the tool's own import of `rules` leaves the build alone, and quiet)
native: $(STAMP)
	CIVICMOD_PURE_PYTHON=1 $(VENV)/bin/python -m rules.native_build build-if-stale --quiet

# Every dependency, direct or not, at the version and hashes the lock file names; then the
# project itself (editable, built with the locked setuptools).
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "civicmod needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --require-hashes -r $(LOCK)
	$(VENV)/bin/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Re-resolve the lock file after editing pyproject.toml (keeps every other pin as it is).
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version 3.11 -o $(LOCK) $(UV_FLAGS)

# Upgrade every dependency to its newest release allowed by pyproject.toml; then run `make test`.
lock-upgrade:
	$(MAKE) lock UV_FLAGS=--upgrade

run: native
	$(VENV)/bin/civicmod run

# The suite runs the compiled rule engine where it built; then the rule tests once more on the
# plain modules (the same source, which runs wherever no compiler is).
test: native
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup
	CIVICMOD_PURE_PYTHON=1 $(VENV)/bin/python -m pytest -q -n 2 tests/unit/rules

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(VENV)/bin/python bench/pipeline_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info rules/_native
