"""What a provider suite module needs: the schema to parametrize and the shared session."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import engine as hypothesis_engine
from schemathesis.config import SchemathesisConfig

from conformance.engine.context import RunContext
from conformance.engine.file_parts import with_file_parts
from conformance.engine.session import ProviderSession
from conformance.specpack import load_pack

_STATE: dict[str, Any] = {}
SUPPRESSED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture,
              HealthCheck.data_too_large]


def run_context() -> RunContext:
    if "context" not in _STATE:
        context = RunContext.from_env()
        if context is None:
            raise RuntimeError("The provider suites run under `lapor-conformance run`, which supplies the run context.")
        _STATE["context"] = context
    return _STATE["context"]


def provider_schema() -> Any:
    if "schema" in _STATE:
        return _STATE["schema"]
    context = run_context()
    pack = load_pack(context.pack_dir)
    config = SchemathesisConfig.from_dict({
        "seed": context.seed,
        "generation": {"max-examples": context.max_examples, "database": "none",
                       "with-security-parameters": False},
        "phases": {"stateful": {"enabled": context.stateful}},
        # The harness redacts every output itself (conformance/redaction.py); schemathesis' own
        # sanitising would also mangle reproductions (it masks any key containing "auth").
        "output": {"sanitization": {"enabled": False}},
    })
    schema = schemathesis.openapi.from_dict(with_file_parts(pack.openapi), config=config)
    schema.config.update(base_url=context.base_url)
    if context.fixtures:
        parameters = {name: value for name, value in context.fixtures.items() if name in path_parameter_names(pack.openapi)}
        if parameters:
            schema.config.update(parameters=parameters)
    if context.read_only:  # never write to production
        schema = schema.include(method="GET")
    _STATE["schema"] = schema
    _STATE["session"] = ProviderSession(context, pack, schema)
    limit_shrinking(context.shrink_s)
    return schema


def limit_shrinking(seconds: float) -> None:
    """Hypothesis has no public setting for shrink time; its engine reads MAX_SHRINKING_SECONDS (300 s)
    whenever it starts shrinking. Hypothesis is pinned; tests/test_profiles.py fails if the name goes."""
    hypothesis_engine.MAX_SHRINKING_SECONDS = max(1, int(seconds))


def current_session() -> ProviderSession | None:
    return _STATE.get("session")


def hypothesis_settings(**overrides: Any) -> settings:
    """Settings for every suite test. Shrinking only within the profile's budget.shrink_s (each attempt
    sends requests again); never Hypothesis' explain phase (more requests, no use in a report)."""
    context = run_context()
    phases = tuple(p for p in Phase if p is not Phase.explain and (p is not Phase.shrink or context.shrink_s > 0))
    values = {"max_examples": context.max_examples, "deadline": None, "suppress_health_check": SUPPRESSED,
              "database": None, "derandomize": False, "print_blob": False, "phases": phases}
    values.update(overrides)
    return settings(**values)


def path_parameter_names(openapi: dict[str, Any]) -> set[str]:
    names = set()
    for item in (openapi.get("paths") or {}).values():
        for definition in (item or {}).values():
            if isinstance(definition, dict):
                names.update(p.get("name") for p in definition.get("parameters", []) if p.get("in") == "path")
    return names
