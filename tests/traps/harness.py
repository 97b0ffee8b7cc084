"""Run a profile against a served app and read what the run wrote (summary, ledger, Allure)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY_API_KEY, CANARY_TOKEN

PACKS = Path(__file__).resolve().parent / "packs"
CREDENTIALS = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
LAPOR_BASE_PATH = "/integration/api/v3"


def write_profile(path: Path, *, base_url: str, pack: str = "lapor-v3", code: str = "uji-jebakan",
                  name: str = "Uji jebakan alat", max_examples: int = 5, seed: int = 7,
                  bearer_header: str = "Authorization", api_key_env: str = "LAPOR_API_KEY",
                  token_env: str = "LAPOR_TOKEN") -> Path:
    """A profile for one trap run: small budget, no stateful phase; `pack` is a name or a folder."""
    path.write_text(f"""version: 1
agency:
  code: {code}
  name: "{name}"
  institution_id: "151345"
spec_pack: {pack}
environment: simulator
target:
  base_url: {base_url}
auth:
  bearer_header: {bearer_header}
  api_key: ${{{api_key_env}}}
  token: ${{{token_env}}}
budget:
  max_examples: {max_examples}
  seed: {seed}
  stateful: false
""", encoding="utf-8")
    return path


def trimmed_pack(folder: Path, operations: set[str]) -> Path:
    """A copy of the bundled lapor-v3 pack with only `operations` (operationIds), for a faster run.

    Same requirements and schemas; response links (stateful only) are dropped and the roles keep
    only the operations that remain, so every check behaves as with the whole pack.
    """
    import yaml

    from conformance.specpack import load_pack

    source = load_pack("lapor-v3")
    openapi = copy.deepcopy(source.openapi)
    for path in list(openapi["paths"]):
        item = openapi["paths"][path]
        for method in [m for m, d in item.items() if isinstance(d, dict) and "responses" in d]:
            if item[method].get("operationId") not in operations:
                del item[method]
            else:
                for response in item[method]["responses"].values():
                    if isinstance(response, dict):
                        response.pop("links", None)
        if not any(isinstance(d, dict) and "responses" in d for d in item.values()):
            del openapi["paths"][path]
    kept = {d["operationId"] for item in openapi["paths"].values() for d in item.values()
            if isinstance(d, dict) and "operationId" in d}
    assert kept == operations, kept
    meta = copy.deepcopy(source.meta)
    roles = meta.setdefault("roles", {})
    roles["operations"] = {role: op for role, op in (roles.get("operations") or {}).items() if op in operations}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.yaml").write_text(yaml.safe_dump(openapi, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "pack.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copyfile(source.root / meta.get("requirements", "requirements.yaml"), folder / "requirements.yaml")
    return folder


@dataclass
class Run:
    code: int
    out: str
    err: str
    run_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.run_dir / "summary.json").read_text(encoding="utf-8"))

    @property
    def failed(self) -> set[str]:
        return {row["id"] for row in self.summary["requirements"] if row["outcome"] == "failed"}

    def outcome(self, requirement: str) -> str:
        return next(row["outcome"] for row in self.summary["requirements"] if row["id"] == requirement)

    @property
    def ledger(self) -> list[dict[str, Any]]:
        path = self.run_dir / "ledger.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def allure_results(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text(encoding="utf-8"))
                for p in sorted((self.run_dir / "allure-results").glob("*-result.json"))]

    def explain(self) -> str:
        """What to print when an assertion fails: the console and the failed findings."""
        findings = [f"{row['id']}: {row['findings']}" for row in self.summary["requirements"]
                    if row["outcome"] == "failed"]
        return self.out + self.err + "\n" + "\n".join(findings)


def run_profile(profile: Path, reports: Path) -> Run:
    """`lapor-conformance run PROFILE` in this process; the console is captured, the run dir read back."""
    from conformance.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(profile), "--reports-dir", str(reports), "--no-html"])
    lines = out.getvalue().strip().splitlines()
    assert lines, err.getvalue()
    run_dir = Path(lines[-1])
    assert (run_dir / "summary.json").is_file(), out.getvalue() + err.getvalue()
    return Run(code, out.getvalue(), err.getvalue(), run_dir)


def use_canary_credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("LAPOR_API_KEY", CANARY_API_KEY)
    monkeypatch.setenv("LAPOR_TOKEN", CANARY_TOKEN)
    return dict(CREDENTIALS)
