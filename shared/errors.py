"""Errors every service shares. No I/O here, so that pure modules may name them."""


class StoreUnavailable(RuntimeError):
    """The store could not be reached; the operation may be retried (HTTP 503, or redelivery)."""
