"""Schemathesis' generic checks, each run on its own so a failure names its requirement.

A requirement binds one with `check: "schemathesis:<name>"` in requirements.yaml.
"""

from __future__ import annotations

import schemathesis.checks as st_checks

from conformance.checks.base import Observation, Outcome, check, failed, passed

PREFIX = "schemathesis:"
ADAPTED = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
)


def _failure_text(error: BaseException) -> str:
    failures = getattr(error, "exceptions", None) or [error]
    lines = []
    for failure in failures:
        title = getattr(failure, "title", "") or type(failure).__name__
        message = (getattr(failure, "message", "") or str(failure)).strip().splitlines()
        lines.append(f"{title}: {message[0] if message else ''}".strip())
    return "; ".join(lines)


def _adapter(name: str):
    function = getattr(st_checks, name)

    def run(observation: Observation) -> list[Outcome]:
        if name == "positive_data_acceptance" and not observation.session.is_positive(observation.case):
            return []
        if name == "negative_data_rejection" and observation.session.is_positive(observation.case):
            return []
        try:
            observation.case.validate_response(observation.response, checks=[function])
        except BaseException as error:  # FailureGroup is a BaseExceptionGroup
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            return [failed(PREFIX + name, _failure_text(error))]
        return [passed(PREFIX + name)]

    run.__name__ = name
    return run


for _name in ADAPTED:
    check(PREFIX + _name)(_adapter(_name))
