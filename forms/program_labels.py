"""The words an office uses for its programs and rounds: kinds, schemes, funding sources,
benefits, channels, the 6T checklist, and who may collect for a family."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROGRAM_KIND = {"local": _l("Local program (our own list)"),
                "national": _l("National program (list imported)")}
SCHEME = {
    "pkh": _l("PKH"), "sembako": _l("Sembako / BPNT"), "pbi_jk": _l("PBI-JK"),
    "blt_dd": _l("BLT Dana Desa"), "top_up": _l("Provincial top-up"),
    "apbd": _l("Local APBD program"), "disaster": _l("Disaster relief"),
    "csr": _l("CSR / BAZNAS"),
}
FUNDING = {
    "apbn": _l("APBN"), "apbd_province": _l("APBD provinsi"),
    "apbd_regency": _l("APBD kabupaten/kota"), "dana_desa": _l("Dana Desa"),
    "csr": _l("CSR"), "zis": _l("ZIS (zakat, infak, sedekah)"),
}
BENEFIT_KIND = {"money": _l("Money"), "goods": _l("Goods")}
CHANNELS = {"cash": _l("Cash in hand"), "bank": _l("Bank / KKS"), "pos": _l("PT Pos"),
            "e_warong": _l("E-warong"), "goods": _l("Goods handed over")}
SIX_T = {"target": _l("Right recipients"), "time": _l("Right time"),
         "amount": _l("Right amount"), "price": _l("Right price"),
         "quality": _l("Right quality"), "administration": _l("Right administration")}
SIX_T_ANSWER = {"yes": _l("Yes"), "no": _l("No"), "na": _l("Does not apply")}
PROXY_RELATIONS = (_l("Husband"), _l("Wife"), _l("Child"), _l("Parent"), _l("Sibling"),
                   _l("Neighbour"), _l("Village officer"), _l("Carer"))
