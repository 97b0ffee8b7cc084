"""Public master data and a few known complaints for the simulator.

Institution names are real Indonesian K/L/D. Only two ids are public facts (S3, S4 code comments):
12838 is "Pemerintah Kota Padang" and 151345 is the integrator's own institution (Lapor Mas Wapres!).
Every other id below is invented for the simulator. Category names are the list S4 keeps; their ids are
unknown, so the ids here are invented too. Seeded complaints are fictional and hold no personal data.
"""

from __future__ import annotations

import json

PADANG_ID = "12838"
LMW_ID = "151345"

INSTITUTIONS: list[tuple[str, str]] = [
    (PADANG_ID, "Pemerintah Kota Padang"),
    (LMW_ID, "Lapor Mas Wapres! (Sekretariat Wakil Presiden)"),
    ("100001", "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi"),
    ("100002", "Kementerian Dalam Negeri"),
    ("100003", "Kementerian Keuangan"),
    ("100004", "Kementerian Kesehatan"),
    ("100005", "Kementerian Pendidikan Dasar dan Menengah"),
    ("100006", "Kementerian Agama"),
    ("100007", "Kementerian Sosial"),
    ("100008", "Kementerian Perhubungan"),
    ("100009", "Kementerian Pekerjaan Umum"),
    ("100010", "Kementerian Ketenagakerjaan"),
    ("100011", "Kementerian Pertanian"),
    ("100012", "Kementerian Lingkungan Hidup"),
    ("100013", "Kementerian Komunikasi dan Digital"),
    ("100014", "Kementerian Agraria dan Tata Ruang/Badan Pertanahan Nasional"),
    ("100015", "Kementerian Desa dan Pembangunan Daerah Tertinggal"),
    ("100016", "Badan Kepegawaian Negara"),
    ("100017", "Badan Pengawas Obat dan Makanan"),
    ("100018", "Kepolisian Negara Republik Indonesia"),
    ("100019", "Ombudsman Republik Indonesia"),
    ("100020", "BPJS Kesehatan"),
    ("100021", "BPJS Ketenagakerjaan"),
    ("100022", "PT PLN (Persero)"),
    ("100023", "Pemerintah Provinsi Sumatera Barat"),
    ("100024", "Pemerintah Provinsi DKI Jakarta"),
    ("100025", "Pemerintah Provinsi Jawa Barat"),
    ("100026", "Pemerintah Provinsi Jawa Timur"),
    ("100027", "Pemerintah Kota Bandung"),
    ("100028", "Pemerintah Kota Surabaya"),
    ("100029", "Pemerintah Kota Medan"),
    ("100030", "Pemerintah Kota Makassar"),
    ("100031", "Pemerintah Kabupaten Tasikmalaya"),
]

TEMPLATES: list[dict[str, str]] = [
    {
        "id": "1",
        "template_code": "disposition",
        "title": "Disposisi",
        "type": "system",
        "content": "Laporan didisposisikan dari {{institution_from}} kepada {{institution_to}}. "
                   "Status: {{status_old}} menjadi {{status_new}}. (templat contoh simulator)",
    },
    {
        "id": "2",
        "template_code": "reply_lmw",
        "title": "Balasan Lapor Mas Wapres!",
        "type": "reply",
        "content": "Terima kasih atas laporan Anda. Laporan sedang ditindaklanjuti oleh {{institution}}. "
                   "(templat contoh simulator)",
    },
]

CATEGORY_NAMES: list[str] = [
    "Agama", "Corona Virus", "Ekonomi dan Keuangan", "Kesehatan", "Kesetaraan Gender dan Sosial Inklusif",
    "Ketentraman, Ketertiban Umum, dan Perlindungan Masyarakat", "Lingkungan Hidup dan Kehutanan",
    "Pekerjaan Umum dan Penataan Ruang", "Pembangunan Desa, Daerah Tertinggal, dan Transmigrasi",
    "Pendidikan dan Kebudayaan", "Pertanian dan Peternakan", "Politik dan Hukum", "Politisasi ASN",
    "Sosial dan Kesejahteraan", "SP4N Lapor", "Energi dan Sumber Daya Alam", "Kekerasan di Satuan Pendidikan",
    "Kependudukan", "Ketenagakerjaan", "Netralitas ASN", "Pemulihan Ekonomi Nasional", "P4GN", "Mudik",
    "Perairan", "Perhubungan", "Perlindungan Konsumen", "Teknologi Informasi dan Komunikasi", "Topik Khusus",
    "Topik Lainnya",
]
CATEGORIES: list[tuple[int, str]] = [(index, name) for index, name in enumerate(CATEGORY_NAMES, start=1)]

