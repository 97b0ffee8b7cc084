"""Assessment mode end to end: locked profile, front page, signed bundle, offline verify, diff.

One self-check run and one assessment run of the simulator per module (module-scoped fixture).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

WAIVERS = """waivers:
  - requirement: LAPOR-AUTH-001
    reason: "Gateway lama menerima panggilan tanpa token"
    approver: "Tim LAPOR"
    expires: 2099-12-31
assessment:
  assessor: "Asesor Uji"
  reference: "B-123/2026"
"""


def _main(args: list[str]) -> tuple[int, str, str]:
    from conformance.cli import main
    from conformance.i18n import set_lang

    set_lang("id")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("assessment")
    text = (ROOT / "profiles" / "contoh-simulator.yaml").read_text(encoding="utf-8").replace(
        "max_examples: 15", "max_examples: 5")
    plain, waived = base / "swa.yaml", base / "asesmen.yaml"
    plain.write_text(text, encoding="utf-8")
    waived.write_text(text + WAIVERS, encoding="utf-8")
    code, out, err = _main(["keys", "init", "--dir", str(base / "keys")])
    assert code == 0, err
    b = _main(["run", str(waived), "--reports-dir", str(base / "reports"), "--mode", "assessment",
               "--key", str(base / "keys" / "signing-key.pem")])
    return {"base": base, "b": b, "profile": waived, "plain": plain, "public": base / "keys" / "signing-key.pub.pem",
            "private": base / "keys" / "signing-key.pem"}


def _refinish(runs, target: Path, *, profile: Path, interrupted: bool = False, statuses: dict | None = None):
    """finish() again, in self-check mode, on a copy of the assessment run's raw results (no new run)."""
    from conformance.engine.context import RunContext
    from conformance.profiles.loader import load_profile
    from conformance.redaction import Redactor
    from conformance.runner.finish import finish
    from conformance.runner.mode import ModePlan
    from conformance.runner.pytest_process import PytestOutcome
    from conformance.specpack import load_pack
    from conformance.verdict.policy import load_policy

    source = _run_dir(runs["b"])
    shutil.copytree(source, target)
    if statuses is not None:
        operations = json.loads((target / "operations.json").read_text(encoding="utf-8"))
        for record in operations["operations"].values():
            record["statuses"] = statuses
        (target / "operations.json").write_text(json.dumps(operations), encoding="utf-8")
    context = RunContext(**json.loads((target / "context.json").read_text(encoding="utf-8")))
    started = datetime.datetime.now(datetime.timezone.utc)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = finish(target, load_profile(profile), load_pack("lapor-v3"), load_policy(), ModePlan("self-check",
                      ("provider",), True), context, Redactor(), PytestOutcome(0, interrupted), html=False,
                      started_at=started, duration=1.0)
    return code, out.getvalue(), json.loads((target / "summary.json").read_text(encoding="utf-8"))


def _run_dir(result) -> Path:
    return Path(result[1].strip().splitlines()[-1])


def _bundle(runs) -> Path:
    run_dir = _run_dir(runs["b"])
    return run_dir.parent / f"{run_dir.name}.evidence.zip"


@pytest.mark.slow
def test_assessment_run_is_locked_signed_and_recommends(runs):
    code, out, err = runs["b"]
    assert code == 0, out + err
    run_dir = _run_dir(runs["b"])
    bundle = _bundle(runs)
    assert bundle.is_file() and str(bundle) in out
    assert "ASESMEN" in out and "Rekomendasi: SIAP UNTUK INTEGRASI" in out
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["mode"] == "assessment" and summary["valid_for_decisions"] is True
    assert summary["profile"]["locked"] is True
    assert summary["profile"]["sha256"] == hashlib.sha256(runs["profile"].read_bytes()).hexdigest()
    assert summary["recommendation"]["code"] == "ready" and summary["verdict"] == "pass"
    assert summary["suites"] == ["provider"] and summary["stateful"] is True
    assert [w["status"] for w in summary["waivers"]] == ["stale"]
    assert summary["assessment"]["reference"] == "B-123/2026"
    evidence = summary["evidence"]
    assert evidence["problems"] == [] and len(evidence["operations"]) == 8
    assert all(op["accepted"] >= evidence["min_accepted_cases"] for op in evidence["operations"].values())
    versions = json.loads((run_dir / "versions.json").read_text(encoding="utf-8"))
    assert versions["distributions"]["schemathesis"] == "4.32.5" and "requirements.lock" in versions["lockfiles_sha256"]
    effective = json.loads((run_dir / "profile.effective.json").read_text(encoding="utf-8"))
    assert effective["auth"]["api_key"] == "${LAPOR_API_KEY}"


