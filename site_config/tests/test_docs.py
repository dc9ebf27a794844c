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
