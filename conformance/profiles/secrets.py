"""Credentials: a profile names environment variables (`${LAPOR_API_KEY}`), never secret values.

`resolve_credentials()` reads the named variables. A literal value in the profile is refused
(without ever showing it); an unset variable is an error, except for the built-in simulator,
which gets ephemeral credentials shaped like real LAPOR ones.
"""

from __future__ import annotations

import os
import re
import secrets as _random
import string
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.errors import ProfileError

if TYPE_CHECKING:
    from conformance.profiles.loader import Profile

CREDENTIAL_REF = re.compile(r"^\$\{([A-Z_][A-Z0-9_]*)\}$")
CREDENTIAL_FIELDS = ("auth.api_key", "auth.token")
SUGGESTED_VARIABLES = {"auth.api_key": "LAPOR_API_KEY", "auth.token": "LAPOR_TOKEN"}
_MASK = "[DISENSOR]"
_BCRYPT_ALPHABET = "./" + string.ascii_uppercase + string.ascii_lowercase + string.digits


@dataclass(frozen=True, repr=False)
class Credentials:
    """Resolved secret values. `repr()`/`str()` never show them; `values()` feeds the Redactor."""

    api_key: str
    token: str
    bearer_header: str = "Authorization"
    ephemeral: bool = False
    api_key_variable: str = ""
    token_variable: str = ""
    ephemeral_variables: tuple[str, ...] = ()   # the unset variables that were generated (simulator)
    # The second institution (object-level authorisation checks), when the profile names one.
    second_institution_id: str | None = None
    second_api_key: str = ""
    second_token: str = ""
    second_api_key_variable: str = ""
    second_token_variable: str = ""

    def values(self) -> tuple[str, ...]:
        return tuple(value for value in (self.api_key, self.token, self.second_api_key, self.second_token) if value)

    def headers(self) -> dict[str, str]:
        """The two LAPOR auth headers: `<bearer_header>: Bearer <key>` and `token: <token>`."""
        return {self.bearer_header: f"Bearer {self.api_key}", "token": self.token}

    def __repr__(self) -> str:
        return (f"Credentials(bearer_header={self.bearer_header!r}, api_key={_MASK}, token={_MASK}, "
                f"ephemeral={self.ephemeral}, api_key_variable={self.api_key_variable!r}, "
                f"token_variable={self.token_variable!r})")

    __str__ = __repr__


def credential_problem(field: str, value: object, *, file: str, line: int | None) -> ProfileError:
    """The tailored error for an auth field that is not a `${NAME}` reference.

    The value is shown only when it is itself shaped like a reference (`${lapor_key}`); anything
    else may be a real secret and is never echoed.
    """
    key = field.rsplit(".", 1)[-1]
    variable = SUGGESTED_VARIABLES.get(field, "LAPOR_API_KEY")
    if isinstance(value, str) and re.fullmatch(r"\$\{[^{}]*\}|\$[A-Z_][A-Z0-9_]*", value.strip()):
        return ProfileError("profile.error.credential_ref_name", file=file, line=line, field=field,
                            name=key, seen=value.strip(), var=variable)
    return ProfileError("profile.error.literal_secret", file=file, line=line, field=field,
                        name=key, var=variable)


def reference_name(reference: str) -> str | None:
    """`${LAPOR_API_KEY}` -> `LAPOR_API_KEY`; None when it is not a valid reference."""
    match = CREDENTIAL_REF.match(reference) if isinstance(reference, str) else None
    return match.group(1) if match else None


def resolve_credentials(profile: Profile, environ: Mapping[str, str] = os.environ) -> Credentials:
    """Read the variables the profile names. Raises ProfileError for literals and unset variables."""
    shown = str(profile.source_path)
    resolved: dict[str, str] = {}
    names: dict[str, str] = {}
    generated: list[str] = []
    fields = [("auth.api_key", profile.auth.api_key), ("auth.token", profile.auth.token)]
    second = profile.auth.second_institution
    if second is not None:
        fields += [("auth.second_institution.api_key", second.api_key), ("auth.second_institution.token", second.token)]
    for field, reference in fields:
        line = profile.line_of(field)
        name = reference_name(reference)
        if name is None:
            raise credential_problem(field, reference, file=shown, line=line)
        names[field] = name
        value = environ.get(name, "")
        if value and (value != value.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)):
            # A stray newline or space from copy-paste would be sent in a header and could not be
            # recognised by the redactor in its escaped forms: refuse it up front.
            raise ProfileError("profile.error.env_bad_value", file=shown, line=line, field=field, var=name)
        if value:
            resolved[field] = value
        elif profile.target.is_simulator:
            resolved[field] = _ephemeral_key() if field.endswith("api_key") else _ephemeral_token()
            generated.append(name)
        else:
            raise ProfileError("profile.error.env_unset", file=shown, line=line, field=field,
                               var=name, base_url=profile.target.base_url)
    if second is not None and not generated and (resolved["auth.second_institution.api_key"], resolved[
            "auth.second_institution.token"]) == (resolved["auth.api_key"], resolved["auth.token"]):
        raise ProfileError("profile.error.second_same_as_first", file=shown, field="auth.second_institution",
                           line=profile.line_of("auth.second_institution"),
                           vars=", ".join(f"${{{names[f]}}}" for f in names if f.startswith("auth.second")))
    return Credentials(api_key=resolved["auth.api_key"], token=resolved["auth.token"],
                       bearer_header=profile.auth.bearer_header, ephemeral=bool(generated),
                       ephemeral_variables=tuple(generated),
                       api_key_variable=names["auth.api_key"], token_variable=names["auth.token"],
                       second_institution_id=second.institution_id if second else None,
                       second_api_key=resolved.get("auth.second_institution.api_key", ""),
                       second_token=resolved.get("auth.second_institution.token", ""),
                       second_api_key_variable=names.get("auth.second_institution.api_key", ""),
                       second_token_variable=names.get("auth.second_institution.token", ""))


def _ephemeral_key() -> str:
    """A 60-character bcrypt-shaped key, like real LAPOR keys: `$2y$10$` + 53 chars of [./A-Za-z0-9]."""
    return "$2y$10$" + "".join(_random.choice(_BCRYPT_ALPHABET) for _ in range(53))


def _ephemeral_token() -> str:
    """A token shaped like real LAPOR tokens: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, uppercase hex."""
    digits = _random.token_hex(16).upper()
    return "{" + "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:])) + "}"
