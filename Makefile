# Anju's everyday commands. `make demo` and `make test` are the two that matter;
# `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/pytest
# Python 3.12.1 from pyenv when it is there, else whatever python3.12 is on PATH.
PYTHON := $(or $(wildcard $(HOME)/.pyenv/versions/3.12.1/bin/python),$(shell command -v python3.12 2>/dev/null))
NEED_PYTHON := [ -n "$(PYTHON)" ] || { echo "Python 3.12 not found: install it with \
	'pyenv install 3.12.1' or put python3.12 on PATH." >&2; exit 1; }
# The stamp's name carries the lock file's hash, so a changed lock re-installs.
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock | sha256sum | cut -c1-16)
PYTHON_FILES := . scripts/test-postgres-url scripts/verify-lottery
# Two pytest-xdist workers for the two cores; `make test-sqlite XDIST=` runs in one process.
XDIST := -n 2

.PHONY: help install system-packages lock demo test lint test-sqlite test-postgres \
	test-browser format clean-demo

help:
	@echo "make demo           install, build a synthetic L District once, serve it on 127.0.0.1:8000"
	@echo "make test           lint, then the tests on SQLite, on PostgreSQL, and in Chromium"
	@echo "make install        .venv from requirements-dev.lock, plus Debian's chromium, fonts-noto-cjk, gettext"
	@echo "make lint           ruff, mypy on the services, complete and compiled catalogues"
	@echo "make format         ruff format and ruff check --fix"
	@echo "make test-sqlite    the tests not marked browser, on SQLite"
	@echo "make test-postgres  the same tests on PostgreSQL (see scripts/test-postgres-url)"
	@echo "make test-browser   the tests marked browser, in Debian's Chromium, on SQLite"
	@echo "make lock           regenerate requirements.lock (runtime) and requirements-dev.lock (with the test tools)"
	@echo "make clean-demo     delete the demo's database, files and secret key (.data/)"

install: $(STAMP) system-packages

system-packages:
	@scripts/install-system-packages

$(STAMP):
	@$(NEED_PYTHON)
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
		echo "$(VENV) is not Python 3.12; recreating it."; rm -rf $(VENV); \
	fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# The lock files pin every package with hashes: requirements.lock what production runs,
# requirements-dev.lock that plus the test tools. uv runs from a throwaway venv.
lock:
	@$(NEED_PYTHON)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp"; "$$tmp/bin/pip" install --quiet uv; \
	"$$tmp/bin/uv" pip compile pyproject.toml --generate-hashes \
		--python-version 3.12 -o requirements.lock >/dev/null; \
	"$$tmp/bin/uv" pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.12 -o requirements-dev.lock >/dev/null; \
	echo "Wrote requirements.lock and requirements-dev.lock; run make install to apply them."

# The demo runs like production (DEBUG off, manifest static files) except that it
# speaks plain HTTP on loopback. Its secret key is made once and kept in .data/.
demo: install
	@mkdir -p .data
	@[ -s .data/secret_key ] || (umask 077; $(BIN)/python -c \
		'import secrets; print(secrets.token_urlsafe(50))' > .data/secret_key)
	@export ANJU_SECRET_KEY="$$(cat .data/secret_key)" ANJU_INSECURE_HTTP=1 ANJU_DEBUG=0; \
	$(BIN)/anju migrate --noinput; \
	manifest=.data/static/staticfiles.json; \
	if [ -f $$manifest ] && [ -z "$$(find anju $(STAMP) -newer $$manifest \
			\( -path '*/static/*' -o -name '.installed-*' \) -print -quit)" ]; then \
		echo "Static files are up to date."; \
	else \
		echo "Collecting static files (hashed and compressed, as in production)..."; \
		$(BIN)/anju collectstatic --noinput --verbosity 0; \
	fi; \
	$(BIN)/anju generate-district --if-empty --events-days 120; \
	exec $(BIN)/anju serve --addr 127.0.0.1:8000

clean-demo:
	rm -rf .data

# Each step stops the run if it fails; pytest's "no tests collected" (exit 5) fails too.
test: install
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-browser

lint: install
	$(BIN)/ruff check $(PYTHON_FILES)
	$(BIN)/ruff format --check $(PYTHON_FILES)
	ANJU_DEBUG=1 $(BIN)/mypy
	scripts/check-messages

format: install
	$(BIN)/ruff format $(PYTHON_FILES)
	$(BIN)/ruff check --fix $(PYTHON_FILES)

test-sqlite: install
	env -u ANJU_DATABASE_URL -u ANJU_REDIS_URL $(PYTEST) -m "not browser" $(XDIST)

# A throwaway cluster, if the script has to start one, lives in $$dir and is stopped on
# exit. ANJU_TEST_DB_SUFFIX keeps concurrent runs on one server apart (see conftest.py).
test-postgres: install
	@dir=$$(mktemp -d); trap 'scripts/test-postgres-url --stop "$$dir"' EXIT; \
	url=$$(scripts/test-postgres-url --cluster-dir "$$dir"); \
	echo "Testing on $$url"; \
	env -u ANJU_REDIS_URL ANJU_DATABASE_URL="$$url" ANJU_TEST_DB_SUFFIX=$$$$ \
		$(PYTEST) -m "not browser" $(XDIST)

test-browser: install
	env -u ANJU_DATABASE_URL -u ANJU_REDIS_URL $(PYTEST) -m browser
