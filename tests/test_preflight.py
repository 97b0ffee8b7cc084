"""Before any test, each credential set of the profile makes one read-only call: a refused one stops the
run with exit 2 and a message naming the profile field and its environment variables, never the values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.broken.runs import SECOND_API_KEY, SECOND_TOKEN, Job, simulator, write_profile
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT, serve

WRONG_TOKEN = "{BADBAD00-0000-4000-8000-000000000000}"


def _run(tmp_path: Path, env_overrides: dict[str, str], lang: str = "id") -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LAPOR_", "PYTEST_"))}
    env.update({"LAPOR_API_KEY": CANARY_API_KEY, "LAPOR_TOKEN": CANARY_TOKEN, "LAPOR_B_API_KEY": SECOND_API_KEY,
                "LAPOR_B_TOKEN": SECOND_TOKEN, "PYTHONPATH": str(ROOT), **env_overrides})
    with serve(simulator(tmp_path)) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}/integration/api/v3",
                                job=Job("preflight", lambda scratch: None))
        process = subprocess.run([sys.executable, "-m", "conformance", "run", str(profile), "--no-html",
                                  "--reports-dir", str(tmp_path / "reports"), "--lang", lang],
                                 capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=120)
    return process.returncode, process.stdout + process.stderr


@pytest.mark.parametrize("variable, field", [("LAPOR_TOKEN", "`auth`"),
                                             ("LAPOR_B_TOKEN", "`auth.second_institution`")])
def test_a_refused_credential_set_stops_the_run_naming_its_field(tmp_path, variable, field):
    code, out = _run(tmp_path, {variable: WRONG_TOKEN})
    assert code == 2, out
    assert field in out and variable in out and "HTTP 401" in out
    assert "Traceback" not in out
    assert WRONG_TOKEN not in out and CANARY_TOKEN not in out and SECOND_TOKEN not in out
    assert not list((tmp_path / "reports").glob("*/*/summary.json"))  # no run, so no verdict to misread


def test_the_message_is_english_on_request(tmp_path):
    code, out = _run(tmp_path, {"LAPOR_B_API_KEY": "$2y$10$" + "q" * 53}, lang="en")
    assert code == 2 and "were refused (HTTP 401)" in out and "LAPOR_B_API_KEY" in out, out


def test_a_second_institution_with_the_first_ones_credentials_is_a_profile_error(tmp_path):
    code, out = _run(tmp_path, {"LAPOR_B_API_KEY": CANARY_API_KEY, "LAPOR_B_TOKEN": CANARY_TOKEN})
    assert code == 2, out
    assert "auth.second_institution" in out and "${LAPOR_B_API_KEY}" in out and "Traceback" not in out
    assert CANARY_TOKEN not in out and CANARY_API_KEY not in out


class PortalPage:
    """A web portal at the base path: every request gets `200 text/html`."""

    async def __call__(self, scope, receive, send):
        body = b"<html><body>Portal Pengaduan</body></html>"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body})


def test_a_portal_page_at_the_base_url_stops_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "simulator", lambda scratch: PortalPage())
    code, out = _run(tmp_path, {}, lang="en")
    assert code == 2 and "not JSON" in out and "`auth`" in out and "Traceback" not in out, out
    assert not list((tmp_path / "reports").glob("*/*/summary.json"))
