# The project's commands. `make run` serves the site; `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test unit e2e lint format install migrate clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

## Serve the site on http://127.0.0.1:8000 (SQLite, DEBUG, Telegram sandbox).
run: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

## Every test: unit and integration, then the browser suite.
test: unit e2e

unit: install
	$(PY) -m pytest -q

e2e: install
	$(PY) -m pytest -q e2e

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
