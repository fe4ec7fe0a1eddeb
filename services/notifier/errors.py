"""The notifier's named errors, in one place.

Only the edges turn them into transport behaviour. In the consumer, a `TransientDeliveryError` or a
`ClaimHeld` propagates, so the shared dead-letter middleware redelivers the pairing event after its
back-off (nothing is committed, nothing is lost). A `PermanentDeliveryError` or an `InvalidAddress`
is recorded and published as `NotificationFailed`; the event is then committed.
`shared.errors.StoreUnavailable` (the store is down) is transient too.
"""


class NotifierError(Exception):
    """Base of the errors below."""


class DeliveryError(NotifierError):
    """The mail server did not accept a message."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: the server was unreachable, timed out, answered 4xx, or is misconfigured.

    Server-wide 5xx answers (authentication, HELO, STARTTLS missing) count as transient too: they
    are about our configuration, not about this message, and failing every email for them would
    drop mail an operator can still deliver by fixing the configuration.
    """


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying: the server refused this sender, recipient or content with a 5xx."""


class InvalidAddress(NotifierError):
    """An email address is not valid; the notification fails without contacting the server."""


class ClaimHeld(NotifierError):
    """Another attempt holds the claim on this notification and its lease has not expired.

    Raised so the event is redelivered later; by then the other attempt has finished, or its lease
    has expired and this one takes over.
    """
