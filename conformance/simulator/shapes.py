"""Unusual but spec-valid answers for client mode, derived from the pack's response schemas.

Each variation is applied on its own and kept only when the shaped body still validates against
the operation's response schema in openapi.yaml, so whatever the client sees is an answer the
spec allows. Nothing here names a LAPOR field except through the schema: free-text strings are
the schema's unconstrained strings, lists are the schema's arrays.

- `create_shape`: where createComplaint puts the new id: `nested` (results.complaint.id, S4),
  `top_level` (complaint_id, S3/S5) or `both`;
- `long_strings`: unconstrained text padded to this many characters (multi-byte characters too);
- `empty_lists`: secondary arrays (logs, status logs, attachments) answered empty;
- `master_pages`: master lists split into this many pages whatever `page_size` asked, so the
  `next_page_url` chain must be followed;
- `foreign_next_page`: `next_page_url` points at another loopback origin (a client must not send
  its credentials there).
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.jsonref import resolve as resolve_ref

CREATE_SHAPES = ("nested", "top_level", "both")
SPEC_URI = "urn:lapor-conformance:client-responses"
# Strings that carry meaning for the client rather than free text: never padded.
_KEEP_KEYS = {"id", "path", "extension", "created_at", "date", "timestamp", "date_of_incident", "type",
              "status_name", "data", "message", "next_page_url", "template_code"}
_PRIMARY_LISTS = {"data", "docs"}
FILLER = " — tindak lanjut “uji” ✓ naïve café ĀĒĪŌŪ 😀 蘭"


@dataclass(frozen=True)
class Shapes:
    create_shape: str = "nested"
    long_strings: int = 0
    empty_lists: bool = False
    master_pages: int = 0
    foreign_next_page: bool = False

    @property
    def active(self) -> bool:
        return self != Shapes()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Shapes:
        data = dict(data or {})
        shapes = cls(create_shape=str(data.get("create_shape", "nested")), long_strings=int(data.get("long_strings", 0)),
                     empty_lists=bool(data.get("empty_lists", False)), master_pages=int(data.get("master_pages", 0)),
                     foreign_next_page=bool(data.get("foreign_next_page", False)))
        if shapes.create_shape not in CREATE_SHAPES:
            raise ValueError(f"create_shape must be one of {CREATE_SHAPES}")
        return shapes


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class ResponseShaper:
    """Applies Shapes to JSON answers of the pack's operations, keeping only schema-valid results."""

    def __init__(self, spec: dict[str, Any], operations: dict[str, Any]) -> None:
        self.spec = spec
        self.operations = operations  # operationId -> object with .path and .method (validation._Operation)
        self._registry = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012))
        self._validators: dict[tuple[str, int], Draft202012Validator | None] = {}

    # ------------------------------------------------------------ schemas
    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a node without one."""
        return resolve_ref(self.spec, node)

    def response_schema(self, operation_id: str, status: int) -> Any:
        operation = self.operations.get(operation_id)
        if operation is None:
            return None
        definition = self.spec["paths"][operation.path][operation.method.lower()]
        response = self.resolve((definition.get("responses") or {}).get(str(status)))
        content = (response or {}).get("content", {}).get("application/json")
        return self.resolve(content.get("schema")) if content else None

    def validator(self, operation_id: str, status: int) -> Draft202012Validator | None:
        key = (operation_id, status)
        if key not in self._validators:
            operation = self.operations.get(operation_id)
            validator = None
            if operation is not None and self.response_schema(operation_id, status) is not None:
                definition = self.spec["paths"][operation.path][operation.method.lower()]
                response = definition["responses"][str(status)]
                base = response["$ref"] if isinstance(response, dict) and "$ref" in response else \
                    f"#/paths/{_escape(operation.path)}/{operation.method.lower()}/responses/{status}"
                pointer = f"{base}/content/application~1json/schema"
                validator = Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=self._registry)
            self._validators[key] = validator
        return self._validators[key]

    def valid(self, operation_id: str, status: int, body: Any) -> bool:
        validator = self.validator(operation_id, status)
        return validator is not None and validator.is_valid(body)

    def _properties(self, schema: Any) -> tuple[dict[str, Any], set[str]]:
        """Property schemas and required names of an object schema, through allOf/anyOf/oneOf."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return {}, set()
        properties = dict(schema.get("properties") or {})
        required = set(schema.get("required") or [])
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(keyword) or []:
                sub_properties, _ = self._properties(sub)
                for name, value in sub_properties.items():
                    properties.setdefault(name, value)
                if keyword == "allOf":
                    required |= set(self.resolve(sub).get("required") or [])
        return properties, required

    def _free_text(self, schema: Any) -> bool:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return False
        declared = schema.get("type")
        types = declared if isinstance(declared, list) else [declared]
        if "string" not in types:
            return False
        return not any(key in schema for key in ("pattern", "format", "enum", "const", "maxLength",
                                                 "contentMediaType", "oneOf", "anyOf"))

    def _items(self, schema: Any) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        if "items" in schema:
            return schema["items"]
        for keyword in ("oneOf", "anyOf"):
            for sub in schema.get(keyword) or []:
                sub = self.resolve(sub)
                if isinstance(sub, dict) and "items" in sub:
                    return sub["items"]
        return None

    def _object_schema(self, schema: Any) -> Any:
        """For oneOf/anyOf [object, null]: the object branch."""
        schema = self.resolve(schema)
        if isinstance(schema, dict) and not schema.get("properties"):
            for keyword in ("oneOf", "anyOf"):
                for sub in schema.get(keyword) or []:
                    sub = self.resolve(sub)
                    if isinstance(sub, dict) and sub.get("properties"):
                        return sub
        return schema

    # ------------------------------------------------------------ variations
    def pad_strings(self, node: Any, schema: Any, length: int) -> Any:
        schema = self._object_schema(schema)
        if isinstance(node, dict):
            properties, _ = self._properties(schema)
            for key, value in node.items():
                sub = properties.get(key)
                if sub is None:
                    continue
                if isinstance(value, str) and key not in _KEEP_KEYS and not key.endswith(("_id", "_url", "_code")) \
                        and self._free_text(sub):
                    node[key] = _padded(value, length)
                else:
                    self.pad_strings(value, sub, length)
        elif isinstance(node, list):
            items = self._items(schema)
            for value in node:
                self.pad_strings(value, items, length)
        return node

    def empty_lists(self, node: Any, depth: int = 0) -> Any:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, list) and (key not in _PRIMARY_LISTS or depth > 1) and value:
                    node[key] = []
                else:
                    self.empty_lists(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                self.empty_lists(value, depth + 1)
        return node

    def shape(self, operation_id: str, status: int, body: Any, shapes: Shapes,
              origins: tuple[str, str] | None = None) -> tuple[Any, list[str]]:
        """(body, applied variations). `origins` = (main origin, foreign origin)."""
        if not shapes.active or not (200 <= status < 300) or not isinstance(body, dict):
            return body, []
        if self.validator(operation_id, status) is None:
            return body, []
        schema = self.response_schema(operation_id, status)
        steps: list[tuple[str, Any]] = []
        if shapes.create_shape != "nested":
            steps.append((f"create_shape:{shapes.create_shape}", lambda b: _create_shape(b, shapes.create_shape)))
        if shapes.long_strings:
            steps.append((f"long_strings:{shapes.long_strings}",
                          lambda b: self.pad_strings(b, schema, shapes.long_strings)))
        if shapes.empty_lists:
            steps.append(("empty_lists", self.empty_lists))
        if shapes.foreign_next_page and origins:
            steps.append(("foreign_next_page", lambda b: _foreign(b, *origins)))
        applied = []
        for name, step in steps:
            candidate = step(copy.deepcopy(body))
            if candidate != body and self.valid(operation_id, status, candidate):
                body = candidate
                applied.append(name)
        return body, applied


def _padded(value: str, length: int) -> str:
    if len(value) >= length:
        return value
    filler = (FILLER * (length // len(FILLER) + 1))
    return (value + filler)[:length]


def _create_shape(body: dict[str, Any], shape: str) -> dict[str, Any]:
    results = body.get("results")
    complaint = results.get("complaint") if isinstance(results, dict) else None
    if not isinstance(complaint, dict) or "id" not in complaint:
        return body
    body["complaint_id"] = complaint["id"]
    if shape == "top_level":
        del results["complaint"]
    return body


def _foreign(body: dict[str, Any], main_origin: str, foreign_origin: str) -> dict[str, Any]:
    results = body.get("results")
    url = results.get("next_page_url") if isinstance(results, dict) else None
    if isinstance(url, str) and url.startswith(main_origin):
        results["next_page_url"] = foreign_origin + url[len(main_origin):]
    return body


def capped_query(query_string: str, total: int, pages: int, default_size: int) -> str:
    """Rewrite `page_size` so a list of `total` items spans at least `pages` pages.

    Never raises the size the client asked for (nor the spec's default): fewer items per page
    than asked is valid, more is not. A page_size that is not a plain number is left alone.
    """
    pairs = parse_qsl(query_string, keep_blank_values=True)
    asked = [v for k, v in pairs if k == "page_size"]
    if asked and not (len(asked) == 1 and asked[0].isdigit()):
        return query_string
    wanted = int(asked[0]) if asked else default_size
    size = max(1, min(wanted, math.ceil(total / max(pages, 1))))
    kept = [(k, v) for k, v in pairs if k != "page_size"]
    return urlencode([*kept, ("page_size", str(size))])


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
