"""Hardened XML parsing for diagrams: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

from lxml import etree

from .messages import MessageError

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024


class UnsafeXml(MessageError):
    """The file is not acceptable XML for a diagram."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(data: bytes | str, limit: int = MAX_DIAGRAM_BYTES) -> etree._Element:
    """Parse diagram XML, refusing a DOCTYPE, entities and oversize files."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > limit:
        raise UnsafeXml("the file is larger than %(limit)s KB", limit=limit // 1024)
    head = raw[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in raw.lower():
        raise UnsafeXml("a DOCTYPE or entity declaration is not allowed")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as err:
        raise UnsafeXml("the file is not well-formed XML: %(reason)s", reason=str(err)) from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("a DOCTYPE is not allowed")
    return root
