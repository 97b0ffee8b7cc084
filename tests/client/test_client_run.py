"""Client mode end to end: a profile, the app driven by HTTP calls or shell commands, the run directory.

`lapor-conformance run` on a client-mode profile: the same preamble and finish as a provider run
(policy, waivers, recommendation, front page; in assessment mode a signed bundle). The conforming
sample integrator passes an assessment; a careless client fails with its requirements named; the
recording simulator (`lapor-conformance simulate --record FILE`) keeps what a developer's app did.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from conformance.evidence.keys import PRIVATE_NAME, PUBLIC_NAME, init_keys
from conformance.evidence.verify import verify_command
from conformance.runner.run import RunOptions, run_profile
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT, free_port

pytestmark = pytest.mark.slow


def _profile(tmp_path: Path, code: str, flows: str, extra: str = "") -> Path:
    path = tmp_path / f"{code}.yaml"
    path.write_text(f"""version: 1
agency: {{code: {code}, name: "Uji mode klien", institution_id: "151345"}}
spec_pack: lapor-v3
environment: simulator
target: {{base_url: simulator}}
auth: {{bearer_header: Authorization, api_key: "${{LAPOR_API_KEY}}", token: "${{LAPOR_TOKEN}}"}}
budget: {{seed: 20240601}}
suites: [client]
client:
  flows:
{flows}
  scenarios: 0
  limits: {{retry_min_delay_s: 0.1}}
{extra}""", encoding="utf-8")
    return path


def _run(profile: Path, tmp_path: Path, capsys, **options) -> tuple[int, str, Path]:
    code = run_profile(str(profile), RunOptions(reports_dir=str(tmp_path / "reports"), html=False, **options))
    out = capsys.readouterr().out
    return code, out, Path(out.strip().splitlines()[-1])


@pytest.fixture()
def canary_env(monkeypatch):
    monkeypatch.setenv("LAPOR_API_KEY", CANARY_API_KEY)
    monkeypatch.setenv("LAPOR_TOKEN", CANARY_TOKEN)


@pytest.fixture()
def sample_app(tmp_path):
    """The sample integrator running as a service (`serve`), configured to call the simulator's fixed port."""
    simulator_port, app_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAPOR_API_KEY": CANARY_API_KEY, "LAPOR_TOKEN": CANARY_TOKEN,
           "LAPOR_BASE_URL": f"http://127.0.0.1:{simulator_port}/integration/api/v3",
           "LAPOR_TIMEOUT_S": "2", "LAPOR_RETRY_BASE_S": "0.1"}
    process = subprocess.Popen([sys.executable, "-m", "examples.agency_integrator", "--db",
                                str(tmp_path / "agency.sqlite3"), "serve", "--port", str(app_port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert "agency_integrator: POST" in process.stdout.readline()  # type: ignore[union-attr]
    yield simulator_port, f"http://127.0.0.1:{app_port}"
    process.send_signal(signal.SIGINT)
    process.wait(timeout=15)


def test_conforming_sample_app_passes_an_assessment_end_to_end(tmp_path, capsys, canary_env, sample_app):
    simulator_port, app = sample_app
    flows = f"""    forward:
      - {{http: {{url: "{app}/demo/intake"}}, quiet_s: 0.1}}
      - {{http: {{url: "{app}/lapor/forward"}}, quiet_s: 0.1}}
    poll: {{http: {{url: "{app}/lapor/poll"}}, quiet_s: 0.1}}
    reply: {{http: {{url: "{app}/lapor/reply"}}, quiet_s: 0.1}}"""
    profile = _profile(tmp_path, "klien-contoh", flows,
                       f"  simulator: {{port: {simulator_port}}}\n  faults: {{hang_s: 2.5}}\n")
    init_keys(str(tmp_path / "keys"))
    private, public = tmp_path / "keys" / PRIVATE_NAME, tmp_path / "keys" / PUBLIC_NAME
    code, out, run_dir = _run(profile, tmp_path, capsys, mode="assessment", key=str(private))
    assert code == 0, out
    assert "Arahkan aplikasi ke URL dasar : http://127.0.0.1:" in out and "/integration/api/v3" in out
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "pass" and summary["direction"] == "client"
    assert summary["mode"] == "assessment" and summary["suites"] == ["client"]
    assert summary["recommendation"]["code"] == "ready" and "SIAP UNTUK INTEGRASI" in out
    assert summary["evidence"]["problems"] == [] and "createComplaint" in summary["evidence"]["operations"]
    bundle = run_dir.parent / f"{run_dir.name}.evidence.zip"
    assert bundle.is_file() and verify_command(str(bundle), str(public)) == 0
    assert "SIAP UNTUK INTEGRASI" in (run_dir / "index.html").read_text(encoding="utf-8")
    client_rows = [row for row in summary["requirements"] if row["direction"] == "client"]
    assert len(client_rows) == 14 and all(row["outcome"] == "passed" for row in client_rows), client_rows
    assert {row["outcome"] for row in summary["requirements"] if row["direction"] == "provider"} == {"not_applicable"}
    assert [e["name"] for e in summary["client"]["episodes"]] == ["baseline", "create-ambiguous", "transient", "unusual"]
    for name in ("junit.xml", "ledger.jsonl", "context.json", "requirements.html", "client/traffic.jsonl",
                 "client/episodes.json"):
        assert (run_dir / name).is_file(), name
    ET.parse(run_dir / "junit.xml")
    results = [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]
    assert len(results) == 14 and len({r["testCaseId"] for r in results}) == 14
    for result in results:
        suites = [label["value"] for label in result["labels"] if label["name"] == "suite"]
        assert suites == ["client"]
        assert [label["value"] for label in result["labels"] if label["name"] == "requirement"]
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CANARY_API_KEY.encode() not in data and CANARY_TOKEN.encode() not in data, path


CARELESS = """import os, time, httpx
base = os.environ["LAPOR_BASE_URL"]
key = {"Authorization": "Bearer " + os.environ["LAPOR_API_KEY"]}
httpx.get(base + "/masters/institutions/external", params={"page_size": 1000}, headers=key)  # no token
httpx.post(base + "/complaints/complaint", headers={**key, "token": os.environ["LAPOR_TOKEN"]},
           json={"title": "Uji", "content": "Isi aduan uji " + str(time.time_ns()), "channel": 13,
                 "classification_id": 6, "category_id": 15, "is_anonymous": True, "attachments": "[]"})
"""


def test_careless_client_fails_naming_its_requirements(tmp_path, capsys, canary_env):
    (tmp_path / "careless.py").write_text(CARELESS, encoding="utf-8")
    flows = f"""    forward: {{command: "{{python}} careless.py", cwd: "{tmp_path}"}}"""
    profile = _profile(tmp_path, "klien-ceroboh", flows, "  faults: {enabled: false}\n")
    code, out, run_dir = _run(profile, tmp_path, capsys)
    assert code == 1, out
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    failed = {row["id"] for row in summary["requirements"] if row["outcome"] == "failed"}
    assert failed == {"LAPOR-AUTH-006", "LAPOR-CLIENT-007"}, failed
    assert "✗ LAPOR-AUTH-006" in out and "✗ LAPOR-CLIENT-007" in out
    assert "tanpa header `token`" in out
    outcomes = {row["id"]: row["outcome"] for row in summary["requirements"]}
    assert outcomes["LAPOR-CLIENT-009"] == "not_exercised"  # no reroute was ever sent
    failing = [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]
    failing = [r for r in failing if r["status"] == "failed"]
    assert len(failing) == 2 and all(r.get("attachments") for r in failing)
    assert all(CANARY_TOKEN.encode() not in p.read_bytes() for p in run_dir.rglob("*") if p.is_file())


def test_simulate_record_keeps_the_apps_traffic(tmp_path):
    port, record = free_port(), tmp_path / "rekaman.jsonl"
    env = {**os.environ, "LAPOR_API_KEY": CANARY_API_KEY, "LAPOR_TOKEN": CANARY_TOKEN, "PYTHONPATH": str(ROOT)}
    code = ("from conformance.simulator.client_mode import serve_recording; "
            f"raise SystemExit(serve_recording(port={port}, record_path={str(record)!r}))")
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        banner = []
        for line in process.stdout:  # type: ignore[union-attr]
            banner.append(line)
            if "Ctrl+C" in line:
                break
        text = "".join(banner)
        assert "Mode rekam" in text and str(record) in text and CANARY_API_KEY not in text
        control = next(line for line in banner if "curl -H" in line)
        key = control.split("'")[1].split(": ", 1)[1]
        base = f"http://127.0.0.1:{port}/integration/api/v3"
        headers = {"Authorization": f"Bearer {CANARY_API_KEY}", "token": CANARY_TOKEN}
        assert httpx.get(base + "/masters/templates", headers=headers).status_code == 200
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not record.read_text(encoding="utf-8").strip():
            time.sleep(0.05)
        line = json.loads(record.read_text(encoding="utf-8").splitlines()[0])
        assert line["operation"] == "listTemplates" and line["validation"]["ok"]
        assert CANARY_TOKEN not in record.read_text(encoding="utf-8")
        listed = httpx.get(f"http://127.0.0.1:{port}/_simulator/traffic", headers={"X-Simulator-Control": key}).json()
        assert [e["operation"] for e in listed["exchanges"]] == ["listTemplates"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


def test_an_app_that_sends_nothing_gets_no_recommendation(tmp_path, capsys, canary_env):
    flows = f"""    forward: {{command: "{{python}} -c pass", cwd: "{tmp_path}"}}"""
    profile = _profile(tmp_path, "klien-diam", flows, "  faults: {enabled: false}\n")
    code, out, run_dir = _run(profile, tmp_path, capsys)
    assert code == 2, out
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "incomplete" and summary["recommendation"]["code"] == "insufficient_evidence"
    assert {"code": "no_traffic"} in summary["evidence"]["problems"]
    assert "tidak mengirim satu permintaan pun" in out
    assert not [row for row in summary["requirements"] if row["outcome"] == "passed"]
