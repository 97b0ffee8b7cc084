"""Post-processing of allure-results: stable identities and the environment panel.

allure-pytest derives identity from the test's full name plus parameter values joined without
separators, so distinct items can collide and Allure then merges them as "retries". The harness
sets testCaseId and historyId itself, from stable named parts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def result_files(results_dir: Path) -> list[Path]:
    return sorted(results_dir.glob("*-result.json"))


def stabilise_identities(results_dir: Path) -> int:
    changed = 0
    for path in result_files(results_dir):
        result = json.loads(path.read_text(encoding="utf-8"))
        labels = {label["name"]: label["value"] for label in result.get("labels", [])
                  if label.get("name") in ("agency", "suite", "subSuite")}
        parameters = {p["name"]: p.get("value", "") for p in result.get("parameters", [])}
        parts = [labels.get("agency", ""), labels.get("suite", ""), labels.get("subSuite", ""),
                 result.get("fullName", ""), parameters.get("operation", "")]
        result["testCaseId"] = _digest(*parts)
        result["historyId"] = _digest(*parts, json.dumps(parameters, sort_keys=True))
        path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        changed += 1
    return changed


def count_statuses(results_dir: Path) -> dict[str, int]:
    counts = {"total": 0, "passed": 0, "failed": 0, "broken": 0, "skipped": 0, "unknown": 0}
    for path in result_files(results_dir):
        status = json.loads(path.read_text(encoding="utf-8")).get("status", "unknown")
        counts["total"] += 1
        counts[status if status in counts else "unknown"] += 1
    return counts


def write_environment(results_dir: Path, values: dict[str, Any]) -> None:
    # .properties: a space, ':' or '=' in a key must be escaped, or the key ends there.
    def escape(key: str) -> str:
        return key.replace("\\", "\\\\").replace(" ", "\\ ").replace(":", "\\:").replace("=", "\\=")

    lines = [f"{escape(key)}={str(value).replace(chr(10), ' ')}" for key, value in values.items()]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def mark_unfinished(results_dir: Path, completed_labels: frozenset[str], message: str) -> int:
    """After an interruption: a result whose test never reported back is `broken`, never passed.

    allure-pytest writes the test that was running when pytest stopped as passed, without the
    harness's labels; its story label (the operation) is not among the completed ones.
    """
    marked = 0
    for path in result_files(results_dir):
        result = json.loads(path.read_text(encoding="utf-8"))
        story = next((label["value"] for label in result.get("labels", []) if label.get("name") == "story"), None)
        if story in completed_labels:
            continue
        result["status"] = "broken"
        result["statusDetails"] = {"message": message}
        path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        marked += 1
    return marked
