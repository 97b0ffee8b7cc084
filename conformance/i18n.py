"""User-facing words: Bahasa Indonesia first, English on request.

Every string a user reads lives in locale/*.yaml (one file per area) as `key: {id: ..., en: ...}`.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

LANGUAGES = ("id", "en")
_LOCALE_DIR = Path(__file__).parent / "locale"
_current = {"lang": os.environ.get("LAPOR_CONFORMANCE_LANG", "id")}


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_LOCALE_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            merged.update(yaml.safe_load(handle) or {})
    return merged


def set_lang(lang: str | None) -> None:
    if lang in LANGUAGES:
        _current["lang"] = lang


def current_lang() -> str:
    return _current["lang"]


def t(key: str, lang: str | None = None, **params: object) -> str:
    """Translate `key`, falling back to Indonesian and then to the key itself."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang or _current["lang"]) or entry.get("id") or key
    return text.format(**params) if params else text
