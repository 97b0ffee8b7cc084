"""`lapor-conformance run PROFILE`: one execution of a profile, written to a run directory.

profile → spec pack, waivers, policy → mode (self-check / assessment: locked profile, all suites,
signing key found before anything runs) → credentials → target (simulator started here) → suites
in pytest → finish.py (verdict, recommendation, summary, front page, HTML, redaction, bundle).
The last console line is the run directory. Exit: 0 conformant, 1 findings, 2 error/incomplete.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from conformance.engine.context import RunContext
from conformance.i18n import current_lang, set_lang, t
from conformance.profiles.commands import plain_http_warning
from conformance.profiles.loader import Profile, load_profile
from conformance.profiles.secrets import Credentials, resolve_credentials
from conformance.profiles.waivers import check_waivers
from conformance.redaction import Redactor
from conformance.runner.finish import EXIT_BY_VERDICT, finish
from conformance.runner.mode import CLIENT, ModePlan, run_directions, snapshot_pack
from conformance.runner.mode import plan as plan_mode
from conformance.runner.pytest_process import run_suites
from conformance.runner.rundir import create_run_dir
from conformance.runner.target import target_base_url
from conformance.specpack import SpecPack, load_pack
from conformance.verdict.policy import Policy, profile_policy

__all__ = ["EXIT_BY_VERDICT", "RunOptions", "run_profile"]


@dataclass
class RunOptions:
    seed: int | None = None
    max_examples: int | None = None
    reports_dir: str = "reports"
    html: bool = True
    lang: str | None = None
    mode: str | None = None        # None: the profile's `mode` (default self-check)
    key: str | None = None         # signing key for assessment mode (else env / default location)


def run_profile(profile_path: str, options: RunOptions) -> int:
    profile = load_profile(profile_path)
    set_lang(options.lang or profile.lang)
    client = run_directions(profile) == CLIENT
    if client:
        from conformance.client.settings import read_settings

        read_settings(profile)  # a bad `client:` section is a profile error before anything else
    original = load_pack(profile.spec_pack, base_dir=profile.source_path.parent)
    check_waivers(profile, original)
    policy = profile_policy(profile)
    plan = plan_mode(profile, original, mode=options.mode, key=options.key, seed=options.seed,
                     max_examples=options.max_examples)
    credentials = resolve_credentials(profile)
    with tempfile.TemporaryDirectory(prefix="lapor-pack-") as scratch:
        # The run reads (and the bundle carries) the pack as it is now, whatever happens to it on disk later.
        pack = snapshot_pack(original, Path(scratch))
        if client:
            from conformance.client.run import run_client

            return run_client(profile, pack, policy, plan, credentials, options)
        return _run(profile, pack, policy, plan, credentials, options)


def _run(profile: Profile, pack: SpecPack, policy: Policy, plan: ModePlan, credentials: Credentials,
         options: RunOptions) -> int:
    redactor = Redactor(credentials.values())
    seed = options.seed if options.seed is not None else profile.budget.seed
    max_examples = options.max_examples or profile.budget.max_examples
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    print(t("run.start", agency=profile.agency.name, target=profile.target.base_url, pack=pack.id,
            version=pack.version, seed=seed), flush=True)
    print(t("run.mode.assessment", sha256=profile.sha256[:16], policy=policy.id) if plan.is_assessment
          else t("run.mode.self_check"), flush=True)
    for note in plan.notes:
        print("  " + t(note, suites=", ".join(plan.suites)), flush=True)
    if plan.key_path is not None:
        from conformance.evidence.keys import permissions_warning

        warning = permissions_warning(plan.key_path)
        if warning:
            print(warning, flush=True)
    if credentials.ephemeral:
        print(t("run.ephemeral_credentials", variables="/".join(credentials.ephemeral_variables)), flush=True)
    insecure = plain_http_warning(profile)  # before the first request carries the credentials
    if insecure:
        print(insecure, file=sys.stderr, flush=True)

    with target_base_url(profile.target.base_url, credentials, pack=pack) as base_url:
        run_dir = create_run_dir(options.reports_dir, profile.agency.code).resolve()  # only once the target answers
        context = RunContext(
            run_dir=str(run_dir.resolve()), base_url=base_url, pack_dir=str(pack.root.resolve()),
            bearer_header=credentials.bearer_header,
            agency={"code": profile.agency.code, "name": profile.agency.name,
                    "institution_id": profile.agency.institution_id},
            environment=profile.environment, seed=seed, max_examples=max_examples,
            max_time_s=profile.budget.max_time_s, stateful=plan.stateful,
            fixtures={k: v for k, v in vars(profile.fixtures).items() if v is not None},
            lang=current_lang(), read_only=profile.environment == "production",
            api_key_ref=credentials.api_key_variable, token_ref=credentials.token_variable,
            second_institution_id=credentials.second_institution_id,
            second_api_key_ref=credentials.second_api_key_variable or "LAPOR_B_API_KEY",
            second_token_ref=credentials.second_token_variable or "LAPOR_B_TOKEN",
            collective_leave=[day.isoformat() for day in profile.collective_leave],
            shrink_s=0 if profile.environment == "production" else profile.budget.shrink_s,
        )
        context_file = run_dir / "context.json"
        context.write(context_file)
        outcome = run_suites(run_dir, list(plan.suites), context_file, credentials, redactor)

    return finish(run_dir, profile, pack, policy, plan, context, redactor, outcome, html=options.html,
                  started_at=started_at, duration=time.monotonic() - started)
