"""The run context: what the runner tells the suites (a JSON file; secrets only via env)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CONTEXT_ENV = "LAPOR_CONFORMANCE_CONTEXT"
API_KEY_ENV = "LAPOR_CONFORMANCE_API_KEY"
TOKEN_ENV = "LAPOR_CONFORMANCE_TOKEN"
SECOND_API_KEY_ENV = "LAPOR_CONFORMANCE_B_API_KEY"
SECOND_TOKEN_ENV = "LAPOR_CONFORMANCE_B_TOKEN"


@dataclass
class RunContext:
    run_dir: str
    base_url: str
    pack_dir: str
    bearer_header: str
    agency: dict[str, Any]
    environment: str
    seed: int
    max_examples: int
    max_time_s: int
    stateful: bool
    fixtures: dict[str, Any] = field(default_factory=dict)
    lang: str = "id"
    read_only: bool = False
    # Names of the user's environment variables, so curl reproductions read `${LAPOR_API_KEY}`.
    api_key_ref: str = "LAPOR_API_KEY"
    token_ref: str = "LAPOR_TOKEN"
    # A second institution (object-level authorisation); its credentials travel in env only.
    second_institution_id: str | None = None
    second_api_key_ref: str = "LAPOR_B_API_KEY"
    second_token_ref: str = "LAPOR_B_TOKEN"
    collective_leave: list[str] = field(default_factory=list)  # ISO dates (cuti bersama)
    shrink_s: int = 0  # time allowed for shrinking a failing lifecycle sequence (0: no shrinking)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_env(cls) -> "RunContext | None":
        location = os.environ.get(CONTEXT_ENV)
        if not location:
            return None
        return cls(**json.loads(Path(location).read_text(encoding="utf-8")))

    @property
    def run_path(self) -> Path:
        return Path(self.run_dir)

    @property
    def api_key(self) -> str:
        return os.environ.get(API_KEY_ENV, "")

    @property
    def token(self) -> str:
        return os.environ.get(TOKEN_ENV, "")

    @property
    def second_api_key(self) -> str:
        return os.environ.get(SECOND_API_KEY_ENV, "")

    @property
    def second_token(self) -> str:
        return os.environ.get(SECOND_TOKEN_ENV, "")

    def second_auth_headers(self) -> dict[str, str]:
        """The second institution's credentials in the same headers; {} when the profile has none."""
        if not (self.second_api_key and self.second_token):
            return {}
        return {self.bearer_header: f"Bearer {self.second_api_key}", "token": self.second_token}

    def auth_headers(self, *, api_key: str | None = None, token: str | None = None) -> dict[str, str]:
        """The two LAPOR credentials; pass "" to leave one out (used by the auth probes)."""
        key = self.api_key if api_key is None else api_key
        tok = self.token if token is None else token
        headers = {}
        if key:
            headers[self.bearer_header] = f"Bearer {key}"
        if tok:
            headers["token"] = tok
        return headers
