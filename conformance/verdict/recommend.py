"""Requirement outcomes + policy + waivers + evidence gate -> verdict and recommendation.

Two views of the same outcomes:
- the verdict (CI, exit code): pass / fail / incomplete — any effective failure is `fail`
  (waived failures are not, expired waivers are); an interrupted run or an evidence gap is
  `incomplete` unless a failure was found;
- the recommendation (the assessor): ready / ready_after_remediation / not_ready /
  insufficient_evidence, with reasons, phrased for the assessment decision. It is advice.
"""

from __future__ import annotations

import datetime
from typing import Any

from conformance.i18n import t
from conformance.verdict.policy import Policy

READY, REMEDIATE, NOT_READY, INSUFFICIENT = "ready", "ready_after_remediation", "not_ready", "insufficient_evidence"
RECOMMENDATIONS = (READY, REMEDIATE, NOT_READY, INSUFFICIENT)
DECISION_HINT = {READY: "integrate", REMEDIATE: "integrate_after_remediation", NOT_READY: "consolidate_or_reject",
                 INSUFFICIENT: "none"}


def decide(requirements: list[dict[str, Any]], waivers: list[dict[str, Any]], policy: Policy,
           problems: list[dict[str, Any]], *, today: datetime.date,
           skipped_operations: list[str] = ()) -> dict[str, Any]:
    reasons: list[dict[str, Any]] = []
    to_fix: list[str] = []
    blocking = insufficient = False
    for row in requirements:
        rid, level, provisional = row["id"], row["level"], row["provisional"]
        if row["outcome"] == "failed":
            effect = policy.effect_of_failure(rid, level, provisional)
            severity = policy.severity(rid, level, provisional)
            code = {"not_ready": "blocking_failure", "remediate": "remediation_finding"}.get(effect, "observation")
            reasons.append({"code": code, "effect": effect, "requirement": rid, "level": level,
                            "severity": severity, "provisional": provisional})
            blocking |= effect == "not_ready"
            if effect == "remediate":
                to_fix.append(rid)
        elif row["outcome"] == "not_exercised":
            effect = policy.effect_of_not_exercised(level, provisional)
            reasons.append({"code": "not_exercised_needs" if row.get("needs_profile") else "not_exercised",
                            "effect": effect, "requirement": rid, "level": level, "provisional": provisional,
                            **({"needs": row["needs_profile"]} if row.get("needs_profile") else {})})
            blocking |= effect == "not_ready"
            insufficient |= effect == "insufficient"
            if effect == "remediate":
                to_fix.append(rid)
    for waiver in waivers:
        code = {"active": "waived", "expired": "expired_waiver", "stale": "stale_waiver"}.get(waiver["status"])
        if code:
            reasons.append({"code": code, "effect": "note", "requirement": waiver["requirement"],
                            "expires": waiver["expires"], "approver": waiver["approver"]})
    for problem in problems:
        reasons.append({**problem, "effect": "insufficient"})
    if skipped_operations:
        reasons.append({"code": "writes_skipped", "effect": "note", "operations": ", ".join(skipped_operations)})

    interrupted = any(p["code"] == "interrupted" for p in problems)
    too_many = policy.max_findings is not None and len(to_fix) > policy.max_findings
    if interrupted or ((problems or insufficient) and not blocking):
        code = INSUFFICIENT
    elif blocking or too_many:
        code = NOT_READY
        if too_many and not blocking:
            reasons.append({"code": "too_many_findings", "effect": "not_ready", "count": len(to_fix),
                            "max": policy.max_findings})
    elif to_fix:
        code = REMEDIATE
    else:
        code = READY
    order = {"not_ready": 0, "insufficient": 1, "remediate": 2, "note": 3}
    reasons.sort(key=lambda r: order.get(r["effect"], 9))
    recommendation = {"code": code, "decision_hint": DECISION_HINT[code], "advisory": True,
                      "policy": policy.id, "reasons": reasons, "to_fix": to_fix if code == REMEDIATE else []}
    if code == REMEDIATE:
        recommendation["deadline_days"] = policy.deadline_days
        recommendation["deadline"] = (today + datetime.timedelta(days=policy.deadline_days)).isoformat()
    return recommendation


def run_verdict(requirements: list[dict[str, Any]], problems: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The CI verdict (exit code) and its machine-readable reasons."""
    failed = [row["id"] for row in requirements if row["outcome"] == "failed"]
    if any(p["code"] == "interrupted" for p in problems):
        return "incomplete", ["interrupted"]
    if failed:
        return "fail", [f"failed:{rid}" for rid in failed]
    if problems:
        return "incomplete", [f"insufficient_evidence:{p['code']}" + (f":{p['operation']}" if "operation" in p else "")
                              for p in problems]
    return "pass", []


def render_recommendation(recommendation: dict[str, Any], lang: str | None = None) -> str:
    text = t(f"rec.{recommendation['code']}", lang)
    if recommendation["code"] == REMEDIATE:
        text += " " + t("rec.deadline", lang, days=recommendation["deadline_days"], date=recommendation["deadline"])
    return text


def render_reason(reason: dict[str, Any], lang: str | None = None, titles: dict[str, str] | None = None) -> str:
    params = {k: v for k, v in reason.items() if k not in ("code", "effect")}
    if "requirement" in params:
        title = (titles or {}).get(params["requirement"], "")
        params["title"] = f" — {title}" if title else ""
        params.setdefault("level", "")
    return t(f"reason.{reason['code']}", lang, **params)
