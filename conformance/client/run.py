"""`lapor-conformance run` for a client-mode profile: assess the agency's app as a LAPOR client.

profile (`client:` section) → credentials → the simulator in client mode (prints the base URL
and headers the app must use) → episodes drawn by Hypothesis from the seed → the app acts
(commands, HTTP calls or a person) → recorded traffic in client/ → suites/client under pytest →
the same run directory as a provider run: allure-results, junit.xml, ledger.jsonl, summary.json
(requirements of direction "client"), requirements.html, the single-file Allure HTML.
Exit: 0 conformant, 1 findings, 2 error or nothing exercised.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.client.recording import Recording
from conformance.client.scenarios import Scenario, draw_episodes
from conformance.client.session import ClientSession, banner
from conformance.client.settings import ClientSettings, read_settings
from conformance.engine.context import RunContext
from conformance.engine.ledger import read_ledger
from conformance.errors import UserError
from conformance.i18n import current_lang, set_lang, t
from conformance.profiles.loader import Profile, load_profile
from conformance.profiles.secrets import resolve_credentials
from conformance.redaction import Redactor
from conformance.reporting import allure_results
from conformance.reporting.requirements_page import write_requirements_page
from conformance.reporting.summary import (operation_counts, requirement_outcomes, requirements_line, tool_versions, verdict,
                                           write_summary)
from conformance.runner.rundir import create_run_dir
from conformance.simulator.client_mode import DEFAULT_PACK, start_client_simulator
from conformance.specpack import SpecPack, load_pack

EXIT_BY_VERDICT = {"pass": 0, "fail": 1, "incomplete": 2, "error": 2}
CLIENT_DIR = "client"


def record_episodes(settings: ClientSettings, episodes: list[Scenario], client_dir: Path, *, api_key: str,
                    token: str, bearer_header: str, redactor: Redactor, runners: dict[str, Any] | None = None,
                    console: Callable[[str], None] = print, pack_dir: Path = DEFAULT_PACK) -> Recording:
    """Start the client-mode simulator, run every episode, stop it; the recording (also saved)."""
    handle = start_client_simulator(port=settings.port, credentials=(api_key, token), bearer_header=bearer_header,
                                    pack_dir=pack_dir)
    try:
        for line in banner(handle, settings, ephemeral=False):
            console(line)
        recording = ClientSession(handle, settings, client_dir, redactor, runners, console).run(episodes)
    finally:
        handle.stop()
    recording.save(client_dir)
    return recording


def run_client_profile(profile: Profile | str | Path, options: Any) -> int:
    """The client-mode counterpart of runner.run.run_profile (same options object: RunOptions)."""
    if not isinstance(profile, Profile):
        profile = load_profile(str(profile))
    set_lang(getattr(options, "lang", None) or profile.lang)
    settings = read_settings(profile)
    pack = load_pack(profile.spec_pack, base_dir=profile.source_path.parent)
    credentials = resolve_credentials(profile)
    redactor = Redactor(credentials.values())
    seed = options.seed if getattr(options, "seed", None) is not None else profile.budget.seed
    episodes = draw_episodes(seed, settings.scenarios, settings.faults, settings.followups_per_complaint)
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    print(t("client.run.start", agency=profile.agency.name, pack=pack.id, version=pack.version, seed=seed,
            episodes=len(episodes)), flush=True)
    if credentials.ephemeral:
        print(t("run.ephemeral_credentials", variables="/".join(credentials.ephemeral_variables)), flush=True)

    def say(text: str) -> None:
        print(redactor.redact(text), flush=True)

    handle = start_client_simulator(port=settings.port, credentials=(credentials.api_key, credentials.token),
                                    bearer_header=credentials.bearer_header, pack_dir=pack.root)
    interrupted = False
    try:
        # The run directory exists only once the simulator answers.
        run_dir = create_run_dir(getattr(options, "reports_dir", "reports"), profile.agency.code).resolve()
        client_dir = run_dir / CLIENT_DIR
        # The banner is not redacted: a person configuring the app (http/manual flows) needs the
        # ephemeral, simulator-only credentials; for command flows it names the variables only.
        for line in banner(handle, settings, credentials.ephemeral):
            print(line, flush=True)
        session = ClientSession(handle, settings, client_dir, redactor, console=say)
        try:
            recording = session.run(episodes)
        except KeyboardInterrupt:
            interrupted = True
            recording = session.recording()
    finally:
        handle.stop()
    recording.save(client_dir)
    print(t("client.run.collected", requests=len(recording.exchanges), episodes=len(recording.episodes)), flush=True)
    if not recording.exchanges:
        print(t("client.run.no_traffic"), flush=True)
    context = RunContext(
        run_dir=str(run_dir), base_url=recording.base_url, pack_dir=str(pack.root.resolve()),
        bearer_header=credentials.bearer_header,
        agency={"code": profile.agency.code, "name": profile.agency.name, "institution_id": profile.agency.institution_id},
        environment=profile.environment, seed=seed, max_examples=profile.budget.max_examples,
        max_time_s=profile.budget.max_time_s, stateful=False, lang=current_lang(),
        api_key_ref=_env_name(profile.auth.api_key), token_ref=_env_name(profile.auth.token))
    context_file = run_dir / "context.json"
    context.write(context_file)
    from conformance.runner.pytest_process import run_suites  # imports the pytest plugin: only when needed

    outcome = run_suites(run_dir, [CLIENT_DIR], context_file, credentials, redactor)
    outcome.interrupted = outcome.interrupted or interrupted
    return finish_client_run(run_dir, profile, pack, context, recording, redactor, outcome,
                             html=getattr(options, "html", True), started_at=started_at,
                             duration=time.monotonic() - started)


def finish_client_run(run_dir: Path, profile: Profile, pack: SpecPack, context: RunContext, recording: Recording,
                      redactor: Redactor, outcome: Any, *, html: bool, started_at: datetime, duration: float) -> int:
    results_dir = run_dir / "allure-results"
    relabel_client_results(results_dir)
    allure_results.stabilise_identities(results_dir)
    entries = read_ledger(run_dir / "ledger.jsonl")
    requirements = requirement_outcomes(pack, entries, directions={"client"})
    run_verdict, reasons = verdict(requirements, outcome.interrupted)
    harness_error = not outcome.interrupted and outcome.exit_code not in (0, 1, 5)
    if harness_error or (outcome.exit_code == 1 and run_verdict == "pass"):
        run_verdict, reasons = "error", [f"pytest_exit:{outcome.exit_code}"]
    if run_verdict == "pass" and not recording.exchanges:
        run_verdict, reasons = "incomplete", ["no_traffic"]
    allure_results.write_environment(results_dir, {
        t("env.agency"): f"{profile.agency.name} ({profile.agency.code})", t("env.environment"): profile.environment,
        t("env.target"): f"client ({recording.base_url})",
        t("env.pack"): f"{pack.id} {pack.version} (sha256 {pack.sha256[:16]}…)",
        t("env.seed"): context.seed, t("env.mode"): t("env.mode.self_check"),
        t("env.verdict"): t(f"env.verdict.{run_verdict}"), "Harness": f"lapor-conformance {__version__}",
    })
    counts = allure_results.count_statuses(results_dir)
    summary = {
        "schema_version": 1, "direction": "client", "suites": [CLIENT_DIR], "verdict": run_verdict,
        "verdict_reasons": reasons, "mode": "self-check", "agency": context.agency,
        "environment": profile.environment, "target": f"client ({recording.base_url})",
        "profile": {"path": str(profile.source_path), "sha256": profile.sha256},
        "spec": {"id": pack.id, "version": pack.version, "sha256": pack.sha256},
        "seed": context.seed, "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(duration, 2), "interrupted": outcome.interrupted, "tools": tool_versions(),
        "tests": counts, "operations": operation_counts(entries), "requirements": requirements,
        "client": client_summary(recording),
    }
    write_summary(run_dir / "summary.json", summary)
    write_requirements_page(run_dir / "requirements.html", pack, current_lang(),
                            {row["id"]: row["outcome"] for row in requirements})
    redactor.redact_tree(run_dir)  # before the HTML, which base64-encodes what it embeds
    if html:
        _build_html(run_dir, profile, pack)
        redactor.redact_tree(run_dir / "allure-report")
    _print_closing(run_dir, run_verdict, requirements, counts, redactor)
    return EXIT_BY_VERDICT[run_verdict]


def client_summary(recording: Recording) -> dict[str, Any]:
    per_episode: dict[int, int] = {}
    for exchange in recording.exchanges:
        per_episode[exchange.get("episode", 0)] = per_episode.get(exchange.get("episode", 0), 0) + 1
    return {
        "simulator": recording.base_url, "requests": len(recording.exchanges),
        "foreign_requests": len(recording.foreign), "traffic": f"{CLIENT_DIR}/traffic.jsonl",
        "episodes": [{"number": e["number"], "name": e["scenario"]["name"],
                      "scenario": Scenario.from_dict(e["scenario"]).describe(),
                      "requests": per_episode.get(e["number"], 0),
                      "flows": [{"label": f["label"], "ok": f["ok"], "requests": f["requests"],
                                 "no_traffic": f.get("no_traffic", False)} for f in e["flows"]]}
                     for e in recording.episodes],
    }


def relabel_client_results(results_dir: Path) -> None:
    """The shared pytest plugin labels every result `provider`; client results keep their own labels."""
    for path in allure_results.result_files(results_dir):
        result = json.loads(path.read_text(encoding="utf-8"))
        labels, last = [], {}
        for label in result.get("labels", []):
            if label.get("name") in ("suite", "subSuite", "parentSuite"):
                last[label["name"]] = label
            else:
                labels.append(label)
        result["labels"] = labels + list(last.values())
        path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def _build_html(run_dir: Path, profile: Profile, pack: SpecPack) -> None:
    from conformance.reporting.allure_html import build_html_report

    title = f"LAPOR conformance (klien) — {profile.agency.name} — {pack.id} {pack.version}"
    try:
        build_html_report(run_dir / "allure-results", run_dir / "allure-report", title=title, lang=current_lang())
    except UserError as error:
        print(f"{t('run.html_warning')}: {error.render()}", flush=True)


def _print_closing(run_dir: Path, run_verdict: str, requirements: list[dict[str, Any]], counts: dict[str, int],
                   redactor: Redactor) -> None:
    print()
    print(t("run.tests_line", **{k: counts.get(k, 0) for k in ("total", "passed", "failed", "broken", "skipped")}))
    print(requirements_line(requirements))
    for row in requirements:
        if row["outcome"] == "failed":
            first = row["findings"][0] if row["findings"] else {"operation": "", "message": ""}
            flag = " (provisional)" if row["provisional"] else ""
            print(redactor.redact(f"  ✗ {row['id']} [{row['level']}{flag}] {row['title'].get(current_lang(), row['id'])}"))
            print(redactor.redact(f"      {first['operation']}: {first['message'][:200]}"))
    print(t(f"run.verdict.{run_verdict}"))
    html = run_dir / "allure-report" / "index.html"
    if html.is_file():
        print(t("run.report_at", path=str(html)))
    print(str(run_dir), flush=True)


def _env_name(reference: str) -> str:
    return reference.strip("${}") if reference.startswith("${") else "LAPOR_API_KEY"
