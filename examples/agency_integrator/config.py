"""Configuration from environment variables (the harness sets the LAPOR_* ones for command flows)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    base_url: str
    api_key: str
    token: str
    bearer_header: str = "Authorization"     # "Authorization" (latihan) or "auth" (behind SPLP)
    institution_id: str = "151345"            # the agency's own LAPOR institution
    user_id: int = 1                          # the institutional LAPOR account complaints are filed under
    timeout_s: float = 10.0
    poll_interval_s: float = 3600.0           # LMW polls hourly (S3)
    retry_base_s: float = 1.0                 # first back-off step; doubles per attempt
    max_attempts: int = 4
    reply_max_chars: int = 1000               # LMW's own limits (S3); LAPOR's are unknown
    reply_max_files: int = 5

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if environ is None else environ)
        missing = [name for name in ("LAPOR_BASE_URL", "LAPOR_API_KEY", "LAPOR_TOKEN") if not env.get(name)]
        if missing:
            raise SystemExit(f"agency_integrator: set {', '.join(missing)}")
        return cls(
            base_url=env["LAPOR_BASE_URL"].rstrip("/"), api_key=env["LAPOR_API_KEY"], token=env["LAPOR_TOKEN"],
            bearer_header=env.get("LAPOR_BEARER_HEADER", "Authorization"),
            institution_id=env.get("AGENCY_INSTITUTION_ID", "151345"),
            user_id=int(env.get("LAPOR_USER_ID", "1")),
            timeout_s=float(env.get("LAPOR_TIMEOUT_S", "10")),
            poll_interval_s=float(env.get("LAPOR_POLL_INTERVAL_S", "3600")),
            retry_base_s=float(env.get("LAPOR_RETRY_BASE_S", "1")),
            max_attempts=int(env.get("LAPOR_MAX_ATTEMPTS", "4")),
        )
