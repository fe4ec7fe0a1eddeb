"""Opaque cursors for listings: the last id of a page, so the next page starts after it.

Ids are unique and pages are sorted by id, so a cursor stays valid while profiles change.
"""

import base64
import binascii
import re

_PREFIX = "p1:"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class InvalidCursor(ValueError):
    """The cursor was not made by `encode`."""


def encode(last_id: str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("not a cursor from this API") from exc
    last_id = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not _ID.fullmatch(last_id):
        raise InvalidCursor("not a cursor from this API")
    return last_id
