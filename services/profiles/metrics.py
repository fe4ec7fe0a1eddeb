"""Prometheus metrics of the profiles service (dead letters are counted in `shared.kafka`)."""

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "profiles_http_requests_total",
    "HTTP requests by route and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "profiles_http_request_seconds", "HTTP request duration by route.", ["method", "route"]
)
EVENTS_PUBLISHED = Counter(
    "profiles_events_published_total", "Canonical events published by the relay.", ["event_type"]
)
OUTBOX_BACKLOG = Gauge(
    "profiles_outbox_backlog",
    "Events stored but not yet published (exact after each relay sweep, tracked in between).",
)
BROKER_UP = Gauge("profiles_broker_up", "1 while Kafka answers, 0 while it does not.")
RELAY_FAILURES = Counter(
    "profiles_relay_failures_total", "Relay passes that could not publish everything."
)
INGRESS = Counter("profiles_ingress_total", "Ingress requests by outcome.", ["outcome"])
