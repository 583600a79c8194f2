"""A region table the size and shape of Kepmendagri 2025 (38 provinces, 514 kabupaten/kota,
7,285 kecamatan, 83,760 desa/kelurahan: 91,597 rows), generated, for tests and benchmarks that
must see the planner and the pages at national scale without ../shared/data.

Codes follow the real pattern (``35``, ``35.07``, ``35.07.01``, ``35.07.01.2001``); names are
made up. Real codes used by the small test set (35, 35.07, 35.07.01, ...) are among them, so
loading both skips the duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator

PROVINCES = 38
KABUPATEN = 514
KECAMATAN = 7285
DESA = 83760


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts that differ by at most one."""
    each, extra = divmod(total, parts)
    return [each + (1 if n < extra else 0) for n in range(parts)]


def national_regions() -> Iterator[dict[str, str]]:
    """Rows as the Kepmendagri CSV has them (kode, nama, tingkat, induk), parents first."""
    kabupaten = iter(_spread(KABUPATEN, PROVINCES))
    kecamatan = iter(_spread(KECAMATAN, KABUPATEN))
    desa = iter(_spread(DESA, KECAMATAN))
    for p in range(PROVINCES):
        province = f"{11 + p}"
        yield {"kode": province, "nama": f"Provinsi {province}", "tingkat": "provinsi",
               "induk": ""}
        for k in range(next(kabupaten)):
            kab = f"{province}.{k + 1:02d}"
            yield {"kode": kab, "nama": f"Kabupaten {kab}", "tingkat": "kabupaten_kota",
                   "induk": province}
            for c in range(next(kecamatan)):
                kec = f"{kab}.{c + 1:02d}"
                yield {"kode": kec, "nama": f"Kecamatan {kec}", "tingkat": "kecamatan",
                       "induk": kab}
                for d in range(next(desa)):
                    yield {"kode": f"{kec}.{2001 + d}", "nama": f"Desa {kec}.{2001 + d}",
                           "tingkat": "desa_kelurahan", "induk": kec}
