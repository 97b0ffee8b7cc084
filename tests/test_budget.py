"""A run whose time budget (budget.max_time_s) runs out is never a pass: the tests it cut short are named
as a problem of evidence, the recommendation is withheld and the exit code is 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conformance.verdict.gate import budget_problems
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_a_run_cut_short_by_its_time_budget_gets_no_positive_result(tmp_path):
    profile = (ROOT / "profiles" / "contoh-simulator.yaml").read_text(encoding="utf-8")
    profile = profile.replace("  max_examples: 15\n", "  max_examples: 15\n  max_time_s: 2\n")
    path = tmp_path / "profil.yaml"
    path.write_text(profile, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LAPOR_", "PYTEST_"))}
    process = subprocess.run([sys.executable, "-m", "conformance", "run", str(path), "--no-html", "--lang", "en",
                              "--reports-dir", str(tmp_path / "reports")], capture_output=True, text=True,
                             env={**env, "PYTHONPATH": str(ROOT)}, cwd=str(ROOT), timeout=300)
    out = process.stdout + process.stderr
    [summary_path] = (tmp_path / "reports").glob("*/*/summary.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    [problem] = [p for p in summary["evidence"]["problems"] if p["code"] == "budget_exhausted"]
    assert problem["max_time_s"] == 2 and problem["tests"] >= 1, summary["evidence"]
    assert summary["verdict"] == "incomplete" and process.returncode == 2, out
    assert summary["recommendation"]["code"] == "insufficient_evidence"
    assert "The time budget ran out (budget.max_time_s = 2 s)" in out and "Traceback" not in out
    assert "CUT SHORT (time budget spent)" in out  # not "skipped": those tests ran until the budget was spent


def test_a_run_within_its_budget_has_no_budget_problem(tmp_path):
    (tmp_path / "operations.json").write_text(json.dumps({"schema_version": 1, "operations": {}}))
    assert budget_problems(tmp_path / "operations.json") == []
    assert budget_problems(tmp_path / "missing.json") == []
