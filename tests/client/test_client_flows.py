"""The profile's `client:` section and the three ways to make the app act: command, http, manual."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from conformance.client.flows import FlowContext, ProfileFlow, run_flow
from conformance.client.settings import ClientSettings, Step, read_settings
from conformance.errors import ProfileError
from conformance.i18n import set_lang
from conformance.profiles.loader import load_profile
from conformance.redaction import Redactor
from conformance.simulator.client_mode import start_client_simulator
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT

PROFILE_HEAD = """version: 1
agency: {code: uji-klien, name: "Uji klien", institution_id: "151345"}
environment: simulator
target: {base_url: simulator}
auth: {bearer_header: auth, api_key: "${LAPOR_API_KEY}", token: "${LAPOR_TOKEN}"}
suites: [client]
"""


def _profile(tmp_path: Path, client_yaml: str):
    path = tmp_path / "profil.yaml"
    path.write_text(PROFILE_HEAD + client_yaml, encoding="utf-8")
    return load_profile(path)


def test_settings_defaults_and_steps(tmp_path):
    settings = read_settings(_profile(tmp_path, """client:
  flows:
    forward:
      - command: "{python} -m app intake"
      - {command: ["{python}", "-m", "app", "forward"], cwd: "..", env: {X: 1}, timeout_s: 5}
    poll: {http: {url: "http://127.0.0.1:9/poll"}, quiet_s: 0.5}
    reply: {manual: ["Kirim tanggapan"]}
  limits: {min_poll_interval_s: 60, attachment_extensions: [PDF]}
"""))
    forward = settings.flows["forward"]
    assert forward[0].command == ("{python}", "-m", "app", "intake") and forward[0].timeout_s == 120
    assert forward[1].cwd == ".." and forward[1].env == {"X": "1"} and forward[1].timeout_s == 5
    assert settings.flows["poll"][0].http["method"] == "POST" and settings.flows["poll"][0].quiet_s == 0.5
    assert settings.flows["reply"][0].manual == ("Kirim tanggapan",)
    assert settings.limits.min_poll_interval_s == 60 and settings.limits.attachment_extensions == ("pdf",)
    assert settings.limits.content_max_chars == 1000 and settings.scenarios == 1 and settings.faults.enabled
    assert settings.app_env["api_key"] == "LAPOR_API_KEY" and settings.manual


@pytest.mark.parametrize(("client_yaml", "field", "line"), [
    ("client:\n  flows:\n    forward: {command: x}\n  limitz: {}\n", "client.limitz", 10),
    ("client:\n  flows:\n    poll: {command: x}\n", "client.flows.forward", 8),  # the missing flow is named
    ("client:\n  flows:\n    forward: {command: x, http: {url: 'http://a'}}\n", "client.flows.forward", 9),
    ("client:\n  flows:\n    forward: {command: x}\n  limits:\n    min_poll_interval_s: -1\n",
     "client.limits.min_poll_interval_s", 11),
])
def test_settings_errors_name_field_and_line(tmp_path, client_yaml, field, line):
    set_lang("en")
    with pytest.raises(ProfileError) as caught:
        read_settings(_profile(tmp_path, client_yaml))
    assert caught.value.field == field and caught.value.line == line
    assert f":{line}:" in caught.value.render()


@pytest.fixture()
def flow_context(tmp_path):
    handle = start_client_simulator(credentials=(CANARY_API_KEY, CANARY_TOKEN), bearer_header="auth")
    lines: list[str] = []
    settings = ClientSettings(flows={}, base_dir=tmp_path, agency_institution_id="151345")
    context = FlowContext(handle, settings, tmp_path / "client", tmp_path / "work", Redactor([CANARY_API_KEY, CANARY_TOKEN]),
                          console=lines.append, episode=1)
    context.work_dir.mkdir(parents=True)
    yield context, lines
    handle.stop()


CALLER = """import os, httpx
r = httpx.get(os.environ["LAPOR_BASE_URL"] + "/masters/templates", headers={
    os.environ["LAPOR_BEARER_HEADER"]: "Bearer " + os.environ["LAPOR_API_KEY"], "token": os.environ["LAPOR_TOKEN"],
    "Accept": "application/json"})
