"""Checks Bot API calls against the published method and type tables (bot_api.json).

bot_api.json is the Bot API 10.1 table from PaulSonOfLars/telegram-bot-api-spec (MIT, see
bot_api.LICENSE); the tests check its SHA-256 against the one recorded for
../shared/telegram-bot-api/api.min.json, and that file too where it is at hand.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("bot_api.json")
MAX_DEPTH = 12


@cache
def bot_api_spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _value_problems(value: Any, types: list[str], where: str, depth: int) -> list[str]:
    """Problems with `value` if it must be one of `types`; [] when one of them fits."""
    problems: list[str] = []
    for type_name in types:
        found = _type_problems(value, type_name, where, depth)
        if not found:
            return []
        problems.extend(found)
    return problems[:1] if len(types) == 1 else [f"{where}: not any of {', '.join(types)}"]


def _type_problems(value: Any, type_name: str, where: str, depth: int) -> list[str]:
    if depth > MAX_DEPTH:
        return [f"{where}: nested too deep"]
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{where}: expected {type_name}"]
        inner = type_name.removeprefix("Array of ")
        out: list[str] = []
        for index, item in enumerate(value):
            out.extend(_type_problems(item, inner, f"{where}[{index}]", depth + 1))
        return out
    scalar_checks = {
        "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "String": lambda v: isinstance(v, str),
        "Boolean": lambda v: isinstance(v, bool),
        "True": lambda v: v is True,
        "InputFile": lambda v: isinstance(v, str),
    }
    if type_name in scalar_checks:
        return [] if scalar_checks[type_name](value) else [f"{where}: expected {type_name}"]
    type_spec = bot_api_spec()["types"].get(type_name)
    if type_spec is None:
        return [f"{where}: unknown type {type_name}"]
    if "subtypes" in type_spec:
        return _value_problems(value, type_spec["subtypes"], where, depth + 1)
    if not isinstance(value, dict):
        return [f"{where}: expected {type_name} object"]
    return _fields_problems(value, type_spec.get("fields", []), where, depth + 1)


def _fields_problems(
    values: dict[str, Any], fields: list[dict[str, Any]], where: str, depth: int
) -> list[str]:
    known = {f["name"]: f for f in fields}
    problems = [f"{where}.{name}: unknown field" for name in values if name not in known]
    for name, field_spec in known.items():
        if name not in values:
            if field_spec.get("required"):
                problems.append(f"{where}.{name}: required field missing")
            continue
        problems.extend(
            _value_problems(values[name], field_spec["types"], f"{where}.{name}", depth)
        )
    return problems


def call_problems(method: str, params: dict[str, Any]) -> list[str]:
    """What Telegram would reject in this call: unknown method or field, missing or mistyped field."""
    method_spec = bot_api_spec()["methods"].get(method)
    if method_spec is None:
        return [f"{method}: unknown method"]
    return _fields_problems(params, method_spec.get("fields", []), method, 0)


def object_problems(type_name: str, value: Any) -> list[str]:
    """What is wrong with `value` as a Bot API object of `type_name` (e.g. an Update)."""
    return _type_problems(value, type_name, type_name, 0)
