"""Validate requests against the spec pack's openapi.yaml, generically.

Nothing here knows the LAPOR operations: path and query parameters and the request body of an operation
are checked against the schemas the spec declares for it, with jsonschema (Draft 2020-12, formats on).
Swap the spec and the simulator rejects something else.

Wire text (path, query, multipart text parts) is read the way a PHP/Laravel server reads it: a value is
coerced to integer/number/boolean only when the schema asks for that type and the text is exactly one.
A multipart part counts as a file only when it carries a non-empty filename.

Failures raise RequestRejected with a Laravel-like body: {"message": ..., "errors": {field: [msg, ...]}}.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.datastructures import UploadFile
from starlette.requests import Request

from conformance.jsonref import resolve as resolve_ref

SPEC_URI = "urn:lapor-conformance:openapi"
_INT = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class RequestRejected(Exception):
    """A request the spec does not allow. `status` is 400, 415 or 422."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"message": self.message, **({"errors": self.errors} if self.errors is not None else {})}


@dataclass
class UploadedFile:
    """A multipart part with a filename."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class Validated:
    """The request as the handler sees it: coerced values, files kept apart."""

    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    files: list[UploadedFile] = field(default_factory=list)


@dataclass
class _Operation:
    operation_id: str
    method: str
    path: str
    parameters: list[tuple[dict[str, Any], Draft202012Validator]]
    bodies: dict[str, tuple[dict[str, Any], Draft202012Validator]]
    body_required: bool


@functools.lru_cache(maxsize=8)
def _load_spec(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


def load_spec(spec_path: str | Path) -> dict[str, Any]:
    """The parsed OpenAPI document, cached per file version (read-only: do not mutate it)."""
    stat = os.stat(spec_path)
    return _load_spec(str(Path(spec_path).resolve()), stat.st_mtime_ns, stat.st_size)


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


class SpecValidator:
    """Loads an OpenAPI 3.1 document once and validates requests for its operations."""

    def __init__(self, spec_path: str | Path) -> None:
        self.spec: dict[str, Any] = load_spec(spec_path)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(SPEC_URI, resource)
        self.operations: dict[str, _Operation] = {}
        for path, item in self.spec.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    self._add_operation(path, method, item)

    @property
    def base_path(self) -> str:
        servers = self.spec.get("servers") or [{"url": ""}]
        return str(servers[0].get("url", "")).rstrip("/")

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a node without one."""
        return resolve_ref(self.spec, node)

    def _validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=self._registry,
                                    format_checker=Draft202012Validator.FORMAT_CHECKER)

    def _add_operation(self, path: str, method: str, item: dict[str, Any]) -> None:
        operation = item[method]
        parameters = []
        for location, entries in (("path", item.get("parameters", [])), ("op", operation.get("parameters", []))):
            for index, entry in enumerate(entries):
                pointer = (_pointer("paths", path, "parameters", str(index)) if location == "path"
                           else _pointer("paths", path, method, "parameters", str(index)))
                parameter = self.resolve(entry)
                parameters.append((parameter, self._validator(self._schema_pointer(entry, pointer))))
        bodies = {}
        request_body = self.resolve(operation.get("requestBody")) or {}
        for media_type, content in request_body.get("content", {}).items():
            pointer = self._body_pointer(operation.get("requestBody"), path, method, media_type)
            bodies[media_type.lower()] = (self.resolve(content.get("schema", {})), self._validator(pointer))
        operation_id = operation.get("operationId") or f"{method.upper()} {path}"
        self.operations[operation_id] = _Operation(operation_id, method.upper(), path, parameters, bodies,
                                                   bool(request_body.get("required")))

    def _schema_pointer(self, entry: dict[str, Any], pointer: str) -> str:
        if "$ref" in entry:
            return entry["$ref"] + "/schema"
        return pointer + "/schema"

    def _body_pointer(self, entry: dict[str, Any], path: str, method: str, media_type: str) -> str:
        base = entry["$ref"] if "$ref" in entry else _pointer("paths", path, method, "requestBody")
        return base + "/" + _pointer("content", media_type, "schema")[2:]

    # ---------------------------------------------------------------- requests
    async def validate(self, operation_id: str, request: Request) -> Validated:
        operation = self.operations[operation_id]
        result = Validated()
        errors: dict[str, list[str]] = {}
        for parameter, validator in operation.parameters:
            name, location = parameter["name"], parameter["in"]
            schema = self.resolve(parameter.get("schema", {}))
            if location == "path":
                raw: list[str] = [request.path_params[name]] if name in request.path_params else []
            elif location == "query":
                raw = request.query_params.getlist(name)
            else:
                continue  # header/cookie parameters: none in this pack; security headers are checked by the app
            if not raw:
                if parameter.get("required"):
                    errors.setdefault(name, []).append(f"The {name} field is required.")
                elif "default" in schema:
                    (result.path if location == "path" else result.query)[name] = schema["default"]
                continue
            value: Any = coerce(raw[0], schema) if len(raw) == 1 else [coerce(text, schema) for text in raw]
            _collect(validator, value, name, errors)
            (result.path if location == "path" else result.query)[name] = value
        if operation.bodies:
            result.body, result.files = await self._body(operation, request, errors)
        if errors:
            raise RequestRejected(422, _summary(errors), errors)
        return result

    async def _body(self, operation: _Operation, request: Request,
                    errors: dict[str, list[str]]) -> tuple[Any, list[UploadedFile]]:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        if not raw:
            instance: Any = {}
            schema, validator = next(iter(operation.bodies.values()))
            if media_type in operation.bodies:
                schema, validator = operation.bodies[media_type]
            _collect(validator, instance, "", errors)
            return instance, []
        if media_type not in operation.bodies:
            raise RequestRejected(415, "Unsupported Content-Type; expected " + " or ".join(operation.bodies) + ".")
        schema, validator = operation.bodies[media_type]
        files: list[UploadedFile] = []
        if media_type == "application/json" or media_type.endswith("+json"):
            instance = parse_json(raw)
        elif media_type.startswith("multipart/"):
            instance, files = await self._form(request, schema, errors)
        else:
            raise RequestRejected(415, f"Unsupported Content-Type {media_type}.")
        _collect(validator, instance, "", errors)
        return self.integers(instance, schema), files

    def integers(self, instance: Any, schema: Any) -> Any:
        """JSON Schema counts 5.0 as an integer; hand handlers a real int where the schema says integer."""
        schema = self.resolve(schema)
        if isinstance(instance, float) and instance.is_integer() and _has_type(schema, "integer"):
            return int(instance)
        if isinstance(instance, dict) and isinstance(schema, dict):
            properties = schema.get("properties", {})
            return {key: self.integers(value, properties.get(key, {})) for key, value in instance.items()}
        if isinstance(instance, list) and isinstance(schema, dict):
            return [self.integers(item, schema.get("items", {})) for item in instance]
        return instance

    async def _form(self, request: Request, schema: dict[str, Any],
                    errors: dict[str, list[str]]) -> tuple[dict[str, Any], list[UploadedFile]]:
        try:
            form = await request.form(max_files=50, max_fields=200)
        except Exception as error:  # starlette raises MultiPartException / ValueError / AssertionError
            raise RequestRejected(400, "The multipart body could not be parsed.") from error
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        instance: dict[str, Any] = {}
        files: list[UploadedFile] = []
        for name in dict.fromkeys(key for key, _ in form.multi_items()):
            # PHP: a part without a filename is a text field; an empty filename means "no file chosen".
            values = [v for v in form.getlist(name) if not (isinstance(v, UploadFile) and not v.filename)]
            if not values:
                continue
            prop = self.resolve(properties.get(name, {}))
            items = self.resolve(prop.get("items", {})) if _has_type(prop, "array") else prop
            wants_file = isinstance(items, dict) and items.get("format") == "binary"
            converted = []
            for value in values:
                if isinstance(value, UploadFile):
                    data = await value.read()
                    files.append(UploadedFile(name, value.filename or "", value.content_type, data))
                    if not wants_file and name in properties:
                        errors.setdefault(name, []).append(f"The {name} field must be text, not a file.")
                    converted.append(value.filename)
                else:
                    if wants_file:
                        errors.setdefault(name, []).append(f"The {name} field must be a file.")
                    converted.append(coerce(value, items if isinstance(items, dict) else {}))
            instance[name] = converted if _has_type(prop, "array") or len(converted) > 1 else converted[0]
        return instance, files


