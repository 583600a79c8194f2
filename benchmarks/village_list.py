"""A village list as village offices send it (one row per person, Indonesian headers), made
from synthetic families: for the import benchmark and for trying the import by hand.

    .venv/bin/python -m benchmarks.village_list 5000 /tmp/daftar.csv [--bad 2]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Iterable

from webapp.services.registry.synthetic import Generated, families

HEADERS = ["No KK", "NIK", "Nama Lengkap", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir",
           "Hubungan Keluarga", "Alamat", "RT", "RW", "Desa", "Desil", "Pekerjaan",
           "Periode Desil"]
RELATION = {"head": "Kepala Keluarga", "wife": "Istri", "husband": "Suami", "child": "Anak",
            "parent": "Orang Tua"}
DESA = {"35.07.01.2001": "Tulungrejo", "35.07.01.2002": "Banjarejo",
        "35.07.01.2003": "Kedungsalam", "35.07.01.2004": "Tlogosari"}


def rows(count: int, desa: list[str], seed: int = 7, bad_percent: float = 0.0
         ) -> Iterable[list[str]]:
    """About ``count`` person rows (whole families), ``bad_percent`` of them broken the ways
    village lists break (a NIK in scientific notation, a short NIK, an unknown desa)."""
    rng = random.Random(seed)
    made = 0
    for family in families(max(1, count // 3), desa, seed=seed):
        for member in family.members:
            yield _row(family, member, rng, bad_percent)
            made += 1
            if made >= count:
                return


def _row(family: Generated, member: dict[str, object], rng: random.Random,
         bad_percent: float) -> list[str]:
    born = member["birth_date"]
    row = [f"'{family.kk_number}", str(member["nik"] or ""), str(member["full_name"]),
           "L" if member["sex"] == "L" else "P", str(member["birth_place"]),
           born.strftime("%d-%m-%Y") if hasattr(born, "strftime") else "",
           RELATION.get(str(member["relation"]), "Famili Lain"), family.address, family.rt,
           family.rw, DESA.get(family.region_code, family.region_code), str(family.desil),
           str(member["occupation"]), "2025-Q3"]
    if bad_percent and rng.random() * 100 < bad_percent:
        broken = rng.choice(("scientific", "short", "desa"))
        if broken == "scientific" and row[1]:
            row[1] = f"{int(row[1]) / 1e15:.5f}E+15"
        elif broken == "short" and row[1]:
            row[1] = row[1][:14]
        else:
            row[10] = "Desa Tidak Ada"
    return row


def csv_bytes(count: int, desa: list[str], seed: int = 7, bad_percent: float = 0.0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(rows(count, desa, seed, bad_percent))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("path")
    parser.add_argument("--bad", type=float, default=2.0, help="percent of broken rows")
    parser.add_argument("--desa", nargs="*", default=list(DESA))
    args = parser.parse_args()
    with open(args.path, "wb") as handle:
        handle.write(csv_bytes(args.count, args.desa, bad_percent=args.bad))


if __name__ == "__main__":
    main()
