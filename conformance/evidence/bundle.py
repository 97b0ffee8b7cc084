"""The evidence bundle: one signed .zip an assessor attaches to the decision.

Contents: everything the run directory holds (summary, front page, Allure results and single-file
HTML, JUnit, redacted transcripts, effective profile, operation counts, versions), plus the
profile file as written (`profile/profile.yaml`), the spec pack (`spec-pack/`) and the verdict
policy (`policy/`). `manifest.json` lists the sha256 of every file; `manifest.sig` is an ed25519
signature over the manifest's exact bytes (hex). Before anything is written, a leak scan over the
staged files refuses the bundle if any configured secret value appears.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.errors import UserError
from conformance.evidence import zipformat
from conformance.evidence.keys import fingerprint, load_private_key, public_raw
from conformance.redaction import Redactor

FORMAT = "lapor-conformance-evidence/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
PROFILE_ENTRY = "profile/profile.yaml"
PACK_PREFIX, POLICY_PREFIX = "spec-pack/", "policy/"


def bundle_path(run_dir: Path) -> Path:
    return run_dir.parent / f"{run_dir.name}.evidence.zip"


def pack_files(root: Path) -> dict[str, bytes]:
    """The pack's files by relative path, as SpecPack.sha256 sees them."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)}


def pack_digest(files: dict[str, bytes]) -> str:
    """Same digest as SpecPack.sha256, computed from file contents (so a verifier can redo it)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(files[name] + b"\0")
    return digest.hexdigest()


def collect(run_dir: Path, *, profile_bytes: bytes, pack_root: Path, policy_name: str,
            policy_bytes: bytes) -> dict[str, bytes]:
    files = {path.relative_to(run_dir).as_posix(): path.read_bytes()
             for path in sorted(run_dir.rglob("*")) if path.is_file()}
    files[PROFILE_ENTRY] = profile_bytes
    for name, data in pack_files(pack_root).items():
        files[PACK_PREFIX + name] = data
    files[POLICY_PREFIX + (policy_name if zipformat.valid_name(policy_name) else "policy.yaml")] = policy_bytes
    return files


def manifest_for(files: dict[str, bytes], *, summary: dict[str, Any], key_public: bytes, key_fingerprint: str,
                 policy_entry: str) -> bytes:
    recommendation = summary.get("recommendation") or {}
    document = {
        "format": FORMAT,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "harness": {"name": "lapor-conformance", "version": __version__},
        "run": {"id": summary.get("run_id"), "agency": summary.get("agency"), "mode": summary.get("mode"),
                "environment": summary.get("environment"), "started_at": summary.get("started_at"),
                "seed": summary.get("seed"), "verdict": summary.get("verdict"),
                "recommendation": recommendation.get("code")},
        "profile": {"entry": PROFILE_ENTRY, "sha256": summary["profile"]["sha256"]},
        "spec_pack": {"prefix": PACK_PREFIX, **summary["spec"]},
        "policy": {"entry": policy_entry, "id": summary["policy"]["id"], "sha256": summary["policy"]["sha256"]},
        "signing_key": {"algorithm": "ed25519", "public_key": key_public.hex(), "fingerprint": key_fingerprint},
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                  for name, data in sorted(files.items())},
    }
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def write_bundle(run_dir: Path, *, summary: dict[str, Any], profile_bytes: bytes, pack_root: Path,
                 policy_path: Path, policy_bytes: bytes, key_path: Path, redactor: Redactor) -> Path:
    key = load_private_key(key_path)
    files = collect(run_dir, profile_bytes=profile_bytes, pack_root=pack_root, policy_name=policy_path.name,
                    policy_bytes=policy_bytes)
    policy_entry = next(name for name in files if name.startswith(POLICY_PREFIX))
    manifest = manifest_for(files, summary=summary, key_public=public_raw(key.public_key()),
                            key_fingerprint=fingerprint(key.public_key()), policy_entry=policy_entry)
    files[MANIFEST] = manifest
    files[SIGNATURE] = key.sign(manifest).hex().encode("ascii") + b"\n"
    _leak_scan(files, redactor)
    blob = zipformat.build(files)
    if any(needle.encode("utf-8") in blob for needle in redactor.secrets):  # the zip itself, byte for byte
        raise UserError("bundle.leak", files="(zip)")
    target = bundle_path(run_dir)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(blob)
    os.replace(partial, target)
    return target


def _leak_scan(files: dict[str, bytes], redactor: Redactor) -> None:
    """Stage the files and let the Redactor look for secret values; refuse the bundle on any hit."""
    with tempfile.TemporaryDirectory(prefix="lapor-bundle-") as scratch:
        staging = Path(scratch)
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        leaks = redactor.leaks(staging)
        if leaks:
            raise UserError("bundle.leak", files=", ".join(sorted(p.relative_to(staging).as_posix() for p in leaks)))
