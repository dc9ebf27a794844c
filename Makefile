# The project's commands. `make run` serves the site; `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test unit e2e e2e-smoke e2e-headed test-scale test-package test-pg matrix bench messages wheels lint format install migrate clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

## Serve the site on http://$(HOST):$(PORT) (SQLite, DEBUG, Telegram sandbox). With DEBUG the site
## sends the bot's messages itself, where the sandbox lives: no worker to start. Migrations run
## quietly; a few lines before the server's own say where to go, and that the sandbox plays
## Telegram and mails are printed in the terminal (accounts/management/commands/banner.py).
run: install
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py banner http://$(HOST):$(PORT)
	@$(PY) manage.py runserver $(HOST):$(PORT)

## The production stack: DEBUG off, gunicorn, whitenoise, and the worker that sends the bot's
## queued messages (stopped with gunicorn); needs SECRET_KEY, DATABASE_URL, ...
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py telegram_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c site_config/gunicorn.py

## Every test: unit and integration, then the browser suite.
test: unit e2e

## The unit and integration tests in two runs: the app's own on its minimal site
## (telegram_login/tests/settings.py, no example site), then the example site's.
UNIT_ARGS := -q -m "not scale and not package"
APP_TESTS := --ds telegram_login.tests.settings telegram_login
unit: install
	$(PY) -m pytest $(UNIT_ARGS) $(APP_TESTS)
	$(PY) -m pytest $(UNIT_ARGS)

## The browser suite (Chromium). A failure leaves a trace, a video and screenshots under
## test-results/playwright/ and the report test-results/e2e-report.html; the run prints where.
## E2E_ARGS passes more, e.g. E2E_ARGS="--base-url http://127.0.0.1:8000 -m linking" (docs/qa.md).
E2E_ARGS ?=
e2e: install
	$(PY) -m pytest -q e2e $(E2E_ARGS)

## The quick subset (under a minute): a sign-in, a denial, a reload, a link, a stolen poll URL.
e2e-smoke: install
	$(PY) -m pytest -q e2e -m smoke $(E2E_ARGS)

## Watch the suite in a visible browser, slowed down (needs a display).
e2e-headed: install
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then echo "No display here: run it on a desktop (or under xvfb-run)."; exit 1; fi
	$(PY) -m pytest e2e --headed --slowmo 300 $(E2E_ARGS)

## Two gunicorn servers and their queue workers on PostgreSQL + Redis; the webhook and the browser
## on different ones.
test-scale: install
	$(PY) -m pytest -q -m scale site_config/tests/test_scale_out.py

## The wheel holds only the app, and no sandbox; a fresh startproject site with README's lines
## signs in with it, one with both wheels runs the sandbox, and one built like cookiecutter-django's
## (email-only users, mandatory verification, allauth's own Telegram) signs people up and in.
test-package: install
	$(PY) -m pytest -q -m package site_config/tests/test_package.py site_config/tests/test_package_real_site.py site_config/tests/test_package_test_kit.py

## The app's own suite on every supported Python, Django and django-allauth (noxfile.py);
## CPython 3.13 is built once from Debian's source into /opt/python3.13 (.ci/python3.13).
## NOX_ARGS picks sessions, e.g. NOX_ARGS="-s floors".
NOX_ARGS ?=
matrix: install
	PATH="$$(dirname "$$(.ci/python3.13)"):$$PATH" $(VENV)/bin/nox $(NOX_ARGS)

## The unit and integration tests (races included) on PostgreSQL + Redis, both runs.
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1
PG_ENV = DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL)
test-pg: install
	$(PG_ENV) $(PY) -m pytest $(UNIT_ARGS) $(APP_TESTS)
	$(PG_ENV) $(PY) -m pytest $(UNIT_ARGS)

## Refresh and compile the Russian catalogues: the app's (telegram_login/locale, it ships with
## the package), the sandbox's (telegram_login/sandbox/locale, in its own wheel) and the example
## site's (locale/). Needs GNU gettext: apt-get install gettext.
DJANGO_ADMIN_IN_APP = DJANGO_SETTINGS_MODULE=site_config.settings PYTHONPATH=$(CURDIR) $(CURDIR)/$(VENV)/bin/django-admin
messages: install
	cd telegram_login && $(DJANGO_ADMIN_IN_APP) makemessages -l ru --no-location --ignore=tests --ignore=sandbox
	cd telegram_login/sandbox && $(DJANGO_ADMIN_IN_APP) makemessages -l ru --no-location --no-obsolete --ignore=build
	$(PY) manage.py makemessages -l ru --no-location --no-obsolete --ignore=.venv --ignore=e2e --ignore=bench --ignore=staticfiles --ignore=telegram_login
	cd telegram_login && $(DJANGO_ADMIN_IN_APP) compilemessages -l ru --ignore=sandbox
	cd telegram_login/sandbox && $(DJANGO_ADMIN_IN_APP) compilemessages -l ru --ignore=build
	$(PY) manage.py compilemessages -l ru --ignore=.venv --ignore=telegram_login

## The two wheels in build/wheels/: telegram-login (the app, no sandbox) and
## telegram-login-sandbox (telegram_login/sandbox/pyproject.toml), built afresh.
wheels: install
	rm -rf build telegram_login/sandbox/build
	$(PY) -m pip wheel --no-deps -q -w build/wheels . ./telegram_login/sandbox

## Throughput, latency and memory of the hot paths: gunicorn on SQLite, then on PostgreSQL +
## Redis, load from loopback; prints the table of docs/performance.md (under 10 minutes).
bench: install
	$(PY) -m bench.run

## ruff (lint and format) over everything; mypy with django-stubs over the app and the site;
## the app's import rules (no cycles, the sandbox and the waiting poll kept apart; pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
