"""pytest plugin loaded by `lapor-conformance run` (`-p conformance.pytest_plugin`).

It gives every result its Allure metadata (requirement labels and links, one identity per
operation), attaches one redacted curl reproduction per distinct failure, and streams
progress events to the runner on stdout (lines starting with `@@lapor `).
"""

from __future__ import annotations

import json
from typing import Any

import allure
import pytest

from conformance.engine import provider
from conformance.engine.ledger import FAILED, PASSED
from conformance.progress import emit

_LABELS: dict[str, str] = {}


def _label(item: pytest.Item) -> str:
    label = getattr(item, "operation_label", None)
    if label:
        return label
    from conformance.i18n import t

    return t("suite.stateful.title") if "Workflow" in item.nodeid else item.name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    emit("collected", total=len(session.items))


@pytest.fixture(autouse=True)
def _lapor_item(request: pytest.FixtureRequest):
    item = request.node
    harness = provider.current_session()
    if harness is not None:
        harness.current_item = item.nodeid
        harness.scenario_steps = None
    context = provider.run_context()
    label = _label(item)
    _LABELS[item.nodeid] = label
    if not getattr(item, "operation_label", None):
        allure.dynamic.title(label)
    # One Allure identity per operation: allure-pytest alone would merge every operation into
    # one test "with retries" (they share originalname and have no callspec).
    allure.dynamic.parameter("operation", label)
    allure.dynamic.label("agency", context.agency.get("code", ""))
    allure.dynamic.parent_suite(f"{context.agency.get('name', '')} ({context.environment})")
    allure.dynamic.suite("provider")
    allure.dynamic.sub_suite("schema" if getattr(item, "operation_label", None) else "stateful")
    allure.dynamic.story(label)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call":
        return
    harness = provider.current_session()
    if harness is None:
        return
    tally = harness.item_outcomes.get(item.nodeid, {})
    failed_requirements = sorted(r for r, counts in tally.items() if counts[FAILED])
    lang = provider.run_context().lang
    for requirement_id in sorted(tally):
        requirement = harness.pack.requirement(requirement_id)
        title = requirement.title_in(lang) if requirement else requirement_id
        allure.dynamic.label("requirement", requirement_id)
        allure.dynamic.link(f"../requirements.html#{requirement_id}", name=f"{requirement_id} — {title}")
    for requirement_id in failed_requirements:
        allure.dynamic.tag(requirement_id)
    allure.dynamic.description(_requirement_table(tally, harness, lang))
    for index, curl in enumerate(harness.reproductions.get(item.nodeid, {}).values(), 1):
        allure.attach(curl, name=f"reproduksi-{index}.curl.txt", attachment_type=allure.attachment_type.TEXT)
    operation_id = _operation_id_for(harness, _LABELS.get(item.nodeid, ""))
    if getattr(item, "operation_label", None) and operation_id != item.operation_label:
        allure.dynamic.title(f"{item.operation_label} — {operation_id}")
    report.lapor_failed_requirements = failed_requirements


def _requirement_table(tally: dict[str, dict[str, int]], harness, lang: str) -> str:
    header = ("| Persyaratan | Lulus | Gagal |\n|---|---|---|" if lang == "id"
              else "| Requirement | Passed | Failed |\n|---|---|---|")
    rows = [f"| {'✗ ' if counts[FAILED] else ''}{rid} | {counts[PASSED]} | {counts[FAILED]} |"
            for rid, counts in sorted(tally.items(), key=lambda pair: (not pair[1][FAILED], pair[0]))]  # failed first
    return "\n".join([header, *rows])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and not report.passed):
        harness = provider.current_session()
        label = _LABELS.get(report.nodeid, report.nodeid.split("::")[-1])
        cases = 0
        if harness is not None and "[" in report.nodeid:
            cases = harness.case_counts.get(_operation_id_for(harness, label), {}).get("cases", 0)
        outcome = report.outcome
        if harness is not None and report.skipped and report.nodeid in harness.over_budget_items:
            outcome = "over_budget"  # it ran until budget.max_time_s was spent: cut short, not skipped
        emit("result", nodeid=report.nodeid, label=label, outcome=outcome,
             requirements=getattr(report, "lapor_failed_requirements", []), cases=cases,
             duration=round(report.duration, 2))


def _operation_id_for(harness, label: str) -> str:
    try:
        operation = harness.schema.find_operation_by_label(label)
    except Exception:  # noqa: BLE001 - a label that is not an operation simply has no count
        return label
    if operation is None:
        return label
    return (operation.definition.raw or {}).get("operationId") or label


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Per-operation case counts and HTTP status histogram -> run_dir/operations.json (evidence gate)."""
    harness = provider.current_session()
    if harness is None:
        return
    statuses = getattr(harness, "status_counts", {})
    operations = {}
    for operation_id in sorted(set(harness.case_counts) | set(statuses)):
        counts = dict(harness.case_counts.get(operation_id, {}))
        histogram = sorted(statuses.get(operation_id, {}).items(), key=lambda item: str(item[0]))
        counts["statuses"] = {str(code): n for code, n in histogram}
        operations[operation_id] = counts
    record: dict[str, Any] = {"schema_version": 1, "operations": operations}
    if harness.over_budget_items:  # the evidence gate refuses a positive result on a run cut short
        record["budget_exhausted"] = {"max_time_s": harness.context.max_time_s,
                                      "tests": sorted(harness.over_budget_items)}
    path = harness.context.run_path / "operations.json"
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
