"""CLI behaviour a user meets first: requirements listing, usage errors, dead targets."""

from __future__ import annotations

import json
import re
import socket

import pytest

from conformance.errors import UserError
from conformance.i18n import catalogue, set_lang
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
    profile = _remote_profile(tmp_path, f"http://127.0.0.1:{port}/integration/api/v3")
    monkeypatch.setenv("LAPOR_API_KEY", "kunci-rahasia-uji")
    monkeypatch.setenv("LAPOR_TOKEN", "token-rahasia-uji")
    code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r")], capsys)
    assert code == 2
    assert f"127.0.0.1:{port}" in err and "tidak dapat dihubungi" in err
    assert "(koneksi ditolak)" in err and "ConnectError" not in err
    assert "LAPOR-HTTP-002" not in err  # plain http to loopback is no transport warning
    assert "Traceback" not in out + err
    assert not (tmp_path / "r" / "jauh").exists()
    code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r"), "--lang", "en"], capsys)
    assert code == 2 and "cannot be reached (connection refused)" in err


def test_misspelled_key_in_a_run_names_the_line(tmp_path, capsys):
    profile = tmp_path / "salah.yaml"
    profile.write_text("version: 1\nagency: {code: x1, name: X}\ntarget: {base_url: simulator}\nbudjet: {seed: 1}\n",
                       encoding="utf-8")
    code, _, err = run_cli(["run", str(profile)], capsys)
    assert code == 2 and ":4" in err and "budjet" in err and "budget" in err


def test_the_command_lines_own_words_follow_the_language(capsys):
    import pytest

    from conformance.cli import main

    for argv, words in ((["run"], ("penggunaan:", "galat: argumen berikut wajib diisi: profil")),
                        (["--lang", "en", "run"], ("usage:", "error: the following arguments are required: profile"))):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and all(word in err for word in words), err


def _remote_profile(tmp_path, base_url: str):
    profile = tmp_path / "jauh.yaml"
    profile.write_text(f"""version: 1
agency: {{code: jauh, name: Target jauh}}
environment: training
target: {{base_url: "{base_url}"}}
auth: {{bearer_header: auth, api_key: "${{LAPOR_API_KEY}}", token: "${{LAPOR_TOKEN}}"}}
""", encoding="utf-8")
    return profile


def test_a_name_that_does_not_resolve_is_said_in_words(tmp_path, monkeypatch, capsys):
    # `.invalid` never resolves (RFC 6761): no host outside this machine is contacted.
    profile = _remote_profile(tmp_path, "https://lapor-conformance-test.invalid/integration/api/v3")
    monkeypatch.setenv("LAPOR_API_KEY", "kunci-rahasia-uji")
    monkeypatch.setenv("LAPOR_TOKEN", "token-rahasia-uji")
    code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r")], capsys)
    assert code == 2 and "(nama host tidak dapat di-resolve)" in err and "ConnectError" not in err, err
    code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r"), "--lang", "en"], capsys)
    assert code == 2 and "(the host name does not resolve)" in err and "Traceback" not in out + err, err


def test_a_target_that_never_answers_times_out_in_words(tmp_path, monkeypatch, capsys):
    from conformance.runner import target

    monkeypatch.setattr(target, "PREFLIGHT_TIMEOUT_S", 0.3)
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/integration/api/v3"
        for lang, words in (("id", "(waktu habis setelah 0.3 detik)"), ("en", "(timed out after 0.3 s)")):
            set_lang(lang)  # the CLI renders in the language it set before the run
            with pytest.raises(UserError) as stopped:
                target.preflight(url)
            assert words in stopped.value.render(), stopped.value.params
            assert "Timeout" not in stopped.value.render()


