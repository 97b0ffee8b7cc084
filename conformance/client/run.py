"""`lapor-conformance run` for a client-mode profile: assess the agency's app as a LAPOR client.

profile (`client:` section) → credentials → the simulator in client mode (prints the base URL
and headers the app must use) → episodes drawn by Hypothesis from the seed → the app acts
(commands, HTTP calls or a person) → recorded traffic in client/ → suites/client under pytest →
runner/finish.py, as for a provider run: verdict and recommendation (policy, waivers, evidence = the
app's traffic), summary.json (requirements of direction "client"), front page, the single-file Allure
HTML and, in assessment mode, the signed evidence bundle.
Exit: 0 conformant, 1 findings, 2 error or too little evidence (e.g. no traffic).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance.client.recording import Recording, delivered
from conformance.client.scenarios import Scenario, draw_episodes
from conformance.client.session import ClientSession, banner
from conformance.client.settings import ClientSettings, read_settings
from conformance.engine.context import RunContext
from conformance.i18n import current_lang, t
from conformance.profiles.loader import Profile
from conformance.profiles.secrets import Credentials
from conformance.redaction import Redactor
from conformance.reporting import allure_results
from conformance.runner.finish import RunShape, finish
from conformance.runner.mode import ModePlan
from conformance.runner.rundir import create_run_dir
from conformance.simulator.client_mode import DEFAULT_PACK, start_client_simulator
from conformance.specpack import SpecPack
from conformance.verdict.policy import Policy

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


def run_client(profile: Profile, pack: SpecPack, policy: Policy, plan: ModePlan, credentials: Credentials,
               options: Any) -> int:
    """The client-mode counterpart of runner.run._run: same preamble (runner.run.run_profile), same finish."""
    settings = read_settings(profile)
    redactor = Redactor(credentials.values())
    seed = options.seed if getattr(options, "seed", None) is not None else profile.budget.seed
    episodes = draw_episodes(seed, settings.scenarios, settings.faults, settings.followups_per_complaint)
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    print(t("client.run.start", agency=profile.agency.name, pack=pack.id, version=pack.version, seed=seed,
            episodes=len(episodes)), flush=True)
    print(t("run.mode.assessment", sha256=profile.sha256[:16], policy=policy.id) if plan.is_assessment
          else t("run.mode.self_check"), flush=True)
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
        api_key_ref=credentials.api_key_variable, token_ref=credentials.token_variable)
    context_file = run_dir / "context.json"
    context.write(context_file)
    from conformance.runner.pytest_process import run_suites  # imports the pytest plugin: only when needed

    outcome = run_suites(run_dir, [CLIENT_DIR], context_file, credentials, redactor)
    outcome.interrupted = outcome.interrupted or interrupted
    relabel_client_results(run_dir / "allure-results")
    return finish(run_dir, profile, pack, policy, plan, context, redactor, outcome,
                  html=getattr(options, "html", True), started_at=started_at, duration=time.monotonic() - started,
                  shape=client_shape(profile, pack, recording))


def client_shape(profile: Profile, pack: SpecPack, recording: Recording) -> RunShape:
    """Evidence of a client run: the app's own traffic. Every operation it called must have been answered
    with a 2xx at least once (an app that only ever got 401s proves nothing); no traffic at all is no evidence."""
    operations: dict[str, dict[str, Any]] = {}
    for exchange in recording.main:
        operation = exchange.get("operation")
        if not operation:
            continue
        record = operations.setdefault(operation, {"cases": 0, "answered": 0, "not_exercised": 0, "statuses": {}})
        record["cases"] += 1
        response = delivered(exchange)
        if response and isinstance(response.get("status"), int):
            record["answered"] += 1
            status = str(response["status"])
            record["statuses"][status] = record["statuses"].get(status, 0) + 1
        else:
            record["not_exercised"] += 1
    return RunShape(
        directions=frozenset({"client"}), target=f"client ({recording.base_url})",
        html_title=f"LAPOR conformance (klien) — {profile.agency.name} — {pack.id} {pack.version}",
        operations=operations, planned=sorted(operations), min_accepted=1,
        problems=[] if recording.exchanges else [{"code": "no_traffic"}],
        extra={"direction": "client", "client": client_summary(recording)},
        tolerated_exits=(0, 1, 5))  # 5: no test collected (no traffic to judge)


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
