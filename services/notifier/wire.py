"""An email as the bytes that cross SMTP: what aiosmtplib's `send_message` would send for it,
made with less repeated work. Pure.

`send_message` makes the bytes with the standard library's `BytesGenerator` under
`email.policy.SMTP` (`SMTPUTF8` for a non-ASCII address; `cte_type="7bit"` for a server without
8BITMIME). That was a sixth of the notifier's CPU, and two of its costs repeat for every email
without changing what is made:
- each multipart's boundary is checked against the text with a regular expression compiled anew
  for that boundary (a new random one each time, so the `re` cache never holds it): about a
  millisecond per email. Here the check is a plain search for `--<boundary>`, which rejects every
  boundary the expression would and a few more; the boundary is drawn as before;
- every header is folded again from its parse tree, though most of them are the MIME structure
  headers every message repeats (`mime.STRUCTURAL`). Here those are folded once per value and
  folding settings; the generator's own header checks still run on every header.
The result is the same bytes (`tests/unit/notifier/test_wire.py`).
"""

import copy
import random
import sys
from email.generator import BytesGenerator
from email.headerregistry import BaseHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from io import BytesIO
from typing import Any

from services.notifier.mime import STRUCTURAL

_DIGITS = len(repr(sys.maxsize - 1))
_KEPT = 256
"""Folded structure headers kept, at most (a few dozen distinct ones occur)."""


class _Policy(EmailPolicy):
    """`email.policy.SMTP` (or `SMTPUTF8`), folding each structure header once per value; its
    clones (the generator makes one per part) are of this class too."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if not (isinstance(value, BaseHeader) and _repeats(name, value)):
            return super().fold_binary(name, value)
        settings = (self.linesep, self.max_line_length, self.utf8, self.cte_type)
        key = (*settings, name, type(value), value.name, str(value))
        folded = _FOLDED.get(key)
        if folded is None:
            if len(_FOLDED) >= _KEPT:
                _FOLDED.clear()
            folded = _FOLDED[key] = super().fold_binary(name, value)
        return folded


_FOLDED: dict[tuple[object, ...], bytes] = {}
_POLICIES = {
    (utf8, eight_bit): _Policy(linesep="\r\n", utf8=utf8, cte_type="8bit" if eight_bit else "7bit")
    for utf8 in (False, True)
    for eight_bit in (False, True)
}


def wire(message: EmailMessage, *, eight_bit: bool, utf8: bool = False) -> bytes:
    """The message as `send_message` sends it to a server with (`eight_bit`) or without
    8BITMIME, for ASCII addresses or (`utf8`) not; without its Bcc and Resent-Bcc."""
    flat = copy.copy(message)
    del flat["Bcc"]
    del flat["Resent-Bcc"]
    with BytesIO() as out:
        _Generator(out, policy=_POLICIES[utf8, eight_bit]).flatten(flat)
        return out.getvalue()


class _Generator(BytesGenerator):
    @classmethod
    def _make_boundary(cls, text: bytes | None = None) -> str:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_DIGITS}d}" + "=="
        if text is None:
            return boundary
        found, counter = boundary, 0
        while f"--{found}".encode() in text:
            found, counter = f"{boundary}.{counter}", counter + 1
        return found


def _repeats(name: str, value: BaseHeader) -> bool:
    """A structure header without a per-message boundary: its fold depends on its class, name,
    value and the policy's folding settings only."""
    return name.lower() in STRUCTURAL and "boundary=" not in value.lower()
