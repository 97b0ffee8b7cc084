"""What the client checks share: the outcome type, the check registry and the traffic analysis.

Some defects show up in two ways at once; `Analysis` decides which requirement reports them, so each
is reported once, under the requirement that names its cause:
- a file part without `filename=`, or a repeated bare multipart name, is LAPOR-CLIENT-012, not
  also a schema violation (LAPOR-CLIENT-006);
- a request that turns invalid only after the app met an unusual answer or a fault (its
  operation was valid before that in every episode) is LAPOR-CLIENT-011, not LAPOR-CLIENT-006.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.client.recording import Recording
from conformance.jsonref import resolve as resolve_ref


@dataclass(frozen=True)
class ClientOutcome:
    check: str
    passed: bool
    operation: str
    message: str = ""
    episode: int = 0
    seq: int = 0

    @property
    def case_id(self) -> str:
        return f"{self.episode}:{self.seq}"


Check = Callable[["Analysis"], list[ClientOutcome]]
_CHECKS: dict[str, Check] = {}


def client_check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        _CHECKS[name] = function
        return function
    return register


def registered_client_checks() -> dict[str, Check]:
    return dict(_CHECKS)


def _label(exchange: dict[str, Any]) -> str:
    return exchange.get("operation") or f"{exchange.get('method')} {exchange.get('path')}"


def _outcome(check: str, exchange: dict[str, Any], passed: bool, message: str = "") -> ClientOutcome:
    return ClientOutcome(check, passed, _label(exchange), message, int(exchange.get("episode", 0)),
                         int(exchange.get("seq", 0)))


class Analysis:
    """The recording plus what several checks share: multipart findings and the survival split."""

    def __init__(self, recording: Recording, openapi: dict[str, Any]) -> None:
        self.recording = recording
        self.openapi = openapi
        self.exchanges = sorted(recording.exchanges, key=lambda e: e.get("seq", 0))
        self.binary_fields = _binary_fields(openapi)
        self.multipart: dict[int, list[str]] = {}
        self.owned: dict[int, set[str]] = {}
        for exchange in self.exchanges:
            problems, owned = self._multipart_problems(exchange)
            if exchange.get("parts") is not None:
                self.multipart[exchange["seq"]] = problems
                self.owned[exchange["seq"]] = owned
        first_varied: dict[int, int] = {}
        for exchange in self.exchanges:
            response = exchange.get("response") or {}
            fault = exchange.get("fault") or {}
            if exchange.get("listener") == "main" and (response.get("shaped") or fault.get("kind") not in (None, "delay")):
                first_varied.setdefault(exchange.get("episode", 0), exchange["seq"])
        self.first_varied = first_varied
        clean_invalid: set[str] = set()
        later_invalid: list[dict[str, Any]] = []
        for exchange in self.exchanges:
            if not self.invalid_errors(exchange):
                continue
            if self.after_variation(exchange):
                later_invalid.append(exchange)
            else:
                clean_invalid.add(_label(exchange))
        self.survival_owned = {e["seq"] for e in later_invalid if _label(e) not in clean_invalid}

    def after_variation(self, exchange: dict[str, Any]) -> bool:
        first = self.first_varied.get(exchange.get("episode", 0))
        return first is not None and exchange["seq"] > first

    def _multipart_problems(self, exchange: dict[str, Any]) -> tuple[list[str], set[str]]:
        parts = exchange.get("parts")
        if parts is None:
            return [], set()
        binary = self.binary_fields.get(exchange.get("operation") or "", set())
        problems, owned = [], set()
        for part in parts:
            if part.get("filename"):
                continue
            if part["name"] in binary and part.get("size", 0) > 0:
                problems.append(f"`{part['name']}` tanpa filename= (PHP membacanya sebagai teks) / "
                                f"without filename= (PHP reads it as text)")
                owned.add(part["name"])
        for name in exchange.get("php_dropped") or []:
            count = sum(1 for part in parts if part["name"] == name)
            problems.append(f"nama `{name}` dikirim {count}× tanpa []: PHP hanya menyimpan yang terakhir / "
                            f"sent {count}× without []: PHP keeps only the last")
            owned |= {name, name + "[]"}
        return problems, owned

    def invalid_errors(self, exchange: dict[str, Any]) -> dict[str, list[str]]:
        validation = exchange.get("validation") or {}
        if validation.get("ok", True):
            return {}
        owned = self.owned.get(exchange.get("seq", 0), set())
        errors = validation.get("errors") or {"body": ["invalid"]}
        return {field: messages for field, messages in errors.items() if field not in owned}


def _binary_fields(openapi: dict[str, Any]) -> dict[str, set[str]]:
    def resolve(node: Any) -> Any:
        return resolve_ref(openapi, node)

    fields: dict[str, set[str]] = {}
    for item in (openapi.get("paths") or {}).values():
        for operation in (item or {}).values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            content = (resolve(operation.get("requestBody")) or {}).get("content") or {}
            for media_type, media in content.items():
                if not media_type.startswith("multipart/"):
                    continue
                schema = resolve(media.get("schema")) or {}
                for name, prop in (schema.get("properties") or {}).items():
                    prop = resolve(prop) or {}
                    items = resolve(prop.get("items")) or {}
                    if prop.get("format") == "binary" or items.get("format") == "binary":
                        fields.setdefault(operation["operationId"], set()).add(name)
    return fields
