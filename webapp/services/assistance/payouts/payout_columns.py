"""A payout file's columns and cells: the headers banks, PT Pos and SIKS-NG realisation files
use, and their words for an outcome (*Sukses*, *Tersalur*; *Gagal*, *Retur*), for why a
payment came back (*rekening pasif*, *meninggal*), and for a collection by proxy
(*diwakilkan*), read into what a round's line records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from forms.fields import parse_rupiah

from ...registry.identity import check_kk, check_nik, clean_number
from ...registry.importing.columns import read_date, said_yes
from ...registry.keys import name_key

# Field -> the headers payout files use for it (compared as name keys: "No. KK" = "no kk").
HEADERS: dict[str, tuple[str, ...]] = {
    "kk_number": ("no kk", "nomor kk", "nokk", "kk", "no kartu keluarga", "nomor kartu keluarga",
                  "no kk kpm", "nomor kk kpm", "no kk penerima", "nomor kk penerima"),
    "nik": ("nik", "no nik", "nomor nik", "nik penerima", "nik kpm", "nik pengurus", "no ktp",
            "nik ktp", "nomor induk kependudukan", "nik penerima manfaat"),
    "name": ("nama", "nama kpm", "nama penerima", "nama pengurus", "nama lengkap",
             "nama penerima manfaat", "nama kepala keluarga"),
    "amount": ("nominal", "jumlah", "nilai bantuan", "nilai", "jumlah bantuan",
               "nominal bantuan", "nilai salur", "nominal salur", "jumlah salur",
               "jumlah diterima", "besaran bantuan", "jumlah uang", "nominal rp", "jumlah rp"),
    "status": ("status", "status salur", "status penyaluran", "status transaksi",
               "status pembayaran", "status realisasi", "status bayar", "hasil"),
    "reason": ("keterangan", "alasan", "alasan retur", "keterangan retur", "alasan gagal",
               "ket", "catatan", "alasan tidak tersalur", "keterangan gagal",
               "alasan pengembalian"),
    "paid_on": ("tanggal salur", "tanggal transaksi", "tgl salur", "tgl transaksi",
                "tanggal penyaluran", "tanggal", "tgl", "tanggal bayar", "tgl bayar",
                "tanggal realisasi", "tanggal pembayaran"),
    "proxy": ("diwakilkan", "kuasa", "status kuasa", "diwakili", "pengambilan diwakilkan"),
    "proxy_name": ("nama penerima kuasa", "nama kuasa", "nama pengambil", "nama yang mewakili",
                   "nama wakil", "penerima kuasa", "nama yang mengambil"),
    "proxy_relation": ("hubungan", "hubungan kuasa", "hubungan penerima kuasa",
                       "hubungan dengan kpm", "hubungan keluarga", "hubungan dengan penerima"),
}

# A row names its family by No. KK or by the NIK of one of its members.
REQUIRED = (("kk_number", "nik"),)

FIELD_LABELS = {
    "kk_number": _l("KK number"), "nik": _l("NIK"), "name": _l("Name"),
    "amount": _l("Amount (Rp)"), "status": _l("Payout status"),
    "reason": _l("Reason (keterangan)"), "paid_on": _l("Date paid"),
    "proxy": _l("Collected by a proxy (diwakilkan)"), "proxy_name": _l("Name of the proxy"),
    "proxy_relation": _l("Proxy's relation to the family"),
}

OUTCOME_LABELS = {
    "matched": _l("Received"), "returned": _l("Returned (retur)"),
    "unknown": _l("Unknown family"), "outside": _l("Not in this round"),
    "duplicate": _l("Second row of a family"), "rejected": _l("Unreadable"),
}
APPLIED = ("matched", "returned")
UNMATCHED = ("rejected", "unknown", "outside", "duplicate")

# Words of an outcome (name keys, matched as words inside the cell): a return first, as
# "tidak tersalur" holds "tersalur".
_RETURNED = ("gagal", "retur", "return", "returned", "dikembalikan", "kembali", "tidak tersalur",
             "tidak salur", "belum tersalur", "tidak diterima", "failed", "batal", "ditolak",
             "reject", "rejected", "tidak terbayar")
_RECEIVED = ("sukses", "berhasil", "tersalur", "salur", "sudah salur", "diterima", "terbayar",
             "dibayar", "lunas", "paid", "success", "selesai", "ok", "cair", "sudah cair")

# Why a payment came back -> the line's reason (checked in this order, as words).
_REASONS = (
    ("died", ("meninggal", "wafat", "almarhum", "almarhumah", "md")),
    ("moved", ("pindah", "pindah domisili", "pindah alamat")),
    ("duplicate", ("ganda", "data ganda", "duplikat", "double", "dobel")),
    ("card_problem", ("rekening", "rek", "kartu", "kks", "pin", "blokir", "diblokir", "pasif",
                      "dormant", "tidak aktif", "atm", "buku tabungan")),
    ("not_eligible", ("mampu", "tidak layak", "tidak memenuhi syarat", "tms", "graduasi",
                      "mengundurkan diri")),
    ("not_found", ("tidak ditemukan", "tidak dikenal", "alamat tidak jelas", "tidak ditemui")),
    ("refused", ("menolak", "tolak", "ditolak kpm")),
    ("absent", ("tidak hadir", "tidak datang", "tidak mengambil", "tidak diambil")),
)
_NO_NAME = {"", "tidak", "tidak ada", "t", "n", "no", "none", "nihil", "0"}
_PROXY_YES = {"ya", "y", "yes", "1", "diwakilkan", "diwakili", "kuasa", "iya", "benar"}


@dataclass
class Payout:
    """What one row of a payout file says about its family."""

    kk: Any = None
    nik: Any = None
    name: str = ""
    received: bool = True
    amount: int | None = None
    paid_on: str = ""
    reason: str = ""
    note: str = ""
    received_by: str = "recipient"
    proxy_name: str = ""
    proxy_relation: str = ""
    problems: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {"name": self.name, "received": self.received, "amount": self.amount,
                "paid_on": self.paid_on, "reason": self.reason, "note": self.note,
                "received_by": self.received_by, "proxy_name": self.proxy_name,
                "proxy_relation": self.proxy_relation}


def read_payout(raw: dict[str, Any]) -> Payout:
    """One row's cells (by field) as a payout; what cannot be read goes to ``problems``."""
    found = Payout(kk=raw.get("kk_number"), nik=raw.get("nik"),
                   name=" ".join(str(raw.get("name") or "").split())[:120])
    status = name_key(raw.get("status"))
    said = " ".join(str(raw.get("reason") or "").split())[:300]
    if status:
        outcome = _outcome(status)
        if outcome is None:
            found.problems.append(gettext("Unknown payout status: %(value)s (write Sukses or "
                                          "Retur).", value=str(raw.get("status"))[:40]))
        found.received = bool(outcome)
    if "paid_on" in raw and name_key(raw.get("paid_on")):
        day, problem = read_date(raw["paid_on"])
        found.paid_on = day if isinstance(day, str) and day else ""
        if problem and found.received:
            found.problems.append(problem)
    if found.received:
        found.amount = _amount(raw.get("amount"), found.problems)
        _proxy(found, raw)
        found.note = said
    else:
        found.reason, found.note = why_returned(said)
        if not found.note:  # the file gives no reason: its status says what happened
            found.note = " ".join(str(raw.get("status") or "").split())[:300]
    return found


