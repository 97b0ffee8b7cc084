"""Secrets never leak: canary credentials appear in no output, console or file."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest

from tests.broken.variants import VARIANTS
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT, run_cli, serve, write_profile

CANARIES = [CANARY_API_KEY, CANARY_TOKEN, urllib.parse.quote(CANARY_API_KEY, safe=""),
            urllib.parse.quote(CANARY_TOKEN, safe=""), CANARY_API_KEY[7:], CANARY_TOKEN[1:-1]]


def _leaks(run_dir: Path, console: str) -> list[str]:
    found = [f"console: {c}" for c in CANARIES if c in console]
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(run_dir)}: {c}" for c in CANARIES if c.encode() in data]
    return found


@pytest.mark.slow
def test_canaries_never_leave_the_process_even_when_the_server_echoes_them(tmp_path, monkeypatch, capsys):
    from conformance.simulator.app import create_app

    monkeypatch.setenv("LAPOR_API_KEY", CANARY_API_KEY)
    monkeypatch.setenv("LAPOR_TOKEN", CANARY_TOKEN)
    credentials = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
    echo = next(v for v in VARIANTS if v.name == "echoes-token")
    with serve(echo.wrap(create_app(tmp_path / "sim.sqlite3", credentials), credentials)) as origin:
        profile = write_profile(tmp_path / "p.yaml", base_url=f"{origin}/integration/api/v3", max_examples=5)
        code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r")], capsys)
    run_dir = Path(out.strip().splitlines()[-1])
    assert code == 1
    assert list(run_dir.rglob("*-result.json"))
    assert _leaks(run_dir, out + err) == []


@pytest.mark.slow
def test_canaries_absent_from_a_simulator_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAPOR_API_KEY", CANARY_API_KEY)
    monkeypatch.setenv("LAPOR_TOKEN", CANARY_TOKEN)
    code, out, err = run_cli(["run", str(ROOT / "profiles" / "contoh-simulator.yaml"), "--max-examples", "5",
                              "--reports-dir", str(tmp_path / "r")], capsys)
    run_dir = Path(out.strip().splitlines()[-1])
    assert code == 0, out + err
    assert _leaks(run_dir, out + err) == []


def test_redactor_masks_values_headers_and_encodings():
    from conformance.redaction import MASK, Redactor

    redactor = Redactor([CANARY_API_KEY, CANARY_TOKEN])
    text = (f"curl -H 'Authorization: Bearer {CANARY_API_KEY}' -H 'token: {CANARY_TOKEN}' "
            f"?k={urllib.parse.quote(CANARY_API_KEY, safe='')} {{\"auth\": \"Bearer other-secret\"}}")
    cleaned = redactor.redact(text)
    assert CANARY_API_KEY not in cleaned and CANARY_TOKEN not in cleaned
    assert urllib.parse.quote(CANARY_API_KEY, safe="") not in cleaned
    assert "other-secret" not in cleaned  # credential headers are masked by name too
    assert cleaned.count(MASK) >= 4


def test_redactor_sweeps_a_tree(tmp_path):
    from conformance.redaction import Redactor

    (tmp_path / "a.txt").write_text(f"x {CANARY_TOKEN} y", encoding="utf-8")
    (tmp_path / "b.bin").write_bytes(b"\xff\xfe" + CANARY_TOKEN.encode())
    redactor = Redactor([CANARY_TOKEN])
    assert redactor.redact_tree(tmp_path) == 2
    assert redactor.leaks(tmp_path) == []
