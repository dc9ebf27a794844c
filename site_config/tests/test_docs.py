"""The documentation names only tests that exist (docs/security.md lists one per attack), and
README's settings are the settings object's (telegram_login/conf.py), both ways."""

from __future__ import annotations

import re
from operator import attrgetter
from pathlib import Path

import pytest

from telegram_login.conf import RENAMED, get_settings, setting_names

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
    """The Django settings of the app's settings object (telegram_login/conf.py), one a field."""
    return set(setting_names())


def _documented_settings() -> list[str]:
    """The first column of README's table of the app's settings."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("### The app's settings", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([A-Z0-9_]+)` \|", section, re.M)


def test_every_field_of_the_settings_object_is_a_telegram_login_setting():
    names = setting_names()
    assert len(names) > 20
    assert all(name.startswith("TELEGRAM_LOGIN_") for name in names)
    # Each a field of the object, Telegram's login page's in its nested part.
    settings_object = get_settings()
    for field in names.values():
        attrgetter(field)(settings_object)


def test_readme_documents_every_field_of_the_settings_object_and_only_those():
    documented = _documented_settings()
    assert len(documented) == len(set(documented)), "a setting documented twice"
    assert sorted(set(documented)) == sorted(_settings_the_app_reads())


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


def test_readme_lists_every_renamed_setting():
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Renamed settings", 1)[1].split("\n#", 1)[0]
    listed = dict(re.findall(r"^- `([A-Z0-9_]+)` → `([A-Z0-9_]+)`$", section, re.M))
    assert listed == RENAMED


def test_readme_gives_the_two_commands_right_after_its_first_paragraph():
    readme = (REPO / "README.md").read_text()
    first_section = readme.split("\n## ", 2)[1]
    assert first_section.startswith("The two commands\n")
    assert "make run " in first_section
    assert "make test " in first_section
    assert "`HOST`" in first_section
    assert "`PORT`" in first_section
    assert "printed in that terminal" in first_section
