"""The front page an assessor reads first: `index.html` in the run directory and in the bundle.

One self-contained HTML file (inline CSS, no scripts, no network), built from summary.json:
who and what was tested, the mode (self-check pages carry a watermark), the recommendation with
its reasons, the evidence per operation, requirement traceability (requirement → outcome →
requirements.html and the Allure report), requirements not exercised, and the waivers.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from conformance.i18n import t
from conformance.verdict.recommend import render_reason, render_recommendation

FILE_NAME = "index.html"
REPORT_LINK = "allure-report/index.html"
REQUIREMENTS_LINK = "requirements.html"

_CSS = """body{font-family:system-ui,sans-serif;margin:0;color:#1d1d1f;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:1.5em 2em 4em;position:relative}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
code{font-size:.9em;word-break:break-all}.banner{padding:.8em 1.2em;font-weight:700;text-align:center;font-size:1.1em}
.self-check{background:#b00020;color:#fff}.assessment{background:#1b4f9c;color:#fff}
.watermark{position:fixed;top:40%;left:0;right:0;text-align:center;font-size:5em;font-weight:900;color:rgba(176,0,32,.08);
transform:rotate(-20deg);pointer-events:none;z-index:0}
.rec{border:3px solid;padding:1em 1.2em;margin:1em 0;border-radius:6px}.rec p{margin:.3em 0}
.rec.ready{border-color:#1b7f3a;background:#eef8f0}.rec.ready_after_remediation{border-color:#b26a00;background:#fff6e5}
.rec.not_ready{border-color:#b00020;background:#fdecee}.rec.insufficient_evidence{border-color:#555;background:#f1f1f1}
.rec .title{font-size:1.3em;font-weight:800}.advice{font-style:italic;color:#444}
.o-passed{color:#1b7f3a;font-weight:600}.o-failed{color:#b00020;font-weight:700}.o-waived{color:#8a5a00;font-weight:600}
.o-not_exercised{color:#666}.o-not_applicable{color:#999}.gap{color:#b00020}"""


def write_front_page(run_dir: Path, summary: dict[str, Any], lang: str) -> Path:
    path = run_dir / FILE_NAME
    path.write_text(render(summary, lang), encoding="utf-8")
    return path


def render(summary: dict[str, Any], lang: str) -> str:
    titles = {row["id"]: (row.get("title") or {}).get(lang) or (row.get("title") or {}).get("id", "")
              for row in summary["requirements"]}

    def tr(key: str, **params: Any) -> str:
        return html.escape(t(key, lang, **params))

    self_check = summary.get("mode") != "assessment"
    banner_class = "self-check" if self_check else "assessment"
    banner = tr("fp.banner.self_check") if self_check else tr("fp.banner.assessment")
    watermark = f'<div class="watermark">{tr("fp.watermark")}</div>' if self_check else ""
    parts = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{tr('fp.title')} — {html.escape(summary['agency'].get('name', ''))}</title><style>{_CSS}</style></head>"
        f'<body><div class="banner {banner_class}">{banner}</div>{watermark}<main>',
        f"<h1>{tr('fp.title')}</h1>",
        _identity(summary, lang, tr),
        _recommendation(summary, titles, lang, tr),
        _operations(summary, lang, tr),
        _traceability(summary, titles, lang, tr),
        _not_exercised(summary, titles, tr),
        _not_checkable(summary, titles, lang, tr),
        _waivers(summary, tr),
        f"<h2>{tr('fp.files')}</h2><p>{tr('fp.files.text')}</p><ul>"
        f'<li><a href="{REPORT_LINK}">{tr("fp.link.allure")}</a></li>'
        f'<li><a href="{REQUIREMENTS_LINK}">{tr("fp.link.requirements")}</a></li>'
        f"<li><code>summary.json</code>, <code>ledger.jsonl</code>, <code>pytest.log</code>, <code>junit.xml</code>, "
        f"<code>operations.json</code>, <code>profile.effective.json</code>, <code>versions.json</code></li></ul>",
        "</main></body></html>\n",
    ]
    return "".join(parts)


def _identity(summary: dict[str, Any], lang: str, tr: Any) -> str:
    agency, spec, profile = summary["agency"], summary["spec"], summary["profile"]
    policy = summary.get("policy") or {}
    rows = [
        ("fp.agency", f"{agency.get('name', '')} ({agency.get('code', '')})"
         + (f" — {tr('fp.institution')} {agency['institution_id']}" if agency.get("institution_id") else "")),
        ("fp.target", summary.get("target", "")),
        ("fp.environment", summary.get("environment", "")),
        ("fp.pack", f"{spec['id']} {spec['version']} · sha256 {spec['sha256']}"),
        ("fp.mode", t("env.mode.assessment" if summary.get("mode") == "assessment" else "env.mode.self_check", lang)),
        ("fp.profile", f"{profile.get('path', '')} · sha256 {profile.get('sha256', '')}"),
        ("fp.policy", f"{policy.get('id', '')} · sha256 {policy.get('sha256', '')}"),
        ("fp.run", f"{summary.get('run_id', '')} · {summary.get('started_at', '')} · {summary.get('duration_s', '')} s"
         f" · seed {summary.get('seed')}"),
        ("fp.harness", f"lapor-conformance {summary.get('tools', {}).get('lapor-conformance', '')}"),
    ]
    for key in ("assessor", "reference", "notes"):
        value = (summary.get("assessment") or {}).get(key)
        if value:
            rows.append((f"fp.assessment.{key}", str(value)))
    cells = "".join(f"<dt>{tr(key)}</dt><dd>{html.escape(str(value))}</dd>" for key, value in rows)
    return f"<dl>{cells}</dl>"


def _recommendation(summary: dict[str, Any], titles: dict[str, str], lang: str, tr: Any) -> str:
    recommendation = summary["recommendation"]
    reasons = "".join(f"<li>{html.escape(render_reason(r, lang, titles))}</li>" for r in recommendation["reasons"]
                      if r["effect"] != "note" or r["code"] in ("observation", "waived", "expired_waiver",
                                                                  "stale_waiver", "writes_skipped"))
    tests = summary.get("tests") or {}
    unchecked = sum(1 for r in recommendation["reasons"] if r["code"] in ("not_exercised", "not_exercised_needs"))
    return (f"<h2>{tr('fp.recommendation')}</h2>"
            f'<div class="rec {recommendation["code"]}"><p class="title">'
            f"{html.escape(render_recommendation(recommendation, lang))}</p>"
            f"<p>{tr('fp.decision.' + recommendation['decision_hint'])}</p>"
            f'<p class="advice">{tr("rec.advisory")}</p>'
            + (f"<p><b>{tr('fp.reasons')}</b></p><ul>{reasons}</ul>" if reasons else "")
            + (f"<p>{tr('fp.caveat_not_exercised', count=unchecked)}</p>" if unchecked else "")
            + "</div>"
            f"<p>{tr('fp.verdict', verdict=t('env.verdict.' + summary['verdict'], lang))} · "
            f"{tr('run.tests_line', **{k: tests.get(k, 0) for k in ('total', 'passed', 'failed', 'broken', 'skipped')})}</p>")


def _operations(summary: dict[str, Any], lang: str, tr: Any) -> str:
    evidence = summary.get("evidence") or {}
    gaps = {p.get("operation"): p for p in evidence.get("problems", []) if p.get("operation")}
    rows = []
    for operation, record in (evidence.get("operations") or {}).items():
        statuses = ", ".join(f"{code}×{count}" for code, count in sorted(record["statuses"].items())) or "—"
        gap = gaps.get(operation)
        note = f'<span class="gap">{html.escape(render_reason(gap, lang))}</span>' if gap else "✓"
        rows.append(f"<tr><td><code>{html.escape(operation)}</code></td><td>{record['cases']}</td>"
                    f"<td>{record['accepted']}</td><td>{html.escape(statuses)}</td><td>{note}</td></tr>")
    head = "".join(f"<th>{tr(k)}</th>" for k in ("fp.col.operation", "fp.col.cases", "fp.col.accepted",
                                                 "fp.col.statuses", "fp.col.sufficient"))
    return (f"<h2>{tr('fp.evidence')}</h2><p>{tr('fp.evidence.text', minimum=evidence.get('min_accepted_cases', '?'))}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _traceability(summary: dict[str, Any], titles: dict[str, str], lang: str, tr: Any) -> str:
    rows = []
    for row in summary["requirements"]:
        if row["outcome"] == "not_applicable":
            continue
        outcome = row["outcome"]
        finding = row["findings"][0] if row.get("findings") else None
        detail = html.escape(f"{finding['operation']}: {finding['message'][:160]}") if finding else ""
        if row.get("waiver"):
            detail += " " + tr("fp.waiver_note", status=t("waiver.status." + row["waiver"]["status"], lang),
                               expires=row["waiver"]["expires"])
        rid = html.escape(row["id"])
        rows.append(
            f'<tr><td><a href="{REQUIREMENTS_LINK}#{rid}"><b>{rid}</b></a></td>'
            f"<td>{html.escape(titles.get(row['id'], ''))}</td><td>{row['level']}{' ⚠' if row['provisional'] else ''}</td>"
            f'<td class="o-{outcome}">{tr("outcome." + outcome)}</td>'
            f"<td>{html.escape(', '.join(row.get('operations') or [])) or '—'}</td><td>{detail}</td>"
            f'<td><a href="{REPORT_LINK}">Allure</a></td></tr>')
    head = "".join(f"<th>{tr(k)}</th>" for k in ("page.col.id", "page.col.title", "page.col.level", "page.col.outcome",
                                                 "fp.col.operations", "fp.col.finding", "fp.col.report"))
    return (f"<h2>{tr('fp.traceability')}</h2><p>{tr('fp.traceability.text')}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _not_exercised(summary: dict[str, Any], titles: dict[str, str], tr: Any) -> str:
    rows = [row for row in summary["requirements"] if row["outcome"] == "not_exercised"]
    if not rows:
        return f"<h2>{tr('fp.not_exercised')}</h2><p>{tr('fp.none')}</p>"
    items = "".join(f'<li><a href="{REQUIREMENTS_LINK}#{html.escape(r["id"])}">{html.escape(r["id"])}</a> '
                    f"[{r['level']}{' ⚠' if r['provisional'] else ''}] {html.escape(titles.get(r['id'], ''))}</li>"
                    for r in rows)
    return f"<h2>{tr('fp.not_exercised')}</h2><p>{tr('fp.not_exercised.text')}</p><ul>{items}</ul>"


def _not_checkable(summary: dict[str, Any], titles: dict[str, str], lang: str, tr: Any) -> str:
    rows = [row for row in summary["requirements"] if row["outcome"] == "not_checkable"]
    if not rows:
        return ""
    items = "".join(f'<li><a href="{REQUIREMENTS_LINK}#{html.escape(r["id"])}">{html.escape(r["id"])}</a> '
                    f"[{r['level']}] {html.escape(titles.get(r['id'], ''))}<br><small>"
                    f"{html.escape((r.get('not_checkable_reason') or {}).get(lang, ''))}</small></li>" for r in rows)
    return f"<h2>{tr('fp.not_checkable')}</h2><p>{tr('fp.not_checkable.text')}</p><ul>{items}</ul>"


def _waivers(summary: dict[str, Any], tr: Any) -> str:
    waivers = summary.get("waivers") or []
    if not waivers:
        return f"<h2>{tr('fp.waivers')}</h2><p>{tr('fp.none')}</p>"
    rows = "".join(
        f"<tr><td>{html.escape(w['requirement'])}</td><td>{tr('waiver.status.' + w['status'])}</td>"
        f"<td>{html.escape(w['expires'])}</td><td>{html.escape(w['approver'])}</td><td>{html.escape(w['reason'])}</td>"
        f"<td>{tr('outcome.' + w['outcome']) if w['outcome'] != 'unknown' else '—'}</td></tr>" for w in waivers)
    head = "".join(f"<th>{tr(k)}</th>" for k in ("page.col.id", "fp.col.status", "fp.col.expires", "fp.col.approver",
                                                 "fp.col.reason", "fp.col.observed"))
    return (f"<h2>{tr('fp.waivers')}</h2><p>{tr('fp.waivers.text')}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
