"""`lapor-conformance diff RUN_A RUN_B`: what changed between two runs (directories or bundles).

By requirement: newly passing, regressed, waived, still failing, other changes; plus the verdict,
recommendation and spec pack of each run and what changed in the effective profile
(`profile.effective.json`, references only). Exit 0, or 1 when a requirement regressed.
A bundle is read as is; check it first with `lapor-conformance verify`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from conformance.errors import UserError
from conformance.i18n import t

FAILING = ("failed", "waived")
CATEGORIES = ("regressed", "newly_passing", "waived", "still_failing", "other")


def load_run(location: str) -> dict[str, Any]:
    """{'label', 'summary', 'profile'} from a run directory or an evidence bundle (.zip)."""
    path = Path(location)
    if path.is_dir():
        summary_file, profile_file = path / "summary.json", path / "profile.effective.json"
        if not summary_file.is_file():
            raise UserError("diff.not_a_run", path=location)
        summary = _json(summary_file.read_bytes(), location, "summary.json")
        profile = _json(profile_file.read_bytes(), location, profile_file.name) if profile_file.is_file() else None
        return {"label": location, "summary": summary, "profile": profile}
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "summary.json" not in names:
                    raise UserError("diff.not_a_run", path=location)
                summary = _json(archive.read("summary.json"), location, "summary.json")
                profile = (_json(archive.read("profile.effective.json"), location, "profile.effective.json")
                           if "profile.effective.json" in names else None)
        except (zipfile.BadZipFile, OSError):
            raise UserError("diff.not_a_run", path=location) from None
        return {"label": location, "summary": summary, "profile": profile}
    raise UserError("diff.not_a_run", path=location)


def _json(data: bytes, location: str, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise UserError("diff.unreadable", path=location, name=name) from None


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    before = {row["id"]: row for row in a["summary"].get("requirements", [])}
    after = {row["id"]: row for row in b["summary"].get("requirements", [])}
    changes: dict[str, list[dict[str, Any]]] = {name: [] for name in CATEGORIES}
    for rid in sorted(set(before) | set(after), key=_order(before, after)):
        old = before.get(rid, {}).get("outcome", "absent")
        new = after.get(rid, {}).get("outcome", "absent")
        item = {"id": rid, "from": old, "to": new, "level": (after.get(rid) or before.get(rid))["level"]}
        if new == "waived":
            item["expires"] = ((after[rid].get("waiver") or {}).get("expires"))
            changes["waived"].append(item)
        elif new == "failed" and old in FAILING:
            changes["still_failing"].append(item)
        elif new == "failed":
            changes["regressed"].append(item)
        elif new == "passed" and old in FAILING:
            changes["newly_passing"].append(item)
        elif new != old:
            changes["other"].append(item)
    return {
        "a": _identity(a), "b": _identity(b), "requirements": changes,
        "profile": profile_changes(a.get("profile"), b.get("profile")),
    }


def _order(before: dict[str, Any], after: dict[str, Any]) -> Any:
    positions = {rid: i for i, rid in enumerate(list(before) + [r for r in after if r not in before])}
    return lambda rid: positions[rid]


def _identity(run: dict[str, Any]) -> dict[str, Any]:
    summary = run["summary"]
    return {"label": run["label"], "run_id": summary.get("run_id"), "started_at": summary.get("started_at"),
            "mode": summary.get("mode"), "verdict": summary.get("verdict"),
            "recommendation": (summary.get("recommendation") or {}).get("code"),
            "spec": f"{summary.get('spec', {}).get('id')} {summary.get('spec', {}).get('version')}",
            "profile_sha256": (summary.get("profile") or {}).get("sha256")}


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat or {prefix: {}}
    if isinstance(node, list) and node:
        flat = {}
        for index, value in enumerate(node):
            flat.update(flatten(value, f"{prefix}[{index}]"))
        return flat
    return {prefix: node}


def profile_changes(a: Any, b: Any) -> list[dict[str, Any]] | None:
    if a is None or b is None:
        return None
    left, right = flatten(a), flatten(b)
    changes = []
    for field in sorted(set(left) | set(right)):
        if field not in left:
            changes.append({"field": field, "change": "added", "to": right[field]})
        elif field not in right:
            changes.append({"field": field, "change": "removed", "from": left[field]})
        elif left[field] != right[field]:
            changes.append({"field": field, "change": "changed", "from": left[field], "to": right[field]})
    return changes


def diff_command(run_a: str, run_b: str, *, as_json: bool) -> int:
    result = compare(load_run(run_a), load_run(run_b))
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render(result))
    return 1 if result["requirements"]["regressed"] else 0


def render(result: dict[str, Any]) -> str:
    lines = []
    for side in ("a", "b"):
        run = result[side]
        lines.append(t(f"diff.run_{side}", label=run["label"], started=run["started_at"], mode=run["mode"],
                       verdict=run["verdict"], recommendation=run["recommendation"], spec=run["spec"]))
    for category in CATEGORIES:
        items = result["requirements"][category]
        lines.append("")
        lines.append(t(f"diff.{category}", count=len(items)))
        for item in items:
            extra = f" ({t('diff.expires', date=item['expires'])})" if item.get("expires") else ""
            lines.append(f"  {item['id']} [{item['level']}] {_outcome(item['from'])} → {_outcome(item['to'])}{extra}")
    lines.append("")
    changes = result["profile"]
    if changes is None:
        lines.append(t("diff.profile_unknown"))
    elif not changes:
        lines.append(t("diff.profile_same"))
    else:
        lines.append(t("diff.profile_changed", count=len(changes)))
        for change in changes:
            old, new = _value(change.get("from")), _value(change.get("to"))
            lines.append(f"  {change['field']}: " + {"added": f"+ {new}", "removed": f"- {old}"}.get(
                change["change"], f"{old} → {new}"))
    return "\n".join(lines)


def _outcome(outcome: str) -> str:
    return t("diff.absent") if outcome == "absent" else t(f"outcome.{outcome}")


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
