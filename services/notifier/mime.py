"""The email policy every message is built with: the standard library's `email.policy.default`,
with its headers made more cheaply and to the same result. Pure.

Building an email was most of the notifier's CPU per email. Two costs of the standard library
repeat for every header of every message, and neither changes what is made:
- its header registry creates a new class each time it makes a header (about 20 µs, some 50
  times per email); here each header name's class is made once;
- the MIME headers that every message repeats (`Content-Type: text/plain; charset="utf-8"`,
  `Content-Transfer-Encoding`, `MIME-Version`, ...) are parsed again each time; here the parsed
  header is kept and reused. Header objects are immutable strings, and a message replaces a
  header rather than changing it, so one object can serve every message. Only these structural
  headers are kept, so no name, address or subject stays in memory.
"""

import functools
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy, default

STRUCTURAL = frozenset(
    {
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "mime-version",
        "auto-submitted",
        "list-unsubscribe-post",
    }
)
"""Headers whose values repeat across messages and carry nothing about a person."""


class _Headers(HeaderRegistry):
    """`HeaderRegistry` with one class per header name and the structural headers reused."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: object) -> BaseHeader:
        if isinstance(value, str) and name.lower() in STRUCTURAL:
            return _structural(self, name, value)
        return self[name](name, value)


@functools.lru_cache(maxsize=256)
def _structural(headers: _Headers, name: str, value: str) -> BaseHeader:
    return headers[name](name, value)


POLICY: "EmailPolicy[EmailMessage]" = default.clone(header_factory=_Headers())
"""`email.policy.default`, made faster; what it builds is the same."""
