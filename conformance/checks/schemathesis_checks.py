"""Schemathesis' generic checks, each run on its own so a failure names its requirement.

A requirement binds one with `check: "schemathesis:<name>"` in requirements.yaml.

Two corrections to the bare checks, each for a whole kind of wrong verdict:
- an answer that is not the API's own (a redirect, an HTML page, a gateway error body) is not
  judged by the input checks: `no_redirect_or_html` and the gateway rules report it instead;
- any 4xx the operation declares is a rejection: a server that answers a missing header with a
  declared 428, or a wrong content type with a declared 415, did reject the invalid input.
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


REJECTION_CHECKS = ("negative_data_rejection", "missing_required_header")
MAX_EXCERPT = 160  # characters of a 5xx body shown in the finding (the reproduction has it whole)


def _server_error_text(observation: Observation) -> str:
    """Schemathesis says only "Server error"; the status and the start of the body tell the agency where to look."""
    body = (observation.response.content or b"").decode("utf-8", "replace")
    excerpt = " ".join(body.split())[:MAX_EXCERPT] + ("…" if len(body) > MAX_EXCERPT else "")
    return (f"HTTP {observation.status}: galat server / server error"
            + (f" — `{excerpt}`" if excerpt else " (badan kosong / empty body)"))


def declares_status(observation: Observation, status: int) -> bool:
    responses = observation.session.operation_definition(observation.operation_id).get("responses") or {}
    return str(status) in responses or f"{str(status)[0]}XX" in responses


def _adapter(name: str):
    function = getattr(st_checks, name)

    def run(observation: Observation) -> list[Outcome]:
        session = observation.session
        if name == "positive_data_acceptance" and not session.is_positive(observation.case):
            return []
        if name == "negative_data_rejection" and session.is_positive(observation.case):
            return []
        if not observation.from_api:
            return []
        if name == "status_code_conformance" and observation.status >= 500:
            return []  # a 5xx is not_a_server_error's finding (LAPOR-ERR-001); one defect, one requirement
        try:
            observation.case.validate_response(observation.response, checks=[function])
        except BaseException as error:  # FailureGroup is a BaseExceptionGroup
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            status = observation.status
            if name in REJECTION_CHECKS and 400 <= status < 500 and declares_status(observation, status):
                return [passed(PREFIX + name)]
            return [failed(PREFIX + name, _server_error_text(observation) if name == "not_a_server_error"
                           else _failure_text(error))]
        return [passed(PREFIX + name)]

    run.__name__ = name
    return run


for _name in ADAPTED:
    check(PREFIX + _name)(_adapter(_name))
