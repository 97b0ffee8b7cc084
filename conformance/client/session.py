"""One client-mode session: the simulator plays LAPOR, the app acts, the traffic is collected.

Per episode: set the scenario (faults, answer shapes) → `forward` → LAPOR-side work on every
complaint created in the episode (verify, dispose, follow-ups from another institution, status
change) → `poll` → `reply` → `poll` again at once (a polite app finds nothing due). Missing flows
are skipped; the requirements they would exercise are then reported as not exercised.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.client.flows import FlowContext, ProfileFlow, run_flow
from conformance.client.recording import Recording
from conformance.client.scenarios import Scenario
from conformance.client.settings import ClientSettings
from conformance.i18n import t
from conformance.redaction import Redactor
from conformance.simulator.seed import PADANG_ID

EPISODE_FLOWS = (("forward", "forward"), ("poll", "poll"), ("reply", "reply"), ("poll", "poll_again"))


def banner(handle: Any, settings: ClientSettings, ephemeral: bool) -> list[str]:
    """What the developer needs to point the app at the simulator."""
    header = "Authorization" if handle.bearer_header == "both" else handle.bearer_header
    names = settings.app_env
    lines = [t("client.banner.title"), t("client.banner.base_url", url=handle.base_url),
             t("client.banner.headers", header=header)]
    commands_only = not settings.manual
    if commands_only:
        lines.append(t("client.banner.env", base_url=names["base_url"], api_key=names["api_key"],
                       token=names["token"], bearer=names["bearer_header"]))
    elif ephemeral:  # a person configures the app: show the simulator-only credentials once
        lines += [t("client.banner.ephemeral"), f"  {names['api_key']}={handle.credentials.api_key}",
                  f"  {names['token']}={handle.credentials.token}"]
    else:
        lines.append(t("client.banner.from_env", api_key=names["api_key"], token=names["token"]))
    return lines


class ClientSession:
    """Runs episodes against a running ClientSimulatorHandle; `recording()` at any time (also after Ctrl+C)."""

    def __init__(self, handle: Any, settings: ClientSettings, client_dir: Path, redactor: Redactor,
                 runners: dict[str, Any] | None = None, console: Callable[[str], None] = print) -> None:
        self.handle, self.settings = handle, settings
        self.runners = runners if runners is not None else {name: ProfileFlow(steps)
                                                            for name, steps in settings.flows.items()}
        work_dir = client_dir / "app-work"
        work_dir.mkdir(parents=True, exist_ok=True)
        self.context = FlowContext(handle, settings, client_dir, work_dir, redactor, console)
        self.console = console
        self.records: list[dict[str, Any]] = []
        if settings.agency_institution_id:
            handle.actions.ensure_institution(settings.agency_institution_id, settings.agency_name)
        self.first_id = handle.actions.max_complaint_id()

    def run(self, episodes: list[Scenario]) -> Recording:
        handle, actions, agency = self.handle, self.handle.actions, self.settings.agency_institution_id
        for number, scenario in enumerate(episodes, 1):
            self.context.episode = number
            self.console(t("client.episode.start", number=number, total=len(episodes), name=scenario.name,
                           detail=scenario.describe()))
            handle.state.configure(scenario.faults, scenario.shapes, number)
            if scenario.extra_institutions:
                actions.add_institutions(scenario.extra_institutions)
            record = {"number": number, "scenario": scenario.to_dict(), "varied": scenario.varied, "flows": [],
                      "lapor_actions": [], "started": handle.recorder.clock(), "ended": None}
            self.records.append(record)
            before_id = actions.max_complaint_id()
            for flow, label in EPISODE_FLOWS:
                if flow not in self.runners:
                    continue
                record["flows"].append(run_flow(self.context, flow, label, self.runners[flow]).to_dict())
                if label == "forward":
                    record["lapor_actions"] = _lapor_side(actions, before_id, scenario, agency)
                    if record["lapor_actions"]:
                        self.console(t("client.actions", count=len(record["lapor_actions"]),
                                       followups=scenario.followups))
            record["ended"] = handle.recorder.clock()
        handle.state.configure(None, None, 0)
        return self.recording()

    def recording(self) -> Recording:
        handle, actions = self.handle, self.handle.actions
        complaints = [{key: row[key] for key in ("id", "title", "content", "is_anonymous", "is_secret", "status_name",
                                                   "disposition_id")}
                      for row in actions.complaints(self.first_id)]
        return Recording(
            exchanges=handle.recorder.exchanges(), episodes=list(self.records),
            settings={"limits": self.settings.limits.to_dict(), "bearer_header": handle.bearer_header,
                      "agency_institution_id": self.settings.agency_institution_id,
                      "hang_s": self.settings.faults.hang_s},
            institutions=actions.institution_ids(), complaints=complaints,
            base_url=handle.base_url, foreign_base_url=handle.foreign_base_url)


def collect(handle: Any, settings: ClientSettings, episodes: list[Scenario], client_dir: Path,
            redactor: Redactor, runners: dict[str, Any] | None = None,
            console: Callable[[str], None] = print) -> Recording:
    """Run every episode against `handle` (a ClientSimulatorHandle); return what was recorded."""
    return ClientSession(handle, settings, client_dir, redactor, runners, console).run(episodes)


def _lapor_side(actions: Any, before_id: int, scenario: Scenario, agency: str | None) -> list[dict[str, Any]]:
    """LAPOR staff work each complaint created in this episode, so polling has something to find."""
    worked = []
    for complaint in actions.complaints(before_id):
        source = complaint["disposition_id"]
        if not source or source == agency:
            source = PADANG_ID  # follow-ups come from another institution than the agency itself
        worked.append(actions.work_complaint(complaint["id"], source, scenario.followups,
                                             agency_institution_id=agency))
    return worked