# The document id in LMW's example body ("[4199656]"), so the spec's example create call resolves.
DOCUMENTS: list[dict[str, object]] = [
    {"id": 4199656, "file_name": "foto-jalan-berlubang.jpg", "extension": "jpg",
     "content_type": "image/jpeg", "size": 0, "created_at": "2025-02-10 09:00:00"},
]
FIRST_DOCUMENT_ID = 4200000
FIRST_COMPLAINT_ID = 10000100

STATUS_UNVERIFIED = (0, "Belum Terverifikasi")
STATUS_VERIFIED = (1, "Terverifikasi")
STATUS_IN_PROCESS = (2, "Dalam Proses")


def status_change(old: str | None, new: str | None) -> str:
    """The `data` JSON string of a log entry: status_old / status_new, each {name}."""
    return json.dumps({"status_old": {"name": old} if old else None,
                       "status_new": {"name": new} if new else None}, ensure_ascii=False)


# Known complaints: id, title, content, status, disposition, created_at (WIB, stored as Y-m-d H:i:s).
COMPLAINTS: list[dict[str, object]] = [
    {"id": 10000001, "title": "Jalan berlubang di Jalan Khatib Sulaiman",
     "content": "Jalan berlubang cukup dalam di Jalan Khatib Sulaiman, Kota Padang, membahayakan pengendara.",
     "status": STATUS_IN_PROCESS, "disposition_id": PADANG_ID, "channel": 13, "classification_id": 6,
     "category_id": 8, "location_id": 34, "tags_raw": "#lapormaswapres", "created_at": "2025-01-20 08:15:00"},
    {"id": 10000002, "title": "Antrean layanan BPJS Kesehatan terlalu lama",
     "content": "Antrean pendaftaran di kantor cabang berlangsung lebih dari lima jam tanpa nomor antrean daring.",
     "status": STATUS_UNVERIFIED, "disposition_id": LMW_ID, "channel": 13, "classification_id": 6,
     "category_id": 4, "location_id": 34, "tags_raw": "#lapormaswapres", "created_at": "2025-02-03 10:30:00"},
    {"id": 10000003, "title": "Lampu penerangan jalan padam",
     "content": "Lampu penerangan jalan umum di kawasan Pantai Padang padam sejak dua minggu.",
     "status": STATUS_UNVERIFIED, "disposition_id": None, "channel": 26, "classification_id": 6,
     "category_id": 8, "location_id": 34, "tags_raw": "", "created_at": "2025-02-05 19:45:00"},
]


def _followups_for_first_complaint() -> list[dict[str, object]]:
    """Twelve log entries (more than one follow-up page) for complaint 10000001."""
    entries: list[dict[str, object]] = [
        {"template_code": "disposition", "from": LMW_ID, "to": PADANG_ID, "content": None,
         "data": status_change("Belum Terverifikasi", "Terverifikasi"), "kind": "disposition",
         "created_at": "2025-01-20 09:00:00"},
    ]
    for number in range(1, 12):
        entries.append({
            "template_code": "reply_lmw" if number % 3 else None,
            "from": PADANG_ID, "to": PADANG_ID,
            "content": f"Tindak lanjut ke-{number}: tim Dinas PUPR Kota Padang telah meninjau lokasi.",
            "data": status_change("Terverifikasi" if number == 1 else "Dalam Proses", "Dalam Proses"),
            "kind": "followup",
            "created_at": f"2025-01-{20 + number:02d} {8 + number % 9:02d}:{(number * 7) % 60:02d}:00",
        })
    return entries


FOLLOWUPS: dict[int, list[dict[str, object]]] = {
    10000001: _followups_for_first_complaint(),
    10000002: [
        {"template_code": "disposition", "from": None, "to": LMW_ID, "content": None,
         "data": status_change(None, "Belum Terverifikasi"), "kind": "disposition",
         "created_at": "2025-02-03 10:30:00"},
    ],
}
