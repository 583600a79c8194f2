"""A national list's columns (a SIKS-NG export of PKH, Sembako/BPNT or PBI-JK): the headers
the exports use for the family's No. KK, the NIK and name of its pengurus, its desa, and the
amount per family (the sum of its PKH components, say), and each row's outcome."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Field -> the headers SIKS-NG exports use for it (compared as name keys: "No. KK" = "no kk").
HEADERS: dict[str, tuple[str, ...]] = {
    "kk_number": ("no kk", "nomor kk", "nokk", "kk", "no kartu keluarga", "nomor kartu keluarga",
                  "no kk kpm", "nomor kk kpm", "no kk penerima", "nomor kk penerima",
                  "no kk pengurus"),
    "nik": ("nik", "no nik", "nomor nik", "nik penerima", "nik kpm", "nik pengurus", "no ktp",
            "nik ktp", "nomor induk kependudukan", "nik penerima manfaat", "nik pengurus kpm"),
    "name": ("nama", "nama kpm", "nama penerima", "nama pengurus", "nama lengkap",
             "nama penerima manfaat", "nama pengurus kpm", "nama kepala keluarga"),
    "desa": ("desa", "kelurahan", "desa kelurahan", "nama desa", "nama kelurahan", "kel desa"),
    "amount": ("nominal", "jumlah", "nilai bantuan", "nilai", "jumlah bantuan",
               "nominal bantuan", "besaran bantuan", "total bantuan", "total nominal",
               "nominal komponen", "jumlah komponen", "indeks bantuan", "nominal rp"),
}

# A row names its family by No. KK or by the NIK of one of its members.
REQUIRED = (("kk_number", "nik"),)

FIELD_LABELS = {
    "kk_number": _l("KK number"), "nik": _l("NIK"), "name": _l("Name of the pengurus"),
    "desa": _l("Desa / kelurahan"), "amount": _l("Amount per round (Rp)"),
}

OUTCOME_LABELS = {
    "matched": _l("Will be enrolled"), "listed": _l("On the list already"),
    "unknown": _l("Not in the registry"), "duplicate": _l("Second row of a family"),
    "rejected": _l("Unreadable"),
}
APPLIED = ("matched",)
WORKLIST = ("unknown", "rejected")  # the rows the office follows up (register, correct)
