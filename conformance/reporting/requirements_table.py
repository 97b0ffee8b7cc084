"""`lapor-conformance requirements`: the pack's catalogue as a table or JSON."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

from conformance.i18n import current_lang, t
from conformance.specpack import load_pack


def print_requirements(pack_name: str, *, as_json: bool) -> int:
    pack = load_pack(pack_name)
    if as_json:
        payload = {"pack": {"id": pack.id, "version": pack.version, "sha256": pack.sha256},
                   "requirements": [asdict(r) for r in pack.requirements]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    lang = current_lang()
    width = shutil.get_terminal_size((120, 40)).columns
    header = f"{'ID':<18} {'LEVEL':<6} {t('page.col.evidence'):<12} {t('page.col.direction'):<9} P  {t('page.col.title')}"
    print(header)
    print("-" * min(width, 120))
    for requirement in pack.requirements:
        title = requirement.title_in(lang)
        room = max(width - 52, 30)
        print(f"{requirement.id:<18} {requirement.level:<6} {requirement.evidence:<12} {requirement.direction:<9} "
              f"{'P' if requirement.provisional else ' '}  {title[:room]}")
    print()
    print(t("requirements.footer", count=len(pack.requirements), pack=pack.id, version=pack.version))
    return 0
