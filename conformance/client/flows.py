"""Making the agency's app act: a shell command, an HTTP call to the app's own endpoint, or a person.

A flow (forward, poll, reply) is one or more steps from the profile (settings.Step). Each step:
- `command`: run without a shell, credentials and the base URL in the environment only
  (settings.app_env names the variables); its output goes, redacted, to client/flows/;
- `http`: call the app's endpoint; the flow is done once the answer came and LAPOR traffic
  has been quiet for `quiet_s`;
- `manual`: print numbered instructions (Bahasa Indonesia first), wait for the first request,
  then for `quiet_s` of quiet; after `timeout_s` without a request, say so plainly and go on.

Tests pass Python callables instead (`PythonFlow`), so a flow can run in-process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from conformance.client.settings import ClientSettings, Step
from conformance.i18n import t
from conformance.redaction import Redactor


@dataclass
class FlowContext:
    handle: Any                       # ClientSimulatorHandle
    settings: ClientSettings
    client_dir: Path                  # <run dir>/client
    work_dir: Path                    # kept for the whole run (the app's own files)
    redactor: Redactor
    console: Callable[[str], None] = print
    episode: int = 0

    @property
    def bearer_header(self) -> str:
        return "Authorization" if self.handle.bearer_header == "both" else self.handle.bearer_header

    def app_environment(self) -> dict[str, str]:
        names = self.settings.app_env
        return {names["base_url"]: self.handle.base_url, names["api_key"]: self.handle.credentials.api_key,
                names["token"]: self.handle.credentials.token, names["bearer_header"]: self.bearer_header}

    def expand(self, text: str) -> str:
        values = {"python": sys.executable, "work_dir": str(self.work_dir), "run_dir": str(self.client_dir.parent),
                  "base_url": self.handle.base_url}
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text


@dataclass
class FlowResult:
    flow: str
    label: str
    ok: bool
    detail: str = ""
    steps: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    requests: int = 0
    no_traffic: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PythonFlow:
    """An in-process flow: `function(context)`; an exception is a failed flow."""

    kind = "python"

    def __init__(self, function: Callable[[FlowContext], Any]) -> None:
        self.function = function

    def run(self, context: FlowContext, flow: str, label: str) -> tuple[bool, str, bool]:
        try:
            result = self.function(context)
        except Exception as error:  # noqa: BLE001 - the app's bug is a finding, not a harness crash
            return False, "".join(traceback.format_exception_only(type(error), error)).strip()[:1000], False
        return True, str(result)[:500] if result is not None else "", False


class ProfileFlow:
    """The steps a profile gives for one flow."""

    kind = "profile"

    def __init__(self, steps: tuple[Step, ...]) -> None:
        self.steps = steps

    def run(self, context: FlowContext, flow: str, label: str) -> tuple[bool, str, bool]:
        details, no_traffic = [], False
        for index, step in enumerate(self.steps, 1):
            runner = {"command": _command, "http": _http, "manual": _manual}[step.kind]
            ok, detail, silent = runner(context, step, f"{label}-{index}")
            details.append(f"{step.kind}: {detail}")
            no_traffic = no_traffic or silent
            if not ok:
                return False, "; ".join(details), no_traffic
        return True, "; ".join(details), no_traffic


def run_flow(context: FlowContext, flow: str, label: str, runner: Any) -> FlowResult:
    recorder = context.handle.recorder
    before, started = recorder.last_seq, recorder.clock()
    context.console(t("client.flow.start", episode=context.episode, flow=label))
    ok, detail, no_traffic = runner.run(context, flow, label)
    recorder.wait_quiet(0.05, 5.0)
    result = FlowResult(flow, label, ok, context.redactor.redact(detail), [getattr(runner, "kind", "?")], started,
                        recorder.clock(), recorder.last_seq - before, no_traffic)
    key = "client.flow.ok" if ok else "client.flow.failed"
    context.console(t(key, flow=label, requests=result.requests, detail=result.detail[:300]))
    return result


# ---------------------------------------------------------------------- step kinds
def _command(context: FlowContext, step: Step, label: str) -> tuple[bool, str, bool]:
    argv = [context.expand(part) for part in step.command]
    cwd = context.settings.base_dir / context.expand(step.cwd) if step.cwd else context.settings.base_dir
    env = dict(os.environ)
    env.update(context.app_environment())
    env.update({name: context.expand(value) for name, value in step.env.items()})
    log_dir = context.client_dir / "flows"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{context.episode:02d}-{label}.log"
    try:
        process = subprocess.Popen(argv, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    except OSError as error:
        return False, t("client.flow.cannot_start", command=argv[0], reason=error.strerror or str(error)), False
    try:
        output, _ = process.communicate(timeout=step.timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        _stop_group(process)
        output, _ = process.communicate()
        timed_out = True
    text = context.redactor.redact((output or b"").decode("utf-8", "replace"))
    log_path.write_text(text, encoding="utf-8")
    context.handle.recorder.wait_quiet(step.quiet_s, step.timeout_s)
    if timed_out:
        return False, t("client.flow.timeout", seconds=f"{step.timeout_s:g}", log=str(log_path)), False
    if process.returncode != 0:
        tail = " | ".join(text.strip().splitlines()[-3:])
        return False, t("client.flow.exit", code=process.returncode, log=str(log_path), tail=tail[:400]), False
    return True, t("client.flow.exit_ok", log=str(log_path)), False


def _stop_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _http(context: FlowContext, step: Step, label: str) -> tuple[bool, str, bool]:
    spec = step.http
    url = context.expand(spec["url"])
    before = context.handle.recorder.last_seq
    try:
        with httpx.Client(timeout=step.timeout_s, follow_redirects=False) as client:
            response = client.request(spec.get("method", "POST"), url, json=spec.get("json"),
                                      headers=spec.get("headers") or {})
    except httpx.HTTPError as error:
        return False, t("client.flow.http_error", url=url, reason=type(error).__name__), False
    context.handle.recorder.wait_quiet(step.quiet_s, step.timeout_s)
    silent = context.handle.recorder.last_seq == before
    if not 200 <= response.status_code < 300:
        return False, t("client.flow.http_status", url=url, status=response.status_code), silent
    return True, t("client.flow.http_ok", url=url, status=response.status_code), silent


def _manual(context: FlowContext, step: Step, label: str) -> tuple[bool, str, bool]:
    recorder = context.handle.recorder
    lines = [t("client.manual.header", flow=label), t("client.manual.target", url=context.handle.base_url,
                                                      header=context.bearer_header)]
    instructions = list(step.manual) or [t(f"client.manual.{label.split('-')[0]}.{n}") for n in (1, 2)]
    lines += [f"  {number}. {text}" for number, text in enumerate(instructions, 1)]
    lines.append(t("client.manual.waiting", seconds=f"{step.timeout_s:g}"))
    context.console("\n".join(lines))
    before = recorder.last_seq
    started = time.monotonic()
    arrived = recorder.wait_quiet(step.quiet_s, step.timeout_s, since_seq=before, require_traffic=True)
    if not arrived:
        context.console(t("client.manual.nothing", seconds=f"{step.timeout_s:g}", url=context.handle.base_url,
                          header=context.bearer_header))
        return True, t("client.manual.no_traffic"), True
    return True, t("client.manual.done", requests=recorder.last_seq - before,
                   seconds=f"{time.monotonic() - started:.1f}"), False
