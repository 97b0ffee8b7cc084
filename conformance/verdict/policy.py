"""The verdict policy: data that turns requirement outcomes into a recommendation.

The shipped default is `conformance/policies/default.yaml`. A profile may name another file
(`policy:`, relative to the profile); keys it leaves out take the default's values.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import ProfileError, UserError

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"
SEVERITIES = ("blocking", "major", "minor", "observation")
EFFECTS = ("not_ready", "remediate", "note")
NOT_EXERCISED_EFFECTS = EFFECTS + ("insufficient",)
LEVELS = ("MUST", "SHOULD", "MAY")


@dataclass(frozen=True)
class Policy:
    id: str
    path: Path
    sha256: str
    text: bytes = field(repr=False)
    severity_by_level: dict[str, str]
    severity_by_requirement: dict[str, str]
    effect: dict[str, str]
    deadline_days: int
    max_findings: int | None
    not_exercised: dict[str, str]
    min_accepted_cases: int
    rejection_statuses: tuple[int, ...]

    def severity(self, requirement_id: str, level: str, provisional: bool) -> str:
        if provisional:
            return "observation"
        return self.severity_by_requirement.get(requirement_id) or self.severity_by_level.get(level, "major")

    def effect_of_failure(self, requirement_id: str, level: str, provisional: bool) -> str:
        if provisional:  # inference only: reported, never turns a recommendation negative (whatever the policy)
            return "note"
        return self.effect[self.severity(requirement_id, level, provisional)]

    def effect_of_not_exercised(self, level: str, provisional: bool) -> str:
        return "note" if provisional else self.not_exercised.get(level, "note")


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, or `path` laid over it. UserError names the file and key when it is wrong."""
    default = _read(DEFAULT_POLICY)
    source = Path(path) if path else DEFAULT_POLICY
    data = copy.deepcopy(default)
    text = DEFAULT_POLICY.read_bytes()
    if path:
        override = _read(source)
        text = source.read_bytes()
        _merge(data, override)
    return _build(data, source, text)


def profile_policy(profile: Any) -> Policy:
    """The policy a profile names (`policy:`, relative to the profile file), or the shipped default.
    `run` and `profile validate` both load it here, so both refuse a missing or wrong file alike."""
    if not profile.policy:
        return load_policy()
    path = profile.source_path.parent / profile.policy
    if not path.is_file():
        raise ProfileError("profile.error.policy_not_found", file=str(profile.source_path),
                           line=profile.line_of("policy"), field="policy", path=str(path))
    return load_policy(path)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError("policy.not_found", file=str(path))
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        raise UserError("policy.invalid", file=str(path), where=f"line {mark.line + 1}" if mark else "?",
                        detail=getattr(error, "problem", None) or type(error).__name__) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UserError("policy.invalid", file=str(path), where="/", detail="not a mapping")
    return loaded


def _merge(base: dict[str, Any], override: dict[str, Any]) -> None:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _build(data: dict[str, Any], source: Path, text: bytes) -> Policy:
    def bad(key: str, detail: str) -> UserError:
        return UserError("policy.invalid", file=str(source), where=key, detail=detail)

    known = {"version", "id", "severity_by_level", "severity_by_requirement", "effect", "remediation",
             "not_exercised", "evidence"}
    for key in data:
        if key not in known:
            raise bad(str(key), "unknown key; expected one of " + ", ".join(sorted(known)))
    severity_by_level = _mapping(data, "severity_by_level", bad)
    for level, severity in severity_by_level.items():
        _one_of(f"severity_by_level.{level}", severity, SEVERITIES, bad)
        _one_of("severity_by_level", level, LEVELS, bad)
    severity_by_requirement = _mapping(data, "severity_by_requirement", bad)
    for requirement, severity in severity_by_requirement.items():
        _one_of(f"severity_by_requirement.{requirement}", severity, SEVERITIES, bad)
    effect = _mapping(data, "effect", bad)
    for severity in SEVERITIES:
        _one_of(f"effect.{severity}", effect.get(severity), EFFECTS, bad)
    not_exercised = _mapping(data, "not_exercised", bad)
    for level, value in not_exercised.items():
        _one_of(f"not_exercised.{level}", value, NOT_EXERCISED_EFFECTS, bad)
    remediation = _mapping(data, "remediation", bad)
    evidence = _mapping(data, "evidence", bad)
    statuses = evidence.get("rejection_statuses", [])
    if not isinstance(statuses, list) or not all(isinstance(s, int) and 100 <= s <= 599 for s in statuses):
        raise bad("evidence.rejection_statuses", "a list of HTTP status codes")
    return Policy(
        id=str(data.get("id") or source.stem), path=source, sha256=hashlib.sha256(text).hexdigest(), text=text,
        severity_by_level=dict(severity_by_level), severity_by_requirement=dict(severity_by_requirement),
        effect=dict(effect), deadline_days=_count(remediation, "deadline_days", "remediation", bad),
        max_findings=None if remediation.get("max_findings") is None
        else _count(remediation, "max_findings", "remediation", bad),
        not_exercised=dict(not_exercised),
        min_accepted_cases=_count(evidence, "min_accepted_cases", "evidence", bad),
        rejection_statuses=tuple(statuses),
    )


def _mapping(data: dict[str, Any], key: str, bad: Any) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise bad(key, "a mapping")
    return value


def _one_of(key: str, value: Any, allowed: tuple[str, ...], bad: Any) -> None:
    if value not in allowed:
        raise bad(key, f"{value!r}; expected one of {', '.join(allowed)}")


def _count(data: dict[str, Any], key: str, parent: str, bad: Any) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad(f"{parent}.{key}", "a whole number >= 0")
    return value
