"""Profiles: schema, loader diagnostics (file, line, field, hint; id + en; no traceback), credentials."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also works under a bare `pytest`, without an installed package
    sys.path.insert(0, str(ROOT))

from conformance import cli  # noqa: E402
from conformance.errors import ProfileError  # noqa: E402
from conformance.i18n import set_lang  # noqa: E402
from conformance.profiles.loader import SCHEMA_PATH, load_profile  # noqa: E402
from conformance.loopback import is_loopback_url
from conformance.profiles.secrets import Credentials, resolve_credentials  # noqa: E402

EXAMPLES = sorted((ROOT / "profiles").glob("contoh-*.yaml"))
CREDENTIAL_VARIABLES = ("LAPOR_API_KEY", "LAPOR_TOKEN", "LAPOR_SPLP_API_KEY", "LAPOR_SPLP_TOKEN")
LITERAL_KEY = "$2y$10$" + "a1B2c3D4e5F6g7H8i9J0k./" * 2 + "abcdefg"
LITERAL_TOKEN = "{ABCD1234-ABCD-ABCD-ABCD-ABCDEF123456}"

BASE = """\
version: 1
agency:
  code: pemkot-padang
  name: Pemerintah Kota Padang
  institution_id: "12838"
environment: training
target:
  base_url: https://latihan-api.lapor.go.id/integration/api/v3
auth:
  bearer_header: Authorization
  api_key: ${LAPOR_API_KEY}
  token: ${LAPOR_TOKEN}
budget:
  max_examples: 5
