"""Ed25519 signing keys for evidence bundles.

`lapor-conformance keys init [--dir DIR]` writes `signing-key.pem` (private, PKCS#8, mode 0600)
and `signing-key.pub.pem` (public) and never overwrites. A run finds the private key through
`--key PATH`, then env LAPOR_CONFORMANCE_SIGNING_KEY, then the default folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.errors import UserError
from conformance.i18n import t

KEY_ENV = "LAPOR_CONFORMANCE_SIGNING_KEY"
PRIVATE_NAME = "signing-key.pem"
PUBLIC_NAME = "signing-key.pub.pem"


def default_key_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lapor-conformance"


def init_keys(directory: str | None) -> int:
    folder = Path(directory) if directory else default_key_dir()
    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise UserError("keys.exists", path=str(path))
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem)
        os.chmod(private_path, 0o600)  # whatever the umask
        public_path.write_bytes(public_pem(key.public_key()))
    except FileExistsError:
        raise UserError("keys.exists", path=str(private_path)) from None
    except OSError as error:
        raise UserError("keys.write_failed", path=str(folder), reason=error.strerror or type(error).__name__) from None
    print(t("keys.created", private=str(private_path), public=str(public_path),
            fingerprint=fingerprint(key.public_key())))
    return 0


def find_private_key(explicit: str | None) -> Path:
    """The private key a run signs with, or UserError saying how to make or name one."""
    if explicit:
        path, source = Path(explicit), "--key"
    elif os.environ.get(KEY_ENV):
        path, source = Path(os.environ[KEY_ENV]), KEY_ENV
    else:
        path, source = default_key_dir() / PRIVATE_NAME, t("keys.default_location")
    if not path.is_file():
        raise UserError("keys.missing", path=str(path), source=source, env=KEY_ENV)
    return path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise UserError("keys.unreadable", path=str(path), reason=error.strerror or type(error).__name__) from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise UserError("keys.not_ed25519", path=str(path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError("keys.not_ed25519", path=str(path))
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file (PEM); a private key file is accepted too (its public half is used)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError("keys.unreadable", path=str(path), reason=error.strerror or type(error).__name__) from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = load_private_key(path).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise UserError("keys.not_ed25519", path=str(path))
    return key


def permissions_warning(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return t("keys.loose_permissions", path=str(path), mode=oct(mode)) if mode & 0o077 else None


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    """`SHA256:` + the first 32 hex digits of the raw public key's digest, as people compare them."""
    return "SHA256:" + hashlib.sha256(public_raw(key)).hexdigest()[:32]
