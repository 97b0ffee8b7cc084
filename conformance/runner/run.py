"""`lapor-conformance run PROFILE`: one execution of a profile, written to a run directory.

profile → spec pack → credentials → target (simulator started here) → suites in pytest →
allure-results post-processing → summary.json → single-file HTML → redaction sweep.
The last console line is the run directory. Exit: 0 conformant, 1 findings, 2 error/incomplete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.engine.context import RunContext
from conformance.engine.ledger import read_ledger
from conformance.i18n import current_lang, set_lang, t
from conformance.profiles.loader import Profile, load_profile
from conformance.profiles.secrets import resolve_credentials
from conformance.redaction import Redactor
from conformance.reporting import allure_results
from conformance.reporting.requirements_page import write_requirements_page
from conformance.reporting.summary import (operation_counts, requirement_outcomes, tool_versions, verdict,
                                           write_summary)
from conformance.runner.pytest_process import run_suites
from conformance.runner.rundir import create_run_dir
from conformance.runner.target import SIMULATOR, target_base_url
from conformance.specpack import SpecPack, load_pack

EXIT_BY_VERDICT = {"pass": 0, "fail": 1, "incomplete": 2, "error": 2}


@dataclass
class RunOptions:
    seed: int | None = None
    max_examples: int | None = None
    reports_dir: str = "reports"
    html: bool = True
    lang: str | None = None


def run_profile(profile_path: str, options: RunOptions) -> int:
    profile = load_profile(profile_path)
    set_lang(options.lang or profile.lang)
    pack = load_pack(profile.spec_pack, base_dir=profile.source_path.parent)
    credentials = resolve_credentials(profile)
    redactor = Redactor(credentials.values())
    seed = options.seed if options.seed is not None else profile.budget.seed
    max_examples = options.max_examples or profile.budget.max_examples
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    print(t("run.start", agency=profile.agency.name, target=profile.target.base_url, pack=pack.id,
            version=pack.version, seed=seed), flush=True)
    if credentials.ephemeral:
        print(t("run.ephemeral_credentials"), flush=True)

    with target_base_url(profile.target.base_url, credentials.api_key, credentials.token,
                         credentials.bearer_header) as base_url:
        run_dir = create_run_dir(options.reports_dir, profile.agency.code).resolve()  # only once the target answers
        context = RunContext(
            run_dir=str(run_dir.resolve()), base_url=base_url, pack_dir=str(pack.root.resolve()),
            bearer_header=credentials.bearer_header,
            agency={"code": profile.agency.code, "name": profile.agency.name,
                    "institution_id": profile.agency.institution_id},
            environment=profile.environment, seed=seed, max_examples=max_examples,
            max_time_s=profile.budget.max_time_s, stateful=profile.budget.stateful,
            fixtures={k: v for k, v in vars(profile.fixtures).items() if v is not None},
            lang=current_lang(), read_only=profile.environment == "production",
            api_key_ref=_env_name(profile.auth.api_key), token_ref=_env_name(profile.auth.token),
            second_institution_id=credentials.second_institution_id,
            collective_leave=[day.isoformat() for day in profile.collective_leave],
        )
        context_file = run_dir / "context.json"
        context.write(context_file)
        outcome = run_suites(run_dir, list(profile.suites), context_file, credentials, redactor)

    return _finish(run_dir, profile, pack, context, redactor, outcome, options,
                   started_at=started_at, duration=time.monotonic() - started)


def _finish(run_dir: Path, profile: Profile, pack: SpecPack, context: RunContext, redactor: Redactor,
            outcome: Any, options: RunOptions, *, started_at: datetime, duration: float) -> int:
    results_dir = run_dir / "allure-results"
    allure_results.stabilise_identities(results_dir)
    entries = read_ledger(run_dir / "ledger.jsonl")
    requirements = requirement_outcomes(pack, entries, directions={"provider"})
    run_verdict, reasons = verdict(requirements, outcome.interrupted)
    harness_error = not outcome.interrupted and outcome.exit_code not in (0, 1)
    if harness_error or (outcome.exit_code == 1 and run_verdict == "pass"):
        run_verdict, reasons = "error", [f"pytest_exit:{outcome.exit_code}"]
    shown_target = SIMULATOR + f" ({context.base_url})" if profile.target.is_simulator else context.base_url
    allure_results.write_environment(results_dir, {
        t("env.agency"): f"{profile.agency.name} ({profile.agency.code})", t("env.environment"): profile.environment,
        t("env.target"): shown_target, t("env.pack"): f"{pack.id} {pack.version} (sha256 {pack.sha256[:16]}…)",
        t("env.seed"): context.seed, t("env.mode"): t("env.mode.self_check"), t("env.verdict"): t(f"env.verdict.{run_verdict}"),
        "Harness": f"lapor-conformance {__version__}",
    })
    counts = allure_results.count_statuses(results_dir)
    summary = {
        "schema_version": 1, "verdict": run_verdict, "verdict_reasons": reasons, "mode": "self-check",
        "agency": context.agency, "environment": profile.environment, "target": shown_target,
        "profile": {"path": str(profile.source_path), "sha256": profile.sha256},
        "spec": {"id": pack.id, "version": pack.version, "sha256": pack.sha256},
        "seed": context.seed, "max_examples": context.max_examples,
        "started_at": started_at.isoformat(timespec="seconds"), "duration_s": round(duration, 2),
        "interrupted": outcome.interrupted, "tools": tool_versions(), "tests": counts,
        "operations": operation_counts(entries), "requirements": requirements,
    }
    write_summary(run_dir / "summary.json", summary)
    outcomes = {row["id"]: row["outcome"] for row in requirements}
    write_requirements_page(run_dir / "requirements.html", pack, current_lang(), outcomes)
    # Redact before the HTML is built: the single-file report base64-encodes what it embeds.
    redactor.redact_tree(run_dir)
    if options.html:
        _build_html(run_dir, profile, pack)
        redactor.redact_tree(run_dir / "allure-report")
    _print_closing(run_dir, run_verdict, requirements, counts)
    return EXIT_BY_VERDICT[run_verdict]


def _build_html(run_dir: Path, profile: Profile, pack: SpecPack) -> None:
    from conformance.errors import UserError
    from conformance.reporting.allure_html import build_html_report

    title = f"LAPOR conformance — {profile.agency.name} — {pack.id} {pack.version}"
    try:
        build_html_report(run_dir / "allure-results", run_dir / "allure-report", title=title, lang=current_lang())
    except UserError as error:
        print(f"{t('run.html_warning')}: {error.render()}", flush=True)


def _print_closing(run_dir: Path, run_verdict: str, requirements: list[dict[str, Any]], counts: dict[str, int]) -> None:
    tally: dict[str, int] = {}
    for row in requirements:
        tally[row["outcome"]] = tally.get(row["outcome"], 0) + 1
    print()
    print(t("run.tests_line", **{k: counts.get(k, 0) for k in ("total", "passed", "failed", "broken", "skipped")}))
    print(t("run.requirements_line", passed=tally.get("passed", 0), failed=tally.get("failed", 0),
            not_exercised=tally.get("not_exercised", 0), not_applicable=tally.get("not_applicable", 0)))
    for row in requirements:
        if row["outcome"] == "failed":
            first = row["findings"][0] if row["findings"] else {"operation": "", "message": ""}
            flag = " (provisional)" if row["provisional"] else ""
            print(f"  ✗ {row['id']} [{row['level']}{flag}] {row['title'].get(current_lang(), row['id'])}")
            print(f"      {first['operation']}: {first['message'][:200]}")
    print(t(f"run.verdict.{run_verdict}"))
    html = run_dir / "allure-report" / "index.html"
    if html.is_file():
        print(t("run.report_at", path=str(html)))
    print(str(run_dir))


def _env_name(reference: str) -> str:
    return reference.strip("${}") if reference.startswith("${") else "LAPOR_API_KEY"
