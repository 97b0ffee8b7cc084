"""What a check sees, what it returns, and the registry of named checks.

A check is a small named function `check(observation) -> Iterable[Outcome]`. The requirements it
verifies are bound in the spec pack's requirements.yaml (`checked_by: [{check: <name>}]`), so
the mapping is data; a check may also name its requirement itself (the schema check reads it
from `x-requirement` in the OpenAPI document).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outcome:
    check: str
    passed: bool
    message: str = ""
    requirement: str | None = None  # None: every requirement bound to `check` in the pack
    # For a probe (a request the check made itself): the headers it sent, so the reproduction
    # shows the probe rather than the original case.
    probe_headers: dict[str, str] | None = None


@dataclass
class Observation:
    """One case and its answer, plus what a check needs to ask the target more."""

    case: Any
    response: Any
    operation_id: str
    session: Any  # conformance.engine.session.ProviderSession
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def accepted(self) -> bool:
        """A 2xx the API itself produced: an HTML page (a login page, an SPA fallback) is no accepted case."""
        return 200 <= self.status < 300 and self.from_api

    def json(self) -> Any:
        """The parsed body, or None. A UTF-8 BOM is tolerated here (reported by its own check)."""
        if "json" not in self.extra:
            self.extra["json"] = read_json(self.response)
        return self.extra["json"]

    @property
    def has_bom(self) -> bool:
        return bool(self.response.content) and self.response.content.startswith(UTF8_BOM)

    @property
    def is_mislabelled_json(self) -> bool:
        """A JSON object or list sent as `text/html`: the API's own answer under a wrong Content-Type, which
        LAPOR-HTTP-001 reports; judging it as a web page would blame the wrong requirement."""
        return "text/html" in self.header("content-type").lower() and isinstance(self.json(), (dict, list))

    @property
    def is_redirect_or_html(self) -> bool:
        if 300 <= self.status < 400:
            return True
        return "text/html" in self.header("content-type").lower() and not self.is_mislabelled_json

    @property
    def is_gateway_answer(self) -> bool:
        """A body shaped like the gateway's own errors (the pack's `gateway_error_keys`), not the API's."""
        keys = self.session.pack_roles.get("gateway_error_keys") or []
        body = self.json()
        return bool(keys) and isinstance(body, dict) and set(keys) <= set(body) and "results" not in body

    @property
    def from_api(self) -> bool:
        """False for answers the API under test did not produce as such: redirects, HTML, gateway errors."""
        return not (self.is_redirect_or_html or self.is_gateway_answer)

    def header(self, name: str) -> str:
        for key, value in dict(self.response.headers or {}).items():
            if key.lower() == name.lower():
                return value[0] if isinstance(value, list) else str(value)
        return ""


UTF8_BOM = b"\xef\xbb\xbf"


def read_json(response: Any) -> Any:
    """The JSON body of any response a check reads — the case's own or one it resent — or None.

    Never raises. A UTF-8 BOM is tolerated (LAPOR-HTTP-004 reports it): `response.json()` of the
    HTTP clients raises on it, which would turn one SHOULD finding into crashed checks and
    wrong verdicts everywhere a check reads a second answer (paging, lifecycle).
    """
    content = getattr(response, "content", None) or b""
    if content.startswith(UTF8_BOM):
        content = content[len(UTF8_BOM):]
    if not content.strip():
        return None
    try:
        return json.loads(content)  # bytes: UTF-8/16/32 detected as the JSON RFC allows
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        try:
            return json.loads(content.decode("utf-8", errors="replace"))
        except (ValueError, RecursionError):
            return None


def results_of(body: Any) -> dict[str, Any]:
    """`body.results` when it is an object, else {} (for checks that walk lists)."""
    results = body.get("results") if isinstance(body, dict) else None
    return results if isinstance(results, dict) else {}


CheckFunction = Callable[[Observation], Iterable[Outcome]]
_REGISTRY: dict[str, CheckFunction] = {}
_AFTER_PROBES: set[str] = set()


def check(name: str, *, after_probes: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check. `after_probes`: it runs after every other check of the observation, so it
    also sees the answers to the requests those checks sent (`Observation.session.probe_answers`)."""
    def register(function: CheckFunction) -> CheckFunction:
        _REGISTRY[name] = function
        if after_probes:
            _AFTER_PROBES.add(name)
        return function

    return register


def registered_checks() -> dict[str, CheckFunction]:
    """Every check by name, in the order they run: those that read the probes' answers last."""
    return dict(sorted(_REGISTRY.items(), key=lambda item: item[0] in _AFTER_PROBES))


def passed(name: str, requirement: str | None = None) -> Outcome:
    return Outcome(name, True, "", requirement)


def failed(name: str, message: str, requirement: str | None = None, probe_headers: dict[str, str] | None = None) -> Outcome:
    return Outcome(name, False, message, requirement, probe_headers)
