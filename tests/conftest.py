"""Shared helpers for the harness's own tests."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the tests run from a checkout, installed or not
    sys.path.insert(0, str(ROOT))

CANARY_API_KEY = "$2y$10$CANARYkeyDoNotLeak0123456789abcdefghijklmnopqrstuvwxy"
CANARY_TOKEN = "{CA4A41E5-0000-4C0D-B00B-DEADBEEFCAFE}"


@pytest.fixture(autouse=True)
def _indonesian_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from conformance.i18n import set_lang

    monkeypatch.delenv("LAPOR_API_KEY", raising=False)
    monkeypatch.delenv("LAPOR_TOKEN", raising=False)
    set_lang("id")
    yield
    set_lang("id")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port; yields http://127.0.0.1:PORT."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def write_profile(path: Path, *, base_url: str, code: str = "uji-varian", max_examples: int = 5,
                  stateful: bool = False, seed: int = 7, bearer_header: str = "Authorization") -> Path:
    path.write_text(f"""version: 1
agency:
  code: {code}
  name: "Uji varian rusak"
  institution_id: "151345"
spec_pack: lapor-v3
environment: simulator
target:
  base_url: {base_url}
auth:
  bearer_header: {bearer_header}
  api_key: ${{LAPOR_API_KEY}}
  token: ${{LAPOR_TOKEN}}
budget:
  max_examples: {max_examples}
  seed: {seed}
  stateful: {str(stateful).lower()}
""", encoding="utf-8")
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from conformance.cli import main

    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
