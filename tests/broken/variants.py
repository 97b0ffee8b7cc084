"""The catalogue of broken variants: name → (how to break the simulator, requirement it breaks).

Each variant is the conforming simulator with exactly one defect, made either on the wire (ASGI
middleware rewriting requests or answers, tests/broken/middleware.py) or by replacing one method of
that app's own simulator or store instance (never a module global: variants run side by side). The
defects live in tests/broken/defects_wire.py, defects_model.py, defects_auth.py, defects_authz.py,
defects_privacy.py and defects_lifecycle.py.
`pytest_args` say which provider tests the run needs (see tests/broken/runs.py): the lifecycle model,
or a few schema-suite operations; `None` runs every provider suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from tests.broken import defects_auth as auth
from tests.broken import defects_lifecycle as lifecycle
from tests.broken import defects_authz as authz
from tests.broken import defects_model as model
from tests.broken import defects_privacy as privacy
from tests.broken import defects_wire as wire
from tests.broken.runs import LIFECYCLE_ONLY, only


@dataclass(frozen=True)
class Variant:
    name: str
    requirement: str
    description: str
    wrap: Callable[[Any, dict[str, str]], Any]  # (app, credentials) -> app
    max_examples: int = 5
    stateful: bool = False
    pytest_args: str | None = None


LIFECYCLE = {"stateful": True, "pytest_args": LIFECYCLE_ONLY, "max_examples": 9}  # 3 sequences
PRIVACY = {**LIFECYCLE, "max_examples": 12}  # 4 sequences: needs an anonymous or secret complaint

VARIANTS = [
    # authentication
    Variant("accepts-without-token", "LAPOR-AUTH-001", "a call without the token header is accepted",
            wire.accepts_without_token, **LIFECYCLE),
    Variant("accepts-without-bearer", "LAPOR-AUTH-002", "a call without the bearer key is accepted",
            wire.accepts_without_bearer, **LIFECYCLE),
    Variant("accepts-wrong-token", "LAPOR-AUTH-003", "any token is accepted as long as one is sent",
            wire.accepts_wrong_token, **LIFECYCLE),
    Variant("ignores-authorization-header", "LAPOR-AUTH-004", "complaint routes read the key from `auth` only",
            wire.ignores_authorization_header, **LIFECYCLE),
    Variant("echoes-token", "LAPOR-AUTH-005", "the token header is echoed in the response message",
            wire.echoes_token, **LIFECYCLE),
    Variant("refusal-echoes-key", "LAPOR-AUTH-005", "a 401 names the bearer value it got, URL-encoded",
            auth.refusal_echoes_key, **LIFECYCLE),
    Variant("echoes-second-token", "LAPOR-AUTH-005", "answers to another institution carry its token in a header",
            auth.echoes_second_token, **PRIVACY),
    Variant("accepts-mixed-credentials", "LAPOR-AUTH-007", "one institution's key works with another's token",
            auth.accepts_mixed_credentials, **LIFECYCLE),
    # envelope and data
    Variant("reroute-without-envelope", "LAPOR-ENV-001", "the reroute answer has no `results`",
            wire.reroute_without_envelope, **LIFECYCLE),
    Variant("templates-data-as-object", "LAPOR-ENV-002", "templates come as an object keyed by id",
            wire.templates_data_as_object, pytest_args=only("templates]")),
    Variant("detail-without-data-logs", "LAPOR-ENV-003", "the detail calls its movement log `logs`",
            wire.detail_without_data_logs, **LIFECYCLE),
    Variant("numeric-ids", "LAPOR-DATA-001", "ids are returned as JSON numbers", wire.numeric_ids, **LIFECYCLE),
    Variant("followup-dates-iso", "LAPOR-DATA-002", "follow-up created_at in ISO 8601", wire.followup_dates_iso,
            **LIFECYCLE),
    Variant("detail-without-status-code", "LAPOR-DATA-004", "the detail has no status_code",
            wire.detail_without_status_code, **LIFECYCLE),
    Variant("templates-without-type", "LAPOR-DATA-005", "templates lack `type`", wire.templates_without_type,
            pytest_args=only("templates]")),
    Variant("followup-ids-unstable", "LAPOR-DATA-006", "follow-up ids change on every read",
            wire.followup_ids_unstable, **LIFECYCLE),
    Variant("timestamps-in-utc", "LAPOR-DATA-007", "log timestamps are UTC, not WIB", wire.timestamps_in_utc,
            **LIFECYCLE),
    # paging
    Variant("followups-without-next-page-url", "LAPOR-PAGE-001", "follow-up pages lack next_page_url",
            wire.followups_without_next_page_url, **LIFECYCLE),
    Variant("next-page-url-dropped-early", "LAPOR-PAGE-002", "next_page_url is null one page early",
            wire.next_page_url_dropped_early, pytest_args=only("followups]")),
    Variant("pages-overlap", "LAPOR-PAGE-004", "each page repeats the last item of the page before",
            wire.pages_overlap, pytest_args=only("followups]")),
    Variant("masters-ignore-page-size", "LAPOR-PAGE-003", "institutions ignore page_size",
            wire.masters_ignore_page_size, pytest_args=only("external]")),
    Variant("next-page-url-elsewhere", "LAPOR-PAGE-005", "next_page_url points at another host",
            wire.next_page_url_elsewhere, pytest_args=only("external]")),
    # operations
    Variant("upload-returns-one-doc", "LAPOR-UPLOAD-001", "several files, one document back",
            model.upload_returns_one_doc, **LIFECYCLE),
    Variant("create-id-elsewhere", "LAPOR-CREATE-001", "the new id sits in results.data.id",
            model.create_id_elsewhere, **LIFECYCLE),
    Variant("new-complaints-unreadable", "LAPOR-CREATE-002", "a new complaint's detail answers 404",
            model.new_complaints_unreadable, **LIFECYCLE),
    Variant("detail-drops-last-attachment", "LAPOR-CREATE-004", "the detail forgets one attachment",
            model.detail_drops_last_attachment, **LIFECYCLE),
    Variant("create-ignores-disposition", "LAPOR-LIFE-001", "every complaint is disposed to the integrator itself",
            model.create_ignores_disposition, **LIFECYCLE),
    Variant("reroute-refused", "LAPOR-ROUTE-001", "every reroute answers 422", model.reroute_refused, **LIFECYCLE),
    Variant("reroute-to-unknown-accepted", "LAPOR-ROUTE-002", "rerouting to a non-existent institution works",
            model.reroute_to_unknown_accepted, **{**LIFECYCLE, "max_examples": 18}),
    Variant("reroute-ignored", "LAPOR-ROUTE-003", "a reroute answers 200 and changes nothing",
            model.reroute_ignored, **LIFECYCLE),
    Variant("followup-add-refused", "LAPOR-FU-001", "every follow-up answers 422", model.followup_add_refused,
            **LIFECYCLE),
    Variant("followups-not-stored", "LAPOR-FU-002", "a follow-up is accepted but never listed",
            model.followups_not_stored, **LIFECYCLE),
    Variant("followups-newest-first", "LAPOR-FU-003", "the follow-up log is listed newest first",
            model.followups_newest_first, **LIFECYCLE),
    Variant("followup-attachments-dropped", "LAPOR-FU-004", "listed follow-ups lose their attachments",
            model.followup_attachments_dropped, **LIFECYCLE),
    # HTTP behaviour
    Variant("crashes-on-followup-files", "LAPOR-ERR-001", "a follow-up with files is a 500",
            model.crashes_on_followup_files, **LIFECYCLE),
    Variant("accepts-invalid-template-query", "LAPOR-VAL-001", "an invalid page_size is ignored, not refused",
            model.accepts_invalid_template_query, pytest_args=only("templates]")),
    Variant("rejects-category-15", "LAPOR-VAL-002", "a valid category (15, S5) is refused",
            model.rejects_category_15, **LIFECYCLE),
    Variant("reroute-as-text-plain", "LAPOR-HTTP-001", "reroute answers JSON as text/plain",
            model.reroute_as_text_plain, **LIFECYCLE),
    Variant("detail-json-as-html", "LAPOR-HTTP-001", "the detail's JSON is labelled text/html",
            model.detail_json_as_html, **LIFECYCLE),
    # privacy and object-level authorisation (need the second institution)
    Variant("anonymous-reporter-shown", "LAPOR-PRIV-001", "the detail shows the reporter of anonymous complaints",
            model.anonymous_reporter_shown, **PRIVACY),
    Variant("reporter-in-header", "LAPOR-PRIV-001", "an anonymous complaint's detail names its reporter in a header",
            privacy.reporter_in_header, **PRIVACY),
    Variant("reporter-in-id-field", "LAPOR-PRIV-001", "an anonymous complaint's detail has `reporter_id`: the phone",
            privacy.reporter_in_id_field, **PRIVACY),
    Variant("reporter-url-encoded", "LAPOR-PRIV-001", "an anonymous complaint's detail links the e-mail, URL-encoded",
            privacy.reporter_url_encoded, **PRIVACY),
    Variant("debug-leaks-complaint", "LAPOR-PRIV-002", "a hidden complaint's 404 carries its title (debug)",
            model.debug_leaks_complaint, **PRIVACY),
    Variant("debug-leaks-log", "LAPOR-PRIV-004", "a hidden complaint's 404 carries its latest log entries (debug)",
            model.debug_leaks_log, **PRIVACY),
    Variant("open-complaints-readable-by-all", "LAPOR-AUTHZ-001", "any institution reads non-secret complaints",
            model.open_complaints_readable_by_all, **PRIVACY),
    Variant("other-institution-may-reply", "LAPOR-AUTHZ-002", "any institution may post follow-ups and reroute",
            model.other_institution_may_reply, **PRIVACY),
    Variant("refused-act-still-applied", "LAPOR-AUTHZ-002", "another institution is told 404, its act is applied",
            model.other_institution_acts_behind_refusal, **PRIVACY),
    # dates and page size, each reported under its own requirement (not as a clock or data-loss finding)
    Variant("dates-month-first", "LAPOR-DATA-002", "every date is written m-d-Y (12-04-2026 for 4 December)",
            wire.dates_month_first, **{**LIFECYCLE, "pytest_args": "-k 'lifecycle or followups]'"}),
    Variant("page-size-only-first-page", "LAPOR-PAGE-003", "master lists honour page_size on page 1 only",
            wire.page_size_only_first_page, pytest_args=only("external]")),
    Variant("next-page-url-forgets-page-size", "LAPOR-PAGE-004", "master lists' next_page_url drops page_size",
            wire.next_page_url_forgets_page_size, pytest_args=only("external]")),
    # credentials: near misses, empty values, base64 echoes
    Variant("token-prefix-compare", "LAPOR-AUTH-003", "a token is compared on its first N-1 characters only",
            auth.token_prefix_compare, **LIFECYCLE),
    Variant("key-prefix-compare", "LAPOR-AUTH-003", "the bearer key is compared on its first 40 characters only",
            auth.key_prefix_compare, **LIFECYCLE),
    Variant("empty-token-accepted", "LAPOR-AUTH-001", "an empty token header falls back to the default token",
            auth.empty_token_accepted, **LIFECYCLE),
    Variant("empty-bearer-accepted", "LAPOR-AUTH-002", "`Bearer ` with no key falls back to the default key",
            auth.empty_bearer_accepted, **LIFECYCLE),
    Variant("token-in-cookie-base64", "LAPOR-AUTH-005", "answers set a cookie holding base64 of the token",
            auth.token_in_cookie_base64, **LIFECYCLE),
    # privacy and authorisation behind a quick look: later log pages, split names, numbers, refused acts
    Variant("followup-page2-unchecked", "LAPOR-AUTHZ-001", "another institution refused page 1 of a log gets page 2",
            authz.followup_later_pages_unchecked, **PRIVACY),
    Variant("followup-page2-refusal-leaks", "LAPOR-PRIV-004", "a refused later log page carries its entries (debug)",
            authz.followup_later_page_refusal_shows_log, **PRIVACY),
    Variant("refused-reroute-logged", "LAPOR-AUTHZ-002", "another institution's refused reroute is logged anyway",
            authz.refused_reroute_logged, **PRIVACY),
    Variant("anon-name-split", "LAPOR-PRIV-001", "an anonymous complaint's detail has the reporter's first/last name",
            privacy.reporter_name_split, **PRIVACY),
    Variant("anon-nik-number", "LAPOR-PRIV-001", "an anonymous complaint's detail has a NIK as a JSON number",
            privacy.nik_as_number, **PRIVACY),
    # what the detail and the log show of the model's complaints (tests/broken/defects_lifecycle.py)
    Variant("followup-secret-overwritten", "LAPOR-FU-003", "a new follow-up rewrites is_secret of the earlier ones",
            lifecycle.followup_secret_overwritten, **LIFECYCLE),
    Variant("detail-dates-utc", "LAPOR-DATA-007", "the detail's dates are UTC, the follow-up list WIB",
            lifecycle.detail_dates_utc, **LIFECYCLE),
    Variant("attachment-wrong-file", "LAPOR-CREATE-004", "detail attachment ids right, files of other documents",
            lifecycle.attachment_wrong_file, **LIFECYCLE),
    Variant("detail-content-truncated", "LAPOR-LIFE-001", "the detail's title and content are cut to 30 characters",
            lifecycle.detail_content_truncated, **LIFECYCLE),
    Variant("status-moves-back", "LAPOR-LIFE-001", "a refused reroute puts a verified complaint back to unverified",
            lifecycle.status_moves_back, **{**LIFECYCLE, "max_examples": 18}),
    Variant("followup-stored-twice", "LAPOR-FU-002", "every follow-up is inserted twice",
            lifecycle.followup_stored_twice, **LIFECYCLE),
    Variant("upload-ids-repeat", "LAPOR-UPLOAD-001", "every document of an upload has the last one's id",
            lifecycle.upload_ids_repeat, **LIFECYCLE),
    Variant("create-answers-other-status", "LAPOR-CREATE-003", "the create answer names another first status",
            lifecycle.create_answers_other_status, **LIFECYCLE),
    Variant("data-logs-null-when-empty", "LAPOR-ENV-003", "the detail's data_logs is null while the log is empty",
            lifecycle.data_logs_null_when_empty),  # every suite: generated creates go without a disposition
]