@pytest.mark.slow
def test_front_page_traces_requirements_offline(runs):
    from conformance.reporting.front_page import render

    run_dir = _run_dir(runs["b"])
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    for text in ("Contoh: Lapor Mas Wapres!", "lapor-v3", "SIAP UNTUK INTEGRASI", "keputusan", "ada pada asesor",
                 'href="requirements.html#LAPOR-AUTH-001"', 'href="allure-report/index.html"', "basi",
                 "Persyaratan yang tidak teruji", "B-123/2026", "createComplaint"):
        assert text in page, text
    assert "UJI MANDIRI" not in page
    assert "http://" not in page.replace(_summary(run_dir)["target"], "") and "https://" not in page
    assert "<script" not in page
    english = render(_summary(run_dir), "en")
    assert "READY FOR INTEGRATION" in english and "Requirement traceability" in english


@pytest.mark.slow
def test_self_check_is_watermarked_and_writes_no_bundle(runs, tmp_path):
    code, out, summary = _refinish(runs, tmp_path / "swa", profile=runs["plain"])
    assert code == 0, out
    assert summary["mode"] == "self-check" and summary["valid_for_decisions"] is False and summary["watermark"]
    assert "TIDAK SAH untuk keputusan" in out and out.strip().splitlines()[-1] == str(tmp_path / "swa")
    assert "TIDAK SAH UNTUK KEPUTUSAN" in (tmp_path / "swa" / "index.html").read_text(encoding="utf-8")
    environment = (tmp_path / "swa" / "allure-results" / "environment.properties").read_text(encoding="utf-8")
    assert "tidak sah untuk keputusan" in environment and "Rekomendasi" in environment
    assert not list(tmp_path.glob("*.zip"))


@pytest.mark.slow
def test_an_interrupted_or_unconvincing_run_gets_no_recommendation(runs, tmp_path):
    code, out, summary = _refinish(runs, tmp_path / "henti", profile=runs["plain"], interrupted=True)
    assert code == 2 and summary["verdict"] == "incomplete" and "TIDAK LENGKAP" in out
    assert summary["recommendation"]["code"] == "insufficient_evidence"
    code, out, summary = _refinish(runs, tmp_path / "ditolak", profile=runs["plain"], statuses={"401": 4, "403": 2})
    assert code == 2 and summary["verdict"] == "incomplete"
    assert summary["recommendation"]["code"] == "insufficient_evidence"
    assert "createComplaint" in out and "401, 403" in out
    page = (tmp_path / "ditolak" / "index.html").read_text(encoding="utf-8")
    assert "BUKTI TIDAK CUKUP" in page and "hanya mendapat jawaban penolakan" in page


@pytest.mark.slow
def test_bundle_holds_everything_with_hashes(runs):
    from conformance.specpack import load_pack

    bundle = _bundle(runs)
    with zipfile.ZipFile(bundle) as archive:  # any zip tool opens it
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("profile/profile.yaml") == runs["profile"].read_bytes()
        assert archive.testzip() is None
    for name in ("summary.json", "index.html", "allure-report/index.html", "ledger.jsonl", "pytest.log",
                 "requirements.html", "junit.xml", "profile.effective.json", "versions.json", "operations.json",
                 "policy/default.yaml", "spec-pack/openapi.yaml", "spec-pack/requirements.yaml", "manifest.sig"):
        assert name in names, name
    assert any(name.startswith("allure-results/") for name in names)
    assert set(manifest["files"]) == names - {"manifest.json", "manifest.sig"}
    assert manifest["spec_pack"]["sha256"] == _summary(_run_dir(runs["b"]))["spec"]["sha256"]
    assert manifest["signing_key"]["algorithm"] == "ed25519"
    assert load_pack("lapor-v3").id == manifest["spec_pack"]["id"]


