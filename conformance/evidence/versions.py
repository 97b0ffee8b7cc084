"""Harness and dependency versions, recorded in every run (`versions.json`) and so in the bundle."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from conformance import __version__

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCKFILES = ("requirements.lock", "package-lock.json")


def collect_versions() -> dict[str, Any]:
    distributions = {}
    for distribution in metadata.distributions():
        name = distribution.metadata.get("Name")
        if name:
            distributions[name.lower()] = distribution.version
    locks = {}
    for name in LOCKFILES:
        path = PROJECT_ROOT / name
        if path.is_file():
            locks[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"harness": {"name": "lapor-conformance", "version": __version__},
            "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
            "platform": platform.platform(terse=True),
            "distributions": dict(sorted(distributions.items())),
            "lockfiles_sha256": locks,
            "allure": _allure_version()}


def _allure_version() -> str:
    package = PROJECT_ROOT / "node_modules" / "allure" / "package.json"
    if not package.is_file():
        return "unknown"
    import json

    try:
        return str(json.loads(package.read_text(encoding="utf-8")).get("version", "unknown"))
    except ValueError:
        return "unknown"
