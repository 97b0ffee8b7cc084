"""The sample agency's integration flows: intake (demo data), forward, poll, reply.

forward: sync masters → for each new complaint: upload its files → create it disposed to our own
         institution → request re-routing ("Bukan Wewenang") to the real target, when the target
         is in LAPOR's institution list (LMW's flow, S3).
poll:    for each forwarded complaint that is due (at most once per poll interval): read its detail,
         then every follow-up page until `next_page_url` is null.
reply:   post one reply per complaint, within the content and attachment limits.

Every flow handles LAPOR errors per complaint, logs them, and carries on; a flow only fails on a
bug. Reporter identity never goes into free text: an anonymous complaint is sent without it, a
named one carries it in the dedicated reporter fields only.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date
from typing import Any

from examples.agency_integrator.config import Config
from examples.agency_integrator.lapor import Ambiguous, LaporClient, LaporError
from examples.agency_integrator.store import AgencyStore

log = logging.getLogger("agency_integrator")
CHANNEL = 13          # LMW admin's channel id (S4)
CLASSIFICATION = 6    # LMW sends 6 (S4)
LOCATION = 34         # "Nasional" (S4)
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


class Integrator:
    def __init__(self, config: Config, store: AgencyStore, client: LaporClient | None = None,
                 clock: Any = time.time) -> None:
        self.config, self.store = config, store
        self.client = client or LaporClient(config)
        self.clock = clock
        self.events: list[str] = []

    def close(self) -> None:
        self.client.close()

    def note(self, message: str) -> None:
        self.events.append(message)
        log.info(message)

    # ------------------------------------------------------------------ intake
    def intake_demo(self, count: int = 2) -> list[int]:
        """Citizens' complaints arriving in the agency's own app (demo data, fictional people)."""
        created = []
        for _ in range(count):
            number = self.store.next_number()
            if number % 2:
                created.append(self.store.add_complaint(
                    f"Jalan berlubang di Jalan Khatib Sulaiman (aduan #{number})",
                    f"Jalan berlubang cukup dalam di Jalan Khatib Sulaiman, Kota Padang, membahayakan pengendara "
                    f"motor setiap malam. Mohon segera diperbaiki. (aduan #{number})",
                    reporter={"name": "Siti Rahmawati", "nik": "3171014502900003", "phone": "081234567890",
                              "email": "siti.rahmawati@contoh.id"},
                    is_anonymous=True, category_id=8, target_institution_id="12838",
                    date_of_incident=date.today().isoformat(),
                    attachments=[(f"jalan-{number}.jpg", "image/jpeg", TINY_JPEG)]))
            else:
                created.append(self.store.add_complaint(
                    f"Antrean layanan kependudukan terlalu lama (aduan #{number})",
                    f"Antrean perekaman KTP-el di kantor kecamatan berlangsung lebih dari lima jam tanpa nomor "
                    f"antrean daring. (aduan #{number})",
                    reporter={"name": "Budi Santoso", "nik": "3273011203850001", "phone": "+6281398765432",
                              "email": "budi.santoso@contoh.id"},
                    is_anonymous=False, category_id=18, target_institution_id="100027",
                    attachments=[(f"antrean-{number}.pdf", "application/pdf", TINY_PDF),
                                 (f"foto-{number}.png", "image/png", TINY_PNG)]))
        return created

    # ------------------------------------------------------------------ masters
    def sync_masters(self) -> bool:
        try:
            institutions = self.client.institutions()
            templates = self.client.templates()
        except LaporError as error:
            self.note(f"master sync failed: {error}")
            return False
        self.store.replace_institutions([(str(row["id"]), str(row.get("name") or "")) for row in institutions
                                         if row.get("id") is not None])
        self.store.replace_templates([(str(row.get("template_code")), row.get("title"), row.get("type"),
                                       row.get("content")) for row in templates if row.get("template_code")])
        return True

    # ------------------------------------------------------------------ forward
    def create_body(self, complaint: dict[str, Any], doc_ids: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": complaint["title"], "content": complaint["content"], "channel": CHANNEL,
            "is_inbox": True, "is_disposisi_slider": True, "disposition_id": int(self.config.institution_id),
            "info_disposition": None, "classification_id": CLASSIFICATION, "category_id": complaint["category_id"],
            "location_id": LOCATION, "priority_program_id": None, "community_id": None, "copy_externals": None,
            "tags_raw": "#contohinstansi", "is_anonymous": bool(complaint["is_anonymous"]),
            "is_secret": bool(complaint["is_secret"]), "is_priority": False, "is_approval": False,
            "attachments": "[" + ",".join(doc_ids) + "]",
        }
        if complaint.get("date_of_incident"):
            body["date_of_incident"] = complaint["date_of_incident"]
        if complaint["is_anonymous"] or not complaint.get("reporter_name"):
            body["user_id"] = self.config.user_id
        else:  # the reporter is registered through the dedicated fields (S5), never in `content`
            body.update(is_new_user_slider=True, nameUser=complaint["reporter_name"],
                        emailUser=complaint.get("reporter_email") or "", phoneUser=complaint.get("reporter_phone") or "")
        return body

    def upload_attachments(self, complaint: dict[str, Any]) -> list[str]:
        rows = self.store.attachments(complaint["id"])
        pending = [row for row in rows if not row["lapor_doc_id"]]
        if pending:
            doc_ids = self.client.upload([(row["file_name"], row["content_type"], row["data"]) for row in pending])
            if len(doc_ids) != len(pending):
                raise LaporError(200, f"{len(pending)} files uploaded, {len(doc_ids)} documents returned")
            for row, doc_id in zip(pending, doc_ids):
                self.store.set_doc_id(row["id"], doc_id)
        return [row["lapor_doc_id"] for row in self.store.attachments(complaint["id"])]

    def reroute_target(self, complaint: dict[str, Any]) -> str | None:
        target = complaint.get("target_institution_id")
        if not target or target == self.config.institution_id:
            return None
        if target not in self.store.institution_ids():
            self.note(f"complaint {complaint['id']}: target {target} is not in LAPOR's institution list; not rerouted")
            return None
        return target

    def forward(self) -> dict[str, int]:
        self.sync_masters()
        tally = {"forwarded": 0, "failed": 0, "unknown": 0}
        for complaint in self.store.complaints_to_forward():
            self.store.update(complaint["id"], forward_state="sending")
            try:
                doc_ids = self.upload_attachments(complaint)
                lapor_id = self.client.create(self.create_body(complaint, doc_ids))
            except Ambiguous as error:
                # Maybe created, maybe not: LAPOR offers no idempotency key, so no blind retry.
                self.store.update(complaint["id"], forward_state="unknown", forward_error=str(error)[:500])
                tally["unknown"] += 1
                self.note(f"complaint {complaint['id']}: forwarding outcome unknown ({error}); operator must check")
                continue
            except LaporError as error:
                self.store.update(complaint["id"], forward_state="failed", forward_error=str(error)[:500])
                tally["failed"] += 1
                self.note(f"complaint {complaint['id']}: forwarding failed ({error})")
                continue
            target = self.reroute_target(complaint)
            self.store.update(complaint["id"], lapor_id=lapor_id, forward_state="forwarded",
                              reroute_state="pending" if target else "none", next_check=self.clock())
            tally["forwarded"] += 1
        for complaint in self.store.complaints_to_reroute():
            self.reroute(complaint)
        return tally

    def reroute(self, complaint: dict[str, Any]) -> None:
        target = self.reroute_target(complaint)
        if target is None:
            self.store.update(complaint["id"], reroute_state="none")
            return
        try:
            self.client.reroute(complaint["lapor_id"], target,
                                "Bukan wewenang instansi kami; mohon dialihkan ke instansi yang berwenang.")
        except Ambiguous as error:
            self.note(f"complaint {complaint['id']}: reroute outcome unknown ({error}); retried next run")
            return
        except LaporError as error:
            state = "failed" if 400 <= error.status < 500 else "pending"
            self.store.update(complaint["id"], reroute_state=state)
            self.note(f"complaint {complaint['id']}: reroute failed ({error})")
            return
        self.store.update(complaint["id"], reroute_state="done")

    # ------------------------------------------------------------------ poll
    def due_for_poll(self, complaint: dict[str, Any], now: float) -> bool:
        return complaint["next_check"] is None or complaint["next_check"] <= now

    def poll(self) -> dict[str, int]:
        now = self.clock()
        tally = {"checked": 0, "failed": 0, "skipped": 0}
        for complaint in self.store.forwarded():
            if not self.due_for_poll(complaint, now):
                tally["skipped"] += 1
                continue
            # Scheduled before the calls: a failed check also waits a full interval (LMW waits 60 min).
            self.store.update(complaint["id"], last_checked=now, next_check=now + self.config.poll_interval_s)
            try:
                results = self.client.detail(complaint["lapor_id"])
                data = results.get("data") if isinstance(results.get("data"), dict) else {}
                logs = data.get("status_logs") if isinstance(data.get("status_logs"), list) else []
                note = logs[0].get("note") if logs and isinstance(logs[0], dict) else None
                self.store.update(complaint["id"], status_name=data.get("status_name"),
                                  disposition_name=data.get("disposition_name"), last_note=note)
                for page in self.client.followup_pages(complaint["lapor_id"]):
                    self.store.add_followups(complaint["id"], page)
            except LaporError as error:
                tally["failed"] += 1
                self.note(f"complaint {complaint['id']}: status check failed ({error})")
                continue
            tally["checked"] += 1
        return tally

    # ------------------------------------------------------------------ reply
    def reply_content(self, complaint: dict[str, Any]) -> str:
        where = complaint.get("disposition_name") or "instansi terkait"
        text = (f"Terima kasih atas laporan Anda (aduan #{complaint['id']}). Laporan sedang ditindaklanjuti "
                f"oleh {where}. Status terakhir: {complaint.get('status_name') or 'belum diketahui'}.")
        return text[: self.config.reply_max_chars]

    def reply_files(self, complaint: dict[str, Any]) -> list[tuple[str, str, bytes]]:
        return [(f"tanggapan-{complaint['id']}.pdf", "application/pdf", TINY_PDF)][: self.config.reply_max_files]

    def reply(self) -> dict[str, int]:
        tally = {"sent": 0, "failed": 0, "unknown": 0}
        templates_known = self.store.has_template("reply_lmw")
        for complaint in self.store.forwarded():
            if complaint["reply_state"] != "none" or complaint["last_checked"] is None:
                continue
            fields = {"complaint_id": complaint["lapor_id"], "user_id": self.config.user_id,
                      "institution_from_id": self.config.institution_id, "institution_to_id": self.config.institution_id,
                      "template_code": "reply_lmw" if templates_known else None, "rating": 0,
                      "is_secret": int(bool(complaint["is_secret"])), "content": self.reply_content(complaint)}
            try:
                self.client.add_followup(fields, self.reply_files(complaint))
            except Ambiguous as error:
                self.store.update(complaint["id"], reply_state="unknown")
                tally["unknown"] += 1
                self.note(f"complaint {complaint['id']}: reply outcome unknown ({error})")
                continue
            except LaporError as error:
                self.store.update(complaint["id"], reply_state="failed")
                tally["failed"] += 1
                self.note(f"complaint {complaint['id']}: reply failed ({error})")
                continue
            self.store.update(complaint["id"], reply_state="sent")
            tally["sent"] += 1
        return tally


def summary(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False)