@pytest.mark.slow
def test_verify_offline(runs, capsys, tmp_path):
    bundle = str(_bundle(runs))
    code, out, _ = run_cli(["verify", bundle, "--key", str(runs["public"])], capsys)
    assert code == 0 and "SAH" in out and "cocok dengan --key" in out
    code, out, _ = run_cli(["verify", bundle, "--lang", "en"], capsys)
    assert code == 0 and "VALID" in out and "without --key" in out
    assert run_cli(["keys", "init", "--dir", str(tmp_path / "other")], capsys)[0] == 0
    code, out, _ = run_cli(["verify", bundle, "--key", str(tmp_path / "other" / "signing-key.pub.pem")], capsys)
    assert code == 1 and "kunci lain" in out
    code, _, err = run_cli(["verify", str(tmp_path / "tidak-ada.zip")], capsys)
    assert code == 2 and "tidak ditemukan" in err
    (tmp_path / "rusak.pem").write_text("bukan kunci", encoding="utf-8")
    code, _, err = run_cli(["verify", bundle, "--key", str(tmp_path / "rusak.pem")], capsys)
    assert code == 2 and "ed25519" in err and "Traceback" not in err


@pytest.mark.slow
def test_verify_names_changed_added_removed_and_repacked_files(runs, capsys, tmp_path):
    from conformance.evidence import zipformat

    original = _bundle(runs).read_bytes()
    files = {entry.name: entry.data for entry in zipformat.read_canonical(original)}

    def verdict(blob: bytes) -> tuple[int, str]:
        target = tmp_path / "t.zip"
        target.write_bytes(blob)
        code, out, err = run_cli(["verify", str(target), "--key", str(runs["public"])], capsys)
        assert "Traceback" not in out + err
        return code, out

    changed = dict(files, **{"summary.json": files["summary.json"].replace(b'"pass"', b'"PASS"', 1)})
    added = dict(files, **{"catatan.txt": b"tambahan"})
    removed = {name: data for name, data in files.items() if name != "pytest.log"}
    for blob, expected in ((zipformat.build(changed), "summary.json: isi berubah"),
                           (zipformat.build(added), "catatan.txt: berkas ditambahkan"),
                           (zipformat.build(removed), "pytest.log: berkas hilang")):
        code, out = verdict(blob)
        assert code == 1 and expected in out, out
    repacked = io.BytesIO()
    with zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in changed.items():
            archive.writestr(name, data)
    code, out = verdict(repacked.getvalue())
    assert code == 1 and "summary.json: isi berubah" in out and "dikemas ulang" in out


