"""Running `lapor-conformance run` against served (broken or conforming) simulators, two at a time.

Each run is a `python -m conformance run` subprocess, so several runs can go in parallel (one per
core) while their simulators are served on loopback threads of the test process. The second
institution's credentials go into the profile as references and into the subprocess env as values.

`pytest_args` narrow the pytest selection of a run (env PYTEST_ADDOPTS, which the runner passes on
to its pytest subprocess): a variant names the tests where its defect shows (`-k templates`, or only
the lifecycle suite), so its run stays short. The "exactly its requirement" assertion then holds for
that selection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT, serve

SECOND_INSTITUTION_ID = "12838"  # Pemerintah Kota Padang (public id, S3/S4)
SECOND_API_KEY = "$2y$10$SECONDinstitutionKEYforPadang0123456789abcdefghijklmn"
SECOND_TOKEN = "{5EC0D000-1283-4B8A-9ADA-000000012838}"
PRIMARY = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
SECOND = {"api_key": SECOND_API_KEY, "token": SECOND_TOKEN, "institution_id": SECOND_INSTITUTION_ID}
SUITES = ROOT / "suites" / "provider"
LIFECYCLE_ONLY = f"--ignore={SUITES / 'test_schema.py'}"
SCHEMA_ONLY = f"--ignore={SUITES / 'test_lifecycle.py'}"


def only(keyword: str) -> str:
    """Schema-suite tests whose name contains `keyword` (e.g. an operation's path end: `templates]`)."""
    return f"{SCHEMA_ONLY} -k '{keyword}'"

WORKERS = max(1, min(2, os.cpu_count() or 1))
RUN_TIMEOUT_S = 300


@dataclass
class RunResult:
    code: int
    out: str
    run_dir: Path | None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> set[str]:
        return {row["id"] for row in self.summary.get("requirements", []) if row["outcome"] == "failed"}

    @property
    def passed(self) -> set[str]:
        return {row["id"] for row in self.summary.get("requirements", []) if row["outcome"] == "passed"}


@dataclass
class Job:
    name: str
    make_app: Callable[[Path], Any]  # scratch dir -> ASGI app
    max_examples: int = 5
    stateful: bool = False
    seed: int = 7
    pytest_args: str | None = None
    second_institution: bool = True
    shrink_s: int = 0  # detection needs no shrinking; tests/test_broken_variants.py proves it separately


def simulator(scratch: Path, wrap: Callable[[Any, dict[str, str]], Any] | None = None) -> Any:
    from conformance.simulator.app import create_app

    app = create_app(scratch / "sim.sqlite3", PRIMARY, extra_credentials=[SECOND])
    return wrap(app, PRIMARY) if wrap else app


def write_profile(path: Path, *, base_url: str, job: Job) -> Path:
    second = f"""  second_institution:
    institution_id: "{SECOND_INSTITUTION_ID}"
    api_key: ${{LAPOR_B_API_KEY}}
    token: ${{LAPOR_B_TOKEN}}
""" if job.second_institution else ""
    path.write_text(f"""version: 1
agency:
  code: uji-{job.name}
  name: "Uji {job.name}"
  institution_id: "151345"
spec_pack: lapor-v3
environment: simulator
target:
  base_url: {base_url}
auth:
  bearer_header: Authorization
  api_key: ${{LAPOR_API_KEY}}
  token: ${{LAPOR_TOKEN}}
{second}budget:
  max_examples: {job.max_examples}
  seed: {job.seed}
  stateful: {str(job.stateful).lower()}
  shrink_s: {job.shrink_s}
""", encoding="utf-8")
    return path


def _environment(job: Job | None = None) -> dict[str, str]:
    env = {"LAPOR_API_KEY": CANARY_API_KEY, "LAPOR_TOKEN": CANARY_TOKEN, "LAPOR_B_API_KEY": SECOND_API_KEY,
           "LAPOR_B_TOKEN": SECOND_TOKEN, "PYTHONPATH": str(ROOT)}
    if job is not None and job.pytest_args:
        env["PYTEST_ADDOPTS"] = job.pytest_args
    return env


def _clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("LAPOR_", "PYTEST_"))}


class CliWorker:
    """One `python -m tests.broken.cli_worker` process: runs jobs one after another, imports paid once."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.broken.cli_worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
                                        env={**_clean_env(), "PYTHONPATH": str(ROOT)})

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[int, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"argv": argv, "env": env}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the CLI worker died")
        answer = json.loads(line)
        return int(answer["code"]), answer["out"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def run_one(job: Job, scratch: Path, worker: CliWorker | None = None) -> RunResult:
    scratch.mkdir(parents=True, exist_ok=True)
    argv = ["run", "", "--reports-dir", str(scratch / "reports"), "--no-html"]
    with serve(job.make_app(scratch)) as origin:
        argv[1] = str(write_profile(scratch / "profile.yaml", base_url=f"{origin}/integration/api/v3", job=job))
        if worker is not None:
            code, out = worker.run(argv, _environment(job))
        else:
            process = subprocess.run([sys.executable, "-m", "conformance", *argv], capture_output=True, text=True,
                                     env={**_clean_env(), **_environment(job)}, cwd=str(ROOT), timeout=RUN_TIMEOUT_S)
            code, out = process.returncode, process.stdout + process.stderr
    reports = sorted((scratch / "reports").glob("*/*/summary.json"))
    run_dir = reports[-1].parent if reports else None
    summary = json.loads(reports[-1].read_text(encoding="utf-8")) if reports else {}
    return RunResult(code, out, run_dir, summary)


def run_seeds(scratch: Path, seeds: list[int], max_examples: int) -> dict[int, dict[str, Any]]:
    """The lifecycle model against the conforming simulator for every seed, in one process."""
    scratch.mkdir(parents=True, exist_ok=True)
    with serve(simulator(scratch)) as origin:
        env = {**_clean_env(), **_environment()}
        process = subprocess.run([sys.executable, "-m", "tests.broken.lifecycle_seeds", str(scratch / "run"),
                                  f"{origin}/integration/api/v3", str(max_examples), *map(str, seeds)],
                                 capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=RUN_TIMEOUT_S)
    if process.returncode != 0:
        raise AssertionError(process.stdout[-3000:] + process.stderr[-3000:])
    return {int(seed): value for seed, value in json.loads(process.stdout.strip().splitlines()[-1]).items()}


class RunPool:
    """Runs jobs two at a time in the background, each thread with its own CLI worker; `result(name)`
    waits for one. `extra` adds named callables (taking their scratch directory) to the same queue."""

    def __init__(self, jobs: list[Job], scratch: Path, extra: dict[str, Callable[[Path], Any]] | None = None) -> None:
        self._local = threading.local()
        self._workers: list[CliWorker] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=WORKERS)
        self._futures = {name: self._executor.submit(call, scratch / name) for name, call in (extra or {}).items()}
        self._futures.update({job.name: self._executor.submit(self._run, job, scratch / job.name) for job in jobs})

    def _run(self, job: Job, scratch: Path) -> RunResult:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._local.worker = CliWorker()
            with self._lock:
                self._workers.append(worker)
        return run_one(job, scratch, worker)

    def result(self, name: str) -> Any:
        return self._futures[name].result(timeout=RUN_TIMEOUT_S * len(self._futures))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        for worker in self._workers:
            worker.close()


def run_jobs(jobs: list[Job], scratch: Path) -> dict[str, RunResult]:
    pool = RunPool(jobs, scratch)
    try:
        return {job.name: pool.result(job.name) for job in jobs}
    finally:
        pool.close()
