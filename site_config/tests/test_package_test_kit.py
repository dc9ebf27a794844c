"""The test kit as a site's QA gets it: a startproject site with README's lines and the
sandbox's, `telegram-login-sandbox[testing]` installed (its pytest plugin registered by the
entry point, nothing in the site's conftest), runs docs/testing.md's test-client example file,
copied verbatim out of the docs, green on Django 5.2 and on Django 6.1 with Python 3.13."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from site_config.tests.package_support import (
    REPO,
    django_version,
    python313,
    readme_blocks,
    running_site,
    virtualenv,
)
from site_config.tests.test_package import _readme_sandbox_blocks

pytestmark = pytest.mark.package

EXAMPLE = "tests/test_telegram_sign_in.py"


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
    settings_block, urls_block = readme_blocks()
    settings_block = (
        settings_block.replace('"123456:ABC..."', '""')
        .replace('"your_login_bot"', '""')
        .replace('"32+ random characters of A-Z a-z 0-9 _ -"', '""')
    )
    sandbox_settings, sandbox_urls = _readme_sandbox_blocks()
    example = documented_file(EXAMPLE)
    with running_site(
        tmp_path,
        python,
        settings=settings_block + "\n" + sandbox_settings,
        urls=urls_block + "\n" + sandbox_urls,
        files={
            EXAMPLE: example,
            "tests/__init__.py": "",
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = bare.settings\n",
        },
    ) as site:
        assert (site.path / EXAMPLE).read_text() == example
        run = subprocess.run(
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            cwd=site.path,
            env=site.env,
            capture_output=True,
            text=True,
            check=False,
        )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"\b7 passed\b", summary), summary