def test_run_warns_of_plain_http_to_a_remote_host_before_any_request_and_goes_on(tmp_path, monkeypatch, capsys):
    from conformance.runner import target

    profile = _remote_profile(tmp_path, "http://lapor-conformance-test.invalid/integration/api/v3")
    monkeypatch.setenv("LAPOR_API_KEY", "kunci-rahasia-uji")
    monkeypatch.setenv("LAPOR_TOKEN", "token-rahasia-uji")
    seen_before_network: list[str] = []

    def no_network(base_url: str) -> None:  # the first request of a run: record what was said before it
        seen_before_network.append(capsys.readouterr().err)
        raise UserError("run.target_unreachable", url=base_url, detail="-")

    monkeypatch.setattr(target, "preflight", no_network)
    code, _, _ = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r")], capsys)
    assert code == 2 and len(seen_before_network) == 1  # the warning does not stop the run
    warning = seen_before_network[0]
    assert "Peringatan:" in warning and "jauh.yaml:4" in warning and "LAPOR-HTTP-002" in warning
    assert "http://lapor-conformance-test.invalid/integration/api/v3" in warning and "kunci-rahasia" not in warning
    run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "r"), "--lang", "en"], capsys)
    assert "credentials would travel unencrypted" in seen_before_network[1]


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "delapan"])
def test_simulate_refuses_a_port_outside_the_tcp_range(port, capsys):
    from conformance.cli import main

    for argv, words in ((["simulate", "--port", port], "bukan port TCP yang sah"),
                        (["simulate", "--port", port, "--lang", "en"], "is not a valid TCP port")):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and words in err and "--port" in err, err
        assert "OverflowError" not in err and "Traceback" not in err


def test_simulate_on_a_port_in_use_names_it_and_suggests_another(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, out, err = run_cli(["simulate", "--port", str(port)], capsys)
        assert code == 2 and f"Port {port}" in err and "sudah dipakai" in err and "--port 0" in err, err
        code, out, err = run_cli(["simulate", "--port", str(port), "--lang", "en"], capsys)
        assert code == 2 and f"Port {port}" in err and "already in use" in err and "--port 0" in err, err
        assert "Address already in use" not in err and "Traceback" not in err


def test_second_institution_does_not_go_with_record(tmp_path, capsys):
    from conformance.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["simulate", "--record", str(tmp_path / "t.jsonl"), "--second-institution", "12838", "--lang", "en"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "--second-institution" in err and "simulate" in err
    assert not (tmp_path / "t.jsonl").exists()


COMMANDS = ([], ["run"], ["simulate"], ["requirements"], ["profile"], ["profile", "validate"], ["profile", "schema"],
            ["keys"], ["keys", "init"], ["verify"], ["diff"])


def _help(argv: list[str], capsys) -> str:
    from conformance.cli import main

    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


def test_help_is_wholly_in_its_language(capsys):
    # The placeholders in capitals (a lower-case one, `profile`, is also a command's name).
    metavars = [entry for key, entry in catalogue().items() if key.startswith("cli.metavar.") and entry["en"].isupper()]
    indonesian_only = {e["id"] for e in metavars if e["id"] != e["en"]} | {"PERINTAH", "BERKAS"}
    english_only = {e["en"] for e in metavars if e["id"] != e["en"]}
    for command in COMMANDS:
        shown_id = _help(command, capsys)
        shown_en = _help([*command, "--lang", "en"], capsys)
        assert "show program's" not in shown_id and "show this help" not in shown_id, command
        words_en = set(re.findall(r"\w+", shown_en))
        words_id = set(re.findall(r"\w+", shown_id))
        assert not indonesian_only & words_en, (command, indonesian_only & words_en)
        assert not english_only & words_id, (command, english_only & words_id)
    top_id, top_en = _help([], capsys), _help(["--lang", "en"], capsys)
    assert "--version       tampilkan versi program lalu keluar" in top_id and "PERINTAH" in top_id
    assert "COMMAND" in top_en and "show program's version number and exit" in top_en
    assert "--record BERKAS" in _help(["simulate"], capsys)
    assert "--record FILE" in _help(["simulate", "--lang", "en"], capsys)


def test_english_counts_read_as_english():
    from conformance.i18n import t

    text = t("reason.too_few_accepted", "en", operation="createComplaint", accepted=1, required=3)
    assert "got only 1 accepted (2xx) answer(s)" in text
    for key, entry in catalogue().items():
        english = entry.get("en", "")
        assert "} 2xx answers" not in english and not re.search(r"\bnot array\b", english), key


def test_a_top_level_list_is_not_an_array_in_words(tmp_path, capsys):
    path = tmp_path / "daftar.yaml"
    path.write_text("- provider\n", encoding="utf-8")
    code, _, err = run_cli(["profile", "validate", str(path), "--lang", "en"], capsys)
    assert code == 2 and "not a list (array)" in err and "not array" not in err, err
