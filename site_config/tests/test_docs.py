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
