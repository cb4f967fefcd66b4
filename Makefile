# Supportdesk: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/supportdesk_bench_io

.PHONY: run test test-sqlite test-postgres lint install install-test migrate demo bench bench-all messages clean

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

# Every benchmark, on SQLite and PostgreSQL where it applies (≈ 15 min; Dovecot needs root).
bench-all: install-test
	@$(PY) -c "import psycopg; psycopg.connect('$(PG_ADMIN_URL)', autocommit=True).execute('CREATE DATABASE supportdesk_bench_io')" 2>/dev/null || true
	$(PY) bench/roster.py
	$(PY) bench/oncall_latency.py
	$(PY) bench/tickets.py --admin-url $(PG_ADMIN_URL)
	$(PY) bench/mail_ingest.py
	$(PY) bench/mail_ingest.py --database-url $(PG_BENCH_URL)
	$(PY) bench/escalation.py
	$(PY) bench/escalation.py --database-url $(PG_BENCH_URL)
	$(PY) bench/escalation.py --via-imap
	$(PY) bench/escalation.py --via-imap --database-url $(PG_BENCH_URL)

clean:
	rm -rf $(VENV) var

# Refresh the German catalog from the sources and compile it (translate new entries in
# supportdesk/locale/de/LC_MESSAGES/django.po, then run it again).
messages: install
	cd supportdesk && ../$(PY) ../manage.py makemessages -l de --ignore=.venv --ignore=var --ignore=bench --no-obsolete
	msgfmt --check -o supportdesk/locale/de/LC_MESSAGES/django.mo supportdesk/locale/de/LC_MESSAGES/django.po
	@echo "untranslated: $$(msgattrib --untranslated supportdesk/locale/de/LC_MESSAGES/django.po | grep -c '^msgid' || true)"
