"""The matcher's named errors, in one place.

Only the edges turn them into transport behaviour: the API answers 404 or 422, a consumer sends
the message to the dead-letter topic. `shared.errors.StoreUnavailable` (the store is down) is
transient everywhere: the API answers 503 and consumers redeliver.
"""


class MatcherError(Exception):
    """Base of the errors below."""


class PairingNotFound(MatcherError):
    """No pairing has this id (it was never proposed)."""


class NotAParticipant(MatcherError):
    """The person answering is neither side of the pairing."""


class StaleProgram(MatcherError):
    """A pairing changed behind this replica's back (another replica wrote it while both believed
    they owned the program). The step is abandoned and the program rebuilt from the store."""


class NotAnswerable(MatcherError):
    """The decision does not fit the pairing's state (accept or decline once it no longer awaits
    answers, end unless it is active)."""
