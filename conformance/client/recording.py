"""What a client-mode run collected, as the client suites read it.

On disk, in the run directory's `client/` folder:
- `traffic.jsonl`  one redacted exchange per line (conformance/simulator/recorder.py);
- `episodes.json`  the episodes (scenario, flows and their outcome, LAPOR-side actions), the
                   settings the checks judge against (limits, bearer header), LAPOR's
                   institution list and the complaints LAPOR holds at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TRAFFIC_FILE = "traffic.jsonl"
EPISODES_FILE = "episodes.json"


@dataclass
class Recording:
    exchanges: list[dict[str, Any]]
    episodes: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    institutions: list[str] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    foreign_base_url: str = ""

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / TRAFFIC_FILE).open("w", encoding="utf-8") as handle:
            for exchange in self.exchanges:
                handle.write(json.dumps(exchange, ensure_ascii=False) + "\n")
        document = {"base_url": self.base_url, "foreign_base_url": self.foreign_base_url, "settings": self.settings,
                    "episodes": self.episodes, "institutions": self.institutions, "complaints": self.complaints}
        (directory / EPISODES_FILE).write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Recording:
        exchanges = []
        traffic = directory / TRAFFIC_FILE
        if traffic.is_file():
            for line in traffic.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        exchanges.append(json.loads(line))
                    except ValueError:
                        continue  # a line cut short by an interruption
        document = json.loads((directory / EPISODES_FILE).read_text(encoding="utf-8")) \
            if (directory / EPISODES_FILE).is_file() else {}
        return cls(exchanges, document.get("episodes", []), document.get("settings", {}),
                   document.get("institutions", []), document.get("complaints", []),
                   document.get("base_url", ""), document.get("foreign_base_url", ""))

    # ---------------------------------------------------------------- views
    @property
    def main(self) -> list[dict[str, Any]]:
        return [e for e in self.exchanges if e.get("listener") == "main"]

    @property
    def foreign(self) -> list[dict[str, Any]]:
        return [e for e in self.exchanges if e.get("listener") == "foreign"]

    def of(self, operation_id: str) -> list[dict[str, Any]]:
        return [e for e in self.exchanges if e.get("operation") == operation_id]

    def limit(self, name: str, default: Any) -> Any:
        return (self.settings.get("limits") or {}).get(name, default)


# -------------------------------------------------------------------- helpers
def delivered(exchange: dict[str, Any]) -> dict[str, Any] | None:
    """The answer the client received, if any (not dropped, not abandoned)."""
    response = exchange.get("response") or {}
    return response if response.get("outcome") == "answered" else None


def delivered_ok(exchange: dict[str, Any]) -> dict[str, Any] | None:
    response = delivered(exchange)
    return response if response and isinstance(response.get("status"), int) and 200 <= response["status"] < 300 else None


def summary(exchange: dict[str, Any]) -> dict[str, Any]:
    return (exchange.get("response") or {}).get("summary") or {}


def query_of(exchange: dict[str, Any]) -> dict[str, str]:
    return dict(parse_qsl(exchange.get("query") or "", keep_blank_values=True))


def page_of_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    values = dict(parse_qsl(parts.query))
    return parts.path, int(values["page"]) if values.get("page", "").isdigit() else 1


def request_page(exchange: dict[str, Any]) -> int:
    value = query_of(exchange).get("page", "1")
    return int(value) if value.isdigit() else 1


def json_body(exchange: dict[str, Any]) -> dict[str, Any]:
    body = exchange.get("body")
    return body if isinstance(body, dict) and "_unparsed" not in body else {}


def text_parts(exchange: dict[str, Any]) -> dict[str, str]:
    """Multipart text fields as PHP keeps them (last of a repeated bare name)."""
    fields: dict[str, str] = {}
    for part in exchange.get("parts") or []:
        if part.get("php_kept") and not part.get("filename") and "text" in part:
            fields[part["name"]] = part["text"]
    return fields


def file_parts(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    return [part for part in exchange.get("parts") or [] if part.get("filename")]


def failed_signal(exchange: dict[str, Any]) -> bool:
    """The client saw a failure worth retrying: 429/5xx, a dropped connection, a hang it gave up on."""
    response = exchange.get("response") or {}
    if response.get("outcome") in ("dropped", "abandoned"):
        return True
    return response.get("status") in (429, 500, 502, 503, 504)


def retry_after(exchange: dict[str, Any]) -> float | None:
    value = ((exchange.get("response") or {}).get("headers") or {}).get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
