"""`lapor-conformance verify BUNDLE [--key PUB]`: check an evidence bundle offline.

Valid means: the zip is in the canonical form the harness writes (every byte accounted for), the
ed25519 signature over manifest.json holds, every file listed in the manifest is present with its
sha256, no file was added, and the profile, spec pack and policy digests agree with their files.
Exit 0 valid, 1 invalid, 2 usage error (no such file, unreadable key).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance.errors import UserError
from conformance.evidence import zipformat
from conformance.evidence.bundle import MANIFEST, PACK_PREFIX, SIGNATURE, pack_digest
from conformance.evidence.keys import fingerprint, load_public_key
from conformance.i18n import t

LENIENT_LIMIT_FACTOR, LENIENT_LIMIT_BYTES = 20, 256 * 1024 * 1024


def verify_command(bundle: str, key: str | None) -> int:
    path = Path(bundle)
    if not path.is_file():
        raise UserError("verify.not_found", path=bundle)
    trusted = load_public_key(Path(key)) if key else None
    problems, manifest, signer = check(path.read_bytes(), trusted)
    if problems:
        print(t("verify.invalid", path=bundle))
        for problem in problems:
            print("  ✗ " + t(f"verify.problem.{problem['code']}", **{k: v for k, v in problem.items() if k != "code"}))
        return 1
    run = manifest.get("run") or {}
    print(t("verify.valid", path=bundle, count=len(manifest.get("files") or {})))
    print(t("verify.details", agency=(run.get("agency") or {}).get("name", "?"), mode=run.get("mode"),
            verdict=run.get("verdict"), recommendation=run.get("recommendation"), created=manifest.get("created_at")))
    print(t("verify.signer_checked" if trusted else "verify.signer_unchecked", fingerprint=signer))
    return 0


def check(blob: bytes, trusted: Ed25519PublicKey | None) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """(problems, manifest, signer fingerprint). No problems means valid."""
    problems: list[dict[str, Any]] = []
    try:
        files = {entry.name: entry.data for entry in zipformat.read_canonical(blob)}
    except zipformat.LayoutError as error:
        problems.append({"code": "layout", "where": error.where, "detail": error.detail})
        files = _lenient(blob)
        if files is None:
            return problems, {}, ""
    manifest_bytes, signature = files.pop(MANIFEST, None), files.pop(SIGNATURE, None)
    if manifest_bytes is None or signature is None:
        problems.append({"code": "missing", "name": MANIFEST if manifest_bytes is None else SIGNATURE})
        return problems, {}, ""
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        listed = {name: dict(info) for name, info in manifest["files"].items()}
        embedded = Ed25519PublicKey.from_public_bytes(bytes.fromhex(manifest["signing_key"]["public_key"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        problems.append({"code": "manifest_unreadable"})
        return problems, {}, ""
    key = trusted or embedded
    if trusted is not None and fingerprint(trusted) != fingerprint(embedded):
        problems.append({"code": "other_key", "expected": fingerprint(trusted), "found": fingerprint(embedded)})
    if not _signature_holds(key, manifest_bytes, signature):
        problems.append({"code": "signature", "name": MANIFEST})
    for name in sorted(set(listed) | set(files)):
        if name not in files:
            problems.append({"code": "missing", "name": name})
        elif name not in listed:
            problems.append({"code": "added", "name": name})
        elif hashlib.sha256(files[name]).hexdigest() != listed[name].get("sha256") or \
                len(files[name]) != listed[name].get("size"):
            problems.append({"code": "changed", "name": name})
    problems += _digests_agree(manifest, files)
    return problems, manifest, fingerprint(key)


def _signature_holds(key: Ed25519PublicKey, manifest: bytes, signature: bytes) -> bool:
    text = signature.decode("ascii", "replace")
    if len(text) != 129 or not text.endswith("\n") or text[:-1] != text[:-1].lower():
        return False
    try:
        key.verify(bytes.fromhex(text[:-1]), manifest)
    except (ValueError, InvalidSignature):
        return False
    return True


def _digests_agree(manifest: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, Any]]:
    problems = []
    profile, pack, policy = manifest.get("profile") or {}, manifest.get("spec_pack") or {}, manifest.get("policy") or {}
    for part, entry in (("profile", profile), ("policy", policy)):
        data = files.get(entry.get("entry", ""))
        if data is not None and hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            problems.append({"code": "digest", "name": entry.get("entry"), "part": part})
    pack_files = {name[len(PACK_PREFIX):]: data for name, data in files.items() if name.startswith(PACK_PREFIX)}
    if pack_digest(pack_files) != pack.get("sha256"):
        problems.append({"code": "digest", "name": PACK_PREFIX, "part": "spec_pack"})
    summary = files.get("summary.json")
    if summary is not None:
        try:
            recorded = json.loads(summary.decode("utf-8"))
            if (recorded.get("profile") or {}).get("sha256") != profile.get("sha256") or \
                    (recorded.get("spec") or {}).get("sha256") != pack.get("sha256"):
                problems.append({"code": "digest", "name": "summary.json", "part": "summary"})
        except ValueError:
            problems.append({"code": "digest", "name": "summary.json", "part": "summary"})
    return problems


def _lenient(blob: bytes) -> dict[str, bytes] | None:
    """Best effort read of a re-packed or damaged zip, only to name the files that differ."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if sum(info.file_size for info in infos) > LENIENT_LIMIT_FACTOR * len(blob) + LENIENT_LIMIT_BYTES:
                return None  # not going to inflate a zip bomb just to name files
            files = {}
            for info in infos:
                try:
                    files[info.filename] = archive.read(info)
                except Exception:  # noqa: BLE001 - damaged entry (CRC, encryption flag, bad method): named as changed
                    files[info.filename] = b"\0<unreadable>"
            return files
    except Exception:  # noqa: BLE001 - a zip too damaged to list: the layout problem already says so
        return None
