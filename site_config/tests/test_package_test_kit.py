"""The test kit as a site's QA gets it: a startproject site with README's lines and the
sandbox's, `telegram-login-sandbox[testing]` installed (its pytest plugin registered by the
entry point, nothing in the site's conftest), runs docs/testing.md's example files, copied
verbatim out of the docs, green on Django 5.2 and on Django 6.1 with Python 3.13: the
test-client file, and the Playwright files in Chromium against the live server and against the
site running with the sandbox on (`--base-url`, as a staging site)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from site_config.tests.package_support import (
    REPO,
    django_version,
    python313,
    run_site_pytest,
    running_site,
    virtualenv,
)
from site_config.tests.test_package import readme_sandbox_site_lines

pytestmark = pytest.mark.package

EXAMPLE = "tests/test_telegram_sign_in.py"
BROWSER_CONFTEST = "tests/browser/conftest.py"
BROWSER_EXAMPLE = "tests/browser/test_telegram_in_the_browser.py"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# What this machine needs and a site's own conftest would say: Debian's Chromium (Playwright
# cannot download its own here), without its sandbox (the tests may run as root).
MACHINE_CONFTEST = f"""
import pytest


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {{
        **browser_type_launch_args,
        "executable_path": "{SYSTEM_CHROMIUM}",
        "args": ["--no-sandbox", "--disable-gpu"],
    }}
"""


def documented_file(name: str) -> str:
    """A file docs/testing.md gives whole, under its `# <name>` first line."""
    docs = (REPO / "docs" / "testing.md").read_text()
    blocks = dict(re.findall(r"```python\n# (\S+)\n(.*?)```", docs, re.S))
    assert name in blocks, sorted(blocks)
    return f"# {name}\n{blocks[name]}"


@pytest.mark.parametrize("python_version", ["3.11", "3.13"], ids=["django-5.2", "django-6.1"])
def test_a_site_runs_the_documented_test_client_example_green(
    wheels: Path, wheel: Path, tmp_path: Path, python_version: str
) -> None:
    interpreter = sys.executable if python_version == "3.11" else python313()
    python = virtualenv(
        tmp_path,
        "--find-links",
        str(wheels),
        f"{wheel}[sandbox]",
        "telegram-login-sandbox[testing]",
        interpreter=interpreter,
    )
    assert django_version(python).startswith("5.2" if python_version == "3.11" else "6.1")
    settings, urls = readme_sandbox_site_lines()
    example = documented_file(EXAMPLE)
    with running_site(
        tmp_path,
        python,
        settings=settings,
        urls=urls,
        files={
            EXAMPLE: example,
            "tests/__init__.py": "",
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = bare.settings\n",
        },
    ) as site:
        assert (site.path / EXAMPLE).read_text() == example
        summary = run_site_pytest(site, "tests")
    assert re.search(r"\b7 passed\b", summary), summary


@pytest.mark.parametrize("python_version", ["3.11", "3.13"], ids=["django-5.2", "django-6.1"])
def test_a_site_runs_the_documented_browser_examples_green_on_its_live_server_and_staging(
    wheels: Path, wheel: Path, tmp_path: Path, python_version: str
) -> None:
    if not SYSTEM_CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    interpreter = sys.executable if python_version == "3.11" else python313()
    python = virtualenv(
        tmp_path,
        "--find-links",
        str(wheels),
        f"{wheel}[sandbox]",
        "telegram-login-sandbox[playwright]",
        interpreter=interpreter,
    )
    settings, urls = readme_sandbox_site_lines()
    # docs/testing.md: a file-backed test database, shared with the live server's threads.
    test_database = 'DATABASES["default"]["TEST"] = {"NAME": "test-db.sqlite3"}\n'
    conftest, example = documented_file(BROWSER_CONFTEST), documented_file(BROWSER_EXAMPLE)
    with running_site(
        tmp_path,
        python,
        settings=settings + "\n" + test_database,
        urls=urls,
        files={
            BROWSER_CONFTEST: conftest,
            BROWSER_EXAMPLE: example,
            "tests/__init__.py": "",
            "tests/browser/__init__.py": "",
            "tests/conftest.py": MACHINE_CONFTEST,
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = bare.settings\n",
        },
    ) as site:
        assert (site.path / BROWSER_EXAMPLE).read_text() == example
        on_live_server = run_site_pytest(site, "tests/browser")
        on_staging = run_site_pytest(site, "tests/browser", "--base-url", site.url)
    assert re.search(r"\b2 passed\b", on_live_server), on_live_server
    assert re.search(r"\b2 passed\b", on_staging), on_staging
