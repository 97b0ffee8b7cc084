"""The response-body check, with each violation bound to the requirement it breaks.

The body is validated against the response schema the pack declares for the status code.
Every violation is attributed by walking its schema path through the OpenAPI document and
taking the deepest `x-requirement` on the way; a violation with none falls back to the pack's
`schema_fallback_requirement`. A valid body passes every requirement its schema names.
"""

from __future__ import annotations

from typing import Any

from conformance.jsonref import escape, follow, resolve

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.checks.base import Observation, Outcome, check, failed, passed

NAME = "schema"
PACK_URI = "urn:lapor-conformance:pack"
MAX_VIOLATIONS = 5


def response_schema_pointer(openapi: dict[str, Any], operation_pointer: str, status: int) -> str | None:
    """JSON pointer (in the OpenAPI document) of the JSON response schema declared for `status`."""
    operation = follow(openapi, operation_pointer)
    responses = operation.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key not in responses:
            continue
        pointer = f"{operation_pointer}/responses/{escape(key)}"
        response = responses[key]
        if isinstance(response, dict) and "$ref" in response:
            pointer = response["$ref"].split("#", 1)[-1]
            response = resolve(openapi, response)
        for media_type, media in (response.get("content") or {}).items():
            if "json" in media_type and "schema" in media:
                return f"{pointer}/content/{escape(media_type)}/schema"
        return None
    return None


def requirement_at(document: dict[str, Any], schema: Any, path: list[Any]) -> str | None:
    """The deepest x-requirement along `path` (a jsonschema absolute_schema_path).

    jsonschema leaves `$ref` hops out of the path, so a `$ref` is followed whenever the next
    part is not a key of the node itself; x-requirement is read on both sides of every hop.
    """
    found: str | None = None
    node = schema
    for part in [*path, None]:
        for _ in range(20):
            if isinstance(node, dict) and isinstance(node.get("x-requirement"), str):
                found = node["x-requirement"]
            if isinstance(node, dict) and "$ref" in node and (part is None or part not in node):
                node = follow(document, node["$ref"])
            else:
                break
        if part is None:
            break
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
    return found


def requirements_in(document: dict[str, Any], schema: Any) -> set[str]:
    """Every x-requirement reachable from `schema` (following local $refs once each)."""
    found: set[str] = set()
    stack, seen = [schema], set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"] not in seen:
                seen.add(node["$ref"])
                stack.append(follow(document, node["$ref"]))
            if isinstance(node.get("x-requirement"), str):
                found.add(node["x-requirement"])
            stack.extend(value for key, value in node.items() if key not in ("example", "examples"))
        elif isinstance(node, list):
            stack.extend(node)
    return found


@check(NAME)
def schema_conformance(observation: Observation) -> list[Outcome]:
    session = observation.session
    document = session.openapi
    pointer = response_schema_pointer(document, session.operation_pointer(observation.operation_id), observation.status)
    if pointer is None or not observation.response.content or not observation.from_api:
        return []
    body = observation.json()
    if body is None:
        return []  # not JSON at all: the content-type and no_redirect_or_html checks report it
    schema = {"$ref": f"{PACK_URI}#{pointer}"}
    validator = session.validator_for(pointer, schema)
    fallback = session.pack_roles.get("schema_fallback_requirement", "LAPOR-ENV-001")
    outcomes, broken = [], set()
    for error in list(validator.iter_errors(body))[:MAX_VIOLATIONS]:
        requirement = requirement_at(document, schema, _blamed_path(error)) or fallback
        if requirement in broken:
            continue
        broken.add(requirement)
        where = "/".join(str(part) for part in error.absolute_path) or "(akar/root)"
        outcomes.append(failed(NAME, f"{where}: {error.message[:300]}", requirement))
    for requirement in sorted(requirements_in(document, schema) - broken):
        outcomes.append(passed(NAME, requirement))
    return outcomes


def _blamed_path(error: Any) -> list[Any]:
    """A missing required property is blamed on that property's schema, not on its parent."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        # The branch that got deepest into the instance is the one the server meant to send.
        error = max(error.context, key=lambda sub: (len(sub.absolute_path), len(sub.absolute_schema_path)))
    path = list(error.absolute_schema_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return [*path[:-1], "properties", missing[0]]
    return path


def build_validator(document: dict[str, Any], schema: Any) -> jsonschema.protocols.Validator:
    """A Draft 2020-12 validator whose $refs resolve inside the OpenAPI document."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(PACK_URI, resource)
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())
