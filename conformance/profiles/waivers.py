"""Waivers in a profile must name requirements the spec pack knows; anything else is a profile error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.errors import ProfileError

if TYPE_CHECKING:
    from conformance.profiles.loader import Profile
    from conformance.specpack import SpecPack


def check_waivers(profile: Profile, pack: SpecPack) -> None:
    """Raise ProfileError (file, line, field) for a waiver whose requirement is not in the pack."""
    for index, waiver in enumerate(profile.waivers):
        if pack.requirement(waiver.requirement) is None:
            field = f"waivers[{index}].requirement"
            raise ProfileError("profile.error.waiver_unknown_requirement", file=str(profile.source_path),
                               line=profile.line_of(field), field=field, requirement=waiver.requirement,
                               pack=pack.id, version=pack.version)
