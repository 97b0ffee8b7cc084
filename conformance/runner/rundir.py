"""Run directories: reports/<agency-code>/<run-id>/."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path

from conformance.errors import UserError


def new_run_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return f"{moment}-{secrets.token_hex(2)}"


def create_run_dir(reports_dir: str | Path, agency_code: str) -> Path:
    run_dir = Path(reports_dir) / agency_code / new_run_id()
    try:
        (run_dir / "allure-results").mkdir(parents=True, exist_ok=False)
    except OSError as error:
        raise UserError("run.reports_dir_unusable", path=str(reports_dir), detail=error.strerror or str(error)) from None
    return run_dir
