"""The documentation names only tests that exist (docs/security.md lists one per attack)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_REF = re.compile(r"`((?:[\w-]+/)+test_\w+\.py)::(test_\w+)`")


def _references() -> list[tuple[str, str]]:
    return TEST_REF.findall((REPO / "docs" / "security.md").read_text())


def test_security_md_names_tests():
    assert len(_references()) > 100


@pytest.mark.parametrize(("path", "name"), sorted(set(_references())))
def test_every_test_named_in_security_md_exists(path, name):
    source = REPO / path
    assert source.exists(), path
    assert re.search(rf"^def {name}\(", source.read_text(), re.M), f"{path}::{name}"


def _browser_tests() -> list[str]:
    names = []
    for path in sorted((REPO / "e2e").glob("test_*.py")):
        names += re.findall(r"^def (test_\w+)\(", path.read_text(), re.M)
    return names


def test_qa_md_lists_every_browser_test_and_only_those():
    listed = set(re.findall(r"`(test_\w+)`", (REPO / "docs" / "qa.md").read_text()))
    tests = set(_browser_tests())
    assert len(tests) > 20
    assert tests - listed == set(), "add these to docs/qa.md"
    assert {name for name in listed if name.startswith("test_")} - tests == set()


def _settings_the_app_reads() -> set[str]:
    names: set[str] = set()
    for conf in ("telegram_login/conf.py", "telegram_login/oidc/conf.py"):
        source = (REPO / conf).read_text()
        names |= set(re.findall(r'getattr\(settings, "([A-Z0-9_]+)"', source))
    return names - {"CACHES"}  # Django's own, read to find the site's Redis


def test_readme_names_every_setting_the_app_reads():
    readme = (REPO / "README.md").read_text()
    missing = sorted(
        name for name in _settings_the_app_reads() if not re.search(rf"`{name}\b", readme)
    )
    assert missing == []


def test_readme_names_no_app_setting_that_nothing_reads():
    readme = (REPO / "README.md").read_text()
    named = set(re.findall(r"`(TELEGRAM_LOGIN_[A-Z0-9_]+)", readme))
    # The example site's own environment variables, read by site_config/settings.py.
    site = set(
        re.findall(r'"(TELEGRAM_LOGIN_[A-Z0-9_]+)"', (REPO / "site_config/settings.py").read_text())
    )
    assert sorted(named - _settings_the_app_reads() - site) == []
