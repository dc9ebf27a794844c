"""The app's own suite on every supported Django, django-allauth and Python (`make matrix`).

Each session installs the package's dependencies with its Django and allauth, and runs
telegram_login/tests on the app's minimal settings from this source tree. `floors` installs the
lowest version of every dependency that pyproject.toml allows, so the floors it declares are true.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
NEWEST_ALLAUTH = "65.22.1"
APP_TESTS = [
    "telegram_login/tests",
    "--ds=telegram_login.tests.settings",
    "-m",
    "not scale and not package",
    "-q",
    "-p",
    "no:cacheprovider",
]
# What the app's suite needs besides the package: its test extra and the optional parts it tests.
EXTRAS = ".[test,redis,queue]"


def _floors() -> list[str]:
    """Every dependency pinned at the lowest version pyproject.toml allows ("a>=1.2" -> "a==1.2")."""
    deps = PROJECT["dependencies"] + [
        dep
        for extra in ("test", "redis", "queue")
        for dep in PROJECT["optional-dependencies"][extra]
    ]
    pins = []
    for dep in deps:
        found = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][0-9.]*)", dep)
        if found:
            pins.append(f"{found[1]}=={found[2]}")
    return pins


def _run_app_suite(session: nox.Session, *pins: str) -> None:
    session.install(EXTRAS, *pins)
    session.run("python", "-m", "pip", "freeze", silent=False)
    session.run("python", "-m", "pytest", *APP_TESTS, *session.posargs)


@nox.session(python="3.11")
def floors(session: nox.Session) -> None:
    """Django 5.2 with the oldest allauth and every other dependency at its floor."""
    _run_app_suite(session, *_floors())


@nox.session(python="3.11")
def django52(session: nox.Session) -> None:
    """Django 5.2 LTS with the newest allauth."""
    _run_app_suite(session, "Django>=5.2,<5.3", f"django-allauth[mfa]=={NEWEST_ALLAUTH}")


@nox.session(python="3.13")
@nox.parametrize("django", ["6.0", "6.1"])
def django6(session: nox.Session, django: str) -> None:
    """Django 6.0 and 6.1 (their own partials and tasks) with the newest allauth."""
    major, minor = django.split(".")
    _run_app_suite(
        session,
        f"Django>={django},<{major}.{int(minor) + 1}",
        f"django-allauth[mfa]=={NEWEST_ALLAUTH}",
    )
