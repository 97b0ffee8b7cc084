"""After the suites: outcomes → waivers → evidence gate → verdict and recommendation → every output.

Order matters for secrets: everything is written first, then one redaction sweep runs over the
run directory, then the Allure HTML is built (it base64-encodes what it embeds) and swept again,
and only then the evidence bundle is staged, leak-scanned, signed and written.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.engine.context import RunContext
from conformance.engine.ledger import read_ledger
from conformance.errors import UserError
from conformance.i18n import current_lang, t
from conformance.profiles.loader import Profile
from conformance.redaction import MASK, Redactor
from conformance.reporting import allure_results
from conformance.reporting.front_page import write_front_page
from conformance.reporting.requirements_page import write_requirements_page
from conformance.reporting.summary import (MAX_LISTED, operation_counts, requirement_outcomes, requirements_line,
                                          tool_versions, write_summary)
from conformance.runner.mode import ModePlan
from conformance.runner.target import SIMULATOR
from conformance.specpack import SpecPack
from conformance.verdict import gate
from conformance.verdict.policy import Policy
from conformance.verdict.recommend import decide, render_reason, render_recommendation, run_verdict
from conformance.verdict.waivers import apply_waivers

EXIT_BY_VERDICT = {"pass": 0, "fail": 1, "incomplete": 2, "error": 2}


@dataclass(frozen=True)
class RunShape:
    """What a provider run and a client run do differently at the end; everything else is shared.

    `operations` is the per-operation record of the evidence table and gate (operations.json for a
    provider run, the app's recorded traffic for a client run); `planned` the operations the gate judges.
    """
    directions: frozenset[str]
    target: str
    html_title: str
    operations: dict[str, dict[str, Any]] | None
    planned: list[str]
    skipped: list[str] = field(default_factory=list)
    min_accepted: int | None = None          # None: the policy's min_accepted_cases
    problems: list[dict[str, Any]] = field(default_factory=list)  # found before the gate (e.g. no traffic)
    extra: dict[str, Any] = field(default_factory=dict)          # more top-level summary keys
    tolerated_exits: tuple[int, ...] = (0, 1)                    # pytest exits that are not a harness error


def provider_shape(run_dir: Path, profile: Profile, pack: SpecPack, context: RunContext) -> RunShape:
    planned, skipped = gate.planned_operations(pack.openapi, context.read_only)
    shown = SIMULATOR + f" ({context.base_url})" if profile.target.is_simulator else context.base_url
    return RunShape(directions=frozenset({"provider"}), target=shown,
                    html_title=f"LAPOR conformance — {profile.agency.name} — {pack.id} {pack.version}",
                    operations=gate.read_operations(run_dir / "operations.json"), planned=planned, skipped=skipped,
                    problems=gate.budget_problems(run_dir / "operations.json"))


def finish(run_dir: Path, profile: Profile, pack: SpecPack, policy: Policy, plan: ModePlan, context: RunContext,
           redactor: Redactor, outcome: Any, *, html: bool, started_at: datetime.datetime, duration: float,
           shape: RunShape | None = None) -> int:
    shape = shape or provider_shape(run_dir, profile, pack, context)
    results_dir = run_dir / "allure-results"
    allure_results.stabilise_identities(results_dir)
    if outcome.interrupted:
        allure_results.mark_unfinished(results_dir, outcome.completed, t("run.unfinished_test"))
    entries = read_ledger(run_dir / "ledger.jsonl")
    today = started_at.date()
    requirements = requirement_outcomes(pack, entries, directions=set(shape.directions), profile_has=profile.has)
    waivers = apply_waivers(requirements, profile.waivers, today)
    problems = gate.gate_problems(shape.operations, shape.planned, policy, outcome.interrupted,
                                  min_accepted=shape.min_accepted) + shape.problems
    verdict, reasons = run_verdict(requirements, problems)
    harness_error = not outcome.interrupted and outcome.exit_code not in shape.tolerated_exits
    if harness_error or (outcome.exit_code == 1 and verdict == "pass"):
        verdict, reasons = "error", [f"pytest_exit:{outcome.exit_code}"]
        problems = problems + [{"code": "harness_error", "exit_code": outcome.exit_code}]
    recommendation = decide(requirements, waivers, policy, problems, today=today, skipped_operations=shape.skipped)
    mode_text = t("env.mode.assessment" if plan.is_assessment else "env.mode.self_check")
    allure_results.write_environment(results_dir, {
        t("env.agency"): f"{profile.agency.name} ({profile.agency.code})", t("env.environment"): profile.environment,
        t("env.target"): shape.target, t("env.pack"): f"{pack.id} {pack.version} (sha256 {pack.sha256[:16]}…)",
        t("env.seed"): context.seed, t("env.mode"): mode_text, t("env.verdict"): t(f"env.verdict.{verdict}"),
        t("env.recommendation"): render_recommendation(recommendation),
        "Harness": f"lapor-conformance {__version__}",
    })
    counts = allure_results.count_statuses(results_dir)
    summary = {
        "schema_version": 2, "run_id": run_dir.name, "verdict": verdict, "verdict_reasons": reasons,
        "recommendation": recommendation, "mode": plan.mode, "valid_for_decisions": plan.is_assessment,
        "watermark": None if plan.is_assessment else t("env.mode.self_check"),
        "agency": context.agency, "environment": profile.environment, "target": shape.target,
        "profile": {"path": str(profile.source_path), "sha256": profile.sha256, "locked": plan.is_assessment},
        "spec": {"id": pack.id, "version": pack.version, "sha256": pack.sha256},
        "policy": {"id": policy.id, "path": str(policy.path), "sha256": policy.sha256},
        "assessment": dict(profile.assessment), "suites": list(plan.suites),
        "seed": context.seed, "max_examples": context.max_examples, "stateful": context.stateful,
        "started_at": started_at.isoformat(timespec="seconds"), "duration_s": round(duration, 2),
        "interrupted": outcome.interrupted, "tools": tool_versions(), "tests": counts,
        "operations": operation_counts(entries),
        "evidence": {"min_accepted_cases": shape.min_accepted or policy.min_accepted_cases, "problems": problems,
                     "operations": gate.operation_evidence(shape.operations, shape.planned),
                     "skipped_operations": shape.skipped},
        "waivers": waivers, "requirements": requirements, **shape.extra,
    }
    write_summary(run_dir / "summary.json", summary)
    from conformance.evidence.versions import collect_versions

    write_summary(run_dir / "versions.json", collect_versions())
    outcomes = {row["id"]: row["outcome"] for row in requirements}
    write_requirements_page(run_dir / "requirements.html", pack, current_lang(), outcomes)
    write_front_page(run_dir, summary, current_lang())
    # Redact before the HTML is built: the single-file report base64-encodes what it embeds.
    redactor.redact_tree(run_dir)
    _write_effective_profile(run_dir / "profile.effective.json", profile, redactor)
    if html:
        _build_html(run_dir, shape.html_title)
        redactor.redact_tree(run_dir / "allure-report")
    bundle, refused = None, None
    if plan.is_assessment:
        try:
            bundle = _bundle(run_dir, profile, pack, policy, plan, redactor)
        except UserError as error:  # the run's outputs stay; only the bundle is refused
            refused = error
    _print_closing(run_dir, summary, counts, redactor, bundle)
    if refused is not None:
        print(f"{t('error.prefix')}: {redactor.redact(refused.render())}", file=sys.stderr, flush=True)
        return refused.exit_code
    return EXIT_BY_VERDICT[verdict]


def _write_effective_profile(path: Path, profile: Profile, redactor: Redactor) -> None:
    """References only by construction. Written after the sweep, whose header-name rule would take
    `"auth": {` for a credential header; secret values are still masked here, value by value."""
    text = json.dumps(profile.as_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    for secret in redactor.secrets:
        text = text.replace(secret, MASK)
    path.write_text(text, encoding="utf-8")


def _bundle(run_dir: Path, profile: Profile, pack: SpecPack, policy: Policy, plan: ModePlan,
            redactor: Redactor) -> Path:
    from conformance.evidence.bundle import write_bundle

    profile_bytes = profile.source_path.read_bytes() if profile.source_path.is_file() else b""
    if hashlib.sha256(profile_bytes).hexdigest() != profile.sha256:  # the locked profile changed during the run
        raise UserError("bundle.profile_changed", file=str(profile.source_path), run_dir=str(run_dir))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return write_bundle(run_dir, summary=summary, profile_bytes=profile_bytes, pack_root=pack.root,
                        policy_path=policy.path, policy_bytes=policy.text, key_path=plan.key_path, redactor=redactor)


def _build_html(run_dir: Path, title: str) -> None:
    from conformance.reporting.allure_html import build_html_report

    try:
        build_html_report(run_dir / "allure-results", run_dir / "allure-report", title=title, lang=current_lang())
    except UserError as error:
        print(f"{t('run.html_warning')}: {error.render()}", flush=True)


def _print_closing(run_dir: Path, summary: dict[str, Any], counts: dict[str, int], redactor: Redactor,
                   bundle: Path | None) -> None:
    def say(text: str) -> None:
        print(redactor.redact(text), flush=True)

    requirements, lang = summary["requirements"], current_lang()
    print()
    say(t("run.tests_line", **{k: counts.get(k, 0) for k in ("total", "passed", "failed", "broken", "skipped")}))
    say(requirements_line(requirements))
    for row in requirements:
        if row["outcome"] in ("failed", "waived"):
            first = row["findings"][0] if row["findings"] else {"operation": "", "message": ""}
            flag = " (provisional)" if row["provisional"] else ""
            mark = "✗" if row["outcome"] == "failed" else "≈"
            suffix = f" — {t('outcome.waived')}" if row["outcome"] == "waived" else ""
            say(f"  {mark} {row['id']} [{row['level']}{flag}] {row['title'].get(lang, row['id'])}{suffix}")
            say(f"      {first['operation']}: {first['message'][:200]}")
    for waiver in summary["waivers"]:
        if waiver["status"] in ("expired", "stale"):
            say("  ! " + render_reason({"code": "expired_waiver" if waiver["status"] == "expired" else "stale_waiver",
                                        **waiver}))
    verdict = summary["verdict"]
    gap_only = verdict == "incomplete" and not summary["interrupted"]
    say(t("run.verdict.insufficient") if gap_only else t(f"run.verdict.{verdict}"))
    if verdict == "fail" and summary["recommendation"]["code"] in ("ready", "ready_after_remediation"):
        say("  " + t("run.verdict.fail_not_blocking"))
    for problem in summary["evidence"]["problems"]:
        if problem["code"] not in ("interrupted", "harness_error"):
            say("  · " + render_reason(problem))
    say(t("run.recommendation", text=render_recommendation(summary["recommendation"])))
    if summary["recommendation"]["code"] == "insufficient_evidence":  # say why, as the front page does
        titles = {row["id"]: row["title"].get(lang, row["id"]) for row in requirements}
        missing = [r for r in summary["recommendation"]["reasons"]
                   if r.get("effect") == "insufficient" and r.get("requirement")]
        for reason in missing[:MAX_LISTED]:
            say("  · " + render_reason(reason, titles=titles))
        if len(missing) > MAX_LISTED:
            say("  · " + t("run.more_on_front_page", count=len(missing) - MAX_LISTED))
    say("  " + t("rec.advisory"))
    if summary["mode"] != "assessment":
        say(t("run.self_check_note"))
    html = run_dir / "allure-report" / "index.html"
    if html.is_file():
        say(t("run.report_at", path=str(html)))
    say(t("run.front_page_at", path=str(run_dir / "index.html")))
    if bundle is not None:
        say(t("run.bundle_at", path=str(bundle)))
    print(str(run_dir))
