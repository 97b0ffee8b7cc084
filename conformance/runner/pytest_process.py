"""Runs the suites in a pytest subprocess and relays its progress events to the console.

A subprocess keeps the harness alive whatever the suites do, lets Ctrl-C stop pytest cleanly
(it still writes the results it has), and keeps secrets out of argv: they travel in env only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.engine.context import (API_KEY_ENV, CONTEXT_ENV, SECOND_API_KEY_ENV, SECOND_TOKEN_ENV,
                                       TOKEN_ENV)
from conformance.i18n import current_lang, t
from conformance.progress import PROGRESS_PREFIX
from conformance.redaction import Redactor

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SUITES_DIR = PROJECT_ROOT / "suites"


@dataclass
class PytestOutcome:
    exit_code: int
    interrupted: bool
    completed: frozenset[str] = frozenset()  # labels of the tests that reported a result


def pytest_command(run_dir: Path, suites: list[str]) -> list[str]:
    paths = [str(SUITES_DIR / suite) for suite in suites]
    return [sys.executable, "-m", "pytest", *paths, "-p", "conformance.pytest_plugin",
            "--alluredir", str(run_dir / "allure-results"), "--junitxml", str(run_dir / "junit.xml"),
            "-o", "junit_family=xunit2", "-p", "no:cacheprovider", "--rootdir", str(SUITES_DIR),
            "-c", str(SUITES_DIR / "pytest.ini"), "-q", "--tb=short", "-W", "ignore::DeprecationWarning",
            # The suites' own asserts need no rewriting; rewriting (with PYTHONDONTWRITEBYTECODE) recompiles
            # every plugin package on each run, ~5 s of CPU.
            "--assert=plain"]


def run_suites(run_dir: Path, suites: list[str], context_file: Path, credentials: Any,
               redactor: Redactor) -> PytestOutcome:
    env = dict(os.environ)
    env.update({CONTEXT_ENV: str(context_file), API_KEY_ENV: credentials.api_key, TOKEN_ENV: credentials.token,
                SECOND_API_KEY_ENV: credentials.second_api_key, SECOND_TOKEN_ENV: credentials.second_token,
                "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "LAPOR_CONFORMANCE_LANG": current_lang(),
                # The suites import the harness from this checkout, installed or not.
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))})
    # A scratch working directory keeps Hypothesis' and pytest's own folders out of the run directory.
    scratch = tempfile.TemporaryDirectory(prefix="lapor-pytest-")
    process = subprocess.Popen(pytest_command(run_dir, suites), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, text=True, encoding="utf-8", errors="replace", cwd=scratch.name,
                               start_new_session=True)
    progress = Progress()
    interrupted = False
    with (run_dir / "pytest.log").open("w", encoding="utf-8") as log:
        try:
            for line in process.stdout:  # type: ignore[union-attr]
                before, marker, event = line.partition(PROGRESS_PREFIX)
                if marker:  # pytest's own progress dots may precede our event on the same line
                    progress.show(json.loads(event))
                    line = before + "\n" if before.strip() else ""
                log.write(redactor.redact(line))
                log.flush()
            process.wait()
        except KeyboardInterrupt:
            interrupted = True
            _stop(process)
            for line in process.stdout or []:
                log.write(redactor.redact(line.partition(PROGRESS_PREFIX)[0]))
    scratch.cleanup()
    return PytestOutcome(process.returncode if process.returncode is not None else 2, interrupted,
                         frozenset(progress.completed))


def _stop(process: subprocess.Popen) -> None:
    """SIGINT first, so pytest and allure-pytest write what they have; then harder."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


class Progress:
    """Console lines while the suites run: `[3/9] POST /complaints/complaint … LULUS (42 kasus)`."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.completed: set[str] = set()

    def show(self, event: dict) -> None:
        if event.get("event") == "collected":
            self.total = int(event.get("total", 0))
            print(t("run.progress.collected", total=self.total), flush=True)
            return
        if event.get("event") != "result":
            return
        self.done += 1
        self.completed.add(str(event.get("label")))
        outcome = t(f"run.outcome.{event.get('outcome', 'failed')}")
        requirements = ", ".join(event.get("requirements") or [])
        detail = t("run.progress.cases", cases=event["cases"]) if event.get("cases") else ""
        suffix = f" — {requirements}" if requirements else ""
        print(f"  [{self.done}/{self.total or '?'}] {event.get('label')} … {outcome} {detail}{suffix}".rstrip(),
              flush=True)