def _outcome(status: str) -> bool | None:
    words = f" {status} "
    if any(f" {word} " in words for word in _RETURNED):
        return False
    if any(f" {word} " in words for word in _RECEIVED):
        return True
    return None


def why_returned(text: str) -> tuple[str, str]:
    """A return's reason from the file's words, and the note kept beside it: *other* with the
    text itself when no reason is recognised ("tidak mampu" is poor, not well-off)."""
    words = f" {name_key(text).replace('tidak mampu', '')} "
    for reason, spellings in _REASONS:
        if any(f" {spelling} " in words for spelling in spellings):
            return reason, text
    return "other", text


def _amount(cell: Any, problems: list[str]) -> int | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None  # the line's entitled amount
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        value = int(round(cell))
    else:
        try:
            value = parse_rupiah(str(cell)[:60])
        except ValueError:
            problems.append(gettext("Unreadable amount: %(value)s (write it as 600.000).",
                                    value=str(cell)[:40]))
            return None
    if not 0 <= value <= 10**12:
        problems.append(gettext("Unreadable amount: %(value)s (write it as 600.000).",
                                value=str(cell)[:40]))
        return None
    return value


def _proxy(found: Payout, raw: dict[str, Any]) -> None:
    """Collected by a proxy (diwakilkan): said in its own column, or by the proxy's name."""
    said = raw.get("proxy")
    name = " ".join(str(raw.get("proxy_name") or "").split())[:120]
    if name_key(name) in _NO_NAME:
        name = ""
    if name_key(said) and name_key(said) not in _PROXY_YES and said_yes(said) and not name:
        name = " ".join(str(said).split())[:120]  # the column holds the proxy's name
    if not (name or name_key(said) in _PROXY_YES):
        return
    if len(name) < 2:
        found.problems.append(gettext("Collected by a proxy, but the file has no name of who "
                                      "collected it."))
        return
    found.received_by, found.proxy_name = "proxy", name
    found.proxy_relation = " ".join(str(raw.get("proxy_relation") or "").split())[:40]


def as_date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def readable_numbers(given: Payout, on: dt.date) -> tuple[str, str]:
    """The row's No. KK and NIK when they pass the registry's rules ("" otherwise); when
    neither does, the row cannot be matched and says why."""
    kk = nik = ""
    errors: list[str] = []
    if clean_number(given.kk):
        checked = check_kk(given.kk, on)
        kk = "" if checked.errors else checked.number
        errors += [str(e) for e in checked.errors]
    if clean_number(given.nik):
        checked = check_nik(given.nik, on)
        nik = "" if checked.errors else checked.number
        errors += [str(e) for e in checked.errors]
    if not (kk or nik):
        given.problems.extend(errors or [gettext("No No. KK or NIK in this row.")])
    return kk, nik
