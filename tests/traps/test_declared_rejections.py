"""Trap 1 — a declared rejection is a rejection.

schemathesis' bare checks expect a missing header to be answered with 400/401/403/406/415/422
and invalid input with a fixed list; a server that answers a missing `If-Match` with a declared
428, a wrong content type with a declared 415 and an undeclared method with a declared 405 did
reject the request, and must not be blamed.
"""

from __future__ import annotations

import pytest

from tests.conftest import serve
from tests.traps.harness import PACKS, run_profile, use_canary_credentials, write_profile
from tests.traps.servers import Recorder, declared_rejections_app

pytestmark = pytest.mark.slow


def test_declared_428_415_405_are_rejections_not_findings(tmp_path, monkeypatch):
    use_canary_credentials(monkeypatch)
    recorder = Recorder()
    with serve(declared_rejections_app(recorder)) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}/api",
                                pack=str(PACKS / "declared-rejections"))
        run = run_profile(profile, tmp_path / "reports")

    statuses = recorder.statuses()
    # The trap was sprung: the server really answered each declared rejection.
    assert {428, 415, 405, 201, 422} <= set(statuses), statuses
    assert run.summary["verdict"] == "pass", run.explain()
    assert run.code == 0, run.explain()
    assert run.outcome("LAPOR-VAL-001") == "passed"
    assert run.outcome("LAPOR-VAL-002") == "passed"


def test_a_write_without_the_required_header_is_still_val_001(tmp_path, monkeypatch):
    """The control: counting declared 4xx as rejections must not excuse accepting invalid input."""
    use_canary_credentials(monkeypatch)
    recorder = Recorder()
    with serve(declared_rejections_app(recorder, if_match_optional=True)) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}/api",
                                pack=str(PACKS / "declared-rejections"))
        run = run_profile(profile, tmp_path / "reports")

    assert 428 not in recorder.statuses()
    assert run.failed == {"LAPOR-VAL-001"}, run.explain()
    assert run.code == 1
