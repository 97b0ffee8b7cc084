"""Turn jsonschema errors on a profile into ONE helpful ProfileError (file, line, field, what to do).

Order: a problem in a credential field first (a literal secret must go before anything else),
then by line in the file, type errors before others on the same field, and missing fields last
(they are often explained by a misspelt key, which has a line and a suggestion).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

import yaml

from conformance.errors import ProfileError
from conformance.profiles.loader import _json_type, join_path, path_of
from conformance.profiles.secrets import CREDENTIAL_FIELDS, credential_problem

_TYPE_NAMES = {"object": "mapping (object)", "array": "list (array)"}
_PATTERN_KEYS = {
    "agency.code": "profile.error.agency_code",
    "agency.institution_id": "profile.error.digits",
    "fixtures.institution_id": "profile.error.digits",
}


def first_problem(errors: Iterable[Any], lines: dict[str, int], shown: str) -> ProfileError | None:
    findings: list[tuple[tuple[int, int, int, int], ProfileError]] = []
    for error in errors:
        for rank, problem in _translate(error, lines, shown):
            order = 0 if error.validator == "type" else 1
            findings.append(((rank, problem.line or 0, order, problem.field.count(".")), problem))
    if not findings:
        return None
    return min(findings, key=lambda item: item[0])[1]


def _translate(error: Any, lines: dict[str, int], shown: str) -> list[tuple[int, ProfileError]]:
    path = path_of(error.absolute_path)
    line = _line(lines, path)
    kind = error.validator
    value = error.instance

    def problem(key: str, **params: Any) -> list[tuple[int, ProfileError]]:
        return [(1, ProfileError(key, file=shown, line=line, field=path, name=_last(path), **params))]

    if path in CREDENTIAL_FIELDS and kind in ("type", "pattern") and value is not None:
        return [(0, credential_problem(path, value, file=shown, line=line))]
    if kind == "additionalProperties":
        return _unknown_keys(error, lines, shown, path)
    if kind == "required":
        return _missing(error, lines, shown, path)
    if kind == "type":
        expected = _expected(error.validator_value)
        if value is None:
            return problem("profile.error.type_empty", expected=expected)
        if error.validator_value == "string" and _json_type(value) in ("integer", "number"):
            return problem("profile.error.type_quote", expected=expected, seen=_show(value))
        if error.validator_value == "array" and not isinstance(value, (dict, list)):
            return problem("profile.error.type_list", expected=expected, seen=_show(value))
        return problem("profile.error.type", expected=expected, seen=_show(value),
                       seen_type=_TYPE_NAMES.get(_json_type(value), _json_type(value)))
    if kind == "enum":
        return problem("profile.error.enum", seen=_show(value), allowed=_choices(error.validator_value))
    if kind == "const":
        return problem("profile.error.const", seen=_show(value), expected=_show(error.validator_value))
    if kind == "anyOf" and path == "target.base_url":
        if isinstance(value, str) and "@" in value.split("://", 1)[-1].split("/", 1)[0]:
            return [(0, ProfileError("profile.error.url_userinfo", file=shown, line=line, field=path))]
        if isinstance(value, str) and "${" in value:
            return problem("profile.error.base_url_variable", seen=_show(value))
        return problem("profile.error.base_url", seen=_show(value))
    if kind == "pattern":
        if path.startswith("waivers[") and path.endswith(".requirement"):
            return problem("profile.error.requirement_id", seen=_show(value))
        return problem(_PATTERN_KEYS.get(path, "profile.error.pattern"), seen=_show(value),
                       pattern=error.validator_value)
    if kind == "format":
        return problem("profile.error.date", seen=_show(value))
    if kind == "minimum":
        return problem("profile.error.minimum", seen=_show(value), limit=error.validator_value)
    if kind == "minLength":
        return problem("profile.error.min_length")
    if kind == "minItems":
        return problem("profile.error.min_items", limit=error.validator_value)
    if kind == "uniqueItems":
        return problem("profile.error.unique_items", seen=_show(value))
    return problem("profile.error.invalid", detail=error.message[:200])


def _unknown_keys(error: Any, lines: dict[str, int], shown: str, parent: str) -> list[tuple[int, ProfileError]]:
    allowed = list(error.schema.get("properties", {}))
    found = []
    for key in error.instance:
        if key in allowed:
            continue
        field = join_path(parent, str(key))  # a YAML key like `1:` or `yes:` is not a list index
        suggestion = _suggest(str(key), allowed)
        name = "profile.error.unknown_key" + ("_top" if not parent else "") + ("" if suggestion else "_nosuggest")
        found.append((1, ProfileError(name, file=shown, line=_line(lines, field), field=field, name=key,
                                      parent=parent, suggestion=suggestion or "",
                                      allowed=", ".join(f"`{a}`" for a in allowed))))
    return found


def _missing(error: Any, lines: dict[str, int], shown: str, parent: str) -> list[tuple[int, ProfileError]]:
    properties = error.schema.get("properties", {})
    found = []
    for key in error.validator_value:
        if key in error.instance:
            continue
        example = _example(key, properties.get(key, {}))
        name = "profile.error.required" if parent else "profile.error.required_top"
        found.append((2, ProfileError(name, file=shown, line=_line(lines, parent), field=join_path(parent, key),
                                      name=key, parent=parent, example=example)))
    return found


def _line(lines: dict[str, int], path: str) -> int:
    while path not in lines and path:
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get(path, 1)


def _last(path: str) -> str:
    return path.rsplit(".", 1)[-1] if path else ""


def _suggest(key: str, allowed: list[str]) -> str | None:
    lowered = {a.lower(): a for a in allowed}
    candidate = key.lower().replace("-", "_").replace(" ", "_")
    if candidate in lowered:
        return lowered[candidate]
    matches = difflib.get_close_matches(candidate, list(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " / ".join(_TYPE_NAMES.get(n, n) for n in names)


def _choices(values: Iterable[Any]) -> str:
    return ", ".join(f"`{_show(v)}`" for v in values)


def _show(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _example(key: str, node: dict[str, Any]) -> str:
    """`token: ${LAPOR_TOKEN}` from the schema's examples; `agency:` for sections."""
    examples = node.get("examples") or []
    if node.get("type") == "object" or not examples:
        return f"{key}:"
    if isinstance(examples[0], (list, dict)):
        rendered = yaml.safe_dump({key: examples[0]}, default_flow_style=True, width=1000).strip()
        return rendered[1:-1]
    return yaml.safe_dump({key: examples[0]}, allow_unicode=True, width=1000).strip()
