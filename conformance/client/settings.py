"""The profile's `client:` section, read into typed settings (defaults applied, errors located).

    client:
      simulator: {port: 0}                 # 0 = a free loopback port; fix it when the app is configured by hand
      app_env:                             # variables the harness sets for `command` flows
        base_url: LAPOR_BASE_URL           #   (these are the defaults)
        api_key: LAPOR_API_KEY
        token: LAPOR_TOKEN
        bearer_header: LAPOR_BEARER_HEADER
      flows:                               # how to make the app act; each flow: one step or a list of steps
        forward: {command: "{python} -m myapp forward", cwd: ".", env: {X: "1"}, timeout_s: 120}
        poll:    {http: {url: "http://127.0.0.1:8080/lapor/poll", method: POST}, timeout_s: 60, quiet_s: 1}
        reply:   {manual: ["Buka aduan terbaru", "Kirim tanggapan"], timeout_s: 600, quiet_s: 3}
      scenarios: 1                         # Hypothesis-drawn episodes after the four standard ones
      faults: {enabled: true, max_retry_after_s: 1, hang_s: 20}
      followups_per_complaint: 12          # LAPOR-side follow-ups added to each new complaint
      limits:
        min_poll_interval_s: 3600
        retry_min_delay_s: 1
        content_max_chars: 1000
        attachments_max: 5
        attachment_max_bytes: 5242880
        attachment_extensions: [jpg, jpeg, png, pdf, doc, docx]

Placeholders in commands, URLs and cwd: {python}, {work_dir} (kept for the whole run, e.g. for
the app's database), {run_dir}, {base_url}. Credentials never appear in a profile or a command
line: `command` flows get them in the environment variables named by `app_env`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import ProfileError

FLOW_NAMES = ("forward", "poll", "reply")
STEP_KINDS = ("command", "http", "manual")
DEFAULT_TIMEOUTS = {"command": 120.0, "http": 60.0, "manual": 600.0}
DEFAULT_QUIET = {"command": 0.2, "http": 1.0, "manual": 3.0}
DEFAULT_APP_ENV = {"base_url": "LAPOR_BASE_URL", "api_key": "LAPOR_API_KEY", "token": "LAPOR_TOKEN",
                   "bearer_header": "LAPOR_BEARER_HEADER"}


@dataclass(frozen=True)
class Limits:
    min_poll_interval_s: float = 3600.0
    retry_min_delay_s: float = 1.0
    content_max_chars: int = 1000
    attachments_max: int = 5
    attachment_max_bytes: int = 5 * 1024 * 1024
    attachment_extensions: tuple[str, ...] = ("jpg", "jpeg", "png", "pdf", "doc", "docx")

    def to_dict(self) -> dict[str, Any]:
        return {"min_poll_interval_s": self.min_poll_interval_s, "retry_min_delay_s": self.retry_min_delay_s,
                "content_max_chars": self.content_max_chars, "attachments_max": self.attachments_max,
                "attachment_max_bytes": self.attachment_max_bytes,
                "attachment_extensions": list(self.attachment_extensions)}


@dataclass(frozen=True)
class FaultOptions:
    enabled: bool = True
    max_retry_after_s: int = 1
    hang_s: float = 20.0


@dataclass(frozen=True)
class Step:
    kind: str
    timeout_s: float
    quiet_s: float
    command: tuple[str, ...] = ()
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    http: dict[str, Any] = field(default_factory=dict)
    manual: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientSettings:
    flows: dict[str, tuple[Step, ...]]
    port: int = 0
    app_env: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_APP_ENV))
    scenarios: int = 1
    faults: FaultOptions = FaultOptions()
    followups_per_complaint: int = 12
    limits: Limits = Limits()
    base_dir: Path = Path(".")
    agency_institution_id: str | None = None
    agency_name: str = ""

    @property
    def manual(self) -> bool:
        return any(step.kind in ("manual", "http") for steps in self.flows.values() for step in steps)


class _Reader:
    def __init__(self, profile: Any) -> None:
        self.profile = profile

    def fail(self, field_path: str, problem: str) -> ProfileError:
        return ProfileError("client.error.setting", file=str(self.profile.source_path),
                            line=self.profile.line_of(field_path), field=field_path, problem=problem)

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, "harus berupa objek / must be a mapping")
        return value

    def number(self, data: dict[str, Any], key: str, path: str, default: float, minimum: float = 0) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.fail(f"{path}.{key}", f"harus angka >= {minimum:g} / must be a number >= {minimum:g}")
        return float(value)

    def known(self, data: dict[str, Any], path: str, keys: set[str]) -> None:
        for key in data:
            if key not in keys:
                raise self.fail(f"{path}.{key}", f"kunci tidak dikenal; yang dikenal: {', '.join(sorted(keys))} / "
                                                 f"unknown key; known: {', '.join(sorted(keys))}")


def read_settings(profile: Any) -> ClientSettings:
    reader = _Reader(profile)
    data = reader.mapping(dict(profile.client or {}), "client")
    reader.known(data, "client", {"simulator", "app_env", "flows", "scenarios", "faults", "followups_per_complaint",
                                  "limits"})
    simulator = reader.mapping(data.get("simulator"), "client.simulator")
    reader.known(simulator, "client.simulator", {"port"})
    port = int(reader.number(simulator, "port", "client.simulator", 0))
    if port > 65535:
        raise reader.fail("client.simulator.port", "port 0..65535")
    app_env = dict(DEFAULT_APP_ENV)
    given_env = reader.mapping(data.get("app_env"), "client.app_env")
    reader.known(given_env, "client.app_env", set(DEFAULT_APP_ENV))
    for key, value in given_env.items():
        if not isinstance(value, str) or not value.replace("_", "").isalnum():
            raise reader.fail(f"client.app_env.{key}", "nama variabel lingkungan / an environment variable name")
        app_env[key] = value
    flows_data = reader.mapping(data.get("flows"), "client.flows")
    reader.known(flows_data, "client.flows", set(FLOW_NAMES))
    flows = {name: _steps(reader, value, f"client.flows.{name}") for name, value in flows_data.items()}
    if "forward" not in flows:
        raise reader.fail("client.flows", "alur `forward` wajib ada / the `forward` flow is required")
    faults_data = reader.mapping(data.get("faults"), "client.faults")
    reader.known(faults_data, "client.faults", {"enabled", "max_retry_after_s", "hang_s"})
    faults = FaultOptions(enabled=bool(faults_data.get("enabled", True)),
                          max_retry_after_s=int(reader.number(faults_data, "max_retry_after_s", "client.faults", 1, 1)),
                          hang_s=reader.number(faults_data, "hang_s", "client.faults", 20.0, 0.1))
    limits_data = reader.mapping(data.get("limits"), "client.limits")
    defaults = Limits()
    reader.known(limits_data, "client.limits", set(defaults.to_dict()))
    extensions = limits_data.get("attachment_extensions", list(defaults.attachment_extensions))
    if not isinstance(extensions, list) or not all(isinstance(item, str) for item in extensions):
        raise reader.fail("client.limits.attachment_extensions", "daftar ekstensi / a list of extensions")
    limits = Limits(
        min_poll_interval_s=reader.number(limits_data, "min_poll_interval_s", "client.limits", defaults.min_poll_interval_s),
        retry_min_delay_s=reader.number(limits_data, "retry_min_delay_s", "client.limits", defaults.retry_min_delay_s),
        content_max_chars=int(reader.number(limits_data, "content_max_chars", "client.limits", defaults.content_max_chars, 1)),
        attachments_max=int(reader.number(limits_data, "attachments_max", "client.limits", defaults.attachments_max)),
        attachment_max_bytes=int(reader.number(limits_data, "attachment_max_bytes", "client.limits",
                                               defaults.attachment_max_bytes, 1)),
        attachment_extensions=tuple(item.lower().lstrip(".") for item in extensions))
    return ClientSettings(
        flows=flows, port=port, app_env=app_env,
        scenarios=int(reader.number(data, "scenarios", "client", 1)),
        faults=faults, followups_per_complaint=int(reader.number(data, "followups_per_complaint", "client", 12)),
        limits=limits, base_dir=Path(profile.source_path).resolve().parent,
        agency_institution_id=profile.agency.institution_id, agency_name=profile.agency.name)


def _steps(reader: _Reader, value: Any, path: str) -> tuple[Step, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise reader.fail(path, "minimal satu langkah / at least one step")
    return tuple(_step(reader, item, f"{path}[{index}]" if isinstance(value, list) else path)
                 for index, item in enumerate(items))


def _step(reader: _Reader, value: Any, path: str) -> Step:
    data = reader.mapping(value, path)
    kinds = [kind for kind in STEP_KINDS if kind in data]
    if len(kinds) != 1:
        raise reader.fail(path, "tepat satu dari command, http, manual / exactly one of command, http, manual")
    kind = kinds[0]
    reader.known(data, path, {kind, "timeout_s", "quiet_s", "cwd", "env"})
    timeout = reader.number(data, "timeout_s", path, DEFAULT_TIMEOUTS[kind], 0.1)
    quiet = reader.number(data, "quiet_s", path, DEFAULT_QUIET[kind])
    env = reader.mapping(data.get("env"), f"{path}.env")
    if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in env.values()):
        raise reader.fail(f"{path}.env", "nilai teks / text values")
    cwd = data.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise reader.fail(f"{path}.cwd", "path teks / a text path")
    if kind == "command":
        command = data["command"]
        if isinstance(command, str):
            argv = tuple(shlex.split(command))
        elif isinstance(command, list) and all(isinstance(part, str) for part in command):
            argv = tuple(command)
        else:
            raise reader.fail(f"{path}.command", "teks atau daftar teks / a string or a list of strings")
        if not argv:
            raise reader.fail(f"{path}.command", "kosong / empty")
        return Step(kind, timeout, quiet, command=argv, cwd=cwd, env={k: str(v) for k, v in env.items()})
    if kind == "http":
        http = reader.mapping(data["http"], f"{path}.http")
        reader.known(http, f"{path}.http", {"url", "method", "json", "headers"})
        if not isinstance(http.get("url"), str) or not http["url"].startswith(("http://", "https://")):
            raise reader.fail(f"{path}.http.url", "URL http(s) / an http(s) URL")
        return Step(kind, timeout, quiet, http={"url": http["url"], "method": str(http.get("method", "POST")).upper(),
                                                "json": http.get("json"), "headers": dict(http.get("headers") or {})})
    manual = data["manual"]
    if isinstance(manual, str):
        manual = [manual]
    if not isinstance(manual, list) or not all(isinstance(line, str) for line in manual):
        raise reader.fail(f"{path}.manual", "daftar langkah (teks) / a list of steps (text)")
    return Step(kind, timeout, quiet, manual=tuple(manual))
