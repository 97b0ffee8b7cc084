"""Curl reproductions replay: run with bash, with the credentials taken from the user's environment,
they send the same request again — binary uploads included, byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess

import pytest
from schemathesis.core.file_samples import FILE_SAMPLES

from conformance.engine.context import API_KEY_ENV, TOKEN_ENV, RunContext
from conformance.engine import provider
from conformance.engine.session import ProviderSession
from conformance.specpack import load_pack
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, serve

BASE_PATH = "/integration/api/v3"


@pytest.fixture
def session(tmp_path, monkeypatch):
    from conformance.simulator.app import create_app

    monkeypatch.setenv(API_KEY_ENV, CANARY_API_KEY)
    monkeypatch.setenv(TOKEN_ENV, CANARY_TOKEN)
    app = create_app(tmp_path / "sim.sqlite3", {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN})
    with serve(app) as origin:
        pack = load_pack("lapor-v3")
        context = RunContext(run_dir=str(tmp_path), base_url=origin + BASE_PATH, pack_dir=str(pack.root),
                             bearer_header="Authorization", agency={"code": "uji"}, environment="simulator",
                             seed=1, max_examples=1, max_time_s=60, stateful=False)
        context_file = tmp_path / "context.json"
        context.write(context_file)
        monkeypatch.setenv("LAPOR_CONFORMANCE_CONTEXT", str(context_file))
        provider._STATE.clear()
        schema = provider.provider_schema()
        yield ProviderSession(context, pack, schema)
        provider._STATE.clear()


def replay(command: str) -> dict:
    """Run a reproduction as a user would: bash, credentials in LAPOR_API_KEY / LAPOR_TOKEN."""
    env = {"PATH": os.environ["PATH"], "LAPOR_API_KEY": CANARY_API_KEY, "LAPOR_TOKEN": CANARY_TOKEN}
    done = subprocess.run(["bash", "-c", command + " --silent --show-error"], capture_output=True, env=env,
                          timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return json.loads(done.stdout)


def test_binary_upload_reproduction_replays_byte_for_byte(session, tmp_path):
    jpeg, pdf = FILE_SAMPLES["jpg"], FILE_SAMPLES["pdf"]
    assert b"\x00" in jpeg  # the case bash's $'…' quoting cannot carry
    operation = session.schema.find_operation_by_id("uploadAttachments")
    case = operation.Case(body={"attachments[]": [jpeg, pdf]}, media_type="multipart/form-data")
    command = session.curl_for(case)
    assert CANARY_API_KEY not in command and CANARY_TOKEN not in command
    assert '"Authorization: Bearer ${LAPOR_API_KEY}"' in command and '"token: ${LAPOR_TOKEN}"' in command
    body = replay(command)
    docs = body["results"]["docs"]
    assert len(docs) == 2, body  # both files arrived as files, not as truncated fields
    with sqlite3.connect(tmp_path / "sim.sqlite3") as db:
        stored = [db.execute("SELECT sha256 FROM documents WHERE id = ?", (int(doc["id"]),)).fetchone()[0]
                  for doc in docs]
    assert stored == [hashlib.sha256(jpeg).hexdigest(), hashlib.sha256(pdf).hexdigest()]


def test_text_reproduction_stays_a_readable_curl(session):
    operation = session.schema.find_operation_by_id("listTemplates")
    command = session.curl_for(operation.Case(query={"page_size": 2}))
    assert command.startswith("curl -X GET") and "base64" not in command
    assert replay(command)["results"]["data"]