# ---------------------------------------------------------------------- helpers
def _has_type(schema: Any, name: str) -> bool:
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    return declared == name or (isinstance(declared, list) and name in declared)


def coerce(text: str, schema: dict[str, Any]) -> Any:
    """Read wire text as the schema's scalar type when it is exactly one; otherwise keep the text."""
    if _has_type(schema, "integer") and _INT.fullmatch(text):
        return int(text)
    if _has_type(schema, "number") and _NUMBER.fullmatch(text):
        number = float(text)
        return int(number) if _INT.fullmatch(text) else number
    if _has_type(schema, "boolean") and text in ("true", "false"):
        return text == "true"
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def parse_json(raw: bytes) -> Any:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates cannot be stored
    except (UnicodeError, ValueError, RecursionError) as error:
        raise RequestRejected(400, "The request body is not valid JSON.") from error
    return value


def _field(prefix: str, path: Any) -> str:
    parts = [prefix] if prefix else []
    parts.extend(str(part) for part in path)
    return ".".join(parts) or "body"


def _message(error: ValidationError, name: str) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "type":
        wanted = value if isinstance(value, str) else " or ".join(value)
        return f"The {name} field must be of type {wanted}."
    if kind in ("maxLength", "maxItems"):
        unit = "characters" if kind == "maxLength" else "items"
        return f"The {name} field must not have more than {value} {unit}."
    if kind in ("minLength", "minItems"):
        unit = "characters" if kind == "minLength" else "items"
        return f"The {name} field must have at least {value} {unit}."
    if kind == "maximum":
        return f"The {name} field must not be greater than {value}."
    if kind == "minimum":
        return f"The {name} field must be at least {value}."
    if kind in ("enum", "const"):
        return f"The selected {name} is invalid."
    if kind in ("pattern", "format"):
        return f"The {name} field format is invalid."
    return f"The {name} field is invalid."


def _collect(validator: Draft202012Validator, instance: Any, prefix: str, errors: dict[str, list[str]]) -> None:
    for error in validator.iter_errors(instance):
        base = _field(prefix, error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    key = _field(base if base != "body" else "", [name])
                    _add(errors, key, f"The {key} field is required.")
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            declared = set(error.schema.get("properties", {}))
            for name in error.instance:
                if name not in declared:
                    key = _field(base if base != "body" else "", [name])
                    _add(errors, key, f"The {key} field is not allowed.")
        else:
            _add(errors, base, _message(error, base))


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    bucket = errors.setdefault(key, [])
    if message not in bucket:
        bucket.append(message)


def _summary(errors: dict[str, list[str]]) -> str:
    messages = [message for bucket in errors.values() for message in bucket]
    first = messages[0] if messages else "The given data was invalid."
    rest = len(messages) - 1
    return first if rest <= 0 else f"{first} (and {rest} more error{'s' if rest > 1 else ''})"
