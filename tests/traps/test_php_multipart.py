"""Trap 2 — multipart files the way PHP reads them.

The pack writes its file items OpenAPI-3.1 style (`contentMediaType`, no `format: binary`).
Bare schemathesis would send them as text parts; PHP counts a part as a file only when its
Content-Disposition carries `filename=`, so a correct Laravel server would answer 422 and be
blamed for rejecting a valid upload.
"""

from __future__ import annotations

import pytest

from tests.conftest import serve
from tests.traps.harness import PACKS, run_profile, use_canary_credentials, write_profile
from tests.traps.servers import Recorder, php_upload_app

pytestmark = pytest.mark.slow
PACK = str(PACKS / "php-multipart")


def test_contentmediatype_files_reach_php_as_files(tmp_path, monkeypatch):
    use_canary_credentials(monkeypatch)
    app = php_upload_app(Recorder())
    with serve(app) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}/api", pack=PACK)
        run = run_profile(profile, tmp_path / "reports")

    assert app.uploads, "no upload was ever accepted: the files did not reach PHP as files"
    assert any(count > 1 for count in app.uploads), app.uploads  # N files, not only one
    assert run.outcome("LAPOR-VAL-002") == "passed", run.explain()
    assert run.outcome("LAPOR-UPLOAD-001") == "passed", run.explain()
    assert run.summary["verdict"] == "pass", run.explain()


def test_one_doc_for_n_files_is_upload_001(tmp_path, monkeypatch):
    use_canary_credentials(monkeypatch)
    app = php_upload_app(Recorder(), last_file_only=True)
    with serve(app) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}/api", pack=PACK)
        run = run_profile(profile, tmp_path / "reports")

    assert any(count > 1 for count in app.uploads), app.uploads
    assert run.failed == {"LAPOR-UPLOAD-001"}, run.explain()
    assert run.code == 1