print("status", r.status_code, os.environ["LAPOR_API_KEY"], os.environ.get("EXTRA"))
raise SystemExit(int(os.environ.get("EXIT", "0")))
"""


def test_command_flow_gets_credentials_in_env_and_logs_redacted(flow_context, tmp_path):
    context, _ = flow_context
    (tmp_path / "caller.py").write_text(CALLER, encoding="utf-8")
    step = Step("command", 20, 0.05, command=("{python}", "caller.py"), env={"EXTRA": "{work_dir}"})
    result = run_flow(context, "forward", "forward", ProfileFlow((step,)))
    assert result.ok and result.requests == 1, result.detail
    exchange = context.handle.recorder.exchanges()[-1]
    assert exchange["credentials"]["bearer"] == "valid" and exchange["credentials"]["bearer_in"] == "auth"
    log = (tmp_path / "client" / "flows" / "01-forward-1.log").read_text(encoding="utf-8")
    assert "status 200" in log and CANARY_API_KEY not in log and str(context.work_dir) in log
    failing = Step("command", 20, 0.05, command=(sys.executable, "caller.py"), env={"EXIT": "3"})
    result = run_flow(context, "poll", "poll", ProfileFlow((failing,)))
    assert not result.ok and "3" in result.detail
    slow = Step("command", 0.5, 0.05, command=(sys.executable, "-c", "import time; time.sleep(30)"))
    started = time.monotonic()
    result = run_flow(context, "reply", "reply", ProfileFlow((slow,)))
    assert not result.ok and time.monotonic() - started < 10


def test_http_flow_calls_the_apps_own_endpoint(flow_context, tmp_path):
    sys.path.insert(0, str(ROOT))
    from examples.agency_integrator import AgencyStore, Config, Integrator
    from examples.agency_integrator.server import make_server

    context, _ = flow_context
    handle = context.handle
    config = Config(base_url=handle.base_url, api_key=CANARY_API_KEY, token=CANARY_TOKEN, bearer_header="auth",
                    timeout_s=2, retry_base_s=0.1)
    integrator = Integrator(config, AgencyStore(tmp_path / "agency.sqlite3"))
    server = make_server(integrator)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        steps = (Step("http", 20, 0.2, http={"url": origin + "/demo/intake", "method": "POST"}),
                 Step("http", 20, 0.2, http={"url": origin + "/lapor/forward", "method": "POST"}))
        result = run_flow(context, "forward", "forward", ProfileFlow(steps))
        assert result.ok and result.requests >= 5, result.detail
        operations = {e["operation"] for e in handle.recorder.exchanges()}
        assert {"listInstitutions", "uploadAttachments", "createComplaint", "rerouteComplaint"} <= operations
        broken = run_flow(context, "poll", "poll", ProfileFlow((Step("http", 5, 0.1, http={"url": origin + "/nope"}),)))
        assert not broken.ok and "404" in broken.detail
    finally:
        server.shutdown()
        server.server_close()
        integrator.close()
        integrator.store.close()


def test_manual_flow_waits_for_a_person_then_for_quiet(flow_context):
    context, lines = flow_context
    handle = context.handle

    def person() -> None:
        time.sleep(0.3)
        httpx.get(handle.base_url + "/masters/templates", headers=handle.headers())

    helper = threading.Thread(target=person)
    helper.start()
    result = run_flow(context, "poll", "poll", ProfileFlow((Step("manual", 10, 0.2, manual=("Klik Periksa status",)),)))
    helper.join()
    assert result.ok and result.requests == 1 and not result.no_traffic
    printed = "\n".join(lines)
    assert "Langkah manual" in printed and "1. Klik Periksa status" in printed and handle.base_url in printed


def test_manual_flow_says_so_when_nothing_arrives(flow_context):
    context, lines = flow_context
    result = run_flow(context, "reply", "reply", ProfileFlow((Step("manual", 0.4, 0.1),)))
    assert result.ok and result.no_traffic and result.requests == 0
    printed = "\n".join(lines)
    assert "Tidak ada permintaan dari aplikasi Anda dalam 0.4 detik" in printed
    assert "Kirim satu tanggapan" in printed  # the default numbered instructions for `reply`


def test_client_schema_fragment_agrees_with_the_settings_reader():
    import json

    import yaml
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "conformance" / "client" / "client.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    example = yaml.safe_load((ROOT / "examples" / "agency_integrator" / "profil-klien.yaml").read_text(encoding="utf-8"))
    assert not list(validator.iter_errors(example["client"]))
    settings = read_settings(load_profile(ROOT / "examples" / "agency_integrator" / "profil-klien.yaml"))
    assert [len(settings.flows[name]) for name in ("forward", "poll", "reply")] == [2, 1, 1]
    for refused in ({"flows": {"poll": {"command": "x"}}}, {"flows": {"forward": {"command": "x", "http": {"url": "http://a"}}}},
                    {"flows": {"forward": {"command": "x"}}, "limitz": {}},
                    {"flows": {"forward": {"manual": ["a"]}}, "limits": {"min_poll_interval_s": -1}}):
        assert list(validator.iter_errors(refused)), refused
    defaults = {name: node["default"] for name, node in schema["properties"]["limits"]["properties"].items()}
    from conformance.client.settings import Limits

    assert defaults == Limits().to_dict()
