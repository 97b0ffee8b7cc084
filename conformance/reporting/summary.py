"""summary.json: the machine-readable outcome of a run, built from the ledger.

Per requirement: passed (exercised, never broken), failed (broken at least once),
not_exercised (no check evaluated it), not_applicable (another direction than this run's),
not_checkable (the catalogue marks it `checkable: false`: no API run can decide it, so no run should
be blamed for leaving it unexercised).
"""

from __future__ import annotations

import json
import platform
from collections import defaultdict
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from conformance.engine.ledger import FAILED, NOT_EXERCISED, PASSED, Entry
from conformance.specpack import SpecPack

TOOLS = ("lapor-conformance", "schemathesis", "hypothesis", "pytest", "allure-pytest", "httpx", "fastapi")
MAX_FINDINGS_PER_REQUIREMENT = 5
MAX_LISTED = 8  # requirement ids named on one console line


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def requirement_outcomes(pack: SpecPack, entries: list[Entry], directions: set[str],
                         profile_has: Callable[[str], bool] = lambda field: False) -> list[dict[str, Any]]:
    """One row per requirement. `needs_profile` is kept only where the profile lacks that field: with it given,
    a requirement left unexercised was not reached (the run stopped early), and the hint would mislead."""
    tallies: dict[str, dict[str, Any]] = defaultdict(
        lambda: {PASSED: 0, FAILED: 0, "operations": set(), "findings": [], "cases": set()})
    for entry in entries:
        if not entry.requirement:
            continue
        tally = tallies[entry.requirement]
        tally[entry.outcome] = tally.get(entry.outcome, 0) + 1
        tally["operations"].add(entry.operation)
        if entry.case_id:
            tally["cases"].add(entry.case_id)
        if entry.outcome == FAILED and len(tally["findings"]) < MAX_FINDINGS_PER_REQUIREMENT:
            finding = {"operation": entry.operation, "check": entry.check, "message": entry.message}
            if finding not in tally["findings"]:
                tally["findings"].append(finding)
    rows = []
    for requirement in pack.requirements:
        tally = tallies.get(requirement.id, {PASSED: 0, FAILED: 0, "operations": set(), "findings": [], "cases": set()})
        if requirement.direction not in directions:
            outcome = "not_applicable"
        elif not requirement.checkable:
            outcome = "not_checkable"
        elif tally[FAILED]:
            outcome = "failed"
        elif tally[PASSED]:
            outcome = "passed"
        else:
            outcome = "not_exercised"
        rows.append({
            "id": requirement.id, "level": requirement.level, "direction": requirement.direction,
            "evidence": requirement.evidence, "provisional": requirement.provisional,
            "title": requirement.title, "outcome": outcome,
            "evaluations": {"passed": tally[PASSED], "failed": tally[FAILED]},
            "cases": len(tally["cases"]),  # distinct cases (requests the suites sent) that exercised it
            "operations": sorted(tally["operations"]), "findings": tally["findings"],
            **({"not_checkable_reason": requirement.not_checkable_reason} if not requirement.checkable else {}),
            **({"needs_profile": requirement.needs_profile}
               if requirement.needs_profile and not profile_has(requirement.needs_profile) else {}),
        })
    return rows


def requirements_line(requirements: list[dict[str, Any]]) -> str:
    """The console's one-line tally of requirement outcomes."""
    from conformance.i18n import t

    tally: dict[str, int] = defaultdict(int)
    for row in requirements:
        tally[row["outcome"]] += 1
    line = t("run.requirements_line", **{key: tally[key] for key in (
        "passed", "failed", "not_exercised", "not_applicable", "not_checkable")})
    line += t("run.requirements_waived", waived=tally["waived"]) if tally["waived"] else ""
    unexercised = [row for row in requirements if row["outcome"] == "not_exercised"]
    if unexercised:
        shown = ", ".join(row["id"] + (f" ({row['needs_profile']})" if row.get("needs_profile") else "")
                          for row in unexercised[:MAX_LISTED])
        line += "\n  " + t("run.not_exercised_list", ids=shown + (" …" if len(unexercised) > MAX_LISTED else ""))
    return line


def operation_counts(entries: list[Entry]) -> dict[str, dict[str, int]]:
    cases: dict[str, set[str]] = defaultdict(set)
    unanswered: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.outcome == NOT_EXERCISED:
            unanswered[entry.operation] += 1
        elif entry.case_id:
            cases[entry.operation].add(entry.case_id)
    operations = sorted(set(cases) | set(unanswered))
    return {op: {"answered_cases": len(cases[op]), "not_exercised_cases": unanswered[op]} for op in operations}


def write_summary(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