@pytest.mark.slow
def test_any_changed_byte_fails(runs):
    from conformance.evidence.keys import load_public_key
    from conformance.evidence.verify import check

    blob = _bundle(runs).read_bytes()
    key = load_public_key(runs["public"])
    assert check(blob, key)[0] == []
    size = len(blob)
    positions = list(range(0, 64, 3)) + list(range(size - 600, size, 37)) + [size // k for k in range(2, 12)]
    for position in positions:
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        assert check(bytes(tampered), key)[0], f"byte {position} changed but the bundle still verifies"


@pytest.mark.slow
def test_diff_between_runs_and_bundles(runs, capsys, tmp_path):
    b = _run_dir(runs["b"])
    a = tmp_path / "a"
    _refinish(runs, a, profile=runs["plain"])
    code, out, _ = run_cli(["diff", str(a), str(b)], capsys)
    assert code == 0, out
    assert "waivers[0].requirement" in out and "assessment.reference" in out and "Mundur (regresi): 0" in out
    code, out, _ = run_cli(["diff", str(b), str(_bundle(runs)), "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and result["profile"] == [] and not any(result["requirements"].values())
    regressed = tmp_path / "regressed"
    shutil.copytree(b, regressed)
    summary = _summary(regressed)
    for row in summary["requirements"]:
        if row["id"] == "LAPOR-DATA-001":
            row["outcome"] = "failed"
    (regressed / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    code, out, _ = run_cli(["diff", str(b), str(regressed), "--lang", "en"], capsys)
    assert code == 1 and "Regressed: 1" in out and "LAPOR-DATA-001 [MUST] passed → failed" in out
    code, _, err = run_cli(["diff", str(tmp_path / "kosong"), str(b)], capsys)
    assert code == 2 and "summary.json" in err


def test_keys_init_is_private_and_never_overwrites(tmp_path, capsys):
    code, out, _ = run_cli(["keys", "init", "--dir", str(tmp_path / "k")], capsys)
    private = tmp_path / "k" / "signing-key.pem"
    assert code == 0 and str(private) in out and "SHA256:" in out
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    before = private.read_bytes()
    code, _, err = run_cli(["keys", "init", "--dir", str(tmp_path / "k")], capsys)
    assert code == 2 and "sudah ada" in err and private.read_bytes() == before


def test_assessment_needs_a_key_and_a_locked_profile_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("LAPOR_CONFORMANCE_SIGNING_KEY", raising=False)
    profile = str(ROOT / "profiles" / "contoh-simulator.yaml")
    reports = tmp_path / "r"
    code, _, err = run_cli(["run", profile, "--mode", "assessment", "--reports-dir", str(reports)], capsys)
    assert code == 2 and "keys init" in err and "LAPOR_CONFORMANCE_SIGNING_KEY" in err and "Traceback" not in err
    assert run_cli(["keys", "init"], capsys)[0] == 0  # the default location, under XDG_CONFIG_HOME here
    assert (tmp_path / "config" / "lapor-conformance" / "signing-key.pem").is_file()
    monkeypatch.setenv("LAPOR_CONFORMANCE_SIGNING_KEY", str(tmp_path / "none.pem"))
    code, _, err = run_cli(["run", profile, "--mode", "assessment", "--reports-dir", str(reports)], capsys)
    assert code == 2 and "none.pem" in err
    monkeypatch.delenv("LAPOR_CONFORMANCE_SIGNING_KEY")
    code, _, err = run_cli(["run", profile, "--mode", "assessment", "--seed", "3", "--reports-dir", str(reports)],
                           capsys)
    assert code == 2 and "--seed" in err
    in_profile = tmp_path / "mode.yaml"  # `mode: assessment` in the profile means the same
    in_profile.write_text(Path(profile).read_text(encoding="utf-8") + "mode: assessment\n", encoding="utf-8")
    (tmp_path / "config" / "lapor-conformance" / "signing-key.pem").unlink()
    code, _, err = run_cli(["run", str(in_profile), "--reports-dir", str(reports)], capsys)
    assert code == 2 and "keys init" in err
    assert not reports.exists()


def test_leak_scan_refuses_the_bundle(tmp_path, capsys):
    from conformance.errors import UserError
    from conformance.evidence.bundle import bundle_path, write_bundle
    from conformance.evidence.keys import init_keys
    from conformance.redaction import Redactor
    from conformance.verdict.policy import DEFAULT_POLICY

    init_keys(str(tmp_path / "k"))
    run_dir = tmp_path / "reports" / "x" / "run-1"
    run_dir.mkdir(parents=True)
    secret = "rahasia-yang-bocor-123"
    (run_dir / "pytest.log").write_text(f"header {secret}\n", encoding="utf-8")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "openapi.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    summary = {"profile": {"sha256": "0"}, "spec": {"id": "p", "version": "1", "sha256": "0"},
               "policy": {"id": "default", "sha256": "0"}}
    with pytest.raises(UserError) as caught:
        write_bundle(run_dir, summary=summary, profile_bytes=b"version: 1\n", pack_root=pack,
                     policy_path=DEFAULT_POLICY, policy_bytes=DEFAULT_POLICY.read_bytes(),
                     key_path=tmp_path / "k" / "signing-key.pem", redactor=Redactor([secret]))
    assert caught.value.key == "bundle.leak" and "pytest.log" in caught.value.render()
    assert secret not in caught.value.render()
    assert not bundle_path(run_dir).exists() and not list(run_dir.parent.glob("*.zip*"))


def test_canonical_zip_round_trip():
    from conformance.evidence import zipformat

    files = {"b/c.txt": b"isi", "a.json": b"{}", "kosong": b""}
    blob = zipformat.build(files)
    assert {e.name: e.data for e in zipformat.read_canonical(blob)} == files
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files
    with pytest.raises(ValueError):
        zipformat.build({"../keluar": b"x"})


def _summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))



@pytest.mark.slow
def test_a_profile_changed_during_the_run_gets_no_bundle(runs, tmp_path):
    from conformance.errors import UserError
    from conformance.profiles.loader import load_profile
    from conformance.redaction import Redactor
    from conformance.runner.finish import _bundle
    from conformance.runner.mode import ModePlan
    from conformance.specpack import load_pack
    from conformance.verdict.policy import load_policy

    run_dir = tmp_path / "run"
    shutil.copytree(_run_dir(runs["b"]), run_dir)
    profile_file = tmp_path / "p.yaml"
    profile_file.write_bytes(runs["profile"].read_bytes())
    profile = load_profile(profile_file)
    profile_file.write_bytes(runs["profile"].read_bytes().replace(b"max_examples: 5", b"max_examples: 6"))
    plan = ModePlan("assessment", ("provider",), True, runs["private"])
    with pytest.raises(UserError) as caught:
        _bundle(run_dir, profile, load_pack("lapor-v3"), load_policy(), plan, Redactor())
    assert caught.value.key == "bundle.profile_changed" and str(profile_file) in caught.value.render()
    assert not list(tmp_path.glob("*.zip"))
