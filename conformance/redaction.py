"""One redaction pass for every output channel.

The Redactor knows the secret values of a run (resolved from environment variables named in the
profile) and the header names that carry credentials. Everything the harness writes or prints
goes through `redact()`; `redact_tree()` is the last sweep over a run directory.
"""

from __future__ import annotations

import json
import re
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
                variants.update(encodings(secret))
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


def encodings(secret: str) -> set[str]:
    """The forms a secret takes on the wire: as is, URL-encoded, JSON-escaped (also PHP's `\\/`)."""
    json_escaped = json.dumps(secret)[1:-1]
    return {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        json_escaped,
        json_escaped.replace("/", "\\/"),
    }
