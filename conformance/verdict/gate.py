"""Evidence-sufficiency gate: did the run exercise enough for any positive recommendation?

Input is `operations.json` (written by the pytest plugin at session end): per operation the number
of cases and a histogram of HTTP statuses. The gate finds, per operation of the spec pack the
run was allowed to call: no cases at all, only rejections (401/403/404 by default, and 5xx),
or fewer accepted (2xx) answers than the policy requires (a 2xx that is not the API's own answer, e.g. an HTML
login page, is recorded apart by the session and never counts). An interrupted run never passes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.verdict.policy import Policy

READ_METHODS = ("get", "head")


def read_operations(path: Path) -> dict[str, dict[str, Any]] | None:
    """The per-operation record, or None when the suites never wrote one."""
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("operations") or {})
    except (ValueError, AttributeError):
        return None


def budget_problems(path: Path) -> list[dict[str, Any]]:
    """A run whose time budget (budget.max_time_s) ran out before every test ran has not exercised what
    those tests would have: a problem for the gate (no positive result), never silently a pass."""
    try:
        spent = json.loads(path.read_text(encoding="utf-8")).get("budget_exhausted") if path.is_file() else None
    except (ValueError, AttributeError):
        spent = None
    if not isinstance(spent, dict) or not spent.get("tests"):
        return []
    return [{"code": "budget_exhausted", "max_time_s": spent.get("max_time_s", "?"), "tests": len(spent["tests"])}]


def planned_operations(openapi: dict[str, Any], read_only: bool) -> tuple[list[str], list[str]]:
    """(operations the run was meant to call, write operations skipped because the target is read-only)."""
    planned, skipped = [], []
    for path, item in (openapi.get("paths") or {}).items():
        for method, definition in (item or {}).items():
            if not isinstance(definition, dict) or "responses" not in definition:
                continue
            operation_id = definition.get("operationId") or f"{method.upper()} {path}"
            (skipped if read_only and method.lower() not in READ_METHODS else planned).append(operation_id)
    return planned, skipped


def accepted(statuses: dict[str, int]) -> int:
    """2xx answers; the API's own only ("200 (bukan API / not API)", e.g. an HTML page, does not count)."""
    return sum(n for code, n in statuses.items() if str(code).isdigit() and str(code).startswith("2"))


def gate_problems(operations: dict[str, dict[str, Any]] | None, planned: list[str], policy: Policy,
                  interrupted: bool, *, min_accepted: int | None = None) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    if interrupted:
        problems.append({"code": "interrupted"})
    if operations is None:
        problems.append({"code": "no_record"})
        return problems
    rejections = {str(code) for code in policy.rejection_statuses}
    for operation_id in planned:
        record = operations.get(operation_id) or {}
        statuses = {str(k): int(v) for k, v in (record.get("statuses") or {}).items()}
        seen = sum(statuses.values())
        if seen == 0:
            unanswered = int(record.get("not_exercised", 0))
            problems.append({"code": "no_real_answer", "operation": operation_id, "cases": unanswered}
                            if unanswered else {"code": "no_cases", "operation": operation_id})
            continue
        if all(code in rejections or code.startswith("5") for code in statuses):
            problems.append({"code": "only_rejections", "operation": operation_id,
                             "statuses": ", ".join(sorted(statuses))})
            continue
        count, required = accepted(statuses), policy.min_accepted_cases if min_accepted is None else min_accepted
        if count < required:
            problems.append({"code": "too_few_accepted", "operation": operation_id, "accepted": count,
                             "required": required})
    return problems


def operation_evidence(operations: dict[str, dict[str, Any]] | None, planned: list[str]) -> dict[str, Any]:
    """Per planned operation: cases, answered, accepted, status histogram (for summary and front page)."""
    table = {}
    for operation_id in planned:
        record = (operations or {}).get(operation_id) or {}
        statuses = {str(k): int(v) for k, v in (record.get("statuses") or {}).items()}
        table[operation_id] = {"cases": int(record.get("cases", 0)), "answered": int(record.get("answered", 0)),
                               "not_exercised": int(record.get("not_exercised", 0)),
                               "accepted": accepted(statuses), "statuses": statuses}
    return table
