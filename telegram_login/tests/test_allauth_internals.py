"""allauth's internals that the app uses (telegram_login/allauth_internals.py) are still where it
imports them from, and no other module of the app reaches into allauth's private parts."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import allauth
import pytest

import telegram_login

APP = Path(telegram_login.__file__).parent
INTERNALS = APP / "allauth_internals.py"


def allauth_imports(path: Path) -> list[tuple[str, str]]:
    """Every (module, name) that `path` imports from allauth, nested imports included; a plain
    `import allauth.x` gives (allauth.x, "")."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "allauth":
            found += [(str(node.module), alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name.startswith("allauth.")]
    return found


def is_private(module: str, name: str) -> bool:
    """allauth keeps what it may change without notice in `internal` packages and _names."""
    parts = [*module.split("."), name]
    return "internal" in parts or any(part.startswith("_") for part in parts if part)


INTERNAL_NAMES = [pair for pair in allauth_imports(INTERNALS) if is_private(*pair)]


def test_the_internals_module_names_what_the_app_uses():
    assert ("allauth.account.internal.flows.login", "record_authentication") in INTERNAL_NAMES
    assert ("allauth.mfa.base.internal.flows", "delete_dangling_recovery_codes") in INTERNAL_NAMES


@pytest.mark.parametrize(
    ("module", "name"), INTERNAL_NAMES, ids=[f"{module}.{name}" for module, name in INTERNAL_NAMES]
)
def test_each_allauth_internal_is_still_where_the_app_imports_it_from(module, name):
    where = f"telegram_login/allauth_internals.py imports {name} from {module}"
    try:
        imported = importlib.import_module(module)
    except ImportError as error:
        pytest.fail(
            f"django-allauth {allauth.__version__} has no module {module} ({error}); {where}: "
            "find where allauth moved it (or its public replacement) and import it from there.",
            pytrace=False,
        )
    if name and not hasattr(imported, name):
        pytest.fail(
            f"django-allauth {allauth.__version__} has no {module}.{name}; {where}: find where "
            "allauth moved it (or its public replacement) and import it from there.",
            pytrace=False,
        )


def test_no_other_module_of_the_app_imports_allauth_internals():
    elsewhere = [
        f"{path.relative_to(APP.parent)}: {module} {name}".rstrip()
        for path in sorted(APP.rglob("*.py"))
        if path != INTERNALS
        for module, name in allauth_imports(path)
        if is_private(module, name)
    ]
    assert not elsewhere, (
        "Import allauth's internals through telegram_login/allauth_internals.py (or use allauth's "
        f"public API): {elsewhere}"
    )
