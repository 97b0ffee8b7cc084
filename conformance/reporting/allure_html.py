"""Single-file, offline Allure HTML report from an allure-results folder.

The generator is Allure 3 (npm package `allure`, awesome plugin with `singleFile: true`), installed
by `make setup` into `node_modules/` at the project root. The result is ONE `index.html` that opens
from file:// with no network: the awesome plugin inlines its app and all report data. Its hard-coded
Google Analytics snippet is stripped afterwards.

Report UI language: Allure 3.18 has no Indonesian translation (nor does Allure 2), so `lang="id"`
falls back to English for the Allure UI; the harness's own texts stay Indonesian.

Override the generator location with env LAPOR_CONFORMANCE_ALLURE: a `node_modules` folder, the
`allure` package folder, its `cli.js`, or an executable such as `node_modules/.bin/allure`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import conformance
from conformance.errors import UserError

ENV_OVERRIDE = "LAPOR_CONFORMANCE_ALLURE"
DEFAULT_TIMEOUT_S = 300.0

# Languages of the Allure 3.18 awesome UI (@allurereport/web-commons AVAILABLE_LOCALES).
ALLURE_LANGUAGES = ("en", "en-iso", "ru", "uk", "pl", "es", "pt", "de", "hy", "ar", "az", "fr", "it",
                    "ja", "he", "ka", "kr", "nl", "sv", "tr", "zh", "zh-TW")
FALLBACK_LANGUAGE = "en"

_GTAG_LOADER = re.compile(r"<script\b[^>]*\bsrc=[\"']?https?://[^\"'>\s]*googletagmanager\.com[^>]*>\s*</script>\s*",
                          re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script>([^<]{0,4000})</script>\s*", re.IGNORECASE)


def allure_language(lang: str | None) -> str:
    """The Allure UI language for a harness language; English when Allure has no translation."""
    if lang in ALLURE_LANGUAGES:
        return lang
    return FALLBACK_LANGUAGE


def default_node_modules() -> Path:
    return Path(conformance.__file__).resolve().parent.parent / "node_modules"


def generator_command() -> list[str]:
    """The argv prefix that runs the Allure 3 CLI, or UserError("report.allure_missing")."""
    override = os.environ.get(ENV_OVERRIDE, "").strip()
    location = Path(override).expanduser() if override else default_node_modules()
    script = _find_cli(location)
    if script is None:
        raise UserError("report.allure_missing", path=str(location))
    if script.suffix in (".js", ".mjs", ".cjs"):
        node = shutil.which("node")
        if node is None:
            raise UserError("report.allure_missing", path=f"node (PATH), {script}")
        return [node, str(script)]
    return [str(script)]


def _find_cli(location: Path) -> Path | None:
    if location.is_file():
        return location
    for candidate in (location / "allure" / "cli.js",                  # a node_modules folder
                      location / "cli.js",                             # the allure package folder
                      location / "node_modules" / "allure" / "cli.js"):  # a project folder
        if candidate.is_file():
            return candidate
    return None


def build_html_report(results_dir: Path, output_dir: Path, *, title: str, lang: str = "id",
                      timeout_s: float = DEFAULT_TIMEOUT_S) -> Path:
    """Build `output_dir/index.html` (single file, offline, no analytics) and return its path.

    Raises UserError("report.allure_missing") when the generator is not installed and
    UserError("report.allure_failed", detail=...) when it fails, times out or its output is unusable.
    """
    results_dir = Path(results_dir).resolve()
    output_dir = Path(output_dir).resolve()
    command = generator_command()
    if not results_dir.is_dir():
        raise UserError("report.allure_failed", detail=f"{results_dir}: not a directory")
    with tempfile.TemporaryDirectory(prefix="lapor-allure-") as scratch:
        work = Path(scratch)
        generated = work / "report"
        config = work / "allurerc.mjs"
        config.write_text(_config_source(title, allure_language(lang), generated), encoding="utf-8")
        _run(command + ["generate", str(results_dir), "--config", str(config), "--cwd", str(work)],
             cwd=work, timeout_s=timeout_s)
        produced = generated / "index.html"
        if not produced.is_file():
            raise UserError("report.allure_failed", detail=f"the generator wrote no {produced.name}")
        html = strip_analytics(produced.read_text(encoding="utf-8"))
    if "googletagmanager" in html:
        raise UserError("report.allure_failed", detail="analytics script could not be removed")
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / "index.html"
    partial = output_dir / ".index.html.partial"
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, target)
    return target


def _config_source(title: str, language: str, output: Path) -> str:
    # JSON literals are valid JavaScript, so every value is quoted safely.
    options = {"singleFile": True, "reportLanguage": language, "reportName": title}
    return ("export default {\n"
            f"  name: {json.dumps(title)},\n"
            f"  output: {json.dumps(str(output))},\n"
            f"  plugins: {{ awesome: {{ options: {json.dumps(options)} }} }},\n"
            "};\n")


def strip_analytics(html: str) -> str:
    """Remove the Google Analytics loader and its inline gtag() configuration script."""
    html = _GTAG_LOADER.sub("", html)
    return _INLINE_SCRIPT.sub(lambda m: "" if "gtag(" in m.group(1) or "dataLayer" in m.group(1) else m.group(0),
                              html)


def _run(argv: list[str], *, cwd: Path, timeout_s: float) -> None:
    env = dict(os.environ, NO_COLOR="1", FORCE_COLOR="0", ALLURE_NO_ANALYTICS="true")
    try:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as error:
        raise UserError("report.allure_failed", detail=f"{argv[0]}: {error}") from error
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise UserError("report.allure_failed", detail=f"timeout after {timeout_s:g} s") from None
    if process.returncode != 0:
        tail = output.decode("utf-8", "replace").strip().splitlines()[-15:]
        detail = f"exit {process.returncode}: " + (" | ".join(tail) if tail else "(no output)")
        raise UserError("report.allure_failed", detail=detail[:2000])


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.communicate()
