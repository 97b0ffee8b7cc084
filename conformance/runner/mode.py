"""Self-check vs assessment: one engine, two sets of rules around it.

self-check (default): the profile as written; the report is watermarked as not valid for decisions.
assessment (`--mode assessment` or `mode: assessment`): the profile is locked (its sha256 is
recorded and re-checked at the end; `--seed`/`--max-examples` are refused), every suite the harness
has for the pack runs (stateful included), versions are recorded and the evidence bundle is signed.
The checks are the same in both modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.errors import UserError
from conformance.profiles.loader import Profile
from conformance.runner.pytest_process import SUITES_DIR
from conformance.specpack import SpecPack

SELF_CHECK, ASSESSMENT = "self-check", "assessment"


@dataclass(frozen=True)
class ModePlan:
    mode: str
    suites: tuple[str, ...]
    stateful: bool
    key_path: Path | None = None
    notes: tuple[str, ...] = ()   # i18n keys of what the mode changed, for the console

    @property
    def is_assessment(self) -> bool:
        return self.mode == ASSESSMENT


# A run drives one direction: provider (the harness calls the target) or client (the agency's app calls
# the simulator, conformance/client/run.py). They have different orchestration and are not mixed.
PROVIDER, CLIENT = ("provider",), ("client",)


def run_directions(profile: Profile) -> tuple[str, ...]:
    return CLIENT if "client" in profile.suites and "provider" not in profile.suites else PROVIDER


def available_suites(pack: SpecPack, directions: tuple[str, ...] = PROVIDER) -> tuple[str, ...]:
    """Every suite the harness has for the pack in these directions (a folder under suites/ with tests)."""
    directions = {requirement.direction for requirement in pack.requirements} & set(directions)
    return tuple(sorted(name for name in directions
                        if (SUITES_DIR / name).is_dir() and any((SUITES_DIR / name).glob("test_*.py"))))


def plan(profile: Profile, pack: SpecPack, *, mode: str | None, key: str | None, seed: int | None,
         max_examples: int | None) -> ModePlan:
    chosen = mode or profile.mode or SELF_CHECK
    directions = run_directions(profile)
    if chosen != ASSESSMENT:
        return ModePlan(SELF_CHECK, tuple(profile.suites), profile.budget.stateful)
    for option, value in (("--seed", seed), ("--max-examples", max_examples)):
        if value is not None:
            raise UserError("run.assessment_override", option=option)
    from conformance.evidence.keys import find_private_key, load_private_key

    key_path = find_private_key(key)
    load_private_key(key_path)  # fail before the run, not after it
    suites = available_suites(pack, directions) or tuple(profile.suites)
    notes = []
    if set(suites) != set(profile.suites):
        notes.append("run.assessment.suites")
    if not profile.budget.stateful and directions == PROVIDER:
        notes.append("run.assessment.stateful")
    return ModePlan(ASSESSMENT, suites, True, key_path, tuple(notes))


def snapshot_pack(pack: SpecPack, scratch: Path) -> SpecPack:
    """A copy of the pack's files under `scratch`, loaded from there: the run's pack cannot change under it."""
    from conformance.evidence.bundle import pack_files
    from conformance.specpack import load_pack

    root = scratch / pack.root.resolve().name
    for name, data in pack_files(pack.root).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return load_pack(str(root))
