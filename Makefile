# Coati Payroll developer tasks. A fresh clone needs only `make test` or `make run`:
# both install the project into .venv first (once; again only when pyproject.toml changes).

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
EMPLOYEES ?= 1000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install test lint run bench clean distclean

help:
	@echo "make install    create $(VENV) and install the project with its dev tools"
	@echo "make test       import contracts, ruff, mypy and the whole test suite (pytest)"
	@echo "make lint       ruff check and mypy"
	@echo "make run        SQLite in ./instance, admin, demo company; serve on PORT (5000)"
	@echo "make bench      engine benchmark (EMPLOYEES=$(EMPLOYEES)); prints one JSON line"
	@echo "make clean      remove caches and build output; distclean also removes $(VENV)"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $@

# Both steps always run, so that one report shows broken contracts and failing tests together;
# the target fails if either does (pytest's exit code 5, "no tests collected", included).
test: install
	@status=0; \
	echo "$(BIN)/lint-imports"; $(BIN)/lint-imports || status=$$?; \
	echo "$(BIN)/ruff check ."; $(BIN)/ruff check . || status=$$?; \
	echo "$(BIN)/mypy"; $(BIN)/mypy || status=$$?; \
	echo "$(BIN)/python -m pytest $(PYTEST_ARGS)"; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# The Quick start: the embedded SQLite default (./instance/coati_payroll.db), the development
# admin, a demo company of 50 employees (idempotent: a second run adds nothing), then the server.
run: install
	@mkdir -p "$${COATI_INSTANCE_PATH:-instance}"  # SQLite creates the file, not its folder
	$(BIN)/payrollctl db upgrade
	$(BIN)/payrollctl users ensure-admin
	$(BIN)/payrollctl demo --employees 50
	@echo ""
	@echo "Coati Payroll: http://$${HOST:-127.0.0.1}:$(or $(PORT),5000)/"
	@if [ -n "$${ADMIN_PASSWORD:-}" ]; then password='(your ADMIN_PASSWORD)'; \
	else password=coati-admin; fi; \
	echo "Sign in as $${ADMIN_USER:-coati-admin} / $$password (development credentials)."
	@echo "Ctrl-C stops the server."
	@echo ""
	$(BIN)/payrollctl serve --port $(or $(PORT),5000)

bench: install
	$(BIN)/python bench/engine.py --employees $(EMPLOYEES)

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
