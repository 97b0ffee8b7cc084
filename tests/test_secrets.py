"""Secrets never leak: canary credentials appear in no output, console or file."""

from __future__ import annotations

import base64
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from conformance.redaction import near_misses
from tests.broken.variants import VARIANTS
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT, run_cli, serve, write_profile

# The second institution's credentials (object-level authorisation checks) are secrets too.
CANARY_B_API_KEY = "$2y$10$CANARYsecondKeyDoNotLeak98765zyxwvutsrqponmlkjihgfedcba"
CANARY_B_TOKEN = "{CA4A41E5-BBBB-4C0D-B00B-5EC0DDEADB0B}"
CANARIES = [CANARY_API_KEY, CANARY_TOKEN, urllib.parse.quote(CANARY_API_KEY, safe=""),
            urllib.parse.quote(CANARY_TOKEN, safe=""), CANARY_API_KEY[7:], CANARY_TOKEN[1:-1],
            CANARY_B_API_KEY, CANARY_B_TOKEN, urllib.parse.quote(CANARY_B_API_KEY, safe=""),
            urllib.parse.quote(CANARY_B_TOKEN, safe=""), CANARY_B_API_KEY[7:], CANARY_B_TOKEN[1:-1]]
# What the auth probes derive from them (one character changed), and base64 of each, are secrets too.
CANARIES += [near for secret in (CANARY_API_KEY, CANARY_TOKEN) for near in near_misses(secret)]
CANARIES += [base64.b64encode(secret.encode()).decode().rstrip("=")
             for secret in (CANARY_API_KEY, CANARY_TOKEN, CANARY_B_API_KEY, CANARY_B_TOKEN)]


def _leaks(run_dir: Path, console: str) -> list[str]:
    found = [f"console: {c}" for c in CANARIES if c in console]
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(run_dir)}: {c}" for c in CANARIES if c.encode() in data]
    return found


def _bundle_leaks(bundle: Path) -> list[str]:
    """The zip's raw bytes, and every file inside it read back through a zip reader."""
    data = bundle.read_bytes()
    found = [f"{bundle.name}: {c}" for c in CANARIES if c.encode() in data]
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            found += [f"{bundle.name}!{name}: {c}" for c in CANARIES if c.encode() in content]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["echoes-token", "token-in-cookie-base64"])
def test_canaries_never_leave_the_process_even_when_the_server_echoes_them(tmp_path, monkeypatch, capsys, variant):
    from conformance.simulator.app import create_app

    monkeypatch.setenv("LAPOR_API_KEY", CANARY_API_KEY)
    monkeypatch.setenv("LAPOR_TOKEN", CANARY_TOKEN)
    credentials = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
    echo = next(v for v in VARIANTS if v.name == variant)
    with serve(echo.wrap(create_app(tmp_path / "sim.sqlite3", credentials), credentials)) as origin:
        profile = write_profile(tmp_path / "p.yaml", base_url=f"{origin}/integration/api/v3", max_examples=5)
        code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r")], capsys)
    run_dir = Path(out.strip().splitlines()[-1])
    assert code == 1
    assert list(run_dir.rglob("*-result.json"))
    assert _leaks(run_dir, out + err) == []


@pytest.mark.slow
def test_canaries_absent_from_an_assessment_run_and_its_bundle(tmp_path, monkeypatch, capsys):
    """Canaries in every secret slot (incl. auth.second_institution): none in console, run dir or bundle."""
    for name, value in (("LAPOR_API_KEY", CANARY_API_KEY), ("LAPOR_TOKEN", CANARY_TOKEN),
                        ("LAPOR_B_API_KEY", CANARY_B_API_KEY), ("LAPOR_B_TOKEN", CANARY_B_TOKEN)):
        monkeypatch.setenv(name, value)
    text = (ROOT / "profiles" / "contoh-simulator.yaml").read_text(encoding="utf-8")
    text = text.replace("max_examples: 15", "max_examples: 5")
    assert "api_key: ${LAPOR_B_API_KEY}" in text and "token: ${LAPOR_B_TOKEN}" in text  # the example names them
    profile = tmp_path / "asesmen.yaml"
    profile.write_text(text, encoding="utf-8")
    assert run_cli(["keys", "init", "--dir", str(tmp_path / "keys")], capsys)[0] == 0
    code, out, err = run_cli(["run", str(profile), "--mode", "assessment", "--key",
                              str(tmp_path / "keys" / "signing-key.pem"), "--reports-dir", str(tmp_path / "r")], capsys)
    run_dir = Path(out.strip().splitlines()[-1])
    bundle = run_dir.parent / f"{run_dir.name}.evidence.zip"
    assert code in (0, 1), out + err
    assert bundle.is_file(), out + err
    assert _leaks(run_dir, out + err) == []
    assert _bundle_leaks(bundle) == []
    with zipfile.ZipFile(bundle) as archive:  # the references are there, the values are not
        assert b"${LAPOR_B_API_KEY}" in archive.read("profile.effective.json")


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


def test_redactor_keeps_prose_and_the_public_probe_values_but_masks_unknown_credentials():
    from conformance.redaction import MASK, WRONG_KEY, WRONG_TOKEN, Redactor

    redactor = Redactor([CANARY_API_KEY, CANARY_TOKEN])
    for prose in ("kunci salah / wrong token: HTTP 200", "the token: accepted", "auth: none"):
        assert redactor.redact(prose) == prose
    probe = f"curl -H 'Authorization: Bearer {WRONG_KEY}' -H 'token: {WRONG_TOKEN}'"
    assert redactor.redact(probe) == probe  # a probe's reproduction must show what made it a probe
    unknown = "token: {DEADBEEF-1111-2222-3333-444444444444} rest"
    assert redactor.redact(unknown) == f"token: {MASK} rest"  # masked whole, no dangling brace
    assert redactor.redact('{"token": "sk_live_12345678"}') == f'{{"token": "{MASK}"}}'


def test_redactor_sweeps_a_tree(tmp_path):
    from conformance.redaction import Redactor

    (tmp_path / "a.txt").write_text(f"x {CANARY_TOKEN} y", encoding="utf-8")
    (tmp_path / "b.bin").write_bytes(b"\xff\xfe" + CANARY_TOKEN.encode())
    redactor = Redactor([CANARY_TOKEN])
    assert redactor.redact_tree(tmp_path) == 2
    assert redactor.leaks(tmp_path) == []
