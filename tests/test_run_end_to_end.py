"""The main job end to end: the example profile against the built-in simulator."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.slow
OPERATIONS = 8


@pytest.fixture(scope="module")
def simulator_run(tmp_path_factory):
    from conformance.cli import main
    from conformance.i18n import set_lang

    reports = tmp_path_factory.mktemp("reports")
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    set_lang("id")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(ROOT / "profiles" / "contoh-simulator.yaml"), "--reports-dir", str(reports)])
    return code, out.getvalue(), err.getvalue()


def test_conforming_simulator_passes(simulator_run):
    code, out, err = simulator_run
    assert code == 0, out + err
    assert "Traceback" not in out + err
    run_dir = Path(out.strip().splitlines()[-1])
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "pass"
    assert len(summary["requirements"]) >= 30
    assert not [r for r in summary["requirements"] if r["outcome"] == "failed"]
    assert {"id", "sha256"} <= set(summary["spec"])
    assert summary["seed"] == 20240601
    assert summary["tools"]["schemathesis"] == "4.32.5"
    for row in summary["requirements"]:
        assert row["outcome"] in {"passed", "failed", "not_exercised", "not_applicable", "not_checkable"}
    outcomes = {r["id"]: r["outcome"] for r in summary["requirements"]}
    passed = {rid for rid, outcome in outcomes.items() if outcome == "passed"}
    assert {"LAPOR-AUTH-001", "LAPOR-DATA-001", "LAPOR-PAGE-002", "LAPOR-CREATE-002"} <= passed
    # The example profile names a second institution, so object-level authorisation runs in `make run`.
    assert {"LAPOR-AUTHZ-001", "LAPOR-AUTHZ-002", "LAPOR-PRIV-002", "LAPOR-PRIV-004"} <= passed
    # Every provider requirement the catalogue calls checkable is exercised by the example run.
    provider = [r for r in summary["requirements"] if r["direction"] == "provider"]
    assert not [r["id"] for r in provider if r["outcome"] == "not_exercised"]
    unchecked = {r["id"]: r for r in provider if r["outcome"] == "not_checkable"}
    assert set(unchecked) == {"LAPOR-RULE-001", "LAPOR-RULE-002", "LAPOR-RULE-003", "LAPOR-RULE-004"}
    assert all(row["not_checkable_reason"]["id"] for row in unchecked.values())
    assert "tidak dapat diuji lewat API" in out


def test_run_directory_holds_every_artifact(simulator_run):
    _, out, _ = simulator_run
    run_dir = Path(out.strip().splitlines()[-1])
    assert run_dir.parent.name == "contoh-lmw"
    for name in ("summary.json", "junit.xml", "ledger.jsonl", "requirements.html", "pytest.log"):
        assert (run_dir / name).is_file(), name
    ET.parse(run_dir / "junit.xml")
    html = run_dir / "allure-report" / "index.html"
    assert html.is_file()
    text = html.read_text(encoding="utf-8", errors="replace")
    assert "googletagmanager" not in text


def test_one_allure_test_per_operation_with_requirement_labels(simulator_run):
    _, out, _ = simulator_run
    run_dir = Path(out.strip().splitlines()[-1])
    results = [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]
    operations = [r for r in results if any(p["name"] == "operation" and "/" in p["value"] for p in r.get("parameters", []))]
    assert len(operations) == OPERATIONS
    assert len({r["testCaseId"] for r in results}) == len(results)  # no merging into "retries"
    for result in operations:
        labels = [label["value"] for label in result["labels"] if label["name"] == "requirement"]
        assert labels and all(value.startswith("LAPOR-") for value in labels)
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["tests"]["total"] == len(results)
