"""CLI behaviour a user meets first: requirements listing, usage errors, dead targets."""

from __future__ import annotations

import json

from tests.conftest import free_port, run_cli


def test_requirements_table_in_indonesian_and_english(capsys):
    code, out, _ = run_cli(["requirements"], capsys)
    assert code == 0 and "LAPOR-AUTH-001" in out and "Persyaratan" in out
    code, out, _ = run_cli(["requirements", "--lang", "en"], capsys)
    assert code == 0 and "Requirement" in out and "requirements in pack lapor-v3" in out


def test_requirements_json_is_machine_readable(capsys):
    code, out, _ = run_cli(["requirements", "--json"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["pack"]["id"] == "lapor-v3" and len(payload["requirements"]) >= 30
    assert {"id", "level", "evidence", "direction", "provisional", "checked_by"} <= set(payload["requirements"][0])


def test_unknown_pack_is_a_clear_error(capsys):
    code, _, err = run_cli(["requirements", "--pack", "tidak-ada"], capsys)
    assert code == 2 and "tidak-ada" in err and "Traceback" not in err


def test_dead_target_exits_2_naming_the_url_and_writes_no_run(tmp_path, monkeypatch, capsys):
    port = free_port()  # nothing listens there
    profile = tmp_path / "mati.yaml"
    profile.write_text(f"""version: 1
agency: {{code: mati, name: Target mati}}
environment: training
target: {{base_url: "http://127.0.0.1:{port}/integration/api/v3"}}
auth: {{bearer_header: auth, api_key: "${{LAPOR_API_KEY}}", token: "${{LAPOR_TOKEN}}"}}
""", encoding="utf-8")
    monkeypatch.setenv("LAPOR_API_KEY", "kunci-rahasia-uji")
    monkeypatch.setenv("LAPOR_TOKEN", "token-rahasia-uji")
    code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r")], capsys)
    assert code == 2
    assert f"127.0.0.1:{port}" in err and "tidak dapat dihubungi" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "r" / "mati").exists()
    code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r"), "--lang", "en"], capsys)
    assert code == 2 and "cannot be reached" in err


def test_misspelled_key_in_a_run_names_the_line(tmp_path, capsys):
    profile = tmp_path / "salah.yaml"
    profile.write_text("version: 1\nagency: {code: x1, name: X}\ntarget: {base_url: simulator}\nbudjet: {seed: 1}\n",
                       encoding="utf-8")
    code, _, err = run_cli(["run", str(profile)], capsys)
    assert code == 2 and ":4" in err and "budjet" in err and "budget" in err


def test_the_command_lines_own_words_follow_the_language(capsys):
    import pytest

    from conformance.cli import main

    for argv, words in ((["run"], ("penggunaan:", "galat: argumen berikut wajib diisi: profile")),
                        (["--lang", "en", "run"], ("usage:", "error: the following arguments are required: profile"))):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and all(word in err for word in words), err
