"""One redaction pass for every output channel.

The Redactor knows the secret values of a run (resolved from environment variables named in the
profile), what the auth probes derive from them (`near_misses`), the forms they take on the wire
(`encodings`: URL-encoded, JSON-escaped, base64) and the header names that carry credentials. Everything the harness writes or prints
goes through `redact()`; `redact_tree()` is the last sweep over a run directory.
"""

from __future__ import annotations

import base64
import json
import re
import string
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

MASK = "[DISENSOR]"
CREDENTIAL_HEADERS = ("authorization", "auth", "token", "x-api-key", "cookie")
_MIN_SECRET_LENGTH = 6
_HEADER_LINE = re.compile(
    r"(?im)(?P<prefix>(?:^|[\s'\"{,])(?:" + "|".join(CREDENTIAL_HEADERS) + r")['\"]?\s*[:=]\s*['\"]?)"
    r"(?P<value>(?:Bearer\s+)?(?:\{[^\s'\",{}]*\}|[^\s'\",}]+))"
)
# What a credential looks like, so that prose such as "wrong token: HTTP 200" keeps its words.
_CREDENTIAL_SHAPE = re.compile(r"^(?=.{8,})(?=.*[\d$_./{}+=-]).*$")
# The deliberately wrong credentials the auth probes send: public by construction, and a reproduction
# of a probe must show them (they are what makes it a probe).
WRONG_KEY = "$2y$10$" + "x" * 53
WRONG_TOKEN = "{00000000-0000-0000-0000-000000000000}"
PUBLIC_PROBE_VALUES = (WRONG_KEY, WRONG_TOKEN)


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_LENGTH:
                # The auth probes' near misses hold all but one character of the secret: secrets too.
                for form in (secret, *near_misses(secret)):
                    variants.update(encodings(form))
        # Longest first, so a secret that contains another is masked whole.
        self._variants = sorted(variants, key=len, reverse=True)

    @property
    def secrets(self) -> list[str]:
        return list(self._variants)

    def redact(self, text: str) -> str:
        for variant in self._variants:
            if variant in text:
                text = text.replace(variant, MASK)
        return _HEADER_LINE.sub(_mask_header_value, text)

    def redact_bytes(self, data: bytes) -> bytes:
        try:
            return self.redact(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            for variant in self._variants:
                data = data.replace(variant.encode("utf-8", "ignore"), MASK.encode())
            return data

    def redact_tree(self, root: Path) -> int:
        """Rewrite every file below root in place; returns how many files changed."""
        changed = 0
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            original = path.read_bytes()
            cleaned = self.redact_bytes(original)
            if cleaned != original:
                path.write_bytes(cleaned)
                changed += 1
        return changed

    def leaks(self, root: Path) -> list[Path]:
        """Files below root that still hold a secret value (raw bytes, any encoding we know)."""
        found = []
        needles = [v.encode("utf-8") for v in self._variants]
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if any(needle in data for needle in needles):
                    found.append(path)
        return found


def _mask_header_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if value == MASK or value.endswith(MASK) or "${" in value:  # already masked, or an env reference
        return match.group(0)
    keep = "Bearer " if value.lower().startswith("bearer ") else ""
    bare = value[len(keep):]
    if bare in PUBLIC_PROBE_VALUES or not (keep or _CREDENTIAL_SHAPE.match(bare)):
        return match.group(0)
    return f"{match.group('prefix')}{keep}{MASK}"


def near_misses(secret: str) -> list[str]:
    """What the auth probes send as an almost-right credential (LAPOR-AUTH-003): the secret with its last
    character changed and, when that one is punctuation (the `}` of a `{GUID}` token), also with its last
    letter or digit changed, so that a server checking the shape first cannot refuse it for its shape alone.
    A server that compares only a prefix accepts one of them. Derived from a secret, they are secrets."""
    if not secret:
        return []
    forms = [secret[:-1] + _other_character(secret[-1])]
    last = max((i for i, char in enumerate(secret) if char in _ALPHANUMERIC), default=-1)
    if 0 <= last < len(secret) - 1:
        forms.append(secret[:last] + _other_character(secret[last]) + secret[last + 1:])
    return forms


_ALPHANUMERIC = string.ascii_letters + string.digits
# Pairs within each alphabet (0<->1, a<->b, ... e<->f): a hex digit stays a hex digit, a letter keeps its case.
_ALPHABETS = (string.digits, string.ascii_lowercase, string.ascii_uppercase, "./")


def _other_character(char: str) -> str:
    for alphabet in _ALPHABETS:
        if char in alphabet:
            return alphabet[alphabet.index(char) ^ 1]
    return "0"


def encodings(secret: str) -> set[str]:
    """The forms a secret takes on the wire: as is, URL-encoded, JSON-escaped (also PHP's `\\/`), and
    base64 (see `_base64_forms`)."""
    json_escaped = json.dumps(secret)[1:-1]
    forms = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        json_escaped,
        json_escaped.replace("/", "\\/"),
    }
    for encoded in _base64_forms(secret):
        forms.update({encoded, encoded.replace("/", "\\/"), urllib.parse.quote(encoded, safe="")})
    return forms


_URLSAFE = str.maketrans("+/", "-_")


def _base64_forms(secret: str) -> set[str]:
    """Base64 of the secret, standard and URL-safe, with and without padding, and the characters that
    base64 of any text holding the secret must contain, wherever the secret starts (`user:<token>`, a JSON
    session cookie): for each of the 3 alignments, the characters that depend on the secret's bytes only."""
    data = secret.encode("utf-8")
    forms: set[str] = set()
    for shift, skip in ((0, 0), (1, 2), (2, 3)):  # prefix bytes -> leading characters that mix them in
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        whole = (shift + len(data)) * 8 // 6  # characters not mixed with what follows the secret
        for text in (encoded, encoded.translate(_URLSAFE)):
            if shift == 0:
                forms.update({text, text.rstrip("=")})
            forms.add(text[skip:whole])
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}  # a short one would match by chance
