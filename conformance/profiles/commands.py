"""`lapor-conformance profile schema|validate`: print the JSON Schema; check a profile is ready to run."""

from __future__ import annotations

import datetime
import sys
import urllib.parse

from conformance.i18n import t
from conformance.profiles.loader import SCHEMA_PATH, Profile, load_profile
from conformance.loopback import is_loopback_url
from conformance.profiles.secrets import Credentials, resolve_credentials


def print_schema() -> int:
    sys.stdout.write(SCHEMA_PATH.read_text(encoding="utf-8"))
    sys.stdout.flush()
    return 0


def validate(path: str) -> int:
    """Load the profile and resolve its credentials (values never shown). ProfileError -> exit 2."""
    profile = load_profile(path)
    from conformance.profiles.waivers import check_waivers
    from conformance.specpack import load_pack
    from conformance.verdict.policy import profile_policy

    check_waivers(profile, load_pack(profile.spec_pack, base_dir=profile.source_path.parent))
    profile_policy(profile)  # as `run` loads it: a missing or wrong policy file fails here too
    credentials = resolve_credentials(profile)
    for line in warnings(profile):
        print(line, file=sys.stderr)
    print(summary(profile, credentials))
    return 0


def summary(profile: Profile, credentials: Credentials) -> str:
    agency = profile.agency
    budget = profile.budget
    lines = [t("profile.ok.title", file=str(profile.source_path))]
    if agency.institution_id:
        lines.append(t("profile.ok.agency_institution", code=agency.code, name=agency.name,
                       institution_id=agency.institution_id))
    else:
        lines.append(t("profile.ok.agency", code=agency.code, name=agency.name))
    if profile.target.is_simulator:
        lines.append(t("profile.ok.target_simulator"))
    else:
        lines.append(t("profile.ok.target", base_url=_without_userinfo(profile.target.base_url)))
    lines += [
        t("profile.ok.environment", environment=profile.environment),
        t("profile.ok.spec_pack", spec_pack=profile.spec_pack),
        t("profile.ok.suites", suites=", ".join(profile.suites)),
        t("profile.ok.budget", max_examples=budget.max_examples, max_time_s=budget.max_time_s,
          seed=budget.seed, stateful=str(budget.stateful).lower()),
        _credentials_line(profile, credentials),
    ]
    if profile.waivers:
        lines.append(t("profile.ok.waivers", count=len(profile.waivers)))
    lines.append(t("profile.ok.sha256", sha256=profile.sha256))
    return "\n".join(lines)


def warnings(profile: Profile, today: datetime.date | None = None) -> list[str]:
    """Things that are allowed but probably wrong."""
    shown = str(profile.source_path)
    found = [warning for warning in (plain_http_warning(profile),) if warning]
    if profile.target.is_simulator and profile.environment != "simulator":
        found.append(t("profile.warn.simulator_environment", file=shown,
                       line=profile.line_of("environment"), environment=profile.environment))
    today = today or datetime.date.today()
    for index, waiver in enumerate(profile.waivers):
        if waiver.expires < today:
            found.append(t("profile.warn.waiver_expired", file=shown,
                           line=profile.line_of(f"waivers[{index}].expires"),
                           requirement=waiver.requirement, expires=waiver.expires.isoformat()))
    return found


def plain_http_warning(profile: Profile) -> str | None:
    """Credentials would cross the network unencrypted: `http://` to a host that is not loopback.
    `profile validate` and `run` both print it; the run goes on (LAPOR-HTTP-002 reports it as a finding)."""
    base_url = profile.target.base_url
    if not base_url.lower().startswith("http://") or is_loopback_url(base_url):
        return None
    return t("profile.warn.plain_http", file=str(profile.source_path), line=profile.line_of("target.base_url"),
             base_url=_without_userinfo(base_url))


def _credentials_line(profile: Profile, credentials: Credentials) -> str:
    if not credentials.ephemeral:
        line = t("profile.ok.credentials", header=credentials.bearer_header,
                 api_key_var=credentials.api_key_variable, token_var=credentials.token_variable)
    else:
        line = t("profile.ok.credentials_ephemeral", header=credentials.bearer_header,
                 missing=" / ".join(f"${{{name}}}" for name in credentials.ephemeral_variables))
    if credentials.second_institution_id:
        line += "\n" + t("profile.ok.second_institution", institution=credentials.second_institution_id,
                         api_key_var=credentials.second_api_key_variable, token_var=credentials.second_token_variable)
    return line


def _without_userinfo(url: str) -> str:
    """Never print `user:password@` that someone put into a URL."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="[DISENSOR]@" + parts.netloc.rsplit("@", 1)[1]))
