# Supportdesk: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint install install-test migrate demo bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(PY) manage.py migrate --no-input -v0

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(BIN)/supportdesk run --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy supportdesk

test: install-test
	@scripts/system-deps
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install-test
	@echo "== tests on SQLite =="
	$(BIN)/pytest -q

test-postgres: install-test
	@echo "== tests on PostgreSQL ($(PG_URL)) =="
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL at $(PG_URL) is not reachable; CI needs it." >&2; exit 1; \
	else echo "PostgreSQL at $(PG_URL) not reachable: skipping the PostgreSQL run."; fi

bench: install-test
	$(PY) bench/roster.py

clean:
	rm -rf $(VENV) var
