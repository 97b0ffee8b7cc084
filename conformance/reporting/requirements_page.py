"""A small static page of the pack's requirements, which Allure results link to by anchor."""

from __future__ import annotations

import html
from pathlib import Path

from conformance.i18n import t
from conformance.specpack import SpecPack


def write_requirements_page(path: Path, pack: SpecPack, lang: str, outcomes: dict[str, str] | None = None) -> None:
    outcomes = outcomes or {}
    rows = []
    for requirement in pack.requirements:
        checks = html.escape(", ".join(requirement.check_names) or "—")
        if not requirement.checkable:
            reason = requirement.not_checkable_reason.get(lang) or requirement.not_checkable_reason.get("en", "")
            checks = f"<small>{html.escape(reason)}</small>"
        outcome = outcomes.get(requirement.id, "")
        rows.append(
            f'<tr id="{requirement.id}" class="{outcome}"><td><b>{requirement.id}</b></td>'
            f"<td>{html.escape(requirement.title_in(lang))}</td><td>{requirement.level}</td>"
            f"<td>{html.escape(requirement.evidence)}{' ⚠' if requirement.provisional else ''}</td>"
            f"<td>{', '.join(requirement.sources) or '—'}</td><td>{requirement.direction}</td>"
            f"<td><code>{checks}</code></td><td>{html.escape(t('outcome.' + outcome, lang) if outcome else '')}</td></tr>"
        )
    headers = "".join(f"<th>{html.escape(t(key, lang))}</th>" for key in (
        "page.col.id", "page.col.title", "page.col.level", "page.col.evidence", "page.col.sources",
        "page.col.direction", "page.col.checks", "page.col.outcome"))
    path.write_text(
        f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{html.escape(pack.id)} — {html.escape(t('page.requirements.title', lang))}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
tr:target{{background:#fff6c2}}tr.failed td:last-child{{color:#b00020;font-weight:bold}}tr.passed td:last-child{{color:#1b7f3a}}</style></head>
<body><h1>{html.escape(pack.id)} {html.escape(pack.version)} — {html.escape(t('page.requirements.title', lang))}</h1>
<p>{html.escape(t('page.requirements.note', lang))}</p>
<table><thead><tr>{headers}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>
""",
        encoding="utf-8",
    )
