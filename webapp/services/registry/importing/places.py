"""Where a row's family lives: the desa the uploader may import into, by code or by name
(names repeat across kecamatan: the row's kecamatan or the KK's area tells them apart)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ....models import Region
from ...scope import region_clause
from ..family_rules import DESA_LEVEL
from ..identity import clean_number
from ..keys import name_key

DESA_PREFIX = re.compile(r"^(desa|kelurahan|kel|ds)\s+")


class Places:
    """The desa the uploader may import into, by code and by name."""

    def __init__(self, session: Session, user: Any):
        self._session = session
        query = select(Region).where(Region.level == DESA_LEVEL)
        if user.region_code:
            query = query.where(region_clause(user, Region.code))
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        for region in session.scalars(query):
            self.by_code[region.code] = region
            self.by_name[name_key(region.name)].append(region)
        self.kecamatan = frozenset(session.scalars(select(Region.code).where(
            Region.level == "kecamatan")))
        self._seen: dict[tuple[Any, Any, str], tuple[str, str | None]] = {}
        self.kecamatan_by_name: dict[str, list[str]] = defaultdict(list)
        query = select(Region).where(Region.level == "kecamatan")
        if user.region_code:
            query = query.where(region_clause(user, Region.code))
        for region in session.scalars(query):
            self.kecamatan_by_name[name_key(region.name)].append(region.code)

    def code_of(self, value: Any, kecamatan: Any = None, kk: str = "") -> tuple[str, str | None]:
        """(code, problem) for a desa given by code (35.07.01.2001 or 3507012001) or by name.
        Desa names repeat across kecamatan: a name is looked up in the row's kecamatan (a
        column, by name or code), else in the kecamatan of the KK number's area code."""
        key = (value, kecamatan, kk[:6])
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._code_of(value, kecamatan, kk)
        return found

    def _code_of(self, value: Any, kecamatan: Any, kk: str) -> tuple[str, str | None]:
        text = " ".join(str(value if value is not None else "").split())
        if not text:
            return "", None
        digits = clean_number(text)
        if digits.isdigit() and len(digits) == 10:
            text = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", text):
            if text in self.by_code:
                return text, None
            known = self._session.get(Region, text)
            if known is not None and known.level == DESA_LEVEL:
                return "", gettext("Desa %(name)s (%(code)s) lies outside your region.",
                                   name=known.name, code=text)
            return "", gettext("The desa code %(code)s is not in the region table (Kepmendagri "
                               "2025): check it, or write the desa's name.", code=text)
        named = self.by_name.get(DESA_PREFIX.sub("", name_key(text)), [])
        if len(named) > 1:
            within = self._kecamatan_of(kecamatan)
            if within:
                named = [r for r in named if r.parent_code in within]
            elif len(kk) == 16 and kk.isdigit():
                area = f"{kk[:2]}.{kk[2:4]}.{kk[4:6]}"
                named = [r for r in named if r.parent_code == area] or named
        if len(named) == 1:
            return named[0].code, None
        if len(named) > 1:
            return "", gettext("There are several desa named %(name)s in your region: add a "
                               "Kecamatan column or write the desa code.", name=text)
        return "", gettext("Unknown desa or kelurahan: %(name)s.", name=text)

    def _kecamatan_of(self, value: Any) -> set[str]:
        text = " ".join(str(value if value is not None else "").split())
        if not text:
            return set()
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", text):
            return {text}
        key = re.sub(r"^(kecamatan|kec)\s+", "", name_key(text))
        return set(self.kecamatan_by_name.get(key, ()))

    def region(self, code: str) -> Region | None:
        return self.by_code.get(code)

    def name(self, code: str) -> str:
        found = self.by_code.get(code) or self._session.get(Region, code)
        return f"{found.name} ({code})" if found is not None else code
