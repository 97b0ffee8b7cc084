"""Multipart file fields, as schemathesis must see them to send them as files.

A PHP back end treats a multipart part as a file only when it carries `filename=`. schemathesis adds a
filename only for `format: binary`; a spec written OpenAPI-3.1 style (`contentMediaType` /
`contentEncoding`, no format), or one that says so only in the media type's `encoding`, would make it
send bare fields, and a correct server would then be blamed for rejecting a valid upload.
"""

from __future__ import annotations

import copy
from typing import Any

from conformance.jsonref import resolve

TEXT_CONTENT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded")
COMBINATORS = ("allOf", "oneOf", "anyOf")


def with_file_parts(openapi: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec in which every file-like multipart property (or array item) is `format: binary`."""
    spec = copy.deepcopy(openapi)
    for item in (spec.get("paths") or {}).values():
        for operation in (item or {}).values():
            if not isinstance(operation, dict):
                continue
            content = (_resolve(spec, operation.get("requestBody")) or {}).get("content") or {}
            for media_type, media in content.items():
                if media_type.startswith("multipart/") and isinstance(media, dict):
                    declared = {name for name, encoding in (media.get("encoding") or {}).items()
                                if _is_file_content_type((encoding or {}).get("contentType"))}
                    _mark_files(spec, media.get("schema"), declared, seen=set())
    return spec


def _mark_files(spec: dict[str, Any], schema: Any, declared: set[str], seen: set[int]) -> None:
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolve(spec, prop)
        if not isinstance(prop, dict):
            continue
        items = _resolve(spec, prop.get("items"))
        if isinstance(items, dict) and (_is_file(items) or (name in declared and _untyped_or_string(items))):
            items["format"] = "binary"
        elif _is_file(prop) or (name in declared and prop.get("type") != "array" and _untyped_or_string(prop)):
            prop["format"] = "binary"
            prop.setdefault("type", "string")
    for keyword in COMBINATORS:
        for sub in schema.get(keyword) or []:
            _mark_files(spec, sub, declared, seen)


def _is_file(node: dict[str, Any]) -> bool:
    if not _untyped_or_string(node):
        return False
    return ("contentMediaType" in node or node.get("contentEncoding") in ("binary", "base64")
            or node.get("format") == "binary")


def _untyped_or_string(node: dict[str, Any]) -> bool:
    return node.get("type") in (None, "string")


def _is_file_content_type(content_type: Any) -> bool:
    if not isinstance(content_type, str) or not content_type.strip():
        return False
    return not any(content_type.strip().lower().startswith(text) for text in TEXT_CONTENT_TYPES)


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    try:
        return resolve(spec, node)
    except (KeyError, IndexError, ValueError, TypeError):
        return None  # a dangling reference: the pack's own problem, reported where it is validated