"""


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch):
    set_lang("id")  # cli.main keeps the language of an earlier --lang en call in the same process
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    set_lang("id")


@pytest.fixture
def credentials_set(monkeypatch):
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.setenv(name, f"dummy-{name.lower()}-value")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "profil.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- error paths through the CLI: exit 2, file:line, field, hint, Indonesian and English ---------

CASES = {
    # name: (profile text, line, field, Indonesian fragment, English fragment)
    "yaml_syntax": (BASE.replace("  base_url: https", "  base_url: a: https"), 8, None,
                    "sintaks YAML tidak valid", "invalid YAML syntax"),
    "unknown_top": (BASE.replace("budget:", "budjet:"), 13, "budjet",
                    "kunci tidak dikenal `budjet` di tingkat teratas — maksud Anda `budget`?",
                    "unknown top-level key `budjet` — did you mean `budget`?"),
    "unknown_nested": (BASE.replace("  max_examples: 5", "  max_exampels: 5"), 14, "budget.max_exampels",
                       "kunci tidak dikenal `max_exampels` — maksud Anda `max_examples`?",
                       "unknown key `max_exampels` — did you mean `max_examples`?"),
    "wrong_type": (BASE.replace("  max_examples: 5", "  max_examples: lima"), 14, "budget.max_examples",
                   "harus bertipe integer, tetapi berisi string `lima`",
                   "must be of type integer, but it holds the string `lima`"),
    "quote_number": (BASE.replace('  institution_id: "12838"', "  institution_id: 12838"), 5,
                     "agency.institution_id", 'Beri tanda kutip: `institution_id: "12838"`',
                     'Quote it: `institution_id: "12838"`'),
    "missing_required": (BASE.replace("  token: ${LAPOR_TOKEN}\n", ""), 9, "auth.token",
                         "bidang wajib `auth.token` tidak ada. Tambahkan `token: ${LAPOR_TOKEN}` di bawah `auth:`",
                         "required field `auth.token` is missing. Add `token: ${LAPOR_TOKEN}` under `auth:`"),
    "missing_top": (BASE.replace("version: 1\n", ""), 1, "version",
                    "Tambahkan `version: 1` di tingkat teratas", "Add `version: 1` at the top level"),
    "bad_enum": (BASE.replace("environment: training", "environment: staging"), 6, "environment",
                 "Pilih salah satu: `simulator`, `training`, `sandbox`, `production`",
                 "Choose one of: `simulator`, `training`, `sandbox`, `production`"),
    "literal_key": (BASE.replace("${LAPOR_API_KEY}", LITERAL_KEY), 11, "auth.api_key",
                    "tulis `api_key: ${LAPOR_API_KEY}`", "write `api_key: ${LAPOR_API_KEY}`"),
    "literal_token": (BASE.replace("${LAPOR_TOKEN}", f'"{LITERAL_TOKEN}"'), 12, "auth.token",
                      "simpan di variabel lingkungan", "put it in an environment variable"),
    "unset_env_remote": (BASE, 11, "auth.api_key", "merujuk variabel lingkungan `LAPOR_API_KEY`",
                         "refers to the environment variable `LAPOR_API_KEY`"),
    "duplicate_key": (BASE + "budget:\n  seed: 1\n", 15, "budget", "ditulis dua kali (pertama di baris 13)",
                      "appears twice (first on line 13)"),
    "bad_base_url": (BASE.replace("https://latihan", "ftp://latihan"), 8, "target.base_url",
                     "Isi dengan kata `simulator`", "Use the word `simulator`"),
    "variable_in_base_url": (BASE.replace("https://latihan-api.lapor.go.id", "http://127.0.0.1:${PORT}"), 8,
                             "target.base_url", "hanya dibaca untuk kredensial", "read only for credentials"),
    "port_not_a_number": (BASE.replace("https://latihan-api.lapor.go.id", "http://127.0.0.1:80a"), 8,
                          "target.base_url", "Isi dengan kata `simulator`", "Use the word `simulator`"),
    "bad_agency_code": (BASE.replace("code: pemkot-padang", "code: Pemkot Padang"), 3, "agency.code",
                        "reports/<kode>/", "reports/<code>/"),
}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_error_paths(tmp_path, capsys, case, lang):
    text, line, field, fragment_id, fragment_en = CASES[case]
    path = write(tmp_path, text)
    argv = (["--lang", "en"] if lang == "en" else []) + ["profile", "validate", str(path)]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("Galat: " if lang == "id" else "Error: ")
    assert f"{path}:{line}:" in err
    if field is not None:
        assert f"`{field}`" in err
        assert ("bidang" if lang == "id" else "field") in err
    assert (fragment_id if lang == "id" else fragment_en) in err
    assert LITERAL_KEY not in err and LITERAL_TOKEN not in err  # secrets are never echoed


@pytest.mark.parametrize("lang", ["id", "en"])
def test_file_level_errors(tmp_path, capsys, lang):
    prefix = ["--lang", "en"] if lang == "en" else []
    expected = {
        "empty": ("kosong", "is empty"),
        "comments_only": ("kosong", "is empty"),
        "missing": ("tidak ditemukan", "not found"),
        "directory": ("direktori", "directory"),
        "list": ("harus berupa mapping YAML", "must be a YAML mapping"),
        "binary": ("bukan teks UTF-8", "not valid UTF-8"),
    }
    paths = {
        "empty": write(tmp_path, "", "kosong.yaml"),
        "comments_only": write(tmp_path, "# hanya komentar\n", "komentar.yaml"),
        "missing": tmp_path / "tidak-ada.yaml",
        "directory": tmp_path,
        "list": write(tmp_path, "- provider\n", "daftar.yaml"),
        "binary": tmp_path / "biner.yaml",
    }
    paths["binary"].write_bytes(b"version: 1\n\xff\xfe\n")
    for name, path in paths.items():
        code, out, err = run_cli(capsys, *prefix, "profile", "validate", str(path))
        assert code == 2, name
        assert str(path) in err, name
        assert expected[name][0 if lang == "id" else 1] in err, (name, err)


def test_literal_secret_in_url_is_refused_without_echo(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("https://latihan", "https://user:s3cr3t-pass@latihan"))
    code, _, err = run_cli(capsys, "profile", "validate", str(path))
    assert code == 2 and f"{path}:8:" in err and "s3cr3t-pass" not in err


def test_tab_indentation_has_its_own_hint(tmp_path, capsys):
    path = write(tmp_path, "version: 1\nagency:\n\tcode: x\n")
    code, _, err = run_cli(capsys, "profile", "validate", str(path))
    assert code == 2 and f"{path}:3:" in err and "tab" in err


# -- success paths -------------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_profiles_validate(capsys, credentials_set, example):
    code, out, err = run_cli(capsys, "profile", "validate", str(example))
    assert code == 0, err
    assert out.startswith(f"Profil valid: {example}")
    assert "dummy-" not in out + err  # resolved values are never printed
    profile = load_profile(example)
    text = example.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=./profile.schema.json\n")
    assert profile.agency.code == "contoh-lmw" and profile.fixtures.institution_id == "12838"


def test_example_facts():
    by_name = {p.name: load_profile(p) for p in EXAMPLES}
    assert set(by_name) == {"contoh-simulator.yaml", "contoh-latihan.yaml", "contoh-splp-sandbox.yaml"}
    simulator = by_name["contoh-simulator.yaml"]
    assert (simulator.target.base_url, simulator.environment, simulator.auth.bearer_header) == \
        ("simulator", "simulator", "Authorization")
    assert (simulator.auth.api_key, simulator.auth.token) == ("${LAPOR_API_KEY}", "${LAPOR_TOKEN}")
    assert (simulator.budget.max_examples, simulator.budget.seed) == (15, 20240601)
    latihan = by_name["contoh-latihan.yaml"]
    assert latihan.target.base_url == "https://latihan-api.lapor.go.id/integration/api/v3"
    assert (latihan.environment, latihan.auth.bearer_header) == ("training", "Authorization")
    sandbox = by_name["contoh-splp-sandbox.yaml"]
    assert sandbox.target.base_url == "https://api-splp.layanan.go.id/sandbox-konsolidasi/1.0"
    assert (sandbox.environment, sandbox.auth.bearer_header) == ("sandbox", "auth")


def test_simulator_gets_ephemeral_credentials(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("environment: training", "environment: simulator")
                 .replace("https://latihan-api.lapor.go.id/integration/api/v3", "simulator"))
    code, out, err = run_cli(capsys, "profile", "validate", str(path))
    assert code == 0, err
    assert "kredensial sementara" in out
    credentials = resolve_credentials(load_profile(path), environ={})
    assert credentials.ephemeral and credentials.ephemeral_variables == ("LAPOR_API_KEY", "LAPOR_TOKEN")
    assert re.fullmatch(r"\$2y\$10\$[./A-Za-z0-9]{53}", credentials.api_key)
    assert len(credentials.api_key) == 60
    assert re.fullmatch(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", credentials.token)
    code, out, _ = run_cli(capsys, "--lang", "en", "profile", "validate", str(path))
    assert code == 0 and "ephemeral credentials" in out


def test_environment_values_are_used_and_never_shown(tmp_path):
    profile = load_profile(write(tmp_path, BASE))
    credentials = resolve_credentials(profile, environ={"LAPOR_API_KEY": "kunci-rahasia-1", "LAPOR_TOKEN": "tok-2"})
    assert not credentials.ephemeral
    assert credentials.values() == ("kunci-rahasia-1", "tok-2")
    assert credentials.headers() == {"Authorization": "Bearer kunci-rahasia-1", "token": "tok-2"}
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert "kunci-rahasia-1" not in text and "tok-2" not in text and "[DISENSOR]" in text
    with pytest.raises(ProfileError) as caught:
        resolve_credentials(profile, environ={"LAPOR_API_KEY": "x", "LAPOR_TOKEN": ""})
    assert caught.value.line == 12 and caught.value.field == "auth.token"


def test_defaults_and_profile_fields(tmp_path):
    text = BASE.replace("budget:\n  max_examples: 5\n", "").replace("  bearer_header: Authorization\n", "")
    path = write(tmp_path, text)
    profile = load_profile(path)
    assert dataclasses.asdict(profile.budget) == {"max_examples": 20, "max_time_s": 600, "seed": 20240601,
                                                  "stateful": True, "shrink_s": 0}  # remote: no shrinking
    assert profile.suites == ("provider",) and profile.lang == "id" and profile.spec_pack == "lapor-v3"
    assert profile.auth.bearer_header == "Authorization"
    assert profile.waivers == () and dict(profile.client).get("scenarios") == 1  # client-mode defaults
    assert "budget" not in profile.raw and profile.as_dict()["budget"]["seed"] == 20240601
    assert profile.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert profile.source_path == path
    assert profile.line_of("auth.api_key") == 10 == profile.line_of("/auth/api_key")
    assert profile.line_of("budget.seed") == 1  # absent: nearest ancestor (the document)
    assert profile.has("auth.api_key") and not profile.has("budget.seed")  # a default is not given
    assert not profile.has("auth.second_institution") and not profile.has("auth.api_key.x")
    assert profile.agency.institution_id == "12838" and profile.environment == "training"
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.lang = "en"  # type: ignore[misc]


@pytest.mark.parametrize("base_url, budget, expected", [
    ("https://latihan-api.lapor.go.id/integration/api/v3", "", 0),       # each attempt replays writes remotely
    ("https://latihan-api.lapor.go.id/integration/api/v3", "  shrink_s: 30\n", 30),  # unless the profile asks
    ("simulator", "", 60),
    ("http://127.0.0.1:8080/api", "", 60),
    ("http://localhost:8080/api", "  shrink_s: 0\n", 0),
])
def test_lifecycle_shrinking_budget(tmp_path, base_url, budget, expected):
    text = BASE.replace("https://latihan-api.lapor.go.id/integration/api/v3", base_url)
    profile = load_profile(write(tmp_path, text.replace("  max_examples: 5\n", "  max_examples: 5\n" + budget)))
    assert profile.budget.shrink_s == expected


def test_hypothesis_still_reads_the_shrink_time_limit_we_set():
    """conformance/engine/provider.py bounds shrinking through this engine constant (no public setting)."""
    from hypothesis.internal.conjecture import engine

    assert isinstance(engine.MAX_SHRINKING_SECONDS, int)
    source = Path(engine.__file__).read_text(encoding="utf-8")
    assert "time.perf_counter() + MAX_SHRINKING_SECONDS" in source


def test_waivers_and_list_lines(tmp_path):
    text = BASE + "suites: [provider]\nwaivers:\n  - requirement: LAPOR-AUTH-004\n    reason: uji\n" \
        "    approver: Tim LAPOR\n    expires: 2099-12-31\n"
    profile = load_profile(write(tmp_path, text))
    assert profile.waivers[0].expires.isoformat() == "2099-12-31"
    assert profile.line_of("waivers[0].expires") == 20 == profile.line_of("waivers.0.expires")
    assert profile.line_of("suites[0]") == 15


# -- schema --------------------------------------------------------------------------------------

def test_schema_copy_is_identical():
    assert (ROOT / "profiles" / "profile.schema.json").read_bytes() == SCHEMA_PATH.read_bytes()


def test_schema_is_valid_draft_2020_12_and_closed():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def objects(node, path="$"):
        if isinstance(node, dict):
            if node.get("type") == "object" and path != "$.properties.client":
                yield path, node
            for key, value in node.items():
                yield from objects(value, f"{path}.{key}")
    for path, node in objects(schema):
        assert node.get("additionalProperties") is False or isinstance(node.get("additionalProperties"), dict), path  # closed, or a typed map
        assert " / " in node["description"], path


def test_profile_schema_command_prints_the_schema(capsys):
    code, out, _ = run_cli(capsys, "profile", "schema")
    assert code == 0 and out == SCHEMA_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("url,expected", [
    ("simulator", True), ("http://127.0.0.1:8750", True), ("http://localhost/x", True),
    ("http://[::1]:8000/", True), ("http://127.8.9.10", True), ("https://latihan-api.lapor.go.id", False),
    ("http://10.0.0.1", False), ("not a url", False), ("http://[::ffff:127.0.0.1]/", True),
    ("http://LOCALHOST:8000/", True), ("http://localhost.:8000/", True), ("http://api.localhost/", True),
    ("http://127.example.com/", False), ("http://127.0.0.1.nip.io/", False), ("http://localhost.example.com/", False),
])
def test_is_loopback_url(url, expected):
    assert is_loopback_url(url) is expected


def test_credentials_repr_on_direct_construction():
    assert "s3cr3t" not in repr(Credentials(api_key="s3cr3t-key", token="s3cr3t-token"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_validate_checks_the_policy_file_as_run_does(tmp_path, capsys, credentials_set, lang):
    prefix = ["--lang", "en"] if lang == "en" else []
    path = write(tmp_path, BASE + "policy: nope.yaml\n")
    code, out, err = run_cli(capsys, *prefix, "profile", "validate", str(path))
    assert code == 2 and out == "", out
    assert f"{path}:15:" in err and "`policy`" in err and str(tmp_path / "nope.yaml") in err, err
    assert ("tidak ditemukan" if lang == "id" else "not found") in err
    (tmp_path / "nope.yaml").write_text("effect: {blocking: reject}\n", encoding="utf-8")  # there, but wrong
    code, out, err = run_cli(capsys, *prefix, "profile", "validate", str(path))
    assert code == 2 and "nope.yaml" in err and "effect.blocking" in err and out == "", err
    (tmp_path / "nope.yaml").write_text("remediation: {deadline_days: 5}\n", encoding="utf-8")
    code, out, err = run_cli(capsys, *prefix, "profile", "validate", str(path))
    assert code == 0 and ("Profil valid" if lang == "id" else "Profile is valid") in out, err


def test_validate_names_the_second_institution_and_its_variables(capsys, monkeypatch):
    for name in ("LAPOR_API_KEY", "LAPOR_TOKEN", "LAPOR_B_API_KEY", "LAPOR_B_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    code, out, _ = run_cli(capsys, "--lang", "en", "profile", "validate", str(ROOT / "profiles" / "contoh-simulator.yaml"))
    assert code == 0
    assert "Second instit.  : 12838, through ${LAPOR_B_API_KEY} and ${LAPOR_B_TOKEN}" in out
