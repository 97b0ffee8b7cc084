"""Spec packs: a versioned folder of data (pack.yaml, openapi.yaml, requirements.yaml).

A profile names a bundled pack (`lapor-v3`) or a folder on disk. Code only interprets the pack,
so swapping in the official LAPOR spec is a data change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import UserError

BUNDLED_PACKS = Path(__file__).parent / "specs"
LEVELS = ("MUST", "SHOULD", "MAY")
DIRECTIONS = ("provider", "client")


@dataclass(frozen=True)
class Requirement:
    id: str
    title: dict[str, str]
    level: str
    evidence: str
    sources: tuple[str, ...]
    direction: str
    provisional: bool
    checked_by: tuple[dict[str, str], ...]
    rationale: str = ""
    needs_profile: str = ""  # a profile field without which no run can exercise it (e.g. auth.second_institution)
    checkable: bool = True  # False: no API run can decide it (see not_checkable_reason in the catalogue)
    not_checkable_reason: dict[str, str] = field(default_factory=dict)  # {"id": ..., "en": ...}

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("id") or self.id

    @property
    def check_names(self) -> tuple[str, ...]:
        return tuple(binding["check"] for binding in self.checked_by)

    def bound_to(self, check: str, operation: str | None = None) -> bool:
        """Is this requirement checked by `check` (on `operation`, when a binding names operations)?"""
        for binding in self.checked_by:
            if binding["check"] != check:
                continue
            operations = binding.get("operations")
            if not operations or operation is None or operation in operations:
                return True
        return False


@dataclass
class SpecPack:
    root: Path
    meta: dict[str, Any]
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.meta.get("id", self.root.name))

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "0"))

    @property
    def openapi_path(self) -> Path:
        return self.root / self.meta.get("openapi", "openapi.yaml")

    @cached_property
    def openapi(self) -> dict[str, Any]:
        with self.openapi_path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    @cached_property
    def sha256(self) -> str:
        """Digest over every file of the pack (names and bytes), so any edit changes it."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(self.root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        return digest.hexdigest()

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)

    def requirements_checked_by(self, check: str, operation: str | None = None) -> list[Requirement]:
        return [r for r in self.requirements if r.bound_to(check, operation)]


def resolve_pack_dir(name_or_path: str, base_dir: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if not candidate.is_absolute() and base_dir is not None:
        relative = base_dir / candidate
        if relative.is_dir():
            return relative
    if candidate.is_dir():
        return candidate
    bundled = BUNDLED_PACKS / name_or_path
    if bundled.is_dir():
        return bundled
    available = ", ".join(sorted(p.name for p in BUNDLED_PACKS.iterdir() if p.is_dir()))
    raise UserError("pack.not_found", pack=name_or_path, available=available)


def load_pack(name_or_path: str = "lapor-v3", base_dir: Path | None = None) -> SpecPack:
    root = resolve_pack_dir(name_or_path, base_dir)
    meta = _read_yaml(root / "pack.yaml", required=False) or {"id": root.name}
    requirements_file = root / meta.get("requirements", "requirements.yaml")
    raw = _read_yaml(requirements_file, required=True) or {}
    requirements = [_requirement(entry, requirements_file) for entry in raw.get("requirements", [])]
    pack = SpecPack(root=root, meta=meta, requirements=requirements)
    if not pack.openapi_path.is_file():
        raise UserError("pack.file_missing", file=str(pack.openapi_path))
    return pack


def _read_yaml(path: Path, *, required: bool) -> Any:
    if not path.is_file():
        if required:
            raise UserError("pack.file_missing", file=str(path))
        return None
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise UserError("pack.bad_yaml", file=str(path), line=(mark.line + 1) if mark else "?",
                        detail=getattr(error, "problem", str(error))) from None


def _texts(value: Any) -> dict[str, str]:
    """A bilingual text ({"id": ..., "en": ...}) or a plain one (taken as English), whitespace folded."""
    if not value:
        return {}
    pairs = value.items() if isinstance(value, dict) else [("en", value)]
    return {lang: " ".join(str(text).split()) for lang, text in pairs}


def _requirement(entry: dict[str, Any], source: Path) -> Requirement:
    try:
        requirement = Requirement(
            id=entry["id"], title=dict(entry["title"]), level=entry["level"], evidence=entry["evidence"],
            sources=tuple(entry.get("sources") or ()), direction=entry["direction"],
            provisional=bool(entry.get("provisional", False)),
            checked_by=tuple(entry.get("checked_by") or ()), rationale=entry.get("rationale", ""),
            needs_profile=str(entry.get("needs_profile") or ""),
            checkable=entry.get("checkable", True) is not False,
            not_checkable_reason=_texts(entry.get("not_checkable_reason")),
        )
    except (KeyError, TypeError) as error:
        raise UserError("pack.bad_requirement", file=str(source), entry=entry.get("id", "?"), detail=str(error)) from None
    if requirement.level not in LEVELS or requirement.direction not in DIRECTIONS:
        raise UserError("pack.bad_requirement", file=str(source), entry=requirement.id,
                        detail=f"level={requirement.level} direction={requirement.direction}")
    return requirement
